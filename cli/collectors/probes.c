/* probes.c - the eBPF probes collector: --probes=GROUP,...|all.
 *
 * For each run: attach() loads every requested group for the held child's
 * tgid (a group that cannot load is reported unavailable with the reason,
 * and the run goes on unless --require-probes), tick() lets groups sample
 * /proc while the workload lives, finish() reads the kernel's counters
 * once and writes "probes": {"GROUP": {"status": ..., ...}} plus the flat
 * metrics.  The groups themselves live in probes/<group>.c, listed in
 * probes_list.h (generated from probes/meson.build); without eBPF
 * support in the build (HAVE_BPF unset) every group is unavailable with
 * the reason the build gave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "probe.h"

#ifndef PROBES_UNAVAILABLE_REASON
#define PROBES_UNAVAILABLE_REASON "built without eBPF support"
#endif

#define PROBE(name) &probe_##name##_ops,
static const struct probe_group_ops *const group_ops[] = {
#include "probes_list.h"
};
#undef PROBE
#define PG_NR ((int)(sizeof(group_ops) / sizeof(group_ops[0])))
#define PG_MAX 32

struct probes_state {
	bool want[PG_MAX];
	bool require;
	void *group[PG_MAX];         /* loaded for the current run */
	char why[PG_MAX][256];       /* why a wanted group is not loaded */
};

/* "faults, tlb, ...": the group names, for error texts. */
static const char *group_names_text(void)
{
	static char text[256];
	if (!text[0])
		for (int g = 0; g < PG_NR; g++) {
			size_t l = strlen(text);
			snprintf(text + l, sizeof(text) - l, "%s, ", group_ops[g]->name);
		}
	return text;
}

/* "all" or a comma list of group names. */
static int parse_groups(const char *list, bool want[PG_MAX], char *err, size_t errlen)
{
	if (strcmp(list, "all") == 0 || strcmp(list, "") == 0) {
		for (int g = 0; g < PG_NR; g++)
			want[g] = true;
		return 0;
	}
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", list);
	char *save = NULL;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int g;
		for (g = 0; g < PG_NR; g++)
			if (strcmp(w, group_ops[g]->name) == 0)
				break;
		if (g == PG_NR) {
			snprintf(err, errlen, "--probes: unknown probe group '%s' (groups: %sor all)", w, group_names_text());
			return -1;
		}
		want[g] = true;
	}
	return 0;
}

static int probes_setup(const struct run_opts *o, void **state, char *err, size_t errlen)
{
	*state = NULL;
	if (!o->probes)
		return 0;
	struct probes_state *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "probes: out of memory");
		return -1;
	}
	if (parse_groups(o->probes, s->want, err, errlen) < 0) {
		free(s);
		return -1;
	}
	s->require = o->require_probes;
#ifdef HAVE_BPF
	probes_libbpf_init();
#endif
	*state = s;
	return 0;
}

static void close_groups(struct probes_state *s)
{
	for (int g = 0; g < PG_NR; g++) {
		if (s->group[g])
			group_ops[g]->close(s->group[g]);
		s->group[g] = NULL;
	}
}

static int probes_attach(void *state, const struct run_ctx *ctx, char *err, size_t errlen)
{
	struct probes_state *s = state;
	for (int g = 0; g < PG_NR; g++) {
		s->why[g][0] = '\0';
		if (!s->want[g])
			continue;
		if (!group_ops[g]->open) {     /* built without eBPF */
			snprintf(s->why[g], sizeof(s->why[g]), "%s", PROBES_UNAVAILABLE_REASON);
		} else {
			s->group[g] = group_ops[g]->open(ctx->pid, ctx, s->why[g], sizeof(s->why[g]));
			if (!s->group[g] && !s->why[g][0])
				snprintf(s->why[g], sizeof(s->why[g]), "could not load (no reason given)");
		}
		if (!s->group[g] && s->require) {
			snprintf(err, errlen, "probe group %s unavailable: %s (--require-probes was given)",
				 group_ops[g]->name, s->why[g]);
			close_groups(s);
			return -1;
		}
	}
	return 0;
}

static void probes_tick(void *state, const struct run_ctx *ctx, double t_s)
{
	(void)t_s;
	struct probes_state *s = state;
	for (int g = 0; g < PG_NR; g++)
		if (s->group[g] && group_ops[g]->tick)
			group_ops[g]->tick(s->group[g], ctx->pid);
}

static void probes_finish(void *state, const struct run_ctx *ctx, struct jbuf *rec, struct metrics *m)
{
	struct probes_state *s = state;
	jb_obj_begin(rec, "probes");
	for (int g = 0; g < PG_NR; g++) {
		if (!s->want[g])
			continue;
		jb_obj_begin(rec, group_ops[g]->name);
		if (s->group[g]) {
			jb_str(rec, "status", "ok");
			group_ops[g]->report(s->group[g], ctx, rec, m);
		} else {
			char st[300];
			snprintf(st, sizeof(st), "unavailable: %s", s->why[g]);
			jb_str(rec, "status", st);
			char reason[320];
			snprintf(reason, sizeof(reason), "probe group %s unavailable: %s",
				 group_ops[g]->name, s->why[g]);
			for (int i = 0; group_ops[g]->metrics[i]; i++)
				metric_unsupported(m, group_ops[g]->metrics[i], reason);
		}
		jb_obj_end(rec);
	}
	jb_obj_end(rec);
	(void)ctx;
	close_groups(s);
}

static void probes_abort(void *state, const struct run_ctx *ctx)
{
	(void)ctx;
	close_groups(state);
}

static void probes_teardown(void *state)
{
	if (!state)
		return;
	close_groups(state);
	free(state);
}

void probes_hist_json(struct jbuf *b, const char *key, const unsigned long long *slots, int n)
{
	jb_arr_begin(b, key);
	for (int i = 0; i < n; i++) {
		if (!slots[i])
			continue;
		jb_arr_begin(b, NULL);
		jb_num(b, NULL, i == 0 ? 0 : (double)(1ULL << i));
		jb_int(b, NULL, (long long)slots[i]);
		jb_arr_end(b);
	}
	jb_arr_end(b);
}

const struct collector probes_collector = {
	.name = "probes",
	.tick_ms = 100,          /* smaps_rollup takes the mmap lock: not more often */
	.setup = probes_setup,
	.attach = probes_attach,
	.tick = probes_tick,
	.finish = probes_finish,
	.abort = probes_abort,
	.teardown = probes_teardown,
};
