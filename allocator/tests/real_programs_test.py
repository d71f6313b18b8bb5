#!/usr/bin/python3
"""real_programs_test.py - real programs run under LD_PRELOAD=libhakmem.so
must behave exactly as under glibc's malloc: same exit code, same output.

usage: real_programs_test.py LIBHAKMEM.so
Programs: python3 (dicts and lists built and sorted), perl (a one-liner
over a generated text), git (a scratch repository), gcc -O2 (a generated
C file, compiled and run), sqlite3.  A program that is not installed is
skipped with the reason; one that fails is a failure."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

lib = os.path.abspath(sys.argv[1])
failures = checks = 0

PY_SCRIPT = r"""
import random
random.seed(42)
d = {}
for i in range(100000):
    d["k%07d" % random.randrange(10**7)] = [i, str(i) * (i % 7), {"v": i}]
items = sorted(d.items(), key=lambda kv: (len(kv[1][1]), kv[0]))
lists = [sorted(random.sample(range(100000), 500)) for _ in range(300)]
s = sum(x[1][0] for x in items[:1000]) + sum(l[250] for l in lists)
big = bytearray(20 * 1024 * 1024); big[-1] = 7
text = " ".join(k for k, _ in items[:20000]).upper().split()
print(len(d), s, items[0][0], items[-1][0], len(text), big[-1], len(set(text)))
"""

C_HEADER = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"


def generated_c():
    parts = [C_HEADER]
    for i in range(400):
        parts.append(f"""
static int f{i}(int x) {{
    int a[{i % 17 + 3}];
    for (int k = 0; k < {i % 17 + 3}; k++) a[k] = x * {i} + k;
    int s = 0;
    for (int k = 0; k < {i % 17 + 3}; k++) s += a[k] % {i % 13 + 2};
    return s ^ {i};
}}""")
    parts.append("int main(void) {\n    long t = 0;\n")
    for i in range(400):
        parts.append(f"    t += f{i}({i});\n")
    parts.append('    char *p = malloc(1000); strcpy(p, "done"); printf("%ld %s\\n", t, p); free(p);\n    return 0;\n}\n')
    return "".join(parts)


def run(cmd, preload, cwd, stdin=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAKMEM_") and k != "LD_PRELOAD"}
    env.update({"LC_ALL": "C", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
                "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z",
                "GIT_CONFIG_NOSYSTEM": "1", "HOME": cwd})
    if preload:
        env["LD_PRELOAD"] = lib
    return subprocess.run(cmd, cwd=cwd, env=env, input=stdin, capture_output=True, timeout=300,
                          shell=isinstance(cmd, str))


def compare(name, script, needs):
    """script(workdir, preload) -> (returncode, output bytes, stderr bytes)"""
    global failures, checks
    missing = [n for n in needs if not shutil.which(n)]
    if missing:
        print(f"skip {name}: {', '.join(missing)} not installed")
        return
    out = {}
    for preload in (False, True):
        with tempfile.TemporaryDirectory() as wd:
            out[preload] = script(wd, preload)
    checks += 1
    (rc0, o0, _), (rc1, o1, e1) = out[False], out[True]
    if rc0 == rc1 == 0 and o0 == o1 and b"hakmem:" not in e1:
        print(f"ok   {name} (output {hashlib.sha256(o1).hexdigest()[:12]}, {len(o1)} bytes, same as glibc)")
    else:
        failures += 1
        print(f"FAIL {name}: exit glibc={rc0} hakmem={rc1}; output same={o0 == o1}", file=sys.stderr)
        print(f"     glibc:  {o0[-300:]!r}\n     hakmem: {o1[-300:]!r}\n     stderr: {e1[-500:]!r}", file=sys.stderr)


def python_script(wd, preload):
    p = run(["python3", "-c", PY_SCRIPT], preload, wd)
    return p.returncode, p.stdout, p.stderr


def perl_script(wd, preload):
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    with open(os.path.join(wd, "text.txt"), "w") as f:
        for i in range(60000):
            f.write(" ".join(words[(i * k) % 8] + str(i % (k + 3)) for k in range(1, 9)) + "\n")
    p = run("perl -ne 'for (split) { $c{$_}++; $l{length $_} .= $_ if length($l{length $_} // q()) < 1000 } "
            "END { print map { \"$_ $c{$_}\\n\" } sort { $c{$b} <=> $c{$a} || $a cmp $b } keys %c; "
            "print length($l{$_}), \"\\n\" for sort keys %l }' text.txt", preload, wd)
    return p.returncode, p.stdout, p.stderr


def git_script(wd, preload):
    cmds = ["git init -q -b main repo"]
    steps = []
    for i in range(150):
        d = os.path.join(wd, "repo", f"dir{i % 10}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, f"file{i}.txt"), "w") as f:
            f.write(f"line {i}\n" * (i + 1))
    cmds += ["cd repo && git add -A && git commit -q -m first",
             "cd repo && for i in 1 2 3; do sed -i \"s/line $i/LINE $i/\" dir*/file*.txt; git commit -qam \"change $i\"; done",
             "cd repo && git log --stat --format='%H %s' | head -400",
             "cd repo && git diff HEAD~2 --stat | tail -3",
             "cd repo && git gc -q && git fsck --no-progress 2>&1 | wc -l",
             "cd repo && git rev-parse HEAD && git count-objects -v | grep -v size",
             "cd repo && git grep -c LINE | head -20"]
    output, rc, err = b"", 0, b""
    for c in cmds:
        p = run(c, preload, wd)
        output += p.stdout
        err += p.stderr
        rc = rc or p.returncode
    return rc, output, err


def gcc_script(wd, preload):
    with open(os.path.join(wd, "gen.c"), "w") as f:
        f.write(generated_c())
    p = run("gcc -O2 -o gen gen.c && ./gen && gcc -O2 -S -o - gen.c | md5sum", preload, wd)
    return p.returncode, p.stdout, p.stderr


def sqlite_script(wd, preload):
    sql = ("create table t(a integer, b text);"
           "with recursive c(x) as (select 1 union all select x+1 from c where x < 50000) "
           "insert into t select x, hex(randomblob(8)) || x from c;"
           "create index ti on t(b);"
           "select count(*), sum(a), max(length(b)) from t;"
           "select a from t order by b limit 0;"
           "select count(distinct substr(b, 17)) from t;")
    p = run(["sqlite3", os.path.join(wd, "db.sqlite")], preload, wd, stdin=sql.encode())
    return p.returncode, p.stdout, p.stderr


compare("python3 dicts and lists", python_script, ["python3"])
compare("perl one-liner over generated text", perl_script, ["perl"])
compare("git on a scratch repository", git_script, ["git", "sed"])
compare("gcc -O2 on a generated C file", gcc_script, ["gcc", "md5sum"])
compare("sqlite3 inserts, index, queries", sqlite_script, ["sqlite3"])

print(f"{checks} checks, {failures} failed")
sys.exit(min(failures, 255))
