/* cmd_analyze.c - `harness analyze WORKLOAD --alloc=hakmem`: the seed
 * report's TLB/THP/prefault analysis as one command.
 *
 * The matrix: HAKMEM with its defaults (the baseline), then each of the OS
 * policy knobs moved away from its default one at a time - THP
 * (HAKMEM_THP), prefault (HAKMEM_PREFAULT), release policy (HAKMEM_RELEASE:
 * lazy zeroing by MADV_DONTNEED, MADV_FREE, keep) - or, with --factorial,
 * every combination; then the peer allocators that are installed (glibc,
 * jemalloc, mimalloc, tcmalloc).  Counters, probes and the RSS sampler are
 * on unless the command line says otherwise; collectors that cannot
 * measure something here record it as unavailable.  All runs go into one
 * results file, interleaved and shuffled.  Then, unless --no-cachegrind,
 * one run per variant under --engine=cachegrind appends to the same file:
 * its per-object instruction split is what the report's controllability
 * table needs to tell allocator time from workload time (a separate
 * invocation, engine "cachegrind"; the report never mixes its figures with
 * native ones).  Then scripts/report.py writes the report.
 *
 * The knob values come from allocator/knobs.txt (default and accepted
 * values); when a knob is not listed there the seed report's values are
 * used and a warning says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "engine.h"
#include "reports.h"
#include "workloads.h"

#define AXIS_VALUES 8

struct axis {
	const char *name;
	char def[64];
	char values[AXIS_VALUES][64];
	int n;
};

/* Seed-report values for when knobs.txt does not list a knob. */
static const struct {
	const char *name, *def, *values;
} fallback[] = {
	{ "HAKMEM_THP", "0", "0|1" },
	{ "HAKMEM_PREFAULT", "0", "0|1" },
	{ "HAKMEM_RELEASE", "dontneed", "dontneed|free|keep" },
};

static void split_values(struct axis *a, const char *list)
{
	char sep = strchr(list, '|') ? '|' : strchr(list, ',') ? ',' : '/';
	a->n = 0;
	for (const char *p = list; *p && a->n < AXIS_VALUES;) {
		const char *e = strchr(p, sep);
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > 0 && l < sizeof(a->values[0]))
			snprintf(a->values[a->n++], sizeof(a->values[0]), "%.*s", (int)l, p);
		if (!e)
			break;
		p = e + 1;
	}
}

static int load_axes(struct axis *axes)
{
	struct knob k[KNOBS_MAX];
	char err[4200];
	int n = knobs_load(k, KNOBS_MAX, err, sizeof(err));
	if (n < 0)
		fprintf(stderr, "harness analyze: warning: %s; using the seed report's knob values\n", err);
	for (int i = 0; i < 3; i++) {
		struct axis *a = &axes[i];
		a->name = fallback[i].name;
		const struct knob *kn = n > 0 ? knob_find(k, n, a->name) : NULL;
		if (kn && kn->def[0] && (strchr(kn->accepted, '|') || strchr(kn->accepted, ',') || strchr(kn->accepted, '/'))
		    && !strchr(kn->accepted, ' ')) {
			snprintf(a->def, sizeof(a->def), "%s", kn->def);
			split_values(a, kn->accepted);
		} else {
			if (n >= 0)
				fprintf(stderr, "harness analyze: warning: allocator/knobs.txt %s %s; using the seed report's values %s\n",
					kn ? "gives no value list for" : "does not list", a->name, fallback[i].values);
			snprintf(a->def, sizeof(a->def), "%s", fallback[i].def);
			split_values(a, fallback[i].values);
		}
		int has_def = 0;
		for (int v = 0; v < a->n; v++)
			has_def |= strcmp(a->values[v], a->def) == 0;
		if (!has_def || a->n < 2) {
			fprintf(stderr, "harness analyze: %s: default '%s' is not among its values (%d listed); fix allocator/knobs.txt\n",
				a->name, a->def, a->n);
			return -1;
		}
	}
	return 0;
}

static int add_variant(struct variant *vs, int *n, const struct allocator *al, const char *label,
		       const struct axis *axes, const int *pick, int threads)
{
	struct variant *v = &vs[(*n)++];
	memset(v, 0, sizeof(*v));
	v->alloc = *al;
	v->threads = threads;
	snprintf(v->label, sizeof(v->label), "%s", label);
	for (int i = 0; axes && i < 3; i++) {
		char kv[160];
		snprintf(kv, sizeof(kv), "%s=%s", axes[i].name, axes[i].values[pick[i]]);
		if (variant_add_knob(v, kv) < 0)
			return -1;
	}
	return 0;
}

static int def_index(const struct axis *a)
{
	for (int v = 0; v < a->n; v++)
		if (strcmp(a->values[v], a->def) == 0)
			return v;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: harness analyze WORKLOAD [--alloc=hakmem[,PEER...]] [--runs N] [--factorial]\n"
		"                       [--no-cachegrind] [--report-dir DIR] [options] [-- WORKLOAD_ARGS...]\n\n"
		"The TLB/THP/prefault analysis of the seed report as one command.  Runs, in\n"
		"one interleaved and shuffled invocation: HAKMEM with its defaults (the\n"
		"baseline); each OS-policy knob moved from its default - HAKMEM_THP,\n"
		"HAKMEM_PREFAULT, HAKMEM_RELEASE (dontneed = lazy zeroing by the kernel,\n"
		"free, keep; values from allocator/knobs.txt) - one at a time, or every\n"
		"combination with --factorial; and the peer allocators that are installed.\n"
		"Counters (--counters), probes (--probes=all) and the RSS sampler\n"
		"(--sample-ms 20) are on unless given otherwise.  Then one run per variant\n"
		"under --engine=cachegrind (same workload arguments, no warm-up) records\n"
		"how the timed region's instructions split between allocator, libc,\n"
		"workload and other code.  Then writes the report: knob verdicts with CIs,\n"
		"the controllability table (user vs kernel time, faults x cost per fault,\n"
		"allocator share of instructions, Amdahl ceiling), plots, key discoveries.\n\n"
		"options (besides those of `harness run`):\n"
		"  --alloc=hakmem,P..  peers to compare (default: glibc jemalloc mimalloc tcmalloc, those installed)\n"
		"  --runs N            counted runs per variant (default 5)\n"
		"  --factorial         every knob combination instead of one knob at a time\n"
		"  --no-cachegrind     skip the cachegrind pass (faster; the report then has no\n"
		"                      instruction split and no Amdahl ceiling)\n"
		"  --report-dir DIR    where the report goes (default reports/<date>-WORKLOAD-analyze/)\n"
		"\nEXAMPLES\n"
		"  ./harness analyze random_mixed --alloc=hakmem\n"
		"  ./harness analyze random_mixed --alloc=hakmem,mimalloc --runs 10 --factorial\n"
		"  ./harness analyze random_mixed --runs 3 --warmup 0 -- --cycles 20000\n");
}

int cmd_analyze(int argc, char **argv)
{
	int factorial = 0, cachegrind = 1;
	const char *report_dir = NULL;
	int out = 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--factorial") == 0) {
			factorial = 1;
		} else if (strcmp(argv[i], "--no-cachegrind") == 0) {
			cachegrind = 0;
		} else if (strcmp(argv[i], "--report-dir") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "harness analyze: --report-dir needs a directory\n");
				return 2;
			}
			report_dir = argv[++i];
		} else if (strncmp(argv[i], "--report-dir=", 13) == 0) {
			report_dir = argv[i] + 13;
		} else {
			argv[out++] = argv[i];
		}
	}
	argc = out;
	argv[argc] = NULL;

	struct run_opts o;
	const char *pos[1];
	int npos;
	options_init(&o);
	int rc = options_parse(&o, argc, argv, "analyze", pos, 1, &npos);
	if (rc == 1) {
		usage(stdout);
		return 0;
	}
	if (rc < 0)
		return 2;
	const char *target = options_target(&o, "analyze", pos, npos);
	if (!target)
		return 2;
	if (o.n_allocs > 0 && strcmp(o.allocs[0], "hakmem") != 0) {
		fprintf(stderr, "harness analyze: the analysis varies HAKMEM's knobs: start --alloc with hakmem "
			"(e.g. --alloc=hakmem,jemalloc); use `harness ab` for other allocators\n");
		return 2;
	}
	if (o.n_threads > 1) {
		fprintf(stderr, "harness analyze: give at most one --threads value (the matrix is already large)\n");
		return 2;
	}
	int threads = o.n_threads ? o.threads[0] : 0;
	if (o.n_envs > 0) {
		fprintf(stderr, "harness analyze: --env is applied by `harness ab`; analyze sets the knobs itself\n");
		return 2;
	}

	struct axis axes[3];
	if (load_axes(axes) < 0)
		return 2;
	char err[512];
	struct allocator hak;
	if (allocator_resolve("hakmem", &hak, err, sizeof(err)) < 0 || !hak.installed) {
		fprintf(stderr, "harness analyze: %s\n", hak.installed ? err : hak.why_missing);
		return 2;
	}

	int cap = 64;
	struct variant *vs = calloc((size_t)cap, sizeof(*vs));
	int n = 0;
	if (!vs) {
		fprintf(stderr, "harness analyze: out of memory\n");
		return 2;
	}
	int pick[3];
	for (int i = 0; i < 3; i++)
		pick[i] = def_index(&axes[i]);
	add_variant(vs, &n, &hak, "hakmem", axes, pick, threads);
	if (factorial) {
		for (int a = 0; a < axes[0].n; a++)
			for (int b = 0; b < axes[1].n; b++)
				for (int c = 0; c < axes[2].n; c++) {
					int p[3] = { a, b, c };
					if (a == pick[0] && b == pick[1] && c == pick[2])
						continue;
					char label[160];
					snprintf(label, sizeof(label), "hakmem %s=%s %s=%s %s=%s",
						 axes[0].name, axes[0].values[a], axes[1].name, axes[1].values[b],
						 axes[2].name, axes[2].values[c]);
					if (n < cap - 8)
						add_variant(vs, &n, &hak, label, axes, p, threads);
				}
	} else {
		for (int i = 0; i < 3; i++)
			for (int v = 0; v < axes[i].n; v++) {
				if (v == pick[i])
					continue;
				int p[3] = { pick[0], pick[1], pick[2] };
				p[i] = v;
				char label[160];
				snprintf(label, sizeof(label), "hakmem %s=%s", axes[i].name, axes[i].values[v]);
				add_variant(vs, &n, &hak, label, axes, p, threads);
			}
	}
	static const char *const default_peers[] = { "glibc", "jemalloc", "mimalloc", "tcmalloc" };
	const char *const *peers = o.n_allocs > 1 ? o.allocs + 1 : default_peers;
	int npeers = o.n_allocs > 1 ? o.n_allocs - 1 : 4;
	for (int i = 0; i < npeers && n < cap; i++) {
		struct allocator al;
		if (allocator_resolve(peers[i], &al, err, sizeof(err)) < 0) {
			fprintf(stderr, "harness analyze: %s\n", err);
			variants_free(vs, n);
			return 2;
		}
		if (!al.installed) {
			fprintf(stderr, "harness analyze: skipping %s: %s\n", al.name, al.why_missing);
			continue;
		}
		add_variant(vs, &n, &al, al.name, NULL, NULL, threads);
	}

	/* Measure everything that can be measured here, unless told otherwise. */
	if (!o.counters)
		o.counters = "default";
	if (!o.probes)
		o.probes = "all";
	if (!o.sample_ms)
		o.sample_ms = 20;
	o.shuffle = true;

	struct invocation inv;
	memset(&inv, 0, sizeof(inv));
	inv.opts = &o;
	inv.experiment = "analyze";
	inv.name = target;
	inv.variants = vs;
	inv.n_variants = n;
	fprintf(stderr, "harness analyze: %d variants x %d runs (+%d warm-up), baseline: hakmem with %s=%s %s=%s %s=%s\n",
		n, o.runs, o.warmup, axes[0].name, axes[0].def, axes[1].name, axes[1].def, axes[2].name, axes[2].def);
	rc = engine_run(&inv);
	int status = rc < 0 ? 2 : rc;
	struct invocation sim;
	memset(&sim, 0, sizeof(sim));
	char invocations[140];
	snprintf(invocations, sizeof(invocations), "%s", inv.id);
	if (rc >= 0 && cachegrind && !(o.engine && strcmp(o.engine, "cachegrind") == 0)) {
		/* The instruction split: one simulated run per variant, into
		 * the same file.  No counters, probes or sampler: under
		 * valgrind they would measure valgrind. */
		struct run_opts so = o;
		so.engine = "cachegrind";
		so.runs = 1;
		so.warmup = 0;
		so.counters = NULL;
		so.probes = NULL;
		so.require_probes = false;
		so.sample_ms = 0;
		so.alloc_stats = false;
		so.out_path = inv.out_path;
		sim.opts = &so;
		sim.experiment = "analyze";
		sim.name = target;
		sim.variants = vs;
		sim.n_variants = n;
		fprintf(stderr, "harness analyze: instruction split: %d variants x 1 run under valgrind "
			"(--no-cachegrind skips this)\n", n);
		int src = engine_run(&sim);
		if (src < 0 || !sim.id[0])
			fprintf(stderr, "harness analyze: warning: the cachegrind pass failed; the report has no "
				"instruction split\n");
		else
			snprintf(invocations, sizeof(invocations), "%s,%s", inv.id, sim.id);
	}
	if (rc >= 0) {
		char name[256];
		snprintf(name, sizeof(name), "%s-analyze", inv.name);
		const char *args[10];
		int na = 0;
		args[na++] = inv.out_path;
		args[na++] = "--invocation";
		args[na++] = invocations;
		args[na++] = "--baseline";
		args[na++] = vs[0].label;
		args[na++] = "--name";
		args[na++] = name;
		if (report_dir) {
			args[na++] = "--out";
			args[na++] = report_dir;
		}
		if (reports_run_script("report.py", args, na) != 0)
			status = 2;
		printf("results: %s (invocation %s)\n", inv.out_path, inv.id);
	}
	invocation_free(&inv);
	if (sim.opts)
		invocation_free(&sim);
	variants_free(vs, n);
	return status;
}
