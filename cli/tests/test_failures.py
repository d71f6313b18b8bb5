"""What a run that fails leaves, and what stops before anything runs
(issue 11 items 5, 6 and 7):

- the workload's stderr: its first 4 KiB in every record ("stderr_head",
  with "stderr_bytes"), shown under a failed run's error line; bytes that
  are not UTF-8 no longer cost the whole record;
- fail-fast: a failure in the first round stops the invocation with one
  line (run, ab, suite, analyze), -i/--ignore-failure runs everything;
  a directory given as the library is refused before any run;
- output paths (run/analyze --out, analyze --report-dir, report --out)
  checked before anything runs: one line, exit 2, no Python traceback.

Run by meson with HARNESS_BIN, HARNESS_BUILD_DIR and HARNESS_SOURCE_DIR.
Workloads run with tiny parameters: these are correctness tests."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
SOURCE = os.environ["HARNESS_SOURCE_DIR"]
LIBZ = "/lib/x86_64-linux-gnu/libz.so.1"
TINY = ["--cycles", "2000", "--ws", "64"]


def harness(*args, timeout=120):
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, errors="replace", timeout=timeout)


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def assertOneLineError(self, p, *words):
        """Exit 2, a single line on stderr naming each word, no traceback."""
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertNotIn("Traceback", p.stderr)
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        self.assertEqual(len(lines), 1, p.stderr)
        for w in words:
            self.assertIn(w, lines[0])


class StderrHead(Base):
    """Item 5: the workload's stderr is kept and shown."""

    def run_cmd(self, cmd, *extra):
        return harness("run", "--cmd", cmd, "--alloc=glibc", "--runs", "1", "--warmup", "0", "--out", self.out,
                       *extra)

    def test_a_failed_run_keeps_and_shows_its_stderr(self):
        p = self.run_cmd("echo out; echo 'usage: first line' >&2; echo 'second line' >&2; exit 3")
        self.assertEqual(p.returncode, 1, p.stderr)
        (r,) = records(self.out)
        self.assertEqual(r["status"], "failed")
        self.assertEqual(r["stderr_head"], "usage: first line\nsecond line\n")
        self.assertEqual(r["stderr_bytes"], len(r["stderr_head"]))
        self.assertIn("| usage: first line", p.stderr)     # the whole of it, not only the last line
        self.assertIn("| second line", p.stderr)

    def test_a_successful_run_keeps_its_stderr_too(self):
        p = self.run_cmd("echo 'a warning' >&2")
        self.assertEqual(p.returncode, 0, p.stderr)
        (r,) = records(self.out)
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["stderr_head"], "a warning\n")
        self.assertNotIn("| a warning", p.stderr)

    def test_only_the_first_4_KiB_are_kept_and_the_size_is_told(self):
        p = self.run_cmd("head -c 10000 /dev/zero | tr '\\0' x >&2; exit 1")
        self.assertEqual(p.returncode, 1, p.stderr)
        (r,) = records(self.out)
        self.assertEqual(r["stderr_head"], "x" * 4096)
        self.assertEqual(r["stderr_bytes"], 10000)

    def test_bytes_that_are_not_utf8_do_not_lose_the_record(self):
        # Before: jansson refused the string and the record was not written.
        p = self.run_cmd("printf 'bad \\377\\376 end\\n' >&2; exit 3")
        self.assertEqual(p.returncode, 1, p.stderr)
        (r,) = records(self.out)
        self.assertEqual(r["stderr_head"], "bad ?? end\n")
        self.assertIn("bad ?? end", r["error"])


class FailFast(Base):
    """Item 6: a failure in the first round stops at once; -i keeps going."""

    def assertStoppedOnce(self, p, reason):
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertEqual(p.stderr.count(reason), 1, p.stderr)       # said once, not once per run
        self.assertEqual(p.stderr.count("stopped at this failure in the first round"), 1, p.stderr)
        self.assertIn("-i/--ignore-failure", p.stderr)
        self.assertNotIn("Traceback", p.stderr)

    def test_a_usage_error_of_the_workload_stops_after_one_run(self):
        for warmup in ("0", "1"):
            with self.subTest(warmup=warmup):
                if os.path.exists(self.out):
                    os.unlink(self.out)
                p = harness("run", "random_mixed", "--alloc=glibc,hakmem", "--runs", "3", "--warmup", warmup,
                            "--out", self.out, "--", "--cycles", "abc")
                self.assertStoppedOnce(p, "--cycles needs a whole number")
                self.assertNotIn("results appended", p.stdout)
                (r,) = records(self.out)            # the failed run is recorded, and only it
                self.assertEqual(r["status"], "failed")
                self.assertEqual(bool(r.get("warmup")), warmup == "1")
                self.assertIn("--cycles needs a whole number", r["stderr_head"])

    def test_a_library_that_is_not_an_allocator_stops_after_one_run(self):
        if not os.path.exists(LIBZ):
            self.skipTest("no %s here" % LIBZ)
        p = harness("run", "random_mixed", "--alloc=glibc,x=" + LIBZ, "--runs", "3", "--warmup", "0",
                    "--out", self.out, "--", *TINY)
        self.assertStoppedOnce(p, "allocator not loaded")
        recs = records(self.out)
        self.assertEqual([r["status"] for r in recs], ["ok", "failed"])   # glibc's run, then x's

    def test_a_directory_or_a_missing_file_as_the_library_is_refused_before_any_run(self):
        for lib, why in ((self.tmp.name, "is not a file"), (self.tmp.name + "/none.so", "No such file")):
            with self.subTest(lib=lib):
                p = harness("run", "random_mixed", "--alloc=x=" + lib, "--out", self.out, "--", *TINY)
                self.assertOneLineError(p, why)
                self.assertFalse(os.path.exists(self.out))

    def test_ignore_failure_runs_them_all_and_counts_the_failures(self):
        if not os.path.exists(LIBZ):
            self.skipTest("no %s here" % LIBZ)
        for flag in ("-i", "--ignore-failure"):
            with self.subTest(flag=flag):
                if os.path.exists(self.out):
                    os.unlink(self.out)
                p = harness("run", "random_mixed", "--alloc=glibc,x=" + LIBZ, "--runs", "2", "--warmup", "1",
                            flag, "--out", self.out, "--", *TINY)
                self.assertEqual(p.returncode, 1, p.stderr)      # a run failed: still said by the status
                self.assertNotIn("stopped at this failure", p.stderr)
                recs = records(self.out)
                # counted: 2 ok + 2 failed; the failed warm-up of x is recorded too
                self.assertEqual(sorted((r["variant"], r["status"], bool(r.get("warmup"))) for r in recs),
                                 [("glibc", "ok", False)] * 2 + [("x", "failed", False)] * 2
                                 + [("x", "failed", True)])
                self.assertIn("2 of 2 runs failed", p.stdout)    # counted in the summary
                glibc_row = [ln for ln in p.stdout.splitlines() if ln.strip().startswith("glibc")][0]
                self.assertNotIn("failed", glibc_row)            # its median excludes x's failures

    def test_ab_stops_without_verdicts(self):
        p = harness("ab", "random_mixed", "--alloc=glibc,hakmem", "--runs", "3", "--warmup", "0",
                    "--out", self.out, "--", "--cycles", "abc")
        self.assertStoppedOnce(p, "--cycles needs a whole number")
        self.assertEqual(len(records(self.out)), 1)
        self.assertNotIn("full report", p.stdout)

    def test_suite_stops_at_the_first_failing_workload(self):
        if not os.path.exists(LIBZ):
            self.skipTest("no %s here" % LIBZ)
        p = harness("suite", "--alloc=x=" + LIBZ, "--runs", "2", "--warmup", "0", "--out", self.out,
                    "tiny_hot", "random_mixed")
        self.assertStoppedOnce(p, "allocator not loaded")
        recs = records(self.out)
        self.assertEqual([(r["workload"], r["status"]) for r in recs], [("tiny_hot", "failed")])

    def test_analyze_stops_without_a_report(self):
        rep = os.path.join(self.tmp.name, "rep")
        p = harness("analyze", "random_mixed", "--alloc=hakmem", "--runs", "1", "--warmup", "0",
                    "--no-cachegrind", "--counters=task-clock", "--out", self.out, "--report-dir", rep,
                    "--", "--cycles", "abc")
        self.assertStoppedOnce(p, "--cycles needs a whole number")
        self.assertEqual(len(records(self.out)), 1)
        self.assertFalse(os.path.exists(rep))


class OutputPaths(Base):
    """Item 7: output paths are checked before anything runs."""

    def setUp(self):
        super().setUp()
        self.file = os.path.join(self.tmp.name, "a-file")
        with open(self.file, "w") as f:
            f.write("x\n")

    def results(self):
        p = harness("run", "random_mixed", "--alloc=glibc", "--runs", "1", "--warmup", "0", "-q",
                    "--out", self.out, "--", *TINY)
        self.assertEqual(p.returncode, 0, p.stderr)
        return self.out

    def test_report_out_that_cannot_be_a_directory(self):
        res = self.results()
        for out, why in (("/proc/x", "cannot write in /proc"), (self.file, "is not a directory"),
                         (self.file + "/sub", "is not a directory")):
            for cmd in (["report"], ["fleet", "report"]):
                with self.subTest(out=out, cmd=cmd):
                    self.assertOneLineError(harness(*cmd, res, "--out", out), "--out", why)
        # scripts/ too: the script run by hand
        p = subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "scripts", "report.py"), res, "--out", "/proc/x"],
                           capture_output=True, text=True, timeout=120)
        self.assertOneLineError(p, "cannot write in /proc")

    def test_report_out_new_nested_directory_is_made(self):
        res = self.results()
        out = os.path.join(self.tmp.name, "a", "b")
        p = harness("report", res, "--out", out, "--no-html")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(os.path.isfile(os.path.join(out, "REPORT.md")))
        self.assertEqual([n for n in os.listdir(self.tmp.name) if "write-check" in n], [])

    def test_analyze_bad_paths_stop_before_any_run(self):
        for args, why in ((["--report-dir", self.file], "is not a directory"),
                          (["--report-dir", "/proc/x"], "cannot write in /proc"),
                          (["--out", "/proc/x.jsonl"], "cannot create /proc/x.jsonl"),
                          (["--out", self.tmp.name], "is a directory")):
            with self.subTest(args=args):
                out = ["--out", self.out] if args[0] != "--out" else []
                p = harness("analyze", "random_mixed", "--alloc=hakmem", *out, *args, "--", *TINY, timeout=20)
                self.assertOneLineError(p, why)
                self.assertFalse(os.path.exists(self.out))      # nothing ran

    def test_run_out_unwritable(self):
        for out in ("/proc/x.jsonl", os.path.join(self.tmp.name, "no-dir", "r.jsonl"), self.tmp.name):
            with self.subTest(out=out):
                p = harness("run", "random_mixed", "--alloc=glibc", "--out", out, "--", *TINY, timeout=20)
                self.assertOneLineError(p, out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
