"""End-to-end known answers of the TLB engine (hakmem-tlb under valgrind).

tlb_chase makes --steps (10000) uniform random loads over --pages 4 KiB pages of
one mapping it creates itself (region "workload"), between its two wl_now()
markers.  With the Golden Cove geometry (96 L1 entries for 4 KiB pages,
2048 in the STLB) the answers are known:
  - 8192 pages: walks/load ~ 1 - 2048/8192 = 0.75, L1 misses ~ 1 - 96/8192;
  - 32 pages (a loop over a set that fits): ~0 misses of any kind;
  - 8192 pages on transparent huge pages (32 MiB = 16 x 2 MiB): ~0 walks;
and two runs give identical counts.  Small step counts: correctness only.
The valgrind runs of each test class start together in setUpClass.
"""
import json
import os
import re
import subprocess
import unittest

TLB = os.environ["HAKMEM_TLB"]
CHASE = os.environ["TLB_CHASE"]
STEPS = 10000


def start(args, env=None):
    """Start one hakmem-tlb run; the runs of a test class go in parallel
    (each is mostly valgrind start-up), finish() collects one."""
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(p):
    out, err = p.communicate(timeout=240)
    if p.returncode != 0:
        raise AssertionError("hakmem-tlb failed: " + err)
    return json.loads(out), err


def start_chase(pages, huge=0, steps=STEPS):
    return start([TLB, "--tlb=goldencove", "--", CHASE, "--pages", str(pages), "--steps", str(steps),
                  "--huge", str(huge)])


RUNS = {}


def chase(pages, huge=0, key=None):
    key = key or (pages, huge)
    if key not in RUNS:
        RUNS[key] = start_chase(pages, huge)
    if not isinstance(RUNS[key], dict):
        RUNS[key] = finish(RUNS[key])[0]
    return RUNS[key]


class KnownAnswers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for key in ((8192, 0), (8192, 0, "again"), (32, 0), (8192, 1)):
            RUNS[key] = start_chase(key[0], key[1])

    def check_region_share(self, r):
        wl = r["regions"]["workload"]
        # the timed loop loads only the chased pages; a few stack and
        # marker accesses around it are allowed
        self.assertGreaterEqual(wl["accesses"], STEPS)
        self.assertLess(wl["accesses"], STEPS * 1.05 + 200)
        return wl

    def test_above_reach_and_deterministic(self):
        a = chase(8192)
        wl = self.check_region_share(a)
        walk = wl["walks"] / STEPS
        l1 = wl["l1_misses"] / STEPS
        print("8192 pages: walks/load %.4f (expect 0.75), L1 misses/load %.4f (expect %.4f)"
              % (walk, l1, 1 - 96 / 8192))
        # cold start: 8192 distinct pages, the first 2048 touches fill the STLB
        self.assertAlmostEqual(walk, 0.75, delta=0.05)
        self.assertAlmostEqual(l1, 1 - 96 / 8192, delta=0.03)
        self.assertEqual(a["ops"], STEPS)
        self.assertAlmostEqual(a["walks_per_kops"], a["walks"] * 1000 / STEPS, places=6)
        self.assertEqual(a["markers"], 2)
        b = chase(8192, key=(8192, 0, "again"))
        for key in ("instructions", "accesses", "l1_misses", "walks"):
            self.assertEqual(a[key], b[key], key)
        self.assertEqual(a["regions"], b["regions"])

    def test_fits(self):
        r = chase(32)
        wl = self.check_region_share(r)
        print("32 pages: %d walks, %d L1 misses in %d loads" % (wl["walks"], wl["l1_misses"], STEPS))
        self.assertLessEqual(wl["walks"], 2)
        self.assertLessEqual(wl["l1_misses"], 2)

    def test_huge_pages(self):
        r = chase(8192, huge=1)
        if r["workload_result"]["anon_huge_kib"] < 16 * 2048:
            self.skipTest("the kernel gave only %d KiB of huge pages (THP off or memory fragmented)"
                          % r["workload_result"]["anon_huge_kib"])
        self.assertEqual(r["huge_pages"]["source"], "pagemap+kpageflags")
        wl = self.check_region_share(r)
        print("8192 pages on THP: %d walks, %d L1 misses, %d of %d accesses on 2 MiB pages"
              % (wl["walks"], wl["l1_misses"], r["accesses_2m"], r["accesses"]))
        self.assertGreaterEqual(r["accesses_2m"], STEPS)
        self.assertLessEqual(wl["walks"], 20)

    def test_bad_input(self):
        p = subprocess.run([TLB, "--tlb=pentium", "--", CHASE], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown TLB model", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)
        p = subprocess.run([TLB, "--", "/nonexistent/program"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("cannot find program", p.stderr)


WORKLOADS = os.environ["WORKLOAD_DIR"]
HAKMEM = os.path.join(os.environ["ALLOCATOR_DIR"], "libhakmem.so")
RM_ARGS = ["--cycles", "1000", "--ws", "4096"]


def start_random_mixed(alloc_lib=None, **env):
    full = dict(os.environ, **env)
    full.pop("LD_PRELOAD", None)
    args = [TLB, "--tlb=zen4"] + (["--alloc-lib=" + alloc_lib] if alloc_lib else [])
    return start(args + ["--", os.path.join(WORKLOADS, "random_mixed"), *RM_ARGS], env=full)


def stat(stderr, pattern):
    m = re.search(pattern, stderr)
    if not m:
        raise AssertionError("no '%s' in HAKMEM_STATS output: %s" % (pattern, stderr[-2000:]))
    return int(m.group(1))


class Attribution(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # HAKMEM's own mmap counter covers its OS layer only; the decay
        # thread's stack (mapped by pthread_create inside a free) is an
        # allocator mapping to the engine but not to that counter, so the
        # comparison runs without the thread.
        quiet = dict(HAKMEM_STATS="1", HAKMEM_DECAY_THREAD="0")
        cls.runs = {"thp0": start_random_mixed(HAKMEM, HAKMEM_THP="0", **quiet),
                    "thp1": start_random_mixed(HAKMEM, HAKMEM_THP="1", **quiet),
                    "glibc": start_random_mixed()}

    def result(self, key):
        if not isinstance(self.runs[key], tuple):
            self.runs[key] = finish(self.runs[key])
        return self.runs[key]

    def test_hakmem_regions_match_its_own_statistics(self):
        """The engine's view of HAKMEM's mappings (mmap calls made inside
        allocator calls, SuperSlab hooks) equals HAKMEM's own counters of
        the same run (HAKMEM_STATS=1, printed by the traced process)."""
        r, err = self.result("thp0")
        self.assertEqual(r["whole_run"]["allocator_mmaps"], stat(err, r"syscalls: mmap (\d+)"))
        self.assertEqual(r["whole_run"]["superslab_hooks"], stat(err, r"superslabs: mapped (\d+)"))
        reg = r["regions"]
        self.assertGreater(reg["allocator_superslab"]["accesses"], 0)
        self.assertGreater(reg["tls"]["accesses"], 0)          # HAKMEM's per-thread caches
        self.assertEqual(reg["brk_heap"]["accesses"], 0)       # HAKMEM never calls brk
        self.assertEqual(sum(v["accesses"] for v in reg.values()), r["accesses"])
        self.assertEqual(sum(v["walks"] for v in reg.values()), r["walks"])
        # THP only changes what really sits on huge pages
        t, _ = self.result("thp1")
        print("hakmem superslab walks: THP=0 %d, THP=1 %d (THP chunks %d)"
              % (reg["allocator_superslab"]["walks"], t["regions"]["allocator_superslab"]["walks"],
                 t["huge_pages"]["thp_2m_chunks_max"]))
        self.assertEqual(r["accesses_2m"], 0)
        # Same program; HAKMEM's THP branches (madvise, release policy) add
        # a few hundred accesses of its own, nothing near the totals.
        self.assertLess(abs(t["accesses"] - r["accesses"]), 0.01 * r["accesses"])
        if t["huge_pages"]["thp_2m_chunks_max"] == 0:
            self.skipTest("HAKMEM_THP=1 got no huge page from the kernel here")
        ss = t["regions"]["allocator_superslab"]
        self.assertEqual(ss["accesses_2m"], ss["accesses"])
        self.assertLess(ss["walks"], reg["allocator_superslab"]["walks"])
        self.assertEqual(t["regions"]["workload"]["accesses_2m"], 0)

    def test_glibc_uses_brk(self):
        r, _ = self.result("glibc")
        reg = r["regions"]
        self.assertGreater(reg["brk_heap"]["accesses"], 0)
        self.assertEqual(reg["allocator_superslab"]["accesses"], 0)
        self.assertEqual(r["whole_run"]["superslab_hooks"], 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
