"""plots.py - the PNG figures of a report (matplotlib, Agg backend).

Every plot shows the spread of the runs, not a bare bar: box plots with the
individual runs on top, medians with CI error bars.  Each function returns
the file name it wrote, or None when the data for it is not in the
records (the report then says why).
"""

import collections
import os
import re
import textwrap

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


def _save(fig, outdir, name, rect=None):
    path = os.path.join(outdir, name)
    fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=110, bbox_inches="tight")   # keeps legends placed outside the axes
    plt.close(fig)
    return name


def throughput(exp, outdir, name=records.THROUGHPUT, prefix=""):
    """Box plot of the primary figure (ops/s, or wall time for --cmd)."""
    vs = [v for v in exp.variants if v.values.get(name)]
    if not vs:
        return None
    fig, ax = plt.subplots(figsize=(8, _height(len(vs))))
    scale, unit = (1e6, "M ops/s") if name == records.THROUGHPUT else (1.0, exp.figures[name].unit)
    data = [np.asarray(v.values[name]) / scale for v in vs]
    pos = np.arange(len(vs))[::-1]
    ax.boxplot(data, positions=pos, vert=False, widths=0.5, showfliers=False,
               medianprops={"color": "black"})
    rng = np.random.default_rng(0)
    for i, (p, d) in enumerate(zip(pos, data)):
        ax.scatter(d, p + rng.uniform(-0.12, 0.12, len(d)), s=14, color=COLORS[i % len(COLORS)],
                   zorder=3, alpha=0.8)
    ax.set_yticks(pos)
    ax.set_yticklabels([v.label for v in vs])
    ax.set_xlabel("%s, %s (each dot one run)" % ("throughput" if name == records.THROUGHPUT else name, unit))
    ax.set_title("%s per variant" % ("Throughput" if name == records.THROUGHPUT else name))
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, outdir, prefix + "throughput.png")


def ratio(exp, comparisons, outdir, prefix=""):
    """comparisons: {variant label: Comparison of the primary figure}."""
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
    name = rows[0][1].figure.name
    ax.set_xlabel("%s ratio to %s\n(geometric mean of round ratios, CI at the verdict's level)"
                  % (name, exp.baseline.label))
    ax.set_title("Ratio to the baseline\n(green better, red worse, grey: equivalent, inconclusive or no verdict)")
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, outdir, prefix + "ratio.png")


MAX_PANELS = 10


def _per_run(exp, fn):
    """{variant: [fn(figures of one run)]} over the runs where fn gives a
    value; fn gets {figure name: value} of one run."""
    out = {}
    for v in exp.variants:
        keys = sorted({k for d in v.by_run.values() for k in d}, key=lambda k: (str(k[0]), str(k[1])))
        vals = []
        for k in keys:
            x = fn({n: d[k] for n, d in v.by_run.items() if k in d})
            if x is not None:
                vals.append(x)
        if vals:
            out[v.label] = vals
    return out


def _ops(f):
    """Operations of one run: throughput x the timed seconds."""
    t, s = f.get(records.THROUGHPUT), f.get(records.TIMED_S)
    return t * s if t and s else None


# One panel of per_op.png: a title in prose, the unit (its x axis) and
# {variant: [per-op values]}.
Panel = collections.namedtuple("Panel", "title unit data")


def panel_title(desc, name, unit):
    """A panel's title in prose: the figure's own description (schema 2)
    without a trailing "(unit)", since the unit labels the axis; for records
    without descriptions, the name in words without its unit suffix."""
    if desc:
        t = desc.strip()
        while unit and t.endswith("(%s)" % unit):
            t = t[:-len(unit) - 2].rstrip()
        return t
    return re.sub(r"_(per_kop|per_op|ms|kib|s)$", "", name).replace("_", " ")


def per_op_panels(exp):
    """[Panel] for the figures that exist: time per op, faults and kernel
    time per op (from the core figures), then every figure whose unit is
    already per op, in the records' order."""
    def ns_per_op(f):
        t = f.get(records.THROUGHPUT)
        return 1e9 / t if t else None

    def faults_per_kop(f):
        o = _ops(f)
        if not o or records.MINFLT not in f:
            return None
        return (f[records.MINFLT] + f.get(records.MAJFLT, 0.0)) / o * 1000

    def sys_ns_per_op(f):
        o = _ops(f)
        return f[records.SYS_S] / o * 1e9 if o and records.SYS_S in f else None

    panels = [Panel("time per operation (timed part)", "ns/op", _per_run(exp, ns_per_op)),
              Panel("page faults per 1000 operations (whole process, rusage)", "/1K ops",
                    _per_run(exp, faults_per_kop)),
              Panel("kernel CPU time per operation (whole process, rusage)", "ns/op", _per_run(exp, sys_ns_per_op))]
    for name, fig in exp.figures.items():
        u = fig.unit.strip()
        if u.endswith("/1K ops") or u.endswith("/op"):
            panels.append(Panel(panel_title(fig.desc, name, u), u, _per_run(exp, lambda f, n=name: f.get(n))))
    # figures that are 0 in every run say nothing per op (they stay in the figure tables)
    kept = [p for p in panels if p.data and any(x for xs in p.data.values() for x in xs)]
    return kept[:MAX_PANELS]


def per_op(exp, outdir, prefix=""):
    panels = per_op_panels(exp)
    if not panels:
        return None
    labels = [v.label for v in exp.variants]
    cols = 2 if len(panels) > 1 else 1
    rows = (len(panels) + cols - 1) // cols
    height = _height(len(labels)) * rows + 0.4       # + the overall title
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, height), squeeze=False)
    for ax, (title, unit, data) in zip(axes.flat, panels):
        pos = np.arange(len(labels))[::-1]
        for i, (p, lab) in enumerate(zip(pos, labels)):
            d = data.get(lab)
            if not d:
                continue
            ax.barh(p, stats.median(d), color=COLORS[i % len(COLORS)], alpha=0.5, height=0.6)
            ax.scatter(d, [p] * len(d), s=10, color="black", zorder=3)
        ax.set_yticks(pos)
        ax.set_yticklabels(labels, fontsize=8)
        ax.set_title("\n".join(textwrap.wrap(title, 48)), fontsize=10)
        ax.set_xlabel(unit, fontsize=9)
        ax.locator_params(axis="x", nbins=5)   # long tick labels (0.00035) ran into each other
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    # The overall title sits a fixed distance from the top and tight_layout
    # (which accounts for a suptitle) keeps the panels clear of it: a top
    # margin as a fraction of the height (as before) touched the panel
    # titles in short figures and left the title floating in tall ones.
    fig.suptitle("Per-op costs (bar: median, dots: runs)", y=1 - 0.08 / height, va="top")
    return _save(fig, outdir, prefix + "per_op.png")


def user_kernel(ctrl, outdir, prefix=""):
    rows = [r for r in ctrl["rows"] if r.get("user_s") is not None and r.get("sys_s") is not None]
    if not rows:
        return None
    fig, ax = plt.subplots(figsize=(8, _height(len(rows)) + 0.6))
    pos = np.arange(len(rows))[::-1]
    user = np.array([r["user_s"] for r in rows])
    sys_ = np.array([r["sys_s"] for r in rows])
    measured = any(r.get("fault_s") for r in rows)
    fault = np.minimum(np.array([r["fault_s"][0] if r.get("fault_s") else 0.0 for r in rows]), sys_)
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
    if measured:
        ax.barh(pos, fault, left=user, color="#C44E52", label="kernel: page faults (calibrated cost)")
        ax.barh(pos, sys_ - fault, left=user + fault, color="#DD8452", label="kernel: other")
    else:
        ax.barh(pos, sys_, left=user, color="#DD8452", label="kernel (fault cost not measurable: no calibration)")
    ax.set_yticks(pos)
    ax.set_yticklabels([r["variant"] for r in rows])
    ax.set_xlabel("CPU seconds per run (median, whole process)")
    ax.set_title("User vs kernel time")
    ax.grid(axis="x", alpha=0.3)
    # The legend sits in a band of its own height under the axes, which
    # the layout keeps clear: anchored at a fraction of the axes' height (as
    # before) it lay over the x-label in short figures and far below it in
    # tall ones.
    handles, texts = ax.get_legend_handles_labels()
    legend = fig.legend(handles, texts, fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=2,
                        frameon=False)
    fig.canvas.draw()
    band = legend.get_window_extent().height / fig.bbox.height
    return _save(fig, outdir, prefix + "user_kernel.png", rect=(0, band, 1, 1))


def rss(exp, outdir, prefix=""):
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
    return _save(fig, outdir, prefix + "rss.png")


def matrix(d, outdir, geomean):
    """Heat maps of the workload matrix (sections/matrix.py): ratio to the
    best variant per workload, for time/throughput and for peak RSS, with
    the geometric mean as the last column.  geomean(d, variant, workloads)."""
    wl, vs = d["workloads"], d["variants"]
    if not wl or not vs:
        return None
    cols = wl + ["geomean"]
    fig, axes = plt.subplots(1, 2, figsize=(max(9, 2.6 * len(cols)), _height(len(vs)) + 1.2), squeeze=False)
    for ax, (key, title) in zip(axes.flat, (("time", "time / throughput: ratio to best"),
                                            ("rss", "peak RSS: ratio to best"))):
        m = np.full((len(vs), len(cols)), np.nan)
        for i, v in enumerate(vs):
            for j, w in enumerate(wl):
                if (v, w) in d[key] and d[key][(v, w)][1] is not None:
                    m[i, j] = d[key][(v, w)][1]
            g = geomean(d[key], v, wl)[0]
            m[i, -1] = g if g is not None else np.nan
        finite = m[np.isfinite(m)]
        vmax = max(2.0, float(finite.max())) if finite.size else 2.0
        ax.imshow(m, cmap="RdYlGn_r", vmin=1.0, vmax=vmax, aspect="auto")
        for i in range(len(vs)):
            for j in range(len(cols)):
                ax.text(j, i, "-" if not np.isfinite(m[i, j]) else "%.2f" % m[i, j],
                        ha="center", va="center", fontsize=9)
        ax.set_xticks(range(len(cols)))
        ax.set_xticklabels(cols, rotation=20, ha="right", fontsize=8)
        ax.set_yticks(range(len(vs)))
        ax.set_yticklabels(vs, fontsize=8)
        ax.axvline(len(wl) - 0.5, color="black", lw=1.5)
        ax.set_title(title + "\n(1.00 = best of its workload; larger is worse)", fontsize=10)
    return _save(fig, outdir, "matrix.png")
