/* thp.h - the thp group's counters: large (THP) page allocations by order
 * (thp.bpf.c).  Shared by probes/thp.bpf.c and its loader
 * cli/collectors/probes/thp.c (a libbpf-tools triplet).  Plain __u64
 * fields only: user space reads them once, from the skeleton's .bss, after
 * the workload has exited. */
#ifndef PROBES_THP_H
#define PROBES_THP_H

#include "probes.h"

#define THP_ORDER_SLOTS 12

struct thp_counts {
	__u64 large_allocs[THP_ORDER_SLOTS];  /* MOVABLE+COMP allocations by order (9 = THP) */
};

#endif
