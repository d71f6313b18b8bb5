"""matrix.py - Workload matrix for a file with several workloads, as
mimalloc-bench shows it: per workload and variant the median of the
primary figure (ops/s, or wall time for --cmd) and the peak RSS, each as a
ratio to the best variant of that workload (1 = best, larger = worse),
and the geometric mean of those ratios over the workloads a variant ran.
Workloads are never pooled: each ratio is within one workload."""

import records
import stats
from sections.common import fmt_num, md_table


def matrix_data(an):
    """{"workloads": [label], "variants": [label], "time": {(v, w): (median, ratio)},
    "rss": {(v, w): (median KiB, ratio)}, "what": {w: figure name}}."""
    wls = [w for w in an.workloads if not w.all_failed]
    variants = []
    for w in wls:
        for v in w.exp.variants:
            if v.runs and v.label not in variants:
                variants.append(v.label)
    time, rss, what = {}, {}, {}
    for w in wls:
        name = w.primary
        what[w.label] = name
        meds = {v.label: stats.median(v.values[name]) for v in w.exp.variants if v.values.get(name)}
        if meds:
            best = max(meds.values()) if name == records.THROUGHPUT else min(meds.values())
            for lab, m in meds.items():
                r = (best / m if m else None) if name == records.THROUGHPUT else (m / best if best else None)
                time[(lab, w.label)] = (m, r)
        rm = {v.label: stats.median(v.values[records.MAXRSS_KIB]) for v in w.exp.variants
              if v.values.get(records.MAXRSS_KIB)}
        if rm:
            best = min(rm.values())
            for lab, m in rm.items():
                rss[(lab, w.label)] = (m, m / best if best else None)
    return {"workloads": [w.label for w in wls], "variants": variants, "time": time, "rss": rss, "what": what}


def geomean_ratio(d, variant, workloads):
    rs = [d[(variant, w)][1] for w in workloads if (variant, w) in d and d[(variant, w)][1]]
    return (stats.geomean(rs), len(rs)) if rs else (None, 0)


def _cell(d, key, fmt):
    if key not in d:
        return "-"
    m, r = d[key]
    return "%s (%s)" % (fmt(m), "%.2f" % r if r is not None else "n/a")


def matrix(ctx):
    an = ctx.an
    d = matrix_data(an)
    L = ["## Workload matrix", ""]
    failed = [w.label for w in an.workloads if w.all_failed]
    if failed:
        L.append("- Every run failed for: %s (not in the matrix)." % ", ".join("`%s`" % f for f in failed))
    if not d["workloads"]:
        return L + ["Every run of every workload failed: no matrix.", ""]
    wl = d["workloads"]
    L.append("Median per workload, and in brackets the ratio to the best variant of that workload "
             "(1.00 = best; for ops/s best/value, for seconds and RSS value/best). Geometric mean of the "
             "ratios over the workloads each variant ran. Each cell comes from one workload's runs only.")
    L.append("")
    for key, title, fmt in (("time", "Time or throughput", fmt_num),
                            ("rss", "Peak RSS, MiB (`%s`)" % records.MAXRSS_KIB, lambda k: fmt_num(k / 1024))):
        L.append("**%s** (%s)" % (title, ", ".join("%s: %s" % (w, d["what"][w]) for w in wl)
                                  if key == "time" else "rusage of the whole process"))
        L.append("")
        rows = []
        for v in d["variants"]:
            g, n = geomean_ratio(d[key], v, wl)
            rows.append([v] + [_cell(d[key], (v, w), fmt) for w in wl] +
                        ["%.2f%s" % (g, "" if n == len(wl) else " (%d of %d)" % (n, len(wl))) if g else "n/a"])
        L.append(md_table(["variant"] + wl + ["geomean ratio"], rows))
        L.append("")
    if ctx.pngs.get("matrix"):
        L.append("![Workload matrix: ratio to the best per workload](%s)" % ctx.pngs["matrix"])
        L.append("")
    return L
