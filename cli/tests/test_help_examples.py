"""Every EXAMPLES line of `harness --help` and of every subcommand's
--help runs (issue 11 item 8): a line that fails here is a line a new user
copies and sees fail.

The lines are run as written, with these changes that keep the test at
seconds and away from the source tree, and nothing else:
- a path under /tmp/ (also inside a quoted command) is moved into the
  temporary directory;
- `./harness` / `harness` is the binary under test; the working directory
  and HARNESS_SOURCE_DIR are a temporary directory (results/, reports/ and
  the calibration cache go there; scripts/ and fleet/ are links to the
  real ones);
- run, ab, analyze, suite: `--runs` at the least the command accepts,
  `--warmup 0`, `--out` into the temporary directory, and the workload's
  arguments after `--` replaced by tiny ones (random_mixed, tiny_hot); a
  analyze line gets `--no-cachegrind --probes=none` (its defaults load
  the eBPF probes for each of its ~9 variants, 4-8 s a run on this loaded
  VM, and rerun them all under valgrind: minutes; ab's --probes line
  still loads them for real) and its report in the temporary directory; a
  suite line that names no workload gets `random_mixed tiny_hot` (suite
  has no per-workload arguments, and all thirteen at their defaults take
  minutes); a suite line that names workloads keeps the first one only
  (the real programs take 10-30 s each under load);
- report: a results file the line names but which does not exist is the
  smallest file an earlier example wrote with two or more variants (and
  the line's --baseline among them);
- calibrate: `--trials 3`;
- test: `--list` appended (the line's meson arguments are checked, no test
  runs: the full suite inside one of its own tests would recurse).
- fleet is left out, with the reason printed: its examples submit to a
  Slurm cluster or to ssh hosts; fleet/tests run them against a Slurm
  cluster and GNU parallel started for the test.

Run by meson with HARNESS_BIN, HARNESS_BUILD_DIR, HARNESS_SOURCE_DIR.
About 40 lines; 284 s on the shared 2-core VM at load average 11
(2026-12-02), most of it report's matplotlib and ab's probe loading; the
time each line took is printed on stderr."""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import unittest

HARNESS = os.environ["HARNESS_BIN"]
SOURCE = os.environ["HARNESS_SOURCE_DIR"]
TINY_ARGS = {"random_mixed": ["--cycles", "2000", "--ws", "64"], "tiny_hot": ["--iterations", "2000"]}
MIN_RUNS = {"run": "1", "suite": "1", "ab": "1", "analyze": "1"}
LEFT_OUT = {"fleet": "its examples submit to a Slurm cluster or ssh hosts (fleet/tests run them)"}


def harness(*args, cwd=None, env=None, timeout=120):
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)


def examples(help_text):
    """The command lines after the EXAMPLES heading (comments dropped)."""
    lines = help_text.split("EXAMPLES", 1)[1].strip().splitlines() if "EXAMPLES" in help_text else []
    out = []
    for line in lines:
        words = shlex.split(line, comments=True)
        if words and words[0] in ("./harness", "harness"):
            out.append(words[1:])
    return out


def subcommands():
    p = harness("--help")
    return [m.group(1) for m in re.finditer(r"^  ([a-z]+)\s{2,}\S", p.stdout, re.M)]


def set_option(argv, name, value):
    """--name VALUE or --name=VALUE set to value (added when absent),
    before any "--"."""
    end = argv.index("--") if "--" in argv else len(argv)
    head, tail = argv[:end], argv[end:]
    for i, w in enumerate(head):
        if w == name and i + 1 < len(head):
            head[i + 1] = value
            return head + tail
        if w.startswith(name + "="):
            head[i] = name + "=" + value
            return head + tail
    return head + [name, value] + tail


class Examples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        for d in ("scripts", "fleet"):
            os.symlink(os.path.join(SOURCE, d), os.path.join(cls.tmp.name, d))
        os.makedirs(os.path.join(cls.tmp.name, "results"))
        cls.env = dict(os.environ, HARNESS_SOURCE_DIR=cls.tmp.name, MALLOC_PERTURB_="0")
        cls.written = []        # results files the examples wrote, for report's lines
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def out_file(self):
        Examples.n += 1
        path = os.path.join(self.tmp.name, "results", "ex%d.jsonl" % Examples.n)
        Examples.written.append(path)
        return path

    def results_for(self, argv):
        """The smallest results file an earlier example wrote that has two
        or more variants, among them the line's --baseline if it names one
        (report's lines name baselines such as jemalloc)."""
        base = argv[argv.index("--baseline") + 1] if "--baseline" in argv else None

        def variants(path):
            with open(path) as f:
                recs = [json.loads(l) for l in f if l.strip()]
            return len(recs), {r["variant"] for r in recs}
        fit = [(variants(p)[0], p) for p in self.written if os.path.exists(p)
               and len(variants(p)[1]) >= 2 and (base is None or base in variants(p)[1])]
        self.assertTrue(fit, "no earlier example wrote a results file for `%s`" % " ".join(argv))
        return min(fit)[1]

    def tiny(self, argv):
        argv = [w.replace("/tmp/", self.tmp.name + "/") for w in argv]
        cmd = argv[0]
        if cmd in MIN_RUNS:
            argv = set_option(argv, "--runs", MIN_RUNS[cmd])
            argv = set_option(argv, "--warmup", "0")
            argv = set_option(argv, "--out", self.out_file())
            wl = next((w for w in argv[1:] if w in TINY_ARGS), None)
            if cmd == "suite":
                named = [w for w in argv[1:] if w in self.workloads]
                argv = [w for w in argv if w not in named[1:]] + ([] if named else ["random_mixed", "tiny_hot"])
            elif wl and "--cmd" not in argv:
                argv = (argv[:argv.index("--")] if "--" in argv else argv) + ["--"] + TINY_ARGS[wl]
            if cmd == "analyze":    # its probes load for each of ~9 variants, cachegrind reruns them
                argv = argv[:1] + ["--no-cachegrind", "--probes=none"] + argv[1:]
                argv = set_option(argv, "--report-dir", os.path.join(self.tmp.name, "analyze%d" % Examples.n))
        elif cmd == "report":
            argv = [w if not w.endswith(".jsonl") or os.path.exists(os.path.join(self.tmp.name, w))
                    else self.results_for(argv) for w in argv]
            if "--out" in argv:
                argv = set_option(argv, "--out", os.path.join(self.tmp.name, "report%d" % len(argv)))
        elif cmd == "calibrate":
            argv = set_option(argv, "--trials", "3")
        elif cmd == "test" and "--list" not in argv:
            argv = argv + ["--list"]
        return argv

    def run_example(self, source, argv):
        t = self.tiny(argv)
        with self.subTest(help=source, line=" ".join(argv)):
            t0 = time.monotonic()
            p = harness(*t, cwd=self.tmp.name, env=self.env, timeout=180)
            print("%5.1f s  harness %s" % (time.monotonic() - t0, " ".join(t)), file=sys.stderr)
            self.assertEqual(p.returncode, 0, "`harness %s` (from %s --help) failed, exit %d:\n%s%s"
                             % (" ".join(t), source, p.returncode, p.stdout[-2000:], p.stderr[-2000:]))

    def test_every_example_runs(self):
        subs = subcommands()
        self.assertIn("run", subs)
        Examples.workloads = set(re.findall(r"^  ([a-z_]+)\s", harness("list").stdout, re.M))
        helps = [("harness", harness("--help").stdout)]
        helps += [(s, harness(s, "--help").stdout) for s in subs]
        # lines that make results files first: report's lines use them
        lines = [(src, argv) for src, text in helps for argv in examples(text)]
        lines.sort(key=lambda x: x[1][0] == "report")
        ran = 0
        for src, text in helps:
            self.assertTrue(examples(text) or src in LEFT_OUT, "%s --help has no EXAMPLES lines" % src)
        for src, argv in lines:
            if argv[0] in LEFT_OUT:
                print("left out: harness %s (%s)" % (" ".join(argv), LEFT_OUT[argv[0]]), file=sys.stderr)
                continue
            self.run_example(src, argv)
            ran += 1
        self.assertGreater(ran, 20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
