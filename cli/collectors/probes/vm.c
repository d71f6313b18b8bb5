/* vm.c - the vm group: the workload's mmap / munmap / madvise (by
 * advice) / brk / mprotect / mremap calls and bytes, and its exact peak
 * anonymous RSS at kmem:rss_stat (probes/vm.bpf.c; the tracepoint's own
 * approximate figure beside it as peak_anon_rss_approx_kib). */
#include "probe.h"

static const struct metric_def m_mmap_calls = {
	"mmap_calls", "calls", METRIC_LOWER,
	"mmap calls of the workload (eBPF, syscalls tracepoints)",
};
static const struct metric_def m_munmap_calls = {
	"munmap_calls", "calls", METRIC_LOWER,
	"munmap calls of the workload (eBPF)",
};
static const struct metric_def m_madvise_calls = {
	"madvise_calls", "calls", METRIC_LOWER,
	"madvise calls of the workload (eBPF)",
};
static const struct metric_def m_brk_calls = {
	"brk_calls", "calls", METRIC_LOWER,
	"brk calls of the workload (eBPF)",
};
static const struct metric_def m_peak_anon_rss_kib = {
	"peak_anon_rss_kib", "KiB", METRIC_LOWER,
	"exact peak anonymous RSS of the workload from its exec on (eBPF: MM_ANONPAGES summed over CPUs at each kmem:rss_stat)",
};

#ifdef HAVE_BPF
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "vm.h"
#include "vm.skel.h"

static const char *const call_names[VC_NR] = {
	[VC_MMAP] = "mmap", [VC_MUNMAP] = "munmap", [VC_MADVISE] = "madvise",
	[VC_BRK] = "brk", [VC_MPROTECT] = "mprotect", [VC_MREMAP] = "mremap",
};

/* MADV_* values (uapi/asm-generic/mman-common.h); NULL: unnamed. */
static const char *const advice_names[MADV_SLOTS] = {
	[0] = "normal", [1] = "random", [2] = "sequential", [3] = "willneed",
	[4] = "dontneed", [8] = "free", [9] = "remove", [10] = "dontfork",
	[11] = "dofork", [12] = "mergeable", [13] = "unmergeable", [14] = "hugepage",
	[15] = "nohugepage", [16] = "dontdump", [17] = "dodump", [18] = "wipeonfork",
	[19] = "keeponfork", [20] = "cold", [21] = "pageout", [22] = "populate_read",
	[23] = "populate_write", [24] = "dontneed_locked", [25] = "collapse",
	[MADV_SLOTS - 1] = "other",
};

static void *vm_open(pid_t tgid, const struct run_ctx *ctx, char *why, size_t len)
{
	(void)ctx;
	struct vm_bpf *skel;
	PROBE_SKEL_OPEN(vm_bpf, skel, tgid, why, len);
	return skel;
}

static void vm_report(void *g, const struct run_ctx *ctx, struct jbuf *b, struct metrics *m)
{
	(void)ctx;
	const struct vm_counts *c = &((struct vm_bpf *)g)->bss->counts;
	for (int k = 0; k < VC_NR; k++) {
		jb_obj_begin(b, call_names[k]);
		jb_int(b, "calls", (long long)c->calls[k]);
		if (k == VC_BRK) {
			jb_int(b, "grow_bytes", (long long)c->brk_grow_bytes);
			jb_int(b, "shrink_bytes", (long long)c->brk_shrink_bytes);
		} else {
			jb_int(b, "bytes", (long long)c->bytes[k]);
			jb_int(b, "failed", (long long)c->failed[k]);
		}
		if (k == VC_MMAP) {
			jb_int(b, "anon_calls", (long long)c->mmap_anon_calls);
			jb_int(b, "anon_bytes", (long long)c->mmap_anon_bytes);
		}
		if (k == VC_MADVISE) {
			jb_obj_begin(b, "by_advice");
			for (int a = 0; a < MADV_SLOTS; a++) {
				if (!c->madv_calls[a])
					continue;
				char name[24];
				if (advice_names[a])
					snprintf(name, sizeof(name), "%s", advice_names[a]);
				else
					snprintf(name, sizeof(name), "advice_%d", a);
				jb_obj_begin(b, name);
				jb_int(b, "calls", (long long)c->madv_calls[a]);
				jb_int(b, "bytes", (long long)c->madv_bytes[a]);
				jb_obj_end(b);
			}
			jb_obj_end(b);
		}
		jb_obj_end(b);
	}
	jb_int(b, "peak_anon_rss_kib", (long long)(c->peak_anon_bytes / 1024));
	jb_int(b, "peak_anon_rss_approx_kib", (long long)(c->peak_anon_approx_bytes / 1024));
	jb_int(b, "rss_stat_events", (long long)c->rss_events);
	jb_int(b, "rss_inexact_events", (long long)c->rss_inexact);
	jb_int(b, "forks_followed", (long long)((struct vm_bpf *)g)->bss->followed_forks);

	metric_set(m, &m_mmap_calls, (double)c->calls[VC_MMAP]);
	metric_set(m, &m_munmap_calls, (double)c->calls[VC_MUNMAP]);
	metric_set(m, &m_madvise_calls, (double)c->calls[VC_MADVISE]);
	metric_set(m, &m_brk_calls, (double)c->calls[VC_BRK]);
	if (c->rss_events)
		metric_set(m, &m_peak_anon_rss_kib, c->peak_anon_bytes / 1024.0);
	else
		metric_unsupported(m, &m_peak_anon_rss_kib, "no kmem:rss_stat event for the workload");
}

static void vm_close(void *g)
{
	vm_bpf__destroy(g);
}
#endif /* HAVE_BPF */

static const struct metric_def *const vm_metrics[] = { &m_mmap_calls, &m_munmap_calls, &m_madvise_calls, &m_brk_calls, &m_peak_anon_rss_kib, NULL };

const struct probe_group_ops probe_vm_ops = {
	.name = "vm", .metrics = vm_metrics,
	PROBE_FNS(.open = vm_open, .report = vm_report, .close = vm_close)
};
