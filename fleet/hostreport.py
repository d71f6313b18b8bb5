#!/usr/bin/python3
"""Reports across hosts: ratios within each host, the host as a random effect.

    hostreport.py EXPDIR|FILE.jsonl [--out DIR] [--baseline VARIANT]

Input: a merged fleet results file (or any results file; records from
several hosts).  A host is the engine's node name (record.fleet.node), or
host.hostname for records that did not come through fleet.

Sections of REPORT.md (and the same summary on stdout):

* per host: its fingerprint (CPU, cores, kernel, THP, PMU, allocator
  versions) and, per comparison (workload, arguments, threads, engine), each
  variant's median ops/s with its range and the ratio to the baseline
  computed from THIS host's runs only.  A ratio never mixes hosts.
* across hosts, for each variant against the baseline: every host's ratio,
  and the host as a random effect.  The data are the per-round log ratios
  d = log(variant run i) - log(baseline run i) of each host (runs of one
  round are interleaved, so they are paired).  With >= 3 hosts, each with
  >= 2 paired runs, a random-intercept model d = mu + u_host + e
  (statsmodels MixedLM, REML) gives the typical ratio exp(mu) with its 95%
  CI and the spread across hosts tau = sd(u_host), shown as the range
  exp(mu +- 1.96 tau) that holds 95% of hosts' ratios.  With fewer hosts
  (or runs) the model is not fitted: the report shows the geometric mean
  and the range of the per-host ratios and says why.
* the ranking of the variants on each host, and whether it is the same on
  every host (and if not, where it differs).
* ratios.png: each host's ratio per variant, with the cross-host estimate.
"""
import argparse
import json
import math
import os
import sys
import warnings

# The output-path check shared with the report scripts (scripts/outpaths.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "scripts"))
import outpaths  # noqa: E402

HIGHER, LOWER = "higher", "lower"


class ReportError(Exception):
    pass


# ---------------------------------------------------------------------------
# Reading

def load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "results.jsonl")
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise ReportError("cannot read %s: %s" % (path, e.strerror))
    recs, skipped = [], []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except ValueError:
            skipped.append("line %d does not parse" % n)
            continue
        if not isinstance(r, dict) or "variant" not in r or "status" not in r:
            skipped.append("line %d is not a run record" % n)
            continue
        recs.append(r)
    if not recs:
        raise ReportError("%s holds no run record" % path)
    return path, recs, skipped


def host_of(r):
    f = r.get("fleet") or {}
    return f.get("node") or (r.get("host") or {}).get("hostname") or "unknown-host"


def figure(r):
    """(value, better, unit) of a run: ops/s, or wall time for --cmd runs."""
    v = r.get("ops_per_sec")
    if isinstance(v, (int, float)) and v > 0:
        return float(v), HIGHER, "ops/s"
    w = r.get("wall_s")
    if r.get("cmd") and isinstance(w, (int, float)) and w > 0:
        return float(w), LOWER, "s"
    return None, None, None


def group_key(r):
    return (r.get("workload") or "cmd: %s" % r.get("cmd"), " ".join(map(str, r.get("args") or [])),
            r.get("threads") or 0, r.get("engine") or "native")


def group_name(k):
    w, args, threads, engine = k
    s = w
    if args:
        s += " " + args
    if threads:
        s += " (%d threads)" % threads
    if engine != "native":
        s += " [%s]" % engine
    return s


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


# ---------------------------------------------------------------------------
# Analysis

class Group:
    """One comparison (workload, args, threads, engine) across hosts."""

    def __init__(self, key):
        self.key = key
        self.runs = {}            # host -> variant -> [(run, round_pos, invocation, value)]
        self.order = []           # variants by (variant_index, first seen)
        self.better = HIGHER
        self.unit = "ops/s"

    def add(self, r):
        v, better, unit = figure(r)
        if v is None:
            return
        self.better, self.unit = better, unit
        var = r["variant"]
        if var not in self.order:
            self.order.append(var)
        self.runs.setdefault(host_of(r), {}).setdefault(var, []).append(
            (r.get("run", 0), r.get("invocation"), v))

    def hosts(self):
        return sorted(self.runs)

    def med(self, host, var):
        xs = [x[2] for x in self.runs[host].get(var, [])]
        return median(xs) if xs else None

    def ratio(self, host, var, base):
        """Within-host ratio of medians, variant / baseline (for time, < 1 is better)."""
        a, b = self.med(host, var), self.med(host, base)
        return None if a is None or b is None else a / b

    def interleaved(self, host, var, base):
        inv = {x[1] for x in self.runs[host].get(var, [])}
        return bool(inv & {x[1] for x in self.runs[host].get(base, [])})

    def paired_logs(self, host, var, base):
        """log(variant) - log(baseline) per (invocation, run index) present in both."""
        b = {(x[1], x[0]): x[2] for x in self.runs[host].get(base, [])}
        v = {(x[1], x[0]): x[2] for x in self.runs[host].get(var, [])}
        keys = sorted(set(b) & set(v), key=str)
        if not keys:              # separate invocations (alloc-workload split): pair by run index
            bb = sorted(self.runs[host].get(base, []), key=lambda x: (str(x[1]), x[0]))
            vv = sorted(self.runs[host].get(var, []), key=lambda x: (str(x[1]), x[0]))
            return [math.log(y[2]) - math.log(x[2]) for x, y in zip(bb, vv)]
        return [math.log(v[k]) - math.log(b[k]) for k in keys]

    def ranking(self, host):
        meds = [(self.med(host, v), v) for v in self.order if self.med(host, v) is not None]
        return [v for _, v in sorted(meds, key=lambda t: t[0], reverse=self.better == HIGHER)]


def cross_host(g, var, base):
    """The cross-host summary of var against base: dict."""
    per_host = {h: g.ratio(h, var, base) for h in g.hosts()}
    per_host = {h: r for h, r in per_host.items() if r is not None}
    out = {"variant": var, "per_host": per_host, "hosts": len(per_host)}
    if not per_host:
        out["method"] = "no host ran both %s and %s" % (var, base)
        return out
    logs = [math.log(r) for r in per_host.values()]
    out["geomean"] = math.exp(sum(logs) / len(logs))
    out["min"], out["max"] = min(per_host.values()), max(per_host.values())
    pairs = {h: g.paired_logs(h, var, base) for h in per_host}
    few_runs = [h for h, d in pairs.items() if len(d) < 2]
    if len(per_host) < 3 or few_runs:
        why = ("%d host%s" % (len(per_host), "" if len(per_host) == 1 else "s")
               if len(per_host) < 3 else "fewer than 2 paired runs on %s" % ", ".join(few_runs))
        out["method"] = ("simple: geometric mean and range of the per-host ratios; no "
                         "random-effect model (%s; it needs >= 3 hosts with >= 2 runs each)" % why)
        return out
    try:
        import numpy as np
        from statsmodels.regression.mixed_linear_model import MixedLM
    except ImportError as e:
        out["method"] = "simple (statsmodels not available: %s)" % e
        return out
    rows = [(h, d) for h, ds in pairs.items() for d in ds]
    y = np.array([d for _, d in rows])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            fit = MixedLM(y, np.ones((len(y), 1)), groups=[h for h, _ in rows]).fit(reml=True)
        except (ValueError, np.linalg.LinAlgError) as e:
            out["method"] = "simple (MixedLM failed: %s)" % e
            return out
    mu, se = float(np.asarray(fit.fe_params)[0]), float(np.asarray(fit.bse_fe)[0])
    tau2 = float(np.asarray(fit.cov_re)[0, 0])
    conv = fit.converged and not any("converge" in str(w.message).lower() for w in caught)
    out.update({
        "method": "random-intercept model d = mu + u_host + e on per-round log ratios "
                  "(statsmodels MixedLM, REML, %d hosts, %d paired runs)%s"
                  % (len(per_host), len(y), "" if conv else "; WARNING: did not converge cleanly"),
        "converged": conv,
        "ratio": math.exp(mu), "ci": (math.exp(mu - 1.96 * se), math.exp(mu + 1.96 * se)),
        "tau": math.sqrt(max(tau2, 0.0)), "within_sd": math.sqrt(float(fit.scale)),
    })
    out["host_range"] = (math.exp(mu - 1.96 * out["tau"]), math.exp(mu + 1.96 * out["tau"]))
    # statsmodels may warn about the boundary while it searches; what counts
    # is where the estimate ended up.
    if out["tau"] < 1e-4:
        out["tau_note"] = ("the host variance is at the boundary (0): no spread across hosts "
                           "beyond the within-host noise is detectable")
    return out


# ---------------------------------------------------------------------------
# Output

def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "s":
        return "%.3f s" % v
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(v) >= div:
            return "%.2f%s" % (v / div, suf)
    return "%.1f" % v


def fingerprint(recs):
    h = recs[0].get("host") or {}
    allocs = {}
    for r in recs:
        a = r.get("alloc") or {}
        allocs[a.get("name")] = a.get("version")
    return h, allocs


def build(path, recs, skipped, baseline=None):
    groups, by_host = {}, {}
    for r in recs:
        by_host.setdefault(host_of(r), []).append(r)
        if r.get("status") != "ok":
            continue
        k = group_key(r)
        groups.setdefault(k, Group(k)).add(r)
    failed = [r for r in recs if r.get("status") != "ok"]
    md, summary = [], []
    md.append("# Fleet report: %s\n" % os.path.basename(os.path.dirname(os.path.abspath(path))))
    md.append("Records: %d from %d host%s (`%s`).  Ratios are computed within each host only; "
              "the cross-host summary treats the host as a random effect.\n"
              % (len(recs), len(by_host), "" if len(by_host) == 1 else "s", path))
    results = {}
    for k, g in sorted(groups.items(), key=lambda kv: str(kv[0])):
        base = baseline or g.order[0]
        if base not in g.order:
            raise ReportError("baseline %r is not a variant of %s (variants: %s)"
                              % (base, group_name(k), ", ".join(g.order)))
        results[k] = (g, base, [cross_host(g, v, base) for v in g.order if v != base])

    md.append("## Hosts\n")
    machines = {}
    for h, rs in by_host.items():
        machines.setdefault((rs[0].get("host") or {}).get("hostname"), []).append(h)
    for name, nodes in sorted(machines.items(), key=str):
        if len(nodes) > 1:
            md.append("Note: nodes %s all report the hostname %s: they are one machine (e.g. "
                      "emulated Slurm nodes), so their runs may have competed for its cores, "
                      "and their spread is not a spread between machines.\n"
                      % (", ".join(sorted(nodes)), name))
            summary.append("note: nodes %s are one machine (hostname %s)" % (", ".join(sorted(nodes)), name))
    for h in sorted(by_host):
        fp, allocs = fingerprint(by_host[h])
        md.append("### %s\n" % h)
        md.append("%s, %s cores, kernel %s, THP %s, hardware PMU %s; %d records%s.  "
                  "Allocators: %s.\n" % (
                      fp.get("cpu_model"), fp.get("cores"), fp.get("kernel"), fp.get("thp_enabled"),
                      "yes" if fp.get("hw_pmu") else "no (%s)" % fp.get("hw_pmu_reason", "?"),
                      len(by_host[h]),
                      "" if not any(r.get("status") != "ok" for r in by_host[h]) else
                      ", %d failed" % sum(r.get("status") != "ok" for r in by_host[h]),
                      ", ".join("%s %s" % kv for kv in sorted(allocs.items(), key=str))))
        for k, (g, base, _) in results.items():
            if h not in g.runs:
                continue
            md.append("**%s** (ratio = median / median of %s on this host; %s is better)\n"
                      % (group_name(k), base, g.better))
            md.append("| variant | runs | median %s [min .. max] | ratio |" % g.unit)
            md.append("|---|---|---|---|")
            for v in g.order:
                xs = [x[2] for x in g.runs[h].get(v, [])]
                if not xs:
                    continue
                r = g.ratio(h, v, base)
                note = "" if v == base or g.interleaved(h, v, base) else " (not interleaved)"
                md.append("| %s | %d | %s [%s .. %s] | %s%s |" % (
                    v, len(xs), fmt(median(xs), g.unit), fmt(min(xs), g.unit), fmt(max(xs), g.unit),
                    "-" if r is None else "%.3fx" % r, note))
            md.append("")

    md.append("## Across hosts\n")
    for k, (g, base, summaries) in results.items():
        md.append("### %s, against %s\n" % (group_name(k), base))
        summary.append("%s (against %s; %s %s is better):" % (group_name(k), base, g.unit, g.better))
        md.append("| variant | hosts | per-host ratios | summary | spread across hosts |")
        md.append("|---|---|---|---|---|")
        for s in summaries:
            per = ", ".join("%s %.3f" % hv for hv in sorted(s["per_host"].items()))
            if "ratio" in s:
                summ = "%.3fx (95%% CI %.3f..%.3f)" % (s["ratio"], s["ci"][0], s["ci"][1])
                spread = "tau %.3f (log); 95%% of hosts within %.3f..%.3f" % (
                    s["tau"], s["host_range"][0], s["host_range"][1])
                if "tau_note" in s:
                    spread += "; " + s["tau_note"]
            elif s["hosts"] == 1:
                summ, spread = "%.3fx (one host)" % s["geomean"], "one host: not measurable"
            elif "geomean" in s:
                summ = "geometric mean %.3fx" % s["geomean"]
                spread = "range %.3f..%.3f" % (s["min"], s["max"])
            else:
                summ, spread = "-", "-"
            md.append("| %s | %d | %s | %s | %s |" % (s["variant"], s["hosts"], per, summ, spread))
            summary.append("  %-12s %s; %s  [%s]" % (s["variant"], summ, spread, s["method"]))
        md.append("")
        for s in summaries:
            md.append("- %s: %s" % (s["variant"], s["method"]))
        ranks = {h: g.ranking(h) for h in g.hosts()}
        distinct = {}
        for h, rk in ranks.items():
            distinct.setdefault(tuple(rk), []).append(h)
        if len(ranks) == 1:
            line = "ranking (%s first): %s, on the only host" % (
                "fastest" if g.better == HIGHER else "quickest", " > ".join(next(iter(distinct))))
        elif len(distinct) == 1:
            line = "ranking (%s first): %s, the same on every host (%d)" % (
                "fastest" if g.better == HIGHER else "quickest", " > ".join(next(iter(distinct))), len(ranks))
        else:
            line = "ranking differs between hosts: " + "; ".join(
                "%s on %s" % (" > ".join(rk), ", ".join(hs)) for rk, hs in distinct.items())
        md.append("\n" + line[0].upper() + line[1:] + ".\n")
        summary.append("  " + line)
    if failed:
        md.append("## Failed runs\n")
        for r in failed:
            md.append("- %s, %s, run %s: %s" % (host_of(r), r.get("variant"), r.get("run"), r.get("error")))
        md.append("")
    if skipped:
        md.append("## Skipped lines\n")
        md += ["- " + s for s in skipped]
        md.append("")
    return md, summary, results


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    items = [(k, g, base, s) for k, (g, base, s) in results.items() if s]
    if not items:
        return None
    fig, axes = plt.subplots(len(items), 1, figsize=(8, 2.8 * len(items) + 0.6), squeeze=False)
    hosts = sorted({h for _, g, _, _ in items for h in g.hosts()})
    markers = "os^Dv<>ph*"
    for ax, (k, g, base, summaries) in zip(axes[:, 0], items):
        for xi, s in enumerate(summaries):
            if "ratio" in s:
                lo, hi = s["host_range"]
                ax.plot([xi, xi], [lo, hi], color="0.7", lw=6, solid_capstyle="butt",
                        label="95% of hosts (model)" if xi == 0 else None)
                ax.plot([xi - 0.15, xi + 0.15], [s["ratio"]] * 2, color="k", lw=2,
                        label="cross-host ratio" if xi == 0 else None)
            for hi_, h in enumerate(hosts):
                if h in s["per_host"]:
                    ax.scatter([xi + (hi_ - (len(hosts) - 1) / 2) * 0.08], [s["per_host"][h]],
                               marker=markers[hi_ % len(markers)], s=40, zorder=3,
                               color="C%d" % (hi_ % 10), label=h if xi == 0 else None)
        ax.axhline(1.0, color="0.4", lw=0.8, ls="--")
        ax.set_yscale("log")          # 0.5x and 2x equally far from 1
        ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1, 2, 5)))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%.2g"))
        ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlim(-0.5, len(summaries) - 0.5)
        ax.set_xticks(range(len(summaries)))
        ax.set_xticklabels([s["variant"] for s in summaries])
        ax.set_ylabel("ratio to %s\n(%s %s is better)" % (base, g.unit, g.better))
        ax.set_title(group_name(k), fontsize=10)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ReportError(message)


def main(argv):
    p = Parser(prog="fleet report", description=__doc__.split("\n\n")[0],
                                epilog="EXAMPLES\n  fleet report results/fleet/EXPDIR\n"
                                       "  fleet report merged.jsonl --out /tmp/rep --baseline glibc",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="experiment directory or results file")
    p.add_argument("--out", help="report directory (default: INPUT's directory/report)")
    p.add_argument("--baseline", help="variant to compare against (default: the first)")
    try:
        o = p.parse_args(argv)
        bad_out = o.out and outpaths.out_dir_problem(o.out)     # before any work
        if bad_out:
            raise ReportError("--out: %s (choose another directory)" % bad_out)
        path, recs, skipped = load(o.input)
        md, summary, results = build(path, recs, skipped, o.baseline)
    except ReportError as e:
        print("fleet report: %s" % e, file=sys.stderr)
        return 2
    out = o.out or os.path.join(os.path.dirname(os.path.abspath(path)), "report")
    try:
        os.makedirs(out, exist_ok=True)
        png = plot(results, os.path.join(out, "ratios.png"))
        if png:
            md.append("![ratio per host](ratios.png)\n")
        with open(os.path.join(out, "REPORT.md"), "w") as f:
            f.write("\n".join(md) + "\n")
    except OSError as e:      # a read-only or full file system: one line
        print("fleet report: cannot write the report in %s: %s" % (out, e.strerror or e), file=sys.stderr)
        return 2
    print("\n".join(summary))
    for line in skipped:
        print("skipped: " + line)
    print("report: %s" % os.path.join(out, "REPORT.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
