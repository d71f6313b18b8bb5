/* counters_metrics.c - see counters_metrics.h. */
#include "counters_metrics.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum per { PER_OP, PER_KOP, MS, TOTAL };

struct known {
	unsigned type;
	unsigned long long config;
	const char *base;
	enum per per;
	enum metric_better better;
	const char *what;          /* in words, for the metric's description */
};

/* Per op for events that happen several times per op (cycles), per 1K ops
 * for rarer ones (faults, misses), totals for whole-run facts. */
static const struct known known[] = {
	{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, "cpu_clock", MS, METRIC_LOWER, "CPU time (cpu-clock)" },
	{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, "task_clock", MS, METRIC_LOWER, "CPU time" },
	{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, "page_faults", PER_KOP, METRIC_LOWER, "page faults" },
	{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, "minor_faults", PER_KOP, METRIC_LOWER, "minor page faults" },
	{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, "major_faults", PER_KOP, METRIC_LOWER, "major page faults" },
	{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, "context_switches", TOTAL, METRIC_NEITHER, "context switches" },
	{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, "cpu_migrations", TOTAL, METRIC_NEITHER, "CPU migrations" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "cycles", PER_OP, METRIC_LOWER, "CPU cycles" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "instructions", PER_OP, METRIC_LOWER, "instructions" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES, "ref_cycles", PER_OP, METRIC_LOWER, "reference cycles" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, "branches", PER_OP, METRIC_NEITHER, "branches" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, "branch_misses", PER_KOP, METRIC_LOWER, "branch mispredictions" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, "cache_references", PER_KOP, METRIC_NEITHER, "cache references" },
	{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, "cache_misses", PER_KOP, METRIC_LOWER, "cache misses" },
};

static void sanitize(const char *in, char *out, size_t len)
{
	size_t o = 0;
	for (; *in && o + 1 < len; in++) {
		char c = (char)tolower((unsigned char)*in);
		if (!isalnum((unsigned char)c))
			c = '_';
		if (c == '_' && (o == 0 || out[o - 1] == '_'))
			continue;
		out[o++] = c;
	}
	while (o > 0 && out[o - 1] == '_')
		o--;
	out[o] = '\0';
}

/* perf's generic cache events: config = cache | op << 8 | result << 16. */
static int cache_base(unsigned long long config, char *out, size_t len)
{
	static const char *const cache[] = { "l1d", "l1i", "llc", "dtlb", "itlb", "branch", "node" };
	static const char *const op[] = { "load", "store", "prefetch" };
	unsigned c = config & 0xff, o = (config >> 8) & 0xff, res = (config >> 16) & 0xff;
	if (c >= sizeof(cache) / sizeof(cache[0]) || o > 2 || res > 1)
		return -1;
	snprintf(out, len, "%s_%s%s", cache[c], op[o], res ? "_misses" : "s");
	return 0;
}

void counters_metric_for(const struct counter_event *e, double ops,
			 char *name, size_t namelen, char *unit, size_t unitlen, double *divisor)
{
	char base[40] = "";
	enum per per = PER_KOP;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].type == e->attr.type && known[i].config == e->attr.config) {
			snprintf(base, sizeof(base), "%s", known[i].base);
			per = known[i].per;
		}
	if (!base[0] && !(e->attr.type == PERF_TYPE_HW_CACHE &&
			  cache_base(e->attr.config, base, sizeof(base)) == 0))
	{
		/* "amd64_fam19h_zen4::RETIRED_INSTRUCTIONS" -> "retired_instructions" */
		const char *pmu_end = strstr(e->name, "::");
		sanitize(pmu_end ? pmu_end + 2 : e->name, base, 28);
	}

	/* :u / :k variants get their own figure (user vs kernel split). */
	const char *priv = "";
	if (e->attr.exclude_kernel && !e->attr.exclude_user)
		priv = "_user";
	else if (e->attr.exclude_user && !e->attr.exclude_kernel)
		priv = "_kernel";

	if ((per == PER_OP || per == PER_KOP) && ops <= 0)
		per = TOTAL;
	switch (per) {
	case PER_OP:
		snprintf(name, namelen, "%s%s_per_op", base, priv);
		snprintf(unit, unitlen, "/op");
		*divisor = ops;
		break;
	case PER_KOP:
		snprintf(name, namelen, "%s%s_per_kop", base, priv);
		snprintf(unit, unitlen, "/1K ops");
		*divisor = ops / 1000.0;
		break;
	case MS:
		snprintf(name, namelen, "%s%s_ms", base, priv);
		snprintf(unit, unitlen, "ms");
		*divisor = 1e6;
		break;
	case TOTAL:
		snprintf(name, namelen, "%s%s", base, priv);
		snprintf(unit, unitlen, "count");
		*divisor = 1;
		break;
	}
}

static const char *reason_of(const struct counter_reading *r)
{
	const char *p = "not supported: ";
	return strncmp(r->status, p, strlen(p)) == 0 ? r->status + strlen(p) : r->status;
}

/* Which way is better for the event's figure: from the table, misses
 * of perf's generic cache events are lower-is-better, anything else (raw
 * codes, native names) has no known direction. */
static enum metric_better better_of(const struct counter_event *e)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].type == e->attr.type && known[i].config == e->attr.config)
			return known[i].better;
	if (e->attr.type == PERF_TYPE_HW_CACHE && ((e->attr.config >> 16) & 0xff) == 1)
		return METRIC_LOWER;
	return METRIC_NEITHER;
}

/* Add the event's figure (value already divided), or its reason. */
/* "page faults", "dtlb load misses", "events" (a raw or native event:
 * the perf event name follows in the description). */
static void what_of(const struct counter_event *e, char *out, size_t len)
{
	char base[40];
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].type == e->attr.type && known[i].config == e->attr.config) {
			snprintf(out, len, "%s", known[i].what);
			return;
		}
	if (e->attr.type == PERF_TYPE_HW_CACHE && cache_base(e->attr.config, base, sizeof(base)) == 0) {
		for (char *p = base; *p; p++)
			if (*p == '_')
				*p = ' ';
		snprintf(out, len, "%s", base);
		return;
	}
	snprintf(out, len, "events");
}

/* The unit in words: "per 1000 operations" for "/1K ops". */
static const char *unit_words(const char *unit)
{
	return strcmp(unit, "/op") == 0 ? "per operation" : strcmp(unit, "/1K ops") == 0 ? "per 1000 operations"
	       : strcmp(unit, "ms") == 0 ? "in ms" : "in the run";
}

static void add_event(struct metrics *m, const struct counter_event *e, const char *name, const char *unit,
		      const struct counter_reading *r, double value)
{
	char desc[128], what[48];
	what_of(e, what, sizeof(what));
	/* prose, the unit in words and the event as perf names it: report
	 * titles use it as it is (its unit goes on the axis) */
	snprintf(desc, sizeof(desc), "%.30s %s (perf event %.32s)%s", what, unit_words(unit), e->name,
		 better_of(e) == METRIC_NEITHER && e->attr.type == PERF_TYPE_RAW ? "; raw code: direction unknown" : "");
	if (r->scale == COUNTER_NOT_COUNTED)
		metrics_unsupported(m, name, unit, better_of(e), desc, reason_of(r));
	else
		metrics_add(m, name, unit, better_of(e), desc, value);
}

/* IPC from a cycles/instructions pair with the same privilege filter. */
static void add_ipc(const struct counter_set *set, const struct counter_reading *r, struct metrics *m)
{
	for (int i = 0; i < set->n; i++) {
		const struct counter_event *c = &set->ev[i];
		if (c->attr.type != PERF_TYPE_HARDWARE || c->attr.config != PERF_COUNT_HW_CPU_CYCLES)
			continue;
		for (int j = 0; j < set->n; j++) {
			const struct counter_event *n = &set->ev[j];
			if (n->attr.type != PERF_TYPE_HARDWARE || n->attr.config != PERF_COUNT_HW_INSTRUCTIONS ||
			    n->attr.exclude_user != c->attr.exclude_user ||
			    n->attr.exclude_kernel != c->attr.exclude_kernel)
				continue;
			char name[48], unit[24];
			double div;
			counters_metric_for(c, 1, name, sizeof(name), unit, sizeof(unit), &div);
			/* "cycles_user_per_op" -> "ipc_user" */
			const char *priv = strstr(name, "_user") ? "_user" : strstr(name, "_kernel") ? "_kernel" : "";
			snprintf(name, sizeof(name), "ipc%s", priv);
			static const char desc[] = "instructions per cycle, from one counter group (perf_event_open)";
			const char *why = r[i].scale == COUNTER_NOT_COUNTED ? reason_of(&r[i])
					: r[j].scale == COUNTER_NOT_COUNTED ? reason_of(&r[j])
					: r[i].value > 0 ? NULL : "cycles counted 0";
			if (why)
				metrics_unsupported(m, name, "instr/cycle", METRIC_HIGHER, desc, why);
			else
				metrics_add(m, name, "instr/cycle", METRIC_HIGHER, desc, r[j].value / r[i].value);
			break;
		}
	}
}

void counters_add_metrics(const struct counter_set *set, const struct counter_reading *r,
			  double ops, struct metrics *m)
{
	for (int i = 0; i < set->n; i++) {
		char name[48], unit[24];
		double div;
		counters_metric_for(&set->ev[i], ops, name, sizeof(name), unit, sizeof(unit), &div);
		add_event(m, &set->ev[i], name, unit, &r[i], r[i].value / div);
	}
	add_ipc(set, r, m);
}
