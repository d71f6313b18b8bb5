"""records.py - read a results file (docs/record-format.md) into variants
and per-run figures.

A results file is JSON Lines, one object per counted run.  Lines that do
not parse, are not objects or lack the fields every record has are skipped
and listed (line number and why), and the rest is used: a crashed or
truncated run must not cost the whole experiment.

A *figure* is one per-run scalar: throughput, the timed seconds, every
rusage field, every entry of "metrics" and the scalar entries of "rss".
Each figure knows whether higher or lower is better and what kind of
quantity it is (for the wording of verdicts).  A figure a run could not
measure carries the reason instead of a value; it is never read as 0.
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
    """(native records, cachegrind records).  Cachegrind runs are valgrind's
    simulation: their times are tens of times slower and their figures
    (simulated instruction and miss counts) are a different kind, so they
    are never pooled with native runs of the same variant.  A file with
    only cachegrind records is reported as it is (the first list)."""
    sim = [r for r in records if r.get("engine") == "cachegrind"]
    native = [r for r in records if r.get("engine") != "cachegrind"]
    if not native:
        return sim, []
    return native, sim


def invocations(records):
    """Invocation ids in file order."""
    seen = []
    for r in records:
        inv = r.get("invocation")
        if inv not in seen:
            seen.append(inv)
    return seen


# ------------------------------------------------------------------ figures

class Figure:
    """What a figure is: how to read it and how to word a change of it."""

    def __init__(self, name, unit, better, kind, label=None):
        self.name = name
        self.unit = unit or ""
        self.better = better          # "higher" or "lower"
        self.kind = kind              # "throughput", "count", "amount"
        self.label = label or name

    def __repr__(self):
        return "Figure(%s)" % self.name


_COUNT_WORDS = ("flt", "fault", "flush", "call", "count", "pages", "instr", "csw",
                "switch", "migration", "miss", "events", "syscall", "mmap", "munmap",
                "madvise", "brk", "allocs", "frees")


def classify(name, unit):
    """Figure for a metric known only by name and unit."""
    n = name.lower()
    u = (unit or "").lower()
    if "ops_per_sec" in n or u in ("ops/s", "op/s") or n.endswith("_per_sec") or n == "ipc":
        return Figure(name, unit, "higher", "throughput")
    if any(w in n for w in _COUNT_WORDS) and not (u.endswith("b") or "byte" in u or u in ("s", "ms", "us", "ns")):
        return Figure(name, unit, "lower", "count")
    return Figure(name, unit, "lower", "amount")


CORE_FIGURES = [
    Figure("ops_per_sec", "ops/s", "higher", "throughput", "throughput"),
    Figure("seconds", "s", "lower", "amount", "timed seconds"),
    Figure("wall_s", "s", "lower", "amount", "wall seconds"),
    Figure("user_s", "s", "lower", "amount", "user CPU seconds"),
    Figure("sys_s", "s", "lower", "amount", "kernel CPU seconds"),
    Figure("maxrss_kb", "KiB", "lower", "amount", "peak RSS"),
    Figure("minflt", "", "lower", "count", "minor faults"),
    Figure("majflt", "", "lower", "count", "major faults"),
    Figure("nvcsw", "", "lower", "count", "voluntary switches"),
    Figure("nivcsw", "", "lower", "count", "involuntary switches"),
]
_CORE_BY_NAME = {f.name: f for f in CORE_FIGURES}


def _num(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    if not math.isfinite(v):
        return None
    return float(v)


def run_figures(rec):
    """{name: value or "unsupported: reason"} for one record, and
    {name: Figure} for the figures it mentions."""
    vals, figs = {}, {}

    def put(fig, v):
        figs[fig.name] = fig
        vals[fig.name] = v

    for name in ("ops_per_sec", "seconds", "wall_s"):
        v = _num(rec.get(name))
        if v is not None:
            put(_CORE_BY_NAME[name], v)
    ru = rec.get("rusage")
    if isinstance(ru, dict):
        for name in ("user_s", "sys_s", "maxrss_kb", "minflt", "majflt", "nvcsw", "nivcsw"):
            v = _num(ru.get(name))
            if v is not None:
                put(_CORE_BY_NAME[name], v)
    ms = rec.get("metrics")
    if isinstance(ms, dict):
        for name, m in ms.items():
            if not isinstance(m, dict):
                continue
            key = "metrics." + name
            fig = classify(name, m.get("unit"))
            fig.name, fig.label = key, name
            v = _num(m.get("value"))
            if v is not None:
                put(fig, v)
            else:
                put(fig, str(m.get("status") or "no value recorded"))
    # "rss", "counters" and "probes" put their scalar figures in "metrics"
    # too; reading only "metrics" avoids counting one figure twice.
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
                self.figures.setdefault(name, fig)
                val = vals[name]
                if isinstance(val, float):
                    v.values.setdefault(name, []).append(val)
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
