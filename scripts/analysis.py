"""analysis.py - everything a report or an A/B table needs from one results
file: the records (bad lines skipped and listed), split by workload (never
pooled), and per workload the variants, every figure of every variant
compared with the baseline (verdict.py), and the controllability analysis.
report.py and ab.py only present it.
"""

import sys

import control
import records
import verdict


class Workload:
    """One workload's records of the file: its experiment, comparisons and
    controllability analysis."""

    def __init__(self, label, recs, sim, baseline, margin, single):
        self.label = label
        self.records = recs
        self.invocations = records.invocations(recs)
        self.sim_invocations = records.invocations(sim)
        self.baseline_note = None
        try:
            self.exp = records.Experiment(recs, baseline)
        except KeyError as e:
            if single:
                raise SystemExit("report: %s" % e.args[0])
            # several workloads: the chosen baseline may run in some only
            self.exp = records.Experiment(recs)
            self.baseline_note = "`%s` did not run on this workload; %s" % (baseline, self.exp.baseline_how)
        self.sim = records.Experiment(sim) if sim else None
        self.comps, self.primary = verdict.compare_all(self.exp, margin)
        self.ctrl = control.analyse(self.exp, self.sim)

    @property
    def all_failed(self):
        return not any(v.runs for v in self.exp.variants)

    def throughput(self, label):
        """The primary comparison of a variant (throughput, or wall time
        for --cmd runs), or None."""
        for c in self.comps.get(label, []):
            if c.figure.name == self.primary:
                return c
        return None


class Analysis:
    def __init__(self, path, invocation=None, baseline=None, margin=verdict.DEFAULT_MARGIN):
        self.path = path
        self.margin = margin
        self.all_records, self.skipped = records.load(path)
        self.invocations = records.invocations(self.all_records)
        if invocation and invocation != "all":
            # "ID" or "ID,ID2" (analyze: its native matrix and its cachegrind pass)
            wanted = [i for i in invocation.split(",") if i]
            recs = [r for r in self.all_records if r.get("invocation") in wanted]
            absent = [i for i in wanted if not any(r.get("invocation") == i for r in recs)]
            if absent:
                raise SystemExit("report: invocation '%s' is not in %s (it holds: %s)"
                                 % (absent[0], path, ", ".join(str(i) for i in self.invocations) or "none"))
        else:
            recs = self.all_records
        if not recs:
            raise SystemExit("report: %s holds no usable records (%d line(s) skipped)" % (path, len(self.skipped)))
        groups = records.workload_groups(recs)
        self.workloads = []
        for label, grecs in groups:
            # cachegrind runs feed only the instruction split, never the statistics
            native, sim = records.split_engines(grecs)
            self.workloads.append(Workload(label, native, sim, baseline, margin, len(groups) == 1))
        self.invocations = records.invocations([r for w in self.workloads for r in w.records])
        self.sim_invocations = records.invocations([r for w in self.workloads if w.sim for r in w.sim.records])
        # the first workload, for callers that handle one
        w = self.workloads[0]
        self.exp, self.sim, self.comps, self.ctrl, self.primary = w.exp, w.sim, w.comps, w.ctrl, w.primary

    @property
    def all_failed(self):
        return all(w.all_failed for w in self.workloads)

    def throughput(self, label):
        return self.workloads[0].throughput(label)

    def warn_skipped(self, out=sys.stderr):
        for s in self.skipped:
            print("report: skipped %s of %s" % (s, self.path), file=out)
