#!/usr/bin/python3
"""Interleaved by-hand comparison of random_mixed's timed region with the
minimal hand-written loop (bench/random_mixed_minimal.c), per allocator.

usage: compare_minimal.py BUILD_DIR [PAIRS] [CYCLES] [LIB...]

For each allocator library (default: build/allocator/libhakmem.so and
Debian's libmimalloc.so.2) it runs PAIRS alternating pairs (workload,
minimal; the order flips every pair), reads each program's own "seconds"
of the timed part, and prints the median of the per-pair ratios
workload_seconds / minimal_seconds with its quartiles, min and max, and the
load average before and after (other jobs on the machine widen the spread).  A ratio of 1.03
means the workload's loop costs 3% more than the minimal one.  It also
prints the ratio of the two processes' user + system CPU time (wait4):
waiting for the CPU on a loaded machine is not in it, but start-up and the
warm-up are (the same work in both programs, so it dilutes the ratio).  A bench,
not a test: timings on a shared machine are noisy, so use >= 7 pairs.
"""
import json
import os
import statistics
import subprocess
import sys


def seconds(cmd, lib):
    """(timed wall seconds the program reports, user + system CPU seconds of
    the whole process from wait4)"""
    env = dict(os.environ, LD_PRELOAD=lib)
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        sys.exit(f"compare_minimal: {cmd[0]} failed under {lib} (exit {p.returncode})")
    return json.loads(out.strip().splitlines()[-1])["seconds"], ru.ru_utime + ru.ru_stime


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[3])
    build = sys.argv[1]
    pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    cycles = sys.argv[3] if len(sys.argv) > 3 else "10000000"
    libs = sys.argv[4:] or [os.path.join(build, "allocator/libhakmem.so"),
                            "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2"]
    work = [os.path.join(build, "workloads/random_mixed"), "--cycles", cycles]
    mini = [os.path.join(build, "workloads/random_mixed_minimal"), cycles]
    for lib in libs:
        if not os.path.exists(lib):
            sys.exit(f"compare_minimal: no such library: {lib}")
    for lib in libs:
        load_before = os.getloadavg()[0]
        ratios, cpu_ratios, ws, ms = [], [], [], []
        for i in range(pairs):
            if i % 2 == 0:
                w, m = seconds(work, lib), seconds(mini, lib)
            else:
                m, w = seconds(mini, lib), seconds(work, lib)
            ws.append(w[0])
            ms.append(m[0])
            ratios.append(w[0] / m[0])
            cpu_ratios.append(w[1] / m[1])
        q = statistics.quantiles(ratios, n=4, method="inclusive") if pairs > 1 else [ratios[0]] * 3
        print(f"{os.path.basename(lib)}: {pairs} pairs, cycles {cycles}, load average {load_before:.1f} -> "
              f"{os.getloadavg()[0]:.1f}: workload/minimal median {statistics.median(ratios):.4f} "
              f"(quartiles {q[0]:.4f}-{q[2]:.4f}, min {min(ratios):.4f}, max {max(ratios):.4f}); "
              f"median ns/op workload {statistics.median(ws) / int(cycles) * 1e9:.3f}, "
              f"minimal {statistics.median(ms) / int(cycles) * 1e9:.3f}; whole-process CPU time "
              f"ratio median {statistics.median(cpu_ratios):.4f} "
              f"(min {min(cpu_ratios):.4f}, max {max(cpu_ratios):.4f})")


if __name__ == "__main__":
    main()
