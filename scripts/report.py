#!/usr/bin/python3
"""report.py - write reports/<date>-<name>/REPORT.md (+ PNGs, + REPORT.html)
from a results file.

    /usr/bin/python3 scripts/report.py results/X.jsonl [--out DIR] [--name NAME]
        [--invocation ID|all] [--baseline LABEL] [--no-html]

`harness report` runs this.  Every section is generated from the records:
a figure that is not in them is shown as unavailable with the reason.
"""

import argparse
import datetime
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import analysis  # noqa: E402
import discoveries  # noqa: E402
import htmlout  # noqa: E402
import plots  # noqa: E402
import records  # noqa: E402
import stats  # noqa: E402
import verdict  # noqa: E402
from verdict import fmt_num  # noqa: E402

SOURCE_DIR = os.path.dirname(HERE)


def md_table(header, rows):
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _ms(x):
    return "n/a" if x is None else "%.3f" % x


def _share(x):
    return "n/a" if x is None else "%.1f%%" % (x * 100)


def software_versions(exp):
    rows = []
    seen = set()
    for v in exp.variants:
        a = v.alloc or {}
        key = (a.get("name"), a.get("version"), a.get("path"))
        if key in seen:
            continue
        seen.add(key)
        rows.append([a.get("name", "?"), a.get("version") or "unknown", a.get("package") or "-",
                     a.get("path") or "(libc)"])
    return rows


def tool_versions():
    out = ["Python %s" % platform.python_version()]
    for mod in ("numpy", "scipy", "matplotlib"):
        try:
            out.append("%s %s" % (mod, __import__(mod).__version__))
        except Exception as e:  # noqa: BLE001 - report, never fail on a version probe
            out.append("%s unavailable (%s)" % (mod, e))
    try:
        rev = subprocess.run(["git", "-C", SOURCE_DIR, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        if rev:
            out.append("workbench source at report time: git %s" % rev)
    except (OSError, subprocess.SubprocessError):
        pass
    return out


def build(an, outdir, title_name, results_arg, html=True):
    exp = an.exp
    base = exp.baseline
    os.makedirs(outdir, exist_ok=True)
    tput_comps = {v.label: an.throughput(v.label) for v in exp.variants[1:]}
    pngs = {
        "throughput": plots.throughput(exp, outdir),
        "ratio": plots.ratio(exp, tput_comps, outdir),
        "per_op": plots.per_op(exp, outdir),
        "user_kernel": plots.user_kernel(an.ctrl, outdir),
        "rss": plots.rss(exp, outdir),
    }
    first = exp.records[0]
    host = first.get("host") or {}
    L = []
    L.append("# %s: %s on `%s`" % (title_name, first.get("experiment", "run"), first.get("workload", "?")))
    L.append("")
    L.append("Generated %s from `%s` by `scripts/report.py`. Every number below comes from that file."
             % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), results_arg))
    L.append("")

    # ---------------------------------------------------------------- setup
    L.append("## Setup")
    L.append("")
    wl = first.get("workload", "?")
    if wl == "cmd":
        wl = "cmd: `%s`" % first.get("cmd")
    args = first.get("args") or []
    nruns = [len(v.runs) for v in exp.variants]
    L.append("- Workload: **%s**%s" % (wl, (" with `%s`" % " ".join(args)) if args else " (default parameters)"))
    L.append("- Invocation(s): %s; experiment `%s`; engine `%s`"
             % (", ".join("`%s`" % i for i in an.invocations), first.get("experiment", "?"), first.get("engine", "native")))
    if an.sim is not None:
        L.append("- Instruction split: invocation(s) %s, engine `cachegrind`, %d run(s) per variant; used only "
                 "for the controllability table, not pooled with the runs above"
                 % (", ".join("`%s`" % i for i in an.sim_invocations), max(len(v.runs) for v in an.sim.variants)))
    if len(an.invocations) > 1:
        L.append("- **Note:** runs from %d invocations are pooled; only runs of one invocation are "
                 "interleaved, so cross-invocation comparisons carry drift between them." % len(an.invocations))
    L.append("- Counted runs per variant: %s (warm-up runs are not recorded); baseline: `%s` (%s)"
             % (("%d" % nruns[0]) if len(set(nruns)) == 1 else "%d..%d" % (min(nruns), max(nruns)),
                base.label, exp.baseline_how))
    sections = [s for s in ("counters", "probes", "rss", "allocator_stats") if any(s in r for r in exp.records)]
    L.append("- Collectors recorded: %s" % (", ".join(sections) if sections else "none (core figures only)"))
    L.append("- Records used: %d; failed runs: %d; lines skipped: %d"
             % (sum(len(v.runs) for v in exp.variants), sum(len(v.failed) for v in exp.variants), len(an.skipped)))
    L.append("")
    L.append(md_table(["variant", "allocator", "knobs", "ok runs", "failed"],
                      [[v.label, (v.alloc or {}).get("name", "?"),
                        " ".join("%s=%s" % kv for kv in sorted(v.knobs.items())) or "-",
                        len(v.runs), len(v.failed)] for v in exp.variants]))
    L.append("")
    L.append("### Machine and software")
    L.append("")
    mem = host.get("mem_total_kb")
    L.append("- Host: %s, kernel %s, %s, %s cores, %s RAM"
             % (host.get("hostname", "?"), host.get("kernel", "?"), host.get("cpu_model", "?"),
                host.get("cores", "?"), ("%.1f GiB" % (mem / 1048576.0)) if isinstance(mem, (int, float)) else "?"))
    L.append("- THP: enabled `%s`, defrag `%s`" % (host.get("thp_enabled", "?"), host.get("thp_defrag", "?")))
    if host.get("hw_pmu") is False:
        L.append("- Hardware PMU: unavailable (%s); cycle, instruction and TLB-miss counters cannot be measured here"
                 % host.get("hw_pmu_reason", "no reason recorded"))
    elif host.get("hw_pmu"):
        L.append("- Hardware PMU: available")
    L.append("")
    L.append(md_table(["allocator", "version", "Debian package", "library"], software_versions(exp)))
    L.append("")
    L.append("Report tools: " + "; ".join(tool_versions()) + ".")
    L.append("")
    L.append("### Reproduce")
    L.append("")
    cmds = []
    for r in exp.records:
        c = r.get("command")
        if c and c not in cmds:
            cmds.append(c)
    L.append("```")
    L += cmds or ["(the records carry no command)"]
    extra = ""
    if len(an.invocations) == 1 and len(records.invocations(an.all_records)) > 1:
        extra += " --invocation %s" % ",".join(an.invocations + an.sim_invocations)
    if exp.baseline_how == "chosen with --baseline":
        extra += " --baseline '%s'" % base.label
    L.append("./harness report %s%s" % (results_arg, extra))
    L.append("```")
    L.append("")

    # ---------------------------------------------------- key discoveries
    L.append("## Key discoveries")
    L.append("")
    kd = discoveries.key_discoveries(exp, an.comps, an.ctrl)
    L += ["%d. %s" % (i + 1, s) for i, s in enumerate(kd)] or ["(only one variant: nothing to compare)"]
    L.append("")

    # ------------------------------------------------- performance reality
    L.append("## Performance reality")
    L.append("")
    rows = []
    for v in exp.variants:
        xs = v.values.get("ops_per_sec")
        if not xs:
            rows.append([v.label, "unavailable (no successful run reported ops/s)", "", "", "", ""])
            continue
        c = an.throughput(v.label)
        ratio = "1 (baseline)" if v is base else ("%.3f" % (1 + c.change) if c and c.change is not None else "n/a")
        rows.append([v.label, fmt_num(stats.median(xs)), fmt_num(min(xs)), fmt_num(max(xs)), ratio,
                     "baseline" if v is base else (c.text() if c else "n/a")])
    L.append(md_table(["variant", "median ops/s", "min", "max", "ratio", "verdict"], rows))
    L.append("")
    for key, cap in (("throughput", "Throughput per variant: box = quartiles, dots = runs"),
                     ("ratio", "Throughput ratio to the baseline with 95% bootstrap CI")):
        if pngs[key]:
            L.append("![%s](%s)" % (cap, pngs[key]))
            L.append("")

    # ------------------------------------------------------- knob verdicts
    L.append("## Knob verdicts")
    L.append("")
    L.append("Each variant against `%s`. An effect is claimed only when the 95%% bootstrap CI of the "
             "ratio of medians excludes 0 **and** the Mann-Whitney p < %.2f (Benjamini-Hochberg adjusted "
             "over the figures other than throughput)." % (base.label, verdict.ALPHA))
    L.append("")
    rows = []
    for v in exp.variants[1:]:
        c = an.throughput(v.label)
        others = [x for x in an.comps[v.label] if x.figure.name != "ops_per_sec" and x.significant]
        others.sort(key=lambda x: -abs(x.change or 0))
        diff = {k: val for k, val in v.knobs.items() if base.knobs.get(k) != val}
        what = " ".join("%s=%s" % kv for kv in sorted(diff.items()))
        if (v.alloc or {}).get("name") != (base.alloc or {}).get("name"):
            what = ("allocator %s " % (v.alloc or {}).get("name", "?")) + what
        rows.append([v.label, what.strip() or "-", c.text() if c else "n/a",
                     "; ".join("%s %s" % (x.figure.label, x.text().split(" (")[0]) for x in others[:5]) or "none"])
    if rows:
        L.append(md_table(["variant", "differs from baseline by", "throughput", "other figures with an effect"], rows))
    else:
        L.append("Only one variant: no verdicts.")
    L.append("")
    for v in exp.variants[1:]:
        L.append("### `%s` vs `%s`: every figure" % (v.label, base.label))
        L.append("")
        rows = []
        for c in an.comps[v.label]:
            p = "%.3g %s" % (c.p, c.method)
            if c.p_adj != c.p:
                p += ", BH %.3g" % c.p_adj
            ci = "%s..%s" % (verdict.pct(c.ci[0]), verdict.pct(c.ci[1])) if c.ci else "n/a"
            rows.append([c.figure.label, fmt_num(c.med_base), fmt_num(c.med_other),
                         verdict.pct(c.change) if c.change is not None else "n/a", ci, p, c.text()])
        L.append(md_table(["figure", base.label, v.label, "change", "95% CI", "p", "verdict"], rows))
        L.append("")

    # ---------------------------------------------------- controllability
    ctrl = an.ctrl
    L.append("## Controllability: where the time goes")
    L.append("")
    L.append("Cost per page fault: %s." % ctrl["cost"]["how"])
    L.append("")
    header = ["variant", "user s", "kernel s", "kernel share", "faults", "kernel s in faults (est.)"]
    if ctrl["names"]["task_clock"]:
        header.insert(3, "task-clock s")
    if ctrl["names"]["zero"]:
        header.append("zeroing s (est.)")
    if ctrl["names"]["tlb"]:
        header.append("TLB flushes")
    if ctrl["names"].get("split"):
        header += ["instr/op alloc / libc / workload / other (sim.)", "alloc instr share"]
    header += ["controllable share", "Amdahl ceiling", "measured throughput effect"]
    rows = []
    for r in ctrl["rows"]:
        if r.get("missing"):
            rows.append([r["variant"]] + ["unavailable: " + r["missing"]] + [""] * (len(header) - 2))
            continue
        row = [r["variant"], _ms(r["user_s"]), _ms(r["sys_s"]), _share(r["kernel_share"]),
               fmt_num(r["faults"]), _ms(r["fault_s"])]
        if ctrl["names"]["task_clock"]:
            row.insert(3, _ms(r.get("task_clock_s")))
        if ctrl["names"]["zero"]:
            row.append(_ms(r.get("zero_s")) if r.get("zero_s") is not None else "n/a")
        if ctrl["names"]["tlb"]:
            row.append(fmt_num(r.get("tlb_flushes")))
        c = an.throughput(r["variant"])
        eff = "baseline" if r["variant"] == base.label else (c.text() if c else "n/a")
        if ctrl["names"].get("split"):
            sp = r.get("split")
            if sp:
                row += [" / ".join(fmt_num(sp.get(k)) if sp.get(k) is not None else "n/a"
                                   for k in ("alloc", "libc", "workload", "other")),
                        _share(sp["share"])]
            else:
                row += ["no cachegrind run", "n/a"]
        row += [_share(r["controllable_share"]) if r.get("controllable_share") is not None else "not computable",
                ("%.2fx" % r["ceiling"]) if r.get("ceiling") else
                ("not computable" if r.get("split") is None else "n/a"), eff]
        rows.append(row)
    L.append(md_table(header, rows))
    L.append("")
    if ctrl["names"].get("split"):
        L.append("- Instruction split: simulated instructions per op of the workload's timed region, by "
                 "code: the allocator (the preloaded library; for glibc its malloc functions inside libc.so), "
                 "the rest of libc, the workload's own code, and other code (ld.so, vdso); from the "
                 "variant's cachegrind runs, never pooled with the native runs above.")
    L.append("- Controllable share: %s." % (ctrl["rows"][0].get("share_basis", "n/a") if ctrl["rows"] else "n/a"))
    L.append("- Amdahl ceiling = 1 / (1 - controllable share): the largest speed-up of the whole process "
             "that making the allocator's user-space work free could give.  Kernel time (faults, zeroing, "
             "TLB flushes) is not removed by faster allocator code; only by touching fewer new pages.  "
             "Without an instruction split it is not computed: counting all user time as the allocator's "
             "would credit the workload's own code to the allocator.")
    for n in ctrl["notes"]:
        L.append("- " + n)
    for m in ctrl["missing"]:
        L.append("- Unavailable: " + m + ".")
    L.append("")
    if pngs["user_kernel"]:
        L.append("![User vs kernel CPU time](%s)" % pngs["user_kernel"])
        L.append("")

    # ------------------------------------------------------------ per-op
    L.append("## Per-op costs")
    L.append("")
    panels = plots.per_op_panels(exp)
    if panels:
        rows = []
        for v in exp.variants:
            rows.append([v.label] + [fmt_num(stats.median(d[v.label])) if d.get(v.label) else "n/a"
                                     for _, d in panels])
        L.append(md_table(["variant"] + [t for t, _ in panels], rows))
        L.append("")
    if pngs["per_op"]:
        L.append("![Per-op costs](%s)" % pngs["per_op"])
        L.append("")

    # -------------------------------------------------------------- RSS
    L.append("## Memory (RSS)")
    L.append("")
    rows = []
    for v in exp.variants:
        xs = v.values.get("maxrss_kb")
        rows.append([v.label, fmt_num(stats.median(xs) / 1024) if xs else "n/a"])
    L.append(md_table(["variant", "peak RSS, MiB (rusage maxrss, median)"], rows))
    L.append("")
    if pngs["rss"]:
        L.append("![RSS over time](%s)" % pngs["rss"])
    else:
        L.append("RSS over time: unavailable (no RSS series in the records; the RSS sampler records one "
                 "with `--sample-ms`).")
    L.append("")

    # ----------------------------------------------- unavailable, skipped
    L.append("## Unavailable figures")
    L.append("")
    unavailable = {}
    for v in exp.variants:
        for name, reasons in v.unsupported.items():
            for reason in reasons:
                unavailable.setdefault((exp.figures[name].label, reason), []).append(v.label)
    if unavailable:
        L.append(md_table(["figure", "reason", "variants"],
                          [[f, r, ", ".join(vs) if len(vs) < len(exp.variants) else "all"]
                           for (f, r), vs in sorted(unavailable.items())]))
    else:
        L.append("None: every figure the records mention was measured.")
    L.append("")
    failed = [r for v in exp.variants for r in v.failed]
    if failed:
        L.append("### Failed runs")
        L.append("")
        L.append(md_table(["line", "variant", "run", "error"],
                          [[r["_line"], r.get("variant"), ("warm-up %s" % r.get("run", "?")) if r.get("warmup") else r.get("run", "?"),
                            r.get("error") or "?"] for r in failed]))
        L.append("")
    if an.skipped:
        L.append("### Skipped lines of the results file")
        L.append("")
        L.append(md_table(["line", "why"], [[s.line, s.reason] for s in an.skipped]))
        L.append("")

    # ---------------------------------------------------------- conclusion
    L.append("## Conclusion")
    L.append("")
    L.append(discoveries.conclusion(exp, an.comps, ctrl))
    L.append("")
    text = "\n".join(L)
    with open(os.path.join(outdir, "REPORT.md"), "w") as f:
        f.write(text)
    if html:
        with open(os.path.join(outdir, "REPORT.html"), "w") as f:
            f.write(htmlout.markdown_to_html(text, title_name))
    return text, pngs


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="harness report",
        description="Write REPORT.md (+ PNG plots, + REPORT.html) from a results file.",
        epilog="EXAMPLES\n  harness report results/20251204-random_mixed.jsonl\n"
               "  harness report results/x.jsonl --out /tmp/rep --baseline hakmem\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="results file (JSON Lines)")
    ap.add_argument("--out", help="output directory (default reports/<date>-<name>/)")
    ap.add_argument("--name", help="report name (default: workload and experiment)")
    ap.add_argument("--invocation", help="only the runs of this invocation id ('all' pools them; default all)")
    ap.add_argument("--baseline", help="variant label to compare against (default: the first in the file)")
    ap.add_argument("--no-html", action="store_true", help="do not write REPORT.html")
    a = ap.parse_args(argv)
    if not os.path.isfile(a.results):
        print("report: cannot read '%s': no such file (give a results/*.jsonl file)" % a.results, file=sys.stderr)
        return 2
    an = analysis.Analysis(a.results, a.invocation, a.baseline)
    an.warn_skipped()
    first = an.exp.records[0]
    name = a.name or "%s-%s" % (first.get("workload", "results"), first.get("experiment", "run"))
    outdir = a.out or os.path.join(SOURCE_DIR, "reports",
                                   "%s-%s" % (datetime.date.today().isoformat(), name))
    build(an, outdir, name, a.results, html=not a.no_html)
    print("report: wrote %s" % os.path.join(outdir, "REPORT.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
