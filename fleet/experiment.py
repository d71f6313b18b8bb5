"""An experiment: one harness command line split into shards, and its state.

A fleet experiment lives in one directory on a filesystem that every host
sees at the same path (the Slurm norm: a shared home or project space):

    manifest.json          what was asked: the harness command, the shards
                           (each a complete harness command line), the engine
                           and every job submitted for it, with its attempts
    shards/I.aK.jsonl      shard I's records, attempt K (the harness's --out)
    shards/I.aK.log        the shard's stdout and stderr
    shards/I.aK.start.json the shard started: node, time
    shards/I.aK.done.json  the shard ended: node, exit status, times
    results.jsonl          the merged records (written by `collect`)

Splitting.  `per-host` (the default) gives N identical shards, each the
whole experiment on one host: every ratio is then computed inside one
invocation on one machine, interleaved as usual.  `alloc-workload` gives one
shard per allocator x workload: more parallelism, but allocators are no
longer interleaved within one invocation (the report says so).
"""
import json
import os
import shlex
import time

COMMANDS = ("run", "suite", "ab", "analyze")

# Harness options that take a value as the next word (or after "=").  Those
# with an optional value (--counters[=LIST], --probes[=LIST]) only take it
# after "=", so they are not here.
VALUE_OPTIONS = {"--alloc", "--runs", "--warmup", "--threads", "--env", "--cmd",
                 "--engine", "--sample-ms", "--timeout", "--out", "--vary",
                 "--seed", "--report-dir"}

SPLITS = ("per-host", "alloc-workload")


class UsageError(Exception):
    """Bad input: the CLI prints the message as one line and exits 2."""


class Command:
    """A harness command line, parsed just enough to split it.

    words:  the words before "--" (command first), each option as one word
            ("--alloc=a,b"), in the order given
    tail:   the words after "--" (workload arguments), passed through
    """

    def __init__(self, argv):
        argv = list(argv)
        if argv and os.path.basename(argv[0]) == "harness":
            argv = argv[1:]          # "./harness run ..." pasted whole
        if not argv or argv[0] not in COMMANDS:
            raise UsageError("the experiment must start with one of %s, got %r"
                             % (", ".join(COMMANDS), argv[0] if argv else ""))
        self.name = argv[0]
        self.tail = []
        self.options = []            # [name, value or None], in order
        self.positional = []
        i = 1
        while i < len(argv):
            w = argv[i]
            if w == "--":
                self.tail = argv[i + 1:]
                break
            if w.startswith("--"):
                name, eq, value = w.partition("=")
                if not eq and name in VALUE_OPTIONS:
                    if i + 1 >= len(argv):
                        raise UsageError("%s needs a value" % name)
                    i += 1
                    value = argv[i]
                    eq = "="
                self.options.append([name, value if eq else None])
            elif w.startswith("-") and len(w) > 1:
                raise UsageError("unknown short option %r in the experiment; "
                                 "use the long form (--runs N)" % w)
            else:
                self.positional.append(w)
            i += 1
        if self.get("--out") is not None:
            raise UsageError("do not give --out: each shard writes its own file "
                             "in the experiment directory and `collect` merges them")
        if self.name != "suite" and self.get("--cmd") is None and len(self.positional) != 1:
            raise UsageError("harness %s takes one WORKLOAD, got %s"
                             % (self.name, " ".join(self.positional) or "none"))
        if self.name == "suite" and self.get("--cmd") is not None:
            raise UsageError("harness suite does not take --cmd")

    def get(self, name):
        for n, v in self.options:
            if n == name:
                return v
        return None

    def allocs(self):
        v = self.get("--alloc")
        return [a for a in v.split(",") if a] if v else []

    def argv(self, alloc=None, workloads=None, out=None, extra=()):
        """The harness argv of this command, with --alloc and the workload
        list replaced when given, and --out (plus `extra`) appended."""
        words = [self.name]
        words += self.positional if workloads is None else list(workloads)
        for n, v in self.options:
            if n == "--alloc" and alloc is not None:
                v = alloc
            words.append(n if v is None else "%s=%s" % (n, v))
        if alloc is not None and self.get("--alloc") is None:
            words.append("--alloc=%s" % alloc)
        words += list(extra)
        if out is not None:
            words.append("--out=%s" % out)
        if self.tail:
            words += ["--"] + self.tail
        return words


def split(cmd, how, shards=None, workload_list=None):
    """The shards of `cmd`, each {"index", "label", "argv"} (argv without
    --out, which is per attempt).

    per-host: `shards` copies of the whole command.
    alloc-workload: one per allocator x workload.  For suite without named
    workloads, `workload_list` (a callable) gives every registered one.
    """
    if how not in SPLITS:
        raise UsageError("--split must be one of %s, got %r" % (", ".join(SPLITS), how))
    out = []
    if how == "per-host":
        if shards is None or shards < 1:
            raise UsageError("per-host split needs the number of hosts (--nodes N >= 1)")
        for i in range(shards):
            out.append({"label": "host %d of %d" % (i + 1, shards), "argv": cmd.argv()})
    else:
        if cmd.name == "analyze":
            raise UsageError("analyze compares HAKMEM's knobs and the peers inside one "
                             "invocation; split it per-host, not alloc-workload")
        allocs = cmd.allocs()
        if not allocs:
            raise UsageError("alloc-workload split needs --alloc=A,B,... in the experiment")
        if cmd.name == "suite":
            workloads = cmd.positional or (workload_list() if workload_list else [])
            if not workloads:
                raise UsageError("suite without named workloads: cannot list the workloads")
        else:
            workloads = [None]
        for w in workloads:
            for a in allocs:
                argv = cmd.argv(alloc=a, workloads=None if w is None else [w])
                label = a if w is None else "%s %s" % (w, a)
                out.append({"label": label, "argv": argv})
    for i, s in enumerate(out):
        s["index"] = i
        s["attempt"] = 1
    return out


# ---------------------------------------------------------------------------
# The experiment directory

class Experiment:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.manifest_path = os.path.join(self.path, "manifest.json")

    def exists(self):
        return os.path.isfile(self.manifest_path)

    def load(self):
        try:
            with open(self.manifest_path) as f:
                self.m = json.load(f)
        except FileNotFoundError:
            raise UsageError("%s is not a fleet experiment (no manifest.json)" % self.path)
        except ValueError as e:
            raise UsageError("%s: manifest.json does not parse: %s" % (self.path, e))
        return self.m

    def save(self):
        tmp = self.manifest_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.m, f, indent=2)
            f.write("\n")
        os.replace(tmp, self.manifest_path)   # a reader never sees half a manifest

    def shard_dir(self):
        return os.path.join(self.path, "shards")

    def shard_file(self, index, attempt, kind):
        """kind: jsonl, log, start.json, done.json"""
        return os.path.join(self.shard_dir(), "%d.a%d.%s" % (index, attempt, kind))

    def shard_argv(self, shard, attempt=None):
        """The full harness argv of one attempt of a shard."""
        attempt = attempt or shard["attempt"]
        cmd = Command(shard["argv"])
        extra = []
        if cmd.name == "analyze" and cmd.get("--report-dir") is None:
            extra = ["--report-dir=%s" % os.path.join(
                self.shard_dir(), "%d.a%d.report" % (shard["index"], attempt))]
        return cmd.argv(out=self.shard_file(shard["index"], attempt, "jsonl"), extra=extra)

    def read_json(self, path):
        try:
            with open(path) as f:
                return json.load(f)
        except (FileNotFoundError, ValueError):
            return None


def new_id(cmd):
    what = cmd.positional[0] if cmd.positional else ("cmd" if cmd.get("--cmd") else "all")
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in what)[:40]
    return "%s-%s-%s" % (time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()), cmd.name, safe)


def quote(argv):
    return " ".join(shlex.quote(w) for w in argv)
