"""stats.py - the statistics behind every verdict, arranged from scipy and
statsmodels (Debian python3-scipy, python3-statsmodels).  This file only
chooses and combines their functions; it computes no test of its own.

A comparison of one figure, variant X against the baseline, is an
*Estimate* of the change on the log scale (so a change is a ratio and a
+10% and a -9.1% are the same distance):

  paired     X's run i against the baseline's run i of the same invocation
             (the rounds are interleaved, so the pair shares the machine's
             state): one-sample t on log(x_i / b_i)
             (statsmodels DescrStatsW.ttest_mean / tconfint_mean /
             ttost_mean).
  unpaired   when the pairs are incomplete (a failed run, runs from
             several invocations): Welch's t on log(x) - log(b)
             (statsmodels CompareMeans, usevar="unequal"), and the reason
             is kept.
  raw scale  when a value is 0 or negative (e.g. major faults) logs do
             not exist: the same tests on x - b, shown as a fraction of
             the baseline's mean (no fraction when that mean is 0).

  correct(ps, method)    multiple-comparison adjusted p-values
                         (statsmodels.stats.multitest.multipletests).
  runs_needed(...)       how many runs per variant would make the CI
                         narrow enough to resolve the equivalence margin
                         if the spread and the difference stay as observed
                         (scipy's t quantiles).
"""

import math

import numpy as np
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

RUNS_NEEDED_CAP = 100000


def median(xs):
    return float(np.median(np.asarray(xs, dtype=float)))


def geomean(xs):
    return float(sps.gmean(np.asarray(xs, dtype=float)))


class Estimate:
    """The change of `other` against `base`.  pairs: list of
    (base value, other value) when every run has its partner, else None
    with why_unpaired saying what was missing."""

    def __init__(self, base, other, pairs=None, why_unpaired=None):
        self.base = np.asarray(base, dtype=float)
        self.other = np.asarray(other, dtype=float)
        self.n_base, self.n_other = len(self.base), len(self.other)
        self.paired = pairs is not None
        self.why_unpaired = None if self.paired else (why_unpaired or "no run pairs")
        if self.paired:
            pb = np.asarray([p[0] for p in pairs], dtype=float)
            po = np.asarray([p[1] for p in pairs], dtype=float)
            positive = bool(np.all(pb > 0) and np.all(po > 0))
        else:
            positive = bool(np.all(self.base > 0) and np.all(self.other > 0))
        self.scale = "log" if positive else "raw"
        self.base_mean = float(np.mean(self.base))
        if self.paired:
            d = np.log(po) - np.log(pb) if positive else po - pb
            self.n_pairs = len(d)
            self._desc = DescrStatsW(d)
            self.center = float(np.mean(d))
            self.sd = float(np.std(d, ddof=1)) if len(d) > 1 else float("nan")
            self.degenerate = len(d) < 2 or self.sd == 0
        else:
            xo = np.log(self.other) if positive else self.other
            xb = np.log(self.base) if positive else self.base
            self.n_pairs = 0
            self._cm = CompareMeans(DescrStatsW(xo), DescrStatsW(xb))
            self.center = float(np.mean(xo) - np.mean(xb))
            so = float(np.std(xo, ddof=1)) if len(xo) > 1 else float("nan")
            sb = float(np.std(xb, ddof=1)) if len(xb) > 1 else float("nan")
            self.sd = math.sqrt((so * so + sb * sb) / 2.0) if len(xo) > 1 and len(xb) > 1 else float("nan")
            self._sds = (so, sb)
            self.degenerate = len(xo) < 2 or len(xb) < 2 or (so == 0 and sb == 0)

    @property
    def n(self):
        """Runs per variant that the test used (pairs, or the smaller side)."""
        return self.n_pairs if self.paired else min(self.n_base, self.n_other)

    @property
    def method(self):
        test = "paired t" if self.paired else "Welch t"
        return "%s on %s" % (test, "log ratios" if self.scale == "log" else "differences")

    # ---------------------------------------------------------- the tests

    def p(self):
        """Two-sided p-value of "no change"."""
        if self.degenerate:
            return 0.0 if self.center != 0 and not math.isnan(self.sd) else 1.0
        if self.paired:
            return float(self._desc.ttest_mean(0.0)[1])
        return float(self._cm.ttest_ind(usevar="unequal")[1])

    def ci(self, alpha):
        """(low, high) of the change on its scale, level 1 - alpha."""
        if self.degenerate:
            return (self.center, self.center)
        if self.paired:
            lo, hi = self._desc.tconfint_mean(alpha)
        else:
            lo, hi = self._cm.tconfint_diff(alpha, usevar="unequal")
        return float(lo), float(hi)

    def margin_bounds(self, margin):
        """The equivalence interval (+-margin, a fraction) on this scale."""
        if self.scale == "log":
            return math.log(1.0 - margin), math.log(1.0 + margin)
        m = margin * abs(self.base_mean)
        return -m, m

    def tost_p(self, margin):
        """TOST p-value: small when the change is inside +-margin."""
        low, upp = self.margin_bounds(margin)
        if self.degenerate:
            return 0.0 if low <= self.center <= upp else 1.0
        if self.paired:
            return float(self._desc.ttost_mean(low, upp)[0])
        return float(self._cm.ttost_ind(low, upp, usevar="unequal")[0])

    # ------------------------------------------------------------ wording

    def as_fraction(self, x):
        """A change on this estimate's scale as a fraction (0.079 = +7.9%),
        or None when the baseline's mean is 0 (raw scale)."""
        if self.scale == "log":
            return math.exp(x) - 1.0
        if self.base_mean == 0:
            return None
        return x / abs(self.base_mean)

    def runs_needed(self, margin, alpha):
        """Runs per variant for a CI half-width that resolves +-margin,
        if the spread and the difference stay as observed; None when the
        spread is unknown."""
        if math.isnan(self.sd) or self.sd == 0:
            return None
        low, upp = self.margin_bounds(margin)
        m = (upp - low) / 2.0
        if m <= 0:
            return None
        c = abs(self.center)
        # a CI narrower than |change| excludes 0; one narrower than
        # margin - |change| lies inside the margin: either settles it
        target = max(c, m - c)
        # per-run spread of the compared quantity: pairs of differences,
        # or two independent sides
        spread = self.sd if self.paired else self.sd * math.sqrt(2.0)
        if target <= 0:
            return RUNS_NEEDED_CAP
        # the normal quantile gives a lower bound (t's is larger); step up from it
        z = float(sps.norm.ppf(1 - alpha / 2.0))
        n = max(2, int(math.ceil((z * spread / target) ** 2)))
        while n < RUNS_NEEDED_CAP:
            if float(sps.t.ppf(1 - alpha / 2.0, n - 1)) * spread / math.sqrt(n) <= target:
                return n
            n += 1
        return RUNS_NEEDED_CAP


def correct(ps, method):
    """Adjusted p-values (statsmodels multipletests; method "holm" or
    "fdr_bh"), in the input order."""
    if not ps:
        return []
    return [float(x) for x in multipletests(ps, method=method)[1]]


def linregress(xs, ys):
    """scipy's least-squares fit: slope, its CI, p, R^2; None when x does
    not vary or there are fewer than 3 points."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    if len(x) < 3 or np.ptp(x) == 0:
        return None
    r = sps.linregress(x, y)
    t = float(sps.t.ppf(0.975, len(x) - 2))
    return {"slope": float(r.slope), "intercept": float(r.intercept), "r2": float(r.rvalue ** 2),
            "se": float(r.stderr), "p": float(r.pvalue),
            "ci": (float(r.slope - t * r.stderr), float(r.slope + t * r.stderr)), "n": len(x)}


def binom_ci(k, n, level=0.95):
    """Clopper-Pearson CI of a rate k/n (scipy)."""
    r = sps.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return float(r.low), float(r.high)
