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
    L += above_floor(exp, name)
    for key, cap in (("throughput", "%s per variant: box = quartiles, dots = runs" % name),
                     ("ratio", "Ratio to the baseline with the verdict's CI")):
        if ctx.pngs.get(key):
            L.append("![%s](%s)" % (cap, ctx.pngs[key]))
            L.append("")
    return L


def above_floor(exp, name):
    """ns/op and alloc ns/op (= a variant's median ns/op minus the floor
    allocator's) when the invocation ran the floor (`--floor`), as `run`
    prints them; nothing otherwise."""
    floors = [v for v in exp.variants if v.alloc.get("name") == "floor" and v.values.get(name)]
    if name != "ops_per_sec" or not floors:
        return []
    floor_ns = stats.median([1e9 / x for x in floors[0].values[name] if x > 0])
    rows = []
    for v in exp.variants:
        xs = [1e9 / x for x in v.values.get(name, []) if x > 0]
        if not xs:
            continue
        ns = stats.median(xs)
        rows.append([v.label, "%.2f" % ns, "the floor" if v is floors[0] else "%+.2f" % (ns - floor_ns)])
    return [md_table(["variant", "ns/op (median)", "alloc ns/op (- the floor's %.2f)" % floor_ns], rows), "",
            "ns/op: 1e9 / ops/s of each run, median. alloc ns/op: the variant's median minus the floor "
            "allocator's (`%s`): the cost above the cheapest allocator we can write, not above zero-cost "
            "allocation; it can be negative within the noise (README, \"The floor allocator\")." % floors[0].label, ""]
