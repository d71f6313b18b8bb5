"""Report sections on hand-made schema-2 variations of the ab_small
fixture: a schema-1 file gets no verdicts, a renamed core metric is named
as absent (never a silently dropped row), measured costs come only from
host.calibration, several workloads are never pooled (one section each and
a matrix), and a file where every run failed says so."""
import copy
import json
import os
import re
import sys
import tempfile
import unittest
from unittest import mock

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import analysis  # noqa: E402
import report  # noqa: E402

FIX = os.path.join(HERE, "fixtures", "ab_small.jsonl")
FIX1 = os.path.join(HERE, "fixtures", "ab_small_schema1.jsonl")
TMP = tempfile.TemporaryDirectory()       # removed when the tests end

CALIBRATION = {"schema": 1, "host": {"hostname": "fixture", "kernel": "6.18.44", "boot_id": "0123456789abcdef",
                                     "cpu_model": "AMD EPYC (fixture)"},
               "costs": {"fault_4k_first_touch": {"unit": "ns", "per": "page", "median": 1500.0, "p10": 1200.0,
                                                  "p90": 2000.0, "n": 200, "desc": "first-touch 4 KiB fault"},
                         "fault_thp": {"status": "not measurable here: THP is disabled", "desc": "THP fault"},
                         "clear_page_4k": {"unit": "ns", "per": "page", "median": 400.0, "p10": 300.0,
                                           "p90": 600.0, "n": 200, "desc": "in-kernel clearing of a 4 KiB page"}}}


def fixture():
    with open(FIX) as f:
        return [json.loads(l) for l in f if l.strip()]


def build(recs, with_plots=False, **kw):
    """Write recs to a file and build its report; returns (text, an, dir).
    Without with_plots the PNGs are not drawn (the text is the same but
    for the image links): these tests read the text, and drawing is slow."""
    d = tempfile.mkdtemp(dir=TMP.name)
    path = os.path.join(d, "r.jsonl")
    with open(path, "w") as f:
        for r in recs:
            f.write(json.dumps(r) + "\n")
    an = analysis.Analysis(path, **kw)
    if with_plots:
        text, _ = report.build(an, os.path.join(d, "rep"), "t", path, html=False)
    else:
        with mock.patch.object(report, "workload_plots", lambda *a: {}), \
                mock.patch.object(report.plots, "matrix", lambda *a: None):
            text, _ = report.build(an, os.path.join(d, "rep"), "t", path, html=False)
    return text, an, os.path.join(d, "rep")


class Schema1(unittest.TestCase):
    def test_no_verdicts_and_why(self):
        with tempfile.TemporaryDirectory() as d:
            text, _ = report.build(analysis.Analysis(FIX1), d, "s1", FIX1, html=False)
        self.assertIn("record predates schema 2: no direction", text)
        self.assertIn("**No verdicts:**", text)
        self.assertNotRegex(text, r"\b(faster|slower) by ")


class RenamedMetric(unittest.TestCase):
    def test_absent_core_figures_are_named(self):
        recs = fixture()
        for r in recs:
            ms = r.get("metrics", {})
            if "ops_per_sec" in ms:
                ms["throughput_ops"] = ms.pop("ops_per_sec")      # as if C renamed it
            ms.pop("rusage_maxrss_kib", None)
        text, an, _ = build(recs)
        self.assertIn("figure `ops_per_sec` is not in the records", text)
        self.assertIn("figure `rusage_maxrss_kib` is not in the records", text)
        # the renamed figure is still compared, under its new name, with its record's direction
        self.assertRegex(text, r"\| throughput_ops \| [^\n]*faster by")


class Calibrated(unittest.TestCase):
    def test_costs_from_calibration_with_spread(self):
        recs = fixture()
        for r in recs:
            r["host"]["calibration"] = copy.deepcopy(CALIBRATION)
        text, an, _ = build(recs)
        row = next(r for r in an.ctrl["rows"] if r["variant"] == "hakmem")
        faults = float(np.median([r["metrics"]["rusage_minflt"]["value"] for r in recs
                                  if r["variant"] == "hakmem" and r["status"] == "ok"]))
        self.assertAlmostEqual(row["fault_s"][0], faults * 1500e-9)
        self.assertAlmostEqual(row["fault_s"][1], faults * 1200e-9)
        self.assertAlmostEqual(row["fault_s"][2], faults * 2000e-9)
        self.assertIn("| %.4f (%.4f..%.4f) |" % (faults * 1500e-9, faults * 1200e-9, faults * 2000e-9), text)
        self.assertIn("Cost per page fault: 1.50 us per page (p10..p90 1.20..2.00 us, n 200", text)
        self.assertIn("calibrated on fixture", text)
        self.assertNotIn("not measurable here: no calibration", text)

    def test_without_calibration_no_number(self):
        text, an, _ = build(fixture())
        self.assertIn("Cost per page fault: not measurable here: no calibration in the records "
                      "(run ./harness calibrate).", text)
        self.assertTrue(all(r.get("fault_s") is None for r in an.ctrl["rows"]))
        self.assertRegex(text, r"\| hakmem \| [^\n]*\| not measurable here \|")

    def test_zeroing_from_clear_page_cost(self):
        recs = fixture()
        for r in recs:
            r["host"]["calibration"] = copy.deepcopy(CALIBRATION)
            if r["status"] == "ok":
                r["metrics"]["zeroed_kib"] = {"value": 4096.0, "unit": "KiB", "better": "lower", "desc": "zeroed"}
        text, an, _ = build(recs)
        row = an.ctrl["rows"][0]
        self.assertAlmostEqual(row["zero_pages"], 1024.0)
        self.assertAlmostEqual(row["zero_s"][0], 1024 * 400e-9)
        self.assertIn("in-kernel page clearing cost: 0.40 us per page", text)

    def test_thp_faults_at_the_thp_cost(self):
        recs = fixture()
        for r in recs:
            r["host"]["calibration"] = copy.deepcopy(CALIBRATION)
            r["host"]["calibration"]["costs"]["fault_thp"] = {"unit": "ns", "per": "page", "median": 50000.0,
                                                              "p10": 40000.0, "p90": 70000.0, "n": 50, "desc": "x"}
            if r["status"] == "ok":
                r["metrics"]["thp_pages"] = {"value": 2.0, "unit": "pages", "better": "neither", "desc": "THP"}
        _, an, _ = build(recs)
        row = an.ctrl["rows"][0]
        self.assertAlmostEqual(row["fault_s"][0], (row["faults"] - 2) * 1500e-9 + 2 * 50000e-9)
        self.assertAlmostEqual(row["fault_s"][2], (row["faults"] - 2) * 2000e-9 + 2 * 70000e-9)
        # THP unavailable on the calibration host: said, not guessed
        for r in recs:
            r["host"]["calibration"]["costs"]["fault_thp"] = {"status": "not measurable here: THP is disabled"}
        _, an, _ = build(recs)
        self.assertTrue(any("not in the fault time: not measurable here: THP is disabled" in n
                            for n in an.ctrl["notes"]))

    def test_cost_named_unmeasurable_is_said(self):
        recs = fixture()
        for r in recs:
            r["host"]["calibration"] = copy.deepcopy(CALIBRATION)
            r["host"]["calibration"]["costs"]["fault_4k_first_touch"] = {
                "status": "not measurable here: mmap failed", "desc": "x"}
        text, _, _ = build(recs)
        self.assertIn("Cost per page fault: not measurable here: mmap failed.", text)


class Workloads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        recs = fixture()
        other = copy.deepcopy(recs)
        for r in other:             # a second workload, 3x the throughput, half the RSS
            r["workload"] = "tiny_hot"
            r["args"] = []
            r["command"] = "./harness run tiny_hot"
            ms = r.get("metrics", {})
            if "value" in ms.get("ops_per_sec", {}):
                ms["ops_per_sec"]["value"] *= 3
            if "value" in ms.get("rusage_maxrss_kib", {}):
                ms["rusage_maxrss_kib"]["value"] /= 2
        cls.recs = recs + other
        cls.text, cls.an, cls.dir = build(cls.recs, with_plots=True)

    def test_one_section_per_workload_never_pooled(self):
        self.assertEqual([w.label for w in self.an.workloads], ["random_mixed", "tiny_hot"])
        self.assertIn("## Workload `random_mixed`", self.text)
        self.assertIn("## Workload `tiny_hot`", self.text)
        self.assertIn("### Performance reality", self.text)
        med = np.median([r["metrics"]["ops_per_sec"]["value"] for r in self.recs
                         if r["workload"] == "tiny_hot" and r["variant"] == "jemalloc"])
        tiny = self.text.split("## Workload `tiny_hot`")[1]
        self.assertIn("| jemalloc | %.3gM |" % (med / 1e6), tiny)
        for w in self.an.workloads:
            self.assertEqual(len(w.exp.baseline.values["ops_per_sec"]), 6)

    def test_matrix(self):
        self.assertIn("## Workload matrix", self.text)
        # jemalloc is the best on both workloads: ratio 1.00; hakmem 1.10 on both, geomean 1.10
        time_table = self.text.split("## Workload matrix")[1].split("**Peak RSS")[0]
        rows = {l.split(" | ")[0].strip("| "): l for l in time_table.split("\n")
                if l.startswith("| hakmem |") or l.startswith("| jemalloc |")}
        self.assertRegex(rows["jemalloc"], r"\(1\.00\) \| [^|]*\(1\.00\) \| 1\.00 \|")
        h = [r["metrics"]["ops_per_sec"]["value"] for r in self.recs
             if r["workload"] == "random_mixed" and r["variant"] == "hakmem" and r["status"] == "ok"]
        j = [r["metrics"]["ops_per_sec"]["value"] for r in self.recs
             if r["workload"] == "random_mixed" and r["variant"] == "jemalloc"]
        ratio = np.median(j) / np.median(h)
        self.assertIn("(%.2f)" % ratio, rows["hakmem"])
        self.assertRegex(rows["hakmem"], r"\| %.2f \|$" % ratio)
        self.assertTrue(os.path.getsize(os.path.join(self.dir, "matrix.png")) > 0)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "tiny_hot-throughput.png")))


class WorkloadFigureNamed(unittest.TestCase):
    def test_moved_figure_carries_its_description(self):
        """A workload's own figure that moved is named in Key discoveries
        with the description its record gave (latency's clock_ figures
        time no call: their name alone reads like an allocator's)."""
        recs = fixture()
        # the knob variant: no other figure of its moves (one sentence per variant)
        moved = next(lab for lab in {r["variant"] for r in recs} if "PREFAULT" in lab)
        desc = "99.9th percentile of empty timings (the timer and the machine's pauses), ns"
        for r in recs:
            if r.get("status") == "ok":
                v = 900.0 if r["variant"] == moved else 100.0
                r["metrics"]["clock_p999_ns"] = {"value": v + r["run"], "unit": "ns", "better": "lower",
                                                 "desc": desc}
        text, _, _ = build(recs)
        kd = text.split("## Key discoveries")[1].split("\n## ")[0]
        self.assertRegex(kd, r"\*\*clock_p999_ns \(%s\):\*\* `%s` against `[^`]+`: higher by"
                         % (re.escape(desc), re.escape(moved)))


class AllFailed(unittest.TestCase):
    def test_says_every_run_failed(self):
        recs = fixture()
        for r in recs:
            r["status"] = "failed"
            r["error"] = "workload exited with code 2"
        text, _, _ = build(recs)
        self.assertIn("Every run failed (19 failed run(s)", text)
        self.assertNotIn("only one variant", text)
        self.assertNotIn("Only one variant", text)


class AboveFloor(unittest.TestCase):
    def test_alloc_ns_per_op_against_the_floor(self):
        """A variant whose allocator is the floor gives every variant's
        ns/op and alloc ns/op = its median ns/op - the floor's."""
        recs = fixture()
        labels = sorted({r["variant"] for r in recs})
        floor_label = labels[-1]
        for r in recs:
            if r["variant"] == floor_label:
                r["alloc"] = dict(r.get("alloc") or {}, name="floor")
        text, an, _ = build(recs)
        ns = {}
        for r in recs:
            if r.get("status") == "ok" and not r.get("warmup"):
                ns.setdefault(r["variant"], []).append(1e9 / r["metrics"]["ops_per_sec"]["value"])
        floor = float(np.median(ns[floor_label]))
        self.assertIn("alloc ns/op (- the floor's %.2f)" % floor, text)
        for label in labels:
            if label != floor_label:
                self.assertIn("| %s | %.2f | %+.2f |" % (label, np.median(ns[label]), np.median(ns[label]) - floor), text)
        self.assertIn("| %s | %.2f | the floor |" % (floor_label, floor), text)

    def test_nothing_without_a_floor(self):
        text, _, _ = build(fixture())
        self.assertNotIn("alloc ns/op", text)


class AllocatorMemory(unittest.TestCase):
    def test_own_figures_at_exit(self):
        """Records carrying HAKMEM's memory statistics get the table, with
        the medians; a figure the allocator reported as null is n/a."""
        recs = fixture()
        label = sorted({r["variant"] for r in recs})[0]
        runs = [r for r in recs if r["variant"] == label and r.get("status") == "ok" and not r.get("warmup")]
        for i, r in enumerate(runs):
            r["allocator_stats"] = {"memory": {"resident_bytes": (10 + i) << 20, "live_bytes": 4 << 20,
                                               "fragmentation_pct": 60.0, "hugepage_bytes": None},
                                    "released": {"madvise_bytes": 2 << 20, "munmap_bytes": 0}}
        text, _, _ = build(recs)
        self.assertIn("The allocator's own figures at exit", text)
        import verdict
        med = float(np.median([10 + i for i in range(len(runs))]))
        self.assertIn("| %s | %d | %s | 4 | 60 | n/a | 2 | 0 |" % (label, len(runs), verdict.fmt_num(med)), text)

    def test_nothing_without_them(self):
        text, _, _ = build(fixture())
        self.assertNotIn("The allocator's own figures", text)


EXAMPLE = os.path.join(HERE, "..", "..", "reports", "2026-11-24-random_mixed-analyze", "results.jsonl.gz")
TLB_FIX = os.path.join(HERE, "fixtures", "tlb_random_mixed.jsonl")


def load_jsonl(path):
    import gzip
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt") as f:
        return [json.loads(l) for l in f if l.strip()]


class SeedQuestions(unittest.TestCase):
    """The analyze report's section answering the seed's questions, on the
    committed analyze example (schema 1) plus two real --engine=tlb records
    (hakmem, mimalloc; random_mixed --cycles 3000 --ws 4096)."""

    def section(self, text):
        m = re.search(r"#+ The seed report's questions, answered from this file\n\n(.*?)\n\n", text, re.S)
        self.assertIsNotNone(m, text[:2000])
        return m.group(1).split("\n")

    def test_answers_from_the_data(self):
        an_recs, tlb_recs = load_jsonl(EXAMPLE), load_jsonl(TLB_FIX)
        text, an, _ = build(an_recs + tlb_recs)
        lines = self.section(text)
        self.assertEqual(len(lines), 5, lines)
        q = {l.split("?**")[0]: l for l in lines}
        pre = [l for l in lines if "prefault" in l][0]
        self.assertIn("HAKMEM_PREFAULT=1 against HAKMEM_PREFAULT=0", pre)
        self.assertIn("record predates schema 2: no direction", pre)     # schema 1: no verdict invented
        b = next(r for r in an.workloads[0].ctrl["rows"] if r["variant"] == "hakmem")
        share = [l for l in lines if "share of CPU" in l][0]
        self.assertIn("%.1f%% of its simulated instructions" % (b["alloc_instr_frac"] * 100), share)
        ceil = [l for l in lines if "ceiling" in l][0]
        self.assertIn("at most %.2fx" % b["ceiling"], ceil)
        # TLB: the walks' regions from the tlb records' own counts
        tlbl = [l for l in lines if "TLB misses" in l][0]
        for r in tlb_recs:
            reg = r["tlb"]["regions"]
            top = max(reg, key=lambda g: reg[g]["walks"])
            pct = 100.0 * reg[top]["walks"] / sum(x["walks"] for x in reg.values())
            self.assertIn("`%s`: %.0f%% in %s" % (r["variant"], pct, top), tlbl)
        self.assertIn("no --engine=tlb runs that vary a THP knob", tlbl)
        self.assertIn("zeroed memory", [l for l in lines if "zeroing" in l][0])
        self.assertEqual(len(q), 5)

    def test_without_tlb_records_not_measurable(self):
        text, _, _ = build(load_jsonl(EXAMPLE))
        tlbl = [l for l in self.section(text) if "TLB misses" in l][0]
        self.assertIn("Not measurable here: this machine has no hardware PMU", tlbl)

    def test_measured_dtlb_beside_simulated(self):
        """Where a PMU counted dTLB load misses (counters collector), the
        answer puts the measured medians beside the simulated L1 misses of
        the same variant; where the counter could not be read, its reason."""
        an_recs, tlb_recs = load_jsonl(EXAMPLE), load_jsonl(TLB_FIX)
        label = tlb_recs[0]["variant"]
        measured = []
        for i, r in enumerate(r for r in an_recs if r.get("status") == "ok" and not r.get("warmup")):
            if r.get("engine", "native") != "native":
                continue
            if r["variant"] == "hakmem":
                r["variant"] = label       # the same label as a tlb record
            if r["variant"] == label:
                v = 100.0 + i
                measured.append(v)
                r.setdefault("metrics", {})["dtlb_load_misses_per_kop"] = {
                    "value": v, "unit": "/1K ops", "better": "lower", "desc": "dTLB load misses (PMU)"}
        self.assertTrue(measured)
        text, _, _ = build(an_recs + tlb_recs)
        tlbl = [l for l in self.section(text) if "TLB misses" in l][0]
        sim = [r["metrics"]["tlb_l1_misses_per_kop"]["value"] for r in tlb_recs if r["variant"] == label]
        self.assertIn("`%s` %.3g per 1K ops (median of %d runs) against %.3g simulated L1 misses"
                      % (label, np.median(measured), len(measured), np.median(sim)), tlbl)

        an_recs = load_jsonl(EXAMPLE)
        for r in an_recs:
            r.setdefault("metrics", {})["dtlb_load_misses_per_kop"] = {
                "status": "not supported: no hardware PMU on this machine (ENOENT)"}
        text, _, _ = build(an_recs)
        tlbl = [l for l in self.section(text) if "TLB misses" in l][0]
        self.assertIn("recorded but has no value: not supported: no hardware PMU", tlbl)

    def test_only_in_analyze_reports(self):
        text, _, _ = build(fixture())
        self.assertNotIn("The seed report's questions", text)

    def test_tlb_runs_never_pooled_with_native(self):
        native = load_jsonl(EXAMPLE)
        tlb_recs = load_jsonl(TLB_FIX)
        for r in tlb_recs:          # the same workload and arguments as the native runs
            r["args"] = native[0].get("args")
        _, an0, _ = build(native)
        _, an1, _ = build(native + tlb_recs)
        n0 = {v.label: len(v.runs) for v in an0.workloads[0].exp.variants}
        n1 = {v.label: len(v.runs) for v in an1.workloads[0].exp.variants}
        self.assertEqual(n0, n1)


if __name__ == "__main__":
    unittest.main()
