#!/usr/bin/python3
"""report.py - write reports/<date>-<name>/REPORT.md (+ PNGs, + REPORT.html)
from a results file.

    /usr/bin/python3 scripts/report.py results/X.jsonl [--out DIR] [--name NAME]
        [--invocation ID|all] [--baseline LABEL] [--margin PCT] [--no-html]

`harness report` runs this.  The report is the sections listed in
SECTIONS, one function each in scripts/sections/ (a new section: one
function there, one line here).  A file with several workloads gets the
workload matrix first, then every section once per workload: different
workloads are never pooled.
"""

import argparse
import datetime
import os
import re
import signal
import sys

if __name__ == "__main__":      # Ctrl-C ends it quietly, even while importing: no traceback
    signal.signal(signal.SIGINT, signal.SIG_DFL)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import analysis  # noqa: E402
import htmlout  # noqa: E402
import outpaths  # noqa: E402
import plots  # noqa: E402
import verdict  # noqa: E402
from sections import (conclusion, controllability, discoveries, matrix, memory, per_op, questions,  # noqa: E402
                      setup, throughput, unavailable, verdicts)
from sections.common import Ctx  # noqa: E402

SOURCE_DIR = os.path.dirname(HERE)

# The sections of one workload, in report order.
SECTIONS = [
    setup.setup,
    setup.machine,
    setup.reproduce,
    discoveries.key_discoveries,
    throughput.performance,
    verdicts.knob_verdicts,
    controllability.controllability,
    questions.seed_questions,
    per_op.per_op,
    memory.memory,
    unavailable.unavailable,
    unavailable.failed_runs,
    conclusion.conclusion,
]


def slug(label):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label).strip("_")[:40] or "workload"


def workload_plots(w, outdir, prefix):
    """{plot key: file name or None} for one workload."""
    return {
        "throughput": plots.throughput(w.exp, outdir, w.primary, prefix),
        "ratio": plots.ratio(w.exp, {v.label: w.throughput(v.label) for v in w.exp.variants[1:]}, outdir, prefix),
        "per_op": plots.per_op(w.exp, outdir, prefix),
        "user_kernel": plots.user_kernel(w.ctrl, outdir, prefix),
        "rss": plots.rss(w.exp, outdir, prefix),
    }


def build(an, outdir, title_name, results_arg, html=True):
    """Writes REPORT.md (and REPORT.html); returns (text, {plot: file})."""
    os.makedirs(outdir, exist_ok=True)
    first = an.exp.records[0]
    multi = len(an.workloads) > 1
    what = ("%d workloads" % len(an.workloads)) if multi else "`%s`" % an.workloads[0].label
    L = ["# %s: %s on %s" % (title_name, first.get("experiment", "run"), what), ""]
    L.append("Generated %s from `%s` by `scripts/report.py`. Every number below comes from that file."
             % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), results_arg))
    L.append("")
    all_pngs = {}
    if multi:
        pngs = {"matrix": plots.matrix(matrix.matrix_data(an), outdir, matrix.geomean_ratio)}
        all_pngs.update(pngs)
        L += matrix.matrix(Ctx(an, an.workloads[0], outdir, results_arg, pngs, 0))
    for w in an.workloads:
        prefix = (slug(w.label) + "-") if multi else ""
        pngs = workload_plots(w, outdir, prefix)
        all_pngs.update({prefix + k: p for k, p in pngs.items()})
        ctx = Ctx(an, w, outdir, results_arg, pngs, 1 if multi else 0)
        if multi:
            L += ["## Workload `%s`" % w.label, ""]
        for section in SECTIONS:
            L += section(ctx)
    L += unavailable.skipped_lines(Ctx(an, an.workloads[0], outdir, results_arg, {}, 0))
    text = "\n".join(L)
    with open(os.path.join(outdir, "REPORT.md"), "w") as f:
        f.write(text)
    if html:
        with open(os.path.join(outdir, "REPORT.html"), "w") as f:
            f.write(htmlout.markdown_to_html(text, title_name))
    return text, all_pngs


def new_default_dir(base):
    """reports/<date>-<name>, or <that>-2, -3 ... when an earlier report
    (the same day, the same name) is there: a report never overwrites
    another by default."""
    outdir, k = base, 1
    while os.path.exists(outdir):
        k += 1
        outdir = "%s-%d" % (base, k)
    return outdir


def remove_stale(outdir):
    """With an explicit --out that holds an earlier report: remove the files
    that report wrote (REPORT.md, REPORT.html and the PNGs it links), so
    that no plot of the earlier report is left beside the new one.  Other
    files are the user's and stay."""
    md = os.path.join(outdir, "REPORT.md")
    if not os.path.isfile(md):
        return
    with open(md) as f:
        pngs = set(re.findall(r"\]\(([^)/]+\.png)\)", f.read()))
    for name in pngs | {"REPORT.md", "REPORT.html"}:
        path = os.path.join(outdir, name)
        if os.path.isfile(path):
            os.remove(path)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="harness report",
        description="Write REPORT.md (+ PNG plots, + REPORT.html) from a results file.",
        epilog="EXAMPLES\n  harness report results/20251204-random_mixed.jsonl\n"
               "  harness report results/x.jsonl --out /tmp/rep --baseline hakmem\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results", help="results file (JSON Lines)")
    ap.add_argument("--out", help="output directory (default reports/<date>-<name>/)")
    ap.add_argument("--name", help="report name (default: workload and experiment)")
    ap.add_argument("--invocation", help="only the runs of this invocation id ('all' pools them; default all)")
    ap.add_argument("--baseline", help="variant label to compare against (default: the first in the file)")
    verdict.add_options(ap)
    ap.add_argument("--no-html", action="store_true", help="do not write REPORT.html")
    a = ap.parse_args(argv)
    bad_out = a.out and outpaths.out_dir_problem(a.out)    # before any work
    if bad_out:
        print("report: --out: %s (choose another directory)" % bad_out, file=sys.stderr)
        return 2
    if not os.path.isfile(a.results):
        print("report: cannot read '%s': no such file (give a results/*.jsonl file)" % a.results, file=sys.stderr)
        return 2
    an = analysis.Analysis(a.results, a.invocation, a.baseline, a.margin)
    an.warn_skipped()
    first = an.exp.records[0]
    wl = first.get("workload", "results") if len(an.workloads) == 1 else "multi"
    name = a.name or "%s-%s" % (wl, first.get("experiment", "run"))
    outdir = a.out or os.path.join(SOURCE_DIR, "reports", "%s-%s" % (datetime.date.today().isoformat(), name))
    try:
        if a.out:
            remove_stale(outdir)
        else:
            outdir = new_default_dir(outdir)
        build(an, outdir, name, a.results, html=not a.no_html)
    except OSError as e:      # the disk filled up, the directory went away: one line
        print("report: cannot write the report in %s: %s" % (outdir, e.strerror or e), file=sys.stderr)
        return 2
    print("report: wrote %s" % os.path.join(outdir, "REPORT.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
