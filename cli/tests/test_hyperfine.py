"""hyperfine's habits in run and ab: mean ± σ beside the median, the
closing "X ran R ± s times faster than BASE" lines, and the exports
(--export-json, --export-csv, --export-markdown).  Every figure is
recomputed here from the results file (Python's statistics module), not
from the harness's own code.

Run by meson with HARNESS_BIN, HARNESS_BUILD_DIR and HARNESS_SOURCE_DIR.
Tiny workloads: correctness, not speed."""
import csv
import json
import math
import os
import pty
import re
import statistics
import subprocess
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
TINY_RM = ["--", "--cycles", "5000", "--ws", "64"]


def harness(*args, timeout=120):
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=timeout)


def by_variant(path, field):
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r["status"] == "ok":
                out.setdefault(r["variant"], []).append(r[field])
    return out


def speed(base, other, lower_is_faster=False):
    """hyperfine's ratio of means and its propagated standard deviation."""
    mb, mo = statistics.mean(base), statistics.mean(other)
    r = mb / mo if lower_is_faster else mo / mb
    s = r * math.sqrt((statistics.stdev(base) / mb) ** 2 + (statistics.stdev(other) / mo) ** 2)
    return r, s



def stderr_on_a_terminal(args, timeout):
    """Run args with stderr on a pseudo-terminal (where the progress line
    shows); the text it wrote there, after checking it exited 0."""
    master, slave = pty.openpty()
    q = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:      # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    if q.wait(timeout=timeout) != 0:
        raise AssertionError("%s exited %d:\n%s" % (" ".join(args), q.returncode, seen.decode(errors="replace")))
    return seen.decode()

class Hyperfine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")
        self.files = {k: os.path.join(self.tmp.name, "e." + k) for k in ("json", "csv", "md")}

    def tearDown(self):
        self.tmp.cleanup()

    def run_two(self, *extra, runs="3"):
        p = harness("run", "random_mixed", "--alloc=glibc,hakmem", "--runs", runs, "--warmup", "0",
                    "--out", self.out, "--export-json", self.files["json"], "--export-csv", self.files["csv"],
                    "--export-markdown", self.files["md"], *extra, *TINY_RM)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def check_closing_line(self, stdout, base, other, r, s):
        m = re.search(r"^  %s ran (\d+\.\d\d) \u00b1 (\d+\.\d\d) times (faster|slower) than %s$"
                      % (re.escape(other), re.escape(base)), stdout, re.M)
        self.assertTrue(m, stdout)
        if m.group(3) == "slower":      # printed as 1/r with the same relative error
            r, s = 1 / r, s / (r * r)
        self.assertAlmostEqual(float(m.group(1)), r, delta=0.006)
        self.assertAlmostEqual(float(m.group(2)), s, delta=0.006)

    def test_table_closing_lines_and_exports_match_the_records(self):
        p = self.run_two()
        ops = by_variant(self.out, "ops_per_sec")
        self.assertEqual(sorted(ops), ["glibc", "hakmem"])
        self.assertIn("mean \u00b1 \u03c3", p.stdout)
        r, s = speed(ops["glibc"], ops["hakmem"])
        self.check_closing_line(p.stdout, "glibc", "hakmem", r, s)

        with open(self.files["json"]) as f:
            ex = json.load(f)
        self.assertEqual(ex["unit"], "ops/s")
        self.assertEqual([x["variant"] for x in ex["results"]], ["glibc", "hakmem"])
        for x in ex["results"]:
            v = ops[x["variant"]]
            self.assertEqual(len(x["runs"]), 3)
            self.assertEqual(sorted(run["ops_per_sec"] for run in x["runs"]), sorted(v))
            self.assertAlmostEqual(x["mean"], statistics.mean(v), delta=1e-9 * x["mean"])
            self.assertAlmostEqual(x["stddev"], statistics.stdev(v), delta=1e-9 * x["mean"])
            self.assertAlmostEqual(x["median"], statistics.median(v), delta=1e-9 * x["mean"])
            self.assertEqual((x["min"], x["max"]), (min(v), max(v)))
        self.assertAlmostEqual(ex["results"][1]["speed_vs_baseline"]["ratio"], r, delta=1e-9)
        self.assertAlmostEqual(ex["results"][1]["speed_vs_baseline"]["stddev"], s, delta=1e-9)

        with open(self.files["csv"]) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([row["variant"] for row in rows], ["glibc", "hakmem"])
        for row in rows:
            v = ops[row["variant"]]
            self.assertEqual(int(row["runs_ok"]), 3)
            self.assertAlmostEqual(float(row["mean"]), statistics.mean(v), delta=1e-6 * statistics.mean(v))
            self.assertAlmostEqual(float(row["stddev"]), statistics.stdev(v), delta=1e-6 * statistics.mean(v))
        self.assertEqual(rows[0]["speed_vs_baseline_stddev"], "")     # the baseline against itself

        with open(self.files["md"]) as f:
            md = f.read()
        self.assertIn("| Variant | Mean [ops/s] |", md)
        self.assertRegex(md, r"\| `hakmem` \| \d+ \u00b1 \d+ \|")

    def test_cmd_compares_wall_time_lower_is_faster(self):
        p = harness("run", "--cmd", "true", "--alloc=glibc,hakmem", "--runs", "3", "--warmup", "0",
                    "--out", self.out, "--export-json", self.files["json"])
        self.assertEqual(p.returncode, 0, p.stderr)
        wall = by_variant(self.out, "wall_s")
        r, s = speed(wall["glibc"], wall["hakmem"], lower_is_faster=True)
        self.check_closing_line(p.stdout, "glibc", "hakmem", r, s)
        with open(self.files["json"]) as f:
            ex = json.load(f)
        self.assertEqual((ex["unit"], ex["faster_is"]), ("s", "lower"))
        self.assertAlmostEqual(ex["results"][0]["mean"], statistics.mean(wall["glibc"]), delta=1e-12)

    def test_one_run_has_no_sigma(self):
        p = self.run_two(runs="1")
        self.assertIn("\u00b1 -", p.stdout)
        self.assertIn("\u00b1 needs 2 runs", p.stdout)
        with open(self.files["json"]) as f:
            self.assertIsNone(json.load(f)["results"][0]["stddev"])

    def test_ab_prints_the_closing_line_and_exports(self):
        p = harness("ab", "random_mixed", "--alloc=glibc,hakmem", "--runs", "3", "--warmup", "0",
                    "--out", self.out, "--export-csv", self.files["csv"], *TINY_RM)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"hakmem ran \d+\.\d\d \u00b1 \d+\.\d\d times (faster|slower) than glibc")
        with open(self.files["csv"]) as f:
            self.assertEqual(len(list(csv.DictReader(f))), 2)

    def test_bad_export_paths_refused_before_running(self):
        for opt, path, says in (("--export-json", self.tmp.name, "is a directory"),
                                ("--export-csv", "/no/such/dir/x.csv", "/no/such/dir"),
                                ("--export-markdown", "", "needs a file name")):
            with self.subTest(opt=opt):
                p = harness("run", "random_mixed", "--alloc=glibc", "--out", self.out, opt, path, *TINY_RM)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                self.assertIn(says, p.stderr)
                self.assertFalse(os.path.exists(self.out))
        p = harness("suite", "--alloc=glibc", "--export-json", self.files["json"], "tiny_hot")
        self.assertEqual(p.returncode, 2)
        self.assertIn("run and ab", p.stderr)


class ParameterScan(unittest.TestCase):
    """-L NAME a,b / --parameter-scan NAME LO HI [-D STEP]: each value its
    own variant, the workload's argument --NAME set to it (checked in the
    workload's own result line, not only in the harness's record)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def records(self):
        with open(self.out) as f:
            return [json.loads(l) for l in f]

    def test_list_replaces_the_given_argument(self):
        p = harness("run", "random_mixed", "--alloc=glibc,hakmem", "-L", "ws", "64,512", "--runs", "1",
                    "--warmup", "0", "--out", self.out, "--", "--cycles", "3000", "--ws", "8")
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = self.records()
        self.assertEqual([r["variant"] for r in recs],
                         ["glibc ws=64", "glibc ws=512", "hakmem ws=64", "hakmem ws=512"])
        for r in recs:
            ws = r["variant"].split("ws=")[1]
            self.assertEqual(r["parameter"], {"name": "ws", "value": ws})
            self.assertEqual(r["args"], ["--cycles", "3000", "--ws", ws])
            self.assertEqual(str(r["result"]["ws"]), ws)       # what the workload itself ran
        self.assertIn("glibc ws=512 ran", p.stdout)

    def test_scan_with_step_appends_the_argument(self):
        p = harness("run", "random_mixed", "--alloc=glibc", "--parameter-scan", "cycles", "1000", "3000",
                    "-D", "1000", "--runs", "1", "--warmup", "0", "--out", self.out, "--", "--ws", "16")
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = self.records()
        self.assertEqual([r["result"]["cycles"] for r in recs], [1000, 2000, 3000])
        self.assertEqual(recs[0]["args"], ["--ws", "16", "--cycles", "1000"])

    def test_cmd_value_goes_where_the_command_says(self):
        p = harness("run", "--cmd", "echo {n} > /dev/null", "--alloc=glibc", "-L", "n", "a,b", "--runs", "1",
                    "--warmup", "0", "--out", self.out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual([r["cmd"] for r in self.records()], ["echo a > /dev/null", "echo b > /dev/null"])

    def test_bad_parameters_one_line(self):
        for argv, says in ((["-L", "ws"], "needs its values"), (["-L", "ws", "1,1"], "twice"),
                           (["--parameter-scan", "ws", "5", "1"], "below LO"), (["-D", "2"], "goes with"),
                           (["--parameter-scan", "ws", "1", "100"], "more than 32"),
                           (["-L", "ws", "1,2", "-L", "cycles", "1,2"], "one parameter"),
                           (["--cmd", "true", "-L", "n", "1,2"], "has no {n}")):
            with self.subTest(argv=argv):
                wl = [] if "--cmd" in argv else ["random_mixed"]
                p = harness("run", *wl, "--alloc=glibc", "--out", self.out, *argv)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                self.assertIn(says, p.stderr)
                self.assertFalse(os.path.exists(self.out))


class Hooks(unittest.TestCase):
    """--setup (once per variant, before its first run), --prepare (before
    every run), --show-output, and the progress line with its ETA."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")
        self.log = os.path.join(self.tmp.name, "hooks.log")

    def tearDown(self):
        self.tmp.cleanup()

    def test_setup_once_prepare_before_every_run(self):
        state = os.path.join(self.tmp.name, "state")
        # the command succeeds only when --prepare made the file since the last run
        p = harness("run", "--cmd", "test -f %s && rm %s" % (state, state), "--alloc=glibc,hakmem",
                    "-L", "n", "1,2", "--runs", "2", "--warmup", "1", "--out", self.out,
                    "--setup", "echo setup $HARNESS_VARIANT {n} >> " + self.log,
                    "--prepare", "echo prepare $HARNESS_VARIANT $HARNESS_PARAMETER_n >> %s; touch %s" % (self.log, state))
        # {n} is not in --cmd: refused; put it in
        self.assertEqual(p.returncode, 2)
        p = harness("run", "--cmd", "test -f %s && rm %s # {n}" % (state, state), "--alloc=glibc,hakmem",
                    "-L", "n", "1,2", "--runs", "2", "--warmup", "1", "--out", self.out,
                    "--setup", "echo setup $HARNESS_VARIANT {n} >> " + self.log,
                    "--prepare", "echo prepare $HARNESS_VARIANT $HARNESS_PARAMETER_n >> %s; touch %s" % (self.log, state))
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.out) as f:
            self.assertTrue(all(json.loads(l)["status"] == "ok" for l in f))
        with open(self.log) as f:
            lines = f.read().splitlines()
        variants = ["glibc n=1", "glibc n=2", "hakmem n=1", "hakmem n=2"]
        for v in variants:
            n = v.split("=")[1]
            mine = [l for l in lines if l.split(" ", 1)[1] == "%s %s" % (v, n)]
            self.assertEqual([l.split()[0] for l in mine], ["setup"] + ["prepare"] * 3, lines)

    def test_failing_prepare_stops_with_one_line(self):
        p = harness("run", "random_mixed", "--alloc=glibc", "--runs", "3", "--warmup", "0", "--out", self.out,
                    "--prepare", "exit 3", *TINY_RM)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--prepare 'exit 3' exited with status 3", p.stderr)
        self.assertFalse(os.path.exists(self.out) and os.path.getsize(self.out))

    def test_show_output(self):
        # the output (42x, 25y) is not in the command's text, which the summary prints
        args = ["run", "--cmd", "echo $((6*7))x; echo $((5*5))y >&2", "--alloc=glibc", "--runs", "1",
                "--warmup", "0", "--out", self.out]
        p = harness(*args)
        self.assertNotIn("42x", p.stdout + p.stderr)
        p = harness(*args, "--show-output")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("42x", p.stderr)
        self.assertIn("25y", p.stderr)
        self.assertNotIn("42x", p.stdout)    # stdout stays the summary

    def test_progress_with_eta_only_on_a_terminal(self):
        args = [HARNESS, "run", "random_mixed", "--alloc=glibc,hakmem", "--runs", "2", "--warmup", "1",
                "--out", self.out, *TINY_RM]
        p = subprocess.run(args, capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("\r", p.stderr)             # not a terminal: no progress line
        self.assertNotIn("ETA", p.stderr)
        text = stderr_on_a_terminal(args, 120)
        # every run of the invocation is counted, warm-up included: 2 variants x 3 rounds
        for k in range(1, 7):
            self.assertIn("[%d/6]" % k, text)
        self.assertRegex(text, r"\[2/6\].*ETA \d+ s")   # an estimate once one run is done
        self.assertIn("ETA -", text)                    # none before

    def test_suite_progress_counts_the_whole_command(self):
        """suite runs the engine once per workload; the count and ETA span
        all of them (issue 11: an ETA for the whole invocation)."""
        args = [HARNESS, "suite", "random_mixed", "tiny_hot", "--alloc=glibc,hakmem", "--runs", "1",
                "--warmup", "1", "--out", self.out]
        text = stderr_on_a_terminal(args, 300)
        # 2 workloads x 2 variants x 2 rounds = 8, counted across both workloads
        for k in range(1, 9):
            self.assertIn("[%d/8]" % k, text)
        self.assertNotIn("/4]", text)                  # never a per-workload count
        self.assertRegex(text, r"\[6/8\].*ETA \d+ s")


if __name__ == "__main__":
    unittest.main(verbosity=2)
