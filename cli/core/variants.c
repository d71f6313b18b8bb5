/* variants.c - the one variant builder (see variant.h). */
#include "variant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int variants_append(struct variant **vs, int *n, const struct variant *src, int count)
{
	struct variant *nv = realloc(*vs, sizeof(**vs) * (size_t)(*n + count + 1));
	if (!nv)
		return -1;
	*vs = nv;
	for (int i = 0; i < count; i++) {
		struct variant *d = &nv[(*n)++];
		*d = src[i];
		d->n_knobs = 0;
		for (int k = 0; k < src[i].n_knobs; k++)
			if (variant_add_knob(d, src[i].knobs[k]) < 0)
				return -1;
	}
	return 0;
}

/* ------------------------------------------------ allocators x threads */

static int resolve_installed(const char *spec, bool skip_missing, struct allocator *al)
{
	char err[512];
	if (allocator_resolve(spec, al, err, sizeof(err)) < 0) {
		fprintf(stderr, "harness: %s\n", err);
		return -1;
	}
	if (al->installed)
		return 1;
	if (!skip_missing) {
		fprintf(stderr, "harness: %s\n", al->why_missing);
		return -1;
	}
	fprintf(stderr, "harness: skipping %s: %s\n", al->name, al->why_missing);
	return 0;
}

static int check_labels_unique(const struct variant *vs, int n)
{
	/* Two entries of one allocator (e.g. two NAME=path) must still be told apart. */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(vs[i].label, vs[j].label) == 0) {
				fprintf(stderr, "harness: allocator '%s' is listed twice in --alloc\n", vs[i].label);
				return -1;
			}
	return 0;
}

/* ------------------------------------------- -L / --parameter-scan */

int variant_workload_args(const struct run_opts *o, const struct variant *v, const char **args, int max,
			  char *flag, size_t flen)
{
	int n = 0;
	bool replaced = false;
	snprintf(flag, flen, "--%s", o->param_name ? o->param_name : "");
	for (int i = 0; i < o->n_workload_args && n < max; i++) {
		args[n++] = o->workload_args[i];
		if (v->param_value && strcmp(o->workload_args[i], flag) == 0 && i + 1 < o->n_workload_args && n < max) {
			args[n++] = v->param_value;     /* the scanned value replaces the given one */
			i++;
			replaced = true;
		}
	}
	if (v->param_value && !replaced && n + 2 <= max) {
		args[n++] = flag;
		args[n++] = v->param_value;
	}
	return n;
}

const char *variant_cmd(const struct run_opts *o, const struct variant *v, char *buf, size_t len)
{
	char key[80];
	if (!v->param_value || !o->cmd)
		return o->cmd;
	snprintf(key, sizeof(key), "{%s}", o->param_name);
	size_t k = strlen(key), used = 0;
	buf[0] = '\0';
	for (const char *p = o->cmd; *p && used + 1 < len;) {
		const char *hit = strstr(p, key);
		size_t chunk = hit ? (size_t)(hit - p) : strlen(p);
		used += (size_t)snprintf(buf + used, len - used, "%.*s%s", (int)chunk, p, hit ? v->param_value : "");
		if (used >= len)
			break;
		p += chunk + (hit ? k : 0);
	}
	return buf;
}

/* Every variant once per value of the parameter: "hakmem ws=4096". */
static int multiply_by_parameter(const struct run_opts *o, struct variant **vs, int *n)
{
	int nv = o->n_param_values;
	if (!o->param_name || nv == 0)
		return 0;
	struct variant *out = calloc((size_t)(*n * nv), sizeof(*out));
	if (!out)
		return -1;
	int m = 0;
	for (int i = 0; i < *n; i++)
		for (int k = 0; k < nv; k++) {
			struct variant *d = &out[m++];
			*d = (*vs)[i];
			d->n_knobs = 0;
			for (int e = 0; e < (*vs)[i].n_knobs; e++)
				variant_add_knob(d, (*vs)[i].knobs[e]);
			d->param_value = o->param_values[k];
			snprintf(d->label, sizeof(d->label), "%.100s %.20s=%.30s", (*vs)[i].label, o->param_name,
				 o->param_values[k]);
		}
	variants_free(*vs, *n);
	*vs = out;
	*n = m;
	return 0;
}

int variants_from_opts(const struct run_opts *o, bool skip_missing, struct variant **out, int *n_out)
{
	int nt = o->n_threads ? o->n_threads : 1, n = 0;
	if (o->n_allocs == 0) {
		fprintf(stderr, "harness: name the allocators to compare, e.g. --alloc=glibc,jemalloc (see `harness list`)\n");
		return -1;
	}
	struct variant *vs = calloc((size_t)(o->n_allocs * nt), sizeof(*vs));
	if (!vs)
		return -1;
	for (int a = 0; a < o->n_allocs; a++) {
		struct allocator al;
		int ok = resolve_installed(o->allocs[a], skip_missing, &al);
		if (ok < 0) {
			variants_free(vs, n);
			return -1;
		}
		for (int t = 0; ok && t < nt; t++) {
			struct variant *v = &vs[n++];
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
	if (check_labels_unique(vs, n) < 0 || multiply_by_parameter(o, &vs, &n) < 0) {
		variants_free(vs, n);
		return -1;
	}
	*out = vs;
	*n_out = n;
	return 0;
}

/* ------------------------------------------------------ knob settings */

/* The settings to run, as value indices per knob, the baseline first. */
static int settings(const struct vary *vs, int nv, enum vary_mode mode, int (*pick)[8], int max)
{
	int n = 0;
	for (int k = 0; k < nv; k++)
		pick[0][k] = vs[k].base;
	n = 1;
	if (mode == VARY_ONE_AT_A_TIME) {
		for (int k = 0; k < nv; k++)
			for (int v = 0; v < vs[k].n; v++) {
				if (v == vs[k].base)
					continue;
				if (n >= max)
					return -1;
				memcpy(pick[n], pick[0], sizeof(pick[0]));
				pick[n++][k] = v;
			}
		return n;
	}
	int idx[8] = { 0 };
	for (;;) {
		if (memcmp(idx, pick[0], sizeof(int) * (size_t)nv) != 0) {
			if (n >= max)
				return -1;
			memcpy(pick[n++], idx, sizeof(idx));
		}
		int k;
		for (k = nv - 1; k >= 0; k--) {          /* odometer: last knob fastest */
			if (++idx[k] < vs[k].n)
				break;
			idx[k] = 0;
		}
		if (k < 0)
			return n;
	}
}

static int make_variant(struct variant *d, const struct variant *b, const struct vary *vs, int nv,
			const int *pick, const int *label_knob)
{
	memset(d, 0, sizeof(*d));
	d->alloc = b->alloc;
	d->threads = b->threads;
	snprintf(d->label, sizeof(d->label), "%s", b->label);
	for (int e = 0; e < b->n_knobs; e++)
		if (variant_add_knob(d, b->knobs[e]) < 0)
			return -1;
	for (int k = 0; k < nv; k++) {
		char kv[256];
		snprintf(kv, sizeof(kv), "%.63s=%.180s", vs[k].name, vs[k].values[pick[k]]);
		if (variant_add_knob(d, kv) < 0)
			return -1;
		if (label_knob[k]) {
			size_t l = strlen(d->label);
			snprintf(d->label + l, sizeof(d->label) - l, " %s", kv);
		}
	}
	return 0;
}

int variants_vary(const struct variant *base, int nbase, const struct vary *vs, int nv,
		  enum vary_mode mode, bool plain_baseline, int max,
		  struct variant **out, int *nout, char *err, size_t errlen)
{
	int (*pick)[8] = calloc((size_t)max + 1, sizeof(*pick));
	int ns = nv > 8 ? -1 : pick ? settings(vs, nv, mode, pick, max / (nbase ? nbase : 1)) : -1;
	struct variant *v = ns > 0 ? calloc((size_t)(ns * nbase), sizeof(*v)) : NULL;
	if (!v) {
		snprintf(err, errlen, ns < 0 ? "the knob values make more than %d variants; vary fewer knobs at once"
			 : "out of memory", max);
		free(pick);
		return -1;
	}
	for (int c = 0; c < ns; c++)
		for (int b = 0; b < nbase; b++) {
			int label_knob[8];
			for (int k = 0; k < nv; k++)
				label_knob[k] = !(c == 0 && plain_baseline) &&
						(mode == VARY_FACTORIAL || pick[c][k] != vs[k].base);
			if (make_variant(&v[c * nbase + b], &base[b], vs, nv, pick[c], label_knob) < 0) {
				snprintf(err, errlen, "too many knobs for one variant (at most %d)", VARIANT_MAX_KNOBS);
				variants_free(v, ns * nbase);
				free(pick);
				return -1;
			}
		}
	free(pick);
	*out = v;
	*nout = ns * nbase;
	return 0;
}
