#!/usr/bin/python3
"""`harness calibrate` end to end: the table, the per-host-and-boot cache,
--json, records carrying host.calibration once (and only once) a cache
exists, bad options.  Each test uses its own source tree (HARNESS_SOURCE_DIR
= a temporary directory) so the cache starts absent; the programs come from
the real build.  The costs themselves are checked by calibrate/tests; here
only the harness's handling of them (few trials: fast)."""
import json
import os
import subprocess
import tempfile
import unittest

HARNESS = os.environ["HARNESS_BIN"]
BOOT_ID = open("/proc/sys/kernel/random/boot_id").read().strip()
COSTS = ["fault_4k_first_touch", "fault_thp", "refault_after_dontneed", "mmap_call", "munmap_call",
         "madvise_dontneed_call", "clear_page_4k", "memset_4k"]


def load(path):
    with open(path) as f:
        return json.load(f)


class Calibrate(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.env = dict(os.environ, HARNESS_SOURCE_DIR=self.tmp.name)
        self.cache = os.path.join(self.tmp.name, "results", "calibration",
                                  "%s-%s.json" % (os.uname().nodename, BOOT_ID))

    def tearDown(self):
        self.tmp.cleanup()

    def harness(self, *args):
        return subprocess.run([HARNESS, *args], capture_output=True, text=True, timeout=120, env=self.env)

    def ok(self, *args):
        p = self.harness(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def run_records(self, name):
        out = os.path.join(self.tmp.name, name)
        self.ok("run", "tiny_hot", "--alloc=glibc", "--runs", "1", "--warmup", "0", "--out", out,
                "--", "--iterations", "2000")
        with open(out) as f:
            return [json.loads(line) for line in f if line.strip()]

    def test_table_cache_json_and_records(self):
        # before: no cache, a record has no calibration (the report says so)
        self.assertFalse(os.path.exists(self.cache))
        self.assertNotIn("calibration", self.run_records("before.jsonl")[0]["host"])

        p = self.ok("calibrate", "--trials", "3")
        self.assertTrue(os.path.exists(self.cache), p.stdout)
        self.assertIn("measured now; cached in " + self.cache, p.stdout)
        cal = load(self.cache)
        self.assertEqual(cal["host"]["boot_id"], BOOT_ID)
        self.assertEqual(cal["trials"], 3)
        lines = p.stdout.splitlines()
        for name in COSTS:
            row = [l for l in lines if l.split()[:1] == [name]]
            self.assertEqual(len(row), 1, (name, p.stdout))
            e = cal["costs"][name]
            if "status" in e:
                self.assertIn("not measurable here", row[0])
            else:
                # median, p10 .. p90 and n are shown, and n is the trials asked
                self.assertIn(" .. ", row[0])
                self.assertEqual(row[0].split()[-1], str(e["n"]))
                self.assertGreaterEqual(e["n"], 3)
                self.assertLessEqual(e["p10"], e["median"])
                self.assertLessEqual(e["median"], e["p90"])

        # a second call shows the cache (not measured again): same object
        mtime = os.stat(self.cache).st_mtime_ns
        p = self.ok("calibrate")
        self.assertIn("cached (this host and boot", p.stdout)
        self.assertEqual(os.stat(self.cache).st_mtime_ns, mtime)
        self.assertEqual(json.loads(self.ok("calibrate", "--json").stdout), cal)

        # every record now carries exactly the cached object
        rec = self.run_records("after.jsonl")[0]
        self.assertEqual(rec["host"]["calibration"], cal)

        # --force measures again; other trials than the cache's too
        self.ok("calibrate", "--force", "--trials", "3")
        self.assertNotEqual(load(self.cache), cal)
        self.ok("calibrate", "--trials", "4")
        self.assertEqual(load(self.cache)["trials"], 4)

    def test_cache_of_another_boot_is_not_used(self):
        os.makedirs(os.path.dirname(self.cache))
        other = os.path.join(os.path.dirname(self.cache), "%s-%s.json" % (os.uname().nodename, "0" * 8))
        fake = {"schema": 1, "host": {"hostname": os.uname().nodename, "boot_id": "0" * 8},
                "costs": {}}
        # the right file name with another boot inside: not this boot's
        with open(self.cache, "w") as f:
            json.dump(fake, f)
        with open(other, "w") as f:
            json.dump(fake, f)
        self.assertNotIn("calibration", self.run_records("r.jsonl")[0]["host"])
        p = self.ok("calibrate", "--trials", "2")
        self.assertIn("measured now", p.stdout)
        self.assertEqual(load(self.cache)["host"]["boot_id"], BOOT_ID)

    def test_bad_options_one_line_exit_2(self):
        cases = [(["--trials", "0"], "--trials needs a whole number"),
                 (["--trials", "x"], "--trials needs a whole number"),
                 (["--trials"], "--trials needs a value"),
                 (["--bogus"], "unknown option '--bogus'"),
                 (["extra"], "unexpected argument 'extra'")]
        for args, message in cases:
            with self.subTest(args=args):
                p = self.harness("calibrate", *args)
                self.assertEqual(p.returncode, 2)
                self.assertIn(message, p.stderr)
                self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                self.assertFalse(os.path.exists(self.cache))

    def test_help_ends_with_examples(self):
        p = self.ok("calibrate", "--help")
        self.assertIn(self.cache, p.stdout)
        self.assertEqual(p.stdout.strip().splitlines()[-1].split()[:2], ["./harness", "calibrate"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
