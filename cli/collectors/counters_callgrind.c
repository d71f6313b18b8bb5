/* counters_callgrind.c - see counters_callgrind.h.
 *
 * Why callgrind and not cachegrind: the figure we want is the cost of the
 * workload's timed part, not of process start-up, ld.so and the workload's
 * set-up.  Valgrind 3.19's cachegrind can only count the whole program (no
 * client requests to start/stop, no --toggle-collect; those came in 3.22).
 * Callgrind runs the same cache simulator (--cache-sim=yes gives the same
 * Ir/Dr/Dw and I1/D1/LL miss events) and can limit collection to a function
 * and everything it calls: --collect-atstart=no --toggle-collect=timed_region*
 * (workloads/common.h puts the timed part in functions named timed_region*).
 * For --cmd runs there is no such function: the whole program is counted.
 *
 * The cache geometry is fixed instead of auto-detected: valgrind reads it
 * from CPUID, which in a VM can be nonsense (here it reported a 256 MiB
 * direct-mapped LL), and a fixed geometry keeps figures comparable between
 * machines.  It is a typical recent x86 core: 32 KiB 8-way L1s, a 32 MiB
 * 16-way last level, 64 B lines.
 */
#include "counters_callgrind.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cache_opts[] = {
	"--I1=32768,8,64", "--D1=32768,8,64", "--LL=33554432,16,64",
};

int callgrind_args(bool whole_program, const char *out_pattern, char *buf, size_t buflen,
		   const char **args, int max)
{
	int n = 0;
#define ADD(s) do { if (n < max) args[n++] = (s); } while (0)
	ADD("--tool=callgrind");
	ADD("--cache-sim=yes");
	for (size_t i = 0; i < sizeof(cache_opts) / sizeof(cache_opts[0]); i++)
		ADD(cache_opts[i]);
	if (whole_program) {
		ADD("--collect-atstart=yes");
		ADD("--trace-children=yes");   /* /bin/sh -c and what it starts */
	} else {
		ADD("--collect-atstart=no");
		ADD("--toggle-collect=timed_region*");
	}
	snprintf(buf, buflen, "--callgrind-out-file=%s", out_pattern);
	ADD(buf);
#undef ADD
	return n;
}

static char *line_value(char *line, const char *key)
{
	size_t k = strlen(key);
	return strncmp(line, key, k) == 0 ? line + k : NULL;
}

/* glibc's malloc family (malloc/malloc.c, arena.c, morecore.c): what
 * "the allocator" is when nothing is preloaded.  Exact names, then
 * prefixes; the sbrk/brk syscall wrappers count too because in a workload
 * only malloc moves the break. */
bool callgrind_is_malloc_fn(const char *name)
{
	static const char *const exact[] = {
		"malloc", "free", "calloc", "realloc", "cfree", "valloc", "pvalloc", "memalign",
		"aligned_alloc", "posix_memalign", "reallocarray", "malloc_usable_size", "malloc_trim",
		"_int_malloc", "_int_free", "_int_realloc", "_int_memalign", "malloc_consolidate",
		"unlink_chunk", "sysmalloc", "systrim", "mremap_chunk", "munmap_chunk", "heap_trim",
		"new_heap", "alloc_new_heap", "shrink_heap", "grow_heap", "arena_get2", "arena_get_retry",
		"get_free_list", "reused_arena", "_int_new_arena", "ptmalloc_init", "malloc_hook_ini",
		"mem2chunk_check", "checked_request2size", "alloc_perturb", "free_perturb",
		"__glibc_morecore", "__default_morecore", "sbrk", "__sbrk", "brk", "__brk",
		"_mid_memalign", "int_mallinfo", "malloc_printerr",
	};
	static const char *const prefix[] = {
		"__libc_malloc", "__libc_free", "__libc_calloc", "__libc_realloc", "__libc_memalign",
		"__libc_valloc", "__libc_pvalloc", "__libc_reallocarray", "__malloc_", "tcache_",
		"_int_free_", "__libc_thread_freeres",
		"tc_", "_Znw", "_Zna", "_Zdl", "_Zda",   /* gperftools' entry points, operator new/delete */
	};
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(name, exact[i]) == 0)
			return true;
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(name, prefix[i], strlen(prefix[i])) == 0)
			return true;
	return false;
}

const char *const callgrind_class_names[CG_CLASSES] = { "allocator", "libc", "workload", "other" };

/* Name compression: "(12) name" defines id 12, "(12)" refers to it, a
 * plain "name" is uncompressed.  Returns the id (-1 when none) and points
 * *name at the name ("" when only referred to). */
static long compressed(char *v, char **name)
{
	long id = -1;
	if (*v == '(') {
		char *end;
		id = strtol(v + 1, &end, 10);
		v = *end == ')' ? end + 1 : end;
		while (*v == ' ')
			v++;
	}
	*name = v;
	return id;
}

/* A growable id -> int map, -1 when unset. */
struct idmap { int *v; long n; };

static int idmap_set(struct idmap *m, long id, int val)
{
	if (id < 0)
		return 0;
	if (id >= m->n) {
		long n = m->n ? m->n : 256;
		while (n <= id)
			n *= 2;
		int *nv = realloc(m->v, (size_t)n * sizeof(int));
		if (!nv)
			return -1;
		for (long i = m->n; i < n; i++)
			nv[i] = -1;
		m->v = nv;
		m->n = n;
	}
	m->v[id] = val;
	return 0;
}

static int idmap_get(const struct idmap *m, long id)
{
	return id >= 0 && id < m->n ? m->v[id] : -1;
}

/* The index of object path in t->ob, added when new (the last slot takes
 * every object beyond CG_OBJECTS_MAX). */
static int object_index(struct callgrind_totals *t, const char *path)
{
	for (int i = 0; i < t->n_ob; i++)
		if (strcmp(t->ob[i].path, path) == 0)
			return i;
	if (t->n_ob == CG_OBJECTS_MAX) {
		snprintf(t->ob[CG_OBJECTS_MAX - 1].path, sizeof(t->ob[0].path), "(other objects)");
		return CG_OBJECTS_MAX - 1;
	}
	snprintf(t->ob[t->n_ob].path, sizeof(t->ob[0].path), "%s", path);
	return t->n_ob++;
}

/* ob=/cob= (object) or fn=/cfn= (function) record: define the id and, for
 * ob=/fn=, make it current.  Objects map to their t->ob index, functions
 * to 1 when they are malloc-family functions. */
static int name_record(struct callgrind_totals *t, struct idmap *m, char *v, bool object, int *current)
{
	char *name;
	long id = compressed(v, &name);
	int val;
	if (*name) {
		val = object ? object_index(t, name) : callgrind_is_malloc_fn(name);
		if (idmap_set(m, id, val) < 0)
			return -1;
	} else {
		val = idmap_get(m, id);
	}
	if (current)
		*current = val;
	return 0;
}

int callgrind_parse(const char *text, struct callgrind_totals *t, char *err, size_t errlen)
{
	char *copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Per-object sums go to a scratch copy first: a file refused below
	 * must leave t as it was. */
	struct callgrind_totals *scratch = malloc(sizeof(*scratch));
	if (!scratch) {
		free(copy);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(scratch, t, sizeof(*t));
	char names[CG_EVENTS_MAX][12];
	int n = -1, have_totals = 0, npos = 1, ir_col = -1;
	unsigned long long totals[CG_EVENTS_MAX] = { 0 }, summary[CG_EVENTS_MAX] = { 0 };
	int have_summary = 0, rc = 0;
	struct idmap obs = { 0 }, fns = { 0 };
	int cur_ob = -1, cur_malloc = 0, after_calls = 0;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		char *v;
		char c = line[0];
		if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '*') {
			/* A cost line.  After calls= it is the call's inclusive
			 * cost, already counted as the callee's self cost. */
			if (after_calls) {
				after_calls = 0;
				continue;
			}
			if (ir_col < 0)
				continue;
			char *p = line, *end;
			for (int i = 0; i < npos; i++) {
				p += strspn(p, " \t");
				p += strcspn(p, " \t");
			}
			unsigned long long ir = 0;
			for (int i = 0; i <= ir_col; i++, p = end) {
				unsigned long long x = strtoull(p, &end, 10);
				if (end == p)
					break;   /* trailing zero columns are left out */
				if (i == ir_col)
					ir = x;
			}
			if (!ir)
				continue;
			if (cur_ob < 0)
				cur_ob = object_index(scratch, "???");
			scratch->ob[cur_ob].ir += ir;
			if (cur_malloc > 0)
				scratch->ob[cur_ob].ir_malloc += ir;
		} else if ((v = line_value(line, "calls="))) {
			after_calls = 1;
		} else if ((v = line_value(line, "ob="))) {
			rc = name_record(scratch, &obs, v, true, &cur_ob);
		} else if ((v = line_value(line, "cob="))) {
			rc = name_record(scratch, &obs, v, true, NULL);
		} else if ((v = line_value(line, "fn="))) {
			rc = name_record(scratch, &fns, v, false, &cur_malloc);
		} else if ((v = line_value(line, "cfn="))) {
			rc = name_record(scratch, &fns, v, false, NULL);
		} else if ((v = line_value(line, "events:"))) {
			n = 0;
			char *s2 = NULL;
			for (char *w = strtok_r(v, " \t", &s2); w && n < CG_EVENTS_MAX; w = strtok_r(NULL, " \t", &s2)) {
				if (strcmp(w, "Ir") == 0)
					ir_col = n;
				snprintf(names[n++], sizeof(names[0]), "%s", w);
			}
		} else if ((v = line_value(line, "positions:"))) {
			npos = 0;
			char *s2 = NULL;
			for (char *w = strtok_r(v, " \t", &s2); w; w = strtok_r(NULL, " \t", &s2))
				npos++;
		} else if ((v = line_value(line, "cmd:"))) {
			if (!scratch->cmd[0]) {
				v += strspn(v, " \t");
				snprintf(scratch->cmd, sizeof(scratch->cmd), "%.*s", (int)strcspn(v, " \t"), v);
			}
		} else if ((v = line_value(line, "totals:")) || (v = line_value(line, "summary:"))) {
			unsigned long long *dst = line[0] == 't' ? totals : summary;
			*(line[0] == 't' ? &have_totals : &have_summary) = 1;
			char *end;
			for (int i = 0; i < CG_EVENTS_MAX; i++, v = end) {
				dst[i] = strtoull(v, &end, 10);
				if (end == v)
					break;
			}
		} else if ((v = line_value(line, "desc: "))) {
			for (int c2 = 0; c2 < 3; c2++) {
				static const char *const which[] = { "I1 cache:", "D1 cache:", "LL cache:" };
				if (strncmp(v, which[c2], strlen(which[c2])) == 0)
					snprintf(scratch->cache[c2], sizeof(scratch->cache[c2]), "%s", v);
			}
		}
	}
	free(copy);
	free(obs.v);
	free(fns.v);
	if (rc < 0) {
		free(scratch);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (n <= 0 || (!have_totals && !have_summary)) {
		free(scratch);
		snprintf(err, errlen, "not a callgrind output file (no events:/totals: line)");
		return -1;
	}
	if (t->files > 0) {
		int same = t->n == n;
		for (int i = 0; same && i < n; i++)
			same = strcmp(t->name[i], names[i]) == 0;
		if (!same) {
			free(scratch);
			snprintf(err, errlen, "callgrind output files with different event lists cannot be summed");
			return -1;
		}
	} else {
		scratch->n = n;
		memcpy(scratch->name, names, sizeof(names));
	}
	for (int i = 0; i < n; i++)
		scratch->v[i] += have_totals ? totals[i] : summary[i];
	scratch->files++;
	memcpy(t, scratch, sizeof(*t));
	free(scratch);
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	if (!a || !*a || !b || !*b)
		return false;
	if (strcmp(a, b) == 0)
		return true;
	char ra[PATH_MAX], rb[PATH_MAX];
	return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

static bool is_libc(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "libc-", 5) == 0;
}

void callgrind_classify(const struct callgrind_totals *t, const char *alloc_path, const char *workload_path,
			unsigned long long out[CG_CLASSES])
{
	bool glibc = !alloc_path || !*alloc_path;
	memset(out, 0, sizeof(unsigned long long) * CG_CLASSES);
	for (int i = 0; i < t->n_ob; i++) {
		const struct callgrind_object *o = &t->ob[i];
		if (!glibc && same_file(o->path, alloc_path)) {
			out[CG_CLASS_ALLOC] += o->ir;
		} else if (is_libc(o->path)) {
			/* With a preloaded allocator, libc's own malloc is not
			 * called (the preload's symbols win). */
			unsigned long long a = glibc ? o->ir_malloc : 0;
			out[CG_CLASS_ALLOC] += a;
			out[CG_CLASS_LIBC] += o->ir - a;
		} else if (!glibc && strcmp(o->path, "???") == 0) {
			/* Code valgrind maps to no object.  gperftools puts
			 * malloc/free in a "google_malloc" section that
			 * valgrind does not attribute to libtcmalloc: its
			 * malloc-family functions are the preload's. */
			out[CG_CLASS_ALLOC] += o->ir_malloc;
			out[CG_CLASS_OTHER] += o->ir - o->ir_malloc;
		} else if (same_file(o->path, workload_path)) {
			out[CG_CLASS_WORKLOAD] += o->ir;
		} else {
			out[CG_CLASS_OTHER] += o->ir;
		}
	}
}

unsigned long long callgrind_get(const struct callgrind_totals *t, const char *event, bool *found)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->name[i], event) == 0) {
			*found = true;
			return t->v[i];
		}
	*found = false;
	return 0;
}
