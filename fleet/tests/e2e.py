"""What the two end-to-end tests (Slurm, GNU parallel) share: running
fleet.py as the harness will, and checking a merged file and its report
against the shard files and a computation of our own."""
import json
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


def check_merged(exp, shards, per_shard, node):
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
    check({r["fleet"]["node"] for r in recs} == {node}, "every record ran on node %s" % node)
    keys = [collect.record_key(r) for r in recs]
    check(len(set(keys)) == len(keys), "no record twice")
    return recs


def check_report(exp, recs, env=None):
    rc, out, err = fleet(["report", exp], env)
    check(rc == 0, "report exits 0")
    with open(os.path.join(exp, "report", "REPORT.md")) as f:
        md = f.read()
    host = recs[0]["fleet"]["node"]
    med = {v: hostreport.median([r["ops_per_sec"] for r in recs if r["variant"] == v])
           for v in ("glibc", "hakmem")}
    ratio = "| hakmem | %d | " % sum(r["variant"] == "hakmem" for r in recs)
    check("### %s" % host in md and ratio in md, "report has the host section with hakmem's runs")
    check("%.3fx |" % (med["hakmem"] / med["glibc"]) in md,
          "report's ratio is median(hakmem)/median(glibc) = %.3f" % (med["hakmem"] / med["glibc"]))
    check("on the only host" in md and "one host" in md, "report says one host: no cross-host spread")
    with open(os.path.join(exp, "report", "ratios.png"), "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "ratios.png is a PNG")


def main(body):
    try:
        return body()
    except Failed as e:
        print("FAILED: " + str(e))
        return 1
