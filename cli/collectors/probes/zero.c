/* zero.c - the zero group: pages the kernel zeroed for the
 * workload, and an ESTIMATE of the time it took (probes/zero.bpf.c; the
 * method is written in the record and in README.md, eBPF probes). */
#include "probe.h"

static const struct metric_def m_zeroed_kib = {
	"zeroed_kib", "KiB", METRIC_LOWER,
	"memory the kernel zeroed for the workload (eBPF, mm_page_alloc with __GFP_ZERO)",
};
static const struct metric_def m_zeroed_kib_per_kop = {
	"zeroed_kib_per_kop", "KiB/1K ops", METRIC_LOWER,
	"memory the kernel zeroed per 1000 operations (eBPF)",
};
static const struct metric_def m_zero_time_est_ms = {
	"zero_time_est_ms", "ms (estimate)", METRIC_LOWER,
	"ESTIMATE (upper bound) of the kernel time spent zeroing pages (eBPF)",
};

#ifdef HAVE_BPF
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "zero.h"
#include "zero.skel.h"

#define THP_BYTES (2.0 * 1024 * 1024)

static void *zero_open(pid_t tgid, const struct run_ctx *ctx, char *why, size_t len)
{
	(void)ctx;
	struct zero_bpf *skel;
	PROBE_SKEL_OPEN(zero_bpf, skel, tgid, why, len);
	return skel;
}

static void zero_report(void *g, const struct run_ctx *ctx, struct jbuf *b, struct metrics *m)
{
	const struct zero_counts *c = &((struct zero_bpf *)g)->bss->counts;
	double bytes = (c->user_pages + c->other_zero_pages) * 4096.0 + c->thp_pages * THP_BYTES;
	jb_int(b, "user_4k_pages", (long long)c->user_pages);
	jb_int(b, "thp_pages", (long long)c->thp_pages);
	jb_int(b, "other_zeroed_4k_pages", (long long)c->other_zero_pages);
	jb_int(b, "pagetable_4k_pages", (long long)c->pagetable_pages);
	jb_num(b, "zeroed_bytes", bytes);

	/* Mean of the timed pairs, scaled to every zeroed page of its kind. */
	double per_4k = c->est_4k_samples ? (double)c->est_4k_ns / c->est_4k_samples : 0;
	double per_thp = c->est_thp_samples ? (double)c->est_thp_ns / c->est_thp_samples : 0;
	bool have = (c->user_pages == 0 || c->est_4k_samples) && (c->thp_pages == 0 || c->est_thp_samples);
	double total_ms = (per_4k * c->user_pages + per_thp * c->thp_pages) / 1e6;
	jb_obj_begin(b, "time_estimate");
	jb_str(b, "kind", "ESTIMATE (upper bound), not a direct measurement: no fentry/kprobes here");
	jb_str(b, "method_4k", "page_fault_user -> mm_page_alloc(order 0, __GFP_ZERO) of the same thread: fault entry + allocation + zeroing");
	jb_str(b, "method_thp", "mm_page_alloc(order 9) -> the same thread's next mm_page_alloc (page table after folio_zero_user): memcg charge + zeroing");
	jb_int(b, "samples_4k", (long long)c->est_4k_samples);
	jb_int(b, "discarded_4k", (long long)c->est_4k_discarded);
	jb_int(b, "samples_thp", (long long)c->est_thp_samples);
	jb_int(b, "discarded_thp", (long long)c->est_thp_discarded);
	if (c->est_4k_samples)
		jb_num(b, "per_4k_page_us", per_4k / 1e3);
	if (c->est_thp_samples)
		jb_num(b, "per_thp_us", per_thp / 1e3);
	if (have)
		jb_num(b, "total_ms", total_ms);
	jb_obj_end(b);

	metric_set(m, &m_zeroed_kib, bytes / 1024);
	if (ctx->ops > 0)
		metric_set(m, &m_zeroed_kib_per_kop, bytes / 1024 * 1000.0 / ctx->ops);
	if (have)
		metric_set(m, &m_zero_time_est_ms, total_ms);
	else
		metric_unsupported(m, &m_zero_time_est_ms, "no timed fault/allocation pair to estimate from");
}

static void zero_close(void *g)
{
	zero_bpf__destroy(g);
}
#endif /* HAVE_BPF */

static const struct metric_def *const zero_metrics[] = { &m_zeroed_kib, &m_zeroed_kib_per_kop, &m_zero_time_est_ms, NULL };

const struct probe_group_ops probe_zero_ops = {
	.name = "zero", .metrics = zero_metrics,
	PROBE_FNS(.open = zero_open, .report = zero_report, .close = zero_close)
};
