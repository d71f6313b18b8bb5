"""discoveries.py - the "Key discoveries" and "Conclusion" sentences of a
report, each generated from the numbers of this experiment.  Nothing here
is canned: a sentence exists only when its data does, and every number in
it comes from the comparisons or the controllability analysis.
"""

import stats
import verdict

NOISY_SPREAD = 0.10
PRIORITY = ("task_clock", "user_s", "sys_s", "fault", "zero", "tlb", "thp", "huge", "rss", "instr")


def _pct(x):
    return verdict.pct(x)


def key_discoveries(exp, comps, ctrl, alpha=verdict.ALPHA):
    """comps: {variant label: [Comparison]}; ctrl: control.analyse().
    Returns a list of Markdown sentences."""
    out = []
    base = exp.baseline
    tput = {lab: next((c for c in cs if c.figure.name == "ops_per_sec"), None) for lab, cs in comps.items()}
    tput = {lab: c for lab, c in tput.items() if c is not None and c.change is not None}

    # 1. throughput: the largest claimed effects, or that there are none
    sig = sorted([(lab, c) for lab, c in tput.items() if c.significant], key=lambda x: -abs(x[1].change))
    if sig:
        best = max(sig, key=lambda x: x[1].change)
        worst = min(sig, key=lambda x: x[1].change)
        if best[1].change > 0:
            out.append("**Fastest against the baseline:** `%s` is %s than `%s`."
                       % (best[0], best[1].text(), base.label))
        if worst[1].change < 0:
            out.append("**Slowest against the baseline:** `%s` is %s than `%s`."
                       % (worst[0], worst[1].text(), base.label))
    elif tput:
        out.append("**No variant's throughput differs measurably from `%s`** (%d compared; the largest "
                   "difference is %s for `%s`, not significant)."
                   % (base.label, len(tput), _pct(max(tput.values(), key=lambda c: abs(c.change)).change),
                      max(tput.items(), key=lambda x: abs(x[1].change))[0]))

    # 2. variants whose throughput did not move
    flat = [lab for lab, c in tput.items() if not c.significant]
    if flat and sig:
        out.append("**No measurable throughput effect:** %s." % ", ".join(
            "`%s` (%s)" % (lab, _pct(tput[lab].change)) for lab in flat))

    # 3. other figures that moved although throughput did not (e.g. prefault
    # moving faults out of the timed region but not out of the process)
    moved = []
    for lab, cs in comps.items():
        t = tput.get(lab)
        names = {c.figure.name for c in cs}
        for c in cs:
            if c.figure.name == "ops_per_sec" or not c.significant or c.change is None:
                continue
            if c.figure.name.endswith("_per_kop") and c.figure.name[:-8] in names:
                continue        # the same count per 1K ops says nothing new
            moved.append((abs(c.change), lab, c, t))
    # the figures that explain time first (CPU time, faults, zeroing, TLB,
    # memory), call counts last; one sentence per variant
    def rank(c):
        n = c.figure.name.lower()
        return next((i for i, w in enumerate(PRIORITY) if w in n), len(PRIORITY))
    moved.sort(key=lambda x: (rank(x[2]), -x[0]))
    seen = set()
    picked = []
    for m in moved:
        if m[1] not in seen:
            seen.add(m[1])
            picked.append(m)
    for _, lab, c, t in picked[:5]:
        tail = ""
        if t is not None and not t.significant:
            tail = ", while its throughput shows no measurable effect"
        out.append("**%s:** `%s` against `%s`: %s%s." % (c.figure.label, lab, base.label, c.text(), tail))

    # 4. the kernel share and what the faults explain
    rows = {r["variant"]: r for r in ctrl["rows"]}
    b = rows.get(base.label) if base else None
    if b and b.get("kernel_share") is not None:
        s = ("**Kernel share:** %.0f%% of `%s`'s CPU time is kernel time (%.3f s of %.3f s)"
             % (b["kernel_share"] * 100, base.label, b["sys_s"], b["sys_s"] + b["user_s"]))
        if b.get("fault_share_of_sys") is not None and b["sys_s"] > 0:
            share = b["fault_share_of_sys"]
            s += ("; %.0f page faults x %.2f us (%s) %s"
                  % (b["faults"], ctrl["cost"]["seconds"] * 1e6,
                     "measured" if ctrl["cost"]["measured"] else "assumed",
                     ("explain about %.0f%% of it" % (share * 100)) if share <= 1.05 else
                     "come to more than the measured kernel time (see the notes under Controllability)"))
        out.append(s + ".")
    # 5. the ceiling next to the largest measured gain
    if b and b.get("ceiling") is not None:
        gains = [c.change for c in tput.values() if c.significant and c.change > 0]
        s = ("**Ceiling:** removing all of the controllable share (%.0f%% of CPU time; %s) would make `%s` "
             "at most %.2fx as fast (Amdahl)"
             % (b["controllable_share"] * 100, b["share_basis"], base.label, b["ceiling"]))
        if gains:
            s += "; the largest measured gain is %s" % _pct(max(gains))
        else:
            s += "; no variant measurably gained"
        out.append(s + ".")

    elif b and b.get("split") is None and b.get("kernel_share") is not None:
        out.append("**Ceiling:** not computable for `%s`: without an allocator/workload instruction split, "
                   "user time cannot be divided between allocator and workload code (run `--engine=cachegrind`, "
                   "or `harness analyze` without --no-cachegrind)." % base.label)

    # 6. too few runs to claim anything
    if any(c.too_few_runs for c in tput.values()):
        n = min(min(c.n_base, c.n_other) for c in tput.values())
        out.append("**Too few runs:** with %d runs per variant the exact rank test cannot reach p < %.2f, "
                   "so no effect can be claimed; use `--runs 5` or more." % (n, alpha))

    # 7b. is the noise preemption?  Runs slower than their variant's median
    # against involuntary context switches, pooled over all variants.
    rel, sw = [], []
    for v in exp.variants:
        xs = v.values.get("ops_per_sec")
        if not xs or len(xs) < 3:
            continue
        m = stats.median(xs)
        for r in v.runs:
            ru = r.get("rusage") or {}
            if isinstance(r.get("ops_per_sec"), (int, float)) and isinstance(ru.get("nivcsw"), (int, float)) and m:
                rel.append(r["ops_per_sec"] / m)
                sw.append(ru["nivcsw"])
    if len(rel) >= 10 and len(set(sw)) > 1:
        from scipy.stats import spearmanr
        rho, p = spearmanr(rel, sw)
        if p < alpha and rho < 0:
            preempt = ("**Noise source:** runs that were preempted more often were slower (Spearman rho %.2f, "
                       "p %.2g, %d runs): other processes competed for the CPUs; CPU-time figures "
                       "(user, task-clock) are less affected than throughput." % (rho, p, len(rel)))
        else:
            preempt = None
    else:
        preempt = None

    # 7. noisy variants, in one sentence
    noisy = []
    for v in exp.variants:
        xs = v.values.get("ops_per_sec")
        if xs and len(xs) >= 3:
            m = stats.median(xs)
            spread = (max(xs) - min(xs)) / m if m else 0
            if spread > NOISY_SPREAD:
                noisy.append((spread, v.label))
    if noisy:
        noisy.sort(reverse=True)
        out.append("**Noisy:** throughput spans more than %.0f%% of its median (max - min) in %d of %d variants "
                   "(widest: %s); effects smaller than that need more runs to be seen."
                   % (NOISY_SPREAD * 100, len(noisy), len(exp.variants),
                      ", ".join("`%s` %.0f%%" % (lab, sp * 100) for sp, lab in noisy[:3])))
    if preempt:
        out.append(preempt)
    return out


def conclusion(exp, comps, ctrl):
    base = exp.baseline
    tput = {lab: next((c for c in cs if c.figure.name == "ops_per_sec"), None) for lab, cs in comps.items()}
    better = [lab for lab, c in tput.items() if c is not None and c.direction == "better"]
    worse = [lab for lab, c in tput.items() if c is not None and c.direction == "worse"]
    flat = [lab for lab, c in tput.items() if c is not None and not c.significant]
    parts = []
    parts.append("Against `%s`, %d variant(s) are measurably faster%s, %d measurably slower%s and %d show "
                 "no measurable throughput effect."
                 % (base.label, len(better), (" (" + ", ".join("`%s`" % x for x in better) + ")") if better else "",
                    len(worse), (" (" + ", ".join("`%s`" % x for x in worse) + ")") if worse else "", len(flat)))
    b = next((r for r in ctrl["rows"] if r["variant"] == base.label), None)
    if b and b.get("ceiling") is not None:
        parts.append("Kernel time is %.0f%% of the baseline's CPU time and the allocator runs %.0f%% of its "
                     "(simulated) instructions; a user-space allocator change can gain at most %.2fx here "
                     "(instruction share taken as time share), more only by causing fewer page faults "
                     "(up to %.2fx if every fault went away)." % (b["kernel_share"] * 100, b["alloc_instr_frac"] * 100,
                                                                  b["ceiling"], b["ceiling_with_faults"] or float("nan")))
    elif b and b.get("kernel_share") is not None:
        parts.append("Kernel time is %.0f%% of the baseline's CPU time; how much of the user time is the "
                     "allocator's is not known without an instruction split, so no ceiling is given."
                     % (b["kernel_share"] * 100))
    return " ".join(parts)
