/* tlb.c - the tlb group: TLB flushes while the workload's threads
 * run, by reason (probes/tlb.bpf.c).  The metrics leave out task_switch
 * flushes: they come from context switches (other processes included),
 * not from the workload's memory-map changes; the record keeps them. */
#include "probe.h"

static const struct metric_def m_tlb_flushes = {
	"tlb_flushes", "flushes", METRIC_LOWER,
	"TLB flushes of the workload except task switches (eBPF, tlb:tlb_flush)",
};
static const struct metric_def m_tlb_flushes_per_kop = {
	"tlb_flushes_per_kop", "/1K ops", METRIC_LOWER,
	"TLB flushes except task switches per 1000 operations (eBPF)",
};

#ifdef HAVE_BPF
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "tlb.h"
#include "tlb.skel.h"

/* enum tlb_flush_reason, in the kernel's order (slot 7: unknown). */
static const char *const reason_names[TLB_REASON_SLOTS] = {
	"task_switch", "remote_shootdown", "local_shootdown", "local_mm_shootdown",
	"remote_ipi_send", "remote_wrong_cpu", "reason_6", "unknown",
};

static void *tlb_open(pid_t tgid, const struct run_ctx *ctx, char *why, size_t len)
{
	(void)ctx;
	struct tlb_bpf *skel;
	PROBE_SKEL_OPEN(tlb_bpf, skel, tgid, why, len);
	return skel;
}

static void tlb_report(void *g, const struct run_ctx *ctx, struct jbuf *b, struct metrics *m)
{
	const struct tlb_counts *c = &((struct tlb_bpf *)g)->bss->counts;
	unsigned long long all = 0, mm = 0;
	jb_obj_begin(b, "by_reason");
	for (int r = 0; r < TLB_REASON_SLOTS; r++) {
		all += c->flushes[r];
		if (r != 0)
			mm += c->flushes[r];
		if (!c->flushes[r])
			continue;
		jb_obj_begin(b, reason_names[r]);
		jb_int(b, "flushes", (long long)c->flushes[r]);
		jb_int(b, "pages", (long long)c->pages[r]);
		jb_int(b, "full", (long long)c->full[r]);
		jb_obj_end(b);
	}
	jb_obj_end(b);
	jb_int(b, "flushes", (long long)all);
	jb_int(b, "flushes_except_task_switch", (long long)mm);

	metric_set(m, &m_tlb_flushes, (double)mm);
	if (ctx->ops > 0)
		metric_set(m, &m_tlb_flushes_per_kop, mm * 1000.0 / ctx->ops);
}

static void tlb_close(void *g)
{
	tlb_bpf__destroy(g);
}
#endif /* HAVE_BPF */

static const struct metric_def *const tlb_metrics[] = { &m_tlb_flushes, &m_tlb_flushes_per_kop, NULL };

const struct probe_group_ops probe_tlb_ops = {
	.name = "tlb", .metrics = tlb_metrics,
	PROBE_FNS(.open = tlb_open, .report = tlb_report, .close = tlb_close)
};
