/* engine.h - runs one invocation: every variant (variant.h), interleaved
 * round by round (A B C A B C ...), each run measured by the core and by
 * the enabled collectors (collector.h), one JSON record appended per
 * counted run (record.h).  run, ab, analyze and suite are thin layers over
 * this. */
#ifndef HARNESS_ENGINE_H
#define HARNESS_ENGINE_H

#include <limits.h>
#include <stdbool.h>

#include "counters_stat.h"
#include "metrics.h"
#include "options.h"
#include "variant.h"

/* The part of each counted run the summary needs (the full record is in
 * the results file). */
struct run_summary {
	int variant;
	int run_index;
	bool ok;
	char error[256];
	double ops, ops_per_sec, seconds, wall_s;
	double user_s, sys_s, maxrss_kb, minflt, majflt, nvcsw, nivcsw;
	char output_digest[80];    /* the workload's "output_digest", "" when none */
	struct metrics metrics;
	struct counter_samples counters;   /* --counters: the record's readings (counters_stat.h) */
};

struct invocation {
	const struct run_opts *opts;
	const char *experiment;    /* "run", "ab", "analyze", "suite": recorded */
	const char *name;          /* workload name, or "cmd" */
	struct variant *variants;
	int n_variants;
	struct run_summary *runs;  /* filled by engine_run */
	int n_runs;
	char out_path[PATH_MAX];   /* chosen by engine_run when opts->out_path is NULL */
	char id[64];               /* invocation id, recorded in every record */
	int unwritten;             /* records that could not be appended to out_path */
	char write_error[128];     /* the first such failure's reason */
	bool stopped;              /* a run failed in the first round and the
				      invocation stopped there (no -i): no
				      summary or verdicts follow */
};

/* Runs every variant opts->warmup + opts->runs times, interleaved; appends
 * one record per counted run to inv->out_path.  A run that fails in the
 * first round (warm-up or not) stops the invocation, after one line saying
 * so, with inv->stopped set, unless opts->ignore_failure: such a failure
 * (a usage error, a library that is not an allocator) would repeat in
 * every run.  Returns 0 when every run
 * succeeded, 1 when some failed (they are recorded), -1 on a setup error
 * or when a record could not be written (message printed: then nothing may
 * claim the results were appended). */
int engine_run(struct invocation *inv);
/* A command that calls engine_run several times (suite: once per
 * workload; analyze: the native runs, then the cachegrind pass) announces
 * the runs of all of them first, so that the progress line counts and
 * estimates over the whole command: "[k/N] ... ETA" with N all its runs
 * (warm-up included).  0 goes back to one count per engine_run. */
void engine_progress_span(int total_runs);
void invocation_free(struct invocation *inv);

#endif
