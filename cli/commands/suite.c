/* suite.c - `harness suite [--alloc=A,B,...] [names...]`: the whole
 * workload suite (or the named workloads) across allocators, into one
 * results file.
 *
 * Each workload is one engine invocation (allocators interleaved run by
 * run, as in `harness run`), all sharing one invocation id and out_path,
 * recorded as experiment "suite".  Afterwards, per workload, the median
 * ops/s of each allocator relative to the best one (1.00 = best; 0.50 =
 * half the best's throughput), and per allocator the geometric mean of
 * those ratios over the workloads where it succeeded.
 *
 * Real-program workloads (registry field output_digest) report a digest of
 * their output: it must be the same for every run under every allocator.
 * A difference is flagged DIGEST MISMATCH (an allocator bug, or a
 * non-deterministic program) and makes the exit status 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "engine.h"
#include "interrupt.h"
#include "json.h"
#include "paths.h"
#include "summary.h"
#include "workloads.h"

#define SUITE_MAX_WORKLOADS 64
#define SUITE_DEFAULT_RUNS 3
#define DIGEST_LEN 80

static void usage(FILE *out)
{
	fprintf(out,
		"usage: harness suite --alloc=A[,B...] [options] [WORKLOAD...]\n\n"
		"Runs every workload of `harness list` (or the named ones) under each\n"
		"allocator, interleaved as in `harness run`, into ONE results file\n"
		"(experiment \"suite\").  Then prints, per workload, the median ops/s of\n"
		"each allocator relative to the best (1.00 = best, 0.50 = half as fast)\n"
		"and the geometric mean of those ratios per allocator.  Real-program\n"
		"workloads must produce the same output digest under every allocator:\n"
		"a difference is printed as DIGEST MISMATCH and the exit status is 1.\n"
		"Here --alloc defaults to glibc, --runs to %d, --out to\n"
		"results/<time>-suite.jsonl, --json prints the suite summary; a --threads\n"
		"sweep applies to the multi-threaded workloads, the others run once at\n"
		"their default.\n\n", SUITE_DEFAULT_RUNS);
	options_usage(out, NULL);
	fprintf(out,
		"\nEXAMPLES\n"
		"  ./harness suite --alloc=glibc,jemalloc,mimalloc,tcmalloc\n"
		"  ./harness suite --alloc=hakmem,mimalloc --runs 5 larson xthread latency\n"
		"  ./harness suite --alloc=glibc,hakmem real_python real_gcc real_sqlite real_perl\n"
		"  ./harness suite --alloc=glibc,jemalloc --threads 1,2 --sample-ms 10 --out /tmp/s.jsonl\n");
}

/* ------------------------------------------------------------ one workload */

struct wl_outcome {
	const struct workload *w;
	int n_variants;
	char (*labels)[160];
	double *median;          /* ops/s per variant; NAN when no run succeeded */
	double *ratio;           /* median / best */
	char (*digest)[DIGEST_LEN];   /* the one digest seen per variant */
	bool digest_mismatch;
	char mismatch[512];
	int failed_runs;
};

static double get_ops_per_sec(const struct run_summary *r, const void *arg)
{
	(void)arg;
	return r->ops_per_sec;
}

/* Every successful counted run's output_digest (the real program's own,
 * kept in memory by the engine) must be the same. */
static void check_digests(const struct invocation *inv, struct wl_outcome *wo)
{
	const char *first = NULL, *first_label = NULL;
	for (int i = 0; i < inv->n_runs; i++) {
		const struct run_summary *r = &inv->runs[i];
		const char *label = inv->variants[r->variant].label, *d = r->output_digest;
		if (!r->ok)
			continue;
		if (!d[0]) {
			snprintf(wo->mismatch, sizeof(wo->mismatch), "%s: a run reported no output_digest", label);
			wo->digest_mismatch = true;
			continue;
		}
		if (!wo->digest[r->variant][0])
			snprintf(wo->digest[r->variant], DIGEST_LEN, "%s", d);
		if (!first) {
			first = d;
			first_label = label;
		} else if (strcmp(first, d) != 0 && !wo->digest_mismatch) {
			snprintf(wo->mismatch, sizeof(wo->mismatch), "%s gave %s but %s gave %s", first_label, first, label, d);
			wo->digest_mismatch = true;
		}
	}
}

/* 0, 1 when the engine stopped at a failure in the first round, -1 on a
 * setup error. */
static int run_workload(const struct run_opts *base, const struct workload *w, const char *out_path,
			char *inv_id, size_t id_len, struct wl_outcome *wo)
{
	struct run_opts o = *base;
	if (!w->takes_threads)
		o.n_threads = 0;         /* a sweep applies to the multi-threaded ones only */
	o.workload = w->name;
	o.out_path = out_path;

	struct invocation inv;
	memset(&inv, 0, sizeof(inv));
	inv.opts = &o;
	inv.experiment = "suite";
	inv.name = w->name;
	snprintf(inv.id, sizeof(inv.id), "%s", inv_id);
	snprintf(inv.out_path, sizeof(inv.out_path), "%s", out_path);
	if (variants_from_opts(&o, false, &inv.variants, &inv.n_variants) < 0)
		return -1;
	static char stage[160];      /* what an interruption reports */
	snprintf(stage, sizeof(stage), "the suite's workload %s", w->name);
	interrupt_stage(stage);
	if (!o.quiet)
		fprintf(stderr, "suite: %s (%d variant%s x %d run%s)\n", w->name, inv.n_variants,
			inv.n_variants == 1 ? "" : "s", o.runs, o.runs == 1 ? "" : "s");
	int rc = engine_run(&inv);
	if (rc < 0 || inv.stopped) {       /* stopped: a first-round failure, said by the engine */
		invocation_free(&inv);
		variants_free(inv.variants, inv.n_variants);
		return rc < 0 ? -1 : 1;
	}
	if (!inv_id[0])
		snprintf(inv_id, id_len, "%s", inv.id);   /* the first invocation names the suite */

	wo->w = w;
	wo->n_variants = inv.n_variants;
	wo->labels = calloc((size_t)inv.n_variants, sizeof(*wo->labels));
	wo->median = calloc((size_t)inv.n_variants, sizeof(double));
	wo->ratio = calloc((size_t)inv.n_variants, sizeof(double));
	wo->digest = calloc((size_t)inv.n_variants, sizeof(*wo->digest));
	if (!wo->labels || !wo->median || !wo->ratio || !wo->digest) {
		fprintf(stderr, "harness suite: out of memory\n");
		exit(2);
	}
	double best = NAN;
	for (int v = 0; v < inv.n_variants; v++) {
		double med = NAN, lo, hi;
		snprintf(wo->labels[v], sizeof(wo->labels[v]), "%s", inv.variants[v].label);
		if (variant_stat(&inv, v, get_ops_per_sec, NULL, &med, &lo, &hi) == 0)
			med = NAN;
		wo->median[v] = med;
		if (isfinite(med) && (isnan(best) || med > best))
			best = med;
	}
	for (int v = 0; v < inv.n_variants; v++)
		wo->ratio[v] = isfinite(wo->median[v]) && best > 0 ? wo->median[v] / best : NAN;
	for (int i = 0; i < inv.n_runs; i++)
		wo->failed_runs += !inv.runs[i].ok;
	if (w->output_digest)
		check_digests(&inv, wo);
	invocation_free(&inv);
	variants_free(inv.variants, inv.n_variants);
	return 0;
}

/* ---------------------------------------------------------------- output */

static const char *fmt_rate(double x, char *buf, size_t n)
{
	if (!isfinite(x))
		snprintf(buf, n, "-");
	else if (x >= 1e6)
		snprintf(buf, n, "%.2fM", x / 1e6);
	else if (x >= 1e3)
		snprintf(buf, n, "%.2fK", x / 1e3);
	else
		snprintf(buf, n, "%.3g", x);
	return buf;
}

/* The columns: every variant label in order of first appearance (with a
 * --threads sweep the single-threaded workloads have fewer variants). */
#define SUITE_MAX_COLS 128

static int columns(const struct wl_outcome *wo, int nw, const char **cols)
{
	int n = 0;
	for (int i = 0; i < nw; i++)
		for (int v = 0; v < wo[i].n_variants; v++) {
			int k;
			for (k = 0; k < n; k++)
				if (strcmp(cols[k], wo[i].labels[v]) == 0)
					break;
			if (k == n && n < SUITE_MAX_COLS)
				cols[n++] = wo[i].labels[v];
		}
	return n;
}

static int variant_of(const struct wl_outcome *w, const char *label)
{
	for (int v = 0; v < w->n_variants; v++)
		if (strcmp(w->labels[v], label) == 0)
			return v;
	return -1;
}

/* Geometric mean of the finite ratios of one column; *n = how many
 * workloads had one, *of = how many had the column at all. */
static double geomean(const struct wl_outcome *wo, int nw, const char *label, int *n, int *of)
{
	double s = 0;
	*n = *of = 0;
	for (int i = 0; i < nw; i++) {
		int v = variant_of(&wo[i], label);
		if (v < 0)
			continue;
		(*of)++;
		if (isfinite(wo[i].ratio[v]) && wo[i].ratio[v] > 0) {
			s += log(wo[i].ratio[v]);
			(*n)++;
		}
	}
	return *n ? exp(s / *n) : NAN;
}

static void print_table(const struct wl_outcome *wo, int nw, const char *out_path, FILE *out)
{
	const char *cols[SUITE_MAX_COLS];
	int nc = columns(wo, nw, cols);
	char buf[32];
	fprintf(out, "\nsuite: median ops/s of each allocator relative to the best per workload (1.00 = best)\n\n");
	fprintf(out, "%-16s %11s", "workload", "best ops/s");
	for (int c = 0; c < nc; c++)
		fprintf(out, " %13.13s", cols[c]);
	fprintf(out, "\n");
	for (int i = 0; i < nw; i++) {
		double best = NAN;
		for (int v = 0; v < wo[i].n_variants; v++)
			if (isfinite(wo[i].median[v]) && (isnan(best) || wo[i].median[v] > best))
				best = wo[i].median[v];
		fprintf(out, "%-16s %11s", wo[i].w->name, fmt_rate(best, buf, sizeof(buf)));
		for (int c = 0; c < nc; c++) {
			int v = variant_of(&wo[i], cols[c]);
			if (v < 0)
				fprintf(out, " %13s", "");
			else if (isfinite(wo[i].ratio[v]))
				fprintf(out, " %13.2f", wo[i].ratio[v]);
			else
				fprintf(out, " %13s", "failed");
		}
		if (wo[i].digest_mismatch)
			fprintf(out, "  DIGEST MISMATCH");
		else if (wo[i].w->output_digest)
			fprintf(out, "  output identical");
		fprintf(out, "\n");
	}
	fprintf(out, "%-16s %11s", "geomean", "");
	for (int c = 0; c < nc; c++) {
		int n, of;
		double g = geomean(wo, nw, cols[c], &n, &of);
		char cell[32];
		if (n == 0)
			snprintf(cell, sizeof(cell), "-");
		else if (n < of)
			snprintf(cell, sizeof(cell), "%.2f (%d/%d)", g, n, of);
		else
			snprintf(cell, sizeof(cell), "%.2f", g);
		fprintf(out, " %13s", cell);
	}
	fprintf(out, "\n");
	for (int i = 0; i < nw; i++)
		if (wo[i].digest_mismatch)
			fprintf(out, "DIGEST MISMATCH in %s: %s (an allocator bug or a non-deterministic program)\n",
				wo[i].w->name, wo[i].mismatch);
	for (int i = 0; i < nw; i++)
		if (wo[i].failed_runs)
			fprintf(out, "%s: %d run%s failed (see the records' \"error\")\n", wo[i].w->name,
				wo[i].failed_runs, wo[i].failed_runs == 1 ? "" : "s");
	fprintf(out, "\nrecords: %s\n", out_path);
}

static void print_json(const struct wl_outcome *wo, int nw, const char *out_path, const char *id, FILE *out)
{
	const char *cols[SUITE_MAX_COLS];
	int nc = columns(wo, nw, cols);
	struct jbuf b;
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	jb_str(&b, "experiment", "suite");
	jb_str(&b, "invocation", id);
	jb_str(&b, "out", out_path);
	jb_arr_begin(&b, "workloads");
	for (int i = 0; i < nw; i++) {
		jb_obj_begin(&b, NULL);
		jb_str(&b, "workload", wo[i].w->name);
		jb_int(&b, "failed_runs", wo[i].failed_runs);
		if (wo[i].w->output_digest) {
			jb_bool(&b, "digest_mismatch", wo[i].digest_mismatch);
			if (wo[i].digest_mismatch)
				jb_str(&b, "mismatch", wo[i].mismatch);
		}
		jb_arr_begin(&b, "variants");
		for (int v = 0; v < wo[i].n_variants; v++) {
			jb_obj_begin(&b, NULL);
			jb_str(&b, "variant", wo[i].labels[v]);
			jb_num(&b, "median_ops_per_sec", wo[i].median[v]);   /* NaN -> null */
			jb_num(&b, "ratio_to_best", wo[i].ratio[v]);
			if (wo[i].w->output_digest)
				jb_str(&b, "output_digest", wo[i].digest[v][0] ? wo[i].digest[v] : NULL);
			jb_obj_end(&b);
		}
		jb_arr_end(&b);
		jb_obj_end(&b);
	}
	jb_arr_end(&b);
	jb_obj_begin(&b, "geomean_ratio");
	for (int c = 0; c < nc; c++) {
		int n, of;
		jb_num(&b, cols[c], geomean(wo, nw, cols[c], &n, &of));
	}
	jb_obj_end(&b);
	jb_obj_end(&b);
	fprintf(out, "%s\n", b.s ? b.s : "{}");
	jb_free(&b);
}

/* ------------------------------------------------------------------ main */

static int check_request(struct run_opts *o)
{
	if (o->cmd) {
		fprintf(stderr, "harness suite: --cmd measures one program; use `harness run --cmd ...` for it\n");
		return -1;
	}
	if (o->n_workload_args) {
		fprintf(stderr, "harness suite: arguments after -- would go to every workload; run one workload with `harness run NAME -- ARGS`\n");
		return -1;
	}
	if (o->n_allocs == 0) {
		o->allocs[0] = "glibc";
		o->n_allocs = 1;
	}
	return 0;
}

/* The named workloads, or every one in the registry. */
static int workload_list(const char **pos, int npos, const struct workload **list)
{
	int nw = 0;
	for (int i = 0; npos == 0 && i < workload_count && nw < SUITE_MAX_WORKLOADS; i++)
		list[nw++] = &workload_table[i];
	for (int i = 0; i < npos; i++) {
		const struct workload *w = workload_find(pos[i]);
		if (!w) {
			fprintf(stderr, "harness suite: unknown workload '%s' (see `harness list`)\n", pos[i]);
			return -1;
		}
		list[nw++] = w;
	}
	return nw;
}

/* Every run the suite will make (warm-up included), for one progress
 * count and ETA over all its workloads. */
static int suite_runs(const struct run_opts *base, const struct workload **list, int nw)
{
	int total = 0;
	for (int i = 0; i < nw; i++) {
		struct run_opts o = *base;
		struct variant *v = NULL;
		int nv = 0;
		if (!list[i]->takes_threads)
			o.n_threads = 0;         /* as run_workload */
		o.workload = list[i]->name;
		if (variants_from_opts(&o, false, &v, &nv) < 0)
			return 0;                /* said again, and stopped at, by run_workload */
		total += (o.warmup + o.runs) * nv;
		variants_free(v, nv);
	}
	return total;
}

/* Every workload in turn; the exit status (2 stops at a setup error, 1 at
 * a failure in a workload's first round unless -i: the table then covers
 * the workloads before it). */
static int run_all(const struct run_opts *o, const struct workload **list, int nw, const char *out_path,
		   struct wl_outcome *wo, int *done)
{
	char inv_id[64] = "";
	int status = 0;
	for (*done = 0; *done < nw; (*done)++) {
		int rc = run_workload(o, list[*done], out_path, inv_id, sizeof(inv_id), &wo[*done]);
		if (rc != 0) {
			status = rc < 0 ? 2 : 1; /* a setup error, or a first-round failure (message printed): stop */
			break;
		}
		if (wo[*done].failed_runs || wo[*done].digest_mismatch)
			status = 1;
	}
	if (*done) {
		if (o->json)
			print_json(wo, *done, out_path, inv_id, stdout);
		else
			print_table(wo, *done, out_path, stdout);
	}
	return status;
}

static int cmd_suite(int argc, char **argv)
{
	struct run_opts o;
	const char *pos[SUITE_MAX_WORKLOADS];
	const struct workload *list[SUITE_MAX_WORKLOADS];
	int npos = 0, nw, done = 0;
	options_init(&o);
	o.runs = SUITE_DEFAULT_RUNS;    /* the suite's own default; --runs overrides it */
	int rc = options_parse(&o, argc, argv, "suite", NULL, pos, SUITE_MAX_WORKLOADS, &npos);
	if (rc == 1) {
		usage(stdout);
		return 0;
	}
	if (rc < 0 || check_request(&o) < 0 || (nw = workload_list(pos, npos, list)) < 0)
		return 2;
	char out_path[4096];
	if (o.out_path)
		snprintf(out_path, sizeof(out_path), "%s", o.out_path);
	else if (results_default_path("suite", out_path, sizeof(out_path)) < 0)
		return 2;
	struct wl_outcome *wo = calloc((size_t)nw + 1, sizeof(*wo));
	if (!wo) {
		fprintf(stderr, "harness suite: out of memory\n");
		return 2;
	}
	engine_progress_span(suite_runs(&o, list, nw));
	int status = run_all(&o, list, nw, out_path, wo, &done);
	engine_progress_span(0);
	for (int i = 0; i < done; i++) {
		free(wo[i].labels);
		free(wo[i].median);
		free(wo[i].ratio);
		free(wo[i].digest);
	}
	free(wo);
	return status;
}

const struct command command_suite = {
	"suite", cmd_suite,
	"run the whole workload suite across allocators",
};
