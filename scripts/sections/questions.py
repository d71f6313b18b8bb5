"""questions.py - The seed report's questions, answered from this file's
data (issue 14): one generated sentence each, with its verdict and CI, or
"not measurable here" with the reason.  Nothing here measures or assumes:
every figure comes from the comparisons (verdict.py), the controllability
analysis (control.py) or the file's --engine=tlb records."""

import statistics

import verdict


def _one_knob(ctx, word):
    """Variants of the baseline's allocator that differ from the baseline
    in exactly one knob whose name contains word: [(variant, knob)]."""
    base = ctx.base
    out = []
    for v in ctx.exp.variants[1:]:
        if (v.alloc or {}).get("name") != (base.alloc or {}).get("name"):
            continue
        diff = [k for k in set(v.knobs) | set(base.knobs) if v.knobs.get(k) != base.knobs.get(k)]
        if len(diff) == 1 and word in diff[0].upper():
            out.append((v, diff[0]))
    return out


def _setting(v, knob):
    return "%s=%s" % (knob, v.knobs.get(knob, "(unset)"))


def prefault(ctx):
    q = "**Does prefault help, and by how much?** "
    vs = _one_knob(ctx, "PREFAULT")
    if not vs:
        return q + ("Not measurable here: no variant of `%s` changes only a prefault knob "
                    "(`harness analyze` or `harness ab --vary NAME_PREFAULT=0,1` makes one)." % ctx.base.label)
    parts = []
    for v, knob in vs:
        c = ctx.w.throughput(v.label)
        parts.append("with %s against %s, %s is %s" % (_setting(v, knob), _setting(ctx.base, knob),
                                                       ctx.primary_label(), c.text() if c else "not compared"))
    return q + "; ".join(parts) + "."


def _base_row(ctx):
    return next((r for r in ctx.w.ctrl["rows"] if r["variant"] == ctx.base.label), None)


def alloc_share(ctx):
    q = "**What share of CPU is the allocator's own code?** "
    b = _base_row(ctx)
    if not b or b.get("alloc_instr_frac") is None:
        return q + ("Not measurable here: this file has no instruction split of `%s` (no --engine=cachegrind "
                    "run: `harness analyze` adds one unless --no-cachegrind)." % ctx.base.label)
    s = ("`%s` spends %.1f%% of its simulated instructions of the timed region in the allocator "
         "(one deterministic callgrind run: no CI)" % (ctx.base.label, b["alloc_instr_frac"] * 100))
    if b.get("controllable_share") is not None:
        s += ("; weighted by the user share of CPU time, about %.1f%% of its CPU time "
              "(instruction share taken as time share)" % (b["controllable_share"] * 100))
    return q + s + "."


def _tlb_records(ctx):
    name = ctx.exp.records[0].get("workload") if ctx.exp.records else None
    return [r for r in ctx.an.all_records
            if r.get("engine") == "tlb" and r.get("workload") == name and r.get("status") == "ok"
            and isinstance(r.get("tlb"), dict) and "regions" in r["tlb"]]


def _median_metric(recs, name):
    vals = [r["metrics"][name]["value"] for r in recs
            if isinstance(r.get("metrics", {}).get(name), dict) and "value" in r["metrics"][name]]
    return statistics.median(vals) if vals else None


MEASURED_DTLB = "dtlb_load_misses_per_kop"     # perf's dTLB-load-misses (counters collector)


def _measured_dtlb(ctx, sim):
    """The PMU's dTLB load misses of this workload's native runs, per
    variant, beside the simulated L1 misses (`sim`: label -> records) where
    the same variant has both; the reason where the counter was recorded
    but could not be read; None when no run asked for it."""
    name = ctx.exp.records[0].get("workload") if ctx.exp.records else None
    native = [r for r in ctx.an.all_records if r.get("engine", "native") == "native"
              and r.get("workload") == name and r.get("status") == "ok"
              and isinstance(r.get("metrics", {}).get(MEASURED_DTLB), dict)]
    if not native:
        return None
    by = {}
    for r in native:
        by.setdefault(r.get("variant"), []).append(r)
    parts, reasons = [], set()
    for label, rs in by.items():
        m = _median_metric(rs, MEASURED_DTLB)
        if m is None:
            reasons.add(rs[0]["metrics"][MEASURED_DTLB].get("status", "no value"))
            continue
        text = "`%s` %.3g per 1K ops (median of %d runs)" % (label, m, len(rs))
        simulated = _median_metric(sim.get(label, []), "tlb_l1_misses_per_kop")
        if simulated is not None:
            text += " against %.3g simulated L1 misses" % simulated
        parts.append(text)
    if parts:
        return "Measured by the PMU (`%s`): %s." % (MEASURED_DTLB, "; ".join(parts))
    return "The measured counter `%s` was recorded but has no value: %s." % (MEASURED_DTLB, "; ".join(sorted(reasons)))


def tlb(ctx):
    q = "**Where do TLB misses come from, and does THP reduce the allocator's share?** "
    recs = _tlb_records(ctx)
    sim = {}
    for r in recs:
        sim.setdefault(r.get("variant"), []).append(r)
    measured = _measured_dtlb(ctx, sim)
    if not recs:
        if measured and measured.startswith("Measured"):
            return q + measured + (" Where they come from is not in the file: it has no `--engine=tlb` records "
                                   "of this workload (`harness run WORKLOAD --alloc=... --engine=tlb`).")
        return q + ("Not measurable here: this machine has no hardware PMU to count TLB misses, and the file "
                    "has no `--engine=tlb` records of this workload (the simulated TLB: "
                    "`harness run WORKLOAD --alloc=... --engine=tlb`).") + (" " + measured if measured else "")
    by = {}
    for r in recs:
        by.setdefault(r.get("variant"), []).append(r)
    parts = []
    for label, rs in by.items():
        regions = rs[0]["tlb"]["regions"]
        walks = {g: statistics.median(x["tlb"]["regions"][g]["walks"] for x in rs) for g in regions}
        total = sum(walks.values())
        if total <= 0:
            parts.append("`%s`: no page walk in the timed region" % label)
            continue
        top = sorted(walks.items(), key=lambda kv: -kv[1])[:2]
        parts.append("`%s`: %s of the walks" % (label, ", ".join("%.0f%% in %s" % (100.0 * w / total, g)
                                                                  for g, w in top if w > 0)))
    args = " ".join(str(a) for a in (recs[0].get("args") or []))
    s = q + "Simulated (%s model, %d run(s) of `%s%s` under --engine=tlb, deterministic: no CI): " % (
        recs[0]["tlb"].get("model", {}).get("name", "?"), len(recs), recs[0].get("workload"),
        " " + args if args else "") + "; ".join(parts) + "."
    thp = [(label, rs) for label, rs in by.items() if any("THP" in k.upper() for k in (rs[0].get("knobs") or {}))]
    if len(thp) >= 2:
        shares = ["`%s` %.0f%%" % (label, 100 * _median_metric(rs, "tlb_allocator_walk_share"))
                  for label, rs in thp if _median_metric(rs, "tlb_allocator_walk_share") is not None]
        s += " The allocator's share of the walks by THP setting: " + ", ".join(shares) + "."
    else:
        s += " Whether THP reduces it is not measurable from this file: it has no --engine=tlb runs that vary a THP knob."
    if measured:
        s += " " + measured
    return s


def zeroing(ctx):
    q = "**Is page zeroing controllable from user space?** "
    zero = ctx.w.ctrl["names"].get("zero")
    if not zero:
        return q + "Not measurable here: no zeroed-pages figure in the records (the `zero` probe group did not run)."
    moved, other = [], []
    for v in ctx.exp.variants[1:]:
        c = next((c for c in ctx.w.comps.get(v.label, []) if c.figure.name == zero), None)
        if c is not None:
            (moved if c.significant and c.verdict is not None else other).append("`%s`: %s" % (v.label, c.text()))
    if moved:
        return q + ("Yes, through the allocator's settings: zeroed memory (`%s`) changes with %s."
                    % (zero, "; ".join(moved)))
    if other:
        return q + ("Not shown by this file: no variant's zeroed memory (`%s`) is claimed to differ from the "
                    "baseline's: %s." % (zero, "; ".join(other)))
    return q + "Not measurable here: no variant was compared with the baseline on `%s`." % zero


def ceiling(ctx):
    q = "**What is the ceiling on any allocator change?** "
    b = _base_row(ctx)
    if not b or not b.get("ceiling"):
        return q + ("Not measurable here: the ceiling needs the allocator's share of the instructions "
                    "(a cachegrind run) and the user/kernel split of `%s`." % ctx.base.label)
    s = ("Making `%s`'s allocator code free would speed the whole run up by at most %.2fx "
         "(Amdahl, from the controllable share %.1f%%)" % (ctx.base.label, b["ceiling"], b["controllable_share"] * 100))
    if b.get("ceiling_with_faults"):
        s += ", %.2fx if every page fault went away too (at the calibrated fault cost)" % b["ceiling_with_faults"]
    return q + s + "."


QUESTIONS = (prefault, alloc_share, tlb, zeroing, ceiling)


def seed_questions(ctx):
    """Only in analyze reports: the section answers the seed report's
    questions, which an A/B of two allocators does not ask."""
    if not ctx.exp.records or ctx.exp.records[0].get("experiment") != "analyze" or ctx.w.all_failed:
        return []
    L = [ctx.h(2, "The seed report's questions, answered from this file"), ""]
    L += ["- " + f(ctx) for f in QUESTIONS]
    L += ["", "Verdicts as in the tables above (\u00b1%g%% margin, alpha %.2f, corrected); simulated figures "
          "are the model's, not this CPU's." % (ctx.an.margin * 100, verdict.ALPHA), ""]
    return L
