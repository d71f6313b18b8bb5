"""calibration.py - the measured costs of this machine (`harness calibrate`)
as the records carry them in host.calibration:

    {"schema": 1, "host": {..., "boot_id": ...},
     "costs": {NAME: {"unit": "ns", "per": "page"|"call", "median": X,
                      "p10": X, "p90": X, "n": N, "desc": "..."}
               | {"status": "not measurable here: REASON", "desc": "..."}}}

Reports multiply counts by these costs and show the p10..p90 spread.  No
cost is assumed anywhere: without a calibration, or without the one cost
a figure needs, the figure is "not measurable here" with the reason.
"""

NO_CALIBRATION = "not measurable here: no calibration in the records (run ./harness calibrate)"

FAULT_4K = "fault_4k_first_touch"
FAULT_THP = "fault_thp"
REFAULT = "refault_after_dontneed"
CLEAR_PAGE = "clear_page_4k"
MEMSET_4K = "memset_4k"

_UNIT_S = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


class Cost:
    """One measured cost in seconds per page or call, with its spread."""

    def __init__(self, name, entry):
        self.name = name
        scale = _UNIT_S[entry["unit"]]
        self.median = float(entry["median"]) * scale
        self.p10 = float(entry["p10"]) * scale
        self.p90 = float(entry["p90"]) * scale
        self.n = entry.get("n")
        self.per = entry.get("per", "?")
        self.desc = entry.get("desc", "")

    def times(self, count):
        """(median, p10, p90) seconds for `count` pages or calls."""
        return count * self.median, count * self.p10, count * self.p90

    def text(self):
        u = 1e6
        return ("%.2f us per %s (p10..p90 %.2f..%.2f us, n %s; `harness calibrate`: %s)"
                % (self.median * u, self.per, self.p10 * u, self.p90 * u, self.n, self.name))


class Calibration:
    """The calibration of a set of records, or why there is none."""

    def __init__(self, records):
        self.obj = None
        self.note = None
        found = []
        for r in records:
            c = (r.get("host") or {}).get("calibration")
            if isinstance(c, dict) and c not in found:
                found.append(c)
        if found:
            self.obj = found[0]
            if len(found) > 1:
                self.note = ("the records carry %d different calibrations (several hosts or boots); the "
                             "first is used" % len(found))

    def cost(self, name):
        """(Cost, None) or (None, "not measurable here: why")."""
        if self.obj is None:
            return None, NO_CALIBRATION
        e = (self.obj.get("costs") or {}).get(name)
        if not isinstance(e, dict):
            return None, "not measurable here: the calibration has no `%s`" % name
        if "status" in e:
            return None, str(e["status"])
        try:
            return Cost(name, e), None
        except (KeyError, TypeError, ValueError) as err:
            return None, "not measurable here: calibration entry `%s` is malformed (%s)" % (name, err)

    def host_text(self):
        if self.obj is None:
            return NO_CALIBRATION
        h = self.obj.get("host") or {}
        return "calibrated on %s (kernel %s, boot %s)" % (h.get("hostname", "?"), h.get("kernel", "?"),
                                                         str(h.get("boot_id", "?"))[:8])
