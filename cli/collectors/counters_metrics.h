/* counters_metrics.h - counter readings -> the flat per-run metrics
 * (cycles_per_op, ipc, page_faults_per_kop, task_clock_ms ...).
 *
 * Pure (no perf calls), so tests can feed it readings.  A figure derived
 * from a counter that did not count is added as unsupported with that
 * counter's reason, never as 0.  With ops == 0 (unknown, e.g. --cmd) the
 * per-op figures become run totals ("page_faults", "cycles", ...).
 */
#ifndef HARNESS_COUNTERS_METRICS_H
#define HARNESS_COUNTERS_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "counters_events.h"
#include "metrics.h"

struct counter_reading {
	bool opened;               /* the fd existed and was read */
	enum counter_scale scale;
	double value;              /* scaled; meaningless when NOT_COUNTED */
	double pct_running;
	uint64_t raw, enabled_ns, running_ns;
	char status[192];          /* "ok", "scaled (NN%)", "not supported: REASON" */
};

/* The metric a counter feeds, e.g. "dtlb_load_misses_per_kop" (with
 * "_user"/"_kernel" for :u/:k variants), and its unit.  ops == 0 gives the
 * total's name.  *divisor is what value is divided by (ops, ops/1000, 1e6
 * for ns -> ms, 1 for totals). */
void counters_metric_for(const struct counter_event *e, double ops,
			 char *name, size_t namelen, char *unit, size_t unitlen, double *divisor);

void counters_add_metrics(const struct counter_set *set, const struct counter_reading *r,
			  double ops, struct metrics *m);

#endif
