/* tlb.h - the tlb group's counters: TLB flushes by reason (tlb.bpf.c).
 * Shared by probes/tlb.bpf.c and its loader cli/collectors/probes/tlb.c (a
 * libbpf-tools triplet).  Plain __u64 fields only: user space reads them
 * once, from the skeleton's .bss, after the workload has exited. */
#ifndef PROBES_TLB_H
#define PROBES_TLB_H

#include "probes.h"

#define TLB_REASON_SLOTS 8            /* enum tlb_flush_reason; last slot = unknown */

struct tlb_counts {
	__u64 flushes[TLB_REASON_SLOTS];
	__u64 pages[TLB_REASON_SLOTS];        /* ranged flushes: pages named */
	__u64 full[TLB_REASON_SLOTS];         /* pages == TLB_FLUSH_ALL: the whole TLB */
};

#endif
