#!/usr/bin/python3
"""fleet: one harness experiment over many machines (issue 15).

    fleet.py submit [options] EXPERIMENT...   split, submit, record in a directory
    fleet.py status EXPDIR                    each shard's state
    fleet.py collect EXPDIR                   merge the shards into EXPDIR/results.jsonl
    fleet.py resubmit EXPDIR --failed         rerun the failed shards alone
    fleet.py report EXPDIR|FILE               per-host report (hostreport.py)

It is the body of `harness fleet ...`: the harness execs
`/usr/bin/python3 SOURCE_DIR/fleet/fleet.py ARGS...` with HARNESS_SOURCE_DIR
and HARNESS_BUILD_DIR set, and every shard runs `SOURCE_DIR/harness` on its
host.  See fleet/README.md ("Running on a cluster").
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from experiment import COMMANDS, SPLITS, Command, Experiment, UsageError, new_id, quote, split  # noqa: E402
import collect as collect_mod  # noqa: E402
import engines  # noqa: E402

SOURCE_DIR = os.environ.get("HARNESS_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))

HELP = """usage: fleet SUBCOMMAND ...  (as `harness fleet SUBCOMMAND ...`)

One harness experiment over many hosts: split into shards, each shard the
ordinary harness on one host writing its own JSONL, merged by `collect`
with every record's host fingerprint checked, reported per host.

subcommands:
  submit [OPTIONS] EXPERIMENT...
      EXPERIMENT is a harness command line: run, suite, ab or analyze with
      its options (not --out: each shard gets its own).  Options:
      --engine=slurm|parallel  Slurm job array (default), or GNU parallel over ssh
      --split=per-host         one shard per host, each the whole experiment (default)
      --split=alloc-workload   one shard per allocator x workload (not interleaved)
      --nodes N                per-host: N hosts (default: every usable node of
                               the partition, or every host of --sshloginfile);
                               alloc-workload: at most N shards at once (Slurm)
      --partition P, --constraint C   passed to sbatch
      --sbatch-arg ARG         any other sbatch option (repeat), e.g. --sbatch-arg=--time=30
      --shared                 do not ask Slurm for whole nodes (default: --exclusive)
      --sshloginfile FILE      hosts for --engine=parallel, one per line, ":" = this machine
      --dir DIR                experiment directory (default results/fleet/<time>-<cmd>-<workload>
                               in the source tree); must be at the same path on every host
      --wait                   return when every shard has ended (--wait-timeout S, default 3600)
  status EXPDIR             each shard: label, attempt, state (DONE, FAILED, RUNNING,
                            PENDING, CANCELLED, LOST, GONE, NOT_STARTED), node, log
  collect EXPDIR            append the complete shards to EXPDIR/results.jsonl;
                            exit 1 naming each missing, failed or inconsistent shard
  resubmit EXPDIR --failed  rerun every shard that failed, was cancelled or lost
  resubmit EXPDIR --shard I[,J...]   rerun the named shards (not yet merged)
  cancel EXPDIR             cancel what is still queued or running
  report EXPDIR|FILE [--out DIR] [--baseline ALLOC]
                            per-host report: ratios within each host, the spread
                            across hosts, ranking per host, ratios.png

The experiment directory and the source tree (built, with the same Debian
packages) must be at the same path on every host: a shared filesystem.

EXAMPLES
  harness fleet submit --nodes 4 --partition=bench run random_mixed --alloc=glibc,hakmem,mimalloc --runs 10
  harness fleet submit --split=alloc-workload suite --alloc=glibc,hakmem,tcmalloc
  harness fleet submit --engine=parallel --sshloginfile hosts.txt ab tiny_hot --alloc=hakmem,mimalloc
  harness fleet status results/fleet/20261202T160000Z-run-random_mixed
  harness fleet collect results/fleet/20261202T160000Z-run-random_mixed
  harness fleet resubmit results/fleet/20261202T160000Z-run-random_mixed --failed
  harness fleet report results/fleet/20261202T160000Z-run-random_mixed
"""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def fail(msg, code=2):
    print("fleet: " + msg, file=sys.stderr)
    return code


# ---------------------------------------------------------------------------

def harness_workloads():
    p = subprocess.run([os.path.join(SOURCE_DIR, "harness"), "list"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise UsageError("harness list failed: %s" % p.stderr.strip().splitlines()[-1:])
    names, inside = [], False
    for line in p.stdout.splitlines():
        if line.strip() == "workloads:":
            inside = True
        elif inside and line.startswith("  ") and line.strip():
            names.append(line.split()[0])
        elif inside and not line.strip():
            break
    return names


SUBMIT_VALUE_OPTIONS = {"--engine", "--split", "--nodes", "--partition", "--constraint",
                        "--sbatch-arg", "--sshloginfile", "--dir", "--wait-timeout"}


def experiment_start(argv):
    """Where the experiment starts in submit's argv: the first command word
    that is not the value of a fleet option given as two words
    (`--partition run` names a partition)."""
    i = 0
    while i < len(argv):
        if argv[i] in COMMANDS or os.path.basename(argv[i]) == "harness":
            return i
        i += 2 if argv[i] in SUBMIT_VALUE_OPTIONS else 1
    raise UsageError("submit needs an experiment: run, suite, ab or analyze ... (fleet --help)")


def cmd_submit(argv):
    cut = experiment_start(argv)
    p = Parser(prog="fleet submit", add_help=False)
    p.add_argument("--engine", choices=sorted(engines.ENGINES), default="slurm")
    p.add_argument("--split", choices=SPLITS, default="per-host")
    p.add_argument("--nodes", type=int)
    p.add_argument("--partition")
    p.add_argument("--constraint")
    p.add_argument("--sbatch-arg", action="append", default=[])
    p.add_argument("--shared", action="store_true")
    p.add_argument("--sshloginfile")
    p.add_argument("--dir")
    p.add_argument("--wait", action="store_true")
    p.add_argument("--wait-timeout", type=float, default=3600)
    o = p.parse_args(argv[:cut])
    cmd = Command(argv[cut:])
    if o.nodes is not None and o.nodes < 1:
        raise UsageError("--nodes must be at least 1")
    eopts = {}
    if o.engine == "slurm":
        if o.sshloginfile:
            raise UsageError("--sshloginfile is for --engine=parallel")
        eopts = {"partition": o.partition, "constraint": o.constraint,
                 "sbatch_args": o.sbatch_arg, "exclusive": not o.shared}
    else:
        if not o.sshloginfile:
            raise UsageError("--engine=parallel needs --sshloginfile FILE (\":\" = this machine)")
        if o.partition or o.constraint or o.sbatch_arg:
            raise UsageError("--partition, --constraint and --sbatch-arg are for --engine=slurm")
        eopts = {"sshloginfile": os.path.abspath(o.sshloginfile),
                 "hosts": engines.sshlogins(o.sshloginfile)}
    n = o.nodes
    if o.split == "per-host" and n is None:
        if o.engine == "parallel":
            n = len(eopts["hosts"])
        elif o.constraint:
            raise UsageError("with --constraint, say how many hosts: --nodes N")
        else:
            n = engines.Slurm.count_nodes(o.partition)
            if n < 1:
                raise UsageError("sinfo shows no usable node%s" % (
                    " in partition " + o.partition if o.partition else ""))
    shards = split(cmd, o.split, n, harness_workloads)
    exp_id = new_id(cmd)
    path = o.dir or os.path.join(SOURCE_DIR, "results", "fleet", exp_id)
    exp = Experiment(path)
    if exp.exists():
        raise UsageError("%s already holds an experiment; give another --dir" % exp.path)
    os.makedirs(exp.shard_dir(), exist_ok=True)
    # Build once here, so that shards sharing this source tree do not all
    # start the same build at once.
    b = subprocess.run([os.path.join(SOURCE_DIR, "harness"), "--version"],
                       capture_output=True, text=True)
    if b.returncode != 0:
        raise UsageError("the harness does not build here: %s" % b.stderr.strip())
    exp.m = {"id": os.path.basename(exp.path), "created": time.strftime(
                "%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "command": quote(["harness"] + argv[cut:]),
             "fleet_command": quote(["harness", "fleet", "submit"] + argv),
             "source_dir": SOURCE_DIR, "harness": os.path.join(SOURCE_DIR, "harness"),
             "build_dir": os.environ.get("HARNESS_BUILD_DIR"),
             "engine": o.engine, "engine_options": eopts, "split": o.split,
             "max_running": n if o.split == "alloc-workload" else None,
             "shards": shards, "jobs": []}
    exp.save()
    eng = engines.engine(exp.m)
    job = submit_shards(exp, eng, [s["index"] for s in shards])
    print("experiment %s: %d shard%s (%s split), %s job %s" % (
        exp.path, len(shards), "" if len(shards) == 1 else "s", o.split, o.engine, job["job_id"]))
    for s in shards:
        print("  shard %d  %-24s  harness %s" % (s["index"], s["label"], quote(s["argv"])))
    if o.wait:
        return wait_for(exp, eng, job, o.wait_timeout)
    print("next: fleet status %s; then fleet collect %s" % (exp.path, exp.path))
    return 0


def submit_shards(exp, eng, indexes):
    job = eng.submit(exp, indexes, exp.m.get("max_running"))
    proc = job.pop("_proc", None)
    job["shards"] = sorted(indexes)
    job["attempts"] = {str(s["index"]): s["attempt"] for s in exp.m["shards"] if s["index"] in indexes}
    job["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    exp.m["jobs"].append(job)
    exp.save()
    job["_proc"] = proc
    return job


FINAL = {"DONE", "FAILED", "CANCELLED", "LOST", "GONE", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
         "BOOT_FAIL", "DEADLINE", "PREEMPTED"}


def wait_for(exp, eng, job, timeout):
    t_end = time.monotonic() + timeout
    proc = job.get("_proc")
    while True:
        if proc is not None:
            proc.poll()                # reap parallel when it ends
        states = [st for s, st, _ in collect_mod.shard_states(exp, eng) if s["index"] in job["shards"]]
        if all(st in FINAL or (st == "NOT_STARTED" and proc is not None and proc.returncode is not None)
               for st in states):
            break
        if time.monotonic() > t_end:
            print("fleet: --wait gave up after %.0f s; shards are still queued or running" % timeout,
                  file=sys.stderr)
            return 1
        time.sleep(0.3)
    return print_status(exp, eng)


def print_status(exp, eng):
    rows = collect_mod.shard_states(exp, eng)
    m = exp.m
    print("experiment %s (%s, %s split): %s" % (m["id"], m["engine"], m["split"], m["command"]))
    for j in m["jobs"]:
        print("  job %s: shards %s" % (j["job_id"], ",".join(map(str, j["shards"]))))
    for s, st, detail in rows:
        print("  shard %-3d %-24s attempt %d  %-11s %s" % (s["index"], s["label"], s["attempt"], st, detail))
    counts = {}
    for _, st, _ in rows:
        counts[st] = counts.get(st, 0) + 1
    print("  " + ", ".join("%d %s" % (v, k) for k, v in sorted(counts.items())))
    return 0 if all(st == "DONE" for _, st, _ in rows) else 3


def load(path):
    exp = Experiment(path)
    exp.load()
    return exp, engines.engine(exp.m)


def load_only_dir(prog, argv):
    """The experiment of a subcommand whose only argument is EXPDIR."""
    p = Parser(prog=prog, add_help=False)
    p.add_argument("dir")
    return load(p.parse_args(argv).dir)


def cmd_status(argv):
    print_status(*load_only_dir("fleet status", argv))
    return 0


def cmd_collect(argv):
    exp, eng = load_only_dir("fleet collect", argv)
    lines, problems, out = collect_mod.collect(exp, eng)
    for line in lines:
        print(line)
    if problems:
        for pr in problems:
            print("fleet: " + pr, file=sys.stderr)
        print("fleet: %s is incomplete; fix or `fleet resubmit %s --failed`, then collect again"
              % (out, exp.path), file=sys.stderr)
        return 1
    print("complete: every shard is in %s" % out)
    return 0


def cmd_resubmit(argv):
    p = Parser(prog="fleet resubmit", add_help=False)
    p.add_argument("dir")
    p.add_argument("--failed", action="store_true")
    p.add_argument("--shard")
    p.add_argument("--wait", action="store_true")
    p.add_argument("--wait-timeout", type=float, default=3600)
    o = p.parse_args(argv)
    if o.failed == bool(o.shard):
        raise UsageError("resubmit needs --failed or --shard I[,J...] (one of them)")
    exp, eng = load(o.dir)
    merged, _ = collect_mod.already_merged(os.path.join(exp.path, "results.jsonl"))
    merged = {s for s, _ in merged}
    states = {s["index"]: st for s, st, _ in collect_mod.shard_states(exp, eng)}
    if o.failed:
        pick = [i for i, st in states.items() if st not in ("DONE", "RUNNING", "PENDING",
                                                             "CONFIGURING", "COMPLETING", "SUSPENDED")]
        if not pick:
            print("no failed, cancelled or lost shard: nothing to resubmit")
            return 0
    else:
        try:
            pick = sorted({int(x) for x in o.shard.split(",")})
        except ValueError:
            raise UsageError("--shard takes shard numbers: --shard 1,3")
        bad = [i for i in pick if i not in states]
        if bad:
            raise UsageError("no shard %s (shards are 0..%d)" % (bad[0], len(states) - 1))
    for i in pick:
        if i in merged:
            raise UsageError("shard %d is already merged into results.jsonl; rerunning it would "
                             "duplicate its records" % i)
        if states[i] in ("RUNNING", "PENDING"):
            raise UsageError("shard %d is %s; cancel it first" % (i, states[i]))
    for s in exp.m["shards"]:
        if s["index"] in pick:
            s["attempt"] += 1
    exp.save()
    job = submit_shards(exp, eng, pick)
    print("resubmitted shard%s %s as attempt %s, %s job %s" % (
        "" if len(pick) == 1 else "s", ",".join(map(str, pick)),
        ",".join(str(job["attempts"][str(i)]) for i in pick), exp.m["engine"], job["job_id"]))
    if o.wait:
        return wait_for(exp, eng, job, o.wait_timeout)
    return 0


def cmd_cancel(argv):
    exp, eng = load_only_dir("fleet cancel", argv)
    eng.cancel(exp.m["jobs"])
    print("cancelled: %s" % ", ".join(j["job_id"] for j in exp.m["jobs"]))
    return 0


def cmd_report(argv):
    import hostreport
    return hostreport.main(argv)


def cmd_shard(argv):
    import shard
    p = Parser(prog="fleet shard", add_help=False)
    p.add_argument("dir")
    p.add_argument("index", type=int)
    o = p.parse_args(argv)
    return shard.run_shard(o.dir, o.index)


SUBCOMMANDS = {"submit": cmd_submit, "status": cmd_status, "collect": cmd_collect,
               "resubmit": cmd_resubmit, "cancel": cmd_cancel, "report": cmd_report,
               "shard": cmd_shard}


def main(argv):
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(HELP)
        return 0 if argv else 2
    if argv[0] not in SUBCOMMANDS:
        return fail("unknown subcommand %r; one of %s (fleet --help)"
                    % (argv[0], ", ".join(k for k in SUBCOMMANDS if k != "shard")))
    if "--help" in argv[1:2] or "-h" in argv[1:2]:
        sys.stdout.write(HELP)
        return 0
    try:
        return SUBCOMMANDS[argv[0]](argv[1:])
    except UsageError as e:
        return fail(str(e))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
