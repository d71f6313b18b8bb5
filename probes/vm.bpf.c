// SPDX-License-Identifier: GPL-2.0
/* vm.bpf.c - the workload's VM syscalls and its peak anonymous RSS.
 *
 * Events: tp_btf/sys_enter (raw_syscalls:sys_enter: calls, lengths, madvise
 * advice), tp_btf/sys_exit (failures, brk growth from the returned break),
 * tp_btf/rss_stat (kmem:rss_stat: the MM_ANONPAGES counter after each
 * change; its maximum is the peak).  The raw syscall tracepoints are used
 * because the per-syscall ones (syscalls:sys_enter_mmap ...) need tracefs,
 * which is not always mounted. */
#include "common.bpf.h"

#define MM_ANONPAGES 1

struct vm_counts counts;

static __always_inline int call_slot(long id)
{
	switch (id) {
	case NR_MMAP:     return VC_MMAP;
	case NR_MUNMAP:   return VC_MUNMAP;
	case NR_MADVISE:  return VC_MADVISE;
	case NR_BRK:      return VC_BRK;
	case NR_MPROTECT: return VC_MPROTECT;
	case NR_MREMAP:   return VC_MREMAP;
	}
	return -1;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vm_sys_enter, struct pt_regs *regs, long id)
{
	if (!is_target())
		return 0;
	int c = call_slot(id);
	if (c < 0 || c >= VC_NR)
		return 0;
	ADD(counts.calls[c], 1);
	__u64 len = SYSCALL_ARG2(regs);
	if (c == VC_MREMAP)
		ADD(counts.bytes[c], SYSCALL_ARG3(regs));   /* new length */
	else if (c != VC_BRK)
		ADD(counts.bytes[c], len);
	if (c == VC_MMAP && (SYSCALL_ARG4(regs) & 0x20)) {   /* MAP_ANONYMOUS */
		ADD(counts.mmap_anon_calls, 1);
		ADD(counts.mmap_anon_bytes, len);
	}
	if (c == VC_MADVISE) {
		__u64 a = SYSCALL_ARG3(regs);
		__u32 s = a < MADV_SLOTS - 1 ? a : MADV_SLOTS - 1;
		if (s < MADV_SLOTS) {
			ADD(counts.madv_calls[s], 1);
			ADD(counts.madv_bytes[s], len);
		}
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vm_sys_exit, struct pt_regs *regs, long ret)
{
	if (!is_target())
		return 0;
	int c = call_slot(SYSCALL_NR_AT_EXIT(regs));
	if (c < 0 || c >= VC_NR)
		return 0;
	if (c == VC_BRK) {
		/* brk returns the new break (the old one when it fails). */
		__u64 old = counts.last_brk, nw = (__u64)ret;
		if (old && nw > old)
			ADD(counts.brk_grow_bytes, nw - old);
		else if (old && nw < old)
			ADD(counts.brk_shrink_bytes, old - nw);
		counts.last_brk = nw;
		return 0;
	}
	if (ret < 0 && ret > -4096)
		ADD(counts.failed[c], 1);
	return 0;
}

SEC("tp_btf/rss_stat")
int BPF_PROG(vm_rss_stat, struct mm_struct *mm, int member)
{
	if (!is_target() || member != MM_ANONPAGES)
		return 0;
	ADD(counts.rss_events, 1);
	long pages = mm->rss_stat[MM_ANONPAGES].count;
	if (pages < 0)
		return 0;
	__u64 bytes = (__u64)pages << 12;
	for (int i = 0; i < 4; i++) {             /* a racing thread may raise it first */
		__u64 cur = counts.peak_anon_bytes;
		if (bytes <= cur)
			break;
		if (__sync_val_compare_and_swap(&counts.peak_anon_bytes, cur, bytes) == cur)
			break;
	}
	return 0;
}
