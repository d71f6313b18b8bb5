"""End-to-end tests of --counters, --engine=cachegrind and `harness counters`.

Run by meson with HARNESS_BIN (the binary), HARNESS_BUILD_DIR and
WORKLOAD_DIR set.  Tiny iteration counts: correctness, not benchmarks.
"""
import json
import os
import subprocess
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
WORKLOADS = os.environ["WORKLOAD_DIR"]


def have_cpu_pmu():
    return any(os.path.exists("/sys/bus/event_source/devices/" + d) for d in ("cpu", "cpu_core"))


def harness(*args, timeout=120):
    return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=timeout)


def records(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


class Counters(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def run_ok(self, *args, timeout=120):
        p = harness(*args, timeout=timeout)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def tiny_hot(self, *opts, iterations=10000, runs=1):
        self.run_ok("run", "tiny_hot", "--alloc=glibc", "--runs", str(runs), "--warmup", "0", "--quiet",
                    "--out", self.out, *opts, "--", "--iterations", str(iterations))
        recs = records(self.out)
        os.unlink(self.out)
        return recs

    # --- perf counters -------------------------------------------------------

    def test_unsupported_hardware_event_is_reported_and_run_succeeds(self):
        (r,) = self.tiny_hot("--counters=cycles,instructions,page-faults,task-clock")
        self.assertEqual(r["status"], "ok")
        ev = r["counters"]["events"]
        self.assertEqual(ev["page-faults"]["status"], "ok")
        self.assertGreater(ev["page-faults"]["value"], 0)
        self.assertEqual(ev["page-faults"]["type"], 1)
        self.assertGreater(r["metrics"]["task_clock_ms"]["value"], 0)
        if have_cpu_pmu():
            self.assertIn(ev["cycles"]["status"].split(" ")[0], ("ok", "scaled"))
            self.assertGreater(ev["cycles"]["value"], 0)
            self.assertGreater(r["metrics"]["ipc"]["value"], 0)
        else:
            self.assertEqual(ev["cycles"]["status"], "not supported: no hardware PMU on this machine (ENOENT)")
            self.assertNotIn("value", ev["cycles"])          # never a 0
            self.assertNotIn("value", r["metrics"]["cycles_per_op"])
            self.assertIn("no hardware PMU", r["metrics"]["cycles_per_op"]["status"])
            self.assertIn("not supported", r["metrics"]["ipc"]["status"])

    def test_perf_stat_block_and_csv(self):
        """The summary's perf stat block, and -x SEP: CSV lines only on stdout,
        in perf stat -x's field order, agreeing with the records."""
        args = ("run", "tiny_hot", "--alloc=glibc", "--runs", "2", "--warmup", "0", "--quiet", "--out", self.out,
                "--counters=task-clock,page-faults,cycles")
        p = self.run_ok(*args, "--", "--iterations", "10000")
        self.assertIn("Performance counter stats for 'tiny_hot' (glibc, 2 runs):", p.stdout)
        self.assertRegex(p.stdout, r"msec task-clock +# +[0-9.]+ CPUs utilized +\( \+- *[0-9.]+% \)")
        if not have_cpu_pmu():
            self.assertRegex(p.stdout, r"<not supported> +cycles +# no hardware PMU on this machine")
        os.unlink(self.out)
        p = self.run_ok(*args, "-x", ";", "--", "--iterations", "10000")
        lines = p.stdout.strip().split("\n")
        self.assertIn("Performance counter stats", p.stderr)     # the table went to stderr
        rows = {f[3]: f for f in (line.split(";") for line in lines) if f[3]}
        for f in rows.values():
            self.assertEqual(len(f), 9, f)      # variant, value, unit, event, variance, run time, %, metric, unit
            self.assertEqual(f[0], "glibc")
        self.assertEqual(rows["task-clock"][2], "msec")
        self.assertEqual(rows["task-clock"][8], "CPUs utilized")
        recs = records(self.out)
        mean_faults = sum(r["counters"]["events"]["page-faults"]["value"] for r in recs) / len(recs)
        self.assertEqual(int(rows["page-faults"][1]), round(mean_faults))
        self.assertRegex(rows["page-faults"][4], r"^[0-9]+\.[0-9]{2}%$")
        if not have_cpu_pmu():
            self.assertEqual(rows["cycles"][1], "<not supported>")
            self.assertIn("no hardware PMU", rows["cycles"][8])
        p = harness("run", "tiny_hot", "--alloc=glibc", "--runs", "1", "--out", self.out, "-x", ",")
        self.assertEqual(p.returncode, 2)
        self.assertIn("add --counters", p.stderr)
        p = harness("run", "tiny_hot", "--alloc=glibc", "--runs", "1", "--out", self.out, "--counters", "-x")
        self.assertEqual(p.returncode, 2)
        self.assertIn("-x needs a value", p.stderr)

    def test_metric_table_numbers_are_fixed_point_per_row(self):
        """One number format per row of the metrics table: no exponent
        (page-faults of a 64 MiB bytearray, ~16,000, once printed as
        1.6e+04 beside integers), and one count of decimals per metric."""
        cmd = "/usr/bin/python3 -c 'b = bytearray(64 << 20)'"
        p = self.run_ok("run", "--cmd", cmd, "--alloc=glibc,hakmem", "--runs", "1", "--warmup", "0", "--quiet",
                        "--out", self.out, "--counters=page-faults,context-switches,task-clock")
        table = p.stdout.split("metric (median)", 1)[1].split("Performance counter stats", 1)[0]
        rows = [ln.split() for ln in table.strip().split("\n")[1:] if ln.strip()]
        self.assertTrue(any(r[0] == "page_faults" for r in rows), table)
        for r in rows:
            nums = [x for x in r[1:3] if x not in ("n/a", "-")]
            for x in nums:
                self.assertRegex(x, r"^-?[0-9]+(\.[0-9]+)?$", table)
            self.assertEqual(len({len(x.partition(".")[2]) for x in nums}), 1 if nums else 0, r)
        faults = [r for r in rows if r[0] == "page_faults"][0]
        self.assertGreater(float(faults[1]), 10000)

    def test_default_set(self):
        (r,) = self.tiny_hot("--counters")
        ev = r["counters"]["events"]
        for name in ("task-clock", "page-faults", "minor-faults", "major-faults", "context-switches",
                     "cpu-migrations", "cycles", "instructions", "dTLB-load-misses", "iTLB-load-misses",
                     "L1-dcache-load-misses", "LLC-load-misses"):
            self.assertIn(name, ev)
            self.assertTrue(ev[name]["status"] == "ok" or ev[name]["status"].startswith(("scaled (", "not supported: ")),
                            ev[name]["status"])

    def test_bad_lists_give_clear_errors(self):
        cases = {
            "--counters=cycles,,instructions": "empty event name",
            "--counters=cycles,": "empty event name",
            "--counters=bogus": "unknown event 'bogus': see `harness counters list`",
            "--counters=cycles,cycles": "listed twice",
        }
        for opt, needle in cases.items():
            p = harness("run", "tiny_hot", "--alloc=glibc", "--runs", "1", "--out", self.out, opt)
            self.assertNotEqual(p.returncode, 0, opt)
            self.assertIn(needle, p.stderr, opt)
            self.assertFalse(os.path.exists(self.out) and os.path.getsize(self.out), opt)

    # --- harness counters list ------------------------------------------------

    def test_counters_list(self):
        p = self.run_ok("counters", "list")
        self.assertIn("perf (perf_events generic PMU)", p.stdout)
        self.assertIn("perf::PERF_COUNT_SW_PAGE_FAULTS", p.stdout)
        p = self.run_ok("counters", "list", "dtlb")
        self.assertIn("PERF_COUNT_HW_CACHE_DTLB", p.stdout)
        self.assertNotIn("PERF_COUNT_SW_PAGE_FAULTS", p.stdout)
        if not have_cpu_pmu():
            self.assertIn("no hardware PMU on this machine (ENOENT)", p.stdout)
        p = harness("counters", "list", "zzznosuchevent")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no event matches 'zzznosuchevent'", p.stderr)
        p = self.run_ok("counters", "--help")
        self.assertIn("EXAMPLES", p.stdout)

    # --- the cachegrind engine ----------------------------------------------

    def ir(self, iterations, runs=1):
        recs = self.tiny_hot("--engine=cachegrind", iterations=iterations, runs=runs)
        for r in recs:
            self.assertEqual(r["status"], "ok", r.get("error"))
            cg = r["cachegrind"]
            self.assertIs(cg["simulated"], True)
            self.assertEqual(cg["status"], "ok")
            self.assertIn("--toggle-collect=timed_region*", cg["options"])
            self.assertIn("(simulated)", r["metrics"]["sim_instructions_per_op"]["unit"])
            self.assertIn("sim_d1_misses_per_kop", r["metrics"])
            self.assertIn("sim_ll_misses_per_kop", r["metrics"])
        return [r["cachegrind"]["events"]["Ir"] for r in recs]

    def test_cachegrind_is_deterministic_and_linear(self):
        a, b = self.ir(1000, runs=2)
        self.assertEqual(a, b, "two runs must count the same instructions")
        c = self.ir(2000)[0]
        d = self.ir(4000)[0]
        self.assertGreater(c, a)
        # tiny_hot also calls timed_region(N/100 + 1) to warm up: 1011,
        # 2021, 4041 iterations, so the steps are exactly 1010 and 2020.
        step1, step2 = c - a, d - c
        self.assertAlmostEqual(step2 / step1, 2.0, delta=0.01)

    def test_cachegrind_splits_instructions_by_object(self):
        (r,) = self.tiny_hot("--engine=cachegrind", iterations=1000)
        cg, m = r["cachegrind"], r["metrics"]
        byob = cg["instructions_by_object"]
        self.assertEqual(sum(byob.values()), cg["events"]["Ir"], "self costs must add up to the total")
        self.assertTrue(any(p.endswith("/tiny_hot") for p in byob), byob)
        cls = cg["instructions_by_class"]
        self.assertEqual(set(cls), {"allocator", "libc", "workload", "other"})
        self.assertEqual(sum(cls.values()), cg["events"]["Ir"])
        # tiny_hot is malloc+free in a loop: glibc's malloc functions are
        # most of it, and the loop itself is the workload's.
        self.assertGreater(cls["allocator"], cls["workload"])
        self.assertGreater(cls["workload"], 0)
        self.assertIn("glibc", cg["allocator_object"])
        share = m["sim_alloc_instr_share"]
        self.assertEqual(share["unit"], "fraction (simulated)")
        self.assertAlmostEqual(share["value"], cls["allocator"] / cg["events"]["Ir"], places=6)
        for k in ("alloc", "libc", "workload"):
            self.assertIn("sim_%s_instructions_per_op" % k, m)

    def test_cachegrind_cmd_counts_whole_program(self):
        cmd = os.path.join(WORKLOADS, "tiny_hot") + " --iterations 1000"
        self.run_ok("run", "--cmd", cmd, "--alloc=glibc", "--runs", "1", "--warmup", "0", "--quiet",
                    "--out", self.out, "--engine=cachegrind")
        (r,) = records(self.out)
        cg = r["cachegrind"]
        self.assertEqual(cg["status"], "ok")
        self.assertIn("whole program", cg["region"])
        self.assertIn("--trace-children=yes", cg["options"])
        os.unlink(self.out)
        timed = self.ir(1000)[0]
        self.assertGreater(cg["events"]["Ir"], timed)   # start-up and /bin/sh count too


if __name__ == "__main__":
    unittest.main(verbosity=2)
