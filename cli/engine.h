/* engine.h - runs one invocation: every variant (allocator x knobs x
 * threads), interleaved round by round (A B C A B C ...), each run measured
 * by the core and by the enabled collectors, one JSON record appended per
 * counted run.  run, ab, analyze and suite are thin layers over this. */
#ifndef HARNESS_ENGINE_H
#define HARNESS_ENGINE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "metrics.h"
#include "options.h"

struct allocator {
	char name[64];
	char path[PATH_MAX];       /* the library preloaded; "" for glibc */
	char version[64];
	char package[64];          /* Debian package it comes from, if any */
	bool installed;
	char why_missing[200];     /* when !installed: what to do */
};

#define VARIANT_MAX_KNOBS 16

struct variant {
	char label[160];           /* shown in tables: "hakmem", "hakmem HAKMEM_THP=1", "jemalloc t=4" */
	struct allocator alloc;
	char *knobs[VARIANT_MAX_KNOBS];   /* NAME=VALUE set for this variant (recorded as knobs) */
	int n_knobs;
	int threads;               /* 0 = the workload's default */
};

/* The part of each counted run the summary needs (the full record is in
 * the results file). */
struct run_summary {
	int variant;
	int run_index;
	bool ok;
	char error[256];
	double ops, ops_per_sec, seconds, wall_s;
	double user_s, sys_s, maxrss_kb, minflt, majflt, nvcsw, nivcsw;
	struct metrics metrics;
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
};

/* Allocators --------------------------------------------------------- */

/* Resolve "glibc", "jemalloc", "mimalloc", "tcmalloc", "hakmem" or
 * "NAME=/path/lib.so".  Returns -1 with a message in err when unknown. */
int allocator_resolve(const char *spec, struct allocator *a, char *err, size_t errlen);
/* The built-in names, for `harness list` and error messages. */
extern const char *const allocator_names[];

/* Variants ------------------------------------------------------------- */

/* One variant per allocator x thread count, with opts->envs as knobs.
 * Prints an error and returns -1 when an allocator cannot be used. */
int variants_from_opts(const struct run_opts *o, struct variant **out, int *n);
int variant_add_knob(struct variant *v, const char *name_value);
void variants_free(struct variant *v, int n);

/* Running ---------------------------------------------------------------- */

/* Runs every variant opts->warmup + opts->runs times, interleaved; appends
 * one record per counted run to inv->out_path.  Returns 0 when every run
 * succeeded, 1 when some failed (they are recorded), -1 on a setup error
 * (message printed). */
int engine_run(struct invocation *inv);
void invocation_free(struct invocation *inv);

/* Summary ---------------------------------------------------------------- */

void summary_print(const struct invocation *inv, FILE *out);
void summary_json(const struct invocation *inv, FILE *out);

/* Median and min/max of the counted, successful runs of one variant for a
 * field picked by get(); returns the number of values. */
int variant_stat(const struct invocation *inv, int variant,
		 double (*get)(const struct run_summary *r, const void *arg), const void *arg,
		 double *median, double *min, double *max);

#endif
