"""What the two end-to-end tests (Slurm, GNU parallel) share: running
fleet.py as the harness will, and checking a merged file and its report
against the shard files and a computation of our own."""
import json
import math
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FLEET = os.path.join(os.path.dirname(HERE), "fleet.py")
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import collect  # noqa: E402
import hostreport  # noqa: E402

SKIP = 77          # meson's exit code for a skipped test

EXPERIMENT = ["run", "tiny_hot", "--alloc=glibc,hakmem", "--runs", "2", "--warmup", "0",
              "--", "--iterations", "10000"]


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)
    print("ok: " + what)


def fleet(args, env=None, timeout=180):
    """Run fleet.py; returns (rc, stdout, stderr) and echoes them."""
    e = dict(env or os.environ)
    e["HARNESS_SOURCE_DIR"] = SOURCE
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/python3", FLEET] + args, env=e, capture_output=True,
                       text=True, timeout=timeout)
    print("$ fleet %s  -> exit %d in %.1f s\n%s%s" % (" ".join(args), p.returncode,
                                                      time.monotonic() - t0, p.stdout, p.stderr))
    return p.returncode, p.stdout, p.stderr


def manifest(exp):
    with open(os.path.join(exp, "manifest.json")) as f:
        return json.load(f)


def merged(exp):
    with open(os.path.join(exp, "results.jsonl")) as f:
        text = f.read()
    return text, [json.loads(line) for line in text.splitlines()]


def check_merged(exp, shards, per_shard, nodes):
    """Every record whole, tagged with its shard, with its fingerprint;
    exactly the records of each shard's files, none twice."""
    text, recs = merged(exp)
    check(text.endswith("\n") and len(recs) == shards * per_shard,
          "merged file: %d whole records (%d shards x %d)" % (len(recs), shards, per_shard))
    m = manifest(exp)
    for s in m["shards"]:
        mine = [r for r in recs if r["fleet"]["shard"] == s["index"]]
        with open(os.path.join(exp, "shards", "%d.a%d.jsonl" % (s["index"], s["attempt"]))) as f:
            src = [json.loads(line) for line in f.read().splitlines()]
        check([dict(r) for r in src] == [{k: v for k, v in r.items() if k != "fleet"} for r in mine],
              "shard %d: the merged records are its own file's, in order" % s["index"])
    check(all(collect.fingerprint_problems(r) == [] for r in recs),
          "every record carries cpu_model, cores, kernel, thp_enabled, hw_pmu, alloc version")
    check({r["fleet"]["node"] for r in recs} == set(nodes),
          "the records ran on node%s %s" % ("" if len(nodes) == 1 else "s", ", ".join(sorted(nodes))))
    keys = [collect.record_key(r) for r in recs]
    check(len(set(keys)) == len(keys), "no record twice")
    return recs


def check_report(exp, recs, env=None):
    """The report's within-host ratios and, with >= 3 hosts, its model
    estimate against our own computation from the merged records."""
    rc, out, err = fleet(["report", exp], env)
    check(rc == 0, "report exits 0")
    with open(os.path.join(exp, "report", "REPORT.md")) as f:
        md = f.read()
    hosts = sorted({r["fleet"]["node"] for r in recs})
    d_all = []
    for h in hosts:
        mine = [r for r in recs if r["fleet"]["node"] == h]
        med = {v: hostreport.median([r["ops_per_sec"] for r in mine if r["variant"] == v])
               for v in ("glibc", "hakmem")}
        check("### %s" % h in md and "| hakmem | %d | " % sum(r["variant"] == "hakmem" for r in mine) in md
              and "%.3fx |" % (med["hakmem"] / med["glibc"]) in md,
              "report: host %s's section, ratio median(hakmem)/median(glibc) = %.3f"
              % (h, med["hakmem"] / med["glibc"]))
        by = {(r["invocation"], r["run"], r["variant"]): r["ops_per_sec"] for r in mine}
        d_all += [math.log(by[(i, n, "hakmem")] / by[(i, n, "glibc")])
                  for (i, n, v) in by if v == "glibc"]
    if len(hosts) == 1:
        check("on the only host" in md and "one host" in md, "report says one host: no cross-host spread")
    else:
        # balanced (same runs on every host): REML's mu is the grand mean of d
        check("random-intercept model" in md and "%d hosts, %d paired runs" % (len(hosts), len(d_all)) in md,
              "report fits the random-intercept model on %d hosts" % len(hosts))
        check("Note: nodes %s all report the hostname %s: they are one machine"
              % (", ".join(hosts), recs[0]["host"]["hostname"]) in md,
              "report says the emulated nodes are one machine")
        mu = math.exp(sum(d_all) / len(d_all))
        check("%.3fx (95%% CI" % mu in md, "the model's cross-host ratio is exp(mean log ratio) = %.3f" % mu)
        check("the same on every host (%d)" % len(hosts) in md or "Ranking differs between hosts" in md,
              "report says whether the ranking holds on every host")
    with open(os.path.join(exp, "report", "ratios.png"), "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "ratios.png is a PNG")


def main(body):
    try:
        return body()
    except Failed as e:
        print("FAILED: " + str(e))
        return 1
