"""control.py - controllability analysis: where the time goes, and how much
of it a user-space allocator change could ever win back.

Per variant (medians over its ok runs), each from a figure named here
(the record's "metrics"; a figure that is absent is named in the report,
never silently dropped):

  user / kernel CPU seconds      rusage_user_s / rusage_sys_s of the whole
                                 workload process
  task-clock                     task_clock_ms (counters)
  page faults                    rusage_minflt + rusage_majflt
  kernel time in faults          faults x the first-touch fault cost that
                                 `harness calibrate` measured on the
                                 benchmark machine (host.calibration),
                                 with its p10..p90 spread; the THP faults
                                 (thp_pages, probes) at the fault_thp cost.  Without a
                                 calibration: "not measurable here".  The
                                 slope of sys time on faults across the
                                 runs is shown beside it as a cross-check
                                 only.
  zeroing                        zeroed_kib (probes) / 4 KiB x the in-kernel
                                 clear_page_4k cost from the calibration
  TLB flushes                    tlb_flushes (probes); a count, no cost
  instruction split              sim_*_instructions_per_op and
                                 sim_alloc_instr_share from the variant's
                                 cachegrind runs (never pooled with
                                 native runs)
  controllable share             user share of CPU time x allocator share
                                 of instructions (the instruction share
                                 stands in for the time share: an
                                 assumption, stated in the report)
  Amdahl ceiling                 1 / (1 - controllable share)
"""

import calibration
import records
import stats

MIN_R2 = 0.5
SHORT_RUN_S = 0.25                 # below this the tick-based user/sys split is coarse

# the figures this section reads, by name, and which option records them
TASK_CLOCK = ("task_clock_ms", "counters: run with --counters")
ZEROED = ("zeroed_kib", "probes: run with --probes")
TLB = ("tlb_flushes", "probes: run with --probes")
THP = ("thp_pages", "probes: run with --probes; without it every fault is costed as a 4 KiB one")


def _to_seconds(v, unit):
    return v * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def _to_kib(v, unit):
    return v * {"B": 1.0 / 1024, "KiB": 1.0, "MiB": 1024.0, "pages": 4.0}[unit]


def _med(v, name):
    xs = v.values.get(name)
    return stats.median(xs) if xs else None


def _named(exp, spec, convert, missing):
    """The figure's name when the records carry it with a unit we can
    convert, else None (and a line in missing saying why)."""
    name, how = spec
    f = exp.figures.get(name)
    if f is None:
        missing.append("`%s` is not in the records (%s)" % (name, how))
        return None
    try:
        convert(1.0, f.unit)
    except KeyError:
        missing.append("`%s` has unit '%s', which this section cannot convert" % (name, f.unit))
        return None
    return name


def fault_fit(exp):
    """Cross-check only: least-squares slope of sys seconds on faults over
    every run of the file (scipy), or None with why."""
    xs, ys = [], []
    for v in exp.variants:
        for key, s in v.by_run.get(records.SYS_S, {}).items():
            f = v.by_run.get(records.MINFLT, {}).get(key)
            if f is None:
                continue
            xs.append(f + v.by_run.get(records.MAJFLT, {}).get(key, 0.0))
            ys.append(s)
    fit = stats.linregress(xs, ys) if len(xs) >= 6 else None
    if fit and fit["slope"] > 0 and fit["p"] < 0.05 and fit["r2"] >= MIN_R2:
        return fit, ("measured: slope of sys time on faults over %d runs (%.2f us per fault, 95%% CI "
                     "%.2f..%.2f us, R^2 %.2f); it includes whatever else grows with faults"
                     % (fit["n"], fit["slope"] * 1e6, fit["ci"][0] * 1e6, fit["ci"][1] * 1e6, fit["r2"]))
    if fit is None:
        why = "faults do not vary across the runs" if len(xs) >= 6 else "fewer than 6 runs"
    else:
        why = ("the fit is not usable (slope %.2f us, p %.2g, R^2 %.2f)"
               % (fit["slope"] * 1e6, fit["p"], fit["r2"]))
    return None, "no usable slope of sys time on faults: %s" % why


SPLIT = (("alloc", "sim_alloc_instructions_per_op"), ("libc", "sim_libc_instructions_per_op"),
         ("workload", "sim_workload_instructions_per_op"), ("other", "sim_other_instructions_per_op"))
SHARE = "sim_alloc_instr_share"
NO_SPLIT = ("not computable: no allocator/workload instruction split was recorded for this variant "
            "(get one with `--engine=cachegrind`, or `harness analyze` without --no-cachegrind)")


def instruction_split(v):
    """The variant's allocator share of instructions and instructions per
    op by class (medians of its cachegrind runs), or None."""
    def get(name):
        return v.values.get(name) if v is not None else None
    if v is None or not get(SHARE):
        return None
    out = {"share": stats.median(get(SHARE)), "runs": len(get(SHARE))}
    for key, name in SPLIT:
        xs = get(name)
        out[key] = stats.median(xs) if xs else None
    return out


def _times(cost, count):
    """(median, p10, p90) seconds, or None when the cost is not measured."""
    return cost.times(count) if cost is not None and count is not None else None


def _split_row(row, split, user, total, fault_s, sys_):
    """Controllable share and ceilings from an instruction split."""
    row["split"] = split
    if split is None:
        row.update(alloc_instr_frac=None, controllable_share=None, share_basis=NO_SPLIT,
                   ceiling=None, ceiling_with_faults=None)
        return
    frac = min(1.0, max(0.0, split["share"]))
    row["alloc_instr_frac"] = frac
    ctrl = user * frac / total if total > 0 else None
    row["controllable_share"] = ctrl
    row["share_basis"] = ("user share of CPU x allocator share of the timed region's simulated "
                          "instructions (%.0f%%; the instruction share stands in for the time share, "
                          "an assumption: cache misses are not weighted)" % (frac * 100))
    row["ceiling"] = 1.0 / (1.0 - ctrl) if ctrl is not None and ctrl < 1 else None
    # if the allocator also avoided every page fault it causes (measured cost only)
    if fault_s is None or total <= 0:
        row["ceiling_with_faults"] = None
        return
    wide = (user * frac + min(fault_s, sys_)) / total
    row["ceiling_with_faults"] = 1.0 / (1.0 - wide) if wide < 1 else None


def _notes(exp):
    notes = []
    if any("probes" in r for r in exp.records):
        notes.append("eBPF probes were attached: they add to every page fault they count, so kernel time "
                     "includes that overhead.")
    short = [v.label for v in exp.variants
             if _med(v, records.USER_S) is not None and _med(v, records.SYS_S) is not None
             and _med(v, records.USER_S) + _med(v, records.SYS_S) < SHORT_RUN_S]
    if short:
        notes.append("rusage splits CPU time into user and kernel by timer ticks (a few ms each), so for "
                     "runs shorter than %.2f s of CPU (%s) the split is coarse; use more work per run "
                     "for a trustworthy split." % (SHORT_RUN_S, ", ".join(short[:4]) + (" ..." if len(short) > 4 else "")))
    return notes


def _variant_row(exp, v, names, costs, sim_v, notes):
    """One variant's row of the table (medians over its runs)."""
    fault_cost, _ = costs["fault"]
    thp_cost, thp_why = costs["thp"]
    user, sys_ = _med(v, records.USER_S), _med(v, records.SYS_S)
    row = {"variant": v.label, "user_s": user, "sys_s": sys_}
    if user is None or sys_ is None:
        row["missing"] = "no %s / %s in the records" % (records.USER_S, records.SYS_S)
        return row
    total = user + sys_
    row["kernel_share"] = sys_ / total if total > 0 else None
    tc = names["task_clock"]
    if tc:
        t = _med(v, tc)
        row["task_clock_s"] = _to_seconds(t, exp.figures[tc].unit) if t is not None else None
    faults = _med(v, records.MINFLT)
    if faults is not None:
        faults += _med(v, records.MAJFLT) or 0.0
    row["faults"] = faults
    huge = _med(v, names["thp"]) if names["thp"] else None
    if huge and faults is not None:
        # a THP fault maps (and clears) 2 MiB at once: costed as such, the rest as 4 KiB faults
        row["thp_faults"] = huge
        row["fault_s"] = _times(fault_cost, max(0.0, faults - huge))
        ts = _times(thp_cost, huge)
        if row["fault_s"] and ts:
            row["fault_s"] = tuple(a + b for a, b in zip(row["fault_s"], ts))
        elif row["fault_s"]:
            notes.append("%s: its %.0f THP fault(s) are not in the fault time: %s" % (v.label, huge, thp_why))
    else:
        row["fault_s"] = _times(fault_cost, faults)
    fs = row["fault_s"][0] if row["fault_s"] else None
    row["fault_share_of_sys"] = fs / sys_ if fs is not None and sys_ > 0 else None
    zero = names["zero"]
    if zero and _med(v, zero) is not None:
        row["zero_pages"] = _to_kib(_med(v, zero), exp.figures[zero].unit) / 4.0
        row["zero_s"] = _times(costs["zero"], row["zero_pages"])
    if names["tlb"]:
        row["tlb_flushes"] = _med(v, names["tlb"])
    _split_row(row, instruction_split(sim_v), user, total, fs, sys_)
    if fs is not None and fs > sys_ * 1.05 and sys_ >= 0.02:     # below that the tick note applies
        notes.append("%s: faults x the calibrated cost (%.3f s) exceeds the measured kernel time "
                     "(%.3f s): this variant's faults are cheaper than a first-touch fault on the "
                     "calibration run (e.g. fewer huge-page or zeroing costs)." % (v.label, fs, sys_))
    return row


def analyse(exp, sim=None):
    """Returns {"fault_cost", "zero_cost", "fit", "rows": [per-variant
    dict], "notes", "missing", "names"}.  sim: the cachegrind records'
    Experiment (the instruction split), or None; a results file of
    cachegrind runs only carries it in exp."""
    cal = calibration.Calibration(exp.records)
    fault_cost, fault_why = cal.cost(calibration.FAULT_4K)
    zero_cost, zero_why = cal.cost(calibration.CLEAR_PAGE)
    thp_cost, thp_why = cal.cost(calibration.FAULT_THP)
    fit, fit_how = fault_fit(exp)
    notes = _notes(exp)
    if cal.note:
        notes.append(cal.note)
    missing = []
    core = [n for n in (records.USER_S, records.SYS_S, records.MINFLT) if n not in exp.figures]
    if core:
        missing.append("core figure(s) %s not in the records: the rows below cannot be computed"
                       % ", ".join("`%s`" % n for n in core))
    tc = _named(exp, TASK_CLOCK, _to_seconds, missing)
    zero = _named(exp, ZEROED, _to_kib, missing)
    tlb = _named(exp, TLB, lambda v, u: v, missing)
    thp = _named(exp, THP, lambda v, u: v, missing)
    sim_by_label = {v.label: v for v in (sim.variants if sim else exp.variants)}
    costs = {"fault": (fault_cost, fault_why), "zero": zero_cost, "thp": (thp_cost, thp_why)}
    names = {"task_clock": tc, "zero": zero, "tlb": tlb, "thp": thp}
    rows = [_variant_row(exp, v, names, costs, sim_by_label.get(v.label), notes) for v in exp.variants]
    if fault_cost is None:
        missing.append("kernel time in faults: %s" % fault_why)
    if zero and zero_cost is None:
        missing.append("zeroing time: %s" % zero_why)
    if not any(r.get("split") for r in rows):
        missing.append("allocator vs workload instructions: no cachegrind runs with an instruction split "
                       "(hardware counters are not available here; run with `--engine=cachegrind`, or "
                       "`harness analyze` without --no-cachegrind): the controllable share and the Amdahl "
                       "ceiling are not computed")
    elif sim is not None:
        notes.append("The instruction split comes from separate runs under valgrind (engine cachegrind, "
                     "%d run(s) per variant, counting only the workload's timed region); their times are "
                     "not used anywhere else in this report." % max(len(v.runs) for v in sim.variants))
    return {"fault_cost": fault_cost, "fault_how": fault_cost.text() if fault_cost else fault_why,
            "zero_cost": zero_cost, "zero_how": zero_cost.text() if zero_cost else zero_why,
            "fit": fit, "fit_how": fit_how, "calibration": cal.host_text(),
            "rows": rows, "notes": notes, "missing": missing,
            "names": {"task_clock": tc, "zero": zero, "tlb": tlb,
                      "split": any(r.get("split") for r in rows)}}
