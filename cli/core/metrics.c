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

void metrics_add(struct metrics *ms, const char *name, const char *unit, double value)
{
	struct metric *m = slot(ms, name);
	if (!m)
		return;
	snprintf(m->unit, sizeof(m->unit), "%s", unit ? unit : "");
	m->value = value;
	m->status[0] = '\0';
}

void metrics_unsupported(struct metrics *ms, const char *name, const char *reason)
{
	struct metric *m = slot(ms, name);
	if (!m)
		return;
	snprintf(m->status, sizeof(m->status), "not supported: %s", reason);
}

const struct metric *metrics_find(const struct metrics *ms, const char *name)
{
	for (int i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].name, name) == 0)
			return &ms->m[i];
	return NULL;
}

void metrics_json(const struct metrics *ms, struct jbuf *b)
{
	jb_obj_begin(b, "metrics");
	for (int i = 0; i < ms->n; i++) {
		const struct metric *m = &ms->m[i];
		jb_obj_begin(b, m->name);
		if (m->status[0]) {
			jb_str(b, "status", m->status);
		} else {
			jb_num(b, "value", m->value);
			jb_str(b, "unit", m->unit);
		}
		jb_obj_end(b);
	}
	jb_obj_end(b);
}
