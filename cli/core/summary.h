/* summary.h - what an invocation's runs add up to: the table printed after
 * it (like hyperfine's or perf stat's) or the same as JSON, and the median
 * and range that commands compute from the runs kept in memory. */
#ifndef HARNESS_SUMMARY_H
#define HARNESS_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"

void summary_print(const struct invocation *inv, FILE *out);
void summary_json(const struct invocation *inv, FILE *out);
/* The fields every JSON summary starts with: workload, cmd, invocation,
 * results_file, runs, warmup (summary_json and --export-json). */
struct jbuf;
void summary_json_head(const struct invocation *inv, struct jbuf *b);

/* hyperfine's closing lines: "B ran 1.23 ± 0.05 times faster than A" for
 * every variant B against the first, A (nothing with one variant). */
void summary_print_faster(const struct invocation *inv, FILE *out);

/* With a floor variant (the loop_floor allocator, e.g. --floor): per
 * variant ns/op and alloc ns/op = its median ns/op - the floor's median.
 * summary_print and summary_json include it; ab prints it alone. */
bool summary_has_floor(const struct invocation *inv);
void summary_print_floor(const struct invocation *inv, FILE *out);

/* Median and min/max of the counted, successful runs of one variant for a
 * field picked by get(); returns the number of values. */
int variant_stat(const struct invocation *inv, int variant,
		 double (*get)(const struct run_summary *r, const void *arg), const void *arg,
		 double *median, double *min, double *max);

/* Mean and sample standard deviation (n - 1; NAN with fewer than two
 * values) of the same runs; returns the number of values. */
int variant_mean_sd(const struct invocation *inv, int variant,
		    double (*get)(const struct run_summary *r, const void *arg), const void *arg,
		    double *mean, double *sd);

/* The speed of variant v relative to variant 0 from the means, with its
 * standard deviation propagated from both (hyperfine's "ran 1.23 ± 0.05
 * times faster"): > 1 = v is faster.  NAN when either has no run. */
double summary_speed_ratio(const struct invocation *inv, int v, double *sd);

/* --export-json, --export-csv, --export-markdown (export.c): each file
 * written whole (a temporary file renamed over it).  Returns -1 after one
 * error line naming the file. */
int summary_export(const struct invocation *inv);

#endif
