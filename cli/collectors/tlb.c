/* tlb.c - the --engine=tlb collector: simulated data-TLB misses per
 * region of memory, on machines without a PMU (issue 14).
 *
 * prepare() wraps the run's command in build/tlb/hakmem-tlb, which runs
 * the workload under valgrind's lackey and feeds every data access of the
 * timed region (first to last wl_now() marker) to a two-level TLB model
 * (tlb/README.md, README "Simulated TLB misses").  The allocator is passed
 * as --alloc-lib; the LD_PRELOAD the engine set (allocator, then the
 * witness) stays as it is, so the witness checks the process the harness
 * forked (hakmem-tlb, preloaded like the workload) and the workload
 * inherits the same preload.  hakmem-tlb writes its JSON to a private file
 * (--json-out) and copies the workload's own stdout through, so the
 * workload's result line stays the run's result line (its ops/s are
 * valgrind's, tens of times slower).
 *
 * finish() puts hakmem-tlb's object under "tlb" in the record and adds
 * the per-1K-ops figures as metrics: totals per level, and L1 misses and
 * walks per region.  Every figure is the model's, not this CPU's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector.h"
#include "fileio.h"
#include "paths.h"
#include "variant.h"

struct tlb_state {
	char prog[4096];         /* build/tlb/hakmem-tlb */
	char model[128];         /* as given to --tlb */
	char model_name[64];     /* as hakmem-tlb resolved it */
	char out[64];            /* this run's JSON file, "" when none */
};

/* The regions hakmem-tlb attributes accesses to (tlb/engine.c
 * region_names), with what each holds. */
static const struct { const char *name, *what; } regions[] = {
	{ "allocator_superslab", "HAKMEM SuperSlabs" },
	{ "allocator_mmap", "mappings the allocator created (mmap inside malloc/free...)" },
	{ "allocator_static", "the allocator library's data and bss" },
	{ "brk_heap", "the brk heap" },
	{ "thread_stacks", "thread stacks" },
	{ "tls", "static TLS blocks and thread control blocks" },
	{ "libc_ldso_data", "libc and ld.so data" },
	{ "workload", "the workload's image, bss and own mappings" },
	{ "other", "any other memory" },
};
#define N_REGIONS ((int)(sizeof(regions) / sizeof(regions[0])))

#define SIM "; simulated TLB (--engine=tlb) over the timed region"

/* Run hakmem-tlb --tlb=MODEL --check: the model's name, or its one error
 * line in err. */
static int check_model(struct tlb_state *s, char *err, size_t errlen)
{
	int p[2];
	if (pipe(p) < 0) {
		snprintf(err, errlen, "--engine=tlb: pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "--engine=tlb: fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		char arg[160];
		snprintf(arg, sizeof(arg), "--tlb=%s", s->model);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execl(s->prog, s->prog, arg, "--check", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char buf[512];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(buf) - 1 && (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	buf[strcspn(buf, "\n")] = '\0';
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(err, errlen, "%s", buf[0] ? buf : "hakmem-tlb could not check the model");
		return -1;
	}
	snprintf(s->model_name, sizeof(s->model_name), "%.63s", buf);
	return 0;
}

static int tlb_setup(const struct run_opts *o, void **state, char *err, size_t errlen)
{
	*state = NULL;
	if (!o->engine || strcmp(o->engine, "tlb") != 0) {
		if (o->tlb_model) {
			snprintf(err, errlen, "--tlb=%s needs --engine=tlb", o->tlb_model);
			return -1;
		}
		return 0;
	}
	if (o->cmd) {
		snprintf(err, errlen, "--engine=tlb does not support --cmd: the timed region is only known in workloads "
			 "(their wl_now() markers)");
		return -1;
	}
	struct tlb_state *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--engine=tlb: out of memory");
		return -1;
	}
	snprintf(s->prog, sizeof(s->prog), "%s/tlb/hakmem-tlb", build_dir());
	snprintf(s->model, sizeof(s->model), "%s", o->tlb_model ? o->tlb_model : "zen4");
	if (access(s->prog, X_OK) != 0) {
		snprintf(err, errlen, "--engine=tlb needs %s: %s (build it: ninja -C %s)", s->prog, strerror(errno),
			 build_dir());
		free(s);
		return -1;
	}
	if (check_model(s, err, errlen) < 0) {
		free(s);
		return -1;
	}
	if (o->n_workload_args == 0)     /* e.g. random_mixed's 10M cycles: hours */
		fprintf(stderr, "harness: warning: --engine=tlb traces every access under valgrind's lackey (about 1.3 ms "
			"per random_mixed op on the project VM, README \"Simulated TLB misses\"), and no workload size "
			"was given: give a small one after --, e.g. -- --cycles 20000\n");
	*state = s;
	return 0;
}

static void remove_out(struct tlb_state *s)
{
	if (s->out[0])
		unlink(s->out);
	s->out[0] = '\0';
}

static int tlb_prepare(void *state, const struct run_ctx *ctx, struct exec_spec *x, char *err, size_t errlen)
{
	struct tlb_state *s = state;
	remove_out(s);
	snprintf(s->out, sizeof(s->out), "/tmp/harness-tlb-XXXXXX");
	int fd = mkstemp(s->out);
	if (fd < 0) {
		snprintf(err, errlen, "--engine=tlb: cannot create a file in /tmp: %s", strerror(errno));
		s->out[0] = '\0';
		return -1;
	}
	close(fd);
	char model[160], out[100], alloc[4200];
	snprintf(model, sizeof(model), "--tlb=%s", s->model);
	snprintf(out, sizeof(out), "--json-out=%s", s->out);
	char *argv[6] = { s->prog, model, out };
	int n = 3;
	/* glibc: "--alloc-lib=" (empty), else hakmem-tlb would take the
	 * first LD_PRELOAD entry, the witness, for the allocator */
	snprintf(alloc, sizeof(alloc), "--alloc-lib=%s", ctx->variant ? ctx->variant->alloc.path : "");
	argv[n++] = alloc;
	argv[n++] = "--";
	if (exec_insert_args(x, 0, argv, n) < 0) {
		snprintf(err, errlen, "--engine=tlb: the command is too long to wrap in hakmem-tlb");
		return -1;
	}
	return 0;
}

/* The whole file (hakmem-tlb's JSON is a few KiB; 4 MiB is far above),
 * NUL-terminated, or NULL. */
static char *read_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *text = read_fd_tail(fd, 4u << 20);
	close(fd);
	return text;
}

/* Figure NAME of a level or region: per 1K ops (a value), or unsupported
 * with why. */
static void per_kop(struct metrics *m, const char *name, const char *desc, const struct jv *obj,
		    const char *key, const char *why)
{
	const struct jv *v = obj ? jv_get(obj, key) : NULL;
	if (!why && (!v || jv_type(v) != JV_NUM))
		why = "hakmem-tlb gave no per-1K-ops figure (the workload printed no ops)";
	if (why)
		metrics_unsupported(m, name, "/1K ops (simulated)", METRIC_LOWER, desc, why);
	else
		metrics_add(m, name, "/1K ops (simulated)", METRIC_LOWER, desc, jv_as_num(v, 0));
}

static void add_metrics(struct metrics *m, const struct jv *t, const char *why)
{
	char name[48], desc[128];
	per_kop(m, "tlb_l1_misses_per_kop", "L1 data-TLB misses per 1000 operations" SIM, t, "l1_misses_per_kops", why);
	per_kop(m, "tlb_walks_per_kop", "page walks (L2 TLB misses) per 1000 operations" SIM, t, "walks_per_kops", why);
	for (int r = 0; r < N_REGIONS; r++) {
		char key[64];
		const struct jv *reg = NULL;
		if (t) {
			snprintf(key, sizeof(key), "regions.%s", regions[r].name);
			reg = jv_get(t, key);
		}
		snprintf(name, sizeof(name), "tlb_walks_per_kop_%s", regions[r].name);
		snprintf(desc, sizeof(desc), "page walks per 1000 ops in %s (simulated TLB)", regions[r].what);
		per_kop(m, name, desc, reg, "walks_per_kops", why);
		snprintf(name, sizeof(name), "tlb_l1_misses_per_kop_%s", regions[r].name);
		snprintf(desc, sizeof(desc), "L1 dTLB misses per 1000 ops in %s (simulated TLB)", regions[r].what);
		per_kop(m, name, desc, reg, "l1_misses_per_kops", why);
	}
	/* The allocator's share of the walks: its three regions over all. */
	static const char *share_desc = "share of the page walks in the allocator's regions (SuperSlabs, its mmaps, its data)" SIM;
	double walks = t ? jv_num(t, "walks", -1) : -1, alloc = 0;
	for (int r = 0; t && r < 3; r++) {
		char key[80];
		snprintf(key, sizeof(key), "regions.%s.walks", regions[r].name);
		alloc += jv_num(t, key, 0);
	}
	if (why)
		metrics_unsupported(m, "tlb_allocator_walk_share", "fraction (simulated)", METRIC_NEITHER, share_desc, why);
	else if (walks <= 0)
		metrics_unsupported(m, "tlb_allocator_walk_share", "fraction (simulated)", METRIC_NEITHER, share_desc,
				    "no page walk in the timed region: no share to give");
	else
		metrics_add(m, "tlb_allocator_walk_share", "fraction (simulated)", METRIC_NEITHER, share_desc, alloc / walks);
}

static void tlb_finish(void *state, const struct run_ctx *ctx, struct jbuf *rec, struct metrics *m)
{
	struct tlb_state *s = state;
	char why[200] = "", perr[128];
	struct jv *t = NULL;
	char *text = ctx->ok ? read_file(s->out) : NULL;
	if (!ctx->ok)
		snprintf(why, sizeof(why), "the run failed (see the record's error)");
	else if (!text || !*text)
		snprintf(why, sizeof(why), "hakmem-tlb wrote no result to %s", s->out);
	else if (!(t = jv_parse(text, perr, sizeof(perr))) || jv_type(t) != JV_OBJ)
		snprintf(why, sizeof(why), "hakmem-tlb's result is not a JSON object: %s", perr);
	free(text);

	/* "tlb": hakmem-tlb's object as it wrote it (model, levels, regions,
	 * huge pages, engine cost), or {"status": why} when there is none. */
	if (t) {
		jb_value(rec, "tlb", t);
	} else {
		jb_obj_begin(rec, "tlb");
		jb_str(rec, "status", why);
		jb_str(rec, "model", s->model_name);
		jb_obj_end(rec);
	}
	add_metrics(m, t, why[0] ? why : NULL);
	jv_free(t);
	remove_out(s);
}

static void tlb_abort(void *state, const struct run_ctx *ctx)
{
	(void)ctx;
	remove_out(state);
}

static void tlb_teardown(void *state)
{
	if (state)
		remove_out(state);
	free(state);
}

const struct collector tlb_collector = {
	.name = "tlb",
	.setup = tlb_setup,
	.prepare = tlb_prepare,
	.finish = tlb_finish,
	.abort = tlb_abort,
	.teardown = tlb_teardown,
};
