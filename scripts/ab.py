#!/usr/bin/python3
"""ab.py - the verdict table of an A/B experiment, printed on stdout.

    /usr/bin/python3 scripts/ab.py RESULTS.jsonl [--invocation ID] [--baseline LABEL] [--all]

`harness ab` runs this on the invocation it just ran.  For each variant
against the baseline: the throughput verdict, then every other figure
with a claimed effect (with --all: every figure).  The rules are in
verdict.py and README.md (reports section).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import analysis  # noqa: E402
import stats  # noqa: E402
import verdict  # noqa: E402


def table(rows, out, indent=""):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for n, r in enumerate(rows):
        out.write(indent + "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
        if n == 0:
            out.write(indent + "  ".join("-" * w for w in widths) + "\n")


def main(argv=None, out=sys.stdout):
    ap = argparse.ArgumentParser(prog="ab.py", description="A/B verdict table of a results file.")
    ap.add_argument("results")
    ap.add_argument("--invocation")
    ap.add_argument("--baseline")
    ap.add_argument("--all", action="store_true", help="every figure, not only those with an effect")
    a = ap.parse_args(argv)
    an = analysis.Analysis(a.results, a.invocation, a.baseline)
    an.warn_skipped()
    exp = an.exp
    base = exp.baseline
    out.write("\nA/B verdicts against %s (median ratio, 95%% bootstrap CI, Mann-Whitney p; "
              "an effect needs CI excluding 0 and p < %.2f)\n\n" % (base.label, verdict.ALPHA))
    xs = base.values.get("ops_per_sec")
    rows = [["variant", "runs", "median ops/s", "throughput verdict", "p"]]
    rows.append([base.label, len(base.runs), verdict.fmt_num(stats.median(xs)) if xs else "n/a", "baseline", ""])
    for v in exp.variants[1:]:
        c = an.throughput(v.label)
        xs = v.values.get("ops_per_sec")
        rows.append([v.label, len(v.runs), verdict.fmt_num(stats.median(xs)) if xs else "n/a",
                     c.text() if c else "unavailable (no ops/s recorded)", "%.3g" % c.p if c else ""])
    table(rows, out)
    for v in exp.variants[1:]:
        cs = [c for c in an.comps[v.label] if c.figure.name != "ops_per_sec" and (a.all or c.significant)]
        out.write("\n%s vs %s, %s:\n" % (v.label, base.label,
                                         "every figure" if a.all else "figures with an effect"))
        if not cs:
            out.write("  none: every other figure shows no measurable effect\n")
            continue
        rows = [["figure", base.label[:24], v.label[:24], "p (BH)", "verdict"]]
        for c in cs:
            rows.append([c.figure.label, verdict.fmt_num(c.med_base), verdict.fmt_num(c.med_other),
                         "%.3g" % c.p_adj, c.text()])
        table(rows, out, "  ")
    failed = sum(len(v.failed) for v in exp.variants)
    if failed:
        out.write("\n%d run(s) failed; they are recorded with their error in %s\n" % (failed, a.results))
    for v in exp.variants:
        for name, reasons in v.unsupported.items():
            if v is base:
                for r in reasons:
                    out.write("unavailable: %s: %s\n" % (exp.figures[name].label, r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
