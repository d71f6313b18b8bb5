"""stats.py - the statistics behind every A/B verdict.

Everything a verdict rests on is computed here, with no hidden state:

  median(xs)                       plain median
  bootstrap_ratio_ci(a, b, ...)    percentile bootstrap CI of median(b)/median(a),
                                   fixed seed so a report is reproducible
  mann_whitney(a, b)               two-sided Mann-Whitney U p-value: exact
                                   for small samples without ties, normal
                                   approximation with tie and continuity
                                   correction otherwise (the same choice and
                                   formulas as scipy.stats.mannwhitneyu's
                                   method='auto', so the two can be checked
                                   against each other)
  holm(ps)                         Holm step-down adjusted p-values
  bh(ps)                           Benjamini-Hochberg adjusted p-values (FDR)

Why our own Mann-Whitney and not scipy's: the report must say which test
was used for which figure (exact or approximate), and the smallest p-value
an exact test can reach with n runs ("with 3 runs per side no effect can be
claimed") - both need the distribution in our hands.
"""

import math

import numpy as np

BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20251204       # fixed: the same data always gives the same CI


def median(xs):
    return float(np.median(np.asarray(xs, dtype=float)))


def bootstrap_ratio_ci(a, b, level=0.95, resamples=BOOTSTRAP_RESAMPLES, seed=BOOTSTRAP_SEED):
    """Percentile bootstrap CI of median(b) / median(a).

    Each side is resampled independently (the runs of two variants are
    independent draws).  Returns (low, high), or None when a resampled
    baseline median can be 0 (the ratio is then undefined)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    rng = np.random.default_rng(seed)
    ia = rng.integers(0, len(a), size=(resamples, len(a)))
    ib = rng.integers(0, len(b), size=(resamples, len(b)))
    ma = np.median(a[ia], axis=1)
    mb = np.median(b[ib], axis=1)
    if np.any(ma == 0):
        return None
    ratios = mb / ma
    tail = (1.0 - level) / 2.0 * 100.0
    lo, hi = np.percentile(ratios, [tail, 100.0 - tail])
    return float(lo), float(hi)


def _ranks(values):
    """Average ranks (1-based), ties get the mean of their positions."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        avg = (i + j) / 2.0 + 1.0
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        i = j + 1
    return ranks


_U_COUNTS = {}


def _u_counts(m, n):
    """counts[k] = number of arrangements of m x's and n y's with U = k.

    Recurrence on the largest element: it is an x (adds n to U) or a y."""
    key = (m, n)
    if key in _U_COUNTS:
        return _U_COUNTS[key]
    if m == 0 or n == 0:
        res = [1]
    else:
        with_x = _u_counts(m - 1, n)
        with_y = _u_counts(m, n - 1)
        res = [0] * (m * n + 1)
        for k, c in enumerate(with_x):
            res[k + n] += c
        for k, c in enumerate(with_y):
            res[k] += c
    _U_COUNTS[key] = res
    return res


def mann_whitney(a, b):
    """Two-sided Mann-Whitney U test.  Returns (U1, p, method) where U1 is
    the statistic of the first sample and method is 'exact' or 'normal'."""
    a = [float(x) for x in a]
    b = [float(x) for x in b]
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        raise ValueError("mann_whitney needs at least one value on each side")
    xy = a + b
    ranks = _ranks(xy)
    u1 = sum(ranks[:n1]) - n1 * (n1 + 1) / 2.0
    u = max(u1, n1 * n2 - u1)
    ties = len(set(xy)) != len(xy)
    if not ties and (n1 <= 8 or n2 <= 8):
        counts = _u_counts(n1, n2)
        total = math.comb(n1 + n2, n1)
        k = int(round(u))
        p = 2.0 * sum(counts[k:]) / total        # P(U >= u), doubled
        return u1, min(p, 1.0), "exact"
    n = n1 + n2
    tie_term = 0.0
    for v in set(xy):
        t = xy.count(v)
        tie_term += t ** 3 - t
    var = n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1)))
    if var <= 0:            # every value equal: nothing to tell apart
        return u1, 1.0, "normal"
    z = (u - n1 * n2 / 2.0 - 0.5) / math.sqrt(var)
    p = 2.0 * 0.5 * math.erfc(z / math.sqrt(2.0))
    return u1, min(max(p, 0.0), 1.0), "normal"


def min_exact_p(n1, n2):
    """Smallest two-sided p-value the exact test can give with these sizes:
    with 3 runs per side it is 0.1, so nothing can pass alpha = 0.05."""
    return min(1.0, 2.0 / math.comb(n1 + n2, n1))


def holm(ps):
    """Holm step-down adjusted p-values, in the input order (None kept)."""
    idx = [i for i, p in enumerate(ps) if p is not None]
    idx.sort(key=lambda i: ps[i])
    m = len(idx)
    out = list(ps)
    running = 0.0
    for rank, i in enumerate(idx):
        adj = min(1.0, (m - rank) * ps[i])
        running = max(running, adj)
        out[i] = running
    return out


def bh(ps):
    """Benjamini-Hochberg step-up adjusted p-values, in the input order
    (None kept).  Controls the false discovery rate: among the figures
    declared moved, at most ALPHA are expected to be false alarms."""
    idx = [i for i, p in enumerate(ps) if p is not None]
    idx.sort(key=lambda i: ps[i])
    m = len(idx)
    out = list(ps)
    running = 1.0
    for rank in range(m, 0, -1):
        i = idx[rank - 1]
        running = min(running, ps[i] * m / rank)
        out[i] = running
    return out


def linregress(xs, ys):
    """Least-squares slope with its standard error and two-sided p-value
    (t distribution), intercept and R^2.  None when x does not vary."""
    x = np.asarray(xs, dtype=float)
    y = np.asarray(ys, dtype=float)
    n = len(x)
    if n < 3 or np.ptp(x) == 0:
        return None
    from scipy import stats as sps     # only the t distribution
    xm, ym = x.mean(), y.mean()
    sxx = float(((x - xm) ** 2).sum())
    sxy = float(((x - xm) * (y - ym)).sum())
    slope = sxy / sxx
    intercept = ym - slope * xm
    resid = y - (intercept + slope * x)
    sse = float((resid ** 2).sum())
    syy = float(((y - ym) ** 2).sum())
    r2 = 1.0 - sse / syy if syy > 0 else 0.0
    se = math.sqrt(sse / (n - 2) / sxx) if n > 2 else float("inf")
    if se == 0:
        p = 0.0
    else:
        p = float(2 * sps.t.sf(abs(slope / se), n - 2))
    tcrit = float(sps.t.ppf(0.975, n - 2))
    return {"slope": slope, "intercept": float(intercept), "r2": r2, "se": se,
            "p": p, "ci": (slope - tcrit * se, slope + tcrit * se), "n": n}
