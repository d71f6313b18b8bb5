"""Report generation from the committed fixture: REPORT.md, REPORT.html and
the PNGs exist and are valid images, and the numbers in the report are the
fixture's; bad and truncated lines are listed and the rest is used."""
import json
import os
import re
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import analysis  # noqa: E402
import records  # noqa: E402
import report  # noqa: E402

FIX = os.path.join(HERE, "fixtures", "ab_small.jsonl")
BAD = os.path.join(HERE, "fixtures", "bad_lines.jsonl")
PNG_SIG = b"\x89PNG\r\n\x1a\n"


def fixture_lines():
    with open(FIX) as f:
        return f.read().splitlines()


def fixture_values(path, variant, key):
    out = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r["variant"] == variant and r["status"] == "ok":
                out.append(r[key])
    return out


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = cls.tmp.name
        an = analysis.Analysis(FIX)
        cls.text, cls.pngs = report.build(an, cls.out, "fixture", FIX)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_files_and_images(self):
        self.assertTrue(os.path.getsize(os.path.join(self.out, "REPORT.md")) > 0)
        self.assertTrue(os.path.getsize(os.path.join(self.out, "REPORT.html")) > 0)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.image as mpimg
        for name in ("throughput.png", "ratio.png", "per_op.png", "user_kernel.png", "rss.png"):
            path = os.path.join(self.out, name)
            self.assertTrue(os.path.isfile(path), name)
            with open(path, "rb") as f:
                self.assertEqual(f.read(8), PNG_SIG, name)
            img = mpimg.imread(path)
            self.assertGreater(img.shape[0], 100, name)
            self.assertGreater(img.std(), 0.0, name + " is blank")
            self.assertIn("](%s)" % name, self.text)

    def test_numbers_match_fixture(self):
        base = fixture_values(FIX, "hakmem", "ops_per_sec")
        je = fixture_values(FIX, "jemalloc", "ops_per_sec")
        # the verdict's change: geometric mean of the per-round ratios (runs 0..5 of both)
        change = float(np.exp(np.mean(np.log(np.array(je) / np.array(base[:6]))))) - 1
        self.assertIn("faster by %.1f%%" % (change * 100), self.text)
        self.assertIn("| jemalloc | %.0fM |" % (np.median(je) / 1e6), self.text)
        self.assertIn("ratio", self.text)
        self.assertIn("| %.3f |" % (1 + change), self.text)
        # prefault does nothing in the fixture, but 6 runs cannot resolve +-2%: inconclusive, never "no effect"
        self.assertRegex(self.text, r"hakmem HAKMEM_PREFAULT=1 \| [^\n]*inconclusive \(95% CI ")
        self.assertNotIn("no measurable effect", self.text)
        self.assertNotIn("no effect", self.text)
        # the fixture has sys = 0.002 + 1.5 us x faults: the cross-check slope must be 1.50 us
        self.assertIn("measured: slope of sys time on faults over 18 runs (1.50 us per fault", self.text)
        # kernel share of the baseline, from the fixture's rusage
        ru = [r["rusage"] for r in map(json.loads, fixture_lines()) if r["variant"] == "hakmem" and r["status"] == "ok"]
        share = np.median([r["sys_s"] for r in ru]) / (np.median([r["sys_s"] for r in ru]) + np.median([r["user_s"] for r in ru]))
        self.assertIn("%.0f%% of `hakmem`'s CPU time is kernel time" % (share * 100), self.text)

    def test_unavailable_is_never_zero(self):
        self.assertRegex(self.text, r"\| dTLB-load-misses \| not supported: no hardware PMU[^|]*\| all \|")
        self.assertNotRegex(self.text, r"dTLB-load-misses \| 0")

    def test_failed_run_listed(self):
        self.assertIn("| 19 | hakmem | 6 | workload exited with signal 11 (SIGSEGV) |", self.text)

    def test_sections_present(self):
        for h in ("## Setup", "## Key discoveries", "## Performance reality", "## Knob verdicts",
                  "## Controllability", "## Per-op costs", "## Memory (RSS)", "## Conclusion",
                  "### Machine and software", "### Reproduce"):
            self.assertIn(h, self.text)
        self.assertIn("./harness ab random_mixed --alloc=hakmem,jemalloc --vary HAKMEM_PREFAULT=0,1 --runs 6", self.text)

    def test_main_writes_to_out(self):
        with tempfile.TemporaryDirectory() as d:
            rc = report.main([FIX, "--out", d, "--no-html", "--baseline", "jemalloc"])
            self.assertEqual(rc, 0)
            with open(os.path.join(d, "REPORT.md")) as f:
                text = f.read()
            self.assertIn("baseline: `jemalloc`", text)
            self.assertFalse(os.path.exists(os.path.join(d, "REPORT.html")))


REAL = os.path.join(HERE, "fixtures", "real_ab.jsonl")


class RealFixture(unittest.TestCase):
    """Cut from a real `harness ab` run on this machine class, with counters,
    probes and the RSS sampler on (glibc, jemalloc, mimalloc; 5 runs)."""

    def test_real_records(self):
        recs = [json.loads(l) for l in open_lines(REAL)]
        with tempfile.TemporaryDirectory() as d:
            an = analysis.Analysis(REAL, baseline="glibc")
            text, pngs = report.build(an, d, "real", REAL, html=True)
            for name in ("throughput.png", "ratio.png", "per_op.png", "user_kernel.png", "rss.png"):
                with open(os.path.join(d, name), "rb") as f:
                    self.assertEqual(f.read(8), PNG_SIG, name)
            g = [r for r in recs if r["variant"] == "glibc" and r["status"] == "ok"]
            med = np.median([r["ops_per_sec"] for r in g])
            self.assertIn("| glibc | %.3gM |" % (med / 1e6), text)
            tlb = np.median([r["metrics"]["tlb_flushes"]["value"] for r in g])
            self.assertRegex(text, r"\| glibc \|[^\n]*\| %d \|" % tlb)
            tc = np.median([r["metrics"]["task_clock_ms"]["value"] for r in g]) / 1000
            self.assertRegex(text, r"\| glibc \| [0-9.]+ \| [0-9.]+ \| %.3f \|" % tc)
            # the PMU figures are unavailable here: shown with the reason, never as numbers
            self.assertRegex(text, r"\| cycles_per_op \| not supported: no hardware PMU")
            self.assertNotRegex(text, r"\| cycles_per_op \| [0-9]")


def open_lines(path):
    with open(path) as f:
        return f.read().splitlines()


CG = os.path.join(HERE, "fixtures", "ab_cachegrind.jsonl")


class InstructionSplit(unittest.TestCase):
    """ab_small plus a second invocation of cachegrind runs (engine
    "cachegrind") for hakmem and jemalloc, with valgrind-slow times."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.an = analysis.Analysis(CG)
        cls.text, _ = report.build(cls.an, cls.tmp.name, "fixture", CG, html=False)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_cachegrind_runs_are_not_pooled(self):
        native = analysis.Analysis(FIX)
        for v, w in zip(self.an.exp.variants, native.exp.variants):
            self.assertEqual(v.label, w.label)
            self.assertEqual(v.values["ops_per_sec"], w.values["ops_per_sec"], v.label)
            self.assertEqual(v.values["rusage_user_s"], w.values["rusage_user_s"], v.label)
        self.assertNotIn("sim_alloc_instr_share", self.an.exp.figures)
        self.assertEqual(self.an.invocations, ["20251204T120000-1"])
        self.assertEqual(self.an.sim_invocations, ["20251204T120500-2"])
        # the fault-cost fit uses native runs only: still exactly 1.50 us
        self.assertIn("measured: slope of sys time on faults over 18 runs (1.50 us per fault", self.text)

    def test_ceiling_from_allocator_instruction_share(self):
        rows = {r["variant"]: r for r in self.an.ctrl["rows"]}
        ru = [r["rusage"] for r in map(json.loads, fixture_lines()) if r["variant"] == "hakmem" and r["status"] == "ok"]
        user, sys_ = np.median([r["user_s"] for r in ru]), np.median([r["sys_s"] for r in ru])
        share = 24.7 / (24.7 + 0.1 + 32.0)
        ctrl = user / (user + sys_) * share
        h = rows["hakmem"]
        self.assertAlmostEqual(h["alloc_instr_frac"], share, places=9)
        self.assertAlmostEqual(h["controllable_share"], ctrl, places=9)
        self.assertAlmostEqual(h["ceiling"], 1 / (1 - ctrl), places=9)
        self.assertEqual(h["split"]["workload"], 32.0)
        self.assertIn("| 24.7 / 0.1 / 32 / 0 | %.1f%% |" % (share * 100), self.text)
        self.assertIn("%.2fx" % (1 / (1 - ctrl)), self.text)
        self.assertIn("cache misses are not weighted", self.text)
        self.assertIn("at most %.2fx as fast" % (1 / (1 - ctrl)), self.text)

    def test_variant_without_cachegrind_run_has_no_ceiling(self):
        rows = {r["variant"]: r for r in self.an.ctrl["rows"]}
        p = rows["hakmem HAKMEM_PREFAULT=1"]
        self.assertIsNone(p["ceiling"])
        self.assertIsNone(p["controllable_share"])
        self.assertRegex(self.text, r"\| hakmem HAKMEM_PREFAULT=1 \|[^\n]*\| no cachegrind run \| n/a \| "
                                    r"not computable \| not computable \|")

    def test_two_invocations_selected_together(self):
        an = analysis.Analysis(CG, "20251204T120000-1,20251204T120500-2")
        self.assertIsNotNone(an.sim)
        self.assertIsNotNone(next(r for r in an.ctrl["rows"] if r["variant"] == "hakmem")["ceiling"])
        an = analysis.Analysis(CG, "20251204T120000-1")
        self.assertIsNone(an.sim)
        with self.assertRaises(SystemExit):
            analysis.Analysis(CG, "20251204T120000-1,nope")

    def test_without_split_no_ceiling_is_printed(self):
        # ab_small has no cachegrind runs: no number may come from "all user time"
        with tempfile.TemporaryDirectory() as d:
            text, _ = report.build(analysis.Analysis(FIX), d, "fixture", FIX, html=False)
        self.assertNotIn("as fast (Amdahl", text)
        self.assertRegex(text, r"\| hakmem \|[^\n]*\| not computable \| not computable \|")
        self.assertIn("**Ceiling:** not computable for `hakmem`", text)
        self.assertIn("--engine=cachegrind", text)
        self.assertIn("no ceiling is given", text)


class BadLines(unittest.TestCase):
    def test_skipped_lines_reported_rest_used(self):
        recs, skipped = records.load(BAD)
        self.assertEqual([s.line for s in skipped], [5, 6, 7, 12])
        self.assertIn("not valid JSON", skipped[0].reason)
        self.assertIn("not a JSON object", skipped[1].reason)
        self.assertIn("missing field(s) variant, status", skipped[2].reason)
        self.assertIn("truncated last line", skipped[3].reason)
        self.assertEqual(len(recs), 8)
        with tempfile.TemporaryDirectory() as d:
            an = analysis.Analysis(BAD)
            text, _ = report.build(an, d, "bad", BAD, html=False)
            self.assertIn("lines skipped: 4", text)
            for n in (5, 6, 7, 12):
                self.assertRegex(text, r"\| %d \| " % n)

    def test_no_usable_records_is_a_clear_error(self):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
            f.write("garbage\n")
            f.flush()
            with self.assertRaises(SystemExit) as e:
                analysis.Analysis(f.name)
            self.assertIn("no usable records", str(e.exception))


if __name__ == "__main__":
    unittest.main()
