/* common.bpf.h - what every probe program shares: the target filter and
 * small helpers.  Included by each *.bpf.c (one BPF object per group, so
 * each group can fail to load on its own). */
#ifndef PROBES_COMMON_BPF_H
#define PROBES_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "probes.h"

char LICENSE[] SEC("license") = "GPL";

/* The workload's tgid, set by the loader between open and load.  The
 * child is held on a pipe before exec meanwhile, so nothing is missed. */
const volatile __u32 target_tgid = 0;

/* Processes the workload forks are followed too: `--cmd` runs the program
 * under /bin/sh -c, and dash forks it rather than exec'ing it.  The map is
 * only looked up once a fork was seen, so a workload that never forks
 * costs one comparison per event. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u8);
} followed SEC(".maps");

__u64 followed_forks;

static __always_inline bool is_target(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	if (tgid == target_tgid)
		return true;
	if (!followed_forks)
		return false;
	return bpf_map_lookup_elem(&followed, &tgid) != NULL;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	if (ctgid == ptgid)                 /* a new thread: already covered */
		return 0;
	if (ptgid != target_tgid && !bpf_map_lookup_elem(&followed, &ptgid))
		return 0;
	__u8 one = 1;
	bpf_map_update_elem(&followed, &ctgid, &one, BPF_ANY);
	__sync_fetch_and_add(&followed_forks, 1);
	return 0;
}

static __always_inline __u32 current_tid(void)
{
	return (__u32)bpf_get_current_pid_tgid();
}

#define ADD(field, v) __sync_fetch_and_add(&(field), (v))

/* floor(log2(v)) for v > 0, 0 for 0. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8)  { v >>= 8;  r += 8; }
	if (v >> 4)  { v >>= 4;  r += 4; }
	if (v >> 2)  { v >>= 2;  r += 2; }
	if (v >> 1)  { r += 1; }
	return r;
}

static __always_inline __u32 hist_slot(__u64 v)
{
	__u32 s = log2_u64(v);
	return s < PROBE_HIST_SLOTS ? s : PROBE_HIST_SLOTS - 1;
}

/* x86_64 syscall numbers (the probes watch 64-bit syscalls only). */
#define NR_MMAP     9
#define NR_MPROTECT 10
#define NR_MUNMAP   11
#define NR_BRK      12
#define NR_MREMAP   25
#define NR_MADVISE  28

#define GFP_BIT(name) (1UL << ___GFP_##name##_BIT)

#endif
