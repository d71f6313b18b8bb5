/* counters_stat.c - see counters_stat.h.  perf's own arithmetic, so that a
 * reader used to perf stat reads the same figures: the mean of the scaled
 * values over the runs, stddev of the mean = sqrt(variance / n) with the
 * variance over n - 1 (perf's util/stat.c), shown relative to the mean,
 * and the multiplexing share from the mean enabled and running times. */
#include "counters_stat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "counters_metrics.h"
#include "engine.h"
#include "json.h"

/* ---------------------------------------------------------- from a record */

static void sample_from_event(const char *name, const struct jv *e, const struct metrics *m, struct counter_sample *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->event, sizeof(s->event), "%s", name);
	s->type = (unsigned)jv_num(e, "type", -1);
	const char *cfg = jv_str(e, "config");
	s->config = cfg ? strtoull(cfg, NULL, 0) : 0;
	s->exclude_user = jv_bool(jv_get(e, "exclude_user"));
	s->exclude_kernel = jv_bool(jv_get(e, "exclude_kernel"));
	s->value = jv_num(e, "value", NAN);
	s->counted = !isnan(s->value);
	s->enabled_ns = jv_num(e, "time_enabled_ns", 0);
	s->running_ns = jv_num(e, "time_running_ns", 0);
	const char *st = jv_str(e, "status");
	snprintf(s->status, sizeof(s->status), "%s", st ? st : "");
	if (!s->counted && !s->status[0])
		snprintf(s->status, sizeof(s->status), "not supported: no value recorded");

	/* The metric this counter fed (counters_metrics.c), if per op. */
	struct counter_event ev;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.name, sizeof(ev.name), "%s", name);
	ev.attr.type = s->type;
	ev.attr.config = s->config;
	ev.attr.exclude_user = s->exclude_user;
	ev.attr.exclude_kernel = s->exclude_kernel;
	char metric[48], unit[24];
	double div;
	counters_metric_for(&ev, 1, metric, sizeof(metric), unit, sizeof(unit), &div);
	const struct metric *mm = m ? metrics_find(m, metric) : NULL;
	s->per_op = NAN;
	if (mm && !mm->status[0] && (strcmp(mm->unit, "/op") == 0 || strcmp(mm->unit, "/1K ops") == 0)) {
		s->per_op = mm->value;
		snprintf(s->per_op_unit, sizeof(s->per_op_unit), "%s", mm->unit);
	}
}

int counters_samples_from_record(const char *record_json, const struct metrics *m, struct counter_samples *out)
{
	char err[128];
	out->n = 0;
	struct jv *rec = record_json ? jv_parse(record_json, err, sizeof(err)) : NULL;
	if (!rec)
		return -1;
	const struct jv *events = jv_get(rec, "counters.events"), *e;
	const char *name;
	for (size_t i = 0; out->n < COUNTERS_STAT_MAX && (name = jv_key_at(events, i, &e)); i++)
		sample_from_event(name, e, m, &out->s[out->n++]);
	jv_free(rec);
	return out->n;
}

/* ------------------------------------------------------- over the runs */

static bool is_sw(const struct counter_sample *s, unsigned long long config)
{
	return s->type == PERF_TYPE_SOFTWARE && s->config == config;
}

static bool is_hw(const struct counter_sample *s, unsigned long long config)
{
	return s->type == PERF_TYPE_HARDWARE && s->config == config;
}

/* The first sample named event in a run, or NULL. */
static const struct counter_sample *find(const struct counter_samples *run, const char *event)
{
	for (int i = 0; i < run->n; i++)
		if (strcmp(run->s[i].event, event) == 0)
			return &run->s[i];
	return NULL;
}

static void aggregate(const struct counter_samples *const *runs, int nruns, const char *event,
		      struct counter_line *l)
{
	/* Welford's running mean and sum of squared deviations (as perf's
	 * update_stats), so any number of runs needs no array */
	double mean = 0, m2 = 0, ena = 0, run = 0, per_op = 0;
	int n = 0, n_per_op = 0;
	memset(l, 0, sizeof(*l));
	snprintf(l->event, sizeof(l->event), "%s", event);
	for (int r = 0; r < nruns; r++) {
		const struct counter_sample *s = find(runs[r], event);
		if (!s)
			continue;
		l->runs++;
		if (!s->counted) {
			if (!l->status[0])
				snprintf(l->status, sizeof(l->status), "%s", s->status);
			continue;
		}
		double delta = s->value - mean;
		mean += delta / ++n;
		m2 += delta * (s->value - mean);
		ena += s->enabled_ns;
		run += s->running_ns;
		if (!isnan(s->per_op)) {
			per_op += s->per_op;
			n_per_op++;
			snprintf(l->per_op_unit, sizeof(l->per_op_unit), "%s", s->per_op_unit);
		}
	}
	l->counted = n;
	l->mean = l->rel_stddev_pct = l->metric = l->per_op = l->pct_running = NAN;
	if (n == 0)
		return;
	l->mean = mean;
	l->enabled_ns = ena / n;
	l->running_ns = run / n;
	l->pct_running = l->enabled_ns > 0 ? 100.0 * l->running_ns / l->enabled_ns : NAN;
	if (n >= 2 && mean != 0)
		l->rel_stddev_pct = 100.0 * sqrt(m2 / (n - 1) / n) / fabs(mean);
	if (n_per_op)
		l->per_op = per_op / n_per_op;
}

/* A rate per second of task-clock, as perf shows software events. */
static void set_rate(struct counter_line *l, double per_s)
{
	const char *u = "/sec";
	if (per_s >= 1e6) { per_s /= 1e6; u = "M/sec"; }
	else if (per_s >= 1e3) { per_s /= 1e3; u = "K/sec"; }
	l->metric = per_s;
	snprintf(l->metric_unit, sizeof(l->metric_unit), "%s", u);
}

/* perf's derived comments: CPUs utilized for the clocks, the rate per
 * task-clock second for software events, GHz for cycles, insn per cycle
 * for instructions (with the cycles of the same privilege filter). */
static void derive(const struct counter_samples *first, struct counter_line *lines, int n, double wall_s)
{
	const struct counter_line *task = NULL, *cycles_of[2][2] = { { NULL } };
	for (int i = 0; i < n; i++) {
		const struct counter_sample *s = find(first, lines[i].event);
		if (!s || !lines[i].counted)
			continue;
		if (is_sw(s, PERF_COUNT_SW_TASK_CLOCK) && !task)
			task = &lines[i];
		if (is_hw(s, PERF_COUNT_HW_CPU_CYCLES) && !cycles_of[s->exclude_user][s->exclude_kernel])
			cycles_of[s->exclude_user][s->exclude_kernel] = &lines[i];
	}
	for (int i = 0; i < n; i++) {
		struct counter_line *l = &lines[i];
		const struct counter_sample *s = find(first, l->event);
		if (!s)
			continue;
		l->clock = is_sw(s, PERF_COUNT_SW_TASK_CLOCK) || is_sw(s, PERF_COUNT_SW_CPU_CLOCK);
		if (!l->counted)
			continue;
		const struct counter_line *c = cycles_of[s->exclude_user][s->exclude_kernel];
		if (l->clock && wall_s > 0) {
			l->metric = l->mean / (wall_s * 1e9);
			snprintf(l->metric_unit, sizeof(l->metric_unit), "CPUs utilized");
		} else if (s->type == PERF_TYPE_SOFTWARE && task && task->mean > 0) {
			set_rate(l, l->mean / (task->mean / 1e9));
		} else if (is_hw(s, PERF_COUNT_HW_CPU_CYCLES) && task && task->mean > 0) {
			l->metric = l->mean / task->mean;
			snprintf(l->metric_unit, sizeof(l->metric_unit), "GHz");
		} else if (is_hw(s, PERF_COUNT_HW_INSTRUCTIONS) && c && c->mean > 0) {
			l->metric = l->mean / c->mean;
			snprintf(l->metric_unit, sizeof(l->metric_unit), "insn per cycle");
		}
	}
}

int counters_stat_lines(const struct counter_samples *const *runs, int nruns, double wall_s,
			struct counter_line *lines, int max)
{
	const struct counter_samples *first = NULL;
	for (int r = 0; r < nruns && !first; r++)
		if (runs[r]->n)
			first = runs[r];
	if (!first)
		return 0;
	int n = 0;
	for (int i = 0; i < first->n && n < max; i++)
		aggregate(runs, nruns, first->s[i].event, &lines[n++]);
	derive(first, lines, n, wall_s);
	return n;
}

/* ------------------------------------------------------------- printing */

const char *counters_thousands(double x, int decimals, char *buf, size_t len)
{
	char digits[64];
	snprintf(digits, sizeof(digits), "%.*f", decimals, fabs(x));
	const char *point = strchr(digits, '.');
	size_t int_len = point ? (size_t)(point - digits) : strlen(digits), o = 0;
	char tmp[96];
	if (x < 0 && strspn(digits, "0.") != strlen(digits))
		tmp[o++] = '-';
	for (size_t i = 0; i < int_len; i++) {
		if (i > 0 && (int_len - i) % 3 == 0)
			tmp[o++] = ',';
		tmp[o++] = digits[i];
	}
	tmp[o] = '\0';
	snprintf(buf, len, "%s%s", tmp, point ? point : "");
	return buf;
}

/* Decimals that show about four significant digits without an exponent. */
static int decimals_for(double x)
{
	double a = fabs(x);
	int d = a > 0 ? 3 - (int)floor(log10(a)) : 0;
	return d < 0 ? 0 : d > 6 ? 6 : d;
}

static const char *reason_of(const char *status)
{
	const char *p = "not supported: ";
	return strncmp(status, p, strlen(p)) == 0 ? status + strlen(p) : status;
}

void counters_stat_print_line(const struct counter_line *l, FILE *out)
{
	char v[64], comment[96] = "";
	if (!l->counted) {
		fprintf(out, "%18s      %-32s # %s\n", "<not supported>", l->event, reason_of(l->status));
		return;
	}
	counters_thousands(l->clock ? l->mean / 1e6 : l->mean, l->clock ? 2 : 0, v, sizeof(v));
	if (!isnan(l->metric))
		snprintf(comment, sizeof(comment), "# %8.3f %-20s", l->metric, l->metric_unit);
	fprintf(out, "%18s %-4s %-32s %-31s", v, l->clock ? "msec" : "", l->event, comment);
	if (!isnan(l->rel_stddev_pct))
		fprintf(out, "  ( +-%6.2f%% )", l->rel_stddev_pct);
	if (!isnan(l->pct_running) && l->pct_running < 100.0)
		fprintf(out, "  (%.2f%%)", l->pct_running);
	if (l->counted < l->runs)
		fprintf(out, "  counted in %d of %d runs", l->counted, l->runs);
	fprintf(out, "\n");
	if (!isnan(l->per_op))
		fprintf(out, "%18s %-4s %-32s # %8.*f %s\n", "", "", "", decimals_for(l->per_op), l->per_op,
			l->per_op_unit);
}

/* A free text in a CSV field: the separator may not appear in it. */
static void csv_text(const char *s, const char *sep, FILE *out)
{
	size_t n = strlen(sep);
	for (; *s; s++)
		fputc(n && strncmp(s, sep, n) == 0 ? ';' : *s, out);
}

void counters_stat_csv_line(const char *label, const struct counter_line *l, const char *sep, FILE *out)
{
	bool variance = l->runs >= 2;
	csv_text(label, sep, out);
	if (!l->counted) {
		/* perf's fields, with the reason where the metric unit goes */
		fprintf(out, "%s<not supported>%s%s", sep, sep, sep);
		csv_text(l->event, sep, out);
		if (variance)
			fprintf(out, "%s", sep);
		fprintf(out, "%s0%s%s%s", sep, sep, sep, sep);
		csv_text(reason_of(l->status), sep, out);
		fprintf(out, "\n");
		return;
	}
	if (l->clock)
		fprintf(out, "%s%.2f%smsec%s", sep, l->mean / 1e6, sep, sep);
	else
		fprintf(out, "%s%.0f%s%s", sep, l->mean, sep, sep);
	csv_text(l->event, sep, out);
	if (variance) {
		if (isnan(l->rel_stddev_pct))
			fprintf(out, "%s", sep);
		else
			fprintf(out, "%s%.2f%%", sep, l->rel_stddev_pct);
	}
	fprintf(out, "%s%.0f%s%.2f%s", sep, l->running_ns, sep, l->pct_running, sep);
	if (!isnan(l->metric))
		fprintf(out, "%.3f%s%s", l->metric, sep, l->metric_unit);
	else
		fprintf(out, "%s", sep);
	fprintf(out, "\n");
	if (!isnan(l->per_op)) {
		/* perf: "additional metrics ... with all earlier fields empty" */
		csv_text(label, sep, out);
		for (int i = 0; i < (variance ? 6 : 5); i++)
			fprintf(out, "%s", sep);
		fprintf(out, "%s%.*f%s%s\n", sep, decimals_for(l->per_op), l->per_op, sep, l->per_op_unit);
	}
}

/* ------------------------------------------------------ a whole invocation */

void counters_stat_print(const struct invocation *inv, const char *sep, FILE *out)
{
	const struct counter_samples **runs = calloc((size_t)(inv->n_runs ? inv->n_runs : 1), sizeof(*runs));
	struct counter_line lines[COUNTERS_STAT_MAX];
	if (!runs)
		return;
	for (int v = 0; v < inv->n_variants; v++) {
		int n = 0;
		double wall = 0, wall2 = 0;
		for (int i = 0; i < inv->n_runs; i++) {
			const struct run_summary *r = &inv->runs[i];
			if (r->variant != v || !r->ok || r->counters.n == 0)
				continue;
			runs[n++] = &r->counters;
			wall += r->wall_s;
			wall2 += r->wall_s * r->wall_s;
		}
		int nl = n ? counters_stat_lines(runs, n, wall / n, lines, COUNTERS_STAT_MAX) : 0;
		if (nl == 0)
			continue;
		if (sep) {
			for (int k = 0; k < nl; k++)
				counters_stat_csv_line(inv->variants[v].label, &lines[k], sep, out);
			continue;
		}
		fprintf(out, "\n Performance counter stats for '%s' (%s, %d run%s):\n\n",
			inv->opts->cmd ? inv->opts->cmd : inv->name, inv->variants[v].label, n, n == 1 ? "" : "s");
		for (int k = 0; k < nl; k++)
			counters_stat_print_line(&lines[k], out);
		double mean = wall / n;
		fprintf(out, "\n    %14.6f", mean);
		if (n >= 2) {
			double var = (wall2 - n * mean * mean) / (n - 1);
			double sd_mean = sqrt(var > 0 ? var / n : 0);
			fprintf(out, " +- %.6f seconds time elapsed  ( +-%6.2f%% )\n", sd_mean,
				mean > 0 ? 100 * sd_mean / mean : 0);
		} else {
			fprintf(out, " seconds time elapsed\n");
		}
	}
	if (!sep)
		fprintf(out, "\n  (perf stat's layout: mean of the runs; +- is the standard deviation of the mean;\n"
			     "   (NN%%) the share of the time a multiplexed counter was counted; # derived figures)\n");
	free(runs);
}
