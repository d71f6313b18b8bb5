/* workloads.h - the registry of workloads `harness list` shows and
 * `harness run NAME` accepts.
 *
 * Contract for a workload program: it takes its parameters as options
 * (`--name value`), does its work, and prints exactly one JSON object on one
 * line of stdout as its last line, with at least
 *   "workload": NAME, "ops": N, "seconds": S (the timed part),
 *   "ops_per_sec": N/S, "ops_unit": "what one op is"
 * plus its own figures.  Exit 0 on success, non-zero with a message on
 * stderr otherwise. */
#ifndef HARNESS_WORKLOADS_H
#define HARNESS_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>

struct exec_spec;

struct workload {
	const char *name;
	const char *program;       /* file under build/workloads/ (a compiled program)... */
	const char *script;        /* ...or a script under the source tree's workloads/, run by interp */
	const char *interp;        /* e.g. "/usr/bin/python3"; NULL for programs */
	const char *summary;       /* one line: what it measures */
	bool takes_threads;        /* accepts --threads N */
	bool output_digest;        /* a real program: its result line carries "output_digest",
	                            * which must be the same under every allocator */
};

extern const struct workload workload_table[];
extern const int workload_count;

const struct workload *workload_find(const char *name);
/* Push the workload's command (interpreter, program path) onto x. */
int workload_command(const struct workload *w, struct exec_spec *x, char *err, size_t errlen);

#endif
