"""Bad input that used to be accepted or answered unhelpfully (issue 11
item 8): each case is refused with one line that says what to do, exit 2,
before anything runs; and a report never leaves an earlier report's plots
behind or overwrites it.

Run by meson with HARNESS_BIN, HARNESS_BUILD_DIR and HARNESS_SOURCE_DIR set.
Workloads run with tiny parameters (correctness, not speed)."""
import os
import subprocess
import sys
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
SOURCE = os.environ["HARNESS_SOURCE_DIR"]
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
TINY = ["--runs", "1", "--warmup", "0"]
TINY_RM = ["--", "--cycles", "2000", "--ws", "64"]


def harness(*args, timeout=120):
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=timeout)


class Refused(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def refused(self, *args, says):
        p = harness(*args)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        for word in says:
            self.assertIn(word, lines[0])
        self.assertFalse(os.path.exists(self.out), "nothing may run")
        return lines[0]

    def test_optional_value_given_with_a_space(self):
        # was: "unexpected argument 'cycles'" (nothing about '=')
        for argv, says in ((["run", "random_mixed", "--alloc=glibc", "--counters", "cycles"], "--counters=cycles"),
                           (["run", "--counters", "cycles", "random_mixed", "--alloc=glibc"], "--counters=cycles"),
                           (["ab", "random_mixed", "--alloc=glibc,glibc", "--probes", "faults"], "--probes=faults")):
            with self.subTest(argv=argv):
                self.refused(*argv, "--out", self.out, says=[says])

    def test_workload_after_a_bare_optional_value_option_still_works(self):
        p = harness("run", "--counters", "random_mixed", "--alloc=glibc", "--out", self.out, *TINY, *TINY_RM)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_repeated_thread_count_is_named(self):
        # was: "allocator 'glibc t=2' is listed twice in --alloc"
        line = self.refused("run", "random_mixed", "--alloc=glibc", "--threads", "1,2,2", "--out", self.out,
                            says=["--threads", "2 twice"])
        self.assertNotIn("--alloc", line)

    def test_blank_cmd_is_refused(self):
        self.refused("run", "--cmd", "   ", "--alloc=glibc", "--out", self.out, *TINY, says=["--cmd"])

    @unittest.skipUnless(os.path.exists(JEMALLOC), "libjemalloc2 not installed")
    def test_builtin_name_cannot_claim_another_library(self):
        # was: recorded as glibc, version and package of glibc
        self.refused("run", "random_mixed", "--alloc=glibc=" + JEMALLOC, "--out", self.out, *TINY,
                     says=["built in", "my-glibc="])
        mimalloc = "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2"
        if os.path.exists(mimalloc):
            self.refused("run", "random_mixed", "--alloc=jemalloc=" + mimalloc, "--out", self.out, *TINY,
                         says=["built in", "my-jemalloc="])

    @unittest.skipUnless(os.path.exists(JEMALLOC), "libjemalloc2 not installed")
    def test_builtin_name_with_its_own_library_is_the_builtin(self):
        p = harness("run", "random_mixed", "--alloc=jemalloc=" + JEMALLOC, "--out", self.out, "--json",
                    *TINY, *TINY_RM)
        self.assertEqual(p.returncode, 0, p.stderr)
        import json
        with open(self.out) as f:
            rec = json.loads(f.readline())
        self.assertEqual(rec["alloc"]["name"], "jemalloc")
        self.assertNotEqual(rec["alloc"]["version"], "unknown")

    def test_harness_test_bad_option_is_one_line(self):
        # was: meson's whole usage, then "0 passed, 1 failed"
        p = harness("test", "--bogus")
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(p.stdout, "")
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("--bogus", lines[0])

    def test_harness_test_list_keeps_the_running_sessions_log(self):
        # was: every `harness test ...` unlinked meson's testlog.json first, so
        # a `harness test --list` inside a test session emptied that session's count
        log = os.path.join(os.environ["HARNESS_BUILD_DIR"], "meson-logs", "testlog.json")
        if not os.path.exists(log):
            self.skipTest("no meson test log (not run by meson test)")
        before = os.stat(log).st_ino
        p = harness("test", "--list")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.exists(log))
        self.assertEqual(os.stat(log).st_ino, before)


class ReportDirectory(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.results = os.path.join(self.tmp.name, "r.jsonl")
        p = harness("run", "random_mixed", "--alloc=glibc", "--out", self.results, *TINY, *TINY_RM)
        self.assertEqual(p.returncode, 0, p.stderr)

    def tearDown(self):
        self.tmp.cleanup()

    def test_earlier_reports_plots_are_removed_user_files_kept(self):
        d = os.path.join(self.tmp.name, "rep")
        os.makedirs(d)
        with open(os.path.join(d, "REPORT.md"), "w") as f:
            f.write("# old\n\n![old plot](stale_plot.png)\n")
        for name in ("stale_plot.png", "notes.txt"):
            open(os.path.join(d, name), "w").close()
        p = harness("report", self.results, "--out", d)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "stale_plot.png")), "stale plot left behind")
        self.assertTrue(os.path.exists(os.path.join(d, "notes.txt")), "a file the report did not write was removed")
        with open(os.path.join(d, "REPORT.md")) as f:
            self.assertNotIn("# old", f.read())

    def test_default_directory_is_never_reused(self):
        sys.path.insert(0, os.path.join(SOURCE, "scripts"))
        import report
        base = os.path.join(self.tmp.name, "2026-01-01-x-run")
        self.assertEqual(report.new_default_dir(base), base)
        os.makedirs(base)
        self.assertEqual(report.new_default_dir(base), base + "-2")
        os.makedirs(base + "-2")
        self.assertEqual(report.new_default_dir(base), base + "-3")


if __name__ == "__main__":
    unittest.main(verbosity=2)
