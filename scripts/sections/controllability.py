"""controllability.py - Controllability: where the time goes (control.py
computes it; this only lays it out)."""

from sections.common import fmt_num, md_table, seconds, share, spread_s


def _cost_cell(t):
    return spread_s(t) if t else "not measurable here"


def _row(ctx, r, names, width):
    if r.get("missing"):
        return [r["variant"]] + ["unavailable: " + r["missing"]] + [""] * (width - 2)
    row = [r["variant"], seconds(r["user_s"]), seconds(r["sys_s"])]
    if names["task_clock"]:
        row.append(seconds(r.get("task_clock_s")))
    row += [share(r["kernel_share"]), fmt_num(r["faults"]), _cost_cell(r["fault_s"])]
    if names["zero"]:
        row.append(_cost_cell(r.get("zero_s")) if r.get("zero_pages") is not None else "n/a")
    if names["tlb"]:
        row.append(fmt_num(r.get("tlb_flushes")))
    if names.get("split"):
        sp = r.get("split")
        if sp:
            row += [" / ".join(fmt_num(sp.get(k)) if sp.get(k) is not None else "n/a"
                               for k in ("alloc", "libc", "workload", "other")), share(sp["share"])]
        else:
            row += ["no cachegrind run", "n/a"]
    c = ctx.w.throughput(r["variant"])
    eff = "baseline" if r["variant"] == ctx.base.label else (c.text() if c else "n/a")
    row += [share(r["controllable_share"]) if r.get("controllable_share") is not None else "not computable",
            ("%.2fx" % r["ceiling"]) if r.get("ceiling") else ("not computable" if r.get("split") is None else "n/a"),
            eff]
    return row


def controllability(ctx):
    ctrl = ctx.w.ctrl
    names = ctrl["names"]
    L = [ctx.h(2, "Controllability: where the time goes"), ""]
    L.append("Cost per page fault: %s." % ctrl["fault_how"])
    L.append("")
    L.append("Cross-check from the runs themselves, %s." % ctrl["fit_how"])
    L.append("")
    header = ["variant", "user s", "kernel s"]
    if names["task_clock"]:
        header.append("task-clock s")
    header += ["kernel share", "faults", "kernel s in faults (p10..p90)"]
    if names["zero"]:
        header.append("zeroing s (p10..p90)")
    if names["tlb"]:
        header.append("TLB flushes")
    if names.get("split"):
        header += ["instr/op alloc / libc / workload / other (sim.)", "alloc instr share"]
    header += ["controllable share", "Amdahl ceiling", "measured %s verdict" % ctx.primary_label()]
    L.append(md_table(header, [_row(ctx, r, names, len(header)) for r in ctrl["rows"]]))
    L.append("")
    if names["zero"]:
        L.append("- Zeroing: zeroed pages (`%s` / 4 KiB) x in-kernel page clearing cost: %s. The probes' own "
                 "zeroing-time estimate is not used: it times the whole fault path, not the clearing."
                 % (names["zero"], ctrl["zero_how"]))
    if names.get("split"):
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
    if ctx.pngs.get("user_kernel"):
        L.append("![User vs kernel CPU time](%s)" % ctx.pngs["user_kernel"])
        L.append("")
    return L
