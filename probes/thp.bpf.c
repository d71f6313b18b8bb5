// SPDX-License-Identifier: GPL-2.0
/* thp.bpf.c - huge pages allocated to the workload.
 *
 * There is no "THP served this fault" tracepoint; the proxy is
 * tp_btf/mm_page_alloc with __GFP_MOVABLE|__GFP_COMP (a user folio) by
 * order: order 9 is a PMD-sized THP, orders 1-8 would be mTHP.  Counted in
 * the allocating task's context, so khugepaged collapses are not seen.
 * The harness adds AnonHugePages sampled from /proc/PID/smaps_rollup and
 * /proc/vmstat deltas (system-wide). */
#include "common.bpf.h"
#include "thp.h"

struct thp_counts counts;

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(thp_page_alloc, struct page *page, unsigned int order, gfp_t gfp, int migratetype)
{
	if (!is_target())
		return 0;
	if ((gfp & GFP_BIT(MOVABLE)) && (gfp & GFP_BIT(COMP)) && order < THP_ORDER_SLOTS)
		ADD(counts.large_allocs[order], 1);
	return 0;
}
