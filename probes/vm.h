/* vm.h - the vm group's counters: the workload's
 * mmap/munmap/madvise/brk/mprotect/mremap calls and its peak anonymous RSS
 * (vm.bpf.c).  Shared by probes/vm.bpf.c and its loader
 * cli/collectors/probes/vm.c (a libbpf-tools triplet).  Plain __u64 fields
 * only: user space reads them once, from the skeleton's .bss, after the
 * workload has exited. */
#ifndef PROBES_VM_H
#define PROBES_VM_H

#include "probes.h"

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
