/* faults.h - the faults group's counters: user page faults by region
 * (faults.bpf.c).  Shared by probes/faults.bpf.c and its loader
 * cli/collectors/probes/faults.c (a libbpf-tools triplet).  Plain __u64
 * fields only: user space reads them once, from the skeleton's .bss, after
 * the workload has exited. */
#ifndef PROBES_FAULTS_H
#define PROBES_FAULTS_H

#include "probes.h"

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

#endif
