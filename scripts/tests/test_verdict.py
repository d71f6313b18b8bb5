"""Verdict vocabulary on synthetic data with known effects, the
correction families, and the A/A calibration: the same setting on both
sides must claim an effect at most once in 20 experiments."""
import os
import re
import sys
import tempfile
import io
import json
import unittest

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import aa  # noqa: E402
import records  # noqa: E402
import verdict  # noqa: E402

TPUT = records.Figure("ops_per_sec", "ops/s", "higher")
FAULTS = records.Figure("rusage_minflt", "faults", "lower")
SECS = records.Figure("rusage_sys_s", "s", "lower")
OLD = records.Figure("ops_per_sec", "ops/s", None)

# every verdict text starts with one of the four verdicts (or the "n/a:" of a figure without direction)
VOCAB = re.compile(r"^(faster|slower|more|fewer|higher|lower) by |^equivalent within |^inconclusive \(|^n/a: ")


def noise(rng, rounds, scale=1e8, effect=1.0):
    """random_mixed-like throughput: a drift shared by both sides of a
    round, per-run noise, and now and then a preempted (slow) run."""
    drift = rng.lognormal(0.0, 0.05, rounds)
    def side(f):
        x = scale * f * drift * rng.lognormal(0.0, 0.02, rounds)
        x[rng.random(rounds) < 0.05] *= 0.8
        return x
    return side(1.0), side(effect)


def paired(fig, a, b):
    return verdict.Comparison(fig, a, b, list(zip(a, b)))


class Wording(unittest.TestCase):
    def test_pct(self):
        self.assertEqual(verdict.pct(0.079), "+7.9%")
        self.assertEqual(verdict.pct(-0.012), "-1.2%")
        self.assertEqual(verdict.pct(0.0004), "+0.0%")

    def test_faster(self):
        a = [100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1]
        b = [x * 1.079 for x in a]
        c = verdict.Comparison(TPUT, a, b)
        self.assertTrue(c.significant)
        self.assertEqual(c.direction, "better")
        self.assertRegex(c.text(), r"^faster by 7\.9% \(95% CI \+\d+\.\d%\.\.\+\d+\.\d%\)$")

    def test_slower(self):
        a = [100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1]
        b = [x * 0.9 for x in a]
        c = verdict.Comparison(TPUT, a, b)
        self.assertTrue(c.text().startswith("slower by 10.0% (95% CI -"), c.text())
        self.assertEqual(c.direction, "worse")

    def test_fewer_and_more(self):
        a = [1000, 1010, 990, 1005, 995, 1002]
        c = verdict.Comparison(FAULTS, a, [x * 0.5 for x in a])
        self.assertTrue(c.text().startswith("fewer by 50.0%"), c.text())
        self.assertEqual(c.direction, "better")
        c = verdict.Comparison(SECS, a, [x * 1.2 for x in a])
        self.assertTrue(c.text().startswith("higher by 20.0%"), c.text())
        self.assertEqual(c.direction, "worse")

    def test_overlap_is_inconclusive(self):
        a = [100, 104, 96, 102, 98, 101, 99, 103]
        b = [101, 97, 103, 99, 102, 98, 104, 100]
        c = verdict.Comparison(TPUT, a, b)
        self.assertFalse(c.significant)
        self.assertRegex(c.text(), r"^inconclusive \(95% CI -\d+\.\d%\.\.\+\d+\.\d%; about \d+ runs per variant "
                                   r"would resolve \u00b12%\)$")

    def test_three_runs_never_claim(self):
        # a 2x difference, but 3 runs are fewer than a verdict needs
        c = verdict.Comparison(TPUT, [100, 101, 102], [200, 201, 202])
        self.assertFalse(c.significant)
        self.assertIn("too few runs", c.text())
        self.assertTrue(c.text().startswith("inconclusive (95% CI +"), c.text())

    def test_zero_baseline(self):
        c = verdict.Comparison(FAULTS, [0, 0, 0, 0, 0, 0], [5, 6, 5, 7, 6, 5])
        self.assertIsNone(c.change)
        self.assertTrue(c.significant)
        self.assertRegex(c.text(), r"^more by 5\.67 \(95% CI \+[0-9.]+\.\.\+[0-9.]+; baseline mean 0")
        c = verdict.Comparison(FAULTS, [0] * 6, [0] * 6)
        self.assertEqual(c.verdict, "equivalent")

    def test_schema1_has_no_verdict(self):
        c = verdict.Comparison(OLD, [100, 101, 99, 100, 100], [120, 121, 119, 120, 120])
        self.assertIsNone(c.verdict)
        self.assertFalse(c.significant)
        self.assertTrue(c.text().startswith("n/a: record predates schema 2: no direction"), c.text())


class MarginOption(unittest.TestCase):
    def test_margin_moves_equivalence(self):
        import ab
        fix = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "ab_small.jsonl")
        out = io.StringIO()
        self.assertEqual(ab.main([fix], out), 0)
        self.assertRegex(out.getvalue(), r"HAKMEM_PREFAULT=1 +6 +100M +100M \u00b1 1.29M +inconclusive \(95% CI -1\.9%\.\.\+2\.3%")
        out = io.StringIO()
        self.assertEqual(ab.main([fix, "--margin", "5"], out), 0)
        self.assertRegex(out.getvalue(), r"HAKMEM_PREFAULT=1 +6 +100M +100M \u00b1 1.29M +equivalent within \u00b15% \(95% CI -1\.9%")
        self.assertAlmostEqual(verdict.margin_arg("2.5"), 0.025)
        for bad in ("abc", "0", "100", "-3"):
            with self.assertRaises(Exception):
                verdict.margin_arg(bad)


class KnownEffects(unittest.TestCase):
    """The vocabulary on synthetic data whose truth is known."""

    def test_clear_ten_percent(self):
        rng = np.random.default_rng(10)
        a, b = noise(rng, 10, effect=1.10)
        self.assertTrue(paired(TPUT, a, b).text().startswith("faster by "), paired(TPUT, a, b).text())
        a, b = noise(rng, 10, effect=0.90)
        self.assertTrue(paired(TPUT, a, b).text().startswith("slower by "))

    def test_identical_is_equivalent(self):
        rng = np.random.default_rng(11)
        drift = rng.lognormal(0, 0.05, 20)
        a = 1e8 * drift * rng.lognormal(0, 0.004, 20)
        b = 1e8 * drift * rng.lognormal(0, 0.004, 20)
        c = paired(TPUT, a, b)
        self.assertTrue(c.text().startswith("equivalent within \u00b12% (95% CI "), c.text())
        lo, hi = c.ci
        self.assertTrue(-0.02 < lo and hi < 0.02)

    def test_no_equivalence_finer_than_the_step(self):
        """latency's figures on AMD Zen move in 10 ns steps: 21 runs all at
        40.1 ns on both sides give a CI of zero width, which says nothing
        below a step (25% of 40 ns).  Without a step the same data are
        equivalent; with a step finer than the margin too."""
        a = b = [40.1] * 21
        c = paired(records.Figure("free_p99_ns", "ns", "lower", "", 10.02), a, b)
        self.assertEqual(c.verdict, "inconclusive")
        self.assertRegex(c.text(), r"^inconclusive \(95% CI \+0\.0%\.\.\+0\.0%; the figure moves in steps of "
                                   r"10 ns \(25\.0% of the baseline's median\), coarser than \u00b12%")
        self.assertNotIn("runs per variant", c.text())
        self.assertEqual(paired(records.Figure("free_p99_ns", "ns", "lower"), a, b).verdict, "equivalent")
        fine = [400.1 + 0.49 * (i % 3) for i in range(21)]   # 2% of 400 ns is 8 ns: a 0.49 ns step resolves it
        self.assertEqual(paired(records.Figure("free_p99_ns", "ns", "lower", "", 0.49), fine, fine).verdict,
                         "equivalent")
        # a difference is still claimed in whole steps: the direction holds,
        # and the text says the size is coarse
        hi = [50.1] * 11 + [40.1] * 10
        t = paired(records.Figure("free_p99_ns", "ns", "lower", "", 10.02), a, hi).text()
        self.assertRegex(t, r"^higher by [0-9.]+% \(9[0-9.]+% CI [^;]+; the figure moves in steps of 10 ns "
                            r"\(25\.0% of the baseline's median\), so the size is coarse\)$")
        self.assertNotIn("coarse", paired(records.Figure("free_p99_ns", "ns", "lower"), a, hi).text())

    def test_the_coarsest_step_of_any_run_is_kept(self):
        recs = []
        for run, step in enumerate((0.49, 10.02, None)):
            m = {"value": 40.1, "unit": "ns", "better": "lower", "desc": "d"}
            if step:
                m["step"] = step
            recs.append({"schema": 2, "workload": "latency", "variant": "x", "run": run, "status": "ok",
                         "metrics": {"free_p99_ns": m}})
        exp = records.Experiment(recs)
        self.assertEqual(exp.figures["free_p99_ns"].step, 10.02)

    def test_tiny_n_wide_noise_is_inconclusive(self):
        a = [100, 130, 80, 115, 90]           # +-20% noise, 5 rounds, no effect
        b = [120, 85, 110, 95, 125]
        c = paired(TPUT, a, b)
        self.assertEqual(c.verdict, "inconclusive")
        self.assertRegex(c.text(), r"^inconclusive \(95% CI [+-][0-9.]+%\.\.[+-][0-9.]+%; about \d+ runs per variant "
                                   r"would resolve \u00b12%\)$")
        self.assertGreater(c.runs_needed, 5)

    def test_verdict_never_contradicts_ci(self):
        rng = np.random.default_rng(13)
        for i in range(300):
            n = int(rng.integers(5, 12))
            a, b = noise(rng, n, effect=float(rng.choice([0.97, 1.0, 1.01, 1.05])))
            c = paired(TPUT, a, b)
            c.p_adj = min(1.0, c.p * float(rng.choice([1, 3, 8])))       # as a correction would
            lo, hi = c.ci
            self.assertRegex(c.text(), VOCAB)
            if c.verdict == "effect":
                self.assertTrue(lo > 0 or hi < 0, c.text())
                self.assertLess(c.p_adj, verdict.ALPHA)
            elif c.verdict == "equivalent":
                self.assertTrue(-0.02 <= lo and hi <= 0.02, c.text())
            else:
                self.assertTrue(lo <= 0 <= hi, c.text())
                self.assertTrue(lo < -0.02 or hi > 0.02, c.text())


class AACalibration(unittest.TestCase):
    def aa_comparisons(self, seed, n_exp, rounds=10):
        rng = np.random.default_rng(seed)
        return [paired(TPUT, *noise(rng, rounds)) for _ in range(n_exp)]

    def test_twenty_aa_claim_at_most_once(self):
        k, n, _ = aa.claims(self.aa_comparisons(2024, 20))
        self.assertEqual(n, 20)
        self.assertLessEqual(k, 1, "A/A: %d of 20 experiments claimed an effect" % k)

    def test_aa_rate_near_alpha(self):
        k, n, ci = aa.claims(self.aa_comparisons(2025, 400))
        self.assertLessEqual(k / n, 0.08, "A/A: %d of %d claimed an effect" % (k, n))
        self.assertLessEqual(ci[0], verdict.ALPHA)

    def test_real_shift_is_detected(self):
        # the converse of A/A: a 5% shift under the same noise is found nearly always
        rng = np.random.default_rng(99)
        found = 0
        for _ in range(50):
            a = list(1e8 * rng.lognormal(0.0, 0.02, 10))
            b = list(1.05e8 * rng.lognormal(0.0, 0.02, 10))
            found += verdict.Comparison(TPUT, a, b).significant
        self.assertGreaterEqual(found, 45)

    def test_aa_script_on_a_results_file(self):
        # 200 runs of one variant, as `harness run --runs 200` writes them: 20 experiments of 5 pairs
        rng = np.random.default_rng(2026)
        a, b = noise(rng, 100)
        vals = [x for pair in zip(a, b) for x in pair]
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for i, x in enumerate(vals):
                f.write(json.dumps({"schema": 2, "invocation": "aa-1", "workload": "random_mixed", "variant": "hakmem",
                                    "run": i, "status": "ok", "metrics": {"ops_per_sec": {
                                        "value": x, "unit": "ops/s", "better": "higher", "desc": "ops/s"}}}) + "\n")
        try:
            out = io.StringIO()
            self.assertEqual(aa.main([f.name], out), 0)
            text = out.getvalue()
        finally:
            os.unlink(f.name)
        self.assertIn("200 runs of `hakmem` split into 20 experiments of 5 pairs", text)
        m = re.search(r"false claims: (\d+) of 20 experiments", text)
        self.assertIsNotNone(m, text)
        self.assertLessEqual(int(m.group(1)), 1)



class NumberFormat(unittest.TestCase):
    def test_fmt_num_never_uses_an_exponent(self):
        """Table columns hold figures of every size: none may switch to
        exponent notation (0.000512 was printed 5.12e-04 beside 0.0913)."""
        for v in (0.000512, 1.2345e-06, 1e-12, -0.0005, 0.0913, 2, 123.4, 16640, 3.2e7, 4.5e9):
            self.assertNotRegex(verdict.fmt_num(v), r"[0-9]e[-+]", v)
        self.assertEqual(verdict.fmt_num(0.000512), "0.000512")
        # the suffixes mean what they say (24,000 printed as "2.4k" once)
        self.assertEqual(verdict.fmt_num(24000), "24k")
        self.assertEqual(verdict.fmt_num(129000), "129k")
        self.assertEqual(verdict.fmt_num(9999), "9999")
        self.assertEqual(verdict.fmt_num(2.49e6), "2.49M")
        self.assertEqual(verdict.fmt_num(-0.0005), "-0.000500")

if __name__ == "__main__":
    unittest.main()
