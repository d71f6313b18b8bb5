"""verdict.py - compare a variant with the baseline, figure by figure, and
say the result in words.

Rules (also in README.md, reports section):

  * change   = median(variant) / median(baseline) - 1
  * CI       = 95% percentile bootstrap CI of that ratio (stats.py)
  * p        = two-sided Mann-Whitney U p-value
  * An effect is claimed only when the CI excludes 0 AND p < ALPHA.
    Throughput is the primary figure and uses its own p.  Every other
    figure of the same comparison is one family: their p-values are
    Benjamini-Hochberg adjusted (false discovery rate 5%) before the test,
    so that measuring thirty figures does not make one of them
    "significant" by chance.  (Holm, which controls the chance of any
    false alarm, is too strict for this use: with 5 runs per side the
    exact test's smallest p is 0.008, and Holm over ten figures could
    never claim anything but throughput.)
  * Otherwise the verdict is "no measurable effect (+0.4%, 95% CI
    -1.2%..+2.0%)".  When the runs are too few for the exact test ever to
    reach ALPHA, the verdict says so.

Wording by figure kind:
  throughput (higher is better): "faster by 7.9%" / "slower by 3.1%"
  counts (faults, flushes, calls, instructions): "fewer by ..." / "more by ..."
  amounts (seconds, bytes, KiB):  "lower by ..." / "higher by ..."
"""

import stats

ALPHA = 0.05
LEVEL = 0.95

WORDS = {
    "throughput": ("faster", "slower"),
    "count": ("fewer", "more"),
    "amount": ("lower", "higher"),
}


def pct(x):
    """+7.9% style; x is a fraction (0.079)."""
    v = x * 100.0
    if abs(v) < 0.05:
        v = 0.0
    if abs(v) >= 100:
        return "%+.0f%%" % v
    return "%+.1f%%" % v


def word(kind, change):
    up, down = WORDS.get(kind, WORDS["amount"])
    if kind == "throughput":
        return up if change > 0 else down
    return down if change > 0 else up


def fmt_num(v):
    if v is None:
        return "n/a"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1e9:
        return "%.3gG" % (v / 1e9)
    if a >= 1e6:
        return "%.3gM" % (v / 1e6)
    if a >= 1e4:
        return "%.3gk" % (v / 1e3)
    if a >= 100:
        return "%.0f" % v
    if a >= 1:
        return "%.3g" % v
    return "%.3g" % v


class Comparison:
    """One figure, one variant against the baseline."""

    def __init__(self, figure, base, other):
        self.figure = figure
        self.base = list(base)
        self.other = list(other)
        self.n_base, self.n_other = len(self.base), len(self.other)
        self.med_base = stats.median(self.base)
        self.med_other = stats.median(self.other)
        self.u, self.p, self.method = stats.mann_whitney(self.base, self.other)
        self.p_adj = self.p
        self.min_p = stats.min_exact_p(self.n_base, self.n_other)
        if self.med_base != 0:
            self.change = self.med_other / self.med_base - 1.0
            ci = stats.bootstrap_ratio_ci(self.base, self.other, LEVEL)
            self.ci = None if ci is None else (ci[0] - 1.0, ci[1] - 1.0)
        else:
            self.change = None
            self.ci = None

    @property
    def significant(self):
        if self.p_adj is None or self.p_adj >= ALPHA:
            return False
        if self.change is None:        # baseline 0: the rank test alone
            return self.med_other != self.med_base
        if self.ci is None:
            return False
        return self.ci[0] > 0 or self.ci[1] < 0

    @property
    def too_few_runs(self):
        return self.min_p >= ALPHA and self.method == "exact"

    @property
    def direction(self):
        """"better", "worse" or "" (no claimed effect)."""
        if not self.significant:
            return ""
        up = self.med_other > self.med_base
        good = up if self.figure.better == "higher" else not up
        return "better" if good else "worse"

    def text(self):
        kind = self.figure.kind
        if self.change is None:
            span = "%s -> %s" % (fmt_num(self.med_base), fmt_num(self.med_other))
            if self.significant:
                w = word(kind, 1.0 if self.med_other > self.med_base else -1.0)
                return "%s (%s, baseline median 0)" % (w, span)
            return "no measurable effect (%s)" % span
        ci = ""
        if self.ci is not None:
            ci = "%d%% CI %s..%s" % (round(LEVEL * 100), pct(self.ci[0]), pct(self.ci[1]))
        if self.significant:
            return "%s by %s (%s)" % (word(kind, self.change), pct(abs(self.change))[1:], ci)
        inner = pct(self.change) + (", " + ci if ci else "")
        s = "no measurable effect (%s)" % inner
        if self.too_few_runs:
            s += "; too few runs: the smallest attainable p is %.2f" % self.min_p
        return s


def compare(exp, variant, figure_names=None):
    """Comparisons of every figure both sides measured, BH-adjusted as
    described above.  Returns [Comparison] in the experiment's figure order."""
    base = exp.baseline
    names = figure_names or list(exp.figures)
    out = []
    for name in names:
        a = base.values.get(name)
        b = variant.values.get(name)
        if not a or not b:
            continue
        out.append(Comparison(exp.figures[name], a, b))
    secondary = [c for c in out if c.figure.name != "ops_per_sec"]
    adj = stats.bh([c.p for c in secondary])
    for c, p in zip(secondary, adj):
        c.p_adj = p
    return out
