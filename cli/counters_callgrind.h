/* counters_callgrind.h - the pure part of the cachegrind engine: the
 * valgrind command line it runs, and the parser of callgrind's output file
 * (only its "events:", "totals:"/"summary:" and cache "desc:" lines). */
#ifndef HARNESS_COUNTERS_CALLGRIND_H
#define HARNESS_COUNTERS_CALLGRIND_H

#include <stdbool.h>
#include <stddef.h>

#define CG_EVENTS_MAX 16
#define CG_ARGS_MAX 16

struct callgrind_totals {
	int n;                                  /* events, in file order */
	char name[CG_EVENTS_MAX][12];           /* Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw */
	unsigned long long v[CG_EVENTS_MAX];    /* summed over every file parsed */
	char cache[3][96];                      /* "I1 cache: 32768 B, 64 B, 8-way associative" ... */
	int files;
};

/* Add one output file's totals into t (t zeroed by the caller first).
 * Files with different event lists cannot be summed: -1 with err. */
int callgrind_parse(const char *text, struct callgrind_totals *t, char *err, size_t errlen);

/* The value of one event; *found false when the file had no such event. */
unsigned long long callgrind_get(const struct callgrind_totals *t, const char *event, bool *found);

/* The valgrind arguments (after the valgrind path, before the program):
 * whole_program for --cmd runs (no timed_region to toggle on), out_pattern
 * is the --callgrind-out-file value.  Returns the count; pointers go to
 * static strings or into buf. */
int callgrind_args(bool whole_program, const char *out_pattern, char *buf, size_t buflen,
		   const char **args, int max);

#endif
