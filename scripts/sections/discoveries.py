"""discoveries.py - Key discoveries: sentences generated from this
experiment's verdicts and measurements, one function per kind of
sentence.  A sentence exists only when its data does, and a sentence about
a difference exists only when a verdict claims it: an inconclusive
comparison is called inconclusive, never "no effect"."""

import records
import stats
import verdict

NOISY_SPREAD = 0.10
# figures that explain time come first among "other figures that moved";
# exact names of the core figures, then the rest by size of the change
EXPLAINS_TIME = (records.USER_S, records.SYS_S, records.MINFLT, records.MAJFLT, records.MAXRSS_KIB)


def _names(labels):
    return ", ".join("`%s`" % x for x in labels)


def _primary(ctx):
    """{variant: primary Comparison with a verdict}."""
    out = {}
    for v in ctx.exp.variants[1:]:
        c = ctx.w.throughput(v.label)
        if c is not None and c.verdict is not None:
            out[v.label] = c
    return out


def extremes(ctx, prim):
    """The best and worst variant among those with an effect verdict."""
    sig = [(lab, c) for lab, c in prim.items() if c.direction]
    out = []
    best = [x for x in sig if x[1].direction == "better"]
    worst = [x for x in sig if x[1].direction == "worse"]
    if best:
        lab, c = max(best, key=lambda x: abs(x[1].est.center))
        out.append("**Best against the baseline:** `%s` is %s than `%s`." % (lab, c.text(), ctx.base.label))
    if worst:
        lab, c = max(worst, key=lambda x: abs(x[1].est.center))
        out.append("**Worst against the baseline:** `%s` is %s than `%s`." % (lab, c.text(), ctx.base.label))
    return out


def equivalents(ctx, prim):
    eq = [lab for lab, c in prim.items() if c.verdict == "equivalent"]
    if not eq:
        return []
    return ["**Equivalent to `%s` within \u00b1%g%% (%s):** %s."
            % (ctx.base.label, ctx.an.margin * 100, ctx.primary_label(), _names(eq))]


def inconclusives(ctx, prim):
    inc = [(lab, c) for lab, c in prim.items() if c.verdict == "inconclusive"]
    if not inc:
        return []
    return ["**Inconclusive (%s):** %s. These are neither an effect nor its absence."
            % (ctx.primary_label(), "; ".join("`%s` %s" % (lab, c.text()[len("inconclusive "):]) for lab, c in inc))]


def no_direction(ctx):
    """Schema-1 records: say once why there are no verdicts."""
    f = ctx.exp.figures.get(ctx.w.primary)
    if f is None or f.better is not None or len(ctx.exp.variants) < 2:
        return []
    return ["**No verdicts:** %s (`%s`); the figures are shown with their changes and CIs only."
            % (f.why_no_direction, f.name)]


def other_figures(ctx, prim):
    """The largest effects on other figures, one sentence per variant."""
    moved = []
    for lab, cs in ctx.w.comps.items():
        for c in cs:
            if c.figure.name != ctx.w.primary and c.significant:
                rank = EXPLAINS_TIME.index(c.figure.name) if c.figure.name in EXPLAINS_TIME else len(EXPLAINS_TIME)
                moved.append((rank, -abs(c.est.center), lab, c))
    moved.sort(key=lambda m: m[:2])
    out, seen = [], set()
    for _, _, lab, c in moved:
        if lab in seen or len(out) >= 5:
            continue
        seen.add(lab)
        t = prim.get(lab)
        tail = ""
        if t is not None and t.verdict in ("equivalent", "inconclusive"):
            tail = ", while its %s is %s" % (ctx.primary_label(), t.word)
        # the figure's own description beside its name: a workload's figure
        # (latency's clock_ figures time no call) must not pass for the
        # allocator's by its name alone
        what = " (%s)" % c.figure.desc if c.figure.desc else ""
        out.append("**%s%s:** `%s` against `%s`: %s%s." % (c.figure.label, what, lab, ctx.base.label, c.text(), tail))
    return out


def kernel_share(ctx):
    rows = {r["variant"]: r for r in ctx.w.ctrl["rows"]}
    b = rows.get(ctx.base.label)
    if not b or b.get("kernel_share") is None:
        return []
    s = ("**Kernel share:** %.0f%% of `%s`'s CPU time is kernel time (%.3f s of %.3f s)"
         % (b["kernel_share"] * 100, ctx.base.label, b["sys_s"], b["sys_s"] + b["user_s"]))
    if b.get("fault_s") and b["sys_s"] > 0 and b.get("faults") is not None:
        m, lo, hi = b["fault_s"]
        s += ("; %.0f page faults x the calibrated first-touch cost come to %.4f s (p10..p90 %.4f..%.4f), "
              "%s" % (b["faults"], m, lo, hi,
                      ("about %.0f%% of it" % (100 * m / b["sys_s"])) if m <= b["sys_s"] * 1.05 else
                      "more than the measured kernel time (see the notes under Controllability)"))
    else:
        s += "; the kernel time in faults is %s" % ctx.w.ctrl["fault_how"]
    return [s + "."]


def ceiling(ctx, prim):
    rows = {r["variant"]: r for r in ctx.w.ctrl["rows"]}
    b = rows.get(ctx.base.label)
    if not b:
        return []
    if b.get("ceiling") is not None:
        gains = [c.change for c in prim.values() if c.direction == "better" and c.change is not None]
        s = ("**Ceiling:** removing all of the controllable share (%.0f%% of CPU time; %s) would make `%s` "
             "at most %.2fx as fast (Amdahl)" % (b["controllable_share"] * 100, b["share_basis"], ctx.base.label,
                                                 b["ceiling"]))
        if gains:
            s += "; the largest measured gain is %s" % verdict.pct(max(gains))
        elif prim:
            s += "; no variant has a verdict of a gain"
        else:
            s += "; there are no %s verdicts to set beside it" % ctx.primary_label()
        return [s + "."]
    if b.get("split") is None and b.get("kernel_share") is not None:
        return ["**Ceiling:** not computable for `%s`: without an allocator/workload instruction split, "
                "user time cannot be divided between allocator and workload code (run `--engine=cachegrind`, "
                "or `harness analyze` without --no-cachegrind)." % ctx.base.label]
    return []


def too_few_runs(ctx, prim):
    few = [c for c in prim.values() if c.too_few_runs]
    if not few:
        return []
    n = min(c.est.n for c in few)
    return ["**Too few runs:** %d run(s) per variant; a verdict needs %d, so these comparisons are inconclusive; "
            "use `--runs 10` or more." % (n, verdict.MIN_RUNS)]


def noise(ctx):
    """Noisy variants, and whether preemption explains the slow runs."""
    out = []
    name = ctx.w.primary
    noisy = []
    for v in ctx.exp.variants:
        xs = v.values.get(name)
        if xs and len(xs) >= 3:
            m = stats.median(xs)
            spread = (max(xs) - min(xs)) / m if m else 0
            if spread > NOISY_SPREAD:
                noisy.append((spread, v.label))
    if noisy:
        noisy.sort(reverse=True)
        out.append("**Noisy:** %s spans more than %.0f%% of its median (max - min) in %d of %d variants "
                   "(widest: %s); effects smaller than that need more runs to be resolved."
                   % (name, NOISY_SPREAD * 100, len(noisy), len(ctx.exp.variants),
                      ", ".join("`%s` %.0f%%" % (lab, sp * 100) for sp, lab in noisy[:3])))
    rel, sw = [], []
    for v in ctx.exp.variants:
        xs = v.values.get(records.THROUGHPUT)
        if not xs or len(xs) < 3:
            continue
        m = stats.median(xs)
        for k, x in v.by_run.get(records.THROUGHPUT, {}).items():
            s = v.by_run.get(records.NIVCSW, {}).get(k)
            if s is not None and m:
                rel.append(x / m)
                sw.append(s)
    if len(rel) >= 10 and len(set(sw)) > 1:
        from scipy.stats import spearmanr
        rho, p = spearmanr(rel, sw)
        if p < verdict.ALPHA and rho < 0:
            out.append("**Noise source:** runs that were preempted more often were slower (Spearman rho %.2f, "
                       "p %.2g, %d runs): other processes competed for the CPUs; CPU-time figures "
                       "(user, task-clock) are less affected than throughput." % (rho, p, len(rel)))
    return out


def key_discoveries(ctx):
    L = [ctx.h(2, "Key discoveries"), ""]
    if ctx.w.all_failed:
        n = sum(len(v.failed) for v in ctx.exp.variants)
        L += ["Every run failed (%d failed run(s), listed under Failed runs): nothing was measured." % n, ""]
        return L
    prim = _primary(ctx)
    kd = (no_direction(ctx) + extremes(ctx, prim) + equivalents(ctx, prim) + inconclusives(ctx, prim)
          + other_figures(ctx, prim) + kernel_share(ctx) + ceiling(ctx, prim) + too_few_runs(ctx, prim)
          + noise(ctx))
    L += ["%d. %s" % (i + 1, s) for i, s in enumerate(kd)] or ["(only one variant: nothing to compare)"]
    L.append("")
    return L
