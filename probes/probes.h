/* probes.h - the counters each eBPF probe group aggregates in the kernel,
 * shared by the BPF programs (probes/NAME.bpf.c) and the harness's loader
 * (cli/probes_*.c).  Plain __u64 fields only: user space reads them once,
 * from the skeleton's .bss, after the workload has exited.
 *
 * Every counter is filtered to one process (the workload's tgid, all its
 * threads), set in .rodata before load. */
#ifndef PROBES_PROBES_H
#define PROBES_PROBES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* The comm of the exec stub (stub/exec_stub.c, built under this name):
 * its exec does not start the probes' accounting (common.bpf.h). */
#define EXEC_STUB_COMM "exec_stub"

#define PROBE_HIST_SLOTS 48          /* log2 buckets: slot k holds [2^k, 2^(k+1)) */

/* ------------------------------------------------------------- faults */

/* Where a user page fault landed.  Exactly one class per fault, checked in
 * this order: a SuperSlab HAKMEM reported, an anonymous mmap the process
 * made (tracked from its mmap/munmap/mremap syscalls), the brk heap, the
 * main stack (above mmap_base), then the kernel's VMA: file-backed,
 * anonymous but not from a tracked mmap (the executable's bss set up by
 * execve, or a region the tracking table had no room for), other (vdso,
 * vvar, no VMA at all). */
enum fault_region {
	FR_SUPERSLAB, FR_ANON_MMAP, FR_BRK, FR_STACK, FR_FILE, FR_ANON_OTHER, FR_OTHER,
	FR_NR
};

struct faults_counts {
	__u64 total;
	__u64 read, write, exec;             /* from error_code: bit 4 = fetch, bit 1 = write */
	__u64 region[FR_NR];
	__u64 superslab_hist[PROBE_HIST_SLOTS];  /* fault address - SuperSlab base */
	__u64 anon_hist[PROBE_HIST_SLOTS];       /* fault address - start of its anon mmap */
	__u64 superslab_maps, superslab_unmaps, superslab_map_bytes;
	__u64 chunks_untracked;              /* 2 MiB chunks the region table had no room for */
	__u64 superslab_faults_before_map;   /* anon_mmap faults moved to superslab when the hook came */
	__u64 thp_faults[FR_NR];             /* faults that allocated a THP (order-9 user folio), by region */
};

/* ---------------------------------------------------------------- tlb */

#define TLB_REASON_SLOTS 8            /* enum tlb_flush_reason; last slot = unknown */

struct tlb_counts {
	__u64 flushes[TLB_REASON_SLOTS];
	__u64 pages[TLB_REASON_SLOTS];        /* ranged flushes: pages named */
	__u64 full[TLB_REASON_SLOTS];         /* pages == TLB_FLUSH_ALL: the whole TLB */
};

/* --------------------------------------------------------------- zero */

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

/* ---------------------------------------------------------------- thp */

#define THP_ORDER_SLOTS 12

struct thp_counts {
	__u64 large_allocs[THP_ORDER_SLOTS];  /* MOVABLE+COMP allocations by order (9 = THP) */
};

/* ----------------------------------------------------------------- vm */

enum vm_call { VC_MMAP, VC_MUNMAP, VC_MADVISE, VC_BRK, VC_MPROTECT, VC_MREMAP, VC_NR };

#define MADV_SLOTS 32                 /* advice 0..30; slot 31 = any other value */

struct vm_counts {
	__u64 calls[VC_NR];
	__u64 bytes[VC_NR];                   /* length arguments (brk: see brk_grow/shrink) */
	__u64 failed[VC_NR];
	__u64 mmap_anon_calls, mmap_anon_bytes;
	__u64 madv_calls[MADV_SLOTS], madv_bytes[MADV_SLOTS];
	__u64 brk_grow_bytes, brk_shrink_bytes, last_brk;
	__u64 peak_anon_bytes;                /* exact MM_ANONPAGES sum at each kmem:rss_stat, max */
	__u64 rss_events;
	__u64 rss_inexact;                    /* events whose exact sum could not be read */
	__u64 peak_anon_approx_bytes;         /* the counter's global count alone (the tracepoint's figure) */
};

#endif
