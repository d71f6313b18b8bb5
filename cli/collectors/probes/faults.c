/* faults.c - the faults group: the workload's user page faults by access
 * type and by region (probes/faults.bpf.c), with the allocator's own
 * regions (recorded as "superslab") told apart when its library exports
 * the trace functions its registry row names (uprobes on ctx->variant's
 * library). */
#include "probe.h"

static const struct metric_def m_faults = {
	"faults", "faults", METRIC_LOWER,
	"user page faults of the workload (eBPF, exceptions:page_fault_user)",
};
static const struct metric_def m_faults_per_kop = {
	"faults_per_kop", "/1K ops", METRIC_LOWER,
	"user page faults per 1000 operations (eBPF)",
};

#ifdef HAVE_BPF
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "variant.h"
#include "faults.h"
#include "faults.skel.h"

static const struct metric_def m_superslab_faults = {
	"superslab_faults", "faults", METRIC_LOWER,
	"user page faults inside the allocator's own traced regions (eBPF + uprobes)",
};

struct faults_group {
	struct faults_bpf *skel;
	char superslab_why[200];     /* "" when the uprobes are attached */
};

static const char *const region_names[FR_NR] = {
	[FR_SUPERSLAB] = "superslab", [FR_ANON_MMAP] = "anon_mmap", [FR_BRK] = "brk",
	[FR_STACK] = "stack", [FR_FILE] = "file", [FR_ANON_OTHER] = "anon_other", [FR_OTHER] = "other",
};

/* Uprobes on the functions an allocator calls when it maps or unmaps one
 * of its regions (the trace symbols of its registry row, allocators.c);
 * a library given as NAME=/path is tried with every row's symbols.  A
 * library without them just has no region attribution. */
static int attach_region_trace(struct faults_group *f, pid_t tgid, const char *lib, const struct allocator_row *row)
{
	LIBBPF_OPTS(bpf_uprobe_opts, map_opts, .func_name = row->trace_map);
	LIBBPF_OPTS(bpf_uprobe_opts, unmap_opts, .func_name = row->trace_unmap);
	struct bpf_link *a = bpf_program__attach_uprobe_opts(f->skel->progs.faults_superslab_map, tgid, lib, 0, &map_opts);
	if (!a) {
		snprintf(f->superslab_why, sizeof(f->superslab_why), "%.120s does not export %s", lib, row->trace_map);
		return -1;
	}
	struct bpf_link *b = bpf_program__attach_uprobe_opts(f->skel->progs.faults_superslab_unmap, tgid, lib, 0, &unmap_opts);
	if (!b) {
		bpf_link__destroy(a);
		snprintf(f->superslab_why, sizeof(f->superslab_why), "%.120s does not export %s", lib, row->trace_unmap);
		return -1;
	}
	/* The skeleton destroys them with the rest. */
	f->skel->links.faults_superslab_map = a;
	f->skel->links.faults_superslab_unmap = b;
	f->superslab_why[0] = '\0';
	return 0;
}

static void attach_superslab(struct faults_group *f, pid_t tgid, const struct run_ctx *ctx)
{
	const char *lib = ctx->variant ? ctx->variant->alloc.path : "";
	const struct allocator_row *own = ctx->variant ? ctx->variant->alloc.row : NULL;
	if (!lib[0]) {
		snprintf(f->superslab_why, sizeof(f->superslab_why), "no allocator library preloaded (no region trace functions)");
		return;
	}
	snprintf(f->superslab_why, sizeof(f->superslab_why),
		 "%.120s has no region trace functions (none in its registry row)", lib);
	for (int i = 0; i < allocator_count; i++) {
		const struct allocator_row *row = own ? own : &allocator_table[i];
		if (row->trace_map && row->trace_unmap && attach_region_trace(f, tgid, lib, row) == 0)
			return;
		if (own)
			return;
	}
}

static void *faults_open(pid_t tgid, const struct run_ctx *ctx, char *why, size_t len)
{
	struct faults_group *f = calloc(1, sizeof(*f));
	if (!f) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	PROBE_SKEL_OPEN(faults_bpf, f->skel, tgid, why, len);
	if (!f->skel) {
		free(f);
		return NULL;
	}
	attach_superslab(f, tgid, ctx);
	return f;
}

static void faults_report(void *g, const struct run_ctx *ctx, struct jbuf *b, struct metrics *m)
{
	struct faults_group *f = g;
	const struct faults_counts *c = &f->skel->bss->counts;
	jb_int(b, "total", (long long)c->total);
	jb_int(b, "read", (long long)c->read);
	jb_int(b, "write", (long long)c->write);
	jb_int(b, "exec", (long long)c->exec);
	jb_obj_begin(b, "by_region");
	for (int r = 0; r < FR_NR; r++)
		jb_int(b, region_names[r], (long long)c->region[r]);
	jb_obj_end(b);
	jb_int(b, "untracked_chunks", (long long)c->chunks_untracked);
	unsigned long long thp = 0;
	for (int r = 0; r < FR_NR; r++)
		thp += c->thp_faults[r];
	jb_int(b, "thp_faults", (long long)thp);
	probes_hist_json(b, "anon_mmap_distance_log2", c->anon_hist, PROBE_HIST_SLOTS);

	jb_obj_begin(b, "superslab");
	if (f->superslab_why[0]) {
		char st[240];
		snprintf(st, sizeof(st), "unavailable: %s", f->superslab_why);
		jb_str(b, "status", st);
	} else {
		jb_str(b, "status", "ok");
		jb_int(b, "maps", (long long)c->superslab_maps);
		jb_int(b, "unmaps", (long long)c->superslab_unmaps);
		jb_int(b, "mapped_bytes", (long long)c->superslab_map_bytes);
		jb_int(b, "faults", (long long)c->region[FR_SUPERSLAB]);
		jb_int(b, "faults_before_map", (long long)c->superslab_faults_before_map);
		jb_int(b, "thp_faults", (long long)c->thp_faults[FR_SUPERSLAB]);
		probes_hist_json(b, "distance_log2", c->superslab_hist, PROBE_HIST_SLOTS);
	}
	jb_obj_end(b);

	metric_set(m, &m_faults, (double)c->total);
	if (ctx->ops > 0)
		metric_set(m, &m_faults_per_kop, c->total * 1000.0 / ctx->ops);
	if (!f->superslab_why[0])
		metric_set(m, &m_superslab_faults, (double)c->region[FR_SUPERSLAB]);
}

static void faults_close(void *g)
{
	struct faults_group *f = g;
	faults_bpf__destroy(f->skel);
	free(f);
}
#endif /* HAVE_BPF */

static const struct metric_def *const faults_metrics[] = { &m_faults, &m_faults_per_kop, NULL };

const struct probe_group_ops probe_faults_ops = {
	.name = "faults", .metrics = faults_metrics,
	PROBE_FNS(.open = faults_open, .report = faults_report, .close = faults_close)
};
