/* counters_callgrind.h - the pure part of the cachegrind engine: the
 * valgrind command line it runs, and the parser of callgrind's output file
 * (its "events:", "totals:"/"summary:" and cache "desc:" lines, and the
 * self cost (Ir) of every object, from the ob=/fn= records and cost lines). */
#ifndef HARNESS_COUNTERS_CALLGRIND_H
#define HARNESS_COUNTERS_CALLGRIND_H

#include <stdbool.h>
#include <stddef.h>

#define CG_EVENTS_MAX 16
#define CG_ARGS_MAX 16
#define CG_OBJECTS_MAX 48       /* more objects than this are summed in the last */

/* Self instructions (Ir) of one object (ob=) in the collected region. */
struct callgrind_object {
	char path[256];
	unsigned long long ir;
	unsigned long long ir_malloc;   /* of it, in glibc malloc-family functions
					 * (callgrind_is_malloc_fn), for libc.so */
};

/* Where the instructions went, by class (see callgrind_classify). */
enum { CG_CLASS_ALLOC, CG_CLASS_LIBC, CG_CLASS_WORKLOAD, CG_CLASS_OTHER, CG_CLASSES };
extern const char *const callgrind_class_names[CG_CLASSES];

struct callgrind_totals {
	int n;                                  /* events, in file order */
	char name[CG_EVENTS_MAX][12];           /* Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw */
	unsigned long long v[CG_EVENTS_MAX];    /* summed over every file parsed */
	char cache[3][96];                      /* "I1 cache: 32768 B, 64 B, 8-way associative" ... */
	int files;
	char cmd[256];                          /* first file's "cmd:" program (argv[0]) */
	struct callgrind_object ob[CG_OBJECTS_MAX];
	int n_ob;
};

/* Add one output file's totals into t (t zeroed by the caller first).
 * Files with different event lists cannot be summed: -1 with err. */
int callgrind_parse(const char *text, struct callgrind_totals *t, char *err, size_t errlen);

/* The value of one event; *found false when the file had no such event. */
unsigned long long callgrind_get(const struct callgrind_totals *t, const char *event, bool *found);

/* True for glibc's malloc-family function names (malloc, free, _int_malloc,
 * tcache_*, __libc_* ...): the allocator's share of libc.so when no
 * allocator is preloaded. */
bool callgrind_is_malloc_fn(const char *name);

/* Split t's per-object Ir into classes: CG_CLASS_ALLOC is the object
 * alloc_path (the preloaded allocator; NULL or "" for glibc, whose malloc
 * functions in libc.so count instead), CG_CLASS_LIBC the rest of libc.so*,
 * CG_CLASS_WORKLOAD the object workload_path (the program), CG_CLASS_OTHER
 * everything else (ld.so, vdso, valgrind's preloads), except that with a
 * preload the malloc-family functions of the unnamed object "???" count
 * as the allocator's (tcmalloc's google_malloc section).  Paths match as
 * given or after realpath(). */
void callgrind_classify(const struct callgrind_totals *t, const char *alloc_path, const char *workload_path,
			unsigned long long out[CG_CLASSES]);

/* The valgrind arguments (after the valgrind path, before the program):
 * whole_program for --cmd runs (no timed_region to toggle on), out_pattern
 * is the --callgrind-out-file value.  Returns the count; pointers go to
 * static strings or into buf. */
int callgrind_args(bool whole_program, const char *out_pattern, char *buf, size_t buflen,
		   const char **args, int max);

#endif
