"""setup.py - the Setup section: workload, invocations, runs, variants;
the machine and software; the commands that reproduce the report."""

import os
import platform
import subprocess

import records
import verdict
from sections.common import md_table

SOURCE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def software_versions(exp):
    rows, seen = [], set()
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
    for mod in ("numpy", "scipy", "statsmodels", "matplotlib"):
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


def setup(ctx):
    w, exp, base = ctx.w, ctx.exp, ctx.base
    first = exp.records[0]
    L = [ctx.h(2, "Setup"), ""]
    wl = first.get("workload", "?")
    if wl == "cmd":
        wl = "cmd: `%s`" % first.get("cmd")
    args = first.get("args") or []
    nruns = [len(v.runs) for v in exp.variants]
    L.append("- Workload: **%s**%s" % (wl, (" with `%s`" % " ".join(args)) if args else " (default parameters)"))
    L.append("- Invocation(s): %s; experiment `%s`; engine `%s`"
             % (", ".join("`%s`" % i for i in w.invocations), first.get("experiment", "?"), first.get("engine", "native")))
    if w.sim is not None:
        L.append("- Instruction split: invocation(s) %s, engine `cachegrind`, %d run(s) per variant; used only "
                 "for the controllability table, not pooled with the runs above"
                 % (", ".join("`%s`" % i for i in w.sim_invocations), max(len(v.runs) for v in w.sim.variants)))
    if len(w.invocations) > 1:
        L.append("- **Note:** runs from %d invocations are pooled; runs are paired only within an invocation's "
                 "rounds, and cross-invocation drift adds to the spread." % len(w.invocations))
    L.append("- Counted runs per variant: %s (warm-up runs are not recorded); baseline: `%s` (%s)"
             % (("%d" % nruns[0]) if len(set(nruns)) == 1 else "%d..%d" % (min(nruns), max(nruns)),
                base.label, w.baseline_note or exp.baseline_how))
    sections = [s for s in ("counters", "probes", "rss", "allocator_stats") if any(s in r for r in exp.records)]
    L.append("- Collectors recorded: %s" % (", ".join(sections) if sections else "none (core figures only)"))
    L.append("- Records used: %d; failed runs: %d; lines skipped: %d"
             % (sum(len(v.runs) for v in exp.variants), sum(len(v.failed) for v in exp.variants), len(ctx.an.skipped)))
    schemas = sorted({r.get("schema", 1) for r in exp.records})
    if schemas != [2]:
        L.append("- Record schema: %s. Schema-1 records predate the direction of each figure (`better`): "
                 "their figures are shown without faster/slower verdicts." % ", ".join(map(str, schemas)))
    L.append("- Verdicts: equivalence margin \u00b1%g%% (`--margin`), alpha %.2f, corrected over every comparison "
             "(README: How a verdict is decided)." % (ctx.an.margin * 100, verdict.ALPHA))
    L.append("")
    L.append(md_table(["variant", "allocator", "knobs", "ok runs", "failed"],
                      [[v.label, (v.alloc or {}).get("name", "?"),
                        " ".join("%s=%s" % kv for kv in sorted(v.knobs.items())) or "-",
                        len(v.runs), len(v.failed)] for v in exp.variants]))
    L.append("")
    return L


def machine(ctx):
    exp = ctx.exp
    host = exp.records[0].get("host") or {}
    L = [ctx.h(3, "Machine and software"), ""]
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
    L.append("- Measured costs: %s" % ctx.w.ctrl["calibration"])
    L.append("")
    L.append(md_table(["allocator", "version", "Debian package", "library"], software_versions(exp)))
    L.append("")
    L.append("Report tools: " + "; ".join(tool_versions()) + ".")
    L.append("")
    return L


def reproduce(ctx):
    exp, an = ctx.exp, ctx.an
    L = [ctx.h(3, "Reproduce"), ""]
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
        extra += " --baseline '%s'" % ctx.base.label
    L.append("./harness report %s%s" % (ctx.results, extra))
    L.append("```")
    L.append("")
    return L
