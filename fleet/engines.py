"""The two engines that start shards on hosts: Slurm and GNU parallel.

Both start the same thing on a host: `python3 fleet.py shard EXPDIR INDEX`,
which runs the ordinary harness for that shard (see shard.py).  An engine
only places shards and reports what it knows about them; the shard's own
start/done files are the ground truth for "finished, and with what status".

Slurm: one job array per submission (`sbatch --array=0-2`), each task one
node (`--nodes=1 --exclusive` by default, so a benchmark does not share its
node with another job), `--no-requeue` so that a shard is never run twice
into the same file.  States come from sacct when accounting is enabled,
otherwise from `scontrol show job` (which remembers finished jobs for
MinJobAge, 300 s by default).

GNU parallel: `parallel --sshloginfile FILE -j1`, one shard at a time per
host; ":" in the file is the local machine.  parallel runs detached from
`submit` (its pid and joblog are in the experiment directory).
"""
import os
import re
import shlex
import signal
import subprocess
import sys

from experiment import UsageError

FLEET_PY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fleet.py")
PYTHON = "/usr/bin/python3"

# Slurm states after which a task will not produce anything more.
SLURM_BAD = {"FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY",
             "PREEMPTED", "BOOT_FAIL", "DEADLINE", "REVOKED", "SPECIAL_EXIT"}


def _run(argv, timeout=60):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise UsageError("%s not found: install Debian's %s" % (
            argv[0], "slurm-client" if argv[0] != "parallel" else "parallel"))
    except subprocess.TimeoutExpired:
        raise UsageError("%s did not answer within %d s" % (" ".join(argv[:2]), timeout))
    return p


def shard_command(exp_path):
    """The shell words that run one shard, the shard index to be appended."""
    return " ".join(shlex.quote(w) for w in [PYTHON, FLEET_PY, "shard", exp_path])


def _ranges(indexes):
    return ",".join(str(i) for i in sorted(indexes))


# ---------------------------------------------------------------------------
# Slurm

class Slurm:
    name = "slurm"

    def __init__(self, opts):
        self.opts = opts              # manifest["engine_options"]

    @staticmethod
    def count_nodes(partition):
        """Nodes that can run jobs (not down, drained or failed)."""
        argv = ["sinfo", "-h", "-N", "-o", "%N %t"]
        if partition:
            argv += ["-p", partition]
        p = _run(argv)
        if p.returncode != 0:
            raise UsageError("sinfo failed: %s" % (p.stderr.strip() or p.returncode))
        nodes = set()
        for line in p.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and not parts[1].rstrip("*~#!%$@^-").startswith(
                    ("down", "drain", "fail", "unk", "inval")):
                nodes.add(parts[0])
        return len(nodes)

    def submit(self, exp, indexes, max_running=None):
        script = os.path.join(exp.path, "fleet.sbatch")
        if not os.path.exists(script):
            with open(script, "w") as f:
                f.write("#!/bin/sh\n# One shard of fleet experiment %s; the task id is the shard.\n"
                        "exec %s \"$SLURM_ARRAY_TASK_ID\"\n"
                        % (os.path.basename(exp.path), shard_command(exp.path)))
        array = _ranges(indexes)
        if max_running:
            array += "%%%d" % max_running
        o = self.opts
        argv = ["sbatch", "--parsable", "--array=" + array,
                "--job-name=fleet-" + os.path.basename(exp.path)[:40],
                "--output=" + os.path.join(exp.shard_dir(), "slurm-%A_%a.out"),
                "--chdir=" + exp.path, "--nodes=1", "--ntasks=1", "--no-requeue"]
        if o.get("exclusive", True):
            argv.append("--exclusive")
        if o.get("partition"):
            argv.append("--partition=" + o["partition"])
        if o.get("constraint"):
            argv.append("--constraint=" + o["constraint"])
        argv += o.get("sbatch_args", [])
        argv.append(script)
        p = _run(argv)
        if p.returncode != 0:
            raise UsageError("sbatch failed: %s" % (p.stderr.strip() or "exit %d" % p.returncode))
        job = p.stdout.strip().split(";")[0]
        if not job.isdigit():
            raise UsageError("sbatch answered %r, not a job id" % p.stdout.strip())
        return {"job_id": job, "command": argv}

    def states(self, jobs):
        """{shard index: (state, node)} from Slurm, later jobs winning."""
        out = {}
        for job in jobs:
            got = self._sacct(job["job_id"])
            if got is None:
                got = self._scontrol(job["job_id"])
            for idx in job["shards"]:
                if idx in got:
                    out[idx] = got[idx]
                elif got:
                    # Slurm lists the job but not this task: without
                    # accounting, a task cancelled while pending vanishes.
                    out[idx] = ("GONE", "")
        return out

    def _sacct(self, job_id):
        p = _run(["sacct", "-n", "-P", "-X", "-j", job_id, "-o", "JobID,State,NodeList"])
        if p.returncode != 0 or "disabled" in p.stderr.lower():
            return None               # accounting not configured: ask scontrol
        got = {}
        for line in p.stdout.splitlines():
            parts = line.split("|")
            m = re.match(r"\d+_(\d+)$", parts[0]) if len(parts) == 3 else None
            if m:
                got[int(m.group(1))] = (parts[1].split()[0], parts[2])
        return got

    def _scontrol(self, job_id):
        p = _run(["scontrol", "-o", "show", "job", job_id])
        got = {}
        if p.returncode != 0:
            return got                # forgotten (older than MinJobAge)
        for line in p.stdout.splitlines():
            f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            tasks = f.get("ArrayTaskId", "")
            for part in tasks.split("%")[0].split(","):
                m = re.match(r"(\d+)(?:-(\d+))?$", part)
                if not m:
                    continue
                for i in range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1):
                    node = f.get("NodeList", "")
                    got[i] = (f.get("JobState", "UNKNOWN"), "" if node == "(null)" else node)
        return got

    def cancel(self, jobs):
        for job in jobs:
            _run(["scancel", job["job_id"]])


# ---------------------------------------------------------------------------
# GNU parallel

def sshlogins(path):
    """The hosts of an --sshloginfile: one per line, "N/host" allowed,
    "#" comments; ":" is the local machine."""
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise UsageError("cannot read the sshloginfile %s: %s" % (path, e.strerror))
    hosts = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        for entry in filter(None, (e.strip() for e in line.split(","))):
            host = entry.split("/", 1)[1] if re.match(r"\d+/", entry) else entry
            if host not in hosts:
                hosts.append(host)
    if not hosts:
        raise UsageError("the sshloginfile %s names no host" % path)
    return hosts


class Parallel:
    name = "parallel"

    def __init__(self, opts):
        self.opts = opts

    def submit(self, exp, indexes, max_running=None):
        n = len([f for f in os.listdir(exp.path) if f.startswith("parallel-")
                 and f.endswith(".joblog")]) + 1
        joblog = os.path.join(exp.path, "parallel-%d.joblog" % n)
        log = os.path.join(exp.path, "parallel-%d.log" % n)
        # -j1: one shard at a time on each host; --line-buffer for the log.
        argv = ["parallel", "--sshloginfile", self.opts["sshloginfile"], "-j1",
                "--joblog", joblog, "--line-buffer", "--tag"]
        argv += self.opts.get("parallel_args", [])
        argv += [shard_command(exp.path) + " {}", ":::"] + [str(i) for i in sorted(indexes)]
        try:
            with open(log, "w") as lf:
                proc = subprocess.Popen(argv, stdout=lf, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        except FileNotFoundError:
            raise UsageError("parallel not found: install Debian's parallel")
        return {"job_id": "pid-%d" % proc.pid, "pid": proc.pid, "joblog": joblog,
                "log": log, "command": argv, "_proc": proc}

    def states(self, jobs):
        out = {}
        for job in jobs:
            alive = _alive(job.get("pid"))
            done = {}
            try:
                with open(job["joblog"]) as f:
                    for line in f.read().splitlines()[1:]:
                        c = line.split("\t")
                        if len(c) >= 9:
                            done[int(c[-1].split()[-1])] = (int(c[6]), int(c[7]), c[1])
            except (OSError, ValueError):
                pass
            for idx in job["shards"]:
                if idx in done:
                    ex, sig, host = done[idx]
                    out[idx] = ("COMPLETED" if ex == 0 and sig == 0 else
                                "FAILED" if sig == 0 else "CANCELLED", host)
                else:
                    out[idx] = ("RUNNING" if alive else "GONE", "")
        return out

    def cancel(self, jobs):
        for job in jobs:
            if _alive(job.get("pid")):
                os.killpg(job["pid"], signal.SIGTERM)


def _alive(pid):
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:                              # a zombie of ours is not alive
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


ENGINES = {"slurm": Slurm, "parallel": Parallel}


def engine(manifest):
    return ENGINES[manifest["engine"]](manifest.get("engine_options", {}))


if __name__ == "__main__":
    sys.exit("engines.py is a module of fleet.py")
