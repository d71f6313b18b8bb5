/* metrics.h - flat per-run figures: the only place the report scripts read
 * per-run figures from (record schema 2, docs/record-format.md).
 *
 * The core (engine.c) adds the figures every run has; every collector
 * (counters, probes, RSS sampler, cachegrind) adds the figures it measured,
 * besides its own detailed section of the record.  Each carries its unit,
 * which direction is better, and a one-line description, written by the
 * code that measured it, so that no reader guesses from a name.  A figure
 * that could not be measured is added as unsupported with the reason, so
 * that tables print the reason and never a 0.
 *
 * In the record: "metrics": {"NAME": {"value": V, "unit": U, "better":
 * "higher"|"lower"|"neither", "desc": D}, ...} or "NAME": {"status":
 * "not supported: REASON", "unit": U, "better": B, "desc": D}.
 */
#ifndef HARNESS_METRICS_H
#define HARNESS_METRICS_H

#include <stdbool.h>

#include "json.h"

#define METRICS_MAX 128

enum metric_better { METRIC_HIGHER, METRIC_LOWER, METRIC_NEITHER };

struct metric {
	char name[48];
	char unit[24];
	enum metric_better better;
	char desc[256];
	double value;
	double step;             /* > 0: the figure moves in steps of this many units (a timer's
	                          * resolution); 0: no step stated */
	char status[160];        /* "" when value is a measurement */
	bool core;               /* one of the core figures every record has */
};

struct metrics {
	int n;
	struct metric m[METRICS_MAX];
};

/* What a figure is, for collectors that keep a table of the ones they add. */
struct metric_def {
	const char *name, *unit;
	enum metric_better better;
	const char *desc;
};

void metrics_add(struct metrics *ms, const char *name, const char *unit, enum metric_better better,
		 const char *desc, double value);
void metrics_unsupported(struct metrics *ms, const char *name, const char *unit, enum metric_better better,
			 const char *desc, const char *reason);
void metric_set(struct metrics *ms, const struct metric_def *d, double value);
void metric_unsupported(struct metrics *ms, const struct metric_def *d, const char *reason);
const struct metric *metrics_find(const struct metrics *ms, const char *name);
/* The figures a workload describes in its result line (workloads.h):
 * "figures": {"NAME": {"unit": U, "better": "higher"|"lower"|"neither",
 * "desc": D, "step": S (optional, a positive number: the figure is a
 * multiple of S, as a timing is of its timer's step)}, ...}, each NAME's
 * value being the result's own top-level
 * member NAME.  A figure described without a value is added as
 * unsupported.  A description that cannot be used (not an object, a bad
 * name or direction, a name the harness already records) is not added:
 * the reason goes into err (the first one; "" when none) for the caller
 * to show, since it is the workload's bug. */
void metrics_from_workload(struct metrics *ms, const struct jv *result, char *err, size_t errlen);
const char *metric_better_name(enum metric_better b);
void metrics_json(const struct metrics *ms, struct jbuf *b);   /* writes "metrics": {...} */

#endif
