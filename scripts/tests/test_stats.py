"""Statistics against known values: our Mann-Whitney against scipy's,
the bootstrap CI on samples with a known shift, Holm, the regression."""
import os
import sys
import unittest

import numpy as np
from scipy import stats as sps

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import stats  # noqa: E402


class MannWhitney(unittest.TestCase):
    def check(self, a, b, method):
        u1, p, m = stats.mann_whitney(a, b)
        ref = sps.mannwhitneyu(a, b, alternative="two-sided", method="auto")
        self.assertEqual(m, method)
        self.assertAlmostEqual(u1, float(ref.statistic), places=9)
        self.assertAlmostEqual(p, float(ref.pvalue), places=9, msg="a=%s b=%s" % (a, b))

    def test_exact_small_no_ties(self):
        self.check([1.0, 2.0, 3.0], [4.0, 5.0, 6.0], "exact")
        self.check([1.1, 3.2, 2.5, 7.0], [4.4, 5.1, 0.3, 9.9, 8.8], "exact")
        self.check([10.0, 11.0, 12.5, 13.0, 9.0], [9.5, 10.5, 11.5, 12.0, 14.0], "exact")

    def test_exact_three_runs_cannot_reach_alpha(self):
        _, p, _ = stats.mann_whitney([1, 2, 3], [4, 5, 6])
        self.assertAlmostEqual(p, 0.1)
        self.assertAlmostEqual(stats.min_exact_p(3, 3), 0.1)
        self.assertAlmostEqual(stats.min_exact_p(5, 5), 2 / 252)

    def test_normal_with_ties(self):
        self.check([1, 2, 2, 3, 3, 3], [2, 3, 4, 4, 5, 6], "normal")
        self.check([100, 100, 100], [200, 200, 200], "normal")

    def test_normal_large(self):
        rng = np.random.default_rng(7)
        a = list(rng.normal(100, 5, 25))
        b = list(rng.normal(103, 5, 30))
        self.check(a, b, "normal")

    def test_all_equal_is_p_one(self):
        _, p, _ = stats.mann_whitney([5, 5, 5, 5], [5, 5, 5])
        self.assertEqual(p, 1.0)


class Bootstrap(unittest.TestCase):
    def test_known_shift_is_covered_and_zero_excluded(self):
        rng = np.random.default_rng(11)
        a = rng.normal(100.0, 2.0, 30)
        b = rng.normal(110.0, 2.2, 30)
        lo, hi = stats.bootstrap_ratio_ci(a, b)
        self.assertLess(lo, 1.10)
        self.assertGreater(hi, 1.10)
        self.assertGreater(lo, 1.0)

    def test_fixed_seed_reproducible(self):
        a = [1.0, 2.0, 3.0, 4.0, 5.0]
        b = [2.0, 3.0, 4.0, 5.0, 6.0]
        self.assertEqual(stats.bootstrap_ratio_ci(a, b), stats.bootstrap_ratio_ci(a, b))

    def test_zero_baseline_is_undefined(self):
        self.assertIsNone(stats.bootstrap_ratio_ci([0, 0, 0], [1, 2, 3]))


class Holm(unittest.TestCase):
    def test_known_values(self):
        adj = stats.holm([0.01, 0.04, 0.03, None])
        self.assertAlmostEqual(adj[0], 0.03)
        self.assertAlmostEqual(adj[1], 0.06)
        self.assertAlmostEqual(adj[2], 0.06)
        self.assertIsNone(adj[3])


class BenjaminiHochberg(unittest.TestCase):
    def test_known_values(self):
        adj = stats.bh([0.01, 0.04, 0.03, 0.005, None])
        for got, want in zip(adj, [0.02, 0.04, 0.04, 0.02]):
            self.assertAlmostEqual(got, want)
        self.assertIsNone(adj[4])

    def test_many_equal_small_p_stay_small(self):
        # 20 figures that all moved (p = 0.0079 each, the 5-vs-5 exact minimum)
        self.assertTrue(all(abs(p - 0.0079) < 1e-12 for p in stats.bh([0.0079] * 20)))


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
