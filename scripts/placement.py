"""placement.py - where a library's malloc and free start, for `harness ab`.

Two builds of one library differ in a few instructions, and also in where
every hot function starts.  On a loop as short as tiny_hot that alone
moved throughput by up to 8% on the development VM (README, "harness ab":
a build with HAKMEM's double-free test removed was 8.3% slower than the
full one).  So when two variants are builds of one library (the same
exported functions) whose malloc or free start at different offsets in a
64-byte line, ab.py says so under the verdicts: the verdict then includes
that placement as well as the change.

The reader takes the addresses from the library's dynamic symbol table
(ELF64, little-endian: x86-64 and aarch64), as `nm -D` does.
"""

import calendar
import functools
import os
import struct
import time

ENTRY_POINTS = ("malloc", "free")
LINE = 64

SHT_DYNSYM = 11
STT_FUNC, STT_GNU_IFUNC = 2, 10


@functools.lru_cache(maxsize=None)    # the baseline's file is asked once per variant
def exported_functions(path):
    """{name: address} of the functions path defines in its dynamic
    symbol table, or None when path is not a readable ELF64 little-endian
    file with one."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if data[:4] != b"\x7fELF" or len(data) < 64 or data[4] != 2 or data[5] != 1:
        return None
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    if not shoff or shentsize < 64 or shoff + shnum * shentsize > len(data):
        return None
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] != SHT_DYNSYM or sh[6] >= shnum:
            continue
        off, size, entsize = sh[4], sh[5], sh[9] or 24
        strtab = sections[sh[6]]
        s_off, s_size = strtab[4], strtab[5]
        if off + size > len(data) or s_off + s_size > len(data):
            return None
        out = {}
        for i in range(size // entsize):
            name_off, info, _other, shndx, value, _size = struct.unpack_from("<IBBHQQ", data, off + i * entsize)
            if shndx == 0 or (info & 0xF) not in (STT_FUNC, STT_GNU_IFUNC):
                continue
            end = data.find(b"\0", s_off + name_off, s_off + s_size)
            name = data[s_off + name_off:end].decode("ascii", "replace")
            if name:
                out[name] = value
        return out
    return None


def _entries(funcs):
    return {n: funcs[n] % LINE for n in ENTRY_POINTS if n in funcs}


def epoch(stamp):
    """A record's "time" (2026-12-03T14:32:22Z) as seconds since the epoch, or None."""
    try:
        return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return None


def note(base_label, base_path, label, path, since=None):
    """One line when the two libraries are builds of one library whose
    entry points sit differently in a 64-byte line; None otherwise (the
    same file, not both readable, different exported functions, or the
    same placement).  The files are read now: since (seconds since the
    epoch, the first run's time) turns a file changed after the runs into
    a "not checked" line instead of a figure about another build."""
    if not base_path or not path or base_path == path:
        return None
    if since is not None:
        for p in (base_path, path):
            try:
                if os.path.getmtime(p) > since:
                    return "placement: not checked: %s changed after these runs" % p
            except OSError:
                return None
    a, b = exported_functions(base_path), exported_functions(path)
    if not a or not b or set(a) != set(b):
        return None
    ea, eb = _entries(a), _entries(b)
    differ = [n for n in ENTRY_POINTS if n in ea and n in eb and ea[n] != eb[n]]
    if not differ:
        return None
    where = ", ".join("%s +%d against +%d" % (n, eb[n], ea[n]) for n in differ)
    return ("placement: %s and %s are builds of one library whose entry points sit differently "
            "in a %d-byte line (%s): the verdict includes that placement as well as the change "
            "(README, \"harness ab\": align them alike)" % (label, base_label, LINE, where))


def variant_note(base, v):
    """note() for two variants of an experiment (records.Variant): their
    libraries, and the first of their runs' times."""
    times = [t for t in (epoch(r.get("time")) for r in base.runs + v.runs) if t is not None]
    return note(base.label, (base.alloc or {}).get("path"), v.label, (v.alloc or {}).get("path"),
                min(times) if times else None)
