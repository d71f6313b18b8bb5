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

/* One file being parsed.  Per-object sums go to a scratch copy of the
 * totals first: a file refused at the end must leave them as they were. */
struct cg_parse {
	struct callgrind_totals *scratch;
	char names[CG_EVENTS_MAX][12];
	int n, npos, ir_col;
	unsigned long long totals[CG_EVENTS_MAX], summary[CG_EVENTS_MAX];
	int have_totals, have_summary;
	struct idmap obs, fns;
	int cur_ob, cur_malloc, after_calls;
};

/* A cost line: its Ir is the current function's self cost.  After calls=
 * it is the call's inclusive cost, already counted as the callee's. */
static void cost_line(struct cg_parse *ps, char *line)
{
	if (ps->after_calls) {
		ps->after_calls = 0;
		return;
	}
	if (ps->ir_col < 0)
		return;
	char *p = line, *end;
	for (int i = 0; i < ps->npos; i++) {
		p += strspn(p, " \t");
		p += strcspn(p, " \t");
	}
	unsigned long long ir = 0;
	for (int i = 0; i <= ps->ir_col; i++, p = end) {
		unsigned long long x = strtoull(p, &end, 10);
		if (end == p)
			break;   /* trailing zero columns are left out */
		if (i == ps->ir_col)
			ir = x;
	}
	if (!ir)
		return;
	if (ps->cur_ob < 0)
		ps->cur_ob = object_index(ps->scratch, "???");
	ps->scratch->ob[ps->cur_ob].ir += ir;
	if (ps->cur_malloc > 0)
		ps->scratch->ob[ps->cur_ob].ir_malloc += ir;
}

/* The words of a header line (events:, positions:). */
static void header_words(struct cg_parse *ps, char *v, bool events)
{
	char *s2 = NULL;
	int n = 0;
	for (char *w = strtok_r(v, " \t", &s2); w && n < CG_EVENTS_MAX; w = strtok_r(NULL, " \t", &s2)) {
		if (events && strcmp(w, "Ir") == 0)
			ps->ir_col = n;
		if (events)
			snprintf(ps->names[n], sizeof(ps->names[0]), "%s", w);
		n++;
	}
	*(events ? &ps->n : &ps->npos) = n;
}

/* totals: or summary: (the file's event sums). */
static void sums_line(struct cg_parse *ps, char *line, char *v)
{
	unsigned long long *dst = line[0] == 't' ? ps->totals : ps->summary;
	*(line[0] == 't' ? &ps->have_totals : &ps->have_summary) = 1;
	char *end;
	for (int i = 0; i < CG_EVENTS_MAX; i++, v = end) {
		dst[i] = strtoull(v, &end, 10);
		if (end == v)
			break;
	}
}

static void other_line(struct cg_parse *ps, char *line, char *v)
{
	struct callgrind_totals *sc = ps->scratch;
	if ((v = line_value(line, "cmd:"))) {
		if (!sc->cmd[0]) {
			v += strspn(v, " \t");
			snprintf(sc->cmd, sizeof(sc->cmd), "%.*s", (int)strcspn(v, " \t"), v);
		}
	} else if ((v = line_value(line, "totals:")) || (v = line_value(line, "summary:"))) {
		sums_line(ps, line, v);
	} else if ((v = line_value(line, "desc: "))) {
		static const char *const which[] = { "I1 cache:", "D1 cache:", "LL cache:" };
		for (int c = 0; c < 3; c++)
			if (strncmp(v, which[c], strlen(which[c])) == 0)
				snprintf(sc->cache[c], sizeof(sc->cache[c]), "%s", v);
	}
}

/* One line; -1 when out of memory. */
static int parse_line(struct cg_parse *ps, char *line)
{
	char *v, c = line[0];
	if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '*')
		cost_line(ps, line);
	else if ((v = line_value(line, "calls=")))
		ps->after_calls = 1;
	else if ((v = line_value(line, "ob=")))
		return name_record(ps->scratch, &ps->obs, v, true, &ps->cur_ob);
	else if ((v = line_value(line, "cob=")))
		return name_record(ps->scratch, &ps->obs, v, true, NULL);
	else if ((v = line_value(line, "fn=")))
		return name_record(ps->scratch, &ps->fns, v, false, &ps->cur_malloc);
	else if ((v = line_value(line, "cfn=")))
		return name_record(ps->scratch, &ps->fns, v, false, NULL);
	else if ((v = line_value(line, "events:")))
		header_words(ps, v, true);
	else if ((v = line_value(line, "positions:")))
		header_words(ps, v, false);
	else
		other_line(ps, line, NULL);
	return 0;
}

/* Add the parsed file to t, or say why it cannot be. */
static int merge_file(struct cg_parse *ps, struct callgrind_totals *t, char *err, size_t errlen)
{
	struct callgrind_totals *sc = ps->scratch;
	if (ps->n <= 0 || (!ps->have_totals && !ps->have_summary)) {
		snprintf(err, errlen, "not a callgrind output file (no events:/totals: line)");
		return -1;
	}
	if (t->files > 0) {
		int same = t->n == ps->n;
		for (int i = 0; same && i < ps->n; i++)
			same = strcmp(t->name[i], ps->names[i]) == 0;
		if (!same) {
			snprintf(err, errlen, "callgrind output files with different event lists cannot be summed");
			return -1;
		}
	} else {
		sc->n = ps->n;
		memcpy(sc->name, ps->names, sizeof(ps->names));
	}
	for (int i = 0; i < ps->n; i++)
		sc->v[i] += ps->have_totals ? ps->totals[i] : ps->summary[i];
	sc->files++;
	memcpy(t, sc, sizeof(*t));
	return 0;
}

int callgrind_parse(const char *text, struct callgrind_totals *t, char *err, size_t errlen)
{
	char *copy = strdup(text), *save = NULL;
	struct cg_parse *ps = calloc(1, sizeof(*ps));
	int rc = 0;
	if (ps)
		ps->scratch = malloc(sizeof(*ps->scratch));
	if (!copy || !ps || !ps->scratch) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto out;
	}
	memcpy(ps->scratch, t, sizeof(*t));
	ps->n = -1;
	ps->npos = 1;
	ps->ir_col = -1;
	ps->cur_ob = -1;
	for (char *line = strtok_r(copy, "\n", &save); line && rc == 0; line = strtok_r(NULL, "\n", &save))
		rc = parse_line(ps, line);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	else
		rc = merge_file(ps, t, err, errlen);
out:
	if (ps) {
		free(ps->obs.v);
		free(ps->fns.v);
		free(ps->scratch);
	}
	free(ps);
	free(copy);
	return rc;
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
