"""One shard on its host: run the ordinary harness, record start and end.

Started by an engine as `fleet.py shard EXPDIR INDEX` on the host that the
engine chose.  It writes, for the shard's current attempt K:

    shards/I.aK.start.json   node, engine job, time           (before the run)
    shards/I.aK.log          the harness's stdout and stderr
    shards/I.aK.jsonl        the records (the harness's --out)
    shards/I.aK.done.json    node, exit status, start and end  (after the run)

If the attempt's files already exist (a scheduler that ran the task twice),
they are moved aside first, so an attempt's file only ever holds one run of
the harness.
"""
import json
import os
import socket
import subprocess
import time

from experiment import Experiment, UsageError, quote


def node_name():
    """The engine's name for this host: Slurm's node name, else the hostname."""
    return os.environ.get("SLURMD_NODENAME") or socket.gethostname()


def _write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


def run_shard(exp_path, index):
    exp = Experiment(exp_path)
    m = exp.load()
    shards = {s["index"]: s for s in m["shards"]}
    if index not in shards:
        raise UsageError("experiment %s has no shard %d (0..%d)" % (exp.path, index, len(shards) - 1))
    shard = shards[index]
    attempt = shard["attempt"]
    start_file = exp.shard_file(index, attempt, "start.json")
    if os.path.exists(start_file):
        stamp = time.strftime("%Y%m%dT%H%M%S")
        for kind in ("start.json", "log", "jsonl", "done.json"):
            old = exp.shard_file(index, attempt, kind)
            if os.path.exists(old):
                os.replace(old, "%s.stale-%s" % (old, stamp))
    argv = [m["harness"]] + exp.shard_argv(shard)
    info = {"shard": index, "attempt": attempt, "node": node_name(),
            "hostname": socket.gethostname(),
            "slurm_job": os.environ.get("SLURM_ARRAY_JOB_ID"),
            "slurm_task": os.environ.get("SLURM_ARRAY_TASK_ID"),
            "command": quote(argv),
            "start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    _write_json(start_file, info)
    env = dict(os.environ)
    if m.get("build_dir"):
        env["HARNESS_BUILD_DIR"] = m["build_dir"]
    t0 = time.monotonic()
    with open(exp.shard_file(index, attempt, "log"), "w") as log:
        log.write("fleet shard %d attempt %d on %s: %s\n" % (index, attempt, info["node"], info["command"]))
        log.flush()
        try:
            rc = subprocess.call(argv, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, env=env, cwd=m["source_dir"])
        except OSError as e:
            log.write("fleet: cannot start the harness: %s\n" % e)
            rc = 127
    info.update({"exit": rc, "seconds": round(time.monotonic() - t0, 3),
                 "end": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    _write_json(exp.shard_file(index, attempt, "done.json"), info)
    return rc
