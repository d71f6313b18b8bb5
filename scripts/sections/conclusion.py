"""conclusion.py - the Conclusion: the verdicts counted, and what the
controllability analysis allows."""


def _list(labels):
    return (" (" + ", ".join("`%s`" % x for x in labels) + ")") if labels else ""


def conclusion(ctx):
    L = [ctx.h(2, "Conclusion"), ""]
    if ctx.w.all_failed:
        return L + ["Every run failed: no conclusion can be drawn from this file.", ""]
    by = {}
    for v in ctx.exp.variants[1:]:
        c = ctx.w.throughput(v.label)
        key = "no verdict" if c is None or c.verdict is None else (c.direction or c.word)
        by.setdefault(key, []).append(v.label)
    parts = []
    if len(ctx.exp.variants) > 1:
        parts.append("On %s against `%s`: %d better%s, %d worse%s, %d equivalent within \u00b1%g%%%s, "
                     "%d inconclusive%s%s."
                     % (ctx.primary_label(), ctx.base.label, len(by.get("better", [])), _list(by.get("better")),
                        len(by.get("worse", [])), _list(by.get("worse")), len(by.get("equivalent", [])),
                        ctx.an.margin * 100, _list(by.get("equivalent")), len(by.get("inconclusive", [])),
                        _list(by.get("inconclusive")),
                        ("; %d without a verdict%s" % (len(by["no verdict"]), _list(by["no verdict"])))
                        if by.get("no verdict") else ""))
    b = next((r for r in ctx.w.ctrl["rows"] if r["variant"] == ctx.base.label), None)
    if b and b.get("ceiling") is not None:
        s = ("Kernel time is %.0f%% of the baseline's CPU time and the allocator runs %.0f%% of its "
             "(simulated) instructions; a user-space allocator change can gain at most %.2fx here "
             "(instruction share taken as time share), more only by causing fewer page faults"
             % (b["kernel_share"] * 100, b["alloc_instr_frac"] * 100, b["ceiling"]))
        s += (" (up to %.2fx if every fault went away, at the calibrated fault cost)." % b["ceiling_with_faults"]
              if b.get("ceiling_with_faults") else ".")
        parts.append(s)
    elif b and b.get("kernel_share") is not None:
        parts.append("Kernel time is %.0f%% of the baseline's CPU time; how much of the user time is the "
                     "allocator's is not known without an instruction split, so no ceiling is given."
                     % (b["kernel_share"] * 100))
    return L + [" ".join(parts), ""]
