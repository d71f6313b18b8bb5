"""verdicts.py - Knob verdicts: one line per variant against the baseline,
then every figure of every variant with both medians, the change, its CI,
p (raw and corrected) and the verdict."""

from sections.common import fmt_num, md_table, verdict_text
import placement
import verdict


def knob_verdicts(ctx):
    w, exp, base = ctx.w, ctx.exp, ctx.base
    L = [ctx.h(2, "Knob verdicts"), ""]
    L.append("Each variant against `%s`. The change is the geometric mean of the per-round ratios (paired over "
             "the interleaved rounds; unpaired Welch only when pairs are incomplete, with the reason). "
             "Verdicts: faster/slower (more/fewer, higher/lower) when the CI excludes 0; equivalent when it lies "
             "within \u00b1%g%% (TOST); otherwise inconclusive. The %s comparisons are Holm-corrected across "
             "variants, every other figure Benjamini-Hochberg-corrected across all variants and figures; each CI "
             "is at the level its correction implies, so it never contradicts its verdict."
             % (base.label, ctx.an.margin * 100, ctx.primary_label()))
    L.append("")
    rows = []
    for v in exp.variants[1:]:
        c = w.throughput(v.label)
        others = [x for x in w.comps[v.label] if x.figure.name != w.primary and x.significant]
        others.sort(key=lambda x: -abs(x.change or 0))
        diff = {k: val for k, val in v.knobs.items() if base.knobs.get(k) != val}
        what = " ".join("%s=%s" % kv for kv in sorted(diff.items()))
        if (v.alloc or {}).get("name") != (base.alloc or {}).get("name"):
            what = ("allocator %s " % (v.alloc or {}).get("name", "?")) + what
        rows.append([v.label, what.strip() or "-", verdict_text(c),
                     "; ".join("%s %s" % (x.figure.label, x.text().split(" (")[0]) for x in others[:5]) or "none"])
    if rows:
        L.append(md_table(["variant", "differs from baseline by", ctx.primary_label(), "other figures with an effect"],
                          rows))
    elif ctx.w.all_failed:
        L.append("Every run failed: no verdicts.")
    else:
        L.append("Only one variant: no verdicts.")
    L.append("")
    notes = [n for n in (placement.variant_note(base, v) for v in exp.variants[1:]) if n]
    if notes:
        L += ["- " + n for n in notes] + [""]
    for v in exp.variants[1:]:
        L += every_figure(ctx, v)
    return L


def _p_text(c):
    s = "%.3g" % c.p
    if c.family and c.p_adj != c.p:
        s += ", adj. %.3g" % c.p_adj
    return s


def every_figure(ctx, v):
    base = ctx.base
    L = [ctx.h(3, "`%s` vs `%s`: every figure" % (v.label, base.label)), ""]
    rows = []
    for c in ctx.w.comps[v.label]:
        rows.append([c.figure.label, fmt_num(c.med_base), fmt_num(c.med_other),
                     verdict.pct(c.change) if c.change is not None else "n/a", c.ci_text(), _p_text(c),
                     c.method_text(), c.text()])
    L.append(md_table(["figure", base.label, v.label, "change", "CI", "p", "test", "verdict"], rows))
    L.append("")
    unpaired = {c.est.why_unpaired for c in ctx.w.comps[v.label] if not c.est.paired}
    for why in sorted(unpaired):
        L.append("- Unpaired (Welch) comparisons: %s." % why)
    if unpaired:
        L.append("")
    return L
