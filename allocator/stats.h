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
 * Everything else is counted in slow paths that already hold a lock.
 *
 * Every figure comes from one X-macro list per layer (HK_OS_COUNTS in
 * os.h, HK_SS_COUNTS, HK_LARGE_COUNTS, HK_CENTRAL_COUNTS, and the class
 * and byte lists in stats.c): the structs, the merge, the table and the
 * JSON writer are all generated from those lists, so a counter added to a
 * list shows everywhere under its name. */
#ifndef HAKMEM_STATS_H
#define HAKMEM_STATS_H

/* At start-up: note the pid (only this process reports) and, when the
 * table or JSON goes to stderr, keep a copy of stderr so that a program
 * that closes stderr before exiting (xz, sort) does not lose it. */
void hk_stats_setup(void);
/* Called from the library destructor: prints/writes if asked to. */
void hk_stats_at_exit(void);

#endif
