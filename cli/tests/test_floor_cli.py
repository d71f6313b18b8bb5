#!/usr/bin/python3
"""The floor allocator through the harness: its registry row (`harness
list`, --alloc=floor, the witness seeing libfloor, the reason when it is not
built) and the allocator ns/op that run --floor derives from it."""
import json
import os
import subprocess
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
BUILD = os.environ["HARNESS_BUILD_DIR"]
FLOOR = os.path.join(BUILD, "workloads", "libfloor.so")
TINY = ["--", "--iterations", "20000"]


def harness(*args, env=None):
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=120, env=env)


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class FloorRow(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def test_list_shows_the_floor(self):
        p = harness("list")
        self.assertEqual(p.returncode, 0, p.stderr)
        row = [l for l in p.stdout.splitlines() if l.split()[:1] == ["floor"]]
        self.assertEqual(len(row), 1, p.stdout)
        self.assertIn(FLOOR, row[0])

    def test_not_built_says_so(self):
        env = dict(os.environ, HARNESS_BUILD_DIR=self.tmp.name)
        p = harness("list", env=env)
        row = [l for l in p.stdout.splitlines() if l.split()[:1] == ["floor"]]
        self.assertEqual(len(row), 1, p.stdout)
        self.assertIn("NOT AVAILABLE", row[0])
        self.assertIn("not built", row[0])
        self.assertIn(os.path.join(self.tmp.name, "workloads", "libfloor.so"), row[0])

    def test_run_under_the_floor_is_witnessed(self):
        p = harness("run", "tiny_hot", "--alloc=floor", "--runs", "1", "--warmup", "0", "--out", self.out, *TINY)
        self.assertEqual(p.returncode, 0, p.stderr)
        (r,) = records(self.out)
        self.assertEqual(r["status"], "ok")
        self.assertEqual(r["alloc"]["name"], "floor")
        self.assertEqual(r["alloc"]["path"], FLOOR)
        self.assertRegex(r["alloc"]["version"], r"^\d+\.\d+")
        self.assertTrue(r["preload"]["verified"])
        self.assertIn("libfloor", r["preload"]["malloc_from"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
