/* stats.h - statistics printed at exit (HAKMEM_STATS=1 a table, =json a
 * JSON object, both on stderr; HAKMEM_STATS_FILE=/path the JSON object in
 * that file).
 *
 * Cost when off: nothing; the malloc and free fast paths count nothing.
 * When on (either variable set at start-up), every malloc and free of a
 * small block takes the thread cache's slow path, which counts mallocs
 * exactly (thread.c, "statistics mode"); the price is a function call per
 * operation, so do not compare speeds measured with statistics on.  Frees
 * are derived exactly: per class, frees = blocks in thread caches +
 * mallocs + blocks flushed to slabs - blocks refilled from slabs.
 * Everything else is counted in slow paths that already hold a lock. */
#ifndef HAKMEM_STATS_H
#define HAKMEM_STATS_H

void hk_stats_note_pid(void);
/* Called from the library destructor: prints/writes if asked to. */
void hk_stats_at_exit(void);
/* Write the JSON object on fd (also used by tests). */
void hk_stats_write_json(int fd);

#endif
