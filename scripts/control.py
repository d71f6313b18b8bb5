"""control.py - controllability analysis: where the time goes, and how much
of it a user-space allocator change could ever win back.

Per variant (medians over its ok runs):

  user / kernel CPU seconds      rusage of the whole workload process
                                 (start-up and the workload's warm-up
                                 included, so shares are of the process)
  task-clock                     when a counters metric carries it
  page faults                    rusage minflt + majflt
  kernel time in faults          faults x cost per fault.  The cost is
                                 measured when possible: the slope of a
                                 least-squares fit of sys seconds on faults
                                 across every run of the file, used when
                                 the slope is positive, significant
                                 (p < 0.05) and explains the data
                                 (R^2 >= 0.5).  Otherwise machine.md's
                                 figure (1-2 us per fault in this VM; we
                                 use 1.5 us) is used and labelled an
                                 assumption.
  zeroing                        bytes zeroed and the probes' time estimate
                                 when recorded; without the estimate, time =
                                 bytes / zeroing bandwidth measured on this
                                 machine by the report (labelled estimate)
  TLB flushes                    a count when probes carry it; no cost per
                                 flush can be measured here (no PMU)
  instruction split              from the variant's cachegrind runs
                                 (--engine=cachegrind, or analyze's
                                 default pass; never pooled with native
                                 runs): the timed region's simulated
                                 instructions per op in allocator, libc,
                                 workload and other code, and the
                                 allocator's share of them
  controllable share             user share of CPU time x allocator share
                                 of instructions.  The instruction share
                                 stands in for the time share: an
                                 assumption, since cache misses and other
                                 stalls are not weighted.  Without a split
                                 it is not computed (counting all user time
                                 as the allocator's gave absurd ceilings).
  Amdahl ceiling                 1 / (1 - controllable share): the largest
                                 speed-up removing all of it could give

This is the seed report's "11.65% visible is not controllable overhead"
lesson, computed instead of guessed.
"""

import time

import numpy as np

import stats

ASSUMED_FAULT_COST_S = 1.5e-6      # machine.md: "page faults cost about 1-2 us each in this VM"
MIN_R2 = 0.5
SHORT_RUN_S = 0.25                 # below this the tick-based user/sys split is coarse


def _find(exp, *words, exclude=()):
    """First figure whose name contains all words (case-insensitive)."""
    for name in exp.figures:
        n = name.lower()
        if all(w in n for w in words) and not any(x in n for x in exclude):
            return name
    return None


def _to_seconds(v, unit):
    u = (unit or "").split("(")[0].strip().lower()     # "ms (estimate)" -> "ms"
    return v * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "msec": 1e-3}.get(u, 1.0)


def _to_bytes(v, unit):
    u = (unit or "").strip().lower()
    if u in ("pages", "page", "4k pages"):
        return v * 4096
    return v * {"b": 1, "bytes": 1, "kib": 1024, "kb": 1024, "mib": 1 << 20, "mb": 1 << 20,
                "gib": 1 << 30}.get(u, 1)


def _med(v, name):
    xs = v.values.get(name)
    return stats.median(xs) if xs else None


_ZERO_BW = None


def zeroing_bandwidth():
    """Bytes per second at which this machine zeroes hot memory (best of
    five fills of a 32 MiB buffer); measured once per report."""
    global _ZERO_BW
    if _ZERO_BW is None:
        buf = np.ones(32 << 20, dtype=np.uint8)
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            buf.fill(0)
            best = min(best, time.perf_counter() - t)
        _ZERO_BW = buf.nbytes / best
    return _ZERO_BW


def fault_cost(exp):
    """Cost per fault in seconds and how it was obtained."""
    xs, ys = [], []
    for v in exp.variants:
        for r in v.runs:
            ru = r.get("rusage") or {}
            try:
                f = float(ru.get("minflt", 0)) + float(ru.get("majflt", 0))
                s = float(ru["sys_s"])
            except (KeyError, TypeError, ValueError):
                continue
            xs.append(f)
            ys.append(s)
    fit = stats.linregress(xs, ys) if len(xs) >= 6 else None
    if fit and fit["slope"] > 0 and fit["p"] < 0.05 and fit["r2"] >= MIN_R2:
        return {"seconds": fit["slope"], "measured": True, "fit": fit,
                "how": "measured: slope of sys time on faults over %d runs "
                       "(%.2f us per fault, 95%% CI %.2f..%.2f us, R^2 %.2f)"
                       % (fit["n"], fit["slope"] * 1e6, fit["ci"][0] * 1e6, fit["ci"][1] * 1e6, fit["r2"])}
    if fit is None:
        why = "faults do not vary across the runs" if len(xs) >= 6 else "fewer than 6 runs"
    else:
        why = ("the fit of sys time on faults is not usable (slope %.2f us, p %.2g, R^2 %.2f)"
               % (fit["slope"] * 1e6, fit["p"], fit["r2"]))
    return {"seconds": ASSUMED_FAULT_COST_S, "measured": False, "fit": fit,
            "how": "assumed %.1f us per fault (machine.md: 1-2 us in this VM), because %s"
                   % (ASSUMED_FAULT_COST_S * 1e6, why)}


SPLIT = (("alloc", "sim_alloc_instructions_per_op"), ("libc", "sim_libc_instructions_per_op"),
         ("workload", "sim_workload_instructions_per_op"), ("other", "sim_other_instructions_per_op"))
SHARE = "sim_alloc_instr_share"
NO_SPLIT = ("not computable: no allocator/workload instruction split was recorded for this variant "
            "(get one with `--engine=cachegrind`, or `harness analyze` without --no-cachegrind)")


def instruction_split(v):
    """The variant's allocator share of instructions and instructions per
    op by class (medians of its cachegrind runs), or None."""
    def get(name):      # records.py names a record's metrics "metrics.NAME"
        return v.values.get("metrics." + name) or v.values.get(name)
    if v is None or not get(SHARE):
        return None
    out = {"share": stats.median(get(SHARE)), "runs": len(get(SHARE))}
    for key, name in SPLIT:
        xs = get(name)
        out[key] = stats.median(xs) if xs else None
    return out


def analyse(exp, sim=None):
    """Returns {"cost": fault_cost, "rows": [per-variant dict], "notes": [...]}.
    sim: the cachegrind records' Experiment (the instruction split), or
    None; a results file of cachegrind runs only carries it in exp."""
    cost = fault_cost(exp)
    notes = []
    tc = _find(exp, "task", "clock")
    zero_t = _find(exp, "zero", "time")          # the probes' own estimate, when recorded
    zero = _find(exp, "zero", exclude=("time", "per_kop", "/"))
    tlb = _find(exp, "tlb", exclude=("per_kop",))
    sim_by_label = {v.label: v for v in (sim.variants if sim else exp.variants)}
    probes_on = any("probes" in r for r in exp.records)
    if probes_on:
        notes.append("eBPF probes were attached: they add about 0.6 us to every page fault "
                     "(machine.md), so kernel time and the cost per fault include that overhead.")
    short = [v.label for v in exp.variants
             if _med(v, "user_s") is not None and _med(v, "user_s") + _med(v, "sys_s") < SHORT_RUN_S]
    if short:
        notes.append("rusage splits CPU time into user and kernel by timer ticks (a few ms each), so for "
                     "runs shorter than %.2f s of CPU (%s) the split is coarse; use more work per run "
                     "for a trustworthy split." % (SHORT_RUN_S, ", ".join(short[:4]) + (" ..." if len(short) > 4 else "")))
    rows = []
    for v in exp.variants:
        user = _med(v, "user_s")
        sys_ = _med(v, "sys_s")
        row = {"variant": v.label, "user_s": user, "sys_s": sys_}
        if user is None or sys_ is None:
            row["missing"] = "no rusage in the records"
            rows.append(row)
            continue
        total = user + sys_
        row["kernel_share"] = sys_ / total if total > 0 else None
        if tc:
            t = _med(v, tc)
            row["task_clock_s"] = _to_seconds(t, exp.figures[tc].unit) if t is not None else None
        faults = (_med(v, "minflt") or 0.0) + (_med(v, "majflt") or 0.0)
        row["faults"] = faults
        row["fault_s"] = faults * cost["seconds"]
        row["fault_share_of_sys"] = row["fault_s"] / sys_ if sys_ > 0 else None
        if zero:
            z = _med(v, zero)
            row["zero_bytes"] = _to_bytes(z, exp.figures[zero].unit) if z is not None else None
        if zero_t and _med(v, zero_t) is not None:
            row["zero_s"] = _to_seconds(_med(v, zero_t), exp.figures[zero_t].unit)
            row["zero_how"] = "probes' estimate (fault-to-zeroed-page time; an upper bound)"
        elif row.get("zero_bytes") is not None:
            row["zero_s"] = row["zero_bytes"] / zeroing_bandwidth()
            row["zero_how"] = "zeroed bytes / zeroing bandwidth measured by the report on this machine"
        if tlb:
            row["tlb_flushes"] = _med(v, tlb)
        split = instruction_split(sim_by_label.get(v.label))
        row["split"] = split
        if split is None:
            row["alloc_instr_frac"] = None
            row["controllable_share"] = None
            row["share_basis"] = NO_SPLIT
            row["ceiling"] = None
            row["ceiling_with_faults"] = None
        else:
            frac = min(1.0, max(0.0, split["share"]))
            row["alloc_instr_frac"] = frac
            ctrl = user * frac / total if total > 0 else None
            row["controllable_share"] = ctrl
            row["share_basis"] = ("user share of CPU x allocator share of the timed region's simulated "
                                  "instructions (%.0f%%; the instruction share stands in for the time share, "
                                  "an assumption: cache misses are not weighted)" % (frac * 100))
            row["ceiling"] = 1.0 / (1.0 - ctrl) if ctrl is not None and ctrl < 1 else None
            # if the allocator also avoided every page fault it causes
            wide = (user * frac + min(row["fault_s"], sys_)) / total if total > 0 else None
            row["ceiling_with_faults"] = 1.0 / (1.0 - wide) if wide is not None and wide < 1 else None
        if row["fault_s"] > sys_ * 1.05 and sys_ >= 0.02:     # below that the tick note applies
            notes.append("%s: faults x cost per fault (%.3f s) exceeds the measured kernel time "
                         "(%.3f s): the cost per fault overestimates this variant's faults "
                         "(e.g. huge-page faults cost differently)." % (v.label, row["fault_s"], sys_))
        rows.append(row)
    missing = []
    if not tc:
        missing.append("task-clock: no counters metric recorded (run with --counters)")
    if not zero and not zero_t:
        missing.append("zeroing: no probe metric for zeroed pages recorded (run with --probes)")
    if not tlb:
        missing.append("TLB flushes: no probe metric recorded (run with --probes)")
    if not any(r.get("split") for r in rows):
        missing.append("allocator vs workload instructions: no cachegrind runs with an instruction split "
                       "(hardware counters are not available here; run with `--engine=cachegrind`, or "
                       "`harness analyze` without --no-cachegrind): the controllable share and the Amdahl "
                       "ceiling are not computed")
    elif sim is not None:
        notes.append("The instruction split comes from separate runs under valgrind (engine cachegrind, "
                     "%d run(s) per variant, counting only the workload's timed region); their times are "
                     "not used anywhere else in this report." % max(len(v.runs) for v in sim.variants))
    return {"cost": cost, "rows": rows, "notes": notes, "missing": missing,
            "names": {"task_clock": tc, "zero": zero or zero_t, "tlb": tlb,
                      "split": any(r.get("split") for r in rows)}}
