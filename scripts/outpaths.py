"""outpaths.py - output paths checked before any work (issue 11 item 7):
one line saying what is wrong with the path, never a traceback.

Probes by creating a directory and removing it at once: as root,
os.access says yes to /proc and to read-only bind mounts alike (the
harness's cli/core/outpaths.c does the same)."""
import os
import tempfile


def out_dir_problem(path):
    """None when a report can be written into directory `path` (an existing
    directory, or one that can be made under its nearest existing
    ancestor); else one line saying why not."""
    if os.path.exists(path) and not os.path.isdir(path):
        return "%s exists and is not a directory" % path
    near = path
    while not os.path.exists(near):
        near = os.path.dirname(near) or "."
    if not os.path.isdir(near):
        return "cannot create %s: %s is not a directory" % (path, near)
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".harness-write-check-", dir=near))
    except OSError as e:
        return "cannot write in %s: %s" % (near, e.strerror)
    return None
