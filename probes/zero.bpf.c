// SPDX-License-Identifier: GPL-2.0
/* zero.bpf.c - pages the kernel zeroed for the workload, and an ESTIMATE
 * of the time spent zeroing them.
 *
 * Event: tp_btf/mm_page_alloc (kmem:mm_page_alloc: page, order, gfp,
 * migratetype), in the allocating task's context.  Anonymous 4 KiB pages
 * are allocated with __GFP_ZERO (zeroed inside the allocator, before the
 * tracepoint fires); THP folios (order 9, MOVABLE|COMP) carry no ZERO bit
 * and are zeroed by folio_zero_user() right after the tracepoint.
 *
 * Zeroing cannot be timed directly here (no fentry/kprobes), so:
 *  - 4 KiB: time from the thread's page_fault_user to the zeroed page's
 *    mm_page_alloc.  Covers fault entry, VMA lookup, buddy allocation and
 *    the zeroing: an upper bound.
 *  - THP: time from the order-9 mm_page_alloc to the same thread's next
 *    mm_page_alloc, which in the THP fault path is the page-table page
 *    allocated right after folio_zero_user(); covers memcg charge + zeroing.
 * Pairs longer than a bound (the thread was preempted, or the pair does
 * not belong to one fault) are discarded and counted as such. */
#include "common.bpf.h"
#include "zero.h"

#define EST_4K_MAX_NS  (1000 * 1000UL)        /* 1 ms */
#define EST_THP_MAX_NS (50 * 1000 * 1000UL)   /* 50 ms */

struct zero_counts counts;

struct thread_ts { __u64 fault_ns, thp_ns; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct thread_ts);
} thread_ts SEC(".maps");

SEC("tp_btf/page_fault_user")
int BPF_PROG(zero_fault, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	if (!is_target())
		return 0;
	__u32 tid = current_tid();
	struct thread_ts *t = bpf_map_lookup_elem(&thread_ts, &tid);
	if (t) {
		t->fault_ns = bpf_ktime_get_ns();
	} else {
		struct thread_ts n = { .fault_ns = bpf_ktime_get_ns() };
		bpf_map_update_elem(&thread_ts, &tid, &n, BPF_ANY);
	}
	return 0;
}

SEC("tp_btf/mm_page_alloc")
int BPF_PROG(zero_page_alloc, struct page *page, unsigned int order, gfp_t gfp, int migratetype)
{
	if (!is_target())
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u32 tid = current_tid();
	struct thread_ts *t = bpf_map_lookup_elem(&thread_ts, &tid);
	bool zero = gfp & GFP_BIT(ZERO), movable = gfp & GFP_BIT(MOVABLE), comp = gfp & GFP_BIT(COMP);

	if (t && t->thp_ns) {
		__u64 d = now - t->thp_ns;
		t->thp_ns = 0;
		if (d <= EST_THP_MAX_NS) {
			ADD(counts.est_thp_ns, d);
			ADD(counts.est_thp_samples, 1);
		} else {
			ADD(counts.est_thp_discarded, 1);
		}
	}

	if (zero && movable && order == 0) {
		ADD(counts.user_pages, 1);
		if (t && t->fault_ns) {
			__u64 d = now - t->fault_ns;
			t->fault_ns = 0;
			if (d <= EST_4K_MAX_NS) {
				ADD(counts.est_4k_ns, d);
				ADD(counts.est_4k_samples, 1);
			} else {
				ADD(counts.est_4k_discarded, 1);
			}
		}
	} else if (zero && !movable) {
		ADD(counts.pagetable_pages, 1UL << order);
	} else if (zero) {
		ADD(counts.other_zero_pages, 1UL << order);
	} else if (order == 9 && movable && comp) {
		ADD(counts.thp_pages, 1);
		if (t) {
			t->thp_ns = now;
			t->fault_ns = 0;
		} else {
			struct thread_ts n = { .thp_ns = now };
			bpf_map_update_elem(&thread_ts, &tid, &n, BPF_ANY);
		}
	}
	return 0;
}
