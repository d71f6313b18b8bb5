"""placement.py and ab.py's placement note: libraries built here with
malloc and free at known offsets in a 64-byte line; the reader's
addresses checked against `nm -D` (an independent reader)."""
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import ab  # noqa: E402
import report  # noqa: E402
import placement  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def entry(name, skip):
    """An exported function `name` that starts `skip` bytes past a 64-byte boundary."""
    pad = ".skip %d\\n" % skip if skip else ""
    return ('__asm__(".text\\n.p2align 6\\n%s.globl %s\\n.type %s,@function\\n%s:\\n'
            '\\txor %%eax, %%eax\\n\\tret\\n.size %s, .-%s\\n");\n' % (pad, name, name, name, name, name))


def build(tmp, name, funcs):
    src = os.path.join(tmp, name + ".c")
    with open(src, "w") as f:
        for fn, skip in funcs:
            f.write(entry(fn, skip))
    out = os.path.join(tmp, name + ".so")
    subprocess.run(["cc", "-shared", "-fPIC", "-o", out, src], check=True)
    return out


def nm_addresses(path):
    out = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True, check=True).stdout
    return {f[2]: int(f[0], 16) for f in (l.split() for l in out.splitlines()) if len(f) == 3}


class Placement(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.aligned = build(cls.tmp, "aligned", [("malloc", 0), ("free", 0)])
        cls.aligned2 = build(cls.tmp, "aligned2", [("malloc", 0), ("free", 0)])
        cls.shifted = build(cls.tmp, "shifted", [("malloc", 16), ("free", 32)])
        cls.other = build(cls.tmp, "other", [("malloc", 16), ("free", 32), ("calloc", 0)])

    def test_reader_agrees_with_nm(self):
        for lib in (self.aligned, self.shifted, self.other):
            funcs = placement.exported_functions(lib)
            nm = nm_addresses(lib)
            for name in ("malloc", "free"):
                self.assertEqual(funcs[name], nm[name], (lib, name))
        funcs = placement.exported_functions(self.shifted)
        self.assertEqual((funcs["malloc"] % 64, funcs["free"] % 64), (16, 32))

    def test_not_elf(self):
        path = os.path.join(self.tmp, "text.so")
        with open(path, "w") as f:
            f.write("not a library\n")
        self.assertIsNone(placement.exported_functions(path))
        self.assertIsNone(placement.exported_functions(os.path.join(self.tmp, "missing.so")))
        self.assertIsNone(placement.note("a", self.aligned, "b", path))

    def test_note(self):
        line = placement.note("base", self.aligned, "new", self.shifted)
        self.assertIn("new and base are builds of one library", line)
        self.assertIn("malloc +16 against +0", line)
        self.assertIn("free +32 against +0", line)
        # the same placement, the same file, another library (other exports): nothing to say
        self.assertIsNone(placement.note("base", self.aligned, "new", self.aligned2))
        self.assertIsNone(placement.note("base", self.aligned, "new", self.aligned))
        self.assertIsNone(placement.note("base", self.aligned, "new", self.other))
        self.assertIsNone(placement.note("base", "", "new", self.shifted))

    def test_changed_after_the_runs(self):
        line = placement.note("base", self.aligned, "new", self.shifted, since=time.time() - 3600)
        self.assertEqual(line, "placement: not checked: %s changed after these runs" % self.aligned)
        self.assertIn("builds of one library", placement.note("base", self.aligned, "new", self.shifted,
                                                               since=time.time() + 3600))

    def fixture(self, base_lib, other_lib, stamp):
        """The small fixture, its two variants given these libraries and this time."""
        path = os.path.join(self.tmp, "ab.jsonl")
        with open(os.path.join(FIXTURES, "ab_small.jsonl")) as f, open(path, "w") as out:
            for line in f:
                r = json.loads(line)
                r["alloc"]["path"] = other_lib if r.get("knobs", {}).get("HAKMEM_PREFAULT") == "1" else base_lib
                r["time"] = stamp
                out.write(json.dumps(r) + "\n")
        return path

    def ab_output(self, base_lib, other_lib, stamp):
        buf = io.StringIO()
        self.assertEqual(ab.main([self.fixture(base_lib, other_lib, stamp)], out=buf), 0)
        return buf.getvalue()

    def test_ab_prints_the_note(self):
        later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        text = self.ab_output(self.aligned, self.shifted, later)
        self.assertIn("placement: hakmem HAKMEM_PREFAULT=1 and hakmem are builds of one library", text)
        self.assertNotIn("placement:", self.ab_output(self.aligned, self.aligned2, later))
        earlier = "2025-12-04T12:00:00Z"
        self.assertIn("placement: not checked:", self.ab_output(self.aligned, self.shifted, earlier))

    def test_report_prints_the_note(self):
        later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        out = os.path.join(self.tmp, "report")
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(report.main([self.fixture(self.aligned, self.shifted, later), "--out", out]), 0)
        with open(os.path.join(out, "REPORT.md")) as f:
            self.assertIn("- placement: hakmem HAKMEM_PREFAULT=1 and hakmem are builds of one library", f.read())


if __name__ == "__main__":
    unittest.main()
