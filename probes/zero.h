/* zero.h - the zero group's counters: pages the kernel zeroed for the
 * workload (zero.bpf.c).  Shared by probes/zero.bpf.c and its loader
 * cli/collectors/probes/zero.c (a libbpf-tools triplet).  Plain __u64
 * fields only: user space reads them once, from the skeleton's .bss, after
 * the workload has exited. */
#ifndef PROBES_ZERO_H
#define PROBES_ZERO_H

#include "probes.h"

struct zero_counts {
	__u64 user_pages;        /* order-0, __GFP_ZERO + __GFP_MOVABLE: anon pages zeroed at fault */
	__u64 pagetable_pages;   /* __GFP_ZERO without MOVABLE: page tables and other kernel pages */
	__u64 other_zero_pages;  /* __GFP_ZERO + MOVABLE, order > 0 */
	__u64 thp_pages;         /* order-9 MOVABLE+COMP: zeroed by folio_zero_user (no ZERO bit) */
	/* Estimate of zeroing time from tracepoint timing (see README.md, eBPF probes):
	 * 4 KiB: page_fault_user -> the zeroed page's mm_page_alloc, same thread;
	 * THP: order-9 mm_page_alloc -> the thread's next mm_page_alloc (the
	 * page-table page allocated right after folio_zero_user). */
	__u64 est_4k_ns, est_4k_samples, est_4k_discarded;
	__u64 est_thp_ns, est_thp_samples, est_thp_discarded;
};

#endif
