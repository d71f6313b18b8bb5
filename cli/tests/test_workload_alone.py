"""The figures of a run are the workload's alone (issue 10, item 1): the
engine starts the workload through the exec stub, so rusage, the RSS
sampler and the probes see nothing of the harness's forked child.

- a program that touches a known 64 MiB: the record's max RSS matches the
  program's own VmHWM within 5%;
- a tiny program (under sh, and tiny_hot started directly): its recorded
  max RSS is well below what a fork of the harness carried (about 2.7 MiB);
- a --cmd whose shell forks (not execs) the program: the program's faults
  and RSS are counted in the record (rusage of the workload's process
  includes the children it waited for);
- the RSS sampler's first sample is the workload's program, after exec;
- a missing exec stub fails the run with one clear error line.

Run by meson with HARNESS_BIN, HARNESS_BUILD_DIR and RSS_TINY (the stub
test's program: touches N pages of a static buffer, prints its VmHWM)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
BUILD = os.environ["HARNESS_BUILD_DIR"]
RSS_TINY = os.environ["RSS_TINY"]
PAGES_64MIB = 64 * 256


def vmhwm(path):
    with open(path) as f:
        word, kib = f.read().split()
    assert word == "VmHWM_kib"
    return int(kib)


class WorkloadAlone(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def run_cmd(self, cmd, *extra, env=None):
        p = subprocess.run([HARNESS, "run", "--cmd", cmd, "--alloc=glibc", "--runs", "1", "--warmup", "0",
                            "--out", self.out, "--quiet", *extra],
                           capture_output=True, text=True, timeout=120, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.out) as f:
            recs = [json.loads(line) for line in f if line.strip()]
        self.assertEqual(len(recs), 1)
        self.assertEqual(recs[0]["status"], "ok", recs[0]["error"])
        os.unlink(self.out)
        return recs[0]

    def metric(self, rec, name):
        m = rec["metrics"][name]
        self.assertIn("value", m, m)
        return m["value"]

    def test_known_rss_matches_its_own_vmhwm(self):
        own = os.path.join(self.tmp.name, "hwm")
        rec = self.run_cmd(f"exec {RSS_TINY} {PAGES_64MIB} > {own}")
        hwm, maxrss = vmhwm(own), self.metric(rec, "rusage_maxrss_kib")
        print(f"64 MiB program: VmHWM {hwm} KiB, recorded max RSS {maxrss} KiB")
        self.assertGreaterEqual(hwm, 64 * 1024)
        self.assertLessEqual(abs(maxrss - hwm), 0.05 * hwm)
        self.assertEqual(rec["rusage"]["maxrss_kb"], maxrss)

    def test_tiny_program_is_not_charged_the_harness(self):
        own = os.path.join(self.tmp.name, "hwm")
        rec = self.run_cmd(f"exec {RSS_TINY} > {own}")
        hwm, maxrss = vmhwm(own), self.metric(rec, "rusage_maxrss_kib")
        print(f"tiny program under sh: VmHWM {hwm} KiB, recorded max RSS {maxrss} KiB")
        # a fork of the harness carried about 2.7 MiB into every workload;
        # now the peak is the program's or the shell's before its exec (dash:
        # 1.5-1.7 MiB; the kernel's mark may be a few hundred KiB off)
        self.assertLess(maxrss, 2400)
        self.assertGreaterEqual(maxrss, 0.95 * hwm)
        # a workload started directly: no shell
        p = subprocess.run([HARNESS, "run", "tiny_hot", "--alloc=glibc", "--runs", "1", "--warmup", "0",
                            "--out", self.out, "--quiet", "--", "--iterations", "20000"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.out) as f:
            r = json.loads(f.readline())
        print(f"tiny_hot: recorded max RSS {r['metrics']['rusage_maxrss_kib']['value']} KiB")
        self.assertLess(r["metrics"]["rusage_maxrss_kib"]["value"], 2048)

    def test_cmd_forked_child_is_counted_whole(self):
        own = os.path.join(self.tmp.name, "hwm")
        # "; true" keeps the shell alive: it forks the program and waits
        rec = self.run_cmd(f"{RSS_TINY} {PAGES_64MIB // 2} > {own}; true")
        hwm, maxrss = vmhwm(own), self.metric(rec, "rusage_maxrss_kib")
        minflt = self.metric(rec, "rusage_minflt")
        print(f"--cmd forking a 32 MiB child: child VmHWM {hwm} KiB, max RSS {maxrss} KiB, {minflt} minor faults")
        self.assertGreaterEqual(hwm, 32 * 1024)
        self.assertLessEqual(abs(maxrss - hwm), 0.05 * hwm)
        self.assertGreaterEqual(minflt, PAGES_64MIB // 2)      # every touched page faulted once

    def test_first_rss_sample_is_the_workload_after_exec(self):
        rec = self.run_cmd(f"exec {RSS_TINY} {PAGES_64MIB // 4}; true", "--sample-ms", "1")
        rss = rec["rss"]
        if rss["samples"] == 0:
            self.skipTest("the program ended before the first sample")
        # the shell, or the program it exec'd by then: never the exec stub
        self.assertIn(rss["first_sample_exe"], (os.path.realpath("/bin/sh"), os.path.realpath(RSS_TINY)))
        # tiny_hot: a workload started directly, no shell
        p = subprocess.run([HARNESS, "run", "tiny_hot", "--alloc=glibc", "--runs", "2", "--warmup", "0",
                            "--out", self.out, "--quiet", "--sample-ms", "1", "--", "--iterations", "3000000"],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.out) as f:
            recs = [json.loads(line) for line in f if line.strip()]
        want = os.path.realpath(os.path.join(BUILD, "workloads", "tiny_hot"))
        for r in recs:
            self.assertEqual(r["rss"]["first_sample_exe"], want)
            first = r["rss"]["rss_kib"][0]
            print(f"tiny_hot: first sample {first} KiB, peak {r['rss']['peak_kib']} KiB")
            self.assertLessEqual(first, r["rss"]["peak_kib"])

    def test_missing_exec_stub_is_one_clear_error(self):
        fake = os.path.join(self.tmp.name, "build")
        os.makedirs(os.path.join(fake, "cli"))
        env = dict(os.environ, HARNESS_BUILD_DIR=fake)
        p = subprocess.run([HARNESS, "run", "--cmd", "true", "--alloc=glibc", "--runs", "1", "--warmup", "0",
                            "--out", self.out], capture_output=True, text=True, timeout=60, env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("exec stub", p.stderr)
        self.assertIn("missing", p.stderr)
        self.assertFalse(os.path.exists(self.out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
