#!/usr/bin/python3
"""Interleaved by-hand comparison of random_mixed's timed region with the
minimal hand-written loop (bench/random_mixed_minimal.c), per allocator.

usage: compare_minimal.py BUILD_DIR [ROUNDS] [CYCLES] [LIB...]

For each allocator library (default: build/allocator/libhakmem.so and
Debian's libmimalloc.so.2) it runs ROUNDS rounds; each round runs, in a
shuffled order:
  minimal      the minimal loop (the reference of the round),
  minimal_aa   the minimal loop once more: its ratio to the first shows
               what the machine's noise alone does to a ratio of 1,
  workload     build/workloads/random_mixed, preloaded directly,
  via_harness  the same through `harness run random_mixed --alloc=lib=LIB`
               (the exec stub, the witness library, the harness's
               environment): the timed seconds of its record.
Each program's own timed seconds (main cycles + drain) are divided by the
minimal loop's of the same round; the script prints the median ratio, a
95% bootstrap CI of that median, the quartiles, the median ns/op, and the
load average before and after.  For the directly run programs it also
prints the median ratio of whole-process user + system CPU time (wait4;
start-up and warm-up included, the same work in both programs).  A ratio of
1.03 means 3% more time than the minimal loop.  A bench, not a test:
timings on a shared machine are noisy, so use many rounds (>= 30).
"""
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

PROGRAMS = ("minimal", "minimal_aa", "workload", "via_harness")


def run_direct(cmd, lib):
    """(timed seconds the program reports, user + system CPU seconds of the
    whole process from wait4)"""
    env = dict(os.environ, LD_PRELOAD=lib)
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"compare_minimal: {cmd[0]} failed under {lib} (exit {os.waitstatus_to_exitcode(status)})")
    return json.loads(out.strip().splitlines()[-1])["seconds"], ru.ru_utime + ru.ru_stime


def run_harness(build, lib, cycles, out):
    """The timed seconds of one `harness run` of random_mixed under lib."""
    if os.path.exists(out):
        os.unlink(out)
    cmd = [os.path.join(build, "cli/harness"), "run", "random_mixed", f"--alloc=lib={lib}", "--runs", "1",
           "--warmup", "0", "-q", "--out", out, "--", "--cycles", cycles]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"compare_minimal: the harness failed under {lib}: {p.stderr.strip()}")
    with open(out) as f:
        rec = json.loads(f.read().strip().splitlines()[-1])
    if rec["status"] != "ok" or not rec["preload"]["verified"]:
        sys.exit(f"compare_minimal: the harness's run under {lib} did not run as asked: {rec['error']}")
    return rec["seconds"], None


def median_ci(xs, rng):
    meds = sorted(statistics.median(rng.choices(xs, k=len(xs))) for _ in range(2000))
    return meds[50], meds[1949]


def main():
    usage = __doc__.strip().splitlines()[3]
    build = sys.argv[1] if len(sys.argv) > 1 else None
    rounds = sys.argv[2] if len(sys.argv) > 2 else "30"
    cycles = sys.argv[3] if len(sys.argv) > 3 else "10000000"
    if not build or not rounds.isdigit() or int(rounds) < 2 or not cycles.isdigit() or int(cycles) < 1:
        print(f"compare_minimal: {usage} (ROUNDS >= 2, CYCLES >= 1)", file=sys.stderr)
        sys.exit(2)
    rounds = int(rounds)
    libs = sys.argv[4:] or [os.path.join(build, "allocator/libhakmem.so"),
                            "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2"]
    mini = [os.path.join(build, "workloads/random_mixed_minimal"), cycles]
    work = [os.path.join(build, "workloads/random_mixed"), "--cycles", cycles]
    for path in libs + [mini[0], work[0], os.path.join(build, "cli/harness")]:
        if not os.path.exists(path):
            print(f"compare_minimal: no such file: {path} (a library, or BUILD_DIR not built: ./harness list builds it)",
                  file=sys.stderr)
            sys.exit(2)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "r.jsonl")
        for lib in libs:
            load0, t0 = os.getloadavg(), time.time()
            secs = {p: [] for p in PROGRAMS}
            cpu = {p: [] for p in PROGRAMS}
            for _ in range(rounds):
                order = list(PROGRAMS)
                rng.shuffle(order)
                for p in order:
                    s, c = (run_harness(build, lib, cycles, out) if p == "via_harness"
                            else run_direct(work if p == "workload" else mini, lib))
                    secs[p].append(s)
                    cpu[p].append(c)
            load1 = os.getloadavg()
            print(f"{os.path.basename(lib)}: {rounds} rounds, cycles {cycles}, "
                  f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime(t0))}-{time.strftime('%H:%M', time.gmtime())} UTC, "
                  f"load average (1/5/15 min) {load0[0]:.1f}/{load0[1]:.1f}/{load0[2]:.1f} -> "
                  f"{load1[0]:.1f}/{load1[1]:.1f}/{load1[2]:.1f}")
            for p in PROGRAMS[1:]:
                r = [a / b for a, b in zip(secs[p], secs["minimal"])]
                lo, hi = median_ci(r, rng)
                q = statistics.quantiles(r, n=4, method="inclusive")
                line = (f"  {p:11s} / minimal: median {statistics.median(r):.4f} (95% CI {lo:.4f}-{hi:.4f}; "
                        f"quartiles {q[0]:.4f}-{q[2]:.4f}), {statistics.median(secs[p]) / int(cycles) * 1e9:.2f} ns/op")
                if cpu[p][0] is not None:
                    c = [a / b for a, b in zip(cpu[p], cpu["minimal"])]
                    line += f"; CPU time ratio median {statistics.median(c):.4f}"
                print(line)
            print(f"  minimal: {statistics.median(secs['minimal']) / int(cycles) * 1e9:.2f} ns/op")


if __name__ == "__main__":
    main()
