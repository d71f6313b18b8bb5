/* summary.c - the table printed after an invocation, like hyperfine's or
 * perf stat's: per variant the median with its range, the ratio to the
 * first variant, then every per-run metric the collectors measured (or the
 * reason it could not be measured). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "summary.h"

/* ------------------------------------------------------------ field getters */

static double get_field(const struct run_summary *r, const void *arg)
{
	return *(const double *)((const char *)r + *(const size_t *)arg);
}

static double get_metric(const struct run_summary *r, const void *arg)
{
	const struct metric *m = metrics_find(&r->metrics, (const char *)arg);
	return m && !m->status[0] ? m->value : NAN;
}

static double stat_field(const struct invocation *inv, int v, size_t off, double *min, double *max)
{
	double med, lo, hi;
	variant_stat(inv, v, get_field, &off, &med, &lo, &hi);
	if (min)
		*min = lo;
	if (max)
		*max = hi;
	return med;
}

#define FIELD(f) offsetof(struct run_summary, f)

/* -------------------------------------------------------------- formatting */

/* 91123456 -> "91.12M" */
static const char *si(double x, char *buf, size_t n)
{
	const char *unit = "";
	double a = fabs(x);
	if (isnan(x)) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (a >= 1e9) { x /= 1e9; unit = "G"; }
	else if (a >= 1e6) { x /= 1e6; unit = "M"; }
	else if (a >= 1e3) { x /= 1e3; unit = "K"; }
	snprintf(buf, n, "%.*f%s", fabs(x) >= 100 ? 1 : 2, x, unit);
	return buf;
}

static int counts(const struct invocation *inv, int v, int *failed)
{
	int ok = 0;
	*failed = 0;
	for (int i = 0; i < inv->n_runs; i++)
		if (inv->runs[i].variant == v)
			inv->runs[i].ok ? ok++ : (*failed)++;
	return ok;
}

/* A failed run's error, for the table footnote. */
static const char *first_error(const struct invocation *inv, int v)
{
	for (int i = 0; i < inv->n_runs; i++)
		if (inv->runs[i].variant == v && !inv->runs[i].ok)
			return inv->runs[i].error;
	return "";
}

/* Names of every metric any run reported, in first-seen order. */
static int metric_names(const struct invocation *inv, const char **names, int max)
{
	int n = 0;
	for (int i = 0; i < inv->n_runs; i++) {
		const struct metrics *ms = &inv->runs[i].metrics;
		for (int k = 0; k < ms->n; k++) {
			int j;
			if (ms->m[k].core)
				continue;       /* shown in the table's own columns */
			for (j = 0; j < n; j++)
				if (strcmp(names[j], ms->m[k].name) == 0)
					break;
			if (j == n && n < max)
				names[n++] = ms->m[k].name;
		}
	}
	return n;
}

/* The metric's unit, or the reason it is unsupported, for variant v. */
static const struct metric *metric_sample(const struct invocation *inv, int v, const char *name)
{
	const struct metric *seen = NULL;
	for (int i = 0; i < inv->n_runs; i++) {
		if (inv->runs[i].variant != v)
			continue;
		const struct metric *m = metrics_find(&inv->runs[i].metrics, name);
		if (m && (!seen || !m->status[0]))
			seen = m;
	}
	return seen;
}

/* ------------------------------------------------------------------- text */

/* One variant's row: median [min .. max], ratio, RSS, faults, CPU. */
static void print_variant(const struct invocation *inv, int v, int width, double *base, FILE *out)
{
	bool has_ops = !inv->opts->cmd;
	char a[32], b[32], c[32], range[128], ratio[16];
	int failed, ok = counts(inv, v, &failed);
	double lo, hi, med = has_ops ? stat_field(inv, v, FIELD(ops_per_sec), &lo, &hi)
				     : stat_field(inv, v, FIELD(wall_s), &lo, &hi);
	if (v == 0)
		*base = med;
	snprintf(ratio, sizeof(ratio), "-");
	if (ok == 0)
		snprintf(range, sizeof(range), "all runs failed");
	else if (has_ops)
		snprintf(range, sizeof(range), "%.30s [%.30s .. %.30s]", si(med, a, 32), si(lo, b, 32), si(hi, c, 32));
	else
		snprintf(range, sizeof(range), "%.3f [%.3f .. %.3f]", med, lo, hi);
	if (ok && !isnan(*base) && *base != 0)
		snprintf(ratio, sizeof(ratio), "%.2fx", med / *base);
	if (ok == 0)
		fprintf(out, "  %-*s  %-26s  %-9s  %9s  %10s  %7s  %7s\n", width, inv->variants[v].label,
			range, ratio, "-", "-", "-", "-");
	else
		fprintf(out, "  %-*s  %-26s  %-9s  %5.1f MiB  %10.0f  %7.3f  %7.3f\n", width,
			inv->variants[v].label, range, ratio,
			stat_field(inv, v, FIELD(maxrss_kb), NULL, NULL) / 1024.0,
			stat_field(inv, v, FIELD(minflt), NULL, NULL), stat_field(inv, v, FIELD(user_s), NULL, NULL),
			stat_field(inv, v, FIELD(sys_s), NULL, NULL));
	if (failed)
		fprintf(out, "  %-*s  ^ %d of %d runs failed: %s\n", width, "", failed, ok + failed,
			first_error(inv, v));
}

/* One metric's row: the median per variant, then its unit or the reason. */
static void print_metric(const struct invocation *inv, const char *name, int mw, FILE *out)
{
	const char *unit = "", *unsupported = NULL;
	fprintf(out, "  %-*s", mw, name);
	for (int v = 0; v < inv->n_variants; v++) {
		const struct metric *m = metric_sample(inv, v, name);
		double med, lo, hi;
		variant_stat(inv, v, get_metric, name, &med, &lo, &hi);
		if (m && m->status[0] && isnan(med)) {
			unsupported = m->status;
			fprintf(out, "  %16s", "n/a");
			continue;
		}
		if (m)
			unit = m->unit;
		if (isnan(med))
			fprintf(out, "  %16s", "-");
		else
			fprintf(out, "  %16.4g", med);
	}
	fprintf(out, "  %s\n", unsupported ? unsupported : unit);
}

static void print_metrics(const struct invocation *inv, FILE *out)
{
	const char *names[METRICS_MAX];
	int nm = metric_names(inv, names, METRICS_MAX), mw = 6;
	if (nm == 0)
		return;
	for (int k = 0; k < nm; k++)
		if ((int)strlen(names[k]) > mw)
			mw = (int)strlen(names[k]);
	fprintf(out, "\n  %-*s", mw, "metric (median)");
	for (int v = 0; v < inv->n_variants; v++)
		fprintf(out, "  %16.16s", inv->variants[v].label);
	fprintf(out, "  unit\n");
	for (int k = 0; k < nm; k++)
		print_metric(inv, names[k], mw, out);
}

void summary_print(const struct invocation *inv, FILE *out)
{
	const struct run_opts *o = inv->opts;
	bool has_ops = !o->cmd;
	int width = 9;
	double base = NAN;
	for (int v = 0; v < inv->n_variants; v++)
		if ((int)strlen(inv->variants[v].label) > width)
			width = (int)strlen(inv->variants[v].label);

	fprintf(out, "\n%s: %d run%s per variant after %d warm-up, interleaved; median [min .. max]\n\n",
		o->cmd ? o->cmd : inv->name, o->runs, o->runs == 1 ? "" : "s", o->warmup);
	if (o->engine && strcmp(o->engine, "native") != 0)
		fprintf(out, "  NOTE: --engine=%s: every run is under valgrind, so ops/s and times below\n"
			     "  are valgrind's (%s times slower) and not comparable; compare the simulated\n"
			     "  %s in the metrics block.\n\n", o->engine,
			strcmp(o->engine, "tlb") == 0 ? "thousands of" : "tens of",
			strcmp(o->engine, "tlb") == 0 ? "TLB misses per 1K ops (per region)" : "instruction and miss counts");
	fprintf(out, "  %-*s  %-26s  %-9s  %9s  %10s  %7s  %7s\n", width, "variant",
		has_ops ? "ops/s" : "wall time (s)", has_ops ? "ratio" : "time ratio",
		"max RSS", "minor flt", "user s", "sys s");
	for (int v = 0; v < inv->n_variants; v++)
		print_variant(inv, v, width, &base, out);
	if (inv->n_variants > 1)
		fprintf(out, "\n  ratio: median of this variant / median of %s (%s is better)\n",
			inv->variants[0].label, has_ops ? "higher" : "lower");
	print_metrics(inv, out);
	fprintf(out, "\n  results appended to %s\n", inv->out_path);
}

/* ------------------------------------------------------------------- JSON */

static void stat_json(struct jbuf *b, const char *key, double med, double lo, double hi)
{
	jb_obj_begin(b, key);
	jb_num(b, "median", med);
	jb_num(b, "min", lo);
	jb_num(b, "max", hi);
	jb_obj_end(b);
}

void summary_json(const struct invocation *inv, FILE *out)
{
	struct jbuf b;
	const char *names[METRICS_MAX];
	int nm = metric_names(inv, names, METRICS_MAX);
	double base = NAN;
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	jb_str(&b, "workload", inv->name);
	jb_str(&b, "cmd", inv->opts->cmd);
	jb_str(&b, "invocation", inv->id);
	jb_str(&b, "results_file", inv->out_path);
	jb_int(&b, "runs", inv->opts->runs);
	jb_int(&b, "warmup", inv->opts->warmup);
	jb_arr_begin(&b, "variants");
	for (int v = 0; v < inv->n_variants; v++) {
		const struct variant *var = &inv->variants[v];
		int failed, ok = counts(inv, v, &failed);
		double lo, hi, med;
		jb_obj_begin(&b, NULL);
		jb_str(&b, "variant", var->label);
		jb_str(&b, "alloc", var->alloc.name);
		jb_int(&b, "threads", var->threads);
		jb_int(&b, "runs_ok", ok);
		jb_int(&b, "runs_failed", failed);
		med = stat_field(inv, v, FIELD(ops_per_sec), &lo, &hi);
		if (v == 0)
			base = med;
		stat_json(&b, "ops_per_sec", med, lo, hi);
		jb_num(&b, "ratio", base > 0 ? med / base : NAN);
		static const struct { const char *name; size_t off; } fields[] = {
			{ "wall_s", FIELD(wall_s) }, { "maxrss_kb", FIELD(maxrss_kb) }, { "minflt", FIELD(minflt) },
			{ "majflt", FIELD(majflt) }, { "user_s", FIELD(user_s) }, { "sys_s", FIELD(sys_s) },
			{ "nvcsw", FIELD(nvcsw) }, { "nivcsw", FIELD(nivcsw) },
		};
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			med = stat_field(inv, v, fields[f].off, &lo, &hi);
			stat_json(&b, fields[f].name, med, lo, hi);
		}
		jb_obj_begin(&b, "metrics");
		for (int k = 0; k < nm; k++) {
			const struct metric *m = metric_sample(inv, v, names[k]);
			variant_stat(inv, v, get_metric, names[k], &med, &lo, &hi);
			jb_obj_begin(&b, names[k]);
			if (m && m->status[0] && isnan(med)) {
				jb_str(&b, "status", m->status);
			} else {
				jb_num(&b, "median", med);
				jb_num(&b, "min", lo);
				jb_num(&b, "max", hi);
				jb_str(&b, "unit", m ? m->unit : "");
			}
			jb_obj_end(&b);
		}
		jb_obj_end(&b);
		if (failed)
			jb_str(&b, "error", first_error(inv, v));
		jb_obj_end(&b);
	}
	jb_arr_end(&b);
	jb_obj_end(&b);
	fprintf(out, "%s\n", b.s ? b.s : "{}");
	jb_free(&b);
}
