#!/usr/bin/python3
"""knobs_test.py - each HAKMEM_* knob really changes what the allocator
does, seen from the kernel's side, and bad values warn once.

usage: knobs_test.py LIBHAKMEM.so KNOB_PROBE knobs.txt
Runs knob_probe (a plain program) under LD_PRELOAD with different knobs."""
import json
import os
import subprocess
import sys
import tempfile

lib, probe, knobs_txt = sys.argv[1:4]
failures = 0
checks = 0


def check(name, ok, detail=""):
    global failures, checks
    checks += 1
    if not ok:
        failures += 1
        print(f"FAIL {name} {detail}", file=sys.stderr)
    else:
        print(f"ok   {name}")


def run(mode, **knobs):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAKMEM_")}
    env["LD_PRELOAD"] = lib
    env.update({k: str(v) for k, v in knobs.items()})
    p = subprocess.run([probe, mode], env=env, capture_output=True, text=True, timeout=120)
    vals = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition(" ")
        vals[k] = int(v)
    return p, vals


thp_mode = open("/sys/kernel/mm/transparent_hugepage/enabled").read()
if "[never]" in thp_mode:
    print("skip THP checks: the system THP mode is never")
else:
    _, v = run("thp", HAKMEM_THP=1)
    check("HAKMEM_THP=1 gives SuperSlabs huge pages (AnonHugePages > 0)", v.get("anon_huge_kb", 0) > 0, v)
    if "[madvise]" in thp_mode:
        _, v = run("thp", HAKMEM_THP=0)
        check("HAKMEM_THP=0 gives no huge pages in madvise mode", v.get("anon_huge_kb", -1) == 0, v)

_, v0 = run("prefault", HAKMEM_PREFAULT=0)
_, v1 = run("prefault", HAKMEM_PREFAULT=1)
check("HAKMEM_PREFAULT=0 faults pages as blocks are touched", v0.get("faults_filling", 0) >= 200, v0)
check("HAKMEM_PREFAULT=1 populates the SuperSlab up front", v1.get("faults_filling", 999) < 50, v1)

with tempfile.TemporaryDirectory() as tmp:
    results = {}
    for policy in ("dontneed", "free", "keep"):
        stats = os.path.join(tmp, policy + ".json")
        _, v = run("release", HAKMEM_RELEASE=policy, HAKMEM_SS_CACHE=0, HAKMEM_STATS_FILE=stats)
        with open(stats) as f:
            results[policy] = (v, json.load(f))
    v, st = results["dontneed"]
    grown = v["rss_peak_kb"] - v["rss_start_kb"]
    check("the release probe grew RSS by > 80 MiB", grown > 80 * 1024, v)
    check("HAKMEM_RELEASE=dontneed: freeing everything returns near the starting RSS",
          v["rss_after_free_kb"] - v["rss_start_kb"] < grown * 0.1, v)
    check("HAKMEM_RELEASE=dontneed releases SuperSlabs", st["superslabs"]["released"] > 40, st["superslabs"])
    v, st = results["free"]
    check("HAKMEM_RELEASE=free releases SuperSlabs (MADV_FREE)", st["superslabs"]["released"] > 40, st["superslabs"])
    v, st = results["keep"]
    check("HAKMEM_RELEASE=keep keeps the memory resident",
          v["rss_after_free_kb"] - v["rss_start_kb"] > grown * 0.8, v)
    check("HAKMEM_RELEASE=keep releases nothing", st["superslabs"]["released"] == 0, st["superslabs"])

_, v = run("largeloop")
check("16 MiB alloc/free loop: later rounds reuse the cached block (no refault)",
      v["faults_other_rounds"] < v["faults_first_round"] / 4, v)
_, v = run("largeloop", HAKMEM_LARGE_CACHE=0)
check("HAKMEM_LARGE_CACHE=0: every round maps and faults again",
      v["faults_other_rounds"] > v["faults_first_round"] * 10, v)

for bad in (("HAKMEM_RELEASE", "bogus", "dontneed|free|keep"), ("HAKMEM_THP", "2", "0|1"),
            ("HAKMEM_SS_CACHE", "-1", "0..1024"), ("HAKMEM_STATS", "yes", "0|1|json")):
    p, v = run("plain", **{bad[0]: bad[1]})
    lines = [l for l in p.stderr.splitlines() if bad[0] in l]
    check(f"{bad[0]}={bad[1]} warns once naming the variable and accepted values",
          len(lines) == 1 and bad[2] in lines[0], p.stderr)
    check(f"{bad[0]}={bad[1]}: the program still runs", p.returncode == 0 and v.get("ok") == 1)

p, _ = run("plain", HAKMEM_STATS="json")
try:
    st = json.loads(p.stderr.strip().splitlines()[-1])
    cls112 = [c for c in st["classes"] if c["size"] == 112]
    check("HAKMEM_STATS=json prints one JSON object with per-class counts",
          st["allocator"] == "hakmem" and cls112 and cls112[0]["allocs"] >= 1 and cls112[0]["frees"] >= 1,
          p.stderr[-500:])
    check("stats count syscalls", st["syscalls"]["mmap"] >= 1, st["syscalls"])
except (ValueError, IndexError, KeyError) as e:
    check("HAKMEM_STATS=json prints valid JSON", False, f"{e}: {p.stderr[-500:]}")
p, _ = run("plain", HAKMEM_STATS="1")
check("HAKMEM_STATS=1 prints the table", "hakmem: statistics" in p.stderr and "syscalls:" in p.stderr)
p, _ = run("plain")
check("no statistics without HAKMEM_STATS", "hakmem" not in p.stderr, p.stderr)

p, _ = run("plain", HAKMEM_VERBOSE=1)
names = [line.split("\t")[0] for line in open(knobs_txt) if line.strip()]
missing = [n for n in names if n + "=" not in p.stderr]
check("HAKMEM_VERBOSE=1 lists every knob of knobs.txt", names and not missing, missing)

print(f"{checks} checks, {failures} failed")
sys.exit(min(failures, 255))
