/* outpaths.h - output paths checked before anything runs (issue 11 item
 * 7): an experiment that runs for minutes must not end with "cannot
 * write" (or a Python traceback) for a path that was bad from the start.
 * Both checks probe by creating something and removing it at once: as
 * root, access(2) says yes to /proc and to read-only bind mounts alike. */
#ifndef HARNESS_OUTPATHS_H
#define HARNESS_OUTPATHS_H

#include <stddef.h>

/* A results file records can be appended to: an existing regular file
 * that opens for appending, or a new one its directory lets us create.
 * 0, or -1 with the reason in err. */
int outpath_check_file(const char *path, char *err, size_t errlen);

/* A directory a report can be written into: an existing directory, or one
 * that can be made under its nearest existing ancestor.  0, or -1 with the
 * reason in err. */
int outpath_check_dir(const char *path, char *err, size_t errlen);

#endif
