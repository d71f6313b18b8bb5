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
        # cachegrind runs feed only the instruction split, never the statistics
        recs, sim = records.split_engines(recs)
        self.invocations = records.invocations(recs)
        self.sim_invocations = records.invocations(sim)
        try:
            self.exp = records.Experiment(recs, baseline)
        except KeyError as e:
            raise SystemExit("report: %s" % e.args[0])
        self.sim = records.Experiment(sim) if sim else None
        self.comps = {}
        for v in self.exp.variants[1:]:
            self.comps[v.label] = verdict.compare(self.exp, v)
        self.ctrl = control.analyse(self.exp, self.sim)

    def throughput(self, label):
        for c in self.comps.get(label, []):
            if c.figure.name == "ops_per_sec":
                return c
        return None

    def warn_skipped(self, out=sys.stderr):
        for s in self.skipped:
            print("report: skipped %s of %s" % (s, self.path), file=out)
