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


class TmpCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()


class FloorRow(TmpCase):
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


class AllocNsPerOp(TmpCase):
    """run --floor on tiny_hot with tiny arguments: a floor row, an alloc
    ns/op column, and the same figures in --json, derived from the records."""

    def test_run_floor_table_and_json(self):
        p = harness("run", "tiny_hot", "--alloc=glibc", "--floor", "--runs", "3", "--warmup", "0",
                    "--out", self.out, "--json", *TINY)
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = records(self.out)
        self.assertEqual(sorted({r["variant"] for r in recs}), ["floor", "glibc"])
        s = json.loads(p.stdout)
        by = {v["variant"]: v for v in s["variants"]}
        ns = {}
        for name in ("glibc", "floor"):
            runs = sorted(1e9 / r["ops_per_sec"] for r in recs if r["variant"] == name)
            self.assertAlmostEqual(by[name]["ns_per_op"]["median"], runs[1], places=6)
            self.assertAlmostEqual(by[name]["ns_per_op"]["min"], runs[0], places=6)
            ns[name] = runs[1]
        self.assertEqual(by["floor"]["alloc_ns_per_op"], {"status": "this variant is the floor"})
        a = by["glibc"]["alloc_ns_per_op"]
        self.assertEqual(a["floor_variant"], "floor")
        self.assertAlmostEqual(a["floor_ns_per_op"], ns["floor"], places=6)
        self.assertAlmostEqual(a["median"], ns["glibc"] - ns["floor"], places=6)

        p = harness("run", "tiny_hot", "--alloc=glibc", "--floor", "--runs", "1", "--warmup", "0",
                    "--out", self.out, *TINY)
        self.assertEqual(p.returncode, 0, p.stderr)
        lines = p.stdout.splitlines()
        head = [l for l in lines if l.split()[:1] == ["variant"] and "alloc ns/op" in l]
        self.assertEqual(len(head), 1, p.stdout)
        floor_rows = [l for l in lines if l.split()[:1] == ["floor"] and l.rstrip().endswith("the floor")]
        self.assertEqual(len(floor_rows), 1, p.stdout)
        glibc_rows = [l for l in lines if l.split()[:1] == ["glibc"] and "(floor " in l]
        self.assertEqual(len(glibc_rows), 1, p.stdout)

    def test_without_floor_no_alloc_column(self):
        p = harness("run", "tiny_hot", "--alloc=glibc", "--runs", "1", "--warmup", "0", "--out", self.out,
                    "--json", *TINY)
        self.assertEqual(p.returncode, 0, p.stderr)
        (v,) = json.loads(p.stdout)["variants"]
        self.assertIn("add --floor", v["alloc_ns_per_op"]["status"])
        p = harness("run", "tiny_hot", "--alloc=glibc", "--runs", "1", "--warmup", "0", "--out", self.out, *TINY)
        self.assertNotIn("alloc ns/op", p.stdout)

    def test_floor_named_once_and_needs_alloc(self):
        p = harness("run", "tiny_hot", "--alloc=floor,glibc", "--floor", "--runs", "1", "--warmup", "0",
                    "--out", self.out, *TINY)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sorted(r["variant"] for r in records(self.out)), ["floor", "glibc"])
        p = harness("run", "tiny_hot", "--floor", "--out", self.out)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("--floor needs --alloc", p.stderr)
        for sub in ("suite", "analyze"):
            p = harness(sub, "tiny_hot", "--alloc=glibc", "--floor", "--out", self.out)
            self.assertEqual(p.returncode, 2)
            self.assertEqual(p.stderr.strip(), "harness %s: --floor is for run and ab (alloc ns/op), not %s "
                             "(see `harness %s --help`)" % (sub, sub, sub))


if __name__ == "__main__":
    unittest.main(verbosity=2)
