/* export.c - hyperfine's --export-json, --export-csv and --export-markdown
 * for run and ab: the summary of an invocation, per variant, as a file
 * another program (or a document) takes in.  JSON carries every counted
 * run's figures, so a reader can recompute anything; CSV and Markdown one
 * row per variant.  Each file is written whole: to FILE.tmp, then renamed
 * over FILE, so a reader never sees half of one.  (The results file stays
 * the record of truth, append-only; an export is replaced on every run,
 * as hyperfine does.) */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "summary.h"

static double get_field(const struct run_summary *r, const void *arg)
{
	return *(const double *)((const char *)r + *(const size_t *)arg);
}

/* The figure that says how fast a variant was, as the summary table. */
static size_t speed_off(const struct invocation *inv, const char **unit)
{
	*unit = inv->opts->cmd ? "s" : "ops/s";
	return inv->opts->cmd ? offsetof(struct run_summary, wall_s) : offsetof(struct run_summary, ops_per_sec);
}

struct figures {
	int ok, failed;
	double mean, sd, median, min, max, ratio, ratio_sd, user, sys;
};

static struct figures figures_of(const struct invocation *inv, int v)
{
	struct figures f = { 0 };
	const char *unit;
	size_t off = speed_off(inv, &unit), uo = offsetof(struct run_summary, user_s),
	       so = offsetof(struct run_summary, sys_s);
	double sd;
	for (int i = 0; i < inv->n_runs; i++)
		if (inv->runs[i].variant == v)
			inv->runs[i].ok ? f.ok++ : f.failed++;
	variant_mean_sd(inv, v, get_field, &off, &f.mean, &f.sd);
	variant_stat(inv, v, get_field, &off, &f.median, &f.min, &f.max);
	variant_mean_sd(inv, v, get_field, &uo, &f.user, &sd);
	variant_mean_sd(inv, v, get_field, &so, &f.sys, &sd);
	f.ratio = v == 0 ? 1.0 : summary_speed_ratio(inv, v, &f.ratio_sd);
	if (v == 0)
		f.ratio_sd = NAN;
	return f;
}

/* ------------------------------------------------------------------ JSON */

static void run_json(struct jbuf *b, const struct run_summary *r)
{
	jb_obj_begin(b, NULL);
	jb_int(b, "run_index", r->run_index);
	jb_bool(b, "ok", r->ok);
	if (!r->ok)
		jb_str(b, "error", r->error);
	static const struct { const char *name; size_t off; } fields[] = {
		{ "ops", offsetof(struct run_summary, ops) },
		{ "ops_per_sec", offsetof(struct run_summary, ops_per_sec) },
		{ "seconds", offsetof(struct run_summary, seconds) },
		{ "wall_s", offsetof(struct run_summary, wall_s) },
		{ "user_s", offsetof(struct run_summary, user_s) },
		{ "sys_s", offsetof(struct run_summary, sys_s) },
		{ "maxrss_kb", offsetof(struct run_summary, maxrss_kb) },
		{ "minflt", offsetof(struct run_summary, minflt) },
		{ "majflt", offsetof(struct run_summary, majflt) },
		{ "nvcsw", offsetof(struct run_summary, nvcsw) },
		{ "nivcsw", offsetof(struct run_summary, nivcsw) },
	};
	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
		jb_num(b, fields[k].name, get_field(r, &fields[k].off));
	metrics_json(&r->metrics, b);
	jb_obj_end(b);
}

static int write_json(const struct invocation *inv, FILE *f)
{
	struct jbuf b;
	const char *unit;
	speed_off(inv, &unit);
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	summary_json_head(inv, &b);
	jb_str(&b, "unit", unit);
	jb_str(&b, "faster_is", inv->opts->cmd ? "lower" : "higher");
	jb_arr_begin(&b, "results");
	for (int v = 0; v < inv->n_variants; v++) {
		const struct variant *var = &inv->variants[v];
		struct figures fg = figures_of(inv, v);
		jb_obj_begin(&b, NULL);
		jb_str(&b, "variant", var->label);
		jb_str(&b, "alloc", var->alloc.name);
		jb_str(&b, "library", var->alloc.path);
		jb_int(&b, "threads", var->threads);
		jb_int(&b, "runs_ok", fg.ok);
		jb_int(&b, "runs_failed", fg.failed);
		jb_num(&b, "mean", fg.mean);
		jb_num(&b, "stddev", fg.sd);
		jb_num(&b, "median", fg.median);
		jb_num(&b, "min", fg.min);
		jb_num(&b, "max", fg.max);
		jb_num(&b, "user_s_mean", fg.user);
		jb_num(&b, "sys_s_mean", fg.sys);
		jb_obj_begin(&b, "speed_vs_baseline");
		jb_num(&b, "ratio", fg.ratio);
		jb_num(&b, "stddev", fg.ratio_sd);
		jb_obj_end(&b);
		jb_arr_begin(&b, "runs");
		for (int i = 0; i < inv->n_runs; i++)
			if (inv->runs[i].variant == v)
				run_json(&b, &inv->runs[i]);
		jb_arr_end(&b);
		jb_obj_end(&b);
	}
	jb_arr_end(&b);
	jb_obj_end(&b);
	int rc = fprintf(f, "%s\n", b.s ? b.s : "{}") < 0 ? -1 : 0;
	jb_free(&b);
	return rc;
}

/* ------------------------------------------------------------------- CSV */

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void csv_text(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\n\r")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_num(FILE *f, double x)
{
	if (isnan(x))
		fputs(",", f);          /* empty: not measured, never 0 */
	else
		fprintf(f, ",%.9g", x);
}

static int write_csv(const struct invocation *inv, FILE *f)
{
	const char *unit;
	speed_off(inv, &unit);
	fprintf(f, "variant,alloc,threads,unit,runs_ok,runs_failed,mean,stddev,median,min,max,"
		   "speed_vs_baseline,speed_vs_baseline_stddev,user_s_mean,sys_s_mean\n");
	for (int v = 0; v < inv->n_variants; v++) {
		struct figures fg = figures_of(inv, v);
		csv_text(f, inv->variants[v].label);
		fputc(',', f);
		csv_text(f, inv->variants[v].alloc.name);
		fprintf(f, ",%d,%s,%d,%d", inv->variants[v].threads, unit, fg.ok, fg.failed);
		double cols[] = { fg.mean, fg.sd, fg.median, fg.min, fg.max, fg.ratio, fg.ratio_sd, fg.user, fg.sys };
		for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
			csv_num(f, cols[k]);
		fputc('\n', f);
	}
	return ferror(f) ? -1 : 0;
}

/* -------------------------------------------------------------- Markdown */

static void md_num(FILE *f, double x)
{
	if (isnan(x))
		fputs(" - |", f);
	else if (fabs(x) >= 1e5)
		fprintf(f, " %.0f |", x);
	else
		fprintf(f, " %.4g |", x);
}

static int write_markdown(const struct invocation *inv, FILE *f)
{
	const char *unit;
	speed_off(inv, &unit);
	fprintf(f, "| Variant | Mean [%s] | Median [%s] | Min [%s] | Max [%s] | Relative speed |\n"
		   "|:---|---:|---:|---:|---:|---:|\n", unit, unit, unit, unit);
	for (int v = 0; v < inv->n_variants; v++) {
		struct figures fg = figures_of(inv, v);
		fprintf(f, "| `%s` |", inv->variants[v].label);
		if (fg.ok == 0) {
			fprintf(f, " all %d runs failed | - | - | - | - |\n", fg.failed);
			continue;
		}
		if (isnan(fg.sd))
			md_num(f, fg.mean);
		else if (fabs(fg.mean) >= 1e5)
			fprintf(f, " %.0f \u00b1 %.0f |", fg.mean, fg.sd);
		else
			fprintf(f, " %.4g \u00b1 %.2g |", fg.mean, fg.sd);
		md_num(f, fg.median);
		md_num(f, fg.min);
		md_num(f, fg.max);
		if (isnan(fg.ratio))
			fprintf(f, " - |\n");
		else if (isnan(fg.ratio_sd))
			fprintf(f, " %.2f |\n", fg.ratio);
		else
			fprintf(f, " %.2f \u00b1 %.2f |\n", fg.ratio, fg.ratio_sd);
	}
	fprintf(f, "\nRelative speed: mean %s of the variant / mean of `%s` (%s); %d counted run%s per variant.\n",
		unit, inv->variants[0].label, inv->opts->cmd ? "the inverse for times: > 1 is faster" : "> 1 is faster",
		inv->opts->runs, inv->opts->runs == 1 ? "" : "s");
	return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------- the files */

static int export_one(const struct invocation *inv, const char *path, const char *what,
		      int (*write)(const struct invocation *, FILE *))
{
	char tmp[4096];
	if (!path)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int rc = f ? write(inv, f) : -1;
	if (f && fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) == 0)
		return 0;
	fprintf(stderr, "harness: cannot write the %s export %s: %s\n", what, path, strerror(errno));
	if (f)
		remove(tmp);
	return -1;
}

int summary_export(const struct invocation *inv)
{
	const struct run_opts *o = inv->opts;
	int rc = 0;
	rc |= export_one(inv, o->export_json, "JSON", write_json);
	rc |= export_one(inv, o->export_csv, "CSV", write_csv);
	rc |= export_one(inv, o->export_markdown, "Markdown", write_markdown);
	return rc ? -1 : 0;
}
