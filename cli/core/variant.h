/* variant.h - what one invocation compares: allocators x thread counts
 * (run, suite) and knob settings (ab, analyze).  Every variant carries the
 * knobs (NAME=VALUE) it sets, recorded with each of its runs.  One builder
 * serves every command: variants_from_opts() for the allocators and thread
 * counts of the command line, variants_vary() to multiply them by knob
 * settings. */
#ifndef HARNESS_VARIANT_H
#define HARNESS_VARIANT_H

#include <stdbool.h>
#include <stddef.h>

#include "allocators.h"
#include "options.h"

#define VARIANT_MAX_KNOBS 16

struct variant {
	char label[160];           /* shown in tables: "glibc", "jemalloc thp=always", "jemalloc t=4" */
	struct allocator alloc;
	char *knobs[VARIANT_MAX_KNOBS];   /* NAME=VALUE set for this variant (recorded as knobs) */
	int n_knobs;
	int threads;               /* 0 = the workload's default */
	const char *param_value;   /* -L/--parameter-scan: this variant's value of
	                            * opts->param_name; NULL = none */
};

/* One knob and the values to try; values[base] is the baseline's. */
#define VARY_VALUES_MAX 16
struct vary {
	char name[64];
	char values[VARY_VALUES_MAX][64];
	int n;
	int base;
};

enum vary_mode {
	VARY_FACTORIAL,      /* every combination; labels name every knob */
	VARY_ONE_AT_A_TIME,  /* the baseline, then each knob moved alone; labels name the moved knob */
};

/* One variant per allocator in o->allocs x thread count, with o->envs as
 * knobs.  An allocator that is not installed is an error (message printed,
 * -1), or with skip_missing a line saying it is skipped. */
int variants_from_opts(const struct run_opts *o, bool skip_missing, struct variant **out, int *n);

/* Every base variant x every setting of the knobs in vs (the baseline
 * setting first).  plain_baseline: the baseline keeps its base label.
 * At most max variants in all; -1 with a message in err. */
int variants_vary(const struct variant *base, int nbase, const struct vary *vs, int nv,
		  enum vary_mode mode, bool plain_baseline, int max,
		  struct variant **out, int *nout, char *err, size_t errlen);

/* The workload's arguments for variant v: the ones after "--", with
 * --NAME VALUE of -L/--parameter-scan replacing a --NAME given there (or
 * appended).  Fills args (at most max) and returns their number; strings
 * point into o, v and flag (which holds "--NAME"). */
int variant_workload_args(const struct run_opts *o, const struct variant *v, const char **args, int max,
			  char *flag, size_t flen);

/* The --cmd command of variant v: {NAME} replaced by its value of
 * -L/--parameter-scan, into buf; without a parameter, o->cmd itself. */
const char *variant_cmd(const struct run_opts *o, const struct variant *v, char *buf, size_t len);

/* Append src to *vs (which has *n entries), copying its knobs. */
int variants_append(struct variant **vs, int *n, const struct variant *src, int count);

int variant_add_knob(struct variant *v, const char *name_value);
void variants_free(struct variant *v, int n);

#endif
