#!/usr/bin/python3
"""How the schema-2 fixtures were made (run once, by hand; not a test).

The committed fixtures were schema 1.  This adds what the schema-2
contract (docs/record-format.md) says the C harness writes: "schema": 2,
the core figures in "metrics" under their contract names, and unit,
better and desc on every metrics entry.  The directions of the collector
metrics below were assigned by hand, as their collectors document them.
The top-level fields stay, as in real schema-2 records.

    /usr/bin/python3 schema2_fixtures.py fixtures/X.jsonl ...   (in place)
"""
import json
import sys

CORE = [  # name, where in a schema-1 record, unit, better, desc
    ("ops_per_sec", ("ops_per_sec",), "ops/s", "higher", "operations per second of the timed region, as the workload reports"),
    ("timed_s", ("seconds",), "s", "lower", "the workload's own timed seconds"),
    ("wall_s", ("wall_s",), "s", "lower", "release of the child to reaped, seconds"),
    ("rusage_user_s", ("rusage", "user_s"), "s", "lower", "user CPU seconds of the whole process (rusage)"),
    ("rusage_sys_s", ("rusage", "sys_s"), "s", "lower", "kernel CPU seconds of the whole process (rusage)"),
    ("rusage_maxrss_kib", ("rusage", "maxrss_kb"), "KiB", "lower", "peak RSS of the process (rusage ru_maxrss)"),
    ("rusage_minflt", ("rusage", "minflt"), "faults", "lower", "minor page faults of the process (rusage)"),
    ("rusage_majflt", ("rusage", "majflt"), "faults", "lower", "major page faults of the process (rusage)"),
    ("rusage_nvcsw", ("rusage", "nvcsw"), "switches", "neither", "voluntary context switches (rusage)"),
    ("rusage_nivcsw", ("rusage", "nivcsw"), "switches", "neither", "involuntary context switches (rusage)"),
]
COLLECTOR = {  # name: (unit, better)
    "page_faults": ("/1K ops", "lower"), "dTLB-load-misses": ("misses", "lower"),
    "sim_alloc_instr_share": ("fraction", "neither"), "sim_instructions_per_op": ("instructions/op", "lower"),
    "sim_alloc_instructions_per_op": ("instructions/op", "lower"),
    "sim_libc_instructions_per_op": ("instructions/op", "lower"),
    "sim_workload_instructions_per_op": ("instructions/op", "lower"),
    "sim_other_instructions_per_op": ("instructions/op", "lower"),
    "task_clock_ms": ("ms", "lower"), "context_switches": ("switches", "neither"),
    "cpu_migrations": ("count", "neither"), "cycles_per_op": ("cycles/op", "lower"),
    "instructions_per_op": ("instructions/op", "lower"), "ipc": ("instructions/cycle", "higher"),
    "faults": ("faults", "lower"), "tlb_flushes": ("flushes", "lower"), "zeroed_kib": ("KiB", "lower"),
    "zero_time_est_ms": ("ms", "lower"), "anon_huge_kib_peak": ("KiB", "neither"), "thp_pages": ("pages", "neither"),
    "mmap_calls": ("calls", "lower"), "munmap_calls": ("calls", "lower"), "madvise_calls": ("calls", "lower"),
    "brk_calls": ("calls", "lower"), "peak_anon_rss_kib": ("KiB", "lower"), "peak_rss_kib": ("KiB", "lower"),
    "mean_rss_kib": ("KiB", "lower"), "rss_1s_after_drain_kib": ("KiB", "lower"),
}


def upgrade(r):
    r["schema"] = 2
    ms = {}
    for name, path, unit, better, desc in CORE:
        v = r
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            ms[name] = {"value": v, "unit": unit, "better": better, "desc": desc}
        elif r.get("status") == "ok":
            ms[name] = {"status": "not supported: not in this fixture record", "unit": unit, "better": better,
                        "desc": desc}
    for name, m in (r.get("metrics") or {}).items():
        unit, better = COLLECTOR.get(name, ("/1K ops", "lower"))   # the rest: the probes' per-1K-op counts
        m = dict(m)
        m.setdefault("unit", unit)
        m["better"] = better
        m["desc"] = "%s (fixture: collector figure)" % name
        ms[name] = m
    r["metrics"] = ms
    return r


def main(paths):
    for path in paths:
        out = []
        with open(path) as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    out.append(line)
                    continue
                if isinstance(r, dict) and "variant" in r and "status" in r:
                    line = json.dumps(upgrade(r)) + ("\n" if line.endswith("\n") else "")
                out.append(line)
        with open(path, "w") as f:
            f.write("".join(out))


if __name__ == "__main__":
    main(sys.argv[1:])
