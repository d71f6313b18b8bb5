"""per_op.py - Per-op costs: time, faults and kernel time per op, and the
collectors' figures that are per op already."""

import plots
import records
import stats
from sections.common import figure_missing, fmt_num, md_table


def per_op(ctx):
    exp = ctx.exp
    L = [ctx.h(2, "Per-op costs"), ""]
    panels = plots.per_op_panels(exp)
    if panels:
        rows = [[v.label] + [fmt_num(stats.median(p.data[v.label])) if p.data.get(v.label) else "n/a"
                             for p in panels]
                for v in exp.variants]
        L.append(md_table(["variant"] + ["%s, %s" % (p.title, p.unit) for p in panels], rows))
        L.append("")
    for name in (records.THROUGHPUT, records.TIMED_S):
        if name not in exp.figures:
            L.append(figure_missing(name, "per-op figures need ops/s and the timed seconds"))
    if ctx.pngs.get("per_op"):
        L.append("![Per-op costs](%s)" % ctx.pngs["per_op"])
    L.append("")
    return L
