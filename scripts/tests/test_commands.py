"""End to end through the harness binary: `ab`, `analyze`, `report` on a
tiny workload (--cycles 20000, --runs 3, --warmup 0), their --help, and
the errors for bad input.  Usage: test_commands.py PATH/TO/harness
Exit 77 (meson's "skipped") only for the analyze case when HAKMEM is not
built in this tree yet."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HARNESS = None
HERE = os.path.dirname(os.path.abspath(__file__))
TINY = ["--", "--cycles", "20000"]


def run(*args, timeout=300):
    p = subprocess.run([HARNESS] + list(args), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def load(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


class Help(unittest.TestCase):
    def test_help_ends_with_examples(self):
        for sub in ("ab", "analyze", "report"):
            rc, out, _ = run(sub, "--help")
            self.assertEqual(rc, 0, sub)
            tail = out.strip().split("\n")
            self.assertIn("EXAMPLES", out, sub)
            self.assertTrue(any(l.strip() == "EXAMPLES" for l in tail[-8:]), sub)


class Fleet(unittest.TestCase):
    """`harness fleet` execs fleet/fleet.py; its own tests are in fleet/tests."""

    def test_help_ends_with_examples(self):
        rc, out, err = run("fleet", "--help")
        self.assertEqual(rc, 0, err)
        lines = [l for l in out.strip().split("\n")]
        self.assertTrue(any(l.strip() == "EXAMPLES" for l in lines[-10:]), out[-400:])
        self.assertIn("harness fleet submit", out)

    def test_bad_call_one_line_exit_2(self):
        for args in (("bogus",), ("status",), ("collect", "/nonexistent/experiment")):
            rc, out, err = run("fleet", *args)
            self.assertEqual(rc, 2, (args, out, err))
            self.assertEqual(len(err.strip().split("\n")), 1, (args, err))
            self.assertTrue(err.startswith("fleet: ") or err.startswith("harness fleet: "), err)


class AB(unittest.TestCase):
    def test_allocator_ab(self):
        with tempfile.TemporaryDirectory() as d:
            res = os.path.join(d, "ab.jsonl")
            rc, out, err = run("ab", "random_mixed", "--alloc=glibc,jemalloc", "--runs", "3", "--warmup", "0",
                               "--quiet", "--out", res, *TINY)
            self.assertEqual(rc, 0, err)
            recs = load(res)
            self.assertEqual(len(recs), 6)
            self.assertEqual({r["variant"] for r in recs}, {"glibc", "jemalloc"})
            self.assertTrue(all(r["experiment"] == "ab" for r in recs))
            self.assertIn("A/B verdicts against glibc", out)
            # 3 runs a side: the exact test cannot reach 0.05, and the verdict must say so
            self.assertIn("too few runs", out)
            self.assertIn(recs[0]["invocation"], out)

    def test_nothing_to_compare(self):
        rc, _, err = run("ab", "random_mixed", "--alloc=glibc", *TINY)
        self.assertEqual(rc, 2)
        self.assertIn("nothing to compare", err)

    def test_bad_vary(self):
        rc, _, err = run("ab", "random_mixed", "--alloc=glibc", "--vary", "X=1", *TINY)
        self.assertEqual(rc, 2)
        self.assertIn("at least two values", err)

    def test_vary_value_twice_is_refused(self):
        """issue 11 item 8: K=0,0 compared nothing with exit 0."""
        rc, _, err = run("ab", "random_mixed", "--alloc=hakmem", "--vary", "HAKMEM_THP=0,0", *TINY)
        self.assertEqual(rc, 2)
        self.assertIn("--vary HAKMEM_THP lists '0' twice", err)

    def test_probes_empty_item_is_refused(self):
        """issue 11 item 8: --probes=a,,b was accepted (--counters=a,,b was not)."""
        for bad in ("faults,,vm", ",faults", "vm,"):
            rc, _, err = run("run", "random_mixed", "--alloc=glibc", "--probes=" + bad, *TINY)
            self.assertEqual(rc, 2, err)
            self.assertIn("--probes has an empty item in its list", err)
            self.assertEqual(len(err.strip().splitlines()), 1, err)

    def test_other_allocator_knob_warns(self):
        with tempfile.TemporaryDirectory() as d:
            rc, out, err = run("ab", "random_mixed", "--alloc=glibc", "--vary", "MALLOC_ARENA_MAX=1,2",
                               "--runs", "2", "--warmup", "0", "--quiet", "--out", os.path.join(d, "x.jsonl"), *TINY)
            self.assertEqual(rc, 0, err)
            self.assertIn("cannot check that MALLOC_ARENA_MAX", err)
            labels = {r["variant"] for r in load(os.path.join(d, "x.jsonl"))}
            self.assertEqual(labels, {"glibc MALLOC_ARENA_MAX=1", "glibc MALLOC_ARENA_MAX=2"})

    def test_knob_values_checked_before_running(self):
        """issue 11 item 5: a value outside the knob table stops ab before
        any run, with one line naming the knob, the value and what it takes."""
        for bad in ("abc", "5000", "-1", "2x"):
            with tempfile.TemporaryDirectory() as d:
                out_file = os.path.join(d, "x.jsonl")
                rc, _, err = run("ab", "random_mixed", "--alloc=hakmem", "--vary", "HAKMEM_SS_CACHE=0," + bad,
                                 "--out", out_file, *TINY)
                self.assertEqual(rc, 2, err)
                self.assertIn("HAKMEM_SS_CACHE does not accept '%s'; it accepts 0..1024" % bad, err)
                self.assertFalse(os.path.exists(out_file), "nothing may run")

    def test_unknown_hakmem_knob_lists_known(self):
        rc, _, err = run("ab", "random_mixed", "--alloc=hakmem", "--vary", "HAKMEM_NO_SUCH_KNOB=0,1", *TINY)
        self.assertEqual(rc, 2)
        self.assertIn("HAKMEM has no knob 'HAKMEM_NO_SUCH_KNOB'", err)
        self.assertIn("HAKMEM_THP", err)


class MarginAndAA(unittest.TestCase):
    """--margin PCT reaches the verdict scripts; ab --aa runs one setting as
    A and B and prints the observed false-claim rate (scripts/aa.py)."""

    def test_margin_reaches_ab_and_report(self):
        with tempfile.TemporaryDirectory() as d:
            res = os.path.join(d, "ab.jsonl")
            rc, out, err = run("ab", "tiny_hot", "--alloc=glibc,jemalloc", "--runs", "3", "--warmup", "0",
                               "--quiet", "--margin", "7", "--out", res, "--", "--iterations", "20000")
            self.assertEqual(rc, 0, err)
            self.assertIn("inside \u00b17%: equivalent", out)
            rc, out, err = run("report", res, "--margin=9", "--out", os.path.join(d, "rep"), "--no-html")
            self.assertEqual(rc, 0, err)
            with open(os.path.join(d, "rep", "REPORT.md")) as f:
                self.assertIn("equivalence margin \u00b19%", f.read())

    def test_bad_margin_one_line(self):
        for sub, args in (("ab", ("tiny_hot", "--alloc=glibc,jemalloc")), ("analyze", ("tiny_hot",)),
                          ("report", ("/nonexistent.jsonl",))):
            for m in ("0", "100", "abc", ""):
                rc, out, err = run(sub, *args, "--margin", m)
                self.assertEqual(rc, 2, (sub, m, err))
                self.assertEqual(len(err.strip().split("\n")), 1, (sub, m, err))
                self.assertIn("--margin needs a percentage", err)

    def test_aa(self):
        with tempfile.TemporaryDirectory() as d:
            res = os.path.join(d, "aa.jsonl")
            rc, out, err = run("ab", "tiny_hot", "--alloc=glibc", "--aa", "--runs", "4", "--warmup", "0",
                               "--quiet", "--out", res, "--", "--iterations", "20000")
            self.assertEqual(rc, 0, err)
            recs = load(res)
            self.assertEqual(sorted(r["variant"] for r in recs), ["glibc A"] * 4 + ["glibc B"] * 4)
            self.assertEqual({r["alloc"]["name"] for r in recs}, {"glibc"})
            self.assertEqual({json.dumps(r["knobs"]) for r in recs}, {"{}"})
            # interleaved: every round holds one run of each label
            for k in range(4):
                self.assertEqual(sorted(r["variant"] for r in recs if r["run"] == k), ["glibc A", "glibc B"])
            self.assertIn("1 same-setting comparison", out)
            line = [l for l in out.split("\n") if l.startswith("false claims: ")]
            self.assertEqual(len(line), 1, out)
            self.assertRegex(line[0], r"^false claims: [01] of 1 experiments")

    def test_aa_needs_one_setting(self):
        for args in (("--alloc=glibc,jemalloc",), ("--alloc=glibc", "--vary", "MALLOC_ARENA_MAX=1,2")):
            rc, _, err = run("ab", "tiny_hot", "--aa", *args)
            self.assertEqual(rc, 2, err)
            self.assertEqual(len(err.strip().split("\n")), 1, err)
            self.assertIn("--aa compares one setting with itself", err)


class Report(unittest.TestCase):
    def test_report_bad_lines(self):
        with tempfile.TemporaryDirectory() as d:
            rc, out, err = run("report", os.path.join(HERE, "fixtures", "bad_lines.jsonl"), "--out", d)
            self.assertEqual(rc, 0, err)
            self.assertIn("skipped line 5", err)
            self.assertIn("skipped line 12", err)
            self.assertTrue(os.path.getsize(os.path.join(d, "REPORT.md")) > 0)

    def test_report_missing_file(self):
        rc, _, err = run("report", "/nonexistent.jsonl")
        self.assertNotEqual(rc, 0)
        self.assertIn("no such file", err)


class Analyze(unittest.TestCase):
    def test_analyze_tiny(self):
        lib = os.path.join(os.path.dirname(os.path.dirname(HARNESS)), "allocator", "libhakmem.so")
        if not os.path.exists(lib):
            self.skipTest("HAKMEM is not built in this tree yet (%s)" % lib)
        with tempfile.TemporaryDirectory() as d:
            res, rep = os.path.join(d, "an.jsonl"), os.path.join(d, "report")
            rc, out, err = run("analyze", "random_mixed", "--runs", "3", "--warmup", "0", "--quiet",
                               "--out", res, "--report-dir", rep, "--margin", "7", *TINY)
            self.assertIn(rc, (0, 1), err)     # 1: some run failed (recorded); the report is still written
            recs = load(res)
            labels = {r["variant"] for r in recs}
            self.assertIn("hakmem", labels)
            for knob in ("HAKMEM_THP", "HAKMEM_PREFAULT", "HAKMEM_RELEASE"):
                self.assertTrue(any(l.startswith("hakmem " + knob + "=") for l in labels), knob)
            self.assertTrue(all(r["experiment"] == "analyze" for r in recs))
            # the default cachegrind pass: one simulated run per variant, its
            # own invocation, with the instruction split
            sim = [r for r in recs if r.get("engine") == "cachegrind"]
            native = [r for r in recs if r.get("engine") != "cachegrind"]
            self.assertEqual(sorted(r["variant"] for r in sim), sorted(labels))
            self.assertEqual(len({r["invocation"] for r in sim}), 1)
            self.assertNotIn(sim[0]["invocation"], {r["invocation"] for r in native})
            for r in sim:
                if r["status"] == "ok":
                    self.assertIn("instructions_by_class", r["cachegrind"])
                    self.assertIn("sim_alloc_instr_share", r["metrics"])
            with open(os.path.join(rep, "REPORT.md")) as f:
                text = f.read()
            self.assertIn("## Controllability", text)
            self.assertIn("instr/op alloc / libc / workload / other (sim.)", text)
            self.assertRegex(text, r"\n\| hakmem \|[^\n]*\| [0-9.]+x \| baseline \|")
            self.assertIn("baseline: `hakmem`", text)
            self.assertIn("equivalence margin \u00b17%", text)     # --margin 7 reached report.py
            self.assertIn("The seed report's questions, answered from this file", text)
            self.assertIn("**What is the ceiling on any allocator change?**", text)
            self.assertTrue(os.path.getsize(os.path.join(rep, "throughput.png")) > 0)


if __name__ == "__main__":
    HARNESS = os.path.abspath(sys.argv.pop(1))
    unittest.main()
