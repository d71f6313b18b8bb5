#!/usr/bin/python3
"""memory_figures_test.py - HAKMEM's memory figures (issue 13 item 6)
agree with independent sources on a known program.

usage: memory_figures_test.py LIBHAKMEM.so MEMORY_FIGURES_PROBE

The probe (a plain program, under LD_PRELOAD) writes 48 MiB of small blocks
and a 16 MiB block, frees everything and calls malloc_trim; at each phase it
prints malloc_info's figures beside /proc/self/smaps_rollup's.  It runs
under strace (madvise, munmap, mmap, mremap), and HAKMEM_STATS_FILE takes
the JSON statistics at exit.  Checked:
- resident bytes (mincore over HAKMEM's mappings): their change between
  phases matches the change of the process's Anonymous bytes (smaps_rollup);
- huge-page bytes: equal to the process's AnonHugePages (HAKMEM_THP=1 and
  the system THP mode "madvise" or "never": only HAKMEM asks for them);
- released bytes: the madvise(MADV_DONTNEED|MADV_FREE) lengths strace saw,
  exactly; munmap bytes: strace's munmap lengths inside anonymous mappings minus the alignment slack
  cut off fresh mappings, exactly; the recent-release log and the time of
  the last release are present; fragmentation = resident - live.
Tolerance for the RSS comparisons: 1 MiB (page tables, the probe's stdio
and /proc reads)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

lib, probe = sys.argv[1:3]
MIB = 1 << 20
TOL = 1 * MIB
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        failures += 1


def thp_mode():
    try:
        text = open("/sys/kernel/mm/transparent_hugepage/enabled").read()
        return re.search(r"\[(\w+)\]", text).group(1)
    except (OSError, AttributeError):
        return "unknown"


CALL = re.compile(r"^(?:(\d+) +)?(\w+)\((.*)\) += (-?\w+)")


def strace_calls(path):
    """[(pid, name, args, result)] with unfinished/resumed pairs joined."""
    calls, pending = [], {}
    for line in open(path):
        line = line.rstrip("\n")
        m = re.match(r"^(\d+) +(.*) <unfinished \.\.\.>$", line)
        if m:
            pending[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^(\d+) +<\.\.\. \w+ resumed>(.*)$", line)
        if m and m.group(1) in pending:
            line = m.group(1) + " " + pending.pop(m.group(1)) + m.group(2)
        m = CALL.match(line)
        if m:
            calls.append((m.group(1) or "0", m.group(2), [a.strip() for a in m.group(3).split(",")], m.group(4)))
    return calls


def release_sums(calls):
    """madvise release bytes, munmap bytes of anonymous mappings (the
    dynamic loader unmaps files of its own), and the munmap bytes that cut
    alignment slack off the mapping just made (same thread, directly after
    its mmap: HAKMEM_THP=1 puts a madvise between every mapping HAKMEM
    keeps and any later munmap of it)."""
    madv = unmapped = slack = 0
    last_map, anon = {}, []
    for pid, name, args, res in calls:
        if name == "mmap" and res.startswith("0x"):
            last_map[pid] = (int(res, 16), int(args[1]))
            if "MAP_ANONYMOUS" in args[3]:
                anon.append(last_map[pid])
        elif name == "munmap" and res == "0":
            a, n = int(args[0], 16), int(args[1])
            if not any(b <= a and a + n <= b + m for b, m in anon):
                continue
            unmapped += n
            m = last_map.get(pid)
            if m and m[0] <= a and a + n <= m[0] + m[1] and (a == m[0] or a + n == m[0] + m[1]):
                slack += n
        elif name in ("madvise", "mremap"):
            last_map.pop(pid, None)
            if name == "madvise" and res == "0" and args[2] in ("MADV_DONTNEED", "MADV_FREE"):
                madv += int(args[1])
    return madv, unmapped, slack


def main():
    mode = thp_mode()
    strace = shutil.which("strace")
    if not strace:
        print("strace is not installed (apt-get install strace): the released bytes cannot be checked "
              "against the system calls", file=sys.stderr)
        return 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAKMEM_")}
    # no decay thread and a long decay: every release comes from the probe's
    # own frees and malloc_trim, in one thread
    env.update(HAKMEM_THP="1", HAKMEM_DECAY_THREAD="0", HAKMEM_DECAY_MS="600000")
    with tempfile.TemporaryDirectory() as d:
        trace, stats_file = os.path.join(d, "trace"), os.path.join(d, "stats.json")
        env["HAKMEM_STATS_FILE"] = stats_file
        r = subprocess.run([strace, "-f", "-qq", "-o", trace, "-e", "trace=mmap,munmap,madvise,mremap",
                            "-E", "LD_PRELOAD=" + lib, probe], env=env, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            print("probe failed (exit %d): %s" % (r.returncode, r.stderr.strip()[-500:]), file=sys.stderr)
            return 1
        phases = {j["phase"]: j for j in map(json.loads, r.stdout.splitlines())}
        calls = strace_calls(trace)
        stats = json.load(open(stats_file))
    start, full, freed = phases["start"], phases["full"], phases["freed"]
    for p in (start, full, freed):
        check("%s: every figure was read" % p["phase"], all(v is not None and v >= 0 for k, v in p.items() if k != "phase"), str(p))

    # resident bytes against the kernel's Anonymous bytes, as changes
    d_hk = full["hk_resident"] - start["hk_resident"]
    d_os = full["smaps_anonymous"] - start["smaps_anonymous"]
    check("resident grows as the process's Anonymous bytes (smaps_rollup)", abs(d_hk - d_os) <= TOL,
          "HAKMEM +%d, kernel +%d" % (d_hk, d_os))
    check("resident covers the 64 MiB written", 64 * MIB <= full["hk_resident"] <= 64 * MIB + 8 * MIB, str(full["hk_resident"]))
    d_hk = freed["hk_resident"] - full["hk_resident"]
    d_os = freed["smaps_anonymous"] - full["smaps_anonymous"]
    check("resident falls as the process's Anonymous bytes after free + malloc_trim", abs(d_hk - d_os) <= TOL,
          "HAKMEM %d, kernel %d" % (d_hk, d_os))

    # huge pages
    for p in (start, full, freed):
        if mode in ("madvise", "never"):
            check("%s: huge-page bytes = the process's AnonHugePages (THP mode %s)" % (p["phase"], mode),
                  p["hk_huge"] == p["smaps_anon_huge"], "%d vs %d" % (p["hk_huge"], p["smaps_anon_huge"]))
        else:
            check("%s: huge-page bytes <= the process's AnonHugePages (THP mode %s)" % (p["phase"], mode),
                  p["hk_huge"] <= p["smaps_anon_huge"], "%d vs %d" % (p["hk_huge"], p["smaps_anon_huge"]))
        check("%s: no VMA shared with other memory" % p["phase"], p["hk_huge_shared_vma"] == 0, str(p["hk_huge_shared_vma"]))
    if full["smaps_anon_huge"] == 0:
        print("note: the kernel gave no huge page this time (THP mode %s): the huge-page check compared zeros" % mode)

    # releases against the system calls
    madv, unmapped, slack = release_sums(calls)
    rel = stats["released"]
    check("released by madvise = strace's MADV_DONTNEED/MADV_FREE bytes", rel["madvise_bytes"] == madv,
          "%d vs %d" % (rel["madvise_bytes"], madv))
    check("released by munmap = strace's munmap bytes minus alignment slack", rel["munmap_bytes"] == unmapped - slack,
          "%d vs %d - %d" % (rel["munmap_bytes"], unmapped, slack))
    check("syscalls.bytes_unmapped = strace's munmap bytes", stats["syscalls"]["bytes_unmapped"] == unmapped,
          "%d vs %d" % (stats["syscalls"]["bytes_unmapped"], unmapped))
    check("malloc_info's released figures = the exit statistics (nothing released after)",
          freed["hk_released_madvise"] == rel["madvise_bytes"] and freed["hk_released_munmap"] == rel["munmap_bytes"]
          and freed["hk_releases"] == rel["releases"], "%s vs %s" % (freed, rel))
    check("the frees gave back at least the 48 MiB of small blocks by madvise and the 16 MiB block by munmap",
          rel["madvise_bytes"] >= 46 * MIB and rel["munmap_bytes"] >= 16 * MIB, str(rel))
    recent = rel["recent"]
    check("recent releases logged (at most 8), the last one's time is last_release_ms",
          0 < len(recent) <= 8 and rel["last_release_ms"] == recent[-1]["ms"]
          and all(e["how"] in ("dontneed", "free", "munmap", "mremap") for e in recent), str(rel))
    check("release times are in order", all(a["ms"] <= b["ms"] for a, b in zip(recent, recent[1:])), str(recent))

    # fragmentation = resident - live, and its percentage
    mem = stats["memory"]
    frag = mem["resident_bytes"] - mem["live_bytes"]
    check("fragmentation_bytes = resident_bytes - live_bytes", mem["fragmentation_bytes"] == frag, str(mem))
    check("fragmentation_pct = fragmentation / resident", abs(mem["fragmentation_pct"] - 100.0 * frag / mem["resident_bytes"]) <= 0.051,
          str(mem))
    print("%d failed" % failures)
    return 1 if failures else 0


sys.exit(main())
