/* variants.c - what one invocation compares: allocators x thread counts
 * (run, suite) or knob settings (ab, analyze).  Every variant carries the
 * environment it sets, recorded as its knobs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

int variant_add_knob(struct variant *v, const char *name_value)
{
	if (v->n_knobs >= VARIANT_MAX_KNOBS)
		return -1;
	char *s = strdup(name_value);
	if (!s)
		return -1;
	v->knobs[v->n_knobs++] = s;
	return 0;
}

void variants_free(struct variant *v, int n)
{
	if (!v)
		return;
	for (int i = 0; i < n; i++)
		for (int k = 0; k < v[i].n_knobs; k++)
			free(v[i].knobs[k]);
	free(v);
}

int variants_from_opts(const struct run_opts *o, struct variant **out, int *n_out)
{
	int nt = o->n_threads ? o->n_threads : 1;
	int n = o->n_allocs * nt;
	struct variant *vs = calloc((size_t)(n ? n : 1), sizeof(*vs));
	char err[512];
	if (!vs)
		return -1;
	if (o->n_allocs == 0) {
		fprintf(stderr, "harness: name the allocators to compare, e.g. --alloc=glibc,jemalloc (see `harness list`)\n");
		free(vs);
		return -1;
	}
	for (int a = 0; a < o->n_allocs; a++) {
		struct allocator al;
		if (allocator_resolve(o->allocs[a], &al, err, sizeof(err)) < 0) {
			fprintf(stderr, "harness: %s\n", err);
			variants_free(vs, n);
			return -1;
		}
		if (!al.installed) {
			fprintf(stderr, "harness: %s\n", al.why_missing);
			variants_free(vs, n);
			return -1;
		}
		for (int t = 0; t < nt; t++) {
			struct variant *v = &vs[a * nt + t];
			v->alloc = al;
			v->threads = o->n_threads ? o->threads[t] : 0;
			if (o->n_threads)
				snprintf(v->label, sizeof(v->label), "%s t=%d", al.name, v->threads);
			else
				snprintf(v->label, sizeof(v->label), "%s", al.name);
			for (int e = 0; e < o->n_envs; e++)
				variant_add_knob(v, o->envs[e]);
		}
	}
	/* Two entries of one allocator (e.g. two NAME=path) must still be told apart. */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(vs[i].label, vs[j].label) == 0) {
				fprintf(stderr, "harness: allocator '%s' is listed twice in --alloc\n", vs[i].label);
				variants_free(vs, n);
				return -1;
			}
	*out = vs;
	*n_out = n;
	return 0;
}
