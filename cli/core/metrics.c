/* metrics.c - see metrics.h. */
#include "metrics.h"

#include <stdio.h>
#include <string.h>

static struct metric *slot(struct metrics *ms, const char *name)
{
	for (int i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].name, name) == 0)
			return &ms->m[i];
	if (ms->n >= METRICS_MAX)
		return NULL;
	struct metric *m = &ms->m[ms->n++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

static struct metric *describe(struct metrics *ms, const char *name, const char *unit,
			       enum metric_better better, const char *desc)
{
	struct metric *m = slot(ms, name);
	if (!m)
		return NULL;
	snprintf(m->unit, sizeof(m->unit), "%s", unit ? unit : "");
	snprintf(m->desc, sizeof(m->desc), "%s", desc ? desc : "");
	m->better = better;
	return m;
}

void metrics_add(struct metrics *ms, const char *name, const char *unit, enum metric_better better,
		 const char *desc, double value)
{
	struct metric *m = describe(ms, name, unit, better, desc);
	if (!m)
		return;
	m->value = value;
	m->status[0] = '\0';
}

void metrics_unsupported(struct metrics *ms, const char *name, const char *unit, enum metric_better better,
			 const char *desc, const char *reason)
{
	struct metric *m = describe(ms, name, unit, better, desc);
	if (m)
		snprintf(m->status, sizeof(m->status), "not supported: %s", reason);
}

void metric_set(struct metrics *ms, const struct metric_def *d, double value)
{
	metrics_add(ms, d->name, d->unit, d->better, d->desc, value);
}

void metric_unsupported(struct metrics *ms, const struct metric_def *d, const char *reason)
{
	metrics_unsupported(ms, d->name, d->unit, d->better, d->desc, reason);
}

const struct metric *metrics_find(const struct metrics *ms, const char *name)
{
	for (int i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].name, name) == 0)
			return &ms->m[i];
	return NULL;
}

const char *metric_better_name(enum metric_better b)
{
	return b == METRIC_HIGHER ? "higher" : b == METRIC_LOWER ? "lower" : "neither";
}

void metrics_json(const struct metrics *ms, struct jbuf *b)
{
	jb_obj_begin(b, "metrics");
	for (int i = 0; i < ms->n; i++) {
		const struct metric *m = &ms->m[i];
		jb_obj_begin(b, m->name);
		if (m->status[0])
			jb_str(b, "status", m->status);
		else
			jb_num(b, "value", m->value);
		jb_str(b, "unit", m->unit);
		jb_str(b, "better", metric_better_name(m->better));
		jb_str(b, "desc", m->desc);
		jb_obj_end(b);
	}
	jb_obj_end(b);
}
