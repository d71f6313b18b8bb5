#!/usr/bin/python3
"""The per-run cgroup source through the harness (README, "Per-run cgroup
source"): every record says the source's state; on a machine whose
/sys/fs/cgroup is not cgroup2 (these VMs: a tmpfs with v1 hierarchies) it
is "unavailable" with that reason, and no cgroup figure appears (never a 0);
--cgroup=off says off; a bad value is one line and exit 2.  What the
filesystem is comes from coreutils' `stat -f`, not from the harness."""
import json
import os
import subprocess
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
TINY = ["tiny_hot", "--alloc=glibc", "--runs", "2", "--warmup", "0", "-q"]
TINY_ARGS = ["--", "--iterations", "20000"]


def harness(*args):
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=120)


def fs_type(path):
    return subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True,
                          check=True).stdout.strip()


class CgroupSource(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def records(self, *extra):
        p = harness("run", *TINY, "--out", self.out, *extra, *TINY_ARGS)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.out) as f:
            recs = [json.loads(line) for line in f if line.strip()]
        self.assertEqual(len(recs), 2)
        return recs

    def test_auto_says_why_unavailable_here(self):
        kind = fs_type("/sys/fs/cgroup")
        for r in self.records():
            src = r["cgroup"]["source"]
            self.assertTrue(src.startswith("unavailable: "), src)
            if kind != "cgroup2fs":
                self.assertIn("/sys/fs/cgroup is not a cgroup v2 mount", src)
                if kind == "tmpfs":
                    self.assertIn("(it is tmpfs", src)
            self.assertFalse([k for k in r["metrics"] if k.startswith("cgroup_")],
                             "an unavailable source adds no figure")

    def test_off(self):
        for r in self.records("--cgroup=off"):
            self.assertEqual(r["cgroup"]["source"], "off (--cgroup=off)")

    def test_bad_value(self):
        p = harness("run", *TINY, "--out", self.out, "--cgroup=on", *TINY_ARGS)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr.strip().count("\n"), 0, p.stderr)
        self.assertIn("--cgroup must be auto or off, got 'on'", p.stderr)
        self.assertFalse(os.path.exists(self.out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
