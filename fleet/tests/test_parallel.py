"""fleet --engine=parallel: GNU parallel with local workers (":" in the
sshloginfile), 2 per-host shards, status; a shard lost (its files removed,
as if its host died) is named and rerun alone; collect, report."""
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
from e2e import check, fleet  # noqa: E402


def body():
    if shutil.which("parallel") is None:
        print("SKIP: GNU parallel is not installed (Debian package parallel)")
        return e2e.SKIP
    tmp = tempfile.mkdtemp(prefix="fleet-test-")
    try:
        hosts = os.path.join(tmp, "hosts")
        with open(hosts, "w") as f:
            f.write("# local worker\n:\n")
        exp = os.path.join(tmp, "exp")
        rc, out, _ = fleet(["submit", "--engine=parallel", "--sshloginfile", hosts, "--nodes", "2",
                            "--dir", exp, "--wait", "--wait-timeout", "90"] + e2e.EXPERIMENT)
        check(rc == 0 and "2 DONE" in out, "submit --wait: 2 shards DONE")
        m = e2e.manifest(exp)
        job = m["jobs"][0]
        check(job["command"][:4] == ["parallel", "--sshloginfile", hosts, "-j1"],
              "ran by parallel --sshloginfile FILE -j1")
        with open(job["joblog"]) as f:
            log = [line.split("\t") for line in f.read().splitlines()[1:]]
        check(len(log) == 2 and all(c[1] == ":" and c[6] == "0" for c in log),
              "parallel's joblog: 2 jobs on ':' with exit 0")
        check(fleet(["status", exp])[0] == 0, "status exits 0")

        # a lost shard: its files gone before collect, as if its host had died
        for kind in ("done.json", "jsonl"):
            os.remove(os.path.join(exp, "shards", "1.a1." + kind))
        rc, out, _ = fleet(["status", exp])
        check(re.search(r"shard 1 .* attempt 1 +LOST", out) is not None,
              "status: shard 1 LOST (started, never finished)")
        rc, out, err = fleet(["collect", exp])
        check(rc == 1 and "shard 1 (host 2 of 2) LOST" in err, "collect exits 1 naming shard 1")
        rc, out, _ = fleet(["resubmit", exp, "--failed", "--wait", "--wait-timeout", "60"])
        m = e2e.manifest(exp)
        check(rc == 0 and m["jobs"][-1]["shards"] == [1] and m["shards"][1]["attempt"] == 2,
              "resubmit --failed reruns shard 1 alone (attempt 2)")
        rc, out, _ = fleet(["collect", exp])
        check(rc == 0, "collect: complete")
        node = os.uname().nodename
        recs = e2e.check_merged(exp, 2, 4, [node])
        check([(r["fleet"]["shard"], r["fleet"]["attempt"]) for r in recs] == [(0, 1)] * 4 + [(1, 2)] * 4,
              "merged: shard 0, then shard 1's second attempt")
        e2e.check_report(exp, recs)

        # bad input: one line, non-zero exit
        for args, word in [(["submit", "--engine=parallel", "run", "tiny_hot"], "--sshloginfile"),
                           (["submit", "--engine=parallel", "--sshloginfile", hosts, "run", "tiny_hot",
                             "--out", "x"], "--out"),
                           (["status", os.path.join(tmp, "nope")], "not a fleet experiment"),
                           (["frobnicate"], "unknown subcommand")]:
            rc, out, err = fleet(args)
            check(rc == 2 and word in err and len(err.strip().splitlines()) == 1,
                  "fleet %s: one error line naming %s" % (args[0], word))
        rc, out, _ = fleet(["--help"])
        check(rc == 0 and "EXAMPLES" in out and out.rstrip().splitlines()[-1].startswith("  harness fleet"),
              "--help ends with EXAMPLES")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(e2e.main(body))
