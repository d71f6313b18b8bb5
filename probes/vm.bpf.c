// SPDX-License-Identifier: GPL-2.0
/* vm.bpf.c - the workload's VM syscalls and its exact peak anonymous RSS.
 *
 * Events: tp_btf/sys_enter (raw_syscalls:sys_enter: calls, lengths, madvise
 * advice), tp_btf/sys_exit (failures, brk growth from the returned break),
 * tp_btf/rss_stat (kmem:rss_stat: fired after each change of the
 * MM_ANONPAGES counter; the exact value then, below, and its maximum is
 * the peak).  The raw syscall tracepoints are used
 * because the per-syscall ones (syscalls:sys_enter_mmap ...) need tracefs,
 * which is not always mounted. */
#include "common.bpf.h"
#include "vm.h"

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

/* ------------------------------------------------- exact anonymous RSS
 *
 * mm->rss_stat[] are percpu_counters: a global count plus a per-CPU delta
 * each CPU folds into it only once it reaches the batch (32 pages here), so
 * the global count alone (what the rss_stat tracepoint itself reports) can
 * be short by up to batch x CPUs pages: 256 KiB on 2 CPUs, 5% of a 5 MiB
 * process.  The exact value is count + the sum of the per-CPU deltas, what
 * percpu_counter_sum() computes.
 *
 * A per-CPU delta lives at counters + __per_cpu_offset[cpu], and that
 * array is not reachable here (not in kallsyms without KALLSYMS_ALL, no
 * percpu type tag in this kernel's BTF for bpf_per_cpu_ptr).  A per-CPU
 * array map of our own gives the offsets: its raw per-CPU pointer is
 * bpf_array.pptrs[0], and bpf_map_lookup_percpu_elem(map, 0, cpu) returns
 * that pointer + the cpu's offset.  Found once and cached. */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cpu_anchor SEC(".maps");

#define MAX_CPUS 1024

/* A pointer's value as a plain number (the verifier allows no arithmetic
 * between two pointers into different objects). */
static __always_inline __u64 addr_of(const void *p)
{
	__u64 v = 0;
	bpf_probe_read_kernel(&v, sizeof(v), &p);
	return v;
}

/* The per-CPU offsets, found once (they never change) for up to
 * CACHED_CPUS CPUs; a machine with more sums through bpf_loop each time. */
#define CACHED_CPUS 64
__u64 cpu_off[CACHED_CPUS];
__u64 cpu_count;                          /* offsets cached; 0: not yet */

struct off_ctx { __u64 pptr; __u32 n; };

static long find_cpu_off(__u64 cpu, struct off_ctx *x)
{
	__u32 zero = 0;
	void *e = bpf_map_lookup_percpu_elem(&cpu_anchor, &zero, (__u32)cpu);
	if (!e)
		return 1;                         /* past the last possible CPU */
	if (cpu < CACHED_CPUS)
		cpu_off[cpu] = addr_of(e) - x->pptr;
	x->n = cpu + 1;
	return 0;
}

/* Number of possible CPUs, with cpu_off[] filled; 0 when the map's
 * per-CPU pointer cannot be read. */
static __always_inline __u32 cpus_known(void)
{
	__u32 n = *(volatile __u64 *)&cpu_count;
	if (n)
		return n;
	struct bpf_array *arr = (struct bpf_array *)&cpu_anchor;
	struct off_ctx x = {};
	if (bpf_probe_read_kernel(&x.pptr, sizeof(x.pptr), (void *)(addr_of(arr) +
			bpf_core_field_offset(struct bpf_array, pptrs))) < 0)
		return 0;
	bpf_loop(MAX_CPUS, find_cpu_off, &x, 0);
	/* Racing first events store the same offsets; the count goes last. */
	__asm__ volatile("" ::: "memory");
	if (x.n)
		*(volatile __u64 *)&cpu_count = x.n;
	return x.n;
}

struct sum_ctx { __u64 counters; __s64 sum; int ok; };

static long sum_cpu_slow(__u64 cpu, struct sum_ctx *x)
{
	__u32 zero = 0;
	void *e = bpf_map_lookup_percpu_elem(&cpu_anchor, &zero, (__u32)cpu);
	if (!e)
		return 1;
	__u64 pptr = 0;
	struct bpf_array *arr = (struct bpf_array *)&cpu_anchor;
	if (bpf_probe_read_kernel(&pptr, sizeof(pptr), (void *)(addr_of(arr) +
			bpf_core_field_offset(struct bpf_array, pptrs))) < 0) {
		x->ok = 0;
		return 1;
	}
	__s32 v = 0;
	if (bpf_probe_read_kernel(&v, sizeof(v), (void *)(x->counters + (addr_of(e) - pptr))) < 0) {
		x->ok = 0;
		return 1;
	}
	x->sum += v;
	return 0;
}

/* percpu_counter_sum(&mm->rss_stat[member]) without its lock: the count
 * is read before and after the per-CPU deltas, and the sum is retried when
 * another CPU folded its delta in meanwhile.  -1 when it cannot be read. */
static __always_inline __s64 rss_exact(struct mm_struct *mm, int member)
{
	__u32 n = cpus_known();
	if (!n)
		return -1;
	__u64 counters = (__u64)BPF_CORE_READ(mm, rss_stat[member].counters);
	for (int attempt = 0; attempt < 4; attempt++) {
		__s64 before = BPF_CORE_READ(mm, rss_stat[member].count), sum = before;
		if (n <= CACHED_CPUS) {
			for (int cpu = 0; cpu < CACHED_CPUS; cpu++) {
				if (cpu >= n)
					break;
				__s32 v = 0;
				if (bpf_probe_read_kernel(&v, sizeof(v), (void *)(counters + cpu_off[cpu])) < 0)
					return -1;
				sum += v;
			}
		} else {
			struct sum_ctx x = { .counters = counters, .sum = before, .ok = 1 };
			bpf_loop(MAX_CPUS, sum_cpu_slow, &x, 0);
			if (!x.ok)
				return -1;
			sum = x.sum;
		}
		if (BPF_CORE_READ(mm, rss_stat[member].count) == before)
			return sum;
	}
	return -1;
}

static __always_inline void raise_peak(__u64 *peak, __u64 v)
{
	for (int i = 0; i < 4; i++) {             /* a racing thread may raise it first */
		__u64 cur = *peak;
		if (v <= cur)
			break;
		if (__sync_val_compare_and_swap(peak, cur, v) == cur)
			break;
	}
}

SEC("tp_btf/rss_stat")
int BPF_PROG(vm_rss_stat, struct mm_struct *mm, int member)
{
	if (!is_target() || member != MM_ANONPAGES)
		return 0;
	/* Only the process's own mm: the event also fires for an mm being
	 * torn down or copied on behalf of another. */
	struct task_struct *task = bpf_get_current_task_btf();
	if (task->mm != mm)
		return 0;
	ADD(counts.rss_events, 1);
	__s64 pages = rss_exact(mm, MM_ANONPAGES);
	if (pages < 0) {
		ADD(counts.rss_inexact, 1);
		pages = mm->rss_stat[MM_ANONPAGES].count;
	}
	if (pages >= 0)
		raise_peak(&counts.peak_anon_bytes, (__u64)pages << 12);
	long approx = mm->rss_stat[MM_ANONPAGES].count;
	if (approx > 0)
		raise_peak(&counts.peak_anon_approx_bytes, (__u64)approx << 12);
	return 0;
}
