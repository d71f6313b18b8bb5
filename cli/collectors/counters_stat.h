/* counters_stat.h - the --counters block of the summary, as perf stat -r
 * prints it: per event the mean over the runs with thousands separators,
 * "( +- x% )" (the relative standard deviation of the mean), the share of
 * the time it was counted when multiplexed "(66.67%)", perf's derived
 * comments ("# 1.23 insn per cycle", "# 0.998 CPUs utilized", "K/sec")
 * and the per-op figure of the run's metrics; or "<not supported>" with the
 * reason, never 0.  With -x SEP the same lines in perf stat's CSV field
 * order, led by the variant (where perf puts its optional CPU identifier):
 *
 *   variant SEP value SEP unit SEP event SEP [variance SEP] run time SEP
 *   percentage SEP metric value SEP metric unit
 *
 * The figures come from each run's record ("counters.events"), so the
 * block shows exactly what was recorded.  Everything but the printing of a
 * whole invocation is pure, so tests feed it synthetic readings.
 */
#ifndef HARNESS_COUNTERS_STAT_H
#define HARNESS_COUNTERS_STAT_H

#include <stdbool.h>
#include <stdio.h>

#include "metrics.h"

#define COUNTERS_STAT_MAX 32

/* One counter of one run, as recorded. */
struct counter_sample {
	char event[96];             /* as the user wrote it */
	unsigned type;              /* perf_event_attr type and config */
	unsigned long long config;
	bool exclude_user, exclude_kernel;
	bool counted;               /* value is a measurement; else status says why */
	double value;               /* scaled by enabled/running */
	double enabled_ns, running_ns;
	char status[192];
	double per_op;              /* the run's per-op metric of it, NAN when none */
	char per_op_unit[24];
};

struct counter_samples {
	int n;
	struct counter_sample s[COUNTERS_STAT_MAX];
};

/* One event over the runs of a variant: what one line of perf stat -r shows. */
struct counter_line {
	char event[96];
	int runs, counted;          /* runs seen, runs in which it counted */
	double mean;                /* of the scaled values (ns for the clocks) */
	double rel_stddev_pct;      /* 100 * stddev of the mean / mean; NAN under 2 counted runs */
	double enabled_ns, running_ns, pct_running;   /* means; pct = 100 * running / enabled */
	bool clock;                 /* task-clock / cpu-clock: shown in msec */
	char status[192];           /* when counted == 0: "not supported: REASON" */
	double metric;              /* perf's derived figure, NAN when none */
	char metric_unit[32];
	double per_op;              /* mean per-op figure, NAN when none */
	char per_op_unit[24];
};

/* The record's "counters.events" into out (the run's metrics give the
 * per-op figures).  Returns the number of events, 0 when the record has
 * no counters section, -1 when it is not JSON. */
int counters_samples_from_record(const char *record_json, const struct metrics *m, struct counter_samples *out);

/* perf stat -r's figures of each event, in the order of the first run;
 * wall_s is the mean wall time of the runs (for "CPUs utilized").  Returns
 * the number of lines. */
int counters_stat_lines(const struct counter_samples *const *runs, int nruns, double wall_s,
			struct counter_line *lines, int max);

/* 1234567.891 -> "1,234,567.89" with decimals digits after the point. */
const char *counters_thousands(double x, int decimals, char *buf, size_t len);

/* One line as perf stat prints it (plus a comment line with the per-op
 * figure), or as CSV fields separated by sep, led by label. */
void counters_stat_print_line(const struct counter_line *l, FILE *out);
void counters_stat_csv_line(const char *label, const struct counter_line *l, const char *sep, FILE *out);

/* The whole block for an invocation (nothing when no run has counters):
 * one section per variant; sep NULL = text, else CSV lines only. */
struct invocation;
void counters_stat_print(const struct invocation *inv, const char *sep, FILE *out);

#endif
