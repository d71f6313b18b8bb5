"""Ctrl-C, SIGTERM and SIGHUP (issue 11 item 1): the whole run is killed
(its process group and whatever it left re-parented to the harness), the
interrupted run is recorded whole with status "interrupted", one line
says what was done ("interrupted by SIGINT after N of M runs; results in
FILE"), the exit status is 128 + the signal, and nothing is left running.
For run, run --cmd, ab, suite, analyze and a report script.

Ctrl-C is sent as a terminal sends it: to the harness's whole process
group (the harness is started in a session of its own).  Each case is
bounded: the workloads would run for minutes if nothing stopped them.

Run by meson with HARNESS_BIN, HARNESS_BUILD_DIR and HARNESS_SOURCE_DIR."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HARNESS = os.environ["HARNESS_BIN"]
LONG = ["--cycles", "2000000000"]          # minutes: only a signal ends it in time
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}


def proc_stat(pid):
    """(ppid, pgrp) of a live process, None when it is gone (or a zombie)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            text = f.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return None if fields[0] == "Z" else (int(fields[1]), int(fields[2]))


def all_pids():
    return [int(n) for n in os.listdir("/proc") if n.isdigit()]


def children(pid):
    return [p for p in all_pids() if (proc_stat(p) or (0, 0))[0] == pid]


def exe_name(pid):
    try:
        return os.path.basename(os.readlink("/proc/%d/exe" % pid))
    except OSError:
        return ""


def maps(pid):
    try:
        with open("/proc/%d/maps" % pid) as f:
            return f.read()
    except OSError:
        return ""


def read_pid(path):
    """The pid a shell wrote to path, or None while it is not there."""
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def wait_for(pred, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.01)
    raise AssertionError("timed out waiting for " + what)


class Interrupt(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "r.jsonl")

    def tearDown(self):
        self.tmp.cleanup()

    def start(self, *args):
        h = subprocess.Popen([HARNESS, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
        self.addCleanup(self.stop, h)
        return h

    @staticmethod
    def stop(h):
        """After a failed check: leave nothing behind for the next test."""
        if h.poll() is None:
            os.killpg(h.pid, signal.SIGKILL)
            h.communicate()

    @staticmethod
    def kill_left(pids, groups):
        """After a failed check: what the harness should have killed."""
        for g in groups:
            try:
                os.killpg(g, signal.SIGKILL)
            except OSError:
                pass
        for p in pids:
            if proc_stat(p):
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass

    def workload_child(self, h, name, timeout=60):
        """The pid of the harness's child running `name` (the workload's process)."""
        return wait_for(lambda: next((c for c in children(h.pid) if exe_name(c) == name), None), timeout,
                        name + " under the harness")

    def interrupt(self, h, sig, watched, runs_total, stage=None):
        """Send sig (SIGINT to the whole group, as a terminal does), then
        check the exit, the message, the records and that every watched
        pid and every process of the run's group is gone."""
        groups = {proc_stat(p)[1] for p in watched if proc_stat(p)}
        self.addCleanup(self.kill_left, watched, groups)
        if sig == signal.SIGINT:
            os.killpg(h.pid, sig)
        else:
            os.kill(h.pid, sig)
        try:
            out, err = h.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            h.kill()
            raise
        self.assertEqual(h.returncode, EXIT[sig], err)
        self.assertNotIn("Traceback", err)
        name = signal.Signals(sig).name
        line = "harness: interrupted by %s%s after 0 of %d runs; results in %s" % (
            name, " during " + stage if stage else "", runs_total, self.out)
        self.assertIn(line, err)
        with open(self.out) as f:
            text = f.read()
        self.assertTrue(text.endswith("\n"))                  # written whole
        recs = [json.loads(ln) for ln in text.splitlines() if ln.strip()]
        self.assertEqual(recs[-1]["status"], "interrupted")
        self.assertIn("interrupted by " + name, recs[-1]["error"])
        left = [p for p in watched if proc_stat(p)]
        left += [p for p in all_pids() if (proc_stat(p) or (0, -1))[1] in groups]
        self.assertEqual(left, [], "processes of the run still running")
        return recs

    def test_run_cmd_each_signal_kills_the_group_and_what_left_it(self):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            with self.subTest(signal=sig.name):
                if os.path.exists(self.out):
                    os.unlink(self.out)
                pids = os.path.join(self.tmp.name, "pids-" + sig.name)
                # the shell, a sleep in its group, and a sleep in a session
                # of its own (out of reach of the group kill: re-parented
                # to the harness when the shell dies)
                cmd = ("sleep 60 & echo $! > %s.1; setsid sleep 61 & echo $! > %s.2; echo $$ > %s.0; wait"
                       % (pids, pids, pids))
                h = self.start("run", "--cmd", cmd, "--alloc=glibc", "--runs", "2", "--warmup", "0",
                               "--out", self.out)
                watched = [wait_for(lambda: read_pid("%s.%d" % (pids, i)), 20, "pid file") for i in range(3)]
                # $! is known before the child's setsid(): wait until it has its own group
                wait_for(lambda: (proc_stat(watched[2]) or (0, 0))[1] == watched[2], 20, "setsid")
                recs = self.interrupt(h, sig, watched, 2)
                self.assertEqual(len(recs), 1)

    def test_run_workload_sigterm(self):
        h = self.start("run", "random_mixed", "--alloc=glibc,hakmem", "--runs", "3", "--warmup", "1",
                       "--out", self.out, "--", *LONG)
        recs = self.interrupt(h, signal.SIGTERM, [self.workload_child(h, "random_mixed")], 6)
        self.assertTrue(recs[-1].get("warmup"))           # the warm-up run, recorded as such

    def test_ab_ctrl_c(self):
        h = self.start("ab", "random_mixed", "--alloc=glibc,hakmem", "--runs", "3", "--warmup", "0",
                       "--out", self.out, "--", *LONG)
        self.interrupt(h, signal.SIGINT, [self.workload_child(h, "random_mixed")], 6)

    def test_suite_sighup(self):
        h = self.start("suite", "--alloc=glibc", "--runs", "2", "--warmup", "0", "--out", self.out,
                       "real_python")
        w = self.workload_child(h, "real_python")      # it runs python3 in its process group
        self.interrupt(h, signal.SIGHUP, [w], 2, stage="the suite's workload real_python")

    def test_analyze_ctrl_c(self):
        h = self.start("analyze", "random_mixed", "--alloc=hakmem,glibc", "--runs", "1", "--warmup", "0",
                       "--no-cachegrind", "--out", self.out, "--", *LONG)
        self.interrupt(h, signal.SIGINT, [self.workload_child(h, "random_mixed")], 6)

    def test_report_script_ctrl_c_prints_no_traceback(self):
        p = subprocess.run([HARNESS, "run", "random_mixed", "--alloc=glibc", "--runs", "2", "--warmup", "0", "-q",
                            "--out", self.out, "--", "--cycles", "2000"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        h = self.start("report", self.out, "--out", os.path.join(self.tmp.name, "rep"))
        py = wait_for(lambda: next((c for c in children(h.pid) if exe_name(c).startswith("python")), None), 20,
                      "the report script")
        time.sleep(0.05)    # inside Python (importing: a KeyboardInterrupt would give a traceback)
        os.killpg(h.pid, signal.SIGINT)
        out, err = h.communicate(timeout=20)
        self.assertEqual(h.returncode, 130, err)
        self.assertNotIn("Traceback", err)
        self.assertNotIn("KeyboardInterrupt", err)
        self.assertIn("harness: interrupted by SIGINT during scripts/report.py", err)
        self.assertIsNone(proc_stat(py))

    def test_report_script_by_hand_ctrl_c_prints_no_traceback(self):
        p = subprocess.run([HARNESS, "run", "random_mixed", "--alloc=glibc", "--runs", "2", "--warmup", "0", "-q",
                            "--out", self.out, "--", "--cycles", "2000"], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        script = os.path.join(os.environ["HARNESS_SOURCE_DIR"], "scripts", "report.py")
        h = subprocess.Popen(["/usr/bin/python3", script, self.out, "--out", os.path.join(self.tmp.name, "rep")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Python's own start-up (before the script's first line) would still
        # print a KeyboardInterrupt: wait until the script imports numpy
        wait_for(lambda: "numpy" in maps(h.pid), 30, "the script's imports")
        h.send_signal(signal.SIGINT)
        _, err = h.communicate(timeout=20)
        self.assertEqual(h.returncode, -signal.SIGINT, err)      # died of the signal, as a C program does
        self.assertNotIn("Traceback", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
