/* metrics.h - flat per-run figures that the summary table shows as medians.
 *
 * Every collector (counters, probes, RSS sampler, cachegrind) adds the
 * figures it measured for a run here, besides its own detailed section of
 * the record.  A figure that could not be measured is added as unsupported
 * with the reason, so that the table prints the reason and never a 0.
 *
 * In the record: "metrics": {"NAME": {"value": V, "unit": "U"}, ...} or
 * "NAME": {"status": "not supported: REASON"}.
 */
#ifndef HARNESS_METRICS_H
#define HARNESS_METRICS_H

#include "json.h"

#define METRICS_MAX 128

struct metric {
	char name[48];
	char unit[24];
	double value;
	char status[160];        /* "" when value is a measurement */
};

struct metrics {
	int n;
	struct metric m[METRICS_MAX];
};

void metrics_add(struct metrics *ms, const char *name, const char *unit, double value);
void metrics_unsupported(struct metrics *ms, const char *name, const char *reason);
const struct metric *metrics_find(const struct metrics *ms, const char *name);
void metrics_json(const struct metrics *ms, struct jbuf *b);   /* writes "metrics": {...} */

#endif
