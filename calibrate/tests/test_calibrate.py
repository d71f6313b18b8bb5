#!/usr/bin/python3
"""The calibration program (calibrate/calibrate.c): its JSON follows the
contract and its figures fall in plausible ranges.  Never a fixed figure:
the costs are whatever this machine charges.

usage: test_calibrate.py PATH_TO_CALIBRATE
"""
import json
import subprocess
import sys
import unittest

EXE = sys.argv[1]
NAMES = ("fault_4k_first_touch", "fault_thp", "refault_after_dontneed", "mmap_call", "munmap_call",
         "madvise_dontneed_call", "clear_page_4k", "memset_4k")
TRIALS = 7


def run(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=60)


class Calibrate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        p = run("--trials", str(TRIALS), "--pages", "64")
        if p.returncode != 0:
            raise AssertionError(f"calibrate failed ({p.returncode}): {p.stderr.strip()}")
        cls.out = json.loads(p.stdout)

    def measured(self, name):
        c = self.out["costs"][name]
        self.assertNotIn("status", c, f"{name} should be measurable here: {c.get('status')}")
        return c

    def test_contract(self):
        o = self.out
        self.assertEqual(o["schema"], 1)
        for k in ("hostname", "kernel", "boot_id", "cpu_model"):
            self.assertTrue(o["host"][k], k)
        with open("/proc/sys/kernel/random/boot_id") as f:
            self.assertEqual(o["host"]["boot_id"], f.read().strip())
        self.assertEqual(sorted(o["costs"]), sorted(NAMES))
        for name, c in o["costs"].items():
            self.assertTrue(c["desc"], name)
            if "status" in c:      # not measurable: a reason, never a number
                self.assertTrue(c["status"].startswith("not measurable here: "), c["status"])
                self.assertGreater(len(c["status"]), len("not measurable here: ") + 5)
                for k in ("median", "p10", "p90", "n"):
                    self.assertNotIn(k, c, f"{name} is not measurable but has {k}")
                continue
            self.assertEqual(c["unit"], "ns")
            self.assertIn(c["per"], ("page", "call"))
            self.assertGreaterEqual(c["n"], TRIALS, name)
            self.assertLessEqual(c["p10"], c["median"], name)
            self.assertLessEqual(c["median"], c["p90"], name)

    def test_plausible_ranges(self):
        first = self.measured("fault_4k_first_touch")
        self.assertTrue(50 <= first["median"] <= 1_000_000, first)            # 0.05 us .. 1 ms
        refault = self.measured("refault_after_dontneed")
        self.assertTrue(50 <= refault["median"] <= 1_000_000, refault)
        for name in ("mmap_call", "munmap_call", "madvise_dontneed_call"):
            c = self.measured(name)
            self.assertTrue(20 <= c["median"] <= 1_000_000, c)                 # a syscall: >= 20 ns
        memset = self.measured("memset_4k")
        self.assertTrue(5 <= memset["median"] <= 100_000, memset)            # 4 KiB at 0.04..800 GB/s
        clear = self.out["costs"]["clear_page_4k"]
        if "status" not in clear:
            # clearing a page is part of a first-touch fault, so cannot cost more
            self.assertLessEqual(clear["median"], first["median"])
            self.assertLessEqual(clear["median"], first["p90"])
        thp = self.out["costs"]["fault_thp"]
        if "status" not in thp:
            # 512 x 4 KiB of zeroing in one fault: more than one 4 KiB clear
            self.assertGreater(thp["median"], memset["p10"])
            self.assertLessEqual(thp["median"], 1e9)

    def test_thp_status_matches_the_kernel(self):
        try:
            with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
                mode = f.read()
        except OSError:
            mode = ""
        thp = self.out["costs"]["fault_thp"]
        if not mode or "[never]" in mode:
            self.assertIn("status", thp, "THP is off here: the figure cannot be measured")

    def test_more_trials_give_more_samples(self):
        p = run("--trials", "9", "--pages", "16", "--thp-pages", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        o = json.loads(p.stdout)
        for name, c in o["costs"].items():
            if "status" not in c:
                self.assertEqual(c["n"], 9, name)

    def test_bad_input(self):
        for args in (["--trials", "0"], ["--trials", "x"], ["--pages"], ["--bogus", "1"]):
            p = run(*args)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertEqual(p.stdout, "", args)
            lines = p.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, (args, p.stderr))
            self.assertTrue(lines[0].startswith("calibrate: "), lines[0])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
