/* ab.c - `harness ab WORKLOAD --alloc=A [--vary NAME=v1,v2,...]...`:
 * an A/B experiment.
 *
 * Variants are every combination of the --vary values (a full factorial
 * over several --vary), for each allocator given; with no --vary, the
 * allocators themselves are the variants.  The first combination is the
 * baseline.  Rounds are interleaved and randomised in order (opts.shuffle)
 * with warm-up, all into one results file; scripts/ab.py then prints, for
 * every variant against the baseline, the ratio, its CI and a verdict
 * (faster/slower, equivalent within --margin, inconclusive), for
 * throughput and every other figure recorded.  --aa runs the one variant
 * twice under two labels and prints the observed false-claim rate instead
 * (scripts/aa.py).
 *
 * Knob names and values are checked against the knob table of each
 * allocator's registry row (allocators.c); an allocator without a table
 * cannot be checked, so it only warns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctype.h>

#include "commands.h"
#include "engine.h"
#include "knobs.h"
#include "scripts.h"
#include "summary.h"
#include "variant.h"

/* -------------------------------------------------------------- --vary */

#define VARY_MAX 8
#define COMBOS_MAX 64

/* "NAME=v1,v2,...": at least two values (an A/B needs two sides). */
static int parse_vary(char *s, struct vary *v)
{
	char *eq = strchr(s, '=');
	if (!eq || eq == s || !eq[1]) {
		fprintf(stderr, "harness ab: --vary needs NAME=v1,v2[,...], got '%s'\n", s);
		return -1;
	}
	*eq = '\0';
	snprintf(v->name, sizeof(v->name), "%.63s", s);
	v->n = 0;
	v->base = 0;           /* the first value is the baseline's */
	for (char *tok = eq + 1;;) {
		char *comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		if (!*tok) {
			fprintf(stderr, "harness ab: --vary %s has an empty value in its list\n", v->name);
			return -1;
		}
		if (v->n >= VARY_VALUES_MAX) {
			fprintf(stderr, "harness ab: --vary %s lists too many values (at most %d)\n", v->name, VARY_VALUES_MAX);
			return -1;
		}
		snprintf(v->values[v->n++], sizeof(v->values[0]), "%s", tok);
		if (!comma)
			break;
		tok = comma + 1;
	}
	if (v->n < 2) {
		fprintf(stderr, "harness ab: --vary %s needs at least two values to compare, e.g. %s=0,1\n", v->name, v->name);
		return -1;
	}
	for (int i = 0; i < v->n; i++)
		for (int j = i + 1; j < v->n; j++)
			if (strcmp(v->values[i], v->values[j]) == 0) {
				fprintf(stderr, "harness ab: --vary %s lists '%s' twice; give each value once "
					"(for an A/A comparison use --aa)\n", v->name, v->values[i]);
				return -1;
			}
	return 0;
}

struct ab_args {
	struct vary vs[VARY_MAX];
	int nv, all, report, aa;
	const char *margin;        /* --margin PCT, checked; NULL = the scripts' default */
};

static const struct opt_row ab_rows[] = {
	{ "vary", 0, required_argument, " NAME=V1,V2", "knob and its values; repeat for a factorial (an allocator's\n"
	  "own knobs are checked against its knob table: `harness list`)" },
	{ "all", 0, no_argument, "", "print every figure's verdict, not only those with an effect" },
	{ "report", 0, no_argument, "", "also write a full report (reports/<date>-WORKLOAD-ab/)" },
	{ "margin", 0, required_argument, " PCT", "equivalence margin of the verdicts, in percent (default 2)" },
	{ "aa", 0, no_argument, "", "A/A calibration: the one variant twice, as A and B, interleaved;\n"
	  "prints the observed false-claim rate (scripts/aa.py)" },
};

/* --vary NAME=v1,v2: one knob, given once. */
static int add_vary(struct ab_args *a, const char *val)
{
	char buf[1024];
	if (a->nv >= VARY_MAX) {
		fprintf(stderr, "harness ab: too many --vary (at most %d)\n", VARY_MAX);
		return -1;
	}
	for (int k = 0; k < a->nv; k++)
		if (strncmp(a->vs[k].name, val, strlen(a->vs[k].name)) == 0 && val[strlen(a->vs[k].name)] == '=') {
			fprintf(stderr, "harness ab: --vary %s is given twice; list all its values in one --vary\n", a->vs[k].name);
			return -1;
		}
	snprintf(buf, sizeof(buf), "%s", val);
	return parse_vary(buf, &a->vs[a->nv++]);
}

static int ab_option(void *ctx, int index, const char *value)
{
	struct ab_args *a = ctx;
	switch (index) {
	case 0: return add_vary(a, value);
	case 1: a->all = 1; return 0;
	case 2: a->report = 1; return 0;
	case 3:
		a->margin = value;
		return reports_margin_check("ab", value);
	default: a->aa = 1; return 0;
	}
}

/* One allocator's view of the varied knobs: its table (when its registry
 * row has one) must know each knob that no other allocator in --alloc
 * owns, and accept its values; without a table it can only warn. */
static int check_one(const struct allocator_row *row, const char *spec, const struct vary *vs, int nv,
		     const struct knob *all, int nall)
{
	struct knob k[KNOBS_MAX];
	int n = row && row->knobs ? knobs_parse(row->knobs, k, KNOBS_MAX) : -1;
	for (int v = 0; v < nv; v++) {
		const struct knob *kn = n >= 0 ? knob_find(k, n, vs[v].name) : NULL;
		if (n < 0) {
			fprintf(stderr, "harness ab: warning: the harness cannot check that %s means anything to %s "
				"(it has no knob table); a knob it ignores will show no effect\n", vs[v].name, spec);
			continue;
		}
		if (!kn && !knob_find(all, nall, vs[v].name)) {
			char upper[64];
			size_t i;
			for (i = 0; row->name[i] && i < sizeof(upper) - 1; i++)
				upper[i] = (char)toupper((unsigned char)row->name[i]);
			upper[i] = '\0';
			fprintf(stderr, "harness ab: %s has no knob '%s'; the knobs it knows (%s):\n", upper, vs[v].name,
				row->knobs_source);
			knobs_print(stderr, k, n);
			return -1;
		}
		if (!kn) {
			fprintf(stderr, "harness ab: warning: %s is not a knob of %s: it shows no effect there\n",
				vs[v].name, spec);
			continue;
		}
		for (int j = 0; j < vs[v].n; j++)
			if (!knob_value_ok(kn, vs[v].values[j])) {
				fprintf(stderr, "harness ab: %s does not accept '%s'; it accepts %s\n",
					kn->name, vs[v].values[j], kn->accepted);
				return -1;
			}
	}
	return 0;
}

/* Every knob of every allocator in --alloc that has a table. */
static int owned_knobs(const struct run_opts *o, struct knob *all, int max)
{
	int n = 0;
	for (int i = 0; i < o->n_allocs; i++) {
		const struct allocator_row *row = allocator_row_find(o->allocs[i]);
		if (row && row->knobs)
			n += knobs_parse(row->knobs, all + n, max - n);
	}
	return n;
}

static int check_knobs(const struct run_opts *o, const struct vary *vs, int nv)
{
	static struct knob all[KNOBS_MAX * 8];
	int nall = owned_knobs(o, all, KNOBS_MAX * 8);
	for (int i = 0; nv && i < o->n_allocs; i++)
		if (check_one(allocator_row_find(o->allocs[i]), o->allocs[i], vs, nv, all, nall) < 0)
			return -1;
	return 0;
}

static void usage(FILE *out, const struct opt_extra *extra)
{
	fprintf(out,
		"usage: harness ab WORKLOAD --alloc=A[,B...] [--vary NAME=v1,v2[,...]]... [options] [-- WORKLOAD_ARGS...]\n\n"
		"An A/B experiment: one variant per combination of the --vary values (a full\n"
		"factorial over several --vary), for each allocator; with no --vary the\n"
		"allocators are the variants.  The first combination is the baseline.  Runs\n"
		"are interleaved, the order inside each round randomised, after --warmup\n"
		"uncounted rounds.  Then, for every variant against the baseline and for\n"
		"every figure recorded (throughput, rusage, counters, probes, RSS), paired\n"
		"over the rounds, corrected over every comparison (scripts/ab.py): the ratio,\n"
		"its 95%% CI and one verdict: faster/slower (more/fewer, higher/lower) by X%%\n"
		"when the CI excludes 0, equivalent when it lies within +-PCT (--margin,\n"
		"default 2), else inconclusive with the runs it would take.  --runs: 5\n"
		"by default, 10 for small effects; --seed sets the round order.  Two\n"
		"builds of one library whose malloc or free start at different offsets in\n"
		"a 64-byte line get a placement note: the verdict includes that too.\n"
		"For a 1%% difference between builds of one allocator, the bench\n"
		"build/workloads/inprocess_ab interleaves them inside one process (README,\n"
		"\"In-process A/B\").\n\n");
	options_usage(out, extra);
	fprintf(out,
		"\nEXAMPLES\n"
		"  ./harness ab random_mixed --alloc=hakmem --vary HAKMEM_PREFAULT=0,1 --runs 10\n"
		"  ./harness ab random_mixed --alloc=hakmem --vary HAKMEM_THP=0,1 --vary HAKMEM_PREFAULT=0,1 --probes\n"
		"  ./harness ab random_mixed --alloc=hakmem,mimalloc --runs 10 --margin 5\n"
		"  ./harness ab random_mixed --alloc=hakmem --aa --runs 10      # A/A: the false-claim rate\n"
		"  ./harness ab tiny_hot --alloc=hakmem --vary HAKMEM_RELEASE=dontneed,free,keep -- --iterations 1000000\n");
}

/* The checks that need no run: one line and -1 when the request is bad. */
static int check_request(const struct run_opts *o, const struct ab_args *a)
{
	if (o->json) {
		fprintf(stderr, "harness ab: --json is not supported here; the records are JSON already (see --out)\n");
		return -1;
	}
	if (o->n_allocs == 0) {
		fprintf(stderr, "harness ab: name the allocator with --alloc=A (or several for an allocator A/B)\n");
		return -1;
	}
	if (a->aa && (a->nv || o->n_allocs != 1 || o->n_threads > 1)) {
		fprintf(stderr, "harness ab: --aa compares one setting with itself: give one allocator, no --vary and "
			"at most one --threads\n");
		return -1;
	}
	if (!a->aa && a->nv == 0 && o->n_allocs < 2 && o->n_threads < 2) {
		fprintf(stderr, "harness ab: nothing to compare: give --vary NAME=v1,v2 or two or more allocators in --alloc\n");
		return -1;
	}
	/* Knob names first: a typo is reported even before the allocator is built. */
	return check_knobs(o, a->vs, a->nv);
}

/* --aa: the one variant twice, labelled "LABEL A" and "LABEL B": the same
 * allocator and knobs, so scripts/aa.py pairs them as an A/A comparison. */
static int aa_variants(struct variant *base, struct invocation *inv)
{
	if (variants_append(&inv->variants, &inv->n_variants, base, 1) < 0 ||
	    variants_append(&inv->variants, &inv->n_variants, base, 1) < 0) {
		fprintf(stderr, "harness ab: out of memory\n");
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		char *l = inv->variants[i].label;
		snprintf(l + strlen(l), sizeof(inv->variants[i].label) - strlen(l), " %c", i ? 'B' : 'A');
	}
	return 0;
}

/* The allocators x every combination of the --vary values. */
static int build_variants(const struct run_opts *o, const struct ab_args *a, struct invocation *inv)
{
	struct variant *base = NULL;
	int nbase = 0;
	char err[256];
	if (variants_from_opts(o, false, &base, &nbase) < 0)
		return -1;
	if (a->aa) {
		int rc = aa_variants(base, inv);
		variants_free(base, nbase);
		return rc;
	}
	int rc = variants_vary(base, nbase, a->vs, a->nv, VARY_FACTORIAL, false, COMBOS_MAX * nbase,
			       &inv->variants, &inv->n_variants, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "harness ab: %s\n", err);
	variants_free(base, nbase);
	return rc;
}

/* scripts/ab.py prints the verdicts; report.py the full report. */
static int verdicts(const struct invocation *inv, const struct ab_args *a)
{
	const char *args[10];
	int na = 0, status = 0;
	args[na++] = inv->out_path;
	args[na++] = "--invocation";
	args[na++] = inv->id;
	args[na++] = "--baseline";
	args[na++] = inv->variants[0].label;
	if (a->all)
		args[na++] = "--all";
	if (a->aa)
		args[na++] = "--aa";
	if (a->margin) {
		args[na++] = "--margin";
		args[na++] = a->margin;
	}
	if (reports_run_script("ab.py", args, na) != 0)
		status = 2;
	summary_print_faster(inv, stdout);      /* hyperfine's "ran 1.23 ± 0.05 times faster" */
	printf("\nresults: %s (invocation %s)\n", inv->out_path, inv->id);
	if (!a->report) {
		printf("full report: ./harness report %s --invocation %s --baseline '%s'\n",
		       inv->out_path, inv->id, inv->variants[0].label);
		return status;
	}
	char name[256];
	snprintf(name, sizeof(name), "%s-ab", inv->name);
	const char *rargs[] = { inv->out_path, "--invocation", inv->id, "--baseline",
				inv->variants[0].label, "--name", name, "--margin", a->margin };
	return reports_run_script("report.py", rargs, a->margin ? 9 : 7) != 0 ? 2 : status;
}

static int cmd_ab(int argc, char **argv)
{
	static struct ab_args a;
	struct opt_extra extra = { ab_rows, sizeof(ab_rows) / sizeof(ab_rows[0]), ab_option, &a };
	struct run_opts o;
	const char *pos[1], *target;
	int npos;
	options_init(&o);
	int rc = options_parse(&o, argc, argv, "ab", &extra, pos, 1, &npos);
	if (rc == 1) {
		usage(stdout, &extra);
		return 0;
	}
	if (rc < 0 || !(target = options_target(&o, "ab", pos, npos)) || check_request(&o, &a) < 0)
		return 2;
	o.shuffle = true;
	struct invocation inv = { .opts = &o, .experiment = "ab", .name = target };
	if (build_variants(&o, &a, &inv) < 0)
		return 2;
	rc = engine_run(&inv);
	int status = rc < 0 ? 2 : rc;
	if (inv.stopped)
		rc = -2;                               /* a failure in the first round: nothing to compare */
	if (rc >= 0) {
		summary_print_floor(&inv, stdout);     /* with --floor: alloc ns/op */
		if (summary_export(&inv) < 0)
			status = 2;
	}
	if (rc >= 0 && verdicts(&inv, &a) != 0)
		status = 2;
	invocation_free(&inv);
	variants_free(inv.variants, inv.n_variants);
	return status;
}

const struct command command_ab = {
	"ab", cmd_ab,
	"A/B experiment: vary knobs or allocators, verdicts with confidence intervals",
};
