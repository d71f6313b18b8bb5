/* probes_faults.c - the faults group: the workload's user page faults by
 * access type and by region (probes/faults.bpf.c), with HAKMEM's
 * SuperSlabs told apart when the allocator library exports
 * hakmem_trace_superslab_map/unmap (uprobes on ctx->variant's library). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "probes_groups.h"
#include "probes.h"
#include "faults.skel.h"

struct faults_group {
	struct faults_bpf *skel;
	char superslab_why[200];     /* "" when the uprobes are attached */
};

static const char *const region_names[FR_NR] = {
	[FR_SUPERSLAB] = "superslab", [FR_ANON_MMAP] = "anon_mmap", [FR_BRK] = "brk",
	[FR_STACK] = "stack", [FR_FILE] = "file", [FR_ANON_OTHER] = "anon_other", [FR_OTHER] = "other",
};

/* Uprobes on the allocator's SuperSlab reports; a library without them
 * (every allocator but HAKMEM) just has no SuperSlab attribution. */
static void attach_superslab(struct faults_group *f, pid_t tgid, const struct run_ctx *ctx)
{
	const char *lib = ctx->variant ? ctx->variant->alloc.path : "";
	if (!lib[0]) {
		snprintf(f->superslab_why, sizeof(f->superslab_why), "no allocator library preloaded (only HAKMEM reports SuperSlabs)");
		return;
	}
	LIBBPF_OPTS(bpf_uprobe_opts, map_opts, .func_name = "hakmem_trace_superslab_map");
	LIBBPF_OPTS(bpf_uprobe_opts, unmap_opts, .func_name = "hakmem_trace_superslab_unmap");
	struct bpf_link *a = bpf_program__attach_uprobe_opts(f->skel->progs.faults_superslab_map, tgid, lib, 0, &map_opts);
	if (!a) {
		snprintf(f->superslab_why, sizeof(f->superslab_why),
			 "%.120s does not export hakmem_trace_superslab_map (only HAKMEM does)", lib);
		return;
	}
	struct bpf_link *b = bpf_program__attach_uprobe_opts(f->skel->progs.faults_superslab_unmap, tgid, lib, 0, &unmap_opts);
	if (!b) {
		bpf_link__destroy(a);
		snprintf(f->superslab_why, sizeof(f->superslab_why),
			 "%.120s does not export hakmem_trace_superslab_unmap", lib);
		return;
	}
	/* The skeleton destroys them with the rest. */
	f->skel->links.faults_superslab_map = a;
	f->skel->links.faults_superslab_unmap = b;
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

	metrics_add(m, "faults", "faults", (double)c->total);
	if (ctx->ops > 0)
		metrics_add(m, "faults_per_kop", "/1K ops", c->total * 1000.0 / ctx->ops);
	if (!f->superslab_why[0])
		metrics_add(m, "superslab_faults", "faults", (double)c->region[FR_SUPERSLAB]);
}

static void faults_close(void *g)
{
	struct faults_group *f = g;
	faults_bpf__destroy(f->skel);
	free(f);
}

const struct probe_group_ops probe_faults_ops = {
	.name = "faults", .open = faults_open, .report = faults_report,
	.close = faults_close,
};
