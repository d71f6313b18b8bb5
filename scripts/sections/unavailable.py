"""unavailable.py - figures that could not be measured (with the reason,
never as 0), failed runs, and skipped lines of the results file."""

from sections.common import md_table


def unavailable(ctx):
    exp = ctx.exp
    L = [ctx.h(2, "Unavailable figures"), ""]
    found = {}
    for v in exp.variants:
        for name, reasons in v.unsupported.items():
            for reason in reasons:
                found.setdefault((exp.figures[name].label, reason), []).append(v.label)
    if found:
        L.append(md_table(["figure", "reason", "variants"],
                          [[f, r, ", ".join(vs) if len(vs) < len(exp.variants) else "all"]
                           for (f, r), vs in sorted(found.items())]))
    else:
        L.append("None: every figure the records mention was measured.")
    L.append("")
    return L


def failed_runs(ctx):
    failed = [r for v in ctx.exp.variants for r in v.failed]
    if not failed:
        return []
    L = [ctx.h(3, "Failed runs"), ""]
    L.append(md_table(["line", "variant", "run", "error"],
                      [[r["_line"], r.get("variant"),
                        ("warm-up %s" % r.get("run", "?")) if r.get("warmup") else r.get("run", "?"),
                        r.get("error") or "?"] for r in failed]))
    L.append("")
    return L


def skipped_lines(ctx):
    if not ctx.an.skipped:
        return []
    L = [ctx.h(3, "Skipped lines of the results file"), ""]
    L.append(md_table(["line", "why"], [[s.line, s.reason] for s in ctx.an.skipped]))
    L.append("")
    return L
