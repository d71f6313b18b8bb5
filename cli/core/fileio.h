/* fileio.h - reading back what a run left in a file descriptor (the
 * child's memory files for stdout and stderr, the allocator's statistics). */
#ifndef HARNESS_FILEIO_H
#define HARNESS_FILEIO_H

#include <stddef.h>

/* The last max bytes of the file (all of it when smaller), NUL-terminated,
 * read with pread from offset 0 on; NULL when it cannot be read.  Free it. */
char *read_fd_tail(int fd, size_t max);

/* The first max bytes of the file (all of it when smaller), NUL-terminated;
 * *total gets the file's whole size.  NULL when it cannot be read.  Free it. */
char *read_fd_head(int fd, size_t max, size_t *total);

#endif
