"""common.py - what every report section shares: the context it is given
and Markdown tables."""

import verdict
from verdict import fmt_num  # noqa: F401  (re-exported for the sections)


class Ctx:
    """One workload's part of a report.

    an        the Analysis of the file
    w         this workload's analysis.Workload
    outdir    where the report and its plots go
    results   the results file as the user named it
    pngs      {plot key: file name or None} for this workload
    depth     0 for a one-workload report; 1 when each workload is a
              section of its own (headings one level deeper)
    """

    def __init__(self, an, w, outdir, results, pngs, depth):
        self.an, self.w, self.outdir, self.results, self.pngs, self.depth = an, w, outdir, results, pngs, depth
        self.exp = w.exp
        self.base = w.exp.baseline

    def h(self, level, text):
        return "#" * (level + self.depth) + " " + text

    def primary_label(self):
        return "throughput" if self.w.primary == "ops_per_sec" else "wall time"


def md_table(header, rows):
    esc = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def figure_missing(name, why):
    """The line a section prints when a figure it needs by name is absent:
    a renamed metric must show up here, never as a silently missing row."""
    return "- Not shown: figure `%s` is not in the records (%s)." % (name, why)


def seconds(x):
    return "n/a" if x is None else "%.3f" % x


def share(x):
    return "n/a" if x is None else "%.1f%%" % (x * 100)


def spread_s(t):
    """(median, p10, p90) seconds -> "0.012 (0.010..0.015)"."""
    return "%.4f (%.4f..%.4f)" % t


def verdict_text(c):
    return c.text() if c else "n/a"


ALPHA = verdict.ALPHA
