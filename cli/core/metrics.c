/* metrics.c - see metrics.h. */
#include "metrics.h"

#include <math.h>
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

static int parse_better(const char *s, enum metric_better *out)
{
	static const enum metric_better all[] = { METRIC_HIGHER, METRIC_LOWER, METRIC_NEITHER };
	for (int i = 0; s && i < 3; i++)
		if (strcmp(s, metric_better_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return -1;
}

/* A figure name as the records and the scripts expect one: [a-z0-9_]+,
 * short enough for struct metric. */
static int good_name(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len >= sizeof(((struct metric *)0)->name))
		return 0;
	return strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/* A figure description's optional "step": 0 when absent, -1 when it is
 * not a positive finite number. */
static double figure_step(const struct jv *d)
{
	const struct jv *st = jv_get(d, "step");
	if (!st)
		return 0;
	double v = jv_as_num(st, NAN);
	return v > 0 && isfinite(v) ? v : -1;
}

void metrics_from_workload(struct metrics *ms, const struct jv *result, char *err, size_t errlen)
{
	err[0] = '\0';
	const struct jv *figs = jv_get(result, "figures"), *d;
	if (!figs)
		return;
	if (jv_type(figs) != JV_OBJ) {
		snprintf(err, errlen, "its result's \"figures\" is not an object");
		return;
	}
	const char *name;
	for (size_t i = 0; (name = jv_key_at(figs, i, &d)); i++) {
		enum metric_better better;
		double step = 0;
		const char *why = NULL;
		if (!good_name(name))
			why = "is not a figure name ([a-z0-9_], at most 47 characters)";
		else if (metrics_find(ms, name))
			why = "is a figure the harness records itself";
		else if (jv_type(d) != JV_OBJ || !jv_str(d, "unit") || !jv_str(d, "desc"))
			why = "needs an object with \"unit\", \"better\" and \"desc\"";
		else if (parse_better(jv_str(d, "better"), &better) < 0)
			why = "has a \"better\" other than higher, lower or neither";
		else if ((step = figure_step(d)) < 0)
			why = "has a \"step\" that is not a positive number";
		if (why) {
			if (!err[0])
				snprintf(err, errlen, "figure \"%.48s\" %s: not recorded", name, why);
			continue;
		}
		double v = jv_num(result, name, NAN);
		if (isfinite(v))
			metrics_add(ms, name, jv_str(d, "unit"), better, jv_str(d, "desc"), v);
		else
			metrics_unsupported(ms, name, jv_str(d, "unit"), better, jv_str(d, "desc"),
					    "the workload described it but reported no value");
		struct metric *m = slot(ms, name);
		if (m)
			m->step = step;
	}
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
		if (m->step > 0)
			jb_num(b, "step", m->step);
		jb_obj_end(b);
	}
	jb_obj_end(b);
}
