"""fleet on a real Slurm: a cluster started here (localslurm.py; 3 Slurm
nodes emulated on this one machine), a 3-shard job array of a tiny
experiment, one shard per node, status, collect, the cross-host report.  Skips
(exit 77) with the reason when Slurm cannot start, e.g. without root."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
from e2e import check, fleet  # noqa: E402
from localslurm import LocalSlurm, Unavailable  # noqa: E402


def leftovers(path):
    """Processes whose command line names our temporary directory."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if path.encode() in f.read():
                    found.append(pid)
        except OSError:
            pass
    return found


def body():
    tmp = tempfile.mkdtemp(prefix="fleet-test-")
    cluster = LocalSlurm(nodes=3)
    try:
        try:
            cluster.start()
        except Unavailable as e:
            print("SKIP: slurm cannot start here: %s" % e)
            return e2e.SKIP
        env = cluster.env()
        exp = os.path.join(tmp, "exp")
        # no --nodes: per-host takes every usable node of the partition (sinfo: 3)
        rc, out, _ = fleet(["submit", "--dir", exp, "--wait", "--wait-timeout", "90"]
                           + e2e.EXPERIMENT, env)
        check(rc == 0, "submit --wait: 3 shards ended, all DONE")
        m = e2e.manifest(exp)
        job = m["jobs"][0]
        check(len(m["shards"]) == 3 and job["job_id"].isdigit() and len(m["jobs"]) == 1,
              "one Slurm job array (job %s) for 3 shards" % job["job_id"])
        sb = " ".join(job["command"])
        check("--array=0,1,2" in sb and "--exclusive" in sb and "--nodes=1" in sb,
              "sbatch --array=0,1,2 --nodes=1 --exclusive")
        for i in range(3):
            with open(os.path.join(exp, "shards", "%d.a1.done.json" % i)) as f:
                done = e2e.json.load(f)
            check(done["slurm_job"] == job["job_id"] and done["slurm_task"] == str(i)
                  and done["exit"] == 0, "shard %d ran as task %d of Slurm job %s" % (i, i, job["job_id"]))
        rc, out, _ = fleet(["status", exp], env)
        check(rc == 0 and "3 DONE" in out, "status: 3 DONE")
        # Slurm's own record of where each task ran, against fleet's
        sc = subprocess.run(["scontrol", "-o", "show", "job", job["job_id"]], env=env,
                            capture_output=True, text=True, check=True).stdout
        slurm_nodes = dict(re.findall(r"ArrayTaskId=(\d+) .*? NodeList=(\S+)", sc))
        rc, out, err = fleet(["collect", exp], env)
        check(rc == 0 and "complete" in out, "collect: complete")
        recs = e2e.check_merged(exp, 3, 4, cluster.nodes)
        check({r["fleet"]["job"] for r in recs} == {job["job_id"]}, "records tagged with the job id")
        check(all(r["fleet"]["node"] == slurm_nodes.get(str(r["fleet"]["shard"])) for r in recs),
              "each record's node is the one scontrol reports for its task: %s" % slurm_nodes)
        e2e.check_report(exp, recs, env)

        # A shard cancelled before it started and a failed shard are named;
        # resubmit --failed reruns those two alone.  The failure is real: the
        # third allocator's library does not exist until after the first try.
        exp2 = os.path.join(tmp, "exp2")
        lib = os.path.join(tmp, "lib", "libmine.so")
        rc, out, _ = fleet(["submit", "--split=alloc-workload", "--dir", exp2, "--sbatch-arg=--hold",
                            "run", "tiny_hot", "--alloc=glibc,hakmem,mine=" + lib, "--runs", "1",
                            "--warmup", "0", "--", "--iterations", "10000"], env)
        job2 = e2e.manifest(exp2)["jobs"][0]["job_id"]
        subprocess.run(["scancel", "%s_1" % job2], env=env, check=True)
        subprocess.run(["scontrol", "release", job2], env=env, check=True)
        t_end = time.time() + 60
        while time.time() < t_end and not re.search(
                r"1 DONE.*1 FAILED.*1 GONE", fleet(["status", exp2], env)[1]):
            time.sleep(1)
        rc, out, _ = fleet(["status", exp2], env)
        check(re.search(r"shard 1 +hakmem +attempt 1 +GONE", out) is not None,
              "status: shard 1, cancelled while pending, is GONE")
        check(re.search(r"shard 2 +mine=\S+ +attempt 1 +FAILED +harness exit 2", out) is not None,
              "status: shard 2 FAILED with the harness's exit status")
        rc, out, err = fleet(["collect", exp2], env)
        check(rc == 1 and "shard 1 (hakmem) GONE" in err and "shard 2 (mine=%s) FAILED" % lib in err,
              "collect exits 1 naming shards 1 and 2; shard 0 merged")
        os.makedirs(os.path.dirname(lib))
        shutil.copy(os.path.join(os.environ["HARNESS_BUILD_DIR"], "allocator", "libhakmem.so"), lib)
        rc, out, _ = fleet(["resubmit", exp2, "--failed"], env)
        m2 = e2e.manifest(exp2)
        # the sbatch options given at submit (here --hold) hold for resubmits too
        subprocess.run(["scontrol", "release", m2["jobs"][-1]["job_id"]], env=env, check=True)
        t_end = time.time() + 60
        while time.time() < t_end and "3 DONE" not in fleet(["status", exp2], env)[1]:
            time.sleep(1)
        check(rc == 0 and m2["jobs"][-1]["shards"] == [1, 2] and m2["shards"][0]["attempt"] == 1
              and m2["shards"][2]["attempt"] == 2,
              "resubmit --failed: one new job for shards 1 and 2 alone, attempt 2")
        before, _ = e2e.merged(exp2)
        rc, out, err = fleet(["collect", exp2], env)
        text, recs2 = e2e.merged(exp2)
        check(rc == 0 and text.startswith(before) and sorted(
            (r["fleet"]["shard"], r["fleet"]["attempt"]) for r in recs2) == [(0, 1), (1, 2), (2, 2)],
            "collect appends shards 1 and 2 (attempt 2) after shard 0, which it kept")
    finally:
        daemons = list(cluster.procs)
        cluster.stop()
        left = leftovers(cluster.dir or "/nonexistent") if cluster.dir else []
        shutil.rmtree(tmp, ignore_errors=True)
    check(daemons and all(p.poll() is not None for _, p in daemons) and not left,
          "munged, slurmctld, 3 slurmd stopped; nothing left running")
    check(not os.path.exists(cluster.dir), "the cluster's temporary directory is removed")
    return 0


if __name__ == "__main__":
    sys.exit(e2e.main(body))
