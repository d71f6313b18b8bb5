"""Verdict wording and thresholds, and the A/A calibration: the same
setting on both sides must read "no measurable effect" nearly always."""
import os
import re
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import records  # noqa: E402
import verdict  # noqa: E402

TPUT = records.Figure("ops_per_sec", "ops/s", "higher", "throughput")
FAULTS = records.Figure("minflt", "", "lower", "count")
SECS = records.Figure("sys_s", "s", "lower", "amount")


class Wording(unittest.TestCase):
    def test_pct(self):
        self.assertEqual(verdict.pct(0.079), "+7.9%")
        self.assertEqual(verdict.pct(-0.012), "-1.2%")
        self.assertEqual(verdict.pct(0.0004), "+0.0%")

    def test_faster(self):
        a = [100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1]
        b = [x * 1.079 for x in a]
        c = verdict.Comparison(TPUT, a, b)
        self.assertTrue(c.significant)
        self.assertEqual(c.direction, "better")
        self.assertRegex(c.text(), r"^faster by 7\.9% \(95% CI \+\d+\.\d%\.\.\+\d+\.\d%\)$")

    def test_slower(self):
        a = [100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1]
        b = [x * 0.9 for x in a]
        c = verdict.Comparison(TPUT, a, b)
        self.assertTrue(c.text().startswith("slower by 10.0% (95% CI -"), c.text())
        self.assertEqual(c.direction, "worse")

    def test_fewer_and_more(self):
        a = [1000, 1010, 990, 1005, 995, 1002]
        c = verdict.Comparison(FAULTS, a, [x * 0.5 for x in a])
        self.assertTrue(c.text().startswith("fewer by 50.0%"), c.text())
        self.assertEqual(c.direction, "better")
        c = verdict.Comparison(SECS, a, [x * 1.2 for x in a])
        self.assertTrue(c.text().startswith("higher by 20.0%"), c.text())
        self.assertEqual(c.direction, "worse")

    def test_overlap_is_no_effect(self):
        a = [100, 104, 96, 102, 98, 101, 99, 103]
        b = [101, 97, 103, 99, 102, 98, 104, 100]
        c = verdict.Comparison(TPUT, a, b)
        self.assertFalse(c.significant)
        self.assertRegex(c.text(), r"^no measurable effect \([+-]\d+\.\d%, 95% CI -\d+\.\d%\.\.\+\d+\.\d%\)$")

    def test_three_runs_never_claim(self):
        # a 2x difference, but the exact test cannot go below p = 0.1 with 3 per side
        c = verdict.Comparison(TPUT, [100, 101, 102], [200, 201, 202])
        self.assertFalse(c.significant)
        self.assertIn("too few runs", c.text())
        self.assertTrue(c.text().startswith("no measurable effect (+"), c.text())

    def test_zero_baseline(self):
        c = verdict.Comparison(FAULTS, [0, 0, 0, 0, 0, 0], [5, 6, 5, 7, 6, 5])
        self.assertIsNone(c.change)
        self.assertTrue(c.significant)
        self.assertEqual(c.text(), "more (0 -> 5.5, baseline median 0)")
        c = verdict.Comparison(FAULTS, [0, 0, 0], [0, 0, 0])
        self.assertFalse(c.significant)
        self.assertEqual(c.text(), "no measurable effect (0 -> 0)")


class AACalibration(unittest.TestCase):
    def test_aa_mostly_no_effect(self):
        rng = np.random.default_rng(2024)
        n_exp, no_effect = 200, 0
        for _ in range(n_exp):
            # one noisy distribution (log-normal, 3% spread, occasional slow outlier)
            def draw():
                x = 1e8 * rng.lognormal(0.0, 0.03, 10)
                x[rng.random(10) < 0.05] *= 0.8
                return list(x)
            c = verdict.Comparison(TPUT, draw(), draw())
            if not c.significant:
                self.assertTrue(c.text().startswith("no measurable effect"))
                no_effect += 1
        self.assertGreaterEqual(no_effect, int(0.9 * n_exp), "A/A: %d of %d said no effect" % (no_effect, n_exp))

    def test_real_shift_is_detected(self):
        # the converse of A/A: a 5% shift under the same noise is found nearly always
        rng = np.random.default_rng(99)
        found = 0
        for _ in range(50):
            a = list(1e8 * rng.lognormal(0.0, 0.02, 10))
            b = list(1.05e8 * rng.lognormal(0.0, 0.02, 10))
            found += verdict.Comparison(TPUT, a, b).significant
        self.assertGreaterEqual(found, 45)


if __name__ == "__main__":
    unittest.main()
