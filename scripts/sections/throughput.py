"""throughput.py - Performance reality: the primary figure per variant
(throughput; wall time for --cmd runs), its ratio to the baseline and
verdict, and the throughput and ratio plots."""

import stats
from sections.common import figure_missing, fmt_num, md_table, verdict_text


def performance(ctx):
    w, exp, base = ctx.w, ctx.exp, ctx.base
    name = w.primary
    L = [ctx.h(2, "Performance reality"), ""]
    if name not in exp.figures:
        L.append(figure_missing(name, "neither ops/s nor wall time was recorded; no throughput table"))
        L.append("")
        return L
    unit = exp.figures[name].unit
    rows = []
    for v in exp.variants:
        xs = v.values.get(name)
        if not xs:
            rows.append([v.label, "unavailable (no successful run recorded %s)" % name, "", "", "", ""])
            continue
        c = w.throughput(v.label)
        ratio = "1 (baseline)" if v is base else ("%.3f" % (1 + c.change) if c and c.change is not None else "n/a")
        rows.append([v.label, fmt_num(stats.median(xs)), fmt_num(min(xs)), fmt_num(max(xs)), ratio,
                     "baseline" if v is base else verdict_text(c)])
    L.append(md_table(["variant", "median %s" % ("ops/s" if unit == "ops/s" else "%s, %s" % (name, unit)),
                       "min", "max", "ratio", "verdict"], rows))
    L.append("")
    L.append("Ratio: geometric mean of the per-round ratios to `%s` (paired rounds), as in the verdict." % base.label)
    L.append("")
    for key, cap in (("throughput", "%s per variant: box = quartiles, dots = runs" % name),
                     ("ratio", "Ratio to the baseline with the verdict's CI")):
        if ctx.pngs.get(key):
            L.append("![%s](%s)" % (cap, ctx.pngs[key]))
            L.append("")
    return L
