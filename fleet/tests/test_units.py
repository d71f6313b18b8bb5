"""fleet without an engine: splitting command lines, sshloginfiles, the
checks of `collect` on hand-made shard files, and the cross-host statistics
of hostreport against a hand computation (one-way ANOVA estimator)."""
import json
import math
import os
import random
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import collect  # noqa: E402
import engines  # noqa: E402
import fleet  # noqa: E402
import hostreport  # noqa: E402
from experiment import Command, Experiment, UsageError, split  # noqa: E402


class Split(unittest.TestCase):
    def test_per_host_copies_the_whole_command(self):
        c = Command(["./harness", "run", "tiny_hot", "--alloc", "glibc,hakmem", "--runs", "3",
                     "--counters", "--", "--iterations", "10"])
        s = split(c, "per-host", 3)
        self.assertEqual([x["index"] for x in s], [0, 1, 2])
        self.assertEqual(s[2]["argv"], ["run", "tiny_hot", "--alloc=glibc,hakmem", "--runs=3",
                                        "--counters", "--", "--iterations", "10"])

    def test_alloc_workload_run_and_ab(self):
        for name in ("run", "ab"):
            c = Command([name, "tiny_hot", "--alloc=glibc,hakmem,mimalloc", "--vary", "X=1,2"])
            s = split(c, "alloc-workload")
            self.assertEqual([x["label"] for x in s], ["glibc", "hakmem", "mimalloc"])
            self.assertEqual(s[1]["argv"], [name, "tiny_hot", "--alloc=hakmem", "--vary=X=1,2"])

    def test_alloc_workload_suite_named_and_listed(self):
        c = Command(["suite", "--alloc=glibc,hakmem", "larson", "latency"])
        s = split(c, "alloc-workload")
        self.assertEqual([x["label"] for x in s],
                         ["larson glibc", "larson hakmem", "latency glibc", "latency hakmem"])
        self.assertEqual(s[3]["argv"], ["suite", "latency", "--alloc=hakmem"])
        c = Command(["suite", "--alloc=glibc"])
        s = split(c, "alloc-workload", workload_list=lambda: ["a", "b"])
        self.assertEqual([x["argv"][1] for x in s], ["a", "b"])

    def test_bad_input(self):
        for argv, word in [([], "must start"), (["list"], "must start"),
                           (["run", "tiny_hot", "--out", "x.jsonl"], "--out"),
                           (["run", "a", "b", "--alloc=glibc"], "one WORKLOAD"),
                           (["run", "a", "-n", "3"], "long form"),
                           (["run", "a", "--runs"], "needs a value")]:
            with self.assertRaises(UsageError) as e:
                Command(argv)
            self.assertIn(word, str(e.exception))
        with self.assertRaises(UsageError) as e:
            split(Command(["analyze", "random_mixed"]), "alloc-workload")
        self.assertIn("per-host", str(e.exception))
        with self.assertRaises(UsageError):
            split(Command(["run", "x", "--alloc=glibc"]), "per-host", 0)
        with self.assertRaises(UsageError):
            split(Command(["run", "x"]), "alloc-workload")

    def test_cmd_runs_keep_their_command(self):
        c = Command(["run", "--cmd", "python3 -c 'print(1)'", "--alloc=glibc,hakmem"])
        self.assertEqual(split(c, "alloc-workload")[0]["argv"],
                         ["run", "--cmd=python3 -c 'print(1)'", "--alloc=glibc"])

    def test_where_the_experiment_starts(self):
        self.assertEqual(fleet.experiment_start(["--partition", "run", "--nodes=2", "run", "x"]), 3)
        self.assertEqual(fleet.experiment_start(["--wait", "./harness", "suite"]), 1)
        with self.assertRaises(UsageError):
            fleet.experiment_start(["--partition", "run"])

    def test_analyze_report_goes_to_the_shard(self):
        exp = Experiment("/x/exp")
        shard = split(Command(["analyze", "random_mixed", "--runs", "3"]), "per-host", 2)[1]
        shard["attempt"] = 2
        self.assertEqual(exp.shard_argv(shard), ["analyze", "random_mixed", "--runs=3",
                                                 "--report-dir=/x/exp/shards/1.a2.report",
                                                 "--out=/x/exp/shards/1.a2.jsonl"])

    def test_suite_workloads_from_harness_list(self):
        names = fleet.harness_workloads()
        self.assertIn("tiny_hot", names)
        self.assertIn("random_mixed", names)
        self.assertNotIn("glibc", names)       # the allocators list that follows

    def test_sshloginfile(self):
        d = tempfile.mkdtemp()
        try:
            p = os.path.join(d, "hosts")
            with open(p, "w") as f:
                f.write("# bench hosts\n:\n4/alice@node1\nnode2, node3\n\nnode1\n")
            self.assertEqual(engines.sshlogins(p), [":", "alice@node1", "node2", "node3", "node1"])
            with open(p, "w") as f:
                f.write("# nothing\n")
            with self.assertRaises(UsageError):
                engines.sshlogins(p)
        finally:
            shutil.rmtree(d)


def read(path):
    with open(path) as f:
        return f.read()


def record(host, variant, run, ops, invocation="inv1", out="", **over):
    r = {"schema": 1, "invocation": invocation, "experiment": "run",
         "command": "./harness run tiny_hot --out=%s" % out,
         "host": {"hostname": host, "kernel": "6.1", "cpu_model": "CPU " + host, "cores": 4,
                  "thp_enabled": "madvise", "hw_pmu": False, "hw_pmu_reason": "none"},
         "workload": "tiny_hot", "cmd": None, "args": [], "threads": 0, "variant": variant,
         "alloc": {"name": variant, "version": "1.0"}, "engine": "native", "run": run,
         "status": "ok", "ops_per_sec": ops}
    r.update(over)
    return r


class NoEngine:
    def states(self, jobs):
        return {}


class Collect(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp()
        self.exp = Experiment(self.d)
        os.makedirs(self.exp.shard_dir())
        self.exp.m = {"id": "t", "split": "per-host", "engine": "parallel", "jobs": [],
                      "shards": split(Command(["run", "tiny_hot", "--alloc=a,b"]), "per-host", 3)}
        self.exp.save()

    def tearDown(self):
        shutil.rmtree(self.d)

    def shard(self, i, recs, exit=0, raw=None):
        path = self.exp.shard_file(i, 1, "jsonl")
        with open(path, "w") as f:
            for r in recs:
                f.write(json.dumps(r) + "\n")
            if raw:
                f.write(raw)
        with open(self.exp.shard_file(i, 1, "done.json"), "w") as f:
            json.dump({"exit": exit, "node": "n%d" % i, "seconds": 1.0}, f)
        return path

    def good(self, i):
        p = self.exp.shard_file(i, 1, "jsonl")
        return [record("n%d" % i, v, r, 100.0, invocation="inv%d" % i, out=p)
                for r in range(2) for v in ("a", "b")]

    def test_complete_merge_is_append_only_and_tagged(self):
        for i in range(3):
            self.shard(i, self.good(i))
        lines, problems, out = collect.collect(self.exp, NoEngine())
        self.assertEqual(problems, [])
        recs = [json.loads(x) for x in read(out).splitlines()]
        self.assertEqual(len(recs), 12)
        self.assertEqual(sorted({r["fleet"]["shard"] for r in recs}), [0, 1, 2])
        self.assertEqual({r["fleet"]["node"] for r in recs if r["fleet"]["shard"] == 2}, {"n2"})
        before = read(out)
        lines, problems, _ = collect.collect(self.exp, NoEngine())
        self.assertEqual(problems, [])
        self.assertEqual(read(out), before)          # nothing written twice

    def test_missing_failed_cut_fingerprint_duplicate_are_named(self):
        self.shard(0, self.good(0), raw='{"variant": "a", "sta')   # a cut last line
        bad = self.good(1)
        del bad[2]["host"]["kernel"]
        bad[3]["alloc"]["version"] = ""
        self.shard(1, bad)
        # shard 2: shard 1's records copied (a duplicated shard) -> not written by shard 2
        self.shard(2, self.good(1))
        _, problems, out = collect.collect(self.exp, NoEngine())
        text = "\n".join(problems)
        self.assertIn("shard 0 (host 1 of 3): 0.a1.jsonl line 5 is not a whole JSON record", text)
        self.assertIn("record 3 lacks its fingerprint: host.kernel", text)
        self.assertIn("record 4 lacks its fingerprint: alloc.version", text)
        self.assertIn("shard 2 (host 3 of 3): record 1 was not written by this shard", text)
        self.assertFalse(os.path.exists(out))               # nothing complete, nothing merged
        # a failed shard and a shard that never ran
        self.shard(0, self.good(0), exit=1)
        os.remove(self.exp.shard_file(1, 1, "done.json"))
        os.remove(self.exp.shard_file(2, 1, "done.json"))
        _, problems, _ = collect.collect(self.exp, NoEngine())
        self.assertIn("shard 0 (host 1 of 3) FAILED: harness exit 1 on n0", problems[0])
        self.assertIn("shard 1 (host 2 of 3) NOT_STARTED", problems[1])

    def test_same_invocation_in_two_shards(self):
        self.shard(0, self.good(0))
        dup = self.good(1)
        for r in dup:
            r["invocation"] = "inv0"
        self.shard(1, dup)
        self.shard(2, self.good(2))
        _, problems, _ = collect.collect(self.exp, NoEngine())
        self.assertTrue(any("invocation inv0 is also in shard 0" in p for p in problems), problems)


class ShardRunner(unittest.TestCase):
    def test_a_second_run_of_one_attempt_moves_the_first_aside(self):
        import shard
        d = tempfile.mkdtemp()
        try:
            exp = Experiment(d)
            os.makedirs(exp.shard_dir())
            exp.m = {"harness": "/bin/false", "source_dir": d, "build_dir": None,
                     "shards": split(Command(["run", "x", "--alloc=a"]), "per-host", 1)}
            exp.save()
            self.assertEqual(shard.run_shard(d, 0), 1)
            done = exp.read_json(exp.shard_file(0, 1, "done.json"))
            self.assertEqual((done["exit"], done["attempt"]), (1, 1))
            self.assertIn("--out=%s" % exp.shard_file(0, 1, "jsonl"), done["command"])
            exp.m["harness"] = "/bin/true"
            exp.save()
            self.assertEqual(shard.run_shard(d, 0), 0)
            self.assertEqual(exp.read_json(exp.shard_file(0, 1, "done.json"))["exit"], 0)
            stale = sorted(f for f in os.listdir(exp.shard_dir()) if ".stale-" in f)
            self.assertEqual([f.split(".stale-")[0] for f in stale],
                             ["0.a1.done.json", "0.a1.log", "0.a1.start.json"])
            with self.assertRaises(UsageError):
                shard.run_shard(d, 5)
        finally:
            shutil.rmtree(d)


class CrossHost(unittest.TestCase):
    def records(self, ratios, runs=5, seed=3, flip=None):
        rng = random.Random(seed)
        recs = []
        for h, ratio in ratios.items():
            base = 100e6 * (1 + 0.5 * rng.random())       # hosts differ in speed
            for run in range(runs):
                noise = math.exp(rng.gauss(0, 0.03))
                recs.append(record(h, "glibc", run, base * noise, invocation=h))
                recs.append(record(h, "hakmem", run, base * noise * ratio * math.exp(rng.gauss(0, 0.03)),
                                   invocation=h))
                third = 0.5 if h != flip else 3.0
                recs.append(record(h, "mimalloc", run, base * third, invocation=h))
        return recs

    def test_random_intercept_against_anova(self):
        ratios = {"h1": 1.1, "h2": 1.25, "h3": 1.4, "h4": 1.2}
        recs = self.records(ratios)
        md, summary, results = hostreport.build("x/results.jsonl", recs, [])
        (g, base, sums), = results.values()
        self.assertEqual(base, "glibc")
        s = next(x for x in sums if x["variant"] == "hakmem")
        # the within-host ratio is each host's own medians, nothing else
        for h in ratios:
            meds = {v: hostreport.median([r["ops_per_sec"] for r in recs
                                          if r["host"]["hostname"] == h and r["variant"] == v])
                    for v in ("glibc", "hakmem")}
            self.assertAlmostEqual(s["per_host"][h], meds["hakmem"] / meds["glibc"], places=12)
        # hand computation: balanced one-way random effects on d = log ratio per round
        d = {h: [] for h in ratios}
        by = {(r["host"]["hostname"], r["variant"], r["run"]): r["ops_per_sec"] for r in recs}
        for h in ratios:
            for run in range(5):
                d[h].append(math.log(by[(h, "hakmem", run)]) - math.log(by[(h, "glibc", run)]))
        k, n = len(d), 5
        grand = sum(sum(v) for v in d.values()) / (k * n)
        means = {h: sum(v) / n for h, v in d.items()}
        msb = n * sum((m - grand) ** 2 for m in means.values()) / (k - 1)
        msw = sum((x - means[h]) ** 2 for h, v in d.items() for x in v) / (k * (n - 1))
        tau = math.sqrt((msb - msw) / n)
        self.assertIn("random-intercept model", s["method"])
        self.assertTrue(s["converged"])
        self.assertAlmostEqual(math.log(s["ratio"]), grand, places=5)
        self.assertAlmostEqual(s["tau"], tau, delta=0.01 * tau + 1e-4)
        self.assertAlmostEqual(s["within_sd"], math.sqrt(msw), delta=0.01 * math.sqrt(msw))
        self.assertLess(s["host_range"][0], min(ratios.values()) * 1.02)
        self.assertGreater(s["host_range"][1], max(ratios.values()) * 0.98)
        text = "\n".join(md)
        self.assertIn("### h3", text)
        self.assertIn("the same on every host (4)", text)
        self.assertNotIn("one machine", text)      # distinct hostnames: distinct machines

    def test_few_hosts_is_said_and_ranking_flip_is_named(self):
        recs = self.records({"h1": 1.2, "h2": 1.3}, flip="h2")
        md, summary, results = hostreport.build("x/results.jsonl", recs, [])
        (g, base, sums), = results.values()
        s = sums[0]
        self.assertNotIn("ratio", s)
        self.assertIn("2 hosts", s["method"])
        self.assertAlmostEqual(s["geomean"], math.sqrt(s["per_host"]["h1"] * s["per_host"]["h2"]))
        text = "\n".join(summary)
        self.assertIn("ranking differs between hosts: hakmem > glibc > mimalloc on h1; "
                      "mimalloc > hakmem > glibc on h2", text)

    def test_bad_input(self):
        d = tempfile.mkdtemp()
        try:
            p = os.path.join(d, "r.jsonl")
            with open(p, "w") as f:
                f.write("not json\n")
            self.assertEqual(hostreport.main([p]), 2)
            self.assertEqual(hostreport.main([os.path.join(d, "nope.jsonl")]), 2)
            self.assertEqual(hostreport.main([p, "--frob"]), 2)
            self.assertEqual(hostreport.main([]), 2)
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
