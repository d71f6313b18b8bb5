"""analysis.py - everything a report or an A/B table needs from one results
file: the records (bad lines skipped and listed), the variants, every
figure of every variant compared with the baseline, and the
controllability analysis.  report.py and ab.py only present it.
"""

import sys

import control
import records
import verdict


class Analysis:
    def __init__(self, path, invocation=None, baseline=None):
        self.path = path
        self.all_records, self.skipped = records.load(path)
        self.invocations = records.invocations(self.all_records)
        if invocation and invocation != "all":
            recs = [r for r in self.all_records if r.get("invocation") == invocation]
            if not recs:
                raise SystemExit("report: invocation '%s' is not in %s (it holds: %s)"
                                 % (invocation, path, ", ".join(str(i) for i in self.invocations) or "none"))
            self.invocations = [invocation]
        else:
            recs = self.all_records
        if not recs:
            raise SystemExit("report: %s holds no usable records (%d line(s) skipped)" % (path, len(self.skipped)))
        try:
            self.exp = records.Experiment(recs, baseline)
        except KeyError as e:
            raise SystemExit("report: %s" % e.args[0])
        self.comps = {}
        for v in self.exp.variants[1:]:
            self.comps[v.label] = verdict.compare(self.exp, v)
        self.ctrl = control.analyse(self.exp)

    def throughput(self, label):
        for c in self.comps.get(label, []):
            if c.figure.name == "ops_per_sec":
                return c
        return None

    def warn_skipped(self, out=sys.stderr):
        for s in self.skipped:
            print("report: skipped %s of %s" % (s, self.path), file=out)
