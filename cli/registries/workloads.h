/* workloads.h - the registry of workloads `harness list` shows and
 * `harness run NAME` accepts: one row each in workloads.c (its program is
 * built by workloads/meson.build).
 *
 * Contract for a workload program: it takes its parameters as options
 * (`--name value`), does its work, and prints exactly one JSON object on one
 * line of stdout as its last line, with at least
 *   "workload": NAME, "ops": N, "seconds": S (the timed part),
 *   "ops_per_sec": N/S, "ops_unit": "what one op is"
 * plus its own figures.  Those it wants recorded as figures (in the
 * record's "metrics", the summary's metrics block and ab's verdicts) it
 * describes in "figures": {"NAME": {"unit": U, "better": "higher"|
 * "lower"|"neither", "desc": D}}, optionally with "step": S (the
 * figure moves in steps of S, as a timing in its timer's), NAME being one
 * of its own top-level members (metrics_from_workload, metrics.h;
 * workloads/common.h wl_figure and wl_figure_step write one).  Exit 0 on success, non-zero with a message on
 * stderr otherwise. */
#ifndef HARNESS_WORKLOADS_H
#define HARNESS_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>

struct exec_spec;

struct workload {
	const char *name;
	const char *program;       /* file under build/workloads/ */
	const char *summary;       /* one line: what it measures */
	bool takes_threads;        /* accepts --threads N */
	bool output_digest;        /* a real program: its result line carries "output_digest",
	                            * which must be the same under every allocator */
};

extern const struct workload workload_table[];
extern const int workload_count;

const struct workload *workload_find(const char *name);
/* Push the workload's program path onto x; -1 with err when it is missing. */
int workload_command(const struct workload *w, struct exec_spec *x, char *err, size_t errlen);

#endif
