#!/usr/bin/python3
"""Every workload with tiny parameters under every installed allocator and
the floor allocator (build/workloads/libfloor.so).

usage: test_workloads.py WORKLOAD_BUILD_DIR ALLOCATOR_BUILD_DIR

Each run must exit 0 and print a result line (the last stdout line) that
parses as JSON, carries the common keys with sane values and the
workload's own figures; the real-program workloads must report the same
output digest under every allocator.  The drain protocol (wl_drained) is
checked once: one byte on HARNESS_DRAIN_FD, then the workload lingers.
"""
import json
import platform
import os
import resource
import subprocess
import sys
import time
import unittest

WL_DIR, ALLOC_DIR = sys.argv[1], sys.argv[2]
LIBDIR = "/usr/lib/x86_64-linux-gnu"


def allocators():
    found = {"glibc": None}
    for name, lib in (("jemalloc", "libjemalloc.so.2"), ("mimalloc", "libmimalloc.so.2"),
                      ("tcmalloc", "libtcmalloc_minimal.so.4")):
        if os.path.exists(os.path.join(LIBDIR, lib)):
            found[name] = os.path.join(LIBDIR, lib)
    hakmem = os.path.join(ALLOC_DIR, "libhakmem.so")
    if os.path.exists(hakmem):
        found["hakmem"] = hakmem
    # the floor allocator (workloads/floor): every workload must run under it
    floor = os.path.join(WL_DIR, "libfloor.so")
    if not os.path.exists(floor):
        sys.exit(f"test_workloads: {floor} was not built")
    found["floor"] = floor
    return found


ALLOCS = allocators()

# name -> tiny arguments (each run well under a second)
TINY = {
    "random_mixed": ["--cycles", "30000", "--ws", "1000", "--min-size", "100", "--max-size", "600"],
    "tiny_hot": ["--iterations", "100000"],
    "larson": ["--threads", "2", "--blocks", "200", "--rounds", "2000", "--epochs", "3"],
    "xthread": ["--threads", "2", "--count", "20000"],
    "cache_scratch": ["--threads", "2", "--iterations", "2000", "--repetitions", "5"],
    "realloc_growth": ["--rounds", "20000", "--max-size", "65536"],
    "large": ["--iters", "20"],
    "fragmentation": ["--phases", "4", "--live-mib", "2"],
    "latency": ["--ops", "200000", "--sample-every", "4"],
    "real_python": ["--scale", "20000"],
    "real_gcc": ["--scale", "8"],
    "real_sqlite": ["--scale", "5000"],
    "real_perl": ["--scale", "3000"],
}
REAL = [n for n in TINY if n.startswith("real_")]
COMMON = ("workload", "ops", "seconds", "ops_per_sec", "ops_unit")


def run(name, alloc, args, env_extra=None, **kw):
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    env.pop("HARNESS_DRAIN_FD", None)
    if ALLOCS[alloc]:
        env["LD_PRELOAD"] = ALLOCS[alloc]
    env.update(env_extra or {})
    return subprocess.run([os.path.join(WL_DIR, name)] + args, env=env, capture_output=True,
                          text=True, timeout=120, **kw)


class Workloads(unittest.TestCase):
    results = {}

    @classmethod
    def setUpClass(cls):
        for alloc in ALLOCS:
            for name, args in TINY.items():
                p = run(name, alloc, args)
                cls.results[(name, alloc)] = p

    def result(self, name, alloc):
        p = self.results[(name, alloc)]
        self.assertEqual(p.returncode, 0, f"{name} under {alloc} failed: {p.stderr.strip()}")
        lines = p.stdout.strip().splitlines()
        self.assertTrue(lines, f"{name} under {alloc} printed nothing")
        r = json.loads(lines[-1])
        for k in COMMON:
            self.assertIn(k, r, f"{name} under {alloc}: result lacks {k}")
        self.assertEqual(r["workload"], name)
        self.assertGreater(r["ops"], 0)
        self.assertGreater(r["seconds"], 0)
        self.assertAlmostEqual(r["ops_per_sec"], r["ops"] / r["seconds"], delta=r["ops_per_sec"] * 1e-4)
        return r

    def test_random_mixed_counts_match_a_replay(self):
        # allocs/frees are derived from slot occupancy outside the timed loop;
        # an independent replay of the semantics (shared/workloads.md) must
        # give the same counts, for a ws that is not a power of two
        cycles, ws, seed = 30000, 1000, 1234567
        slots = [False] * ws

        def cycle(n, s):
            allocs = frees = 0
            for _ in range(n):
                s ^= (s << 13) & 0xFFFFFFFF
                s ^= s >> 17
                s ^= (s << 5) & 0xFFFFFFFF
                i = s % ws
                if slots[i]:
                    frees += 1
                else:
                    allocs += 1
                slots[i] = not slots[i]
            return allocs, frees

        cycle(cycles // 10, (seed + 0xDEADBEEF) & 0xFFFFFFFF)
        allocs, frees = cycle(cycles, seed)
        frees += sum(slots)                                      # the drain
        for a in ALLOCS:
            r = self.result("random_mixed", a)
            self.assertEqual((r["allocs"], r["frees"]), (allocs, frees), a)
            self.assertEqual(r["ops"], cycles)

    def test_tiny_hot(self):
        for a in ALLOCS:
            r = self.result("tiny_hot", a)
            self.assertEqual(r["ops"], 2 * 100000)
            self.assertEqual(r["iterations"], 100000)

    def test_larson(self):
        for a in ALLOCS:
            r = self.result("larson", a)
            self.assertEqual(r["ops"], 2 * 2000 * 3)          # threads * rounds * epochs
            self.assertEqual(r["threads_created"], 6)
            self.assertGreater(r["peak_rss_kib"], 0)

    def test_xthread(self):
        for a in ALLOCS:
            r = self.result("xthread", a)
            self.assertEqual(r["ops"], 2 * 20000)             # pairs * count
            self.assertEqual(r["threads"], 4)
            self.assertGreater(r["peak_rss_kib"], 0)
            self.assertGreaterEqual(r["peak_rss_kib"], r["rss_after_free_kib"] * 0.5)

    def test_cache_scratch(self):
        for a in ALLOCS:
            self.assertEqual(self.result("cache_scratch", a)["ops"], 2 * 2000)

    def test_realloc_growth(self):
        for a in ALLOCS:
            r = self.result("realloc_growth", a)
            self.assertGreaterEqual(r["bytes_appended"], 4 * 20000)   # builders * rounds * >= 1 byte
            self.assertGreater(r["buffers_completed"], 0)              # 65536 reached at least once
            self.assertTrue(0 <= r["moved_fraction"] <= 1)

    def test_large(self):
        for a in ALLOCS:
            r = self.result("large", a)
            self.assertEqual(r["ops"], 20)
            self.assertGreaterEqual(r["bytes_touched"], 20 * 65536)
            self.assertLessEqual(r["bytes_touched"], 20 * 32 * 2**20)
            self.assertGreaterEqual(r["minor_faults"], 0)

    def test_fragmentation(self):
        for a in ALLOCS:
            r = self.result("fragmentation", a)
            for k in ("phase_live_bytes", "phase_rss_kib", "phase_ratio"):
                self.assertEqual(len(r[k]), 4, k)
            self.assertTrue(all(x > 0 for x in r["phase_live_bytes"]))
            # what is held costs at least itself (allow for RSS rounding and
            # memory already resident before the baseline was read)
            self.assertTrue(all(x > 0.3 for x in r["phase_ratio"]), r["phase_ratio"])
            self.assertEqual(r["max_ratio"], max(r["phase_ratio"]))

    def test_latency(self):
        for a in ALLOCS:
            r = self.result("latency", a)
            for op in ("malloc", "free", "clock"):
                self.assertGreater(r[f"{op}_samples"], 1000)
                ps = [r[f"{op}_p50_ns"], r[f"{op}_p99_ns"], r[f"{op}_p999_ns"], r[f"{op}_max_ns"]]
                self.assertEqual(ps, sorted(ps), f"{op} percentiles out of order under {a}")
                self.assertGreater(ps[0], 0)
                self.assertIn(f"{op}_max_ns", r["figures"])
            # the empty timings are as many as the timed mallocs (and frees),
            # from a PRNG of their own, so that the maxima compare
            per_op = (r["malloc_samples"] + r["free_samples"]) / 2
            self.assertLess(abs(r["clock_samples"] - per_op), 0.05 * per_op)
            # a timing around a call is no cheaper than one around nothing
            for op in ("malloc", "free"):
                self.assertGreaterEqual(r[f"{op}_p50_ns"], r["clock_p50_ns"], op)
            if platform.machine() == "x86_64":
                self.assertIn("rdtscp", r["clock"])   # fenced (latency.c)
            self.assert_on_step_grid(r)

    def assert_on_step_grid(self, r):
        """The percentiles are multiples of the timer's step (which divides
        99.9% of the timings): 1 tick on most Intel TSCs, about 10 ns on
        AMD Zen's.  Not the max: a TSC read next to a VM exit can come back
        a tick off the grid (latency_stats.h).  Figures are printed to
        0.1 ns and the step to 0.0001 ns, hence the tolerance."""
        step = r["clock_step_ns"]
        self.assertIn("clock_step_ns", r["figures"])
        self.assertGreater(step, 0)
        self.assertLessEqual(step, r["clock_p50_ns"])
        for op in ("malloc", "free", "clock"):
            for q in ("p50", "p99", "p999"):
                v = r[f"{op}_{q}_ns"]
                k = round(v / step)
                self.assertLessEqual(abs(v - k * step), 0.051 + 5e-5 * k, f"{op}_{q}_ns {v} is not a multiple of {step}")

    def test_latency_options(self):
        a = next(iter(ALLOCS))
        plain = self.result("latency", a)
        self.assertEqual(plain["warm_free"], 0)

        def latency(*extra):
            p = run("latency", a, TINY["latency"] + list(extra))
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(p.stdout.strip().splitlines()[-1])

        # the cross-check timer: the same run timed with clock_gettime
        r = latency("--vdso-clock", "1")
        self.assertEqual(r["clock"], "clock_gettime(CLOCK_MONOTONIC)")
        self.assertGreater(r["clock_p50_ns"], 0)
        self.assertGreaterEqual(r["malloc_p50_ns"], r["clock_p50_ns"])
        self.assert_on_step_grid(r)
        # reading each block before its free changes nothing of the
        # sequence: the same calls are timed
        r = latency("--warm-free", "1")
        self.assertEqual(r["warm_free"], 1)
        for k in ("malloc_samples", "free_samples", "clock_samples"):
            self.assertEqual(r[k], plain[k], k)
        # no empty timing, no step: the member is left out, never 0 (the
        # harness then records the figure as not supported)
        none = json.loads(run("latency", a, ["--ops", "10", "--sample-every", "1000000"]).stdout.strip().splitlines()[-1])
        self.assertEqual(none["clock_samples"], 0)
        self.assertNotIn("clock_step_ns", none)
        self.assertIn("clock_step_ns", none["figures"])
        for opt in ("--vdso-clock", "--warm-free"):
            bad = run("latency", a, [opt, "2"])
            self.assertEqual(bad.returncode, 2)
            self.assertIn(opt[2:], bad.stderr)

    def test_real_programs_same_output_everywhere(self):
        for name in REAL:
            digests = {}
            for a in ALLOCS:
                r = self.result(name, a)
                self.assertEqual(r["ops"], 1)
                self.assertGreater(r["output_bytes"], 0)
                self.assertRegex(r["output_digest"], r"^fnv1a64:[0-9a-f]{16}$")
                digests[a] = r["output_digest"]
            self.assertEqual(len(set(digests.values())), 1, f"{name}: output differs: {digests}")

    def test_real_program_digest_depends_on_input(self):
        # a digest that ignored the output would pass the test above
        p = run("real_sqlite", "glibc", ["--scale", "5001"])
        self.assertEqual(p.returncode, 0, p.stderr)
        other = json.loads(p.stdout.strip().splitlines()[-1])["output_digest"]
        self.assertNotEqual(other, self.result("real_sqlite", "glibc")["output_digest"])

    def test_bad_option_is_an_error(self):
        p = run("larson", "glibc", ["--no-such-option", "1"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown option", p.stderr)

    def test_random_mixed_says_when_malloc_fails(self):
        # The loop has no NULL check: a failed malloc faults on the block's
        # first byte and a SIGSEGV handler must say so (exit 1), not crash.
        # 1 GiB blocks under a 256 MiB address-space limit: glibc's malloc
        # returns NULL (the clamping loop variant).
        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (256 << 20, 256 << 20))
        p = run("random_mixed", "glibc", ["--cycles", "100", "--min-size", str(1 << 30), "--max-size", str(1 << 30)],
                preexec_fn=limit)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("random_mixed: malloc failed", p.stderr)
        self.assertEqual(p.stdout.strip(), "", "no result line after a failed malloc")

    def test_drain_signal(self):
        rd, wr = os.pipe()
        t0 = time.monotonic()
        proc = subprocess.Popen([os.path.join(WL_DIR, "realloc_growth"), "--rounds", "1000"],
                                env=dict(os.environ, HARNESS_DRAIN_FD=str(wr)), pass_fds=(wr,),
                                stdout=subprocess.PIPE, text=True)
        os.close(wr)
        got = os.read(rd, 1)
        t_drain = time.monotonic()
        out, _ = proc.communicate(timeout=30)
        t_exit = time.monotonic()
        os.close(rd)
        self.assertEqual(got, b"D")
        self.assertEqual(proc.returncode, 0)
        self.assertGreater(t_exit - t_drain, 1.0, "the workload must linger after signalling drained")
        self.assertLess(t_drain - t0, 10)
        self.assertEqual(json.loads(out.strip().splitlines()[-1])["workload"], "realloc_growth")


if __name__ == "__main__":
    print("allocators:", ", ".join(f"{k}={v or 'libc'}" for k, v in ALLOCS.items()))
    unittest.main(argv=sys.argv[:1], verbosity=2)
