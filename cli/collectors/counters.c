/* counters.c - the counters collector: perf events on the workload child.
 *
 * setup() encodes the --counters list once (counters_events.c).  For every
 * run, attach() opens each event on the held child before it execs:
 * disabled + enable_on_exec so that the harness's own fork/wait never
 * counts, inherit so that the workload's threads count, and
 * TOTAL_TIME_ENABLED/RUNNING so that multiplexing can be scaled and shown.
 * cycles and instructions (same privilege filter) are opened as one group,
 * so that IPC comes from one interval.  A counter that cannot be opened is
 * kept with its reason and reported as "not supported: <reason>": the run
 * goes on, and no figure is ever written as 0 for it.  finish() reads every
 * counter once (after the child was reaped), writes "counters" into the
 * record and the per-op figures into the metrics, and closes the fds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "counters_events.h"
#include "counters_metrics.h"

struct counters_state {
	struct counter_set set;
	bool under_valgrind;          /* --engine=cachegrind: counting valgrind, not the workload */
	int fd[COUNTERS_MAX];
	int leader[COUNTERS_MAX];     /* index of its group's leader; itself when alone */
	char why[COUNTERS_MAX][160];  /* open error, when fd < 0 */
};

static int counters_setup(const struct run_opts *o, void **state, char *err, size_t errlen)
{
	*state = NULL;
	if (!o->counters)
		return 0;
	struct counters_state *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--counters: out of memory");
		return -1;
	}
	if (counters_parse_list(o->counters, &s->set, err, errlen)) {
		free(s);
		return -1;
	}
	s->under_valgrind = o->engine && strcmp(o->engine, "cachegrind") == 0;
	for (int i = 0; i < COUNTERS_MAX; i++)
		s->fd[i] = -1;
	*state = s;
	return 0;
}

/* ---------------------------------------------------------------- opening */

static bool is_hw(const struct counter_event *e, unsigned long long config)
{
	return e->attr.type == PERF_TYPE_HARDWARE && e->attr.config == config;
}

/* Pair each cycles event with the first instructions event of the same
 * privilege filter: those two make IPC and must share one interval. */
static void plan_groups(struct counters_state *s)
{
	for (int i = 0; i < s->set.n; i++)
		s->leader[i] = i;
	for (int i = 0; i < s->set.n; i++) {
		const struct counter_event *c = &s->set.ev[i];
		if (!is_hw(c, PERF_COUNT_HW_CPU_CYCLES) || s->leader[i] != i)
			continue;
		for (int j = 0; j < s->set.n; j++) {
			const struct counter_event *n = &s->set.ev[j];
			if (j != i && s->leader[j] == j && is_hw(n, PERF_COUNT_HW_INSTRUCTIONS) &&
			    n->attr.exclude_user == c->attr.exclude_user &&
			    n->attr.exclude_kernel == c->attr.exclude_kernel) {
				s->leader[j] = i;
				break;
			}
		}
	}
}

static int open_one(struct counters_state *s, int i, pid_t pid, int group_fd)
{
	struct perf_event_attr a = s->set.ev[i].attr;
	a.size = sizeof(a);
	a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	a.inherit = 1;
	/* A group member follows its leader, which is the one enabled on exec. */
	a.disabled = group_fd < 0;
	a.enable_on_exec = group_fd < 0;
	int fd = (int)syscall(SYS_perf_event_open, &a, pid, -1, group_fd, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		counters_open_error(&s->set.ev[i], errno, s->why[i], sizeof(s->why[i]));
	s->fd[i] = fd;
	return fd;
}

static int counters_attach(void *state, const struct run_ctx *ctx, char *err, size_t errlen)
{
	struct counters_state *s = state;
	(void)err; (void)errlen;
	plan_groups(s);
	for (int i = 0; i < s->set.n; i++)
		if (s->leader[i] == i)
			open_one(s, i, ctx->pid, -1);
	for (int i = 0; i < s->set.n; i++) {
		int l = s->leader[i];
		if (l == i)
			continue;
		/* No leader, or the group refused it: count it alone (its own
		 * status tells whether it could be counted at all). */
		if (s->fd[l] < 0 || open_one(s, i, ctx->pid, s->fd[l]) < 0) {
			s->leader[i] = i;
			open_one(s, i, ctx->pid, -1);
		}
	}
	return 0;   /* unsupported counters never fail the run */
}

static void close_all(struct counters_state *s)
{
	for (int i = 0; i < s->set.n; i++) {
		if (s->fd[i] >= 0)
			close(s->fd[i]);
		s->fd[i] = -1;
		s->why[i][0] = '\0';
	}
}

/* ---------------------------------------------------------------- reading */

static void read_one(struct counters_state *s, int i, struct counter_reading *r)
{
	memset(r, 0, sizeof(*r));
	if (s->fd[i] < 0) {
		r->scale = COUNTER_NOT_COUNTED;
		snprintf(r->status, sizeof(r->status), "not supported: %s", s->why[i]);
		return;
	}
	uint64_t v[3];
	ssize_t n = read(s->fd[i], v, sizeof(v));
	if (n != (ssize_t)sizeof(v)) {
		r->scale = COUNTER_NOT_COUNTED;
		snprintf(r->status, sizeof(r->status), "not supported: reading the counter failed (%s)",
			 n < 0 ? strerror(errno) : "short read");
		return;
	}
	r->opened = true;
	r->raw = v[0];
	r->enabled_ns = v[1];
	r->running_ns = v[2];
	r->scale = counters_scale(v[0], v[1], v[2], &r->value, &r->pct_running);
	if (r->scale == COUNTER_NOT_COUNTED && v[1] == 0)
		snprintf(r->status, sizeof(r->status), "not supported: never enabled (the workload did not exec)");
	else
		counters_status_text(r->scale, r->pct_running, r->status, sizeof(r->status));
}

static void write_event(struct jbuf *b, const struct counters_state *s, int i, const struct counter_reading *r)
{
	const struct counter_event *e = &s->set.ev[i];
	char hex[32];
	jb_obj_begin(b, e->name);
	jb_str(b, "pfm", e->fstr);
	jb_int(b, "type", e->attr.type);
	snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)e->attr.config);
	jb_str(b, "config", hex);
	if (e->attr.config1) {
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)e->attr.config1);
		jb_str(b, "config1", hex);
	}
	jb_bool(b, "exclude_user", e->attr.exclude_user);
	jb_bool(b, "exclude_kernel", e->attr.exclude_kernel);
	if (s->leader[i] != i)
		jb_str(b, "group_leader", s->set.ev[s->leader[i]].name);
	if (r->scale != COUNTER_NOT_COUNTED) {
		jb_num(b, "value", r->value);
		jb_int(b, "raw", (long long)r->raw);
	}
	if (r->opened) {
		jb_int(b, "time_enabled_ns", (long long)r->enabled_ns);
		jb_int(b, "time_running_ns", (long long)r->running_ns);
	}
	jb_str(b, "status", r->status);
	jb_obj_end(b);
}

static void counters_finish(void *state, const struct run_ctx *ctx, struct jbuf *rec, struct metrics *m)
{
	struct counters_state *s = state;
	struct counter_reading r[COUNTERS_MAX];
	for (int i = 0; i < s->set.n; i++)
		read_one(s, i, &r[i]);

	jb_obj_begin(rec, "counters");
	if (s->under_valgrind)
		jb_str(rec, "note", "counted under valgrind (--engine=cachegrind): these figures are valgrind's, not the workload's");
	jb_obj_begin(rec, "events");
	for (int i = 0; i < s->set.n; i++)
		write_event(rec, s, i, &r[i]);
	jb_obj_end(rec);
	jb_obj_end(rec);

	counters_add_metrics(&s->set, r, ctx->ops, m);
	close_all(s);
}

static void counters_abort(void *state, const struct run_ctx *ctx)
{
	(void)ctx;
	close_all(state);
}

static void counters_teardown(void *state)
{
	if (state)
		close_all(state);
	free(state);
}

const struct collector counters_collector = {
	.name = "counters",
	.setup = counters_setup,
	.attach = counters_attach,
	.finish = counters_finish,
	.abort = counters_abort,
	.teardown = counters_teardown,
};
