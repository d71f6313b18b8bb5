"""End-to-end tests of the workloads issue's harness parts: `harness suite`
(one results file, ratios to the best, geometric mean, real-program digests),
the RSS sampler in a real run (--sample-ms), --threads sweeps of the
multi-threaded workloads, and a failing --cmd recorded with its status.

Run by meson with HARNESS_BIN, HARNESS_BUILD_DIR and HARNESS_SOURCE_DIR set.
Correctness only: no timing is asserted."""
import json
import math
import os
import subprocess
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
LIBDIR = "/usr/lib/x86_64-linux-gnu"
PEER = "jemalloc" if os.path.exists(os.path.join(LIBDIR, "libjemalloc.so.2")) else None


def harness(*args, timeout=240):
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=timeout)


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class Suite(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def test_help_ends_with_examples(self):
        p = harness("suite", "--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("EXAMPLES", p.stdout)
        self.assertTrue(p.stdout.rstrip().splitlines()[-1].strip().startswith("./harness suite"))

    def test_unknown_workload_is_refused(self):
        p = harness("suite", "--alloc=glibc", "no_such_workload", "--out", self.out)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown workload 'no_such_workload'", p.stderr)
        self.assertFalse(os.path.exists(self.out) and os.path.getsize(self.out))

    def test_suite_one_file_ratios_and_digests(self):
        allocs = "glibc" + ("," + PEER if PEER else "")
        n_alloc = 2 if PEER else 1
        p = harness("suite", f"--alloc={allocs}", "--runs", "1", "--warmup", "0", "--quiet", "--json",
                    "--out", self.out, "realloc_growth", "real_sqlite")
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        s = json.loads(p.stdout)
        self.assertEqual([w["workload"] for w in s["workloads"]], ["realloc_growth", "real_sqlite"])
        for w in s["workloads"]:
            self.assertEqual(len(w["variants"]), n_alloc)
            ratios = [v["ratio_to_best"] for v in w["variants"]]
            self.assertAlmostEqual(max(ratios), 1.0)
            self.assertTrue(all(0 < r <= 1.0 for r in ratios))
            best = max(v["median_ops_per_sec"] for v in w["variants"])
            for v in w["variants"]:
                self.assertAlmostEqual(v["ratio_to_best"], v["median_ops_per_sec"] / best)
        sql = s["workloads"][1]
        self.assertFalse(sql["digest_mismatch"])
        self.assertEqual(len({v["output_digest"] for v in sql["variants"]}), 1)
        # geometric mean of each allocator's ratios over the workloads
        for label, g in s["geomean_ratio"].items():
            rs = [v["ratio_to_best"] for w in s["workloads"] for v in w["variants"] if v["variant"] == label]
            self.assertAlmostEqual(g, math.exp(sum(map(math.log, rs)) / len(rs)))
        recs = records(self.out)
        self.assertEqual(len(recs), 2 * 1 * n_alloc)        # workloads x runs x allocators
        self.assertEqual({r["experiment"] for r in recs}, {"suite"})
        self.assertEqual(len({r["invocation"] for r in recs}), 1, "one invocation id for the whole suite")
        self.assertEqual(s["invocation"], recs[0]["invocation"])

    def test_suite_table(self):
        p = harness("suite", "--alloc=glibc", "--runs", "1", "--warmup", "0", "--quiet", "--out", self.out,
                    "real_perl")
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout)
        self.assertIn("real_perl", p.stdout)
        self.assertIn("output identical", p.stdout)
        self.assertIn("geomean", p.stdout)
        self.assertIn(self.out, p.stdout)

    def test_sampler_in_a_run(self):
        p = harness("run", "realloc_growth", "--alloc=glibc", "--runs", "1", "--warmup", "0", "--quiet",
                    "--sample-ms", "5", "--out", self.out, "--", "--rounds", "200000")
        self.assertEqual(p.returncode, 0, p.stderr)
        (r,) = records(self.out)
        rss = r["rss"]
        self.assertEqual(rss["interval_ms"], 5)
        self.assertEqual(len(rss["t_s"]), len(rss["rss_kib"]))
        self.assertGreater(len(rss["t_s"]), 50)             # the 1.1 s linger alone gives ~200
        self.assertEqual(rss["peak_kib"], max(rss["rss_kib"]) if rss["samples"] == len(rss["t_s"]) else rss["peak_kib"])
        self.assertGreater(rss["peak_kib"], 4096)           # four 4 MiB builders are live at the peak
        self.assertIsNotNone(rss["after_drain"], "realloc_growth signals drained")
        for k in ("+0ms", "+100ms", "+1s"):
            self.assertGreater(rss["after_drain"][k], 0)
        self.assertEqual(r["metrics"]["peak_rss_kib"]["value"], rss["peak_kib"])
        self.assertIn("mean_rss_kib", r["metrics"])

    def test_sampler_off_by_default(self):
        p = harness("run", "realloc_growth", "--alloc=glibc", "--runs", "1", "--warmup", "0", "--quiet",
                    "--out", self.out, "--", "--rounds", "1000")
        self.assertEqual(p.returncode, 0, p.stderr)
        (r,) = records(self.out)
        self.assertNotIn("rss", r)

    def test_threads_sweep(self):
        p = harness("run", "larson", "--alloc=glibc", "--threads", "1,2", "--runs", "1", "--warmup", "0",
                    "--quiet", "--out", self.out, "--", "--rounds", "1000", "--epochs", "2", "--blocks", "100")
        self.assertEqual(p.returncode, 0, p.stderr)
        recs = records(self.out)
        self.assertEqual(sorted(r["threads"] for r in recs), [1, 2])
        for r in recs:
            self.assertEqual(r["result"]["threads"], r["threads"])
            self.assertEqual(r["result"]["ops"], r["threads"] * 1000 * 2)

    def test_failing_cmd_is_a_failed_run_with_its_status(self):
        p = harness("run", "--cmd", 'sh -c "exit 3"', "--alloc=glibc", "--runs", "1", "--warmup", "0",
                    "--quiet", "--out", self.out)
        self.assertNotEqual(p.returncode, 0)
        (r,) = records(self.out)
        self.assertEqual(r["status"], "failed")
        self.assertEqual(r["exit"]["code"], 3)
        self.assertIn("3", r["error"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
