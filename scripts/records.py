"""records.py - read a results file (docs/record-format.md) into variants
and per-run figures.

A results file is JSON Lines, one object per counted run.  Lines that do
not parse, are not objects or lack the fields every record has are skipped
and listed (line number and why), and the rest is used: a crashed or
truncated run must not cost the whole experiment.

A *figure* is one per-run scalar, and figures are read from the record's
"metrics" only (schema 2): each entry carries its unit, its better
direction ("higher", "lower", "neither") and a one-line description,
written by the collector that produced it.  Nothing here guesses a
direction or finds a figure by a part of its name.  Schema-1 records
(which predate the direction) are read too, their figures without a
direction, so no verdict is given on them.  A figure a run could not
measure carries the reason instead of a value; it is never read as 0.

Records of different workloads are never pooled: workload_groups() splits
a file by workload (and its arguments) first.
"""

import gzip
import json
import math

REQUIRED = ("variant", "status")


class Skipped:
    def __init__(self, line, reason, text):
        self.line = line
        self.reason = reason
        self.text = text

    def __str__(self):
        return "line %d: %s" % (self.line, self.reason)


def load(path):
    """Returns (records, skipped).  Each record gets "_line" (1-based)."""
    records, skipped = [], []
    opener = gzip.open if path.endswith(".gz") else open      # committed examples are gzipped
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for no, line in enumerate(f, 1):
            text = line.strip()
            if not text:
                continue
            try:
                rec = json.loads(text)
            except ValueError as e:
                why = "not valid JSON (%s)" % e.msg
                if not line.endswith("\n"):
                    why = "truncated last line (%s)" % e.msg
                skipped.append(Skipped(no, why, text[:80]))
                continue
            if not isinstance(rec, dict):
                skipped.append(Skipped(no, "not a JSON object", text[:80]))
                continue
            missing = [k for k in REQUIRED if k not in rec]
            if missing:
                skipped.append(Skipped(no, "missing field(s) %s" % ", ".join(missing), text[:80]))
                continue
            rec["_line"] = no
            records.append(rec)
    return records, skipped


def split_engines(records):
    """(native records, cachegrind records).  Cachegrind (and tlb) runs are valgrind's
    simulation: their times are tens of times slower and their figures
    (simulated instruction and miss counts) are a different kind, so they
    are never pooled with native runs of the same variant.  A file with
    only cachegrind records is reported as it is (the first list)."""
    sim = [r for r in records if r.get("engine") == "cachegrind"]
    # --engine=tlb runs are under valgrind too: never pooled with native
    # runs either; they feed only the TLB answer of the report
    # (sections/questions.py), unless they are all the file holds.
    tlb = [r for r in records if r.get("engine") == "tlb"]
    native = [r for r in records if r.get("engine") not in ("cachegrind", "tlb")]
    if not native:
        return (tlb, sim) if tlb else (sim, [])
    return native, sim


def workload_key(rec):
    """What makes two records the same workload: its name, the --cmd
    string, and its arguments."""
    return (str(rec.get("workload", "?")), str(rec.get("cmd") or ""),
            " ".join(str(a) for a in (rec.get("args") or [])))


def workload_groups(records):
    """[(label, records)] in file order, one per workload (and arguments).
    The label is the workload's name, with its arguments when the file
    holds that workload with different arguments."""
    groups = {}
    for r in records:
        groups.setdefault(workload_key(r), []).append(r)
    names = [k[0] for k in groups]
    out = []
    for k, recs in groups.items():
        label = "cmd: %s" % k[1] if k[0] == "cmd" else k[0]
        if names.count(k[0]) > 1 and k[2]:
            label += " " + k[2]
        out.append((label, recs))
    return out


def invocations(records):
    """Invocation ids in file order."""
    seen = []
    for r in records:
        inv = r.get("invocation")
        if inv not in seen:
            seen.append(inv)
    return seen


# ------------------------------------------------------------------ figures

BETTER = ("higher", "lower", "neither")
NO_DIRECTION = "record predates schema 2: no direction"

# The core figures every schema-2 record carries in "metrics" (contract:
# the C harness writes them; docs/record-format.md).  Sections that need
# one by name look it up here, and say so when it is absent.
THROUGHPUT = "ops_per_sec"
TIMED_S = "timed_s"
WALL_S = "wall_s"
USER_S = "rusage_user_s"
SYS_S = "rusage_sys_s"
MAXRSS_KIB = "rusage_maxrss_kib"
MINFLT = "rusage_minflt"
MAJFLT = "rusage_majflt"
NIVCSW = "rusage_nivcsw"

# Schema-1 records kept these figures outside "metrics".  They are read
# into the same names, WITHOUT a direction: a verdict needs the "better"
# that only schema 2 records carry, and nothing here guesses it.
_SCHEMA1_TOP = ((THROUGHPUT, "ops_per_sec", "ops/s"), (TIMED_S, "seconds", "s"), (WALL_S, "wall_s", "s"))
_SCHEMA1_RUSAGE = ((USER_S, "user_s", "s"), (SYS_S, "sys_s", "s"), (MAXRSS_KIB, "maxrss_kb", "KiB"),
                   (MINFLT, "minflt", "faults"), (MAJFLT, "majflt", "faults"),
                   ("rusage_nvcsw", "nvcsw", "switches"), (NIVCSW, "nivcsw", "switches"))


class Figure:
    """One per-run figure as its collector described it: unit, which
    direction is better ("higher", "lower", "neither"; None when the
    record did not say) and a one-line description."""

    def __init__(self, name, unit, better, desc="", step=None):
        self.name = name
        self.label = name
        self.unit = unit or ""
        # the step the figure moves in (a timer's resolution), None when
        # the record states none: equivalence finer than it is not claimed
        self.step = step if _num(step) is not None and step > 0 else None
        self.better = better if better in BETTER else None
        self.desc = desc or ""
        self.why_no_direction = None if self.better else (
            NO_DIRECTION if better is None else "the record's direction %r is not one of %s" % (better, "/".join(BETTER)))

    def __repr__(self):
        return "Figure(%s)" % self.name


def _num(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if not math.isfinite(v):
        return None
    return float(v)


def metrics_of(rec):
    """The record's metrics as {name: entry}.  A schema-1 record's core
    figures (top level and rusage) are added under the schema-2 names,
    without a direction."""
    ms = rec.get("metrics") if isinstance(rec.get("metrics"), dict) else {}
    ms = {k: m for k, m in ms.items() if isinstance(m, dict)}
    if rec.get("schema", 1) >= 2:
        return ms
    out = {}
    ru = rec.get("rusage") if isinstance(rec.get("rusage"), dict) else {}
    for name, key, unit in _SCHEMA1_TOP:
        if _num(rec.get(key)) is not None:
            out[name] = {"value": rec[key], "unit": unit}
    for name, key, unit in _SCHEMA1_RUSAGE:
        if _num(ru.get(key)) is not None:
            out[name] = {"value": ru[key], "unit": unit}
    for k, m in ms.items():
        out[k] = {kk: vv for kk, vv in m.items() if kk != "better"}
    return out


def run_figures(rec):
    """{name: value or "not supported: reason"} for one record, and
    {name: Figure} for the figures it mentions: every entry of its
    metrics, nothing else."""
    vals, figs = {}, {}
    for name, m in metrics_of(rec).items():
        figs[name] = Figure(name, m.get("unit"), m.get("better"), m.get("desc"), m.get("step"))
        v = _num(m.get("value"))
        vals[name] = v if v is not None else str(m.get("status") or "no value recorded")
    return vals, figs


def rss_series(rec):
    """[(t_s, rss_kb), ...] from the record's "rss" section if it carries a
    time series, else [].  The sampler writes parallel "t_s"/"rss_kib"
    arrays; {"series": [[t, kb], ...]} is accepted too."""
    rss = rec.get("rss")
    if not isinstance(rss, dict):
        return []
    out = []
    s = rss.get("series") or rss.get("samples")
    if isinstance(s, list):
        for p in s:
            if isinstance(p, (list, tuple)) and len(p) >= 2:
                t, kb = _num(p[0]), _num(p[1])
            elif isinstance(p, dict):
                t = _num(p.get("t_s", p.get("t")))
                kb = _num(p.get("rss_kb", p.get("kb", p.get("anon_kb"))))
            else:
                continue
            if t is not None and kb is not None:
                out.append((t, kb))
        return out
    ts, kbs = rss.get("t_s"), rss.get("rss_kib", rss.get("rss_kb"))
    if isinstance(ts, list) and isinstance(kbs, list):
        for t, kb in zip(ts, kbs):
            t, kb = _num(t), _num(kb)
            if t is not None and kb is not None:
                out.append((t, kb))
    return out


class Variant:
    def __init__(self, label):
        self.label = label
        self.runs = []            # ok records
        self.failed = []          # failed records
        self.values = {}          # figure name -> [floats]
        self.by_run = {}          # figure name -> {(invocation, run index): float}, for pairing
        self.unsupported = {}     # figure name -> {reason: count}
        self.alloc = {}
        self.knobs = {}


class Experiment:
    """The variants of a results file (or of one invocation in it)."""

    def __init__(self, records, baseline=None):
        self.records = records
        self.variants = []
        self.figures = {}         # name -> Figure, in first-seen order
        by_label = {}
        for r in records:
            label = str(r.get("variant"))
            v = by_label.get(label)
            if v is None:
                v = by_label[label] = Variant(label)
                self.variants.append(v)
                v.alloc = r.get("alloc") if isinstance(r.get("alloc"), dict) else {}
                v.knobs = r.get("knobs") if isinstance(r.get("knobs"), dict) else {}
            if r.get("warmup"):           # only failed warm-ups are recorded
                if r.get("status") != "ok":
                    v.failed.append(r)
                continue
            if r.get("status") != "ok":
                v.failed.append(r)
                continue
            v.runs.append(r)
            vals, figs = run_figures(r)
            for name, fig in figs.items():
                known = self.figures.setdefault(name, fig)
                if fig.step is not None and (known.step is None or fig.step > known.step):
                    known.step = fig.step     # the coarsest step of any run
                val = vals[name]
                if isinstance(val, float):
                    v.values.setdefault(name, []).append(val)
                    v.by_run.setdefault(name, {})[(r.get("invocation"), r.get("run"))] = val
                else:
                    v.unsupported.setdefault(name, {})
                    v.unsupported[name][val] = v.unsupported[name].get(val, 0) + 1
        self.baseline_how = "the first variant in the file; choose another with --baseline"
        if baseline is None and any("variant_index" in r for r in records):
            # the engine's variant order: variant 0 is the baseline of ab/analyze
            idx = {}
            for r in records:
                if isinstance(r.get("variant_index"), int):
                    idx.setdefault(str(r.get("variant")), r["variant_index"])
            if idx:
                baseline = min(idx, key=idx.get)
                self.baseline_how = "variant 0 of the invocation"
        elif baseline is not None:
            self.baseline_how = "chosen with --baseline"
        if not any("variant_index" in r for r in records):
            # ab and analyze shuffle the order inside each round, so file
            # order means nothing: the baseline's allocator first, then the
            # others, each by label
            a0 = (self.variants[0].alloc or {}).get("name") if self.variants else None
            if baseline is not None and baseline in by_label:
                a0 = (by_label[baseline].alloc or {}).get("name")
            first = self.variants[0].label if self.variants else None
            self.variants.sort(key=lambda v: (v.label != (baseline or first),
                                              (v.alloc or {}).get("name") != a0, v.label))
        else:
            idx = {}
            for r in records:
                idx.setdefault(str(r.get("variant")), r.get("variant_index", 1 << 30))
            self.variants.sort(key=lambda v: idx.get(v.label, 1 << 30))
        if baseline is not None:
            if baseline not in by_label:
                raise KeyError("baseline variant '%s' is not in the results (variants: %s)"
                               % (baseline, ", ".join(by_label)))
            self.variants.sort(key=lambda v: v.label != baseline)

    @property
    def baseline(self):
        return self.variants[0] if self.variants else None

    def first(self, key, default=None):
        for r in self.records:
            if r.get(key) is not None:
                return r.get(key)
        return default
