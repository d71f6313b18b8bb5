/* summary.c - the table printed after an invocation, like hyperfine's or
 * perf stat's: per variant the median with its range, the ratio to the
 * first variant, then every per-run metric the collectors measured (or the
 * reason it could not be measured). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters_stat.h"
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

/* The field that says how fast a run was: ops/s (higher is faster), or
 * wall time with --cmd (lower is faster). */
static size_t speed_field(const struct invocation *inv)
{
	return inv->opts->cmd ? FIELD(wall_s) : FIELD(ops_per_sec);
}

double summary_speed_ratio(const struct invocation *inv, int v, double *sd)
{
	size_t off = speed_field(inv);
	double m0, s0, m, s;
	variant_mean_sd(inv, 0, get_field, &off, &m0, &s0);
	variant_mean_sd(inv, v, get_field, &off, &m, &s);
	double r = inv->opts->cmd ? m0 / m : m / m0;
	/* relative errors add in quadrature (hyperfine's propagation) */
	*sd = r * sqrt((s / m) * (s / m) + (s0 / m0) * (s0 / m0));
	return m0 > 0 && m > 0 ? r : NAN;
}

/* ------------------------------------------------------ the loop floor */

/* Nanoseconds per operation of one run: the workload's own timed seconds
 * over its operations. */
static double get_ns_per_op(const struct run_summary *r, const void *arg)
{
	(void)arg;
	return r->ops_per_sec > 0 ? 1e9 / r->ops_per_sec : NAN;
}

/* The floor variant v is measured against: the floor allocator's variant
 * with v's thread count, else the first floor variant; -1 when the
 * invocation has none (or runs --cmd, which reports no operations). */
static int floor_of(const struct invocation *inv, int v)
{
	int first = -1;
	if (inv->opts->cmd)
		return -1;
	for (int f = 0; f < inv->n_variants; f++) {
		const struct allocator_row *row = inv->variants[f].alloc.row;
		if (!row || !row->loop_floor)
			continue;
		if (inv->variants[f].threads == inv->variants[v].threads)
			return f;
		if (first < 0)
			first = f;
	}
	return first;
}

/* Median ns/op of variant v and, when the invocation has a floor, the
 * floor's median (NAN otherwise) and the floor's index (or -1). */
static double ns_per_op(const struct invocation *inv, int v, double *lo, double *hi, double *floor_ns, int *floor_v)
{
	double med, fmed = NAN, a, b;
	variant_stat(inv, v, get_ns_per_op, NULL, &med, lo, hi);
	*floor_v = floor_of(inv, v);
	if (*floor_v >= 0)
		variant_stat(inv, *floor_v, get_ns_per_op, NULL, &fmed, &a, &b);
	*floor_ns = fmed;
	return med;
}

bool summary_has_floor(const struct invocation *inv)
{
	return inv->n_variants > 0 && floor_of(inv, 0) >= 0;
}

void summary_print_floor(const struct invocation *inv, FILE *out)
{
	int width = 9;
	if (!summary_has_floor(inv))
		return;
	for (int v = 0; v < inv->n_variants; v++)
		if ((int)strlen(inv->variants[v].label) > width)
			width = (int)strlen(inv->variants[v].label);
	fprintf(out, "\n  %-*s  %-26s  %s\n", width, "variant", "ns/op [min .. max]", "alloc ns/op (median - the floor's)");
	for (int v = 0; v < inv->n_variants; v++) {
		double lo, hi, fns;
		int fv;
		double med = ns_per_op(inv, v, &lo, &hi, &fns, &fv);
		char range[96], alloc[96];
		if (isnan(med))
			snprintf(range, sizeof(range), "-");
		else
			snprintf(range, sizeof(range), "%.2f [%.2f .. %.2f]", med, lo, hi);
		if (fv == v)
			snprintf(alloc, sizeof(alloc), "the floor");
		else if (isnan(med) || isnan(fns))
			snprintf(alloc, sizeof(alloc), "- (no successful run of this variant or of the floor)");
		else if (strcmp(inv->variants[fv].label, inv->variants[fv].alloc.name) == 0)
			snprintf(alloc, sizeof(alloc), "%+.2f (floor %.2f)", med - fns, fns);
		else        /* several floor variants (threads, knobs): say which */
			snprintf(alloc, sizeof(alloc), "%+.2f (floor %.2f: %.60s)", med - fns, fns, inv->variants[fv].label);
		fprintf(out, "  %-*s  %-26s  %s\n", width, inv->variants[v].label, range, alloc);
	}
	fprintf(out, "\n  ns/op: 1e9 / ops/s of each run, median.  alloc ns/op: a variant's median ns/op minus the\n"
		     "  floor's median (the floor allocator of the same invocation): the cost above the cheapest\n"
		     "  allocator we can write, not above zero-cost allocation (README, \"The floor allocator\")\n");
}

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

/* hyperfine's closing lines, one per variant against the baseline (the
 * first): "hakmem ran 1.23 ± 0.05 times faster than glibc", from the means
 * (ops/s, or wall time with --cmd). */
void summary_print_faster(const struct invocation *inv, FILE *out)
{
	if (inv->n_variants < 2)
		return;
	fprintf(out, "\n");
	for (int v = 1; v < inv->n_variants; v++) {
		double sd, r = summary_speed_ratio(inv, v, &sd);
		const char *me = inv->variants[v].label, *base = inv->variants[0].label;
		char pm[40] = "";
		if (isnan(r)) {
			fprintf(out, "  %s vs %s: no comparison (no successful run of one of them)\n", me, base);
			continue;
		}
		bool faster = r >= 1;
		if (!faster) {          /* 1/r, with the same relative error */
			sd = sd / (r * r);
			r = 1 / r;
		}
		if (isnan(sd))
			snprintf(pm, sizeof(pm), " (\u00b1 needs 2 runs)");
		else
			snprintf(pm, sizeof(pm), " \u00b1 %.2f", sd);
		fprintf(out, "  %s ran %.2f%s times %s than %s\n", me, r, isnan(sd) ? "" : pm,
			faster ? "faster" : "slower", base);
		if (isnan(sd))
			fprintf(out, "  %*s%s\n", (int)strlen(me), "", pm);
	}
}

/* One variant's row: median [min .. max], ratio, RSS, faults, CPU. */
/* "45.40M ± 1.20M" (or "± -" for one run), padded to width columns: "±"
 * is two bytes but one column. */
static void print_mean_sd(const struct invocation *inv, int v, int ok, FILE *out)
{
	size_t off = speed_field(inv);
	double mean, sd;
	char a[32], b[32], text[96];
	variant_mean_sd(inv, v, get_field, &off, &mean, &sd);
	if (ok == 0)
		snprintf(text, sizeof(text), "-");
	else if (!inv->opts->cmd)
		snprintf(text, sizeof(text), "%.30s \u00b1 %.30s", si(mean, a, 32), isnan(sd) ? "-" : si(sd, b, 32));
	else if (isnan(sd))
		snprintf(text, sizeof(text), "%.3f \u00b1 -", mean);
	else
		snprintf(text, sizeof(text), "%.3f \u00b1 %.3f", mean, sd);
	fprintf(out, "  %-*s", ok == 0 ? 18 : 19, text);
}

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
	fprintf(out, "  %-*s  %-26s", width, inv->variants[v].label, range);
	print_mean_sd(inv, v, ok, out);
	if (ok == 0)
		fprintf(out, "  %-9s  %9s  %10s  %7s  %7s\n", ratio, "-", "-", "-", "-");
	else
		fprintf(out, "  %-9s  %5.1f MiB  %10.0f  %7.3f  %7.3f\n", ratio,
			stat_field(inv, v, FIELD(maxrss_kb), NULL, NULL) / 1024.0,
			stat_field(inv, v, FIELD(minflt), NULL, NULL), stat_field(inv, v, FIELD(user_s), NULL, NULL),
			stat_field(inv, v, FIELD(sys_s), NULL, NULL));
	if (failed)
		fprintf(out, "  %-*s  ^ %d of %d runs failed: %s\n", width, "", failed, ok + failed,
			first_error(inv, v));
}

/* Decimals for a row of figures: fixed-point, never an exponent (no
 * "1.664e+04" beside "2"), the same for every variant of one metric so the
 * points line up, enough for three significant digits of its smallest
 * non-zero value (at most 6). */
static int row_decimals(const double *x, int n)
{
	double smallest = INFINITY;
	for (int i = 0; i < n; i++)
		if (!isnan(x[i]) && x[i] != 0 && fabs(x[i]) < smallest)
			smallest = fabs(x[i]);
	if (isinf(smallest) || smallest >= 100)
		return smallest >= 1000 || isinf(smallest) ? 0 : 1;
	int d = 2 - (int)floor(log10(smallest));
	return d < 0 ? 0 : d > 6 ? 6 : d;
}

/* One metric's row: the median per variant, then its unit or the reason. */
static void print_metric(const struct invocation *inv, const char *name, int mw, FILE *out)
{
	const char *unit = "", *unsupported = NULL;
	int nv = inv->n_variants;
	double *med = calloc((size_t)(nv ? nv : 1), sizeof(*med));
	bool *na = calloc((size_t)(nv ? nv : 1), sizeof(*na));
	if (!med || !na) {
		free(med);
		free(na);
		return;
	}
	for (int v = 0; v < nv; v++) {
		const struct metric *m = metric_sample(inv, v, name);
		double lo, hi;
		variant_stat(inv, v, get_metric, name, &med[v], &lo, &hi);
		na[v] = m && m->status[0] && isnan(med[v]);
		if (na[v])
			unsupported = m->status;
		else if (m)
			unit = m->unit;
	}
	int dec = row_decimals(med, nv);
	fprintf(out, "  %-*s", mw, name);
	for (int v = 0; v < nv; v++) {
		if (na[v])
			fprintf(out, "  %16s", "n/a");
		else if (isnan(med[v]))
			fprintf(out, "  %16s", "-");
		else
			fprintf(out, "  %16.*f", dec, med[v]);
	}
	fprintf(out, "  %s\n", unsupported ? unsupported : unit);
	free(med);
	free(na);
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

	fprintf(out, "\n%s: %d run%s per variant after %d warm-up, interleaved; median [min .. max], mean \u00b1 \u03c3\n\n",
		o->cmd ? o->cmd : inv->name, o->runs, o->runs == 1 ? "" : "s", o->warmup);
	if (o->engine && strcmp(o->engine, "native") != 0)
		fprintf(out, "  NOTE: --engine=%s: every run is under valgrind, so ops/s and times below\n"
			     "  are valgrind's (%s times slower) and not comparable; compare the simulated\n"
			     "  %s in the metrics block.\n\n", o->engine,
			strcmp(o->engine, "tlb") == 0 ? "thousands of" : "tens of",
			strcmp(o->engine, "tlb") == 0 ? "TLB misses per 1K ops (per region)" : "instruction and miss counts");
	fprintf(out, "  %-*s  %-26s  %-20s  %-9s  %9s  %10s  %7s  %7s\n", width, "variant",
		has_ops ? "ops/s" : "wall time (s)", "mean \u00b1 \u03c3", has_ops ? "ratio" : "time ratio",
		"max RSS", "minor flt", "user s", "sys s");
	for (int v = 0; v < inv->n_variants; v++)
		print_variant(inv, v, width, &base, out);
	if (inv->n_variants > 1)
		fprintf(out, "\n  ratio: median of this variant / median of %s (%s is better)\n",
			inv->variants[0].label, has_ops ? "higher" : "lower");
	summary_print_faster(inv, out);
	summary_print_floor(inv, out);
	print_metrics(inv, out);
	if (o->counters)
		counters_stat_print(inv, NULL, out);
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

/* As stat_json, with the mean and standard deviation of the field. */
static void field_json(struct jbuf *b, const struct invocation *inv, int v, const char *key, size_t off)
{
	double med, lo, hi, mean, sd;
	variant_stat(inv, v, get_field, &off, &med, &lo, &hi);
	variant_mean_sd(inv, v, get_field, &off, &mean, &sd);
	jb_obj_begin(b, key);
	jb_num(b, "median", med);
	jb_num(b, "min", lo);
	jb_num(b, "max", hi);
	jb_num(b, "mean", mean);
	jb_num(b, "stddev", sd);
	jb_obj_end(b);
}

/* "ns_per_op" and "alloc_ns_per_op" (or the status why there is none). */
static void floor_json(struct jbuf *b, const struct invocation *inv, int v)
{
	double lo, hi, fns;
	int fv;
	double med = ns_per_op(inv, v, &lo, &hi, &fns, &fv);
	stat_json(b, "ns_per_op", med, lo, hi);
	jb_obj_begin(b, "alloc_ns_per_op");
	if (inv->opts->cmd)
		jb_str(b, "status", "not measurable: --cmd runs report no operations");
	else if (fv < 0)
		jb_str(b, "status", "no floor variant in this invocation (add --floor)");
	else if (fv == v)
		jb_str(b, "status", "this variant is the floor");
	else if (isnan(med) || isnan(fns))
		jb_str(b, "status", "no successful run of this variant or of the floor");
	else {
		jb_num(b, "median", med - fns);
		jb_str(b, "floor_variant", inv->variants[fv].label);
		jb_num(b, "floor_ns_per_op", fns);
	}
	jb_obj_end(b);
}

void summary_json_head(const struct invocation *inv, struct jbuf *b)
{
	jb_str(b, "workload", inv->name);
	jb_str(b, "cmd", inv->opts->cmd);
	jb_str(b, "invocation", inv->id);
	jb_str(b, "results_file", inv->out_path);
	jb_int(b, "runs", inv->opts->runs);
	jb_int(b, "warmup", inv->opts->warmup);
}

void summary_json(const struct invocation *inv, FILE *out)
{
	struct jbuf b;
	const char *names[METRICS_MAX];
	int nm = metric_names(inv, names, METRICS_MAX);
	double base = NAN;
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	summary_json_head(inv, &b);
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
		field_json(&b, inv, v, "ops_per_sec", FIELD(ops_per_sec));
		jb_num(&b, "ratio", base > 0 ? med / base : NAN);
		if (v > 0) {    /* the closing line's figures: mean speed / the baseline's */
			double sd, r = summary_speed_ratio(inv, v, &sd);
			jb_obj_begin(&b, "speed_vs_baseline");
			jb_num(&b, "ratio", r);
			jb_num(&b, "stddev", sd);
			jb_obj_end(&b);
		}
		floor_json(&b, inv, v);
		static const struct { const char *name; size_t off; } fields[] = {
			{ "wall_s", FIELD(wall_s) }, { "maxrss_kb", FIELD(maxrss_kb) }, { "minflt", FIELD(minflt) },
			{ "majflt", FIELD(majflt) }, { "user_s", FIELD(user_s) }, { "sys_s", FIELD(sys_s) },
			{ "nvcsw", FIELD(nvcsw) }, { "nivcsw", FIELD(nivcsw) },
		};
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++)
			field_json(&b, inv, v, fields[f].name, fields[f].off);
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
