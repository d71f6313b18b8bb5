"""plots.py - the PNG figures of a report (matplotlib, Agg backend).

Every plot shows the spread of the runs, not a bare bar: box plots with the
individual runs on top, medians with CI error bars.  Each function returns
the file name it wrote, or None when the data for it is not in the
records (the report then says why).
"""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import records  # noqa: E402
import stats  # noqa: E402

COLORS = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860",
          "#DA8BC3", "#8C8C8C", "#CCB974", "#64B5CD"]


def _height(n):
    return max(2.5, 0.45 * n + 1.2)


def _save(fig, outdir, name):
    path = os.path.join(outdir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")   # keeps legends placed outside the axes
    plt.close(fig)
    return name


def throughput(exp, outdir):
    vs = [v for v in exp.variants if v.values.get("ops_per_sec")]
    if not vs:
        return None
    fig, ax = plt.subplots(figsize=(8, _height(len(vs))))
    data = [np.asarray(v.values["ops_per_sec"]) / 1e6 for v in vs]
    pos = np.arange(len(vs))[::-1]
    ax.boxplot(data, positions=pos, vert=False, widths=0.5, showfliers=False,
               medianprops={"color": "black"})
    rng = np.random.default_rng(0)
    for i, (p, d) in enumerate(zip(pos, data)):
        ax.scatter(d, p + rng.uniform(-0.12, 0.12, len(d)), s=14, color=COLORS[i % len(COLORS)],
                   zorder=3, alpha=0.8)
    ax.set_yticks(pos)
    ax.set_yticklabels([v.label for v in vs])
    ax.set_xlabel("throughput, M ops/s (each dot one run)")
    ax.set_title("Throughput per variant")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, outdir, "throughput.png")


def ratio(exp, comparisons, outdir):
    """comparisons: {variant label: Comparison of ops_per_sec}."""
    rows = [(label, c) for label, c in comparisons.items() if c is not None and c.change is not None]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, _height(len(rows))))
    pos = np.arange(len(rows))[::-1]
    for p, (label, c) in zip(pos, rows):
        r = 1.0 + c.change
        color = {"better": "#55A868", "worse": "#C44E52"}.get(c.direction, "#8C8C8C")
        if c.ci is not None:
            ax.errorbar(r, p, xerr=[[r - (1 + c.ci[0])], [(1 + c.ci[1]) - r]], fmt="o",
                        color=color, capsize=4)
        else:
            ax.plot(r, p, "o", color=color)
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_yticks(pos)
    ax.set_yticklabels([label for label, _ in rows])
    ax.set_xlabel("throughput ratio to %s (median, 95%% bootstrap CI)" % exp.baseline.label)
    ax.set_title("Ratio to the baseline (green/red: effect claimed, grey: none)")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, outdir, "ratio.png")


def per_op_panels(exp):
    """[(title, {variant: [per-op values]})] for the figures that exist."""
    panels = []

    def per_run(fn):
        out = {}
        for v in exp.variants:
            vals = []
            for r in v.runs:
                x = fn(r)
                if x is not None:
                    vals.append(x)
            if vals:
                out[v.label] = vals
        return out

    def ops(r):
        o = r.get("ops")
        return float(o) if isinstance(o, (int, float)) and o > 0 else None

    def ns_per_op(r):
        s, o = r.get("seconds"), ops(r)
        return s / o * 1e9 if isinstance(s, (int, float)) and o else None

    def faults_per_kop(r):
        ru, o = r.get("rusage") or {}, ops(r)
        if not o or "minflt" not in ru:
            return None
        return (ru.get("minflt", 0) + ru.get("majflt", 0)) / o * 1000

    def sys_ns_per_op(r):
        ru, o = r.get("rusage") or {}, ops(r)
        return ru["sys_s"] / o * 1e9 if o and isinstance(ru.get("sys_s"), (int, float)) else None

    panels.append(("time, ns/op (timed part)", per_run(ns_per_op)))
    panels.append(("page faults per 1K ops (process)", per_run(faults_per_kop)))
    panels.append(("kernel CPU, ns/op (process)", per_run(sys_ns_per_op)))
    # per-op metrics of the collectors, most telling first; the fault
    # counts repeat the rusage panel and are left out
    prio = ("instr", "cycles", "tlb_flush", "zeroed", "dtlb", "miss", "")
    cands = []
    for name, fig in exp.figures.items():
        unit = fig.unit.lower()
        if not name.startswith("metrics.") or "fault" in name:
            continue
        if "/1k" in unit or "per op" in unit or "/op" in unit:
            rank = next(i for i, w in enumerate(prio) if w in name.lower())
            cands.append((rank, name, fig))
    for _, name, fig in sorted(cands, key=lambda c: c[0]):
        d = per_run(lambda r, k=name[8:]: records._num(((r.get("metrics") or {}).get(k) or {}).get("value")))
        if d and len(panels) < 8:
            panels.append(("%s, %s" % (fig.label, fig.unit), d))
    return [(t, d) for t, d in panels if d]


def per_op(exp, outdir):
    panels = per_op_panels(exp)
    if not panels:
        return None
    labels = [v.label for v in exp.variants]
    cols = 2 if len(panels) > 1 else 1
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, _height(len(labels)) * rows), squeeze=False)
    for ax, (title, data) in zip(axes.flat, panels):
        pos = np.arange(len(labels))[::-1]
        for i, (p, lab) in enumerate(zip(pos, labels)):
            d = data.get(lab)
            if not d:
                continue
            ax.barh(p, stats.median(d), color=COLORS[i % len(COLORS)], alpha=0.5, height=0.6)
            ax.scatter(d, [p] * len(d), s=10, color="black", zorder=3)
        ax.set_yticks(pos)
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle("Per-op costs (bar: median, dots: runs)")
    return _save(fig, outdir, "per_op.png")


def user_kernel(ctrl, outdir):
    rows = [r for r in ctrl["rows"] if r.get("user_s") is not None and r.get("sys_s") is not None]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, _height(len(rows)) + 0.6))
    pos = np.arange(len(rows))[::-1]
    user = np.array([r["user_s"] for r in rows])
    sys_ = np.array([r["sys_s"] for r in rows])
    fault = np.minimum(np.array([r.get("fault_s") or 0.0 for r in rows]), sys_)
    frac = [r.get("alloc_instr_frac") for r in rows]
    if any(f is not None for f in frac):
        # user time split by the allocator's share of instructions (the
        # instruction share stands in for the time share); variants
        # without a split keep one unsplit bar
        fa = np.array([f if f is not None else 0.0 for f in frac])
        known = np.array([f is not None for f in frac])
        ax.barh(pos, np.where(known, user * fa, 0.0), color="#2A4D7F", label="user: allocator (by instr. share)")
        ax.barh(pos, np.where(known, user * (1 - fa), 0.0), left=np.where(known, user * fa, 0.0),
                color="#8FB1E0", label="user: workload, libc, other")
        if not known.all():
            ax.barh(pos, np.where(known, 0.0, user), color="#4C72B0", label="user (no instruction split)")
    else:
        ax.barh(pos, user, color="#4C72B0", label="user (allocator + workload code)")
    ax.barh(pos, fault, left=user, color="#C44E52",
            label="kernel: page faults (%s)" % ("measured cost" if ctrl["cost"]["measured"] else "assumed cost"))
    ax.barh(pos, sys_ - fault, left=user + fault, color="#DD8452", label="kernel: other")
    ax.set_yticks(pos)
    ax.set_yticklabels([r["variant"] for r in rows])
    ax.set_xlabel("CPU seconds per run (median, whole process)")
    ax.set_title("User vs kernel time")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, outdir, "user_kernel.png")


def rss(exp, outdir):
    series = []
    for i, v in enumerate(exp.variants):
        for r in v.runs:
            s = records.rss_series(r)
            if s:
                series.append((i, v.label, s))
                break          # one run per variant keeps the plot readable
    if not series:
        return None
    fig, ax = plt.subplots(figsize=(10, 4))
    for i, label, s in series:
        t, kb = zip(*s)
        ax.plot(t, np.asarray(kb) / 1024.0, label=label, color=COLORS[i % len(COLORS)])
    ax.set_xlabel("seconds since start")
    ax.set_ylabel("RSS, MiB")
    ax.set_title("RSS over time (first run of each variant)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.grid(alpha=0.3)
    return _save(fig, outdir, "rss.png")
