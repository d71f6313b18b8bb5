// SPDX-License-Identifier: GPL-2.0
/* tlb.bpf.c - TLB flushes done while the workload's threads run, by reason.
 *
 * Event: tp_btf/tlb_flush (tlb:tlb_flush, arguments reason and pages).
 * The event is attributed to the task current on the CPU that flushes:
 * local flushes (munmap, madvise, mprotect by the workload) and remote
 * shootdowns received while a workload thread runs count; a shootdown IPI
 * taken while another process runs does not; "task_switch" flushes fire
 * while switching away from the workload's thread. */
#include "common.bpf.h"
#include "tlb.h"

struct tlb_counts counts;

SEC("tp_btf/tlb_flush")
int BPF_PROG(tlb_flush, int reason, unsigned long pages)
{
	if (!is_target())
		return 0;
	__u32 r = reason >= 0 && reason < TLB_REASON_SLOTS - 1 ? reason : TLB_REASON_SLOTS - 1;
	ADD(counts.flushes[r], 1);
	if (pages == (unsigned long)-1)
		ADD(counts.full[r], 1);
	else
		ADD(counts.pages[r], pages);
	return 0;
}
