"""`harness run --engine=tlb` end to end: the harness wraps each run in
hakmem-tlb with the variant's allocator, keeps the workload's result line,
stores hakmem-tlb's object under "tlb" in the record, adds per-region
misses per 1K ops as schema-2 metrics and prints them per variant.
Bad input: one line, exit 2.  Usage: HARNESS_BIN=... test_tlb_harness.py"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
REGIONS = ("allocator_superslab", "allocator_mmap", "allocator_static", "brk_heap", "thread_stacks",
           "tls", "libc_ldso_data", "workload", "other")


def run(*args, timeout=280):
    p = subprocess.run([HARNESS] + list(args), capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


class EngineTLB(unittest.TestCase):
    def test_two_allocators(self):
        with tempfile.TemporaryDirectory() as d:
            res = os.path.join(d, "tlb.jsonl")
            rc, out, err = run("run", "random_mixed", "--alloc=hakmem,glibc", "--engine=tlb", "--tlb=zen4",
                               "--runs", "1", "--warmup", "0", "-q", "--out", res,
                               "--", "--cycles", "1000", "--ws", "1024")
            self.assertEqual(rc, 0, err + out)
            with open(res) as f:
                recs = [json.loads(l) for l in f if l.strip()]
            self.assertEqual([r["variant"] for r in sorted(recs, key=lambda r: r["variant"])], ["glibc", "hakmem"])
            by = {r["variant"]: r for r in recs}
            for name, r in by.items():
                t = r["tlb"]
                self.assertEqual(r["schema"], 2)
                self.assertEqual(t["model"]["name"], "zen4")
                self.assertTrue(r["preload"]["verified"], name)
                # the workload's own result line stayed the run's result (valgrind timings)
                self.assertAlmostEqual(r["metrics"]["ops_per_sec"]["value"] * r["result"]["seconds"] / r["result"]["ops"], 1, 9)
                self.assertEqual(t["ops"], r["result"]["ops"])
                self.assertGreater(t["accesses"], 0)
                self.assertEqual(sum(t["regions"][g]["accesses"] for g in REGIONS), t["accesses"])
                for g in REGIONS:
                    for fig, key in (("walks", "walks_per_kops"), ("l1_misses", "l1_misses_per_kops")):
                        m = r["metrics"]["tlb_%s_per_kop_%s" % (fig, g)]
                        self.assertEqual(m["better"], "lower")
                        self.assertIn("simulated", m["unit"])
                        self.assertTrue(m["desc"])
                        self.assertAlmostEqual(m["value"], t["regions"][g][key], places=6)
                self.assertAlmostEqual(r["metrics"]["tlb_walks_per_kop"]["value"], t["walks_per_kops"], places=6)
            # each variant's allocator really was the traced program's
            self.assertTrue(by["hakmem"]["tlb"]["allocator_lib"].endswith("libhakmem.so"))
            self.assertGreater(by["hakmem"]["tlb"]["whole_run"]["superslab_hooks"], 0)
            self.assertGreater(by["hakmem"]["tlb"]["regions"]["allocator_superslab"]["accesses"], 0)
            self.assertEqual(by["glibc"]["tlb"]["allocator_lib"], "")
            self.assertGreater(by["glibc"]["tlb"]["regions"]["brk_heap"]["accesses"], 0)
            self.assertEqual(by["glibc"]["tlb"]["regions"]["allocator_superslab"]["accesses"], 0)
            # the summary prints per-region figures for both variants
            self.assertIn("--engine=tlb", out)
            row = [l for l in out.split("\n") if l.strip().startswith("tlb_walks_per_kop_allocator_superslab")]
            self.assertEqual(len(row), 1, out)
            cells = row[0].split()                                # name, hakmem, glibc, unit
            want = by["hakmem"]["tlb"]["regions"]["allocator_superslab"]["walks_per_kops"]
            self.assertLess(abs(float(cells[1]) - want), 0.001 * want + 0.01, cells)     # printed to 4 digits
            self.assertEqual(float(cells[2]), 0)
            self.assertGreater(float(cells[1]), 0)
            self.assertTrue(any(l.strip().startswith("tlb_l1_misses_per_kop_brk_heap") for l in out.split("\n")))

    def test_bad_input(self):
        for args, words in ((("--engine=tlb", "--tlb=nosuch"), "unknown TLB model"),
                            (("--tlb=zen4",), "needs --engine=tlb"),
                            (("--engine=tlb", "--tlb="), "--tlb= needs a model")):
            rc, out, err = run("run", "tiny_hot", "--alloc=glibc", *args)
            self.assertEqual(rc, 2, (args, err))
            self.assertEqual(len(err.strip().split("\n")), 1, err)
            self.assertIn(words, err)
        rc, _, err = run("run", "--cmd", "true", "--alloc=glibc", "--engine=tlb")
        self.assertEqual(rc, 2, err)
        self.assertIn("does not support --cmd", err)
        self.assertEqual(len(err.strip().split("\n")), 1, err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
