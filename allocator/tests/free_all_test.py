"""free_all_test.py - nothing retained after free-all (issue 13 item 4).

Runs the fragmentation workload under LD_PRELOAD=libhakmem.so (phases of
size mixes, 90% freed at random, then everything freed) and checks its
retained_after_free_all_kib: RSS right after the last free, above the
start.  Blocks left in the thread cache used to pin one slab each: 46 MiB
with --live-mib 32 (57 MiB with the default 64; glibc 111 MiB, jemalloc
175 MiB, mimalloc 211 MiB, tcmalloc 231 MiB there).  Now a bin whose
flush emptied a slab keeps only an eighth of its limit until it refills
(measured 15 MiB).  The bound, 24 MiB, is what the SuperSlab layer keeps
resident on purpose (4 MiB of empty units by HAKMEM_SLAB_DIRTY_MB, 2 empty
SuperSlabs by HAKMEM_SS_CACHE) plus 16 MiB for the slabs the last cached
blocks and each class's last partial slab pin: half of what it was.

usage: free_all_test.py LIBHAKMEM FRAGMENTATION_BINARY"""
import json
import os
import subprocess
import sys

BOUND_KIB = 24 * 1024


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    lib, prog = sys.argv[1], sys.argv[2]
    env = dict(os.environ, LD_PRELOAD=os.path.abspath(lib))
    out = subprocess.run([prog, "--live-mib", "32"], env=env, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        print(f"FAIL: fragmentation exited with {out.returncode}: {out.stderr.strip()}", file=sys.stderr)
        return 1
    rec = json.loads(out.stdout.strip().splitlines()[-1])
    kept = rec["retained_after_free_all_kib"]
    print(f"free-all: {kept} KiB resident above the start after freeing everything (bound {BOUND_KIB} KiB)")
    if kept > BOUND_KIB:
        print(f"FAIL: {kept} KiB retained after free-all, over the bound of {BOUND_KIB} KiB", file=sys.stderr)
        return 1
    print("1 checks, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
