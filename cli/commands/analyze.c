/* analyze.c - `harness analyze WORKLOAD [--alloc=A[,PEER...]]`: the seed
 * report's TLB/THP/prefault analysis as one command.
 *
 * The matrix: the subject allocator with its defaults (the baseline), then
 * each knob its registry row lists as an analyze axis (for the project's
 * allocator: THP, prefault, release policy) moved away from its default
 * one at a time -
 * or, with --factorial, every combination; then the peer allocators that
 * are installed.  Knob values and defaults come from the row's knob table
 * (embedded at build time).  Counters, probes and the RSS sampler are on
 * unless the command line says otherwise; collectors that cannot measure
 * something here record it as unavailable.  All runs go into one results
 * file, interleaved and shuffled.  Then, unless --no-cachegrind, one run
 * per variant under --engine=cachegrind appends to the same file: its
 * per-object instruction split is what the report's controllability table
 * needs to tell allocator time from workload time (a separate invocation,
 * engine "cachegrind"; the report never mixes its figures with native
 * ones).  Then scripts/report.py writes the report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "engine.h"
#include "interrupt.h"
#include "knobs.h"
#include "outpaths.h"
#include "scripts.h"
#include "calibration.h"
#include "variant.h"

#define AXES_MAX 8
#define VARIANTS_MAX 56

struct analyze_args {
	int factorial, cachegrind;
	const char *report_dir;
	const char *margin;        /* --margin PCT, checked; NULL = the scripts' default */
};

/* The subject: the first --alloc, or the registry's default subject. */
static const struct allocator_row *subject_row(const struct run_opts *o)
{
	if (o->n_allocs > 0)
		return allocator_row_find(o->allocs[0]);
	for (int i = 0; i < allocator_count; i++)
		if (allocator_table[i].analyze_default)
			return &allocator_table[i];
	return NULL;
}

/* The row's analyze axes, values and defaults from its knob table. */
static int load_axes(const struct allocator_row *row, struct vary *axes)
{
	struct knob k[KNOBS_MAX];
	int n = knobs_parse(row->knobs, k, KNOBS_MAX), na = 0;
	for (; row->analyze_axes[na] && na < AXES_MAX; na++) {
		struct vary *a = &axes[na];
		const struct knob *kn = knob_find(k, n, row->analyze_axes[na]);
		memset(a, 0, sizeof(*a));
		snprintf(a->name, sizeof(a->name), "%s", row->analyze_axes[na]);
		a->n = kn ? knob_values(kn, a->values, VARY_VALUES_MAX) : -1;
		a->base = -1;
		for (int v = 0; kn && v < a->n; v++)
			if (strcmp(a->values[v], kn->def) == 0)
				a->base = v;
		if (a->base < 0 || a->n < 2) {
			fprintf(stderr, "harness analyze: %s: %s; fix %s\n", a->name,
				!kn ? "not in the knob table" : a->n < 2 ? "no list of at least two values"
				: "the default is not among its values", row->knobs_source);
			return -1;
		}
	}
	return na;
}

/* The subject's variants: its knob settings over the axes. */
static int subject_variants(const struct run_opts *o, const struct allocator_row *row, const struct vary *axes,
			    int na, const struct analyze_args *a, struct variant **vs, int *n)
{
	struct variant base;
	char err[512];
	memset(&base, 0, sizeof(base));
	if (allocator_resolve(row->name, &base.alloc, err, sizeof(err)) < 0 || !base.alloc.installed) {
		fprintf(stderr, "harness analyze: %s\n", base.alloc.installed ? err : base.alloc.why_missing);
		return -1;
	}
	base.threads = o->n_threads ? o->threads[0] : 0;
	snprintf(base.label, sizeof(base.label), "%s", row->name);
	if (variants_vary(&base, 1, axes, na, a->factorial ? VARY_FACTORIAL : VARY_ONE_AT_A_TIME, true,
			  VARIANTS_MAX, vs, n, err, sizeof(err)) < 0) {
		fprintf(stderr, "harness analyze: %s\n", err);
		return -1;
	}
	return 0;
}

/* The peers: --alloc after the subject, or every other known allocator;
 * those not installed are skipped with a line saying so. */
static int add_peers(const struct run_opts *o, const struct allocator_row *row, struct variant **vs, int *n)
{
	struct run_opts po = *o;
	po.n_envs = 0;
	if (o->n_allocs > 1) {
		memmove(po.allocs, o->allocs + 1, sizeof(po.allocs[0]) * (size_t)(o->n_allocs - 1));
		po.n_allocs = o->n_allocs - 1;
	} else {
		po.n_allocs = 0;
		for (int i = 0; i < allocator_count; i++)
			if (&allocator_table[i] != row && !allocator_table[i].instrument)
				po.allocs[po.n_allocs++] = allocator_table[i].name;
	}
	if (po.n_allocs == 0)
		return 0;
	po.n_threads = 0;
	struct variant *peers = NULL;
	int np = 0;
	if (variants_from_opts(&po, true, &peers, &np) < 0)
		return -1;
	for (int i = 0; i < np; i++)
		peers[i].threads = o->n_threads ? o->threads[0] : 0;
	int rc = variants_append(vs, n, peers, np);
	variants_free(peers, np);
	return rc;
}

static void usage(FILE *out, const struct opt_extra *extra)
{
	const struct allocator_row *def = subject_row(&(struct run_opts){ 0 });
	char axes[256] = "";
	for (int i = 0; def && def->analyze_axes && def->analyze_axes[i]; i++)
		snprintf(axes + strlen(axes), sizeof(axes) - strlen(axes), "%s%s", i ? ", " : "", def->analyze_axes[i]);
	fprintf(out,
		"usage: harness analyze WORKLOAD [--alloc=A[,PEER...]] [--runs N] [--factorial]\n"
		"                       [--no-cachegrind] [--report-dir DIR] [options] [-- WORKLOAD_ARGS...]\n\n"
		"The TLB/THP/prefault analysis of the seed report as one command.  Runs, in\n"
		"one interleaved and shuffled invocation: allocator A with its defaults (the\n"
		"baseline); each OS-policy knob of its registry row's analyze axes moved from\n"
		"its default (for %s: %s; values and defaults\n"
		"from %s) - one at a time, or every\n"
		"combination with --factorial; and the peer allocators that are installed.\n",
		def ? def->name : "-", axes, def ? def->knobs_source : "-");
	fprintf(out,
		"Counters (--counters), probes (--probes=all; --probes=none: off) and the\n"
		"RSS sampler (--sample-ms 20) are on unless given otherwise.  Then one run\n"
		"per variant under --engine=cachegrind (same workload arguments, no warm-up) records\n"
		"how the timed region's instructions split between allocator, libc,\n"
		"workload and other code.  Then writes the report: knob verdicts with CIs,\n"
		"the controllability table (user vs kernel time, faults x cost per fault,\n"
		"allocator share of instructions, Amdahl ceiling), plots, key discoveries.\n\n"
		"--alloc=A,P...: A is the allocator whose knobs are varied (default: the\n"
		"registry's default subject; any allocator with analyze axes in its row),\n"
		"P the peers to compare (default: every other known allocator installed);\n"
		"--runs: counted runs per variant (default 5).\n\n");
	options_usage(out, extra);
	fprintf(out,
		"\nEXAMPLES\n"
		"  ./harness analyze random_mixed --alloc=hakmem\n"
		"  ./harness analyze random_mixed --alloc=hakmem,mimalloc --runs 10 --factorial\n"
		"  ./harness analyze random_mixed --runs 3 --warmup 0 -- --cycles 20000\n"
		"  ./harness analyze random_mixed --alloc=hakmem --runs 10 --margin 5\n");
}

static const struct opt_row analyze_rows[] = {
	{ "factorial", 0, no_argument, "", "every knob combination instead of one knob at a time" },
	{ "no-cachegrind", 0, no_argument, "", "skip the cachegrind pass (faster; the report then has no\n"
	  "instruction split and no Amdahl ceiling)" },
	{ "report-dir", 0, required_argument, " DIR", "where the report goes (default reports/<date>-WORKLOAD-analyze/)" },
	{ "margin", 0, required_argument, " PCT", "equivalence margin of the verdicts, in percent (default 2)" },
};

static int analyze_option(void *ctx, int index, const char *value)
{
	struct analyze_args *a = ctx;
	switch (index) {
	case 0: a->factorial = 1; break;
	case 1: a->cachegrind = 0; break;
	case 2: a->report_dir = value; break;
	default:
		a->margin = value;
		return reports_margin_check("analyze", value);
	}
	return 0;
}

static int check_opts(const struct run_opts *o, const struct allocator_row *row)
{
	if (!row || !row->analyze_axes || !row->knobs) {
		fprintf(stderr, "harness analyze: %s has no knobs for the analysis to vary (no analyze axes in its "
			"registry row): start --alloc with one that has, or use `harness ab`\n",
			o->n_allocs ? o->allocs[0] : "the default allocator");
		return -1;
	}
	if (o->n_threads > 1) {
		fprintf(stderr, "harness analyze: give at most one --threads value (the matrix is already large)\n");
		return -1;
	}
	if (o->n_envs > 0) {
		fprintf(stderr, "harness analyze: --env is applied by `harness ab`; analyze sets the knobs itself\n");
		return -1;
	}
	return 0;
}

/* The instruction split: one simulated run per variant, into the same
 * file.  No counters, probes or sampler: under valgrind they would
 * measure valgrind.  Appends the pass's invocation id to ids. */
static void cachegrind_pass(const struct invocation *inv, char *ids, size_t idlen)
{
	struct run_opts so = *inv->opts;
	so.engine = "cachegrind";
	so.tlb_model = NULL;       /* --tlb belongs to --engine=tlb runs only */
	so.runs = 1;
	so.warmup = 0;
	so.counters = NULL;
	so.probes = NULL;
	so.require_probes = false;
	so.sample_ms = 0;
	so.alloc_stats = false;
	so.out_path = inv->out_path;
	struct invocation sim = *inv;
	sim.opts = &so;
	sim.runs = NULL;
	sim.n_runs = 0;
	sim.id[0] = '\0';
	sim.out_path[0] = '\0';
	fprintf(stderr, "harness analyze: instruction split: %d variants x 1 run under valgrind "
		"(--no-cachegrind skips this)\n", inv->n_variants);
	interrupt_stage("the cachegrind pass");
	int src = engine_run(&sim);
	interrupt_stage(NULL);
	if (src < 0 || !sim.id[0])
		fprintf(stderr, "harness analyze: warning: the cachegrind pass failed; the report has no "
			"instruction split\n");
	else
		snprintf(ids + strlen(ids), idlen - strlen(ids), ",%s", sim.id);
	invocation_free(&sim);
}

static int write_report(const struct invocation *inv, const char *ids, const char *report_dir, const char *margin)
{
	char name[256];
	snprintf(name, sizeof(name), "%s-analyze", inv->name);
	const char *args[12];
	int na = 0;
	args[na++] = inv->out_path;
	args[na++] = "--invocation";
	args[na++] = ids;
	args[na++] = "--baseline";
	args[na++] = inv->variants[0].label;
	args[na++] = "--name";
	args[na++] = name;
	if (report_dir) {
		args[na++] = "--out";
		args[na++] = report_dir;
	}
	if (margin) {
		args[na++] = "--margin";
		args[na++] = margin;
	}
	int rc = reports_run_script("report.py", args, na);
	printf("results: %s (invocation %s)\n", inv->out_path, inv->id);
	return rc;
}

static void announce(const struct invocation *inv, const struct vary *axes, int na)
{
	const struct run_opts *o = inv->opts;
	char base[512] = "";
	for (int i = 0; i < na; i++)
		snprintf(base + strlen(base), sizeof(base) - strlen(base), " %.63s=%.63s", axes[i].name,
			 axes[i].values[axes[i].base]);
	fprintf(stderr, "harness analyze: %d variants x %d runs (+%d warm-up), baseline: %s with%s\n",
		inv->n_variants, o->runs, o->warmup, inv->variants[0].label, base);
}

/* Measure everything that can be measured here, unless told otherwise. */
static void measure_all(struct run_opts *o)
{
	if (!o->counters)
		o->counters = "default";
	if (!o->probes && !o->probes_off)
		o->probes = "all";
	if (!o->sample_ms)
		o->sample_ms = 20;
	o->shuffle = true;
}

/* Where the records and the report go, checked before the calibration and
 * the runs: a bad path found at the end would waste the whole experiment. */
static int check_outputs(const struct run_opts *o, const struct analyze_args *a)
{
	char err[512];
	if (o->out_path && outpath_check_file(o->out_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "harness analyze: --out: %s (choose another file)\n", err);
		return -1;
	}
	if (a->report_dir && outpath_check_dir(a->report_dir, err, sizeof(err)) < 0) {
		fprintf(stderr, "harness analyze: --report-dir: %s (choose another directory)\n", err);
		return -1;
	}
	return 0;
}

static int run_analysis(struct run_opts *o, const char *target, const struct analyze_args *a)
{
	const struct allocator_row *row = subject_row(o);
	struct vary axes[AXES_MAX];
	int na;
	if (check_opts(o, row) < 0 || check_outputs(o, a) < 0 || (na = load_axes(row, axes)) < 0)
		return 2;
	struct invocation inv = { .opts = o, .experiment = "analyze", .name = target };
	if (subject_variants(o, row, axes, na, a, &inv.variants, &inv.n_variants) < 0)
		return 2;
	if (add_peers(o, row, &inv.variants, &inv.n_variants) < 0) {
		variants_free(inv.variants, inv.n_variants);
		return 2;
	}
	measure_all(o);
	if (calibration_ensure() < 0)   /* the report's costs; without it it says so */
		fprintf(stderr, "harness analyze: continuing without a calibration: cost-based figures will be "
				"\"not measurable here\"\n");
	announce(&inv, axes, na);
	bool pass = a->cachegrind && !(o->engine && strcmp(o->engine, "cachegrind") == 0);
	engine_progress_span((o->warmup + o->runs) * inv.n_variants + (pass ? inv.n_variants : 0));
	int rc = engine_run(&inv), status = rc < 0 ? 2 : rc;
	if (inv.stopped)
		rc = -1;             /* a failure in the first round (said): no pass, no report */
	char ids[140];
	snprintf(ids, sizeof(ids), "%s", inv.id);
	if (rc >= 0 && pass)
		cachegrind_pass(&inv, ids, sizeof(ids));
	engine_progress_span(0);
	if (rc >= 0 && write_report(&inv, ids, a->report_dir, a->margin) != 0)
		status = 2;
	invocation_free(&inv);
	variants_free(inv.variants, inv.n_variants);
	return status;
}

static int cmd_analyze(int argc, char **argv)
{
	static struct analyze_args a = { .cachegrind = 1 };
	struct opt_extra extra = { analyze_rows, sizeof(analyze_rows) / sizeof(analyze_rows[0]), analyze_option, &a };
	struct run_opts o;
	const char *pos[1];
	int npos;
	options_init(&o);
	int rc = options_parse(&o, argc, argv, "analyze", &extra, pos, 1, &npos);
	if (rc == 1) {
		usage(stdout, &extra);
		return 0;
	}
	if (rc < 0)
		return 2;
	const char *target = options_target(&o, "analyze", pos, npos);
	return target ? run_analysis(&o, target, &a) : 2;
}

const struct command command_analyze = {
	"analyze", cmd_analyze,
	"the TLB/THP/prefault analysis of a workload, then a report",
};
