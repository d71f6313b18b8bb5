"""Statistics against independent references: the paired and unpaired
estimates against scipy's own t-tests, the TOST decision against the CI,
Holm and Benjamini-Hochberg known values (statsmodels), the runs-needed
estimate against the CI it promises, and the regression against scipy."""
import math
import os
import sys
import unittest

import numpy as np
from scipy import stats as sps

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import stats  # noqa: E402


class Paired(unittest.TestCase):
    def test_against_scipy_ttest_rel(self):
        rng = np.random.default_rng(5)
        drift = rng.lognormal(0, 0.05, 12)                 # shared by both sides of a round
        a = 1e8 * drift * rng.lognormal(0, 0.01, 12)
        b = 1.03e8 * drift * rng.lognormal(0, 0.01, 12)
        e = stats.Estimate(a, b, list(zip(a, b)))
        ref = sps.ttest_rel(np.log(b), np.log(a))
        self.assertTrue(e.paired)
        self.assertAlmostEqual(e.p(), float(ref.pvalue), places=12)
        self.assertAlmostEqual(e.center, float(np.mean(np.log(b / a))), places=12)
        lo, hi = e.ci(0.05)
        d = np.log(b / a)
        t = sps.t.ppf(0.975, len(d) - 1) * np.std(d, ddof=1) / math.sqrt(len(d))
        self.assertAlmostEqual(lo, d.mean() - t, places=12)
        self.assertAlmostEqual(hi, d.mean() + t, places=12)
        # pairing removes the shared drift: the unpaired test cannot see the 3%
        u = stats.Estimate(a, b)
        self.assertLess(e.p(), 0.001)
        self.assertGreater(u.p(), 0.05)

    def test_unpaired_against_scipy_welch(self):
        rng = np.random.default_rng(6)
        a, b = rng.lognormal(0, 0.05, 9), rng.lognormal(0.04, 0.08, 11)
        e = stats.Estimate(a, b, None, "pairs incomplete")
        ref = sps.ttest_ind(np.log(b), np.log(a), equal_var=False)
        self.assertFalse(e.paired)
        self.assertEqual(e.why_unpaired, "pairs incomplete")
        self.assertAlmostEqual(e.p(), float(ref.pvalue), places=12)

    def test_zero_values_use_differences(self):
        e = stats.Estimate([0, 0, 0, 0, 0], [1, 2, 1, 2, 1])
        self.assertEqual(e.scale, "raw")
        self.assertIsNone(e.as_fraction(e.center))
        e = stats.Estimate([0, 0, 0], [0, 0, 0])
        self.assertEqual(e.p(), 1.0)
        self.assertEqual(e.ci(0.05), (0.0, 0.0))


class Tost(unittest.TestCase):
    def test_tost_matches_ci_inside_margin(self):
        # TOST at alpha/2 per side is "the 1-alpha CI inside the margin"
        rng = np.random.default_rng(8)
        for _ in range(200):
            n = int(rng.integers(5, 15))
            a = rng.lognormal(0, 0.02, n)
            b = a * rng.lognormal(rng.normal(0, 0.01), 0.01, n)
            e = stats.Estimate(a, b, list(zip(a, b)))
            low, upp = e.margin_bounds(0.02)
            lo, hi = e.ci(0.05)
            inside = low < lo and hi < upp
            self.assertEqual(e.tost_p(0.02) < 0.025, inside)


class Correction(unittest.TestCase):
    def test_holm_known_values(self):
        adj = stats.correct([0.01, 0.04, 0.03], "holm")
        for got, want in zip(adj, [0.03, 0.06, 0.06]):
            self.assertAlmostEqual(got, want)

    def test_bh_known_values(self):
        adj = stats.correct([0.01, 0.04, 0.03, 0.005], "fdr_bh")
        for got, want in zip(adj, [0.02, 0.04, 0.04, 0.02]):
            self.assertAlmostEqual(got, want)

    def test_many_equal_small_p_stay_small(self):
        self.assertTrue(all(abs(p - 0.0079) < 1e-12 for p in stats.correct([0.0079] * 20, "fdr_bh")))


class RunsNeeded(unittest.TestCase):
    def test_promised_half_width(self):
        # with the returned n, the CI half-width at the observed spread fits the target; with n-1 it does not
        rng = np.random.default_rng(9)
        a = rng.lognormal(0, 0.05, 6)
        b = a * rng.lognormal(0.002, 0.04, 6)
        e = stats.Estimate(a, b, list(zip(a, b)))
        n = e.runs_needed(0.02, 0.05)
        low, upp = e.margin_bounds(0.02)
        target = max(abs(e.center), (upp - low) / 2 - abs(e.center))
        hw = lambda k: sps.t.ppf(0.975, k - 1) * e.sd / math.sqrt(k)  # noqa: E731
        self.assertLessEqual(hw(n), target)
        self.assertGreater(hw(n - 1), target)
        self.assertGreater(n, 6)


class Regression(unittest.TestCase):
    def test_against_scipy(self):
        rng = np.random.default_rng(3)
        x = rng.uniform(1000, 5000, 20)
        y = 1.5e-6 * x + 0.01 + rng.normal(0, 1e-4, 20)
        ours = stats.linregress(x, y)
        ref = sps.linregress(x, y)
        self.assertAlmostEqual(ours["slope"], ref.slope, places=12)
        self.assertAlmostEqual(ours["p"], ref.pvalue, places=9)
        self.assertAlmostEqual(ours["se"], ref.stderr, places=12)
        self.assertIsNone(stats.linregress([1, 1, 1], [1, 2, 3]))


if __name__ == "__main__":
    unittest.main()
