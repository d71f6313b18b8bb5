#!/usr/bin/python3
"""bench/inprocess_ab with tiny blocks: the table it prints and the errors
it gives.  Its figures are timings and are not checked (a bench, not a
test), only that they are figures and that each confidence interval holds
its median.

usage: test_inprocess_ab.py INPROCESS_AB LIBHAKMEM.so LIBHAKMEM_UNHARDENED.so
"""
import re
import subprocess
import sys
import unittest

EXE, HAKMEM, UNHARDENED = sys.argv[1:4]
ROW = re.compile(r"^(?P<name>.+?)\s+(?P<ns>\d+\.\d+)\s+(?P<median>\d+\.\d+) \[(?P<lo>\d+\.\d+) \.\. (?P<hi>\d+\.\d+)\]$")


def run(*args):
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=50)


class InProcessAB(unittest.TestCase):
    def check_table(self, loop):
        r = run(loop, "11", "2000", "--aa", HAKMEM, UNHARDENED)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[0].startswith(f"{loop}, 11 blocks of 2000 "), lines[0])
        self.assertRegex(lines[2], r"^" + re.escape(HAKMEM) + r"\s+\d+\.\d+  1 \(the reference\)$")
        self.assertTrue(lines[-1].startswith("The intervals describe this process only"), lines[-1])
        rows = [ROW.match(line) for line in lines[3:-1]]
        self.assertEqual(len(rows), 2, r.stdout)
        self.assertTrue(all(rows), r.stdout)
        self.assertEqual(rows[0]["name"], UNHARDENED)
        self.assertEqual(rows[1]["name"], "(A/A copy of the first)")
        for m in rows:
            lo, med, hi = float(m["lo"]), float(m["median"]), float(m["hi"])
            self.assertTrue(0 < lo <= med <= hi, m.group(0))
            self.assertGreater(float(m["ns"]), 0)

    def test_tiny_hot(self):
        self.check_table("tiny_hot")

    def test_random_mixed(self):
        self.check_table("random_mixed")

    def test_bad_input(self):
        for args, code, says in (
            (["tiny", "11", "2000", HAKMEM, UNHARDENED], 2, "unknown loop 'tiny'"),
            (["tiny_hot", "5", "2000", HAKMEM, UNHARDENED], 2, "BLOCKS '5' must be"),
            (["tiny_hot", "11", "10x", HAKMEM, UNHARDENED], 2, "ITERS '10x' must be"),
            (["tiny_hot", "11", "2000", HAKMEM], 2, "usage:"),
            (["tiny_hot", "11", "2000", HAKMEM, "/nonexistent.so"], 1, "cannot load /nonexistent.so"),
        ):
            r = run(*args)
            self.assertEqual(r.returncode, code, (args, r.stderr))
            self.assertIn(says, r.stderr)
            self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
