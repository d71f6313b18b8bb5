#!/usr/bin/python3
"""aa.py - A/A calibration: how often do the verdicts claim an effect
(faster/slower, more/fewer, higher/lower) where there is none?

    /usr/bin/python3 scripts/aa.py RESULTS.jsonl [--variant LABEL] [--rounds K]
        [--figure NAME] [--margin PCT] [--invocation ID]

A/A experiments come from a results file in one of two ways:

  same-setting variants  variants of one invocation and workload with the
                         same allocator (name and library) and knobs: every
                         such variant against the first is one A/A
                         comparison, paired over the rounds as in `ab`.
  split                  otherwise, one variant's runs (--variant; default
                         the first) in file order are cut into blocks of
                         2K consecutive runs (--rounds K, default 5); in
                         each block run 2i is A and run 2i+1 is B, paired.
                         e.g. `./harness run random_mixed --alloc=hakmem
                         --runs 200` gives 20 experiments of 5 pairs.

Each experiment is judged exactly as verdict.py judges one comparison.
The output is every experiment's verdict, then the observed false-claim
rate with its Clopper-Pearson 95% CI, next to the 5% the test allows.
"""

import argparse
import os
import signal
import sys

if __name__ == "__main__":      # Ctrl-C ends it quietly, even while importing: no traceback
    signal.signal(signal.SIGINT, signal.SIG_DFL)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import records  # noqa: E402
import stats  # noqa: E402
import verdict  # noqa: E402


def judged(figure):
    """The figure to judge A/A comparisons of.  An A/A claim is any CI that
    excludes 0, whichever way, so a figure without a direction (schema 1)
    is judged as "neither" instead of getting no verdict at all."""
    if figure.better is not None:
        return figure
    return records.Figure(figure.name, figure.unit, "neither", figure.desc, figure.step)


def claims(comparisons):
    """(number of effect claims, number of experiments, 95% CI of the rate)."""
    k = sum(1 for c in comparisons if c.significant)
    n = len(comparisons)
    return k, n, (stats.binom_ci(k, n) if n else None)


def split_experiments(values, rounds, figure, margin):
    """A/A comparisons from one variant's values in run order: blocks of
    2*rounds runs, A = even runs, B = odd runs, paired."""
    out = []
    for s in range(0, len(values) - 2 * rounds + 1, 2 * rounds):
        block = values[s:s + 2 * rounds]
        a, b = block[0::2], block[1::2]
        out.append(verdict.Comparison(judged(figure), a, b, list(zip(a, b)), None, margin))
    return out


def same_setting_experiments(exp, figure_name, margin):
    """A/A comparisons between variants of the same allocator and knobs."""
    groups = {}
    for v in exp.variants:
        key = ((v.alloc or {}).get("name"), (v.alloc or {}).get("path"), tuple(sorted(v.knobs.items())))
        groups.setdefault(key, []).append(v)
    out = []
    for vs in groups.values():
        for other in vs[1:]:
            a, b = vs[0].values.get(figure_name), other.values.get(figure_name)
            if a and b:
                pairs, why = verdict.pairs_of(vs[0], other, figure_name)
                out.append(verdict.Comparison(judged(exp.figures[figure_name]), a, b, pairs, why, margin))
    return out


def main(argv=None, out=sys.stdout):
    ap = argparse.ArgumentParser(prog="aa.py", description="A/A calibration: observed false-claim rate.")
    ap.add_argument("results")
    ap.add_argument("--variant", help="variant whose runs are split (default: the first)")
    ap.add_argument("--rounds", type=int, default=5, help="pairs per split experiment (default 5)")
    ap.add_argument("--figure", help="figure to compare (default: ops_per_sec, or wall_s for --cmd runs)")
    verdict.add_options(ap)
    ap.add_argument("--invocation")
    a = ap.parse_args(argv)
    if not os.path.isfile(a.results):
        print("aa: cannot read '%s': no such file" % a.results, file=sys.stderr)
        return 2
    if a.rounds < verdict.MIN_RUNS:
        print("aa: --rounds %d is below the %d runs a verdict needs" % (a.rounds, verdict.MIN_RUNS), file=sys.stderr)
        return 2
    margin = a.margin
    recs, _ = records.load(a.results)
    if a.invocation:
        recs = [r for r in recs if r.get("invocation") == a.invocation]
    recs, _ = records.split_engines(recs)
    comps, how = [], []
    for label, grecs in records.workload_groups(recs):
        for inv in records.invocations(grecs):
            exp = records.Experiment([r for r in grecs if r.get("invocation") == inv])
            name = a.figure or verdict.primary_figure(exp)
            if name not in exp.figures:
                print("aa: figure '%s' is not in the records of %s" % (name, label), file=sys.stderr)
                return 2
            got = same_setting_experiments(exp, name, margin)
            if got:
                comps += got
                how.append("%s, invocation %s: %d same-setting comparison(s)" % (label, inv, len(got)))
        if not comps:
            exp = records.Experiment(grecs)
            name = a.figure or verdict.primary_figure(exp)
            v = next((x for x in exp.variants if x.label == a.variant), None) if a.variant else exp.baseline
            if v is None or not v.by_run.get(name):
                print("aa: no runs of variant '%s' with %s in %s" % (a.variant, name, label), file=sys.stderr)
                return 2
            runs = v.by_run[name]
            vals = [runs[k] for k in sorted(runs, key=lambda k: (str(k[0]), k[1] if k[1] is not None else -1))]
            got = split_experiments(vals, a.rounds, exp.figures[name], margin)
            comps += got
            how.append("%s: %d runs of `%s` split into %d experiments of %d pairs"
                       % (label, len(vals), v.label, len(got), a.rounds))
    if not comps:
        print("aa: %s holds no A/A experiment (need same-setting variants, or at least %d runs of one variant)"
              % (a.results, 2 * a.rounds), file=sys.stderr)
        return 2
    for h in how:
        out.write("A/A: %s\n" % h)
    for i, c in enumerate(comps, 1):
        out.write("  %3d  %s\n" % (i, c.text()))
    k, n, ci = claims(comps)
    out.write("false claims: %d of %d experiments (%.1f%%, 95%% CI %.1f%%..%.1f%%); the test allows %.0f%% "
              "per experiment, i.e. about %.1f of %d\n"
              % (k, n, 100.0 * k / n, ci[0] * 100, ci[1] * 100, verdict.ALPHA * 100, verdict.ALPHA * n, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
