/* cmd_ab.c - `harness ab WORKLOAD --alloc=A [--vary NAME=v1,v2,...]...`:
 * an A/B experiment.
 *
 * Variants are every combination of the --vary values (a full factorial
 * over several --vary), for each allocator given; with no --vary, the
 * allocators themselves are the variants.  The first combination is the
 * baseline.  Rounds are interleaved and randomised in order (opts.shuffle)
 * with warm-up, all into one results file; scripts/ab.py then prints, for
 * every variant against the baseline, the median ratio, its bootstrap CI,
 * the Mann-Whitney p and a verdict in words, for throughput and every other
 * figure recorded.
 *
 * HAKMEM's knob names are checked against allocator/knobs.txt; other
 * allocators' environment knobs cannot be checked, so they only warn.
 * Also here: the knobs.txt reader shared with analyze (reports.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "engine.h"
#include "paths.h"
#include "reports.h"
#include "workloads.h"

/* ------------------------------------------------------------ knobs.txt */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

int knobs_load(struct knob *k, int max, char *err, size_t errlen)
{
	char path[4096], line[1024];
	snprintf(path, sizeof(path), "%s/allocator/knobs.txt", source_dir());
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read %s (HAKMEM's knob table)", path);
		return -1;
	}
	int n = 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *fields[4] = { s, "", "", "" };
		for (int i = 1; i < 4; i++) {
			char *tab = strchr(fields[i - 1], '\t');
			if (!tab)
				break;
			*tab = '\0';
			fields[i] = tab + 1;
		}
		snprintf(k[n].name, sizeof(k[n].name), "%s", trim(fields[0]));
		snprintf(k[n].def, sizeof(k[n].def), "%s", trim(fields[1]));
		snprintf(k[n].accepted, sizeof(k[n].accepted), "%s", trim(fields[2]));
		snprintf(k[n].desc, sizeof(k[n].desc), "%s", trim(fields[3]));
		if (k[n].name[0])
			n++;
	}
	fclose(f);
	return n;
}

const struct knob *knob_find(const struct knob *k, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(k[i].name, name) == 0)
			return &k[i];
	return NULL;
}

int knob_value_ok(const struct knob *k, const char *value)
{
	const char *a = k->accepted;
	char sep = strchr(a, '|') ? '|' : strchr(a, ',') ? ',' : strchr(a, '/') ? '/' : 0;
	if (!sep || strchr(a, ' '))      /* prose ("bytes", "0..64"): cannot check */
		return 1;
	size_t vl = strlen(value);
	for (const char *p = a; *p;) {
		const char *e = strchr(p, sep);
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == vl && strncmp(p, value, l) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

void knobs_print(FILE *out, const struct knob *k, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(out, "  %-22s default %-10s accepts %-20s %s\n", k[i].name, k[i].def, k[i].accepted, k[i].desc);
}

/* -------------------------------------------------------------- --vary */

#define VARY_MAX 8
#define VALUES_MAX 16
#define COMBOS_MAX 64

struct vary {
	char name[64];
	const char *values[VALUES_MAX];
	int n;
};

/* "NAME=v1,v2,...": at least two values (an A/B needs two sides). */
static int parse_vary(char *s, struct vary *v)
{
	char *eq = strchr(s, '=');
	if (!eq || eq == s || !eq[1]) {
		fprintf(stderr, "harness ab: --vary needs NAME=v1,v2[,...], got '%s'\n", s);
		return -1;
	}
	*eq = '\0';
	snprintf(v->name, sizeof(v->name), "%s", s);
	v->n = 0;
	for (char *tok = eq + 1;;) {
		char *comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		if (!*tok) {
			fprintf(stderr, "harness ab: --vary %s has an empty value in its list\n", v->name);
			return -1;
		}
		if (v->n >= VALUES_MAX) {
			fprintf(stderr, "harness ab: --vary %s lists too many values (at most %d)\n", v->name, VALUES_MAX);
			return -1;
		}
		v->values[v->n++] = tok;
		if (!comma)
			break;
		tok = comma + 1;
	}
	if (v->n < 2) {
		fprintf(stderr, "harness ab: --vary %s needs at least two values to compare, e.g. %s=0,1\n", v->name, v->name);
		return -1;
	}
	return 0;
}

/* Take --vary (and ab's own flags) out of argv before options_parse, which
 * rejects options it does not know.  Arguments after "--" are the
 * workload's and are left alone. */
static int extract_vary(int *argc, char **argv, struct vary *vs, int *nv, int *all, int *report)
{
	int out = 1;
	*nv = 0;
	for (int i = 1; i < *argc; i++) {
		char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		char *val = NULL;
		if (strcmp(a, "--vary") == 0) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "harness ab: --vary needs NAME=v1,v2[,...]\n");
				return -1;
			}
			val = argv[++i];
		} else if (strncmp(a, "--vary=", 7) == 0) {
			val = a + 7;
		} else if (strcmp(a, "--all") == 0) {
			*all = 1;
			continue;
		} else if (strcmp(a, "--report") == 0) {
			*report = 1;
			continue;
		} else {
			argv[out++] = a;
			continue;
		}
		if (*nv >= VARY_MAX) {
			fprintf(stderr, "harness ab: too many --vary (at most %d)\n", VARY_MAX);
			return -1;
		}
		for (int k = 0; k < *nv; k++)
			if (strncmp(vs[k].name, val, strlen(vs[k].name)) == 0 && val[strlen(vs[k].name)] == '=') {
				fprintf(stderr, "harness ab: --vary %s is given twice; list all its values in one --vary\n", vs[k].name);
				return -1;
			}
		if (parse_vary(val, &vs[(*nv)++]) < 0)
			return -1;
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

/* Unknown HAKMEM knob -> error listing the known ones; other allocators
 * -> a warning, since their environment cannot be checked. */
static int check_knobs(const struct run_opts *o, const struct vary *vs, int nv)
{
	int hakmem = 0, other = 0;
	for (int i = 0; i < o->n_allocs; i++) {
		if (strcmp(o->allocs[i], "hakmem") == 0)
			hakmem = 1;
		else
			other = 1;
	}
	if (other)
		for (int k = 0; k < nv; k++)
			fprintf(stderr, "harness ab: warning: the harness cannot check that %s means anything to the "
				"non-HAKMEM allocator(s); a knob they ignore will show no effect\n", vs[k].name);
	if (!hakmem)
		return 0;
	struct knob known[KNOBS_MAX];
	char err[4200];
	int n = knobs_load(known, KNOBS_MAX, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "harness ab: warning: %s; knob names are not checked\n", err);
		return 0;
	}
	for (int k = 0; k < nv; k++) {
		const struct knob *kn = knob_find(known, n, vs[k].name);
		if (!kn) {
			fprintf(stderr, "harness ab: HAKMEM has no knob '%s'; the knobs it knows (allocator/knobs.txt):\n", vs[k].name);
			knobs_print(stderr, known, n);
			return -1;
		}
		for (int j = 0; j < vs[k].n; j++)
			if (!knob_value_ok(kn, vs[k].values[j])) {
				fprintf(stderr, "harness ab: %s does not accept '%s'; it accepts %s\n",
					kn->name, vs[k].values[j], kn->accepted);
				return -1;
			}
	}
	return 0;
}

/* Every base variant x every combination of the --vary values, the
 * combinations in odometer order so the first one is the baseline. */
static int build_variants(const struct variant *base, int nbase, const struct vary *vs, int nv,
			  struct variant **out, int *nout)
{
	int combos = 1;
	for (int k = 0; k < nv; k++) {
		combos *= vs[k].n;
		if (combos > COMBOS_MAX) {
			fprintf(stderr, "harness ab: the --vary lists make more than %d combinations; vary fewer knobs at once\n", COMBOS_MAX);
			return -1;
		}
	}
	int n = nbase * combos;
	struct variant *v = calloc((size_t)n, sizeof(*v));
	if (!v) {
		fprintf(stderr, "harness ab: out of memory\n");
		return -1;
	}
	int idx[VARY_MAX] = { 0 };
	for (int c = 0; c < combos; c++) {
		for (int b = 0; b < nbase; b++) {
			struct variant *d = &v[c * nbase + b];
			d->alloc = base[b].alloc;
			d->threads = base[b].threads;
			snprintf(d->label, sizeof(d->label), "%s", base[b].label);
			for (int e = 0; e < base[b].n_knobs; e++)
				variant_add_knob(d, base[b].knobs[e]);
			for (int k = 0; k < nv; k++) {
				char kv[256];
				snprintf(kv, sizeof(kv), "%.63s=%.180s", vs[k].name, vs[k].values[idx[k]]);
				if (variant_add_knob(d, kv) < 0) {
					fprintf(stderr, "harness ab: too many knobs for one variant (at most %d)\n", VARIANT_MAX_KNOBS);
					variants_free(v, n);
					return -1;
				}
				size_t l = strlen(d->label);
				snprintf(d->label + l, sizeof(d->label) - l, " %s", kv);
			}
		}
		for (int k = nv - 1; k >= 0; k--) {        /* odometer: last knob fastest */
			if (++idx[k] < vs[k].n)
				break;
			idx[k] = 0;
		}
	}
	*out = v;
	*nout = n;
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: harness ab WORKLOAD --alloc=A[,B...] [--vary NAME=v1,v2[,...]]... [options] [-- WORKLOAD_ARGS...]\n\n"
		"An A/B experiment: one variant per combination of the --vary values (a full\n"
		"factorial over several --vary), for each allocator; with no --vary the\n"
		"allocators are the variants.  The first combination is the baseline.  Runs\n"
		"are interleaved, the order inside each round randomised, after --warmup\n"
		"uncounted rounds.  Then, for every variant against the baseline and for\n"
		"every figure recorded (throughput, rusage, counters, probes, RSS): the\n"
		"median ratio, its 95%% bootstrap CI, the Mann-Whitney p and a verdict:\n"
		"\"faster by 7.9%% (95%% CI +6.1%%..+9.8%%)\" or \"no measurable effect (...)\".\n"
		"An effect is claimed only when the CI excludes 0 and p < 0.05.\n\n"
		"options (besides those of `harness run`):\n"
		"  --vary NAME=V1,V2   environment knob and its values; repeat for a factorial\n"
		"                      (HAKMEM knobs are checked against allocator/knobs.txt)\n"
		"  --runs N            counted runs per variant (default 5; 10 for small effects)\n"
		"  --seed N            seed of the round order\n"
		"  --all               print every figure's verdict, not only those with an effect\n"
		"  --report            also write a full report (reports/<date>-WORKLOAD-ab/)\n"
		"  --counters, --probes, --sample-ms, --engine, --out, --warmup, --env ... as in `harness run`\n"
		"\nEXAMPLES\n"
		"  ./harness ab random_mixed --alloc=hakmem --vary HAKMEM_PREFAULT=0,1 --runs 10\n"
		"  ./harness ab random_mixed --alloc=hakmem --vary HAKMEM_THP=0,1 --vary HAKMEM_PREFAULT=0,1 --probes\n"
		"  ./harness ab random_mixed --alloc=hakmem,mimalloc --runs 10\n"
		"  ./harness ab tiny_hot --alloc=hakmem --vary HAKMEM_RELEASE=dontneed,free,keep -- --iterations 1000000\n");
}

int cmd_ab(int argc, char **argv)
{
	struct vary vs[VARY_MAX];
	int nv = 0, all = 0, want_report = 0;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	if (extract_vary(&argc, argv, vs, &nv, &all, &want_report) < 0)
		return 2;

	struct run_opts o;
	const char *pos[1];
	int npos;
	options_init(&o);
	int rc = options_parse(&o, argc, argv, "ab", pos, 1, &npos);
	if (rc == 1) {
		usage(stdout);
		return 0;
	}
	if (rc < 0)
		return 2;
	if (o.json) {
		fprintf(stderr, "harness ab: --json is not supported here; the records are JSON already (see --out)\n");
		return 2;
	}
	const char *target = options_target(&o, "ab", pos, npos);
	if (!target)
		return 2;
	if (o.n_allocs == 0) {
		fprintf(stderr, "harness ab: name the allocator with --alloc=A (or several for an allocator A/B)\n");
		return 2;
	}

	if (nv == 0 && o.n_allocs < 2 && o.n_threads < 2) {
		fprintf(stderr, "harness ab: nothing to compare: give --vary NAME=v1,v2 or two or more allocators in --alloc\n");
		return 2;
	}
	/* Knob names first: a typo is reported even before HAKMEM is built. */
	if (check_knobs(&o, vs, nv) < 0)
		return 2;
	struct variant *base = NULL;
	int nbase = 0;
	if (variants_from_opts(&o, &base, &nbase) < 0)
		return 2;
	struct invocation inv;
	memset(&inv, 0, sizeof(inv));
	o.shuffle = true;
	inv.opts = &o;
	inv.experiment = "ab";
	inv.name = target;
	if (build_variants(base, nbase, vs, nv, &inv.variants, &inv.n_variants) < 0) {
		variants_free(base, nbase);
		return 2;
	}
	variants_free(base, nbase);

	rc = engine_run(&inv);
	int status = rc < 0 ? 2 : rc;
	if (rc >= 0) {
		const char *args[8];
		int na = 0;
		args[na++] = inv.out_path;
		args[na++] = "--invocation";
		args[na++] = inv.id;
		args[na++] = "--baseline";
		args[na++] = inv.variants[0].label;
		if (all)
			args[na++] = "--all";
		int prc = reports_run_script("ab.py", args, na);
		if (prc != 0)
			status = 2;
		printf("\nresults: %s (invocation %s)\n", inv.out_path, inv.id);
		if (want_report) {
			char name[256];
			snprintf(name, sizeof(name), "%s-ab", inv.name);
			const char *rargs[] = { inv.out_path, "--invocation", inv.id, "--baseline",
						inv.variants[0].label, "--name", name };
			if (reports_run_script("report.py", rargs, 7) != 0)
				status = 2;
		} else {
			printf("full report: ./harness report %s --invocation %s --baseline '%s'\n",
			       inv.out_path, inv.id, inv.variants[0].label);
		}
	}
	invocation_free(&inv);
	variants_free(inv.variants, inv.n_variants);
	return status;
}
