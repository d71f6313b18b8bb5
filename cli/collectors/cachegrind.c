/* cachegrind.c - the --engine=cachegrind collector: deterministic,
 * simulated instruction and cache-miss counts on machines without a PMU.
 *
 * prepare() wraps the run's command in valgrind (callgrind with its cache
 * simulator: see counters_callgrind.c for why callgrind and which options);
 * the allocator stays preloaded, because valgrind passes LD_PRELOAD on to
 * the program it runs (and callgrind, unlike memcheck, does not replace
 * malloc).  finish() reads callgrind's output file(s) from a private
 * directory, writes "cachegrind": {...} into the record and adds per-op
 * metrics.  Every figure is marked simulated; wall time and ops/s of such a
 * run are valgrind's (tens of times slower) and are not comparable with
 * native runs, which the record says.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "counters_callgrind.h"
#include "paths.h"
#include "variant.h"

struct cachegrind_state {
	char valgrind[4096];
	char version[64];
	char dir[64];            /* this run's output directory, "" when none */
	bool whole_program;      /* this run: --cmd, no timed_region to toggle on */
	const char *args[CG_ARGS_MAX];
	int nargs;
	char outarg[160];
};

static void valgrind_version(const char *valgrind, char *out, size_t len)
{
	char cmd[4200];
	snprintf(out, len, "unknown");
	snprintf(cmd, sizeof(cmd), "'%s' --version 2>/dev/null", valgrind);
	FILE *p = popen(cmd, "r");
	if (!p)
		return;
	if (fgets(out, (int)len, p))
		out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

static int cachegrind_setup(const struct run_opts *o, void **state, char *err, size_t errlen)
{
	*state = NULL;
	if (!o->engine || strcmp(o->engine, "native") == 0 || strcmp(o->engine, "tlb") == 0)
		return 0;
	if (strcmp(o->engine, "cachegrind") != 0) {
		snprintf(err, errlen, "unknown --engine '%s': use native or cachegrind", o->engine);
		return -1;
	}
	struct cachegrind_state *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--engine=cachegrind: out of memory");
		return -1;
	}
	if (find_in_path("valgrind", s->valgrind, sizeof(s->valgrind)) < 0) {
		snprintf(err, errlen, "--engine=cachegrind needs valgrind, which is not on PATH: apt-get install valgrind");
		free(s);
		return -1;
	}
	valgrind_version(s->valgrind, s->version, sizeof(s->version));
	*state = s;
	return 0;
}

static void remove_dir(struct cachegrind_state *s)
{
	if (!s->dir[0])
		return;
	DIR *d = opendir(s->dir);
	if (d) {
		struct dirent *e;
		char path[320];
		while ((e = readdir(d)))
			if (e->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(s->dir);
	s->dir[0] = '\0';
}

static int cachegrind_prepare(void *state, const struct run_ctx *ctx, struct exec_spec *x,
			      char *err, size_t errlen)
{
	struct cachegrind_state *s = state;
	remove_dir(s);   /* a previous run that never started leaves its directory */
	snprintf(s->dir, sizeof(s->dir), "/tmp/harness-callgrind-XXXXXX");
	if (!mkdtemp(s->dir)) {
		snprintf(err, errlen, "--engine=cachegrind: cannot create a directory in /tmp: %s", strerror(errno));
		s->dir[0] = '\0';
		return -1;
	}
	s->whole_program = ctx->workload && strcmp(ctx->workload, "cmd") == 0;
	char pattern[100];
	snprintf(pattern, sizeof(pattern), "%s/callgrind.out.%%p", s->dir);
	s->nargs = callgrind_args(s->whole_program, pattern, s->outarg, sizeof(s->outarg), s->args, CG_ARGS_MAX);

	char *argv[CG_ARGS_MAX + 1];
	argv[0] = s->valgrind;
	for (int i = 0; i < s->nargs; i++)
		argv[i + 1] = (char *)s->args[i];
	if (exec_insert_args(x, 0, argv, s->nargs + 1) < 0) {
		snprintf(err, errlen, "--engine=cachegrind: the command is too long to wrap in valgrind");
		return -1;
	}
	return 0;
}

/* Sum every callgrind.out.* in the run's directory (several with --cmd:
 * one per process). */
static int read_totals(struct cachegrind_state *s, struct callgrind_totals *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	DIR *d = opendir(s->dir);
	if (!d) {
		snprintf(err, errlen, "cannot open %s: %s", s->dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (strncmp(e->d_name, "callgrind.out.", 14) != 0)
			continue;
		char path[320];
		snprintf(path, sizeof(path), "%s/%s", s->dir, e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		/* Only the header and the last lines matter, but the files of
		 * small runs are small: read whole. */
		size_t cap = 1 << 16, len = 0;
		char *buf = malloc(cap);
		size_t got;
		while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
			len += got;
			if (cap - len <= 1) {
				char *nb = realloc(buf, cap *= 2);
				if (!nb)
					free(buf);
				buf = nb;
			}
		}
		fclose(f);
		if (!buf) {
			snprintf(err, errlen, "out of memory reading %.200s", path);
			rc = -1;
			break;
		}
		buf[len] = '\0';
		rc = callgrind_parse(buf, t, err, errlen);
		free(buf);
	}
	closedir(d);
	if (rc == 0 && t->files == 0) {
		snprintf(err, errlen, "valgrind wrote no callgrind output (the run failed before it ended?)");
		rc = -1;
	}
	return rc;
}

#define SIM "; simulated by valgrind's callgrind over the timed region"
static const struct metric_def per_op_defs[] = {
	{ "sim_instructions_per_op", "instr/op (simulated)", METRIC_LOWER, "instructions per operation" SIM },
	{ "sim_d1_misses_per_kop", "/1K ops (simulated)", METRIC_LOWER, "D1 data read+write misses per 1000 operations" SIM },
	{ "sim_ll_misses_per_kop", "/1K ops (simulated)", METRIC_LOWER, "last-level data read+write misses per 1000 operations" SIM },
}, total_defs[] = {
	{ "sim_instructions", "instr (simulated)", METRIC_LOWER, "instructions" SIM },
	{ "sim_d1_misses", "count (simulated)", METRIC_LOWER, "D1 data read+write misses" SIM },
	{ "sim_ll_misses", "count (simulated)", METRIC_LOWER, "last-level data read+write misses" SIM },
};
static const struct metric_def m_alloc_share = {
	"sim_alloc_instr_share", "fraction (simulated)", METRIC_NEITHER,
	"share of the region's instructions executed in the allocator" SIM,
};
/* Instructions per op by class, in callgrind_class_names order. */
static const struct metric_def class_defs[CG_CLASSES] = {
	{ "sim_alloc_instructions_per_op", "instr/op (simulated)", METRIC_LOWER, "allocator instructions per operation" SIM },
	{ "sim_libc_instructions_per_op", "instr/op (simulated)", METRIC_LOWER, "libc (not malloc) instructions per operation" SIM },
	{ "sim_workload_instructions_per_op", "instr/op (simulated)", METRIC_NEITHER, "the workload's own instructions per operation" SIM },
	{ "sim_other_instructions_per_op", "instr/op (simulated)", METRIC_NEITHER, "other objects' (ld.so, vdso) instructions per operation" SIM },
};

/* Where the region's instructions went: "instructions_by_object" (self Ir
 * of each object) and "instructions_by_class" (callgrind_classify), and
 * the allocator's share, the figure reports use as the controllable part
 * of user time. */
static void split_instructions(const struct callgrind_totals *t, const struct run_ctx *ctx, struct jbuf *rec,
			       struct metrics *m, double ir_total)
{
	const char *alloc = ctx->variant ? ctx->variant->alloc.path : "";
	unsigned long long cls[CG_CLASSES], sum = 0;
	callgrind_classify(t, alloc, t->cmd, cls);
	jb_obj_begin(rec, "instructions_by_object");
	for (int i = 0; i < t->n_ob; i++)
		if (t->ob[i].ir)
			jb_int(rec, t->ob[i].path, (long long)t->ob[i].ir);
	jb_obj_end(rec);
	jb_obj_begin(rec, "instructions_by_class");
	for (int c = 0; c < CG_CLASSES; c++) {
		jb_int(rec, callgrind_class_names[c], (long long)cls[c]);
		sum += cls[c];
	}
	jb_obj_end(rec);
	jb_str(rec, "allocator_object", alloc && *alloc ? alloc
	       : "glibc (no preload): malloc-family functions inside libc.so");
	jb_str(rec, "workload_object", t->cmd);
	if (ir_total <= 0 || sum == 0) {
		metric_unsupported(m, &m_alloc_share, "callgrind output has no per-object costs");
		return;
	}
	/* The share is of the objects' self costs, which add up to the
	 * totals: the same instructions, split. */
	metric_set(m, &m_alloc_share, (double)cls[CG_CLASS_ALLOC] / (double)sum);
	for (int c = 0; ctx->ops > 0 && c < CG_CLASSES; c++)
		metric_set(m, &class_defs[c], cls[c] / ctx->ops);
}

/* How the figures were made: tool, version, options, region. */
static void write_setup(const struct cachegrind_state *s, struct jbuf *rec)
{
	jb_bool(rec, "simulated", true);
	jb_str(rec, "tool", "callgrind");
	jb_str(rec, "valgrind", s->version);
	jb_arr_begin(rec, "options");
	for (int i = 0; i < s->nargs; i++)
		jb_str(rec, NULL, s->args[i]);
	jb_arr_end(rec);
	jb_str(rec, "region", s->whole_program
		? "whole program: --cmd has no timed_region (includes /bin/sh, start-up and every child process)"
		: "every call of the workload's timed_region* functions and what they call");
	jb_str(rec, "note", "figures are from valgrind's simulation; wall_s, seconds and ops/s of this run are "
			    "under valgrind (tens of times slower) and not comparable with native runs");
}

static void cachegrind_finish(void *state, const struct run_ctx *ctx, struct jbuf *rec, struct metrics *m)
{
	struct cachegrind_state *s = state;
	struct callgrind_totals t;
	char err[256];
	bool per_op = ctx->ops > 0;
	const struct metric_def *defs = per_op ? per_op_defs : total_defs;

	jb_obj_begin(rec, "cachegrind");
	write_setup(s, rec);

	int rc = read_totals(s, &t, err, sizeof(err));
	bool found[9];
	static const char *const ev[] = { "Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw" };
	unsigned long long v[9] = { 0 };
	if (rc == 0) {
		jb_int(rec, "files", t.files);
		jb_obj_begin(rec, "events");
		for (int i = 0; i < 9; i++) {
			v[i] = callgrind_get(&t, ev[i], &found[i]);
			if (found[i])
				jb_int(rec, ev[i], (long long)v[i]);
		}
		jb_obj_end(rec);
		jb_obj_begin(rec, "cache");
		static const char *const cn[] = { "I1", "D1", "LL" };
		for (int c = 0; c < 3; c++)
			if (t.cache[c][0])
				jb_str(rec, cn[c], t.cache[c]);
		jb_obj_end(rec);
		if (!found[0] || !found[4] || !found[5] || !found[7] || !found[8]) {
			rc = -1;
			snprintf(err, sizeof(err), "callgrind output lacks the Ir/D1/LL events (cache simulation off?)");
		} else if (v[0] == 0) {
			rc = -1;
			snprintf(err, sizeof(err), s->whole_program ? "no instructions were collected"
				 : "no instructions were collected: the program has no timed_region* function (stripped?)");
		}
	}
	if (rc < 0) {
		jb_str(rec, "status", err);
		for (int i = 0; i < 3; i++)
			metric_unsupported(m, &defs[i], err);
	} else {
		jb_str(rec, "status", "ok");
		/* D1 and LL misses of data reads and writes (instruction-fetch
		 * misses I1mr/ILmr are in "events" but not in these figures). */
		double fig[3] = { (double)v[0], (double)(v[4] + v[5]), (double)(v[7] + v[8]) };
		split_instructions(&t, ctx, rec, m, (double)v[0]);
		double div[3] = { per_op ? ctx->ops : 1, per_op ? ctx->ops / 1000.0 : 1, per_op ? ctx->ops / 1000.0 : 1 };
		for (int i = 0; i < 3; i++)
			metric_set(m, &defs[i], fig[i] / div[i]);
	}
	jb_obj_end(rec);
	remove_dir(s);
}

static void cachegrind_abort(void *state, const struct run_ctx *ctx)
{
	(void)ctx;
	remove_dir(state);
}

static void cachegrind_teardown(void *state)
{
	if (state)
		remove_dir(state);
	free(state);
}

const struct collector cachegrind_collector = {
	.name = "cachegrind",
	.setup = cachegrind_setup,
	.prepare = cachegrind_prepare,
	.finish = cachegrind_finish,
	.abort = cachegrind_abort,
	.teardown = cachegrind_teardown,
};
