"""memory.py - Memory (RSS): peak RSS per variant and RSS over time."""

import records
import stats
from sections.common import figure_missing, fmt_num, md_table


def memory(ctx):
    exp = ctx.exp
    L = [ctx.h(2, "Memory (RSS)"), ""]
    name = records.MAXRSS_KIB
    if name in exp.figures:
        rows = []
        for v in exp.variants:
            xs = v.values.get(name)
            rows.append([v.label, fmt_num(stats.median(xs) / 1024) if xs else "n/a"])
        L.append(md_table(["variant", "peak RSS, MiB (%s, median)" % name], rows))
    else:
        L.append(figure_missing(name, "no peak RSS table"))
    L.append("")
    if ctx.pngs.get("rss"):
        L.append("![RSS over time](%s)" % ctx.pngs["rss"])
    else:
        L.append("RSS over time: unavailable (no RSS series in the records; the RSS sampler records one "
                 "with `--sample-ms`).")
    L.append("")
    return L
