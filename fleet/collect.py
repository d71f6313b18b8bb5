"""Shard states, and merging the shards' records into one results file.

A shard is complete when its current attempt has a done file with exit
status 0 and a records file whose every line is a whole record carrying
its host fingerprint.  Anything else names the shard and why.

The merged file (results.jsonl in the experiment directory) is append-only
like every results file: each record is written whole with one write(2) to
a file opened with O_APPEND, and a shard attempt already in it is never
written again.  So `collect` after `resubmit --failed` only adds the shards
that were missing.  Each merged record is the harness's record plus one
key, "fleet": {experiment, shard, attempt, label, node, engine, job}.
"""
import json
import os

from experiment import Experiment

# The host fingerprint every record must carry (issue 15), and the allocator
# identity.  Values may be false/0 (hw_pmu false is a fact), never missing.
FINGERPRINT = [("host", "cpu_model"), ("host", "cores"), ("host", "kernel"),
               ("host", "thp_enabled"), ("host", "hw_pmu"),
               ("alloc", "name"), ("alloc", "version")]

OK_STATES = {"COMPLETED"}


def fingerprint_problems(rec):
    missing = []
    for section, key in FINGERPRINT:
        v = rec.get(section, {}).get(key) if isinstance(rec.get(section), dict) else None
        if v is None or v == "":
            missing.append("%s.%s" % (section, key))
    cores = rec.get("host", {}).get("cores") if isinstance(rec.get("host"), dict) else None
    if "host.cores" not in missing and not (isinstance(cores, int) and cores > 0):
        missing.append("host.cores (not a positive integer: %r)" % (cores,))
    return missing


def shard_states(exp, eng):
    """[(shard, state, detail)]: what each shard's current attempt is doing.

    state: DONE, FAILED (harness exit status), RUNNING, PENDING, CANCELLED
    or another Slurm end state, LOST (started, never finished, engine says
    it ended), GONE (never started, the engine no longer lists it),
    NOT_STARTED.
    """
    m = exp.m
    jobs = m.get("jobs", [])
    engine_says = eng.states(jobs) if jobs else {}
    out = []
    for s in m["shards"]:
        i, a = s["index"], s["attempt"]
        done = exp.read_json(exp.shard_file(i, a, "done.json"))
        start = exp.read_json(exp.shard_file(i, a, "start.json"))
        est, enode = engine_says.get(i, (None, ""))
        if done is not None:
            if done.get("exit") == 0:
                out.append((s, "DONE", "on %s in %.1f s" % (done.get("node"), done.get("seconds", 0))))
            else:
                out.append((s, "FAILED", "harness exit %s on %s (log: %s)" % (
                    done.get("exit"), done.get("node"), exp.shard_file(i, a, "log"))))
        elif est in OK_STATES:
            out.append((s, "LOST", "the engine says %s but the shard wrote no done file" % est))
        elif est is not None and est.split()[0] in ("PENDING", "RUNNING", "CONFIGURING",
                                                    "COMPLETING", "SUSPENDED", "REQUEUED"):
            st = est.split()[0]
            out.append((s, st, "on %s" % (enode or (start or {}).get("node")) if enode or start else ""))
        elif est == "GONE" and start is None:
            out.append((s, "GONE", "the engine no longer lists it and it never started "
                        "(cancelled while pending, or forgotten)"))
        elif est is not None and est != "GONE":
            out.append((s, est.split()[0], "the engine ended it%s" % (
                " on %s" % enode if enode else "")))
        elif start is not None:
            out.append((s, "LOST", "started on %s, never finished, and the engine no longer "
                        "knows it" % start.get("node")))
        else:
            out.append((s, "NOT_STARTED", "no attempt %d started%s" % (
                a, "" if est is None else " and the engine has finished")))
    return out


def read_records(path):
    """(records, problems) of one shard file."""
    recs, problems = [], []
    try:
        with open(path) as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        return [], ["no records file %s" % path]
    if lines and lines[-1] == "":
        lines.pop()
    for n, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except ValueError:
            problems.append("%s line %d is not a whole JSON record" % (os.path.basename(path), n))
            continue
        if not isinstance(rec, dict):
            problems.append("%s line %d is not a JSON object" % (os.path.basename(path), n))
            continue
        recs.append(rec)
    if not recs and not problems:
        problems.append("%s holds no record" % os.path.basename(path))
    return recs, problems


def record_key(rec):
    return (rec.get("invocation"), rec.get("engine"), rec.get("workload"), rec.get("cmd"),
            json.dumps(rec.get("args")), rec.get("threads"), rec.get("variant"),
            rec.get("run"))


def already_merged(path):
    """{(shard, attempt)} and record keys in an existing merged file."""
    got, keys = set(), set()
    recs, _ = read_records(path) if os.path.exists(path) else ([], [])
    for r in recs:
        f = r.get("fleet", {})
        got.add((f.get("shard"), f.get("attempt")))
        keys.add(record_key(r))
    return got, keys


def collect(exp, eng, out_path=None):
    """Merge the complete shards.  Returns (report lines, problems, path)."""
    m = exp.m
    out_path = out_path or os.path.join(exp.path, "results.jsonl")
    merged, keys = already_merged(out_path)
    merged_shards = {s for s, _ in merged}
    problems, lines, to_write = [], [], []
    invocation_shard = {}
    nodes = {}
    for s, state, detail in shard_states(exp, eng):
        i, a = s["index"], s["attempt"]
        if (i, a) in merged:
            lines.append("shard %d (%s): attempt %d already in %s" % (i, s["label"], a, out_path))
            done = exp.read_json(exp.shard_file(i, a, "done.json")) or {}
            nodes.setdefault(done.get("node"), []).append(i)
            continue
        if i in merged_shards:
            problems.append("shard %d (%s): an earlier attempt is already merged; attempt %d "
                            "would duplicate it" % (i, s["label"], a))
            continue
        if state != "DONE":
            problems.append("shard %d (%s) %s: %s" % (i, s["label"], state, detail))
            continue
        done = exp.read_json(exp.shard_file(i, a, "done.json"))
        path = exp.shard_file(i, a, "jsonl")
        recs, bad = read_records(path)
        shard_problems = ["shard %d (%s): %s" % (i, s["label"], b) for b in bad]
        for n, r in enumerate(recs, 1):
            miss = fingerprint_problems(r)
            if miss:
                shard_problems.append("shard %d (%s): record %d lacks its fingerprint: %s"
                                      % (i, s["label"], n, ", ".join(miss)))
            if path not in str(r.get("command", "")):
                shard_problems.append("shard %d (%s): record %d was not written by this shard "
                                      "(its command: %s)" % (i, s["label"], n, r.get("command")))
            inv = r.get("invocation")
            if invocation_shard.setdefault(inv, i) != i:
                shard_problems.append("shard %d (%s): invocation %s is also in shard %d "
                                      "(duplicated shard)" % (i, s["label"], inv, invocation_shard[inv]))
            k = record_key(r)
            if k in keys:
                shard_problems.append("shard %d (%s): record %d is a duplicate" % (i, s["label"], n))
            keys.add(k)
        if shard_problems:
            problems += shard_problems[:10]
            if len(shard_problems) > 10:
                problems.append("shard %d: ... %d more problems" % (i, len(shard_problems) - 10))
            continue
        job = next((j["job_id"] for j in reversed(m.get("jobs", [])) if i in j["shards"]), None)
        tag = {"experiment": m["id"], "shard": i, "attempt": a, "label": s["label"],
               "split": m["split"], "node": done.get("node"), "engine": m["engine"], "job": job}
        to_write += [dict(r, fleet=tag) for r in recs]
        nodes.setdefault(done.get("node"), []).append(i)
        lines.append("shard %d (%s): %d records from %s" % (i, s["label"], len(recs), done.get("node")))
    if to_write:
        fd = os.open(out_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            for r in to_write:
                data = (json.dumps(r, separators=(",", ":")) + "\n").encode()
                if os.write(fd, data) != len(data):
                    raise OSError("short write to %s" % out_path)
        finally:
            os.close(fd)
    if m["split"] == "per-host":
        for node, idx in sorted(nodes.items(), key=lambda kv: str(kv[0])):
            if len(idx) > 1:
                lines.append("note: shards %s all ran on %s; the report counts it as one host"
                             % (", ".join(map(str, sorted(idx))), node))
    lines.append("%d records appended to %s" % (len(to_write), out_path))
    return lines, problems, out_path


__all__ = ["collect", "shard_states", "fingerprint_problems", "read_records", "Experiment"]
