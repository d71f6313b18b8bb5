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

#endif
