/* record.h - one JSON record per run, appended whole (docs/record-format.md).
 *
 * The record is built in memory: record_begin writes the core fields,
 * each collector adds its section, record_end closes it with the metrics,
 * and record_append writes it with a single write(2) to a file opened with
 * O_APPEND, so a crash never leaves half a line and nothing is overwritten. */
#ifndef HARNESS_RECORD_H
#define HARNESS_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "engine.h"
#include "json.h"
#include "metrics.h"

struct record_core {
	const struct invocation *inv;
	const struct variant *variant;
	int run_index, round_position;
	bool warmup, ok, started;
	const char *error;
	int exit_code, signal;
	bool timed_out;
	bool interrupted;            /* the harness killed it on Ctrl-C, SIGTERM or SIGHUP */
	const char *malloc_from;
	bool preload_verified;
	double wall_s;
	const struct rusage *ru;
	const struct jv *result;
	const char *output_digest;   /* NULL: none (see engine.c, choose_digest) */
	const char *stderr_head;     /* the start of the workload's stderr; NULL: none read */
	size_t stderr_bytes;         /* its whole size */
};

/* The command line recorded with every run (set once by main). */
void record_set_command(int argc, char **argv);
const char *record_command(void);

/* Open (create) a results file for appending; -1 with err on failure. */
int record_open(const char *path, char *err, size_t errlen);
void record_begin(struct jbuf *b, const struct record_core *c);
void record_end(struct jbuf *b, const struct metrics *m);
int record_append(int fd, struct jbuf *b);

#endif
