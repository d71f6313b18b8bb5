"""verdict.py - compare each variant with the baseline, figure by figure,
and say the result in exactly one of four verdicts:

  faster / slower    (more / fewer for counts, higher / lower otherwise)
                     by X%, with the CI: the CI excludes 0
  equivalent         within the stated margin (default +-2%, --margin):
                     TOST (statsmodels) at the same level: the CI lies
                     inside +-margin
  inconclusive       neither: with the CI and about how many runs per
                     variant would resolve the margin

Rules (also in README.md, "How a verdict is decided"):

  * The change is the geometric mean of the per-round ratios
    variant/baseline (paired over interleaved rounds: run i of X against
    run i of the baseline of the same invocation), or, when the pairs are
    incomplete, the ratio of the geometric means (Welch, unpaired; the
    reason is stated).  stats.py arranges the scipy/statsmodels tests.
  * Every comparison of an invocation is corrected: throughput (ops/s; wall
    time for --cmd runs) is the primary family, Holm-adjusted across the
    variants; every other figure of every variant is one second family,
    Benjamini-Hochberg adjusted (false discovery rate 5%).
  * The CI is shown at the level the correction implies for that
    comparison (1 - 0.05 x p / p_adjusted): it excludes 0 exactly when the
    adjusted p is below 0.05, so a verdict never contradicts its CI.
  * Fewer than MIN_RUNS runs per variant: inconclusive (a t interval on 3
    or 4 runs rests on a normality nobody can check), with the runs needed.
  * A figure without a direction (a schema-1 record, or "better" missing)
    gets no verdict, and the text says why.
  * A figure that moves in steps (a timer's resolution, the record's
    "step") is never called equivalent within a margin finer than one
    step of the baseline's median: identical quantized runs give a CI of
    zero width that says nothing below the step.  It is inconclusive, and
    the text names the step; a difference is still claimed, and its text
    says the size is coarse (whole steps).
"""

import math
from argparse import ArgumentTypeError

import stats

ALPHA = 0.05
DEFAULT_MARGIN = 0.02
MIN_RUNS = 5
VERDICTS = ("faster", "slower", "more", "fewer", "higher", "lower", "equivalent", "inconclusive")

# Units whose figures are counts of things: "more"/"fewer".  Throughput
# (ops/s): "faster"/"slower".  Anything else: "higher"/"lower".  The unit
# picks only the word; which way is better comes from the record.
COUNT_UNITS = ("faults", "calls", "flushes", "pages", "events", "count", "switches", "instructions",
               "misses", "syscalls", "runs")
RATE_UNITS = ("ops/s",)


def pct(x):
    """+7.9% style; x is a fraction (0.079)."""
    v = x * 100.0
    if abs(v) < 0.05:
        v = 0.0
    if abs(v) >= 100:
        return "%+.0f%%" % v
    return "%+.1f%%" % v


def fmt_num(v):
    """Numbers for tables: 3 significant digits with k/M/G, never mixing
    exponent notation with plain integers."""
    if v is None:
        return "n/a"
    a = abs(v)
    if a == 0:
        return "0"
    # k from 10,000 up (1,234 stays plain), but k is still a thousand
    for least, div, suffix in ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if a >= least:
            return "%.3g%s" % (v / div, suffix)
    if a >= 100:
        return "%.0f" % v
    if a >= 0.001:
        return "%.3g" % v
    # small values in fixed point too (0.000512, not 5.12e-04): a column
    # never mixes exponents with plain numbers
    return "%.*f" % (min(20, 2 - int(math.floor(math.log10(a)))), v)


def fmt_level(level):
    v = level * 100.0
    return ("%d%%" % round(v)) if abs(v - round(v)) < 0.05 else "%.1f%%" % v


def words(figure):
    """(word for an increase, word for a decrease) of this figure."""
    u = figure.unit.strip().lower()
    if u in RATE_UNITS:
        return "faster", "slower"
    if u in COUNT_UNITS:
        return "more", "fewer"
    return "higher", "lower"


class Comparison:
    """One figure, one variant against the baseline.  pairs: [(base,
    other)] when every run has its round partner, else None and
    why_unpaired."""

    def __init__(self, figure, base, other, pairs=None, why_unpaired=None, margin=DEFAULT_MARGIN):
        self.figure = figure
        self.margin = margin
        self.est = stats.Estimate(base, other, pairs, why_unpaired)
        self.n_base, self.n_other = self.est.n_base, self.est.n_other
        self.med_base = stats.median(base)
        self.med_other = stats.median(other)
        self.p = self.est.p()
        self.p_adj = self.p
        self.family = None            # "Holm over N variants", set by compare_all
        self.change = self.est.as_fraction(self.est.center)

    # -------------------------------------------------------- the decision

    @property
    def alpha_eff(self):
        """The level the correction implies for this comparison."""
        if self.p_adj <= 0 or self.p <= 0 or self.p_adj <= self.p:
            return ALPHA
        return ALPHA * self.p / self.p_adj

    @property
    def level(self):
        return 1.0 - self.alpha_eff

    @property
    def ci_scale(self):
        """The CI on the estimate's own scale (log ratio or difference)."""
        return self.est.ci(self.alpha_eff)

    @property
    def ci(self):
        """The CI as fractions (-0.012, +0.020), or None when the baseline's
        mean is 0 (no percentage exists)."""
        lo, hi = self.ci_scale
        a, b = self.est.as_fraction(lo), self.est.as_fraction(hi)
        return None if a is None or b is None else (a, b)

    @property
    def tost_p(self):
        return self.est.tost_p(self.margin)

    @property
    def too_few_runs(self):
        return self.est.n < MIN_RUNS

    @property
    def verdict(self):
        """"effect", "equivalent", "inconclusive", or None (no direction:
        no verdict, see why_no_verdict)."""
        if self.figure.better is None:
            return None
        if self.too_few_runs:
            return "inconclusive"
        lo, hi = self.ci_scale
        if lo > 0 or hi < 0:
            return "effect"
        # TOST at alpha_eff / 2 per side is the same as "the shown CI lies
        # inside the margin"
        if self.tost_p < self.alpha_eff / 2.0 and not self.below_step:
            return "equivalent"
        return "inconclusive"

    @property
    def below_step(self):
        """Is the margin finer than one step of the figure (at the
        baseline's median)?  Then equivalence cannot be resolved."""
        step = self.figure.step
        return step is not None and abs(self.med_base) * self.margin < step

    @property
    def significant(self):
        return self.verdict == "effect"

    @property
    def word(self):
        """The verdict word: one of VERDICTS, or None without a direction."""
        v = self.verdict
        if v in ("equivalent", "inconclusive"):
            return v
        if v is None:
            return None
        up, down = words(self.figure)
        return up if self.est.center > 0 else down

    @property
    def direction(self):
        """"better", "worse" or "" (no claimed effect, or a figure whose
        better direction is "neither")."""
        if not self.significant or self.figure.better not in ("higher", "lower"):
            return ""
        up = self.est.center > 0
        return "better" if up == (self.figure.better == "higher") else "worse"

    @property
    def runs_needed(self):
        return self.est.runs_needed(self.margin, self.alpha_eff)

    # ------------------------------------------------------------ wording

    def ci_text(self):
        lv = fmt_level(self.level)
        if self.ci is not None:
            return "%s CI %s..%s" % (lv, pct(self.ci[0]), pct(self.ci[1]))
        lo, hi = self.ci_scale
        return "%s CI %+.3g..%+.3g; baseline mean 0, so no percentage" % (lv, lo, hi)

    def size_text(self):
        if self.change is not None:
            return pct(abs(self.change))[1:]
        return "%.3g" % abs(self.est.center)

    def step_text(self):
        share = (" (%s of the baseline's median)" % pct(self.figure.step / abs(self.med_base))[1:]
                 if self.med_base else "")
        return "the figure moves in steps of %s %s%s" % (fmt_num(self.figure.step), self.figure.unit, share)

    def margin_text(self):
        return "\u00b1%g%%" % (self.margin * 100)

    def needed_text(self):
        n = self.runs_needed
        if n is None:
            return "the spread is unknown, so the runs needed cannot be estimated"
        if n >= stats.RUNS_NEEDED_CAP:
            return "more than %d runs per variant would be needed to resolve %s" % (n, self.margin_text())
        return "about %d runs per variant would resolve %s" % (max(n, MIN_RUNS), self.margin_text())

    def text(self):
        v = self.verdict
        if v is None:
            ch = pct(self.change) if self.change is not None else "n/a"
            few = ("; too few runs: %d per variant, a verdict needs %d" % (self.est.n, MIN_RUNS)
                   if self.too_few_runs else "")
            return "n/a: %s (change %s, %s%s)" % (self.figure.why_no_direction, ch, self.ci_text(), few)
        if v == "effect":
            coarse = "; %s, so the size is coarse" % self.step_text() if self.below_step else ""
            return "%s by %s (%s%s)" % (self.word, self.size_text(), self.ci_text(), coarse)
        if v == "equivalent":
            return "equivalent within %s (%s)" % (self.margin_text(), self.ci_text())
        parts = [self.ci_text()]
        if self.too_few_runs:
            parts.append("too few runs: %d per variant, a verdict needs %d" % (self.est.n, MIN_RUNS))
        if self.below_step:
            parts.append("%s, coarser than %s: no equivalence that fine is claimed"
                         % (self.step_text(), self.margin_text()))
        else:
            parts.append(self.needed_text())
        return "inconclusive (%s)" % "; ".join(parts)

    def method_text(self):
        s = self.est.method
        if not self.est.paired:
            s += " (unpaired: %s)" % self.est.why_unpaired
        return s


def pairs_of(base, variant, name):
    """([(base value, variant value)], None) when every run of both sides
    has its partner of the same invocation and round, else (None, why)."""
    a = base.by_run.get(name, {})
    b = variant.by_run.get(name, {})
    if any(k[1] is None for k in list(a) + list(b)):
        return None, "the records carry no round index (run)"
    if set(a) != set(b):
        common = len(set(a) & set(b))
        return None, ("pairs incomplete: %d of %d baseline and %d variant runs have a partner of the same "
                      "round (failed or missing runs)" % (common, len(a), len(b)))
    keys = sorted(a, key=lambda k: (str(k[0]), k[1]))
    return [(a[k], b[k]) for k in keys], None


def primary_figure(exp):
    """Throughput when the baseline recorded it, else wall time (--cmd)."""
    import records
    base = exp.baseline
    if base is not None and base.values.get(records.THROUGHPUT):
        return records.THROUGHPUT
    return records.WALL_S


def compare_all(exp, margin=DEFAULT_MARGIN):
    """{variant label: [Comparison]} for every variant but the baseline,
    every figure both sides measured, with the two correction families
    described above.  Returns (comps, primary figure name)."""
    base = exp.baseline
    primary = primary_figure(exp)
    comps = {}
    for v in exp.variants[1:]:
        out = []
        for name in exp.figures:
            a, b = base.values.get(name), v.values.get(name)
            if not a or not b:
                continue
            pairs, why = pairs_of(base, v, name)
            out.append(Comparison(exp.figures[name], a, b, pairs, why, margin))
        comps[v.label] = out
    first = [c for cs in comps.values() for c in cs if c.figure.name == primary and c.figure.better]
    rest = [c for cs in comps.values() for c in cs if c.figure.name != primary and c.figure.better]
    for fam, method, what in ((first, "holm", "Holm over %d variant(s)"),
                              (rest, "fdr_bh", "Benjamini-Hochberg over %d comparison(s)")):
        for c, p in zip(fam, stats.correct([c.p for c in fam], method)):
            c.p_adj = max(p, c.p)
            c.family = what % len(fam)
    return comps, primary


# ------------------------------------------------- command-line options

def margin_arg(s):
    try:
        v = float(s)
    except ValueError:
        raise ArgumentTypeError("'%s' is not a number (give a percentage, e.g. 2)" % s)
    if not 0 < v < 100:
        raise ArgumentTypeError("%s is outside 0..100 (a percentage, e.g. 2)" % s)
    return v / 100.0


def add_options(ap):
    ap.add_argument("--margin", type=margin_arg, default=DEFAULT_MARGIN, metavar="PCT",
                    help="equivalence margin in percent for the verdicts (default %g)"
                         % (DEFAULT_MARGIN * 100))
