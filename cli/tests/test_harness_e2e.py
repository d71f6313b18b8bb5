"""End-to-end tests of `harness list` and `harness run`: records, the
append-only results file, failed runs, and bad input.

Run by meson with HARNESS_BIN (the binary) and HARNESS_BUILD_DIR set.
Workloads run with tiny parameters: these are correctness tests, not
benchmarks."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
BUILD = os.environ["HARNESS_BUILD_DIR"]
LIBDIR = "/usr/lib/x86_64-linux-gnu"
PEERS = {"jemalloc": "libjemalloc.so.2", "mimalloc": "libmimalloc.so.2",
         "tcmalloc": "libtcmalloc_minimal.so.4"}
SMALL_ARGS = {"random_mixed": ["--cycles", "20000", "--ws", "512"],
              "tiny_hot": ["--iterations", "20000"]}


def installed_allocators():
    names = ["glibc"] + [n for n, lib in PEERS.items() if os.path.exists(os.path.join(LIBDIR, lib))]
    if os.path.exists(os.path.join(BUILD, "allocator", "libhakmem.so")):
        names.append("hakmem")
    return names


def harness(*args):
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=120)


def read(path):
    with open(path) as f:
        return f.read()


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class Harness(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def run_ok(self, *args):
        p = harness(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def test_list_names_workloads_and_allocators(self):
        p = self.run_ok("list")
        for word in ("random_mixed", "tiny_hot", "glibc", "jemalloc", "mimalloc", "tcmalloc", "hakmem"):
            self.assertIn(word, p.stdout)

    def test_unhardened_is_an_instrument_that_runs(self):
        # listed with its summary, runs, and says in its record which
        # library it was (the checks being out: hakmem_links_unhardened)
        p = self.run_ok("list")
        self.assertRegex(p.stdout, r"unhardened .*libhakmem_unhardened\.so\n\s+a measuring instrument, not a peer")
        self.run_ok("run", "tiny_hot", "--alloc=unhardened", "--runs", "1", "--warmup", "0", "--out", self.out,
                    "--", *SMALL_ARGS["tiny_hot"])
        rec = records(self.out)[0]
        self.assertEqual(rec["variant"], "unhardened")
        self.assertTrue(rec["alloc"]["path"].endswith("allocator/libhakmem_unhardened.so"), rec["alloc"])

    def test_each_workload_under_each_allocator_gives_a_valid_record(self):
        allocs = installed_allocators()
        for workload, args in SMALL_ARGS.items():
            self.run_ok("run", workload, "--alloc=" + ",".join(allocs), "--runs", "1", "--warmup", "0",
                        "--out", self.out, "--", *args)
        recs = records(self.out)
        self.assertEqual(len(recs), len(allocs) * len(SMALL_ARGS))
        for r in recs:
            with self.subTest(workload=r["workload"], alloc=r["variant"]):
                self.assertEqual(r["status"], "ok", r["error"])
                self.assertTrue(r["preload"]["verified"])
                if r["alloc"]["name"] == "glibc":
                    self.assertIn("libc.so", r["preload"]["malloc_from"])
                else:
                    self.assertEqual(os.path.realpath(r["preload"]["malloc_from"]),
                                     os.path.realpath(r["alloc"]["path"]))
                self.assertGreater(r["ops_per_sec"], 0)
                self.assertAlmostEqual(r["ops_per_sec"], r["ops"] / r["seconds"], delta=r["ops_per_sec"] * 1e-9)
                self.assertEqual(r["result"]["workload"], r["workload"])
                for key in ("user_s", "sys_s", "maxrss_kb", "minflt", "majflt", "nvcsw", "nivcsw"):
                    self.assertIn(key, r["rusage"])
                self.assertGreater(r["rusage"]["maxrss_kb"], 0)
                for key in ("kernel", "cpu_model", "cores", "thp_enabled", "hw_pmu"):
                    self.assertIn(key, r["host"])
                self.assertIn(r["args"][0], SMALL_ARGS[r["workload"]])

    def test_runs_are_interleaved(self):
        self.run_ok("run", "tiny_hot", "--alloc=glibc,mimalloc" if "mimalloc" in installed_allocators()
                    else "--alloc=glibc,x=" + os.path.join(BUILD, "cli", "libharness_witness.so"),
                    "--runs", "3", "--warmup", "0", "--out", self.out, "--", "--iterations", "1000")
        order = [r["variant"] for r in records(self.out)]
        self.assertEqual(order[0::2], [order[0]] * 3)
        self.assertEqual(order[1::2], [order[1]] * 3)
        self.assertNotEqual(order[0], order[1])

    def test_file_is_only_appended_to(self):
        with open(self.out, "w") as f:
            f.write('{"sentinel": 1}\n{"cut in the mid')      # an older crash left half a line
        before = read(self.out)
        self.run_ok("run", "tiny_hot", "--alloc=glibc", "--runs", "2", "--warmup", "0", "--out", self.out,
                    "--", "--iterations", "1000")
        after = read(self.out)
        self.assertTrue(after.startswith(before))
        lines = after[len(before):].splitlines()
        self.assertEqual(lines[0], "")                     # our first record starts on a fresh line
        self.assertEqual([json.loads(l)["status"] for l in lines[1:]], ["ok", "ok"])

    def test_json_summary(self):
        p = self.run_ok("run", "tiny_hot", "--alloc=glibc", "--runs", "2", "--warmup", "0", "--json",
                        "--out", self.out, "--", "--iterations", "1000")
        s = json.loads(p.stdout)
        self.assertEqual(s["variants"][0]["variant"], "glibc")
        self.assertEqual(s["variants"][0]["runs_ok"], 2)
        self.assertGreater(s["variants"][0]["ops_per_sec"]["median"], 0)
        self.assertEqual(p.stderr, "")          # no progress line when stderr is not a terminal

    def test_failing_runs_are_recorded_without_losing_earlier_records(self):
        self.run_ok("run", "tiny_hot", "--alloc=glibc", "--runs", "1", "--warmup", "0", "--out", self.out,
                    "--", "--iterations", "1000")
        for cmd, code, signal in (("exit 3", 3, None), ("kill -SEGV $$", None, 11)):
            p = harness("run", "--cmd", cmd, "--alloc=glibc", "--runs", "1", "--warmup", "0", "--out", self.out)
            self.assertEqual(p.returncode, 1)
            self.assertIn("failed", p.stderr)
        p = harness("run", "random_mixed", "--alloc=glibc", "--runs", "1", "--warmup", "0", "--out", self.out,
                    "--", "--cycles", "notanumber")
        self.assertEqual(p.returncode, 1)
        self.assertIn("--cycles needs a whole number", p.stderr)
        recs = records(self.out)
        self.assertEqual([r["status"] for r in recs], ["ok", "failed", "failed", "failed"])
        self.assertEqual((recs[1]["exit"]["code"], recs[1]["exit"]["signal"]), (3, None))
        self.assertEqual((recs[2]["exit"]["code"], recs[2]["exit"]["signal"]), (None, 11))
        self.assertIn("signal 11", recs[2]["error"])

    def test_timeout_kills_the_run(self):
        p = harness("run", "--cmd", "sleep 30", "--alloc=glibc", "--runs", "1", "--warmup", "0",
                    "--timeout", "1", "--out", self.out)
        self.assertEqual(p.returncode, 1)
        r = records(self.out)[0]
        self.assertTrue(r["exit"]["timed_out"])
        self.assertLess(r["wall_s"], 10)

    def test_a_library_that_is_not_an_allocator_fails_verification(self):
        witness = os.path.join(BUILD, "cli", "libharness_witness.so")
        p = harness("run", "tiny_hot", "--alloc=notmalloc=" + witness, "--runs", "1", "--warmup", "0",
                    "--out", self.out, "--", "--iterations", "1000")
        self.assertEqual(p.returncode, 1)
        r = records(self.out)[0]
        self.assertEqual(r["status"], "failed")
        self.assertFalse(r["preload"]["verified"])
        self.assertIn("allocator not loaded", r["error"])

    def test_schema2_metrics_carry_unit_direction_and_description(self):
        self.run_ok("run", "random_mixed", "--alloc=glibc", "--runs", "1", "--warmup", "0",
                    "--out", self.out, "--", *SMALL_ARGS["random_mixed"])
        r = records(self.out)[0]
        self.assertEqual(r["schema"], 2)
        m = r["metrics"]
        want = {"ops_per_sec": "higher", "timed_s": "lower", "wall_s": "lower", "rusage_user_s": "lower",
                "rusage_sys_s": "lower", "rusage_maxrss_kib": "lower", "rusage_minflt": "lower",
                "rusage_majflt": "lower", "rusage_nvcsw": "neither", "rusage_nivcsw": "neither"}
        for name, better in want.items():
            self.assertEqual(m[name]["better"], better, name)
            self.assertTrue(m[name]["unit"] and m[name]["desc"], name)
        self.assertAlmostEqual(m["ops_per_sec"]["value"], r["ops_per_sec"], delta=r["ops_per_sec"] * 1e-9)
        self.assertEqual(m["rusage_minflt"]["value"], r["rusage"]["minflt"])
        self.assertEqual(m["timed_s"]["value"], r["seconds"])
        # a benchmark's stdout holds its timings: no output_digest for it
        self.assertIsNone(r["output_digest"])

    def test_a_workloads_own_figures_are_metrics(self):
        # latency describes its percentiles and fragmentation its RSS figures in "figures";
        # they land in "metrics" with the workload's values, and in the summary's metrics block
        out = self.run_ok("run", "latency", "--alloc=glibc", "--runs", "1", "--warmup", "0",
                          "--out", self.out, "--", "--ops", "20000", "--ws", "256")
        r = records(self.out)[0]
        for name in ("malloc_p50_ns", "malloc_p99_ns", "malloc_p999_ns", "malloc_max_ns",
                     "free_p50_ns", "free_p99_ns", "free_p999_ns", "free_max_ns",
                     "clock_p50_ns", "clock_p99_ns", "clock_p999_ns", "clock_max_ns"):
            self.assertEqual(r["metrics"][name]["better"], "lower", name)
            self.assertEqual(r["metrics"][name]["unit"], "ns", name)
            self.assertEqual(r["metrics"][name]["value"], r["result"][name], name)
            # the whole description, and the step the figure moves in
            self.assertEqual(r["metrics"][name]["desc"], r["result"]["figures"][name]["desc"], name)
            self.assertEqual(r["metrics"][name]["step"], r["result"]["figures"][name]["step"], name)
            self.assertGreater(r["metrics"][name]["step"], 0, name)
        # the timer's step has no better direction: a machine's figure
        self.assertEqual(r["metrics"]["clock_step_ns"]["better"], "neither")
        self.assertEqual(r["metrics"]["clock_step_ns"]["value"], r["result"]["clock_step_ns"])
        self.assertNotIn("harness: workload", out.stderr)
        self.assertRegex(out.stdout, r"malloc_p99_ns +[0-9.]+ +ns")
        self.assertRegex(out.stdout, r"clock_max_ns +[0-9.]+ +ns")
        self.run_ok("run", "fragmentation", "--alloc=glibc", "--runs", "1", "--warmup", "0",
                    "--out", self.out + "2", "--", "--phases", "2", "--live-mib", "4")
        r = records(self.out + "2")[0]
        self.assertEqual(r["metrics"]["retained_after_free_all_kib"]["value"],
                         r["result"]["retained_after_free_all_kib"])
        self.assertEqual(r["metrics"]["final_ratio"]["better"], "lower")

    def test_cmd_has_no_ops_per_sec(self):
        self.run_ok("run", "--cmd", "true", "--alloc=glibc", "--runs", "1", "--warmup", "0", "--out", self.out)
        m = records(self.out)[0]["metrics"]
        self.assertTrue(m["ops_per_sec"]["status"].startswith("not supported: "))
        self.assertNotIn("value", m["ops_per_sec"])
        self.assertEqual(m["ops_per_sec"]["better"], "higher")

    def test_alloc_stats_travel_without_files(self):
        if "hakmem" not in installed_allocators():
            self.skipTest("HAKMEM is not built in this tree")
        before = {f for f in os.listdir("/tmp") if f.startswith("harness-stats")}
        self.run_ok("run", "random_mixed", "--alloc=hakmem,glibc", "--alloc-stats", "--runs", "1", "--warmup", "0",
                    "--out", self.out, "--", *SMALL_ARGS["random_mixed"])
        recs = {r["variant"]: r for r in records(self.out)}
        st = recs["hakmem"]["allocator_stats"]
        self.assertEqual(st["allocator"], "hakmem")
        self.assertEqual(st["pid"] > 0, True)
        # glibc's registry row has no stats interface: nothing is attached
        self.assertNotIn("allocator_stats", recs["glibc"])
        self.assertNotIn("allocator_stats_error", recs["glibc"])
        after = {f for f in os.listdir("/tmp") if f.startswith("harness-stats")}
        self.assertEqual(after - before, set())

    def test_cmd_output_digest_is_recorded(self):
        self.run_ok("run", "--cmd", "echo hello", "--alloc=glibc", "--runs", "2", "--warmup", "0", "--out", self.out)
        digests = {r["output_digest"] for r in records(self.out)}
        self.assertEqual(len(digests), 1)

    def test_bad_input_gives_one_clear_line_and_keeps_the_file(self):
        with open(self.out, "w") as f:
            f.write('{"kept": true}\n')
        cases = [
            (["run", "nosuch", "--alloc=glibc"], "unknown workload 'nosuch'"),
            (["run", "random_mixed", "--alloc=nosuch"], "unknown allocator 'nosuch'"),
            (["run", "random_mixed", "--alloc=x=/no/such/lib.so"], "/no/such/lib.so"),
            (["run", "random_mixed", "--alloc=glibc", "--runs", "0"], "--runs must be between 1"),
            (["run", "random_mixed", "--alloc=glibc", "--runs", "five"], "--runs needs a whole number"),
            (["run", "random_mixed", "--alloc=glibc", "--warmup", "-1"], "--warmup must be between 0"),
            (["run", "random_mixed", "--alloc=glibc", "--threads", "x"], "--threads needs a whole number"),
            (["run", "random_mixed", "--alloc=glibc,"], "--alloc has an empty item"),
            (["run", "random_mixed"], "--alloc"),
            (["run", "random_mixed", "--alloc=glibc", "--bogus"], "unknown option '--bogus'"),
            (["run", "--alloc=glibc"], "name a workload"),
            (["nosuchcommand"], "unknown subcommand"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                p = harness(*args, "--out", self.out) if args[0] == "run" else harness(*args)
                self.assertNotEqual(p.returncode, 0)
                self.assertIn(message, p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                self.assertEqual(read(self.out), '{"kept": true}\n')

    def test_a_record_that_cannot_be_written_is_an_error(self):
        """issue 11 item 2: a failed append (here /proc/version: a regular
        file whose writes fail with EIO) names the file and the reason, exits
        non-zero, and nothing claims the results were appended."""
        for cmd in (["run", "tiny_hot", "--alloc=glibc"], ["run", "--cmd", "true", "--alloc=glibc"]):
            p = harness(*cmd, "--runs", "1", "--warmup", "0", "--quiet", "--out", "/proc/version",
                        *(["--", "--iterations", "1000"] if "tiny_hot" in cmd else []))
            self.assertNotEqual(p.returncode, 0, p.stdout)
            self.assertIn("could not be written to /proc/version (Input/output error)", p.stderr)
            self.assertNotIn("results appended", p.stdout + p.stderr)

    def test_run_into_a_file_of_another_workload_warns(self):
        """issue 11 item 3: appending tiny_hot to a random_mixed file says so
        (and still appends); the same workload again does not warn."""
        tiny = ["--runs", "1", "--warmup", "0", "--quiet", "--out", self.out]
        p = self.run_ok("run", "random_mixed", "--alloc=glibc", *tiny, "--", "--cycles", "1000")
        self.assertNotIn("warning", p.stderr)
        p = self.run_ok("run", "random_mixed", "--alloc=glibc", *tiny, "--", "--cycles", "1000")
        self.assertNotIn("already holds records", p.stderr)
        p = self.run_ok("run", "tiny_hot", "--alloc=glibc", *tiny, "--", "--iterations", "1000")
        self.assertIn("warning: %s already holds records of random_mixed" % self.out, p.stderr)
        self.assertEqual([r["workload"] for r in records(self.out)], ["random_mixed", "random_mixed", "tiny_hot"])

    def test_help_ends_with_examples(self):
        for sub in ("run", "list", "test"):
            p = self.run_ok(sub, "--help")
            self.assertIn("EXAMPLES", p.stdout)
            self.assertTrue(p.stdout.strip().splitlines()[-1].startswith("  ./harness"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
