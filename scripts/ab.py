#!/usr/bin/python3
"""ab.py - the verdict table of an A/B experiment, printed on stdout.

    /usr/bin/python3 scripts/ab.py RESULTS.jsonl [--invocation ID] [--baseline LABEL]
        [--margin PCT] [--all] [--aa]

`harness ab` runs this on the invocation it just ran.  For each workload
in the file and each variant against the baseline: the verdict on
throughput (wall time for --cmd runs), then every other figure with an
effect (with --all: every figure).  The rules are in verdict.py and
README.md ("How a verdict is decided").  Two builds of one library whose
malloc or free start differently in a 64-byte line get a placement note
(placement.py).  --aa: the file is an A/A
experiment; print the observed false-claim rate instead (aa.py).
"""

import argparse
import os
import signal
import statistics
import sys

if __name__ == "__main__":      # Ctrl-C ends it quietly, even while importing: no traceback
    signal.signal(signal.SIGINT, signal.SIG_DFL)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import aa  # noqa: E402
import analysis  # noqa: E402
import placement  # noqa: E402
import stats  # noqa: E402
import verdict  # noqa: E402


def table(rows, out, indent=""):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    for n, r in enumerate(rows):
        out.write(indent + "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() + "\n")
        if n == 0:
            out.write(indent + "  ".join("-" * w for w in widths) + "\n")


def mean_sd(xs):
    """hyperfine's "mean ± σ" (sample standard deviation; "-" for one run)."""
    if not xs:
        return "n/a"
    sd = statistics.stdev(xs) if len(xs) > 1 else None
    return "%s \u00b1 %s" % (verdict.fmt_num(statistics.mean(xs)), verdict.fmt_num(sd) if sd is not None else "-")


def workload_table(w, a, out):
    exp, base = w.exp, w.exp.baseline
    name = w.primary
    head = "median ops/s" if name == "ops_per_sec" else "median %s" % name
    rows = [["variant", "runs", head, "mean \u00b1 \u03c3", "%s verdict" % ("throughput" if name == "ops_per_sec" else name),
             "p (adj.)", "test"]]
    xs = base.values.get(name)
    rows.append([base.label, len(base.runs), verdict.fmt_num(stats.median(xs)) if xs else "n/a", mean_sd(xs),
                 "baseline", "", ""])
    for v in exp.variants[1:]:
        c = w.throughput(v.label)
        xs = v.values.get(name)
        rows.append([v.label, len(v.runs), verdict.fmt_num(stats.median(xs)) if xs else "n/a", mean_sd(xs),
                     c.text() if c else "unavailable (no %s recorded)" % name,
                     "%.3g" % c.p_adj if c else "", c.method_text() if c else ""])
    table(rows, out)
    for v in exp.variants[1:]:
        line = placement.variant_note(base, v)
        if line:
            out.write("\n" + line + "\n")
    for v in exp.variants[1:]:
        cs = [c for c in w.comps[v.label] if c.figure.name != name and (a.all or c.significant)]
        out.write("\n%s vs %s, %s:\n" % (v.label, base.label, "every figure" if a.all else "figures with an effect"))
        if not cs:
            out.write("  none: no other figure has a faster/slower (more/fewer, higher/lower) verdict\n")
            continue
        rows = [["figure", base.label[:24], v.label[:24], "p (adj.)", "verdict"]]
        for c in cs:
            rows.append([c.figure.label, verdict.fmt_num(c.med_base), verdict.fmt_num(c.med_other),
                         "%.3g" % c.p_adj, c.text()])
        table(rows, out, "  ")


def main(argv=None, out=sys.stdout):
    ap = argparse.ArgumentParser(prog="ab.py", description="A/B verdict table of a results file.")
    ap.add_argument("results")
    ap.add_argument("--invocation")
    ap.add_argument("--baseline")
    verdict.add_options(ap)
    ap.add_argument("--all", action="store_true", help="every figure, not only those with an effect")
    ap.add_argument("--aa", action="store_true", help="A/A: report the observed false-claim rate (see aa.py)")
    a = ap.parse_args(argv)
    if not os.path.isfile(a.results):
        print("ab: cannot read '%s': no such file" % a.results, file=sys.stderr)
        return 2
    if a.aa:
        return aa.main([a.results, "--margin", "%g" % (a.margin * 100)]
                       + (["--invocation", a.invocation] if a.invocation else []), out)
    an = analysis.Analysis(a.results, a.invocation, a.baseline, a.margin)
    an.warn_skipped()
    for w in an.workloads:
        out.write("\n%sA/B verdicts against %s (paired over rounds; CI excludes 0: faster/slower; "
                  "inside \u00b1%g%%: equivalent; else inconclusive; Holm/BH-corrected)\n\n"
                  % ("%s: " % w.label if len(an.workloads) > 1 else "", w.exp.baseline.label, a.margin * 100))
        if w.all_failed:
            out.write("every run failed (%d): nothing to compare\n" % sum(len(v.failed) for v in w.exp.variants))
            continue
        workload_table(w, a, out)
    failed = sum(len(v.failed) for w in an.workloads for v in w.exp.variants)
    if failed:
        out.write("\n%d run(s) failed; they are recorded with their error in %s\n" % (failed, a.results))
    for w in an.workloads:
        for name, reasons in w.exp.baseline.unsupported.items():
            for r in reasons:
                out.write("unavailable: %s: %s\n" % (w.exp.figures[name].label, r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
