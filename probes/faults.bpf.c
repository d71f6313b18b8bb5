// SPDX-License-Identifier: GPL-2.0
/* faults.bpf.c - the workload's user page faults: how many, read / write /
 * instruction fetch, and which region they land in.
 *
 * Events: tp_btf/page_fault_user (exceptions:page_fault_user, fired on
 * entry of every user-mode fault); tp_btf/sys_enter + sys_exit to track
 * the anonymous mappings the process makes (mmap, munmap, mremap); uprobes
 * on HAKMEM's hakmem_trace_superslab_map/unmap to know its SuperSlabs.
 *
 * Why track mappings instead of asking the kernel for the VMA on every
 * fault: bpf_find_vma() at this tracepoint runs with interrupts off, so it
 * releases mmap_lock through an irq_work (a self-IPI, a VM exit here) on
 * every call.  A hash lookup per fault is far cheaper; bpf_find_vma is only
 * used for the few faults no table knows (libraries, the executable).
 *
 * Region table: one entry per 2 MiB chunk of address space holding a
 * 512-bit map of which 4 KiB pages belong to a tracked anonymous mmap, and
 * the start/length of the last such mmap covering the chunk (for the
 * distance histogram).
 *
 * SuperSlabs are known late: HAKMEM maps one, applies its OS policy (THP,
 * prefault by touch) and writes its header before the map hook fires, so
 * those first faults (and a THP fault taken on the header) land in an
 * anonymous mmap.  The chunk therefore also keeps which of its pages took
 * an anon_mmap fault, and how many THP faults it took; when the hook
 * registers a SuperSlab, the faults already taken inside it move from
 * anon_mmap to superslab (counts and distance histograms, at page
 * granularity: the exact address of a past fault is not kept).
 *
 * THP faults: a user fault whose handler allocates an order-9 user folio
 * (mm_page_alloc, same thread, right after page_fault_user). */
#include "common.bpf.h"
#include "faults.h"

#define CHUNK_SHIFT 21
#define PAGES_PER_CHUNK 512
#define MAX_CHUNKS_PER_CALL (1 << 16)      /* 128 GiB per syscall */
#define MAP_ANONYMOUS_FLAG 0x20
#define MREMAP_DONTUNMAP_FLAG 4

struct faults_counts counts;

struct chunk {
	__u64 bits[PAGES_PER_CHUNK / 64];
	__u64 faulted[PAGES_PER_CHUNK / 64];   /* took an anon_mmap fault */
	__u64 thp_faults;                       /* THP faults counted as anon_mmap */
	__u64 last_start, last_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);            /* 64 GiB of anonymous mappings */
	__type(key, __u64);
	__type(value, struct chunk);
} anon_chunks SEC(".maps");

struct superslab { __u64 base, len; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);            /* 32 GiB of SuperSlabs */
	__type(key, __u64);
	__type(value, struct superslab);
} superslabs SEC(".maps");

/* Syscall arguments kept from sys_enter until sys_exit, per thread. */
struct pending { __u64 nr, a0, a1, a2, a3, a4; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

/* ------------------------------------------------------ region table */

struct range_op {
	__u64 start, end;      /* [start, end), page aligned */
	__u64 first_chunk;
	int set;               /* 1: mark anonymous, 0: forget */
	__u64 orig_start, orig_len;
};

static long range_chunk(__u64 i, struct range_op *op)
{
	__u64 key = op->first_chunk + i;
	__u64 cbase = key << CHUNK_SHIFT;
	__u64 lo = op->start > cbase ? op->start : cbase;
	__u64 hi = op->end < cbase + (1UL << CHUNK_SHIFT) ? op->end : cbase + (1UL << CHUNK_SHIFT);
	if (lo >= hi)
		return 0;
	__u64 p0 = (lo - cbase) >> 12, p1 = (hi - cbase + 4095) >> 12;

	struct chunk *c = bpf_map_lookup_elem(&anon_chunks, &key);
	if (!c) {
		if (!op->set)
			return 0;
		struct chunk zero = {};
		/* Fails when the table is full, or when another thread just
		 * inserted the chunk; the lookup below tells which. */
		bpf_map_update_elem(&anon_chunks, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&anon_chunks, &key);
		if (!c) {
			ADD(counts.chunks_untracked, 1);
			return 0;
		}
	}
	for (int w = 0; w < PAGES_PER_CHUNK / 64; w++) {
		__u64 wlo = w * 64, whi = wlo + 64;
		__u64 a = p0 > wlo ? p0 : wlo, b = p1 < whi ? p1 : whi;
		if (a >= b)
			continue;
		__u64 n = b - a;
		__u64 mask = (n == 64 ? ~0UL : ((1UL << n) - 1)) << (a - wlo);
		if (op->set)
			__sync_fetch_and_or(&c->bits[w], mask);
		else
			__sync_fetch_and_and(&c->bits[w], ~mask);
		/* New or gone pages have taken no fault of the current mapping. */
		__sync_fetch_and_and(&c->faulted[w], ~mask);
	}
	c->thp_faults = 0;              /* a THP is split or gone once part of it is */
	if (op->set) {
		c->last_start = op->orig_start;
		c->last_len = op->orig_len;
	}
	return 0;
}

static __always_inline void range_mark(__u64 start, __u64 len, int set)
{
	if (!len)
		return;
	struct range_op op = {
		.start = start & ~4095UL,
		.end = (start + len + 4095) & ~4095UL,
		.set = set,
		.orig_start = start,
		.orig_len = len,
	};
	op.first_chunk = op.start >> CHUNK_SHIFT;
	__u64 n = ((op.end - 1) >> CHUNK_SHIFT) - op.first_chunk + 1;
	if (n > MAX_CHUNKS_PER_CALL) {
		ADD(counts.chunks_untracked, n - MAX_CHUNKS_PER_CALL);
		n = MAX_CHUNKS_PER_CALL;
	}
	bpf_loop(n, range_chunk, &op, 0);
}

static __always_inline bool page_is_anon(__u64 addr, struct chunk **out)
{
	__u64 key = addr >> CHUNK_SHIFT;
	struct chunk *c = bpf_map_lookup_elem(&anon_chunks, &key);
	if (!c)
		return false;
	__u64 page = (addr >> 12) & (PAGES_PER_CHUNK - 1);
	__u64 w = page / 64;
	if (w >= PAGES_PER_CHUNK / 64)
		return false;
	*out = c;
	return (c->bits[w] >> (page % 64)) & 1;
}

/* ---------------------------------------------------- syscall tracking */

SEC("tp_btf/sys_enter")
int BPF_PROG(faults_sys_enter, struct pt_regs *regs, long id)
{
	if (!is_target())
		return 0;
	if (id != NR_MMAP && id != NR_MUNMAP && id != NR_MREMAP)
		return 0;
	struct pending p = {
		.nr = id, .a0 = SYSCALL_ARG1(regs), .a1 = SYSCALL_ARG2(regs),
		.a2 = SYSCALL_ARG3(regs), .a3 = SYSCALL_ARG4(regs), .a4 = SYSCALL_ARG5(regs),
	};
	__u32 tid = current_tid();
	bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(faults_sys_exit, struct pt_regs *regs, long ret)
{
	if (!is_target())
		return 0;
	__u32 tid = current_tid();
	struct pending *pp = bpf_map_lookup_elem(&pending, &tid);
	if (!pp)
		return 0;
	struct pending p = *pp;
	bpf_map_delete_elem(&pending, &tid);
	if (ret < 0 && ret > -4096)
		return 0;

	if (p.nr == NR_MMAP) {
		/* mmap(addr, len, prot, flags, fd, off): a file mapping over a
		 * tracked range replaces it, so forget those pages. */
		range_mark((__u64)ret, p.a1, (p.a3 & MAP_ANONYMOUS_FLAG) ? 1 : 0);
	} else if (p.nr == NR_MUNMAP) {
		range_mark(p.a0, p.a1, 0);
	} else if (p.nr == NR_MREMAP) {
		/* mremap(old, old_len, new_len, flags, new_addr) */
		struct chunk *c;
		if (!page_is_anon(p.a0, &c))
			return 0;
		__u64 nw = (__u64)ret;
		if (nw != p.a0) {
			if (!(p.a3 & MREMAP_DONTUNMAP_FLAG))
				range_mark(p.a0, p.a1, 0);
			range_mark(nw, p.a2, 1);
		} else if (p.a2 > p.a1) {
			range_mark(p.a0 + p.a1, p.a2 - p.a1, 1);
		} else if (p.a2 < p.a1) {
			range_mark(p.a0 + p.a2, p.a1 - p.a2, 0);
		}
	}
	return 0;
}

/* ------------------------------------------------ HAKMEM's SuperSlabs */

struct ss_op { __u64 first, base, len; int set; };

/* The anon_mmap faults already taken inside a SuperSlab being registered
 * become SuperSlab faults: one bpf_loop step per page (once per map). */
struct claim_op { __u64 base, len; };   /* constant across steps, so the
						 * verifier's loop states converge */

#define MAX_CLAIM_PAGES (1 << 16)           /* 256 MiB per SuperSlab */

static long claim_page(__u64 i, struct claim_op *op)
{
	__u64 page = op->base + (i << 12);
	__u64 key = page >> CHUNK_SHIFT;
	struct chunk *c = bpf_map_lookup_elem(&anon_chunks, &key);
	if (!c)
		return 0;
	__u64 idx = (page >> 12) & (PAGES_PER_CHUNK - 1);
	if (i == 0 || idx == 0) {               /* first page of this chunk in the range */
		__u64 thp = c->thp_faults;
		if (thp) {
			c->thp_faults = 0;
			ADD(counts.thp_faults[FR_ANON_MMAP], -thp);
			ADD(counts.thp_faults[FR_SUPERSLAB], thp);
		}
	}
	__u64 w = idx / 64, bit = 1UL << (idx % 64);
	if (w >= PAGES_PER_CHUNK / 64 || !(__sync_fetch_and_and(&c->faulted[w], ~bit) & bit))
		return 0;
	ADD(counts.region[FR_ANON_MMAP], -1);
	ADD(counts.region[FR_SUPERSLAB], 1);
	ADD(counts.superslab_faults_before_map, 1);
	__u32 s = hist_slot(page - op->base);
	if (s < PROBE_HIST_SLOTS)
		ADD(counts.superslab_hist[s], 1);
	if (page >= c->last_start && page - c->last_start < c->last_len) {
		s = hist_slot(page - c->last_start);
		if (s < PROBE_HIST_SLOTS && counts.anon_hist[s])
			ADD(counts.anon_hist[s], -1);
	}
	return 0;
}

static __always_inline void ss_claim_faults(__u64 base, __u64 len)
{
	struct claim_op op = { .base = base & ~4095UL, .len = len };
	__u64 n = (len + (base & 4095) + 4095) >> 12;
	bpf_loop(n < MAX_CLAIM_PAGES ? n : MAX_CLAIM_PAGES, claim_page, &op, 0);
}

static long ss_chunk(__u64 i, struct ss_op *op)
{
	__u64 key = op->first + i;
	if (op->set) {
		struct superslab v = { .base = op->base, .len = op->len };
		bpf_map_update_elem(&superslabs, &key, &v, BPF_ANY);
	} else {
		struct superslab *v = bpf_map_lookup_elem(&superslabs, &key);
		if (v && v->base == op->base)
			bpf_map_delete_elem(&superslabs, &key);
	}
	return 0;
}

static __always_inline void ss_mark(__u64 base, __u64 len, int set)
{
	if (!len)
		return;
	struct ss_op op = { .first = base >> CHUNK_SHIFT, .base = base, .len = len, .set = set };
	__u64 n = ((base + len - 1) >> CHUNK_SHIFT) - op.first + 1;
	if (n > MAX_CHUNKS_PER_CALL)
		n = MAX_CHUNKS_PER_CALL;
	bpf_loop(n, ss_chunk, &op, 0);
	if (set)
		ss_claim_faults(base, len);
}

SEC("uprobe")
int BPF_KPROBE(faults_superslab_map, void *base, unsigned long len)
{
	if (!is_target())
		return 0;
	ADD(counts.superslab_maps, 1);
	ADD(counts.superslab_map_bytes, len);
	ss_mark((__u64)base, len, 1);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(faults_superslab_unmap, void *base, unsigned long len)
{
	if (!is_target())
		return 0;
	ADD(counts.superslab_unmaps, 1);
	ss_mark((__u64)base, len, 0);
	return 0;
}

/* ------------------------------------------------------------- faults */

/* The last user fault on this CPU, for telling a THP fault (its handler
 * allocates the order-9 folio on the same CPU, same thread). */
struct last_fault { __u32 tid, region; __u64 addr; };

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct last_fault);
} last_fault SEC(".maps");

static __always_inline void note_fault(__u64 address, __u32 region)
{
	__u32 zero = 0;
	struct last_fault *lf = bpf_map_lookup_elem(&last_fault, &zero);
	if (lf) {
		lf->tid = current_tid();
		lf->region = region;
		lf->addr = address;
	}
}

struct vma_class { int file, anon; };

static long vma_cb(struct task_struct *task, struct vm_area_struct *vma, struct vma_class *out)
{
	out->file = vma->vm_file != NULL;
	out->anon = !out->file && vma->vm_ops == NULL;   /* vdso/vvar have vm_ops */
	return 0;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(faults_fault, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	if (!is_target())
		return 0;
	ADD(counts.total, 1);
	if (error_code & 0x10)
		ADD(counts.exec, 1);
	else if (error_code & 0x2)
		ADD(counts.write, 1);
	else
		ADD(counts.read, 1);

	__u64 key = address >> CHUNK_SHIFT;
	struct superslab *ss = bpf_map_lookup_elem(&superslabs, &key);
	if (ss && address - ss->base < ss->len) {
		ADD(counts.region[FR_SUPERSLAB], 1);
		__u32 s = hist_slot(address - ss->base);
		if (s < PROBE_HIST_SLOTS)
			ADD(counts.superslab_hist[s], 1);
		note_fault(address, FR_SUPERSLAB);
		return 0;
	}

	struct chunk *c = NULL;
	if (page_is_anon(address, &c) && c) {
		ADD(counts.region[FR_ANON_MMAP], 1);
		__u64 page = (address >> 12) & (PAGES_PER_CHUNK - 1);
		if (page / 64 < PAGES_PER_CHUNK / 64)
			__sync_fetch_and_or(&c->faulted[page / 64], 1UL << (page % 64));
		note_fault(address, FR_ANON_MMAP);
		if (address >= c->last_start && address - c->last_start < c->last_len) {
			__u32 s = hist_slot(address - c->last_start);
			if (s < PROBE_HIST_SLOTS)
				ADD(counts.anon_hist[s], 1);
		}
		return 0;
	}

	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = task->mm;
	if (mm) {
		if (address >= mm->start_brk && address < mm->brk) {
			ADD(counts.region[FR_BRK], 1);
			note_fault(address, FR_BRK);
			return 0;
		}
		if (address >= mm->mmap_base && address < mm->task_size) {
			ADD(counts.region[FR_STACK], 1);
			return 0;
		}
	}

	struct vma_class vc = {};
	__u32 r = FR_OTHER;
	if (bpf_find_vma(task, address, vma_cb, &vc, 0) == 0 && (vc.file || vc.anon))
		r = vc.file ? FR_FILE : FR_ANON_OTHER;
	ADD(counts.region[r], 1);
	note_fault(address, r);
	return 0;
}

/* A THP fault: the order-9 user folio allocated by the fault just taken
 * on this CPU by this thread.  Counted by that fault's region; one in an
 * anonymous mmap is remembered by its chunk (a THP covers the whole 2 MiB
 * chunk) in case a SuperSlab is registered there later. */
SEC("tp_btf/mm_page_alloc")
int BPF_PROG(faults_page_alloc, struct page *pg, unsigned int order, gfp_t gfp, int migratetype)
{
	if (order != 9 || !(gfp & GFP_BIT(MOVABLE)) || !(gfp & GFP_BIT(COMP)) || !is_target())
		return 0;
	__u32 zero = 0;
	struct last_fault *lf = bpf_map_lookup_elem(&last_fault, &zero);
	if (!lf || lf->tid != current_tid() || !lf->addr)
		return 0;
	__u32 r = lf->region;
	__u64 addr = lf->addr;
	lf->addr = 0;                       /* one THP per fault */
	if (r >= FR_NR)
		return 0;
	ADD(counts.thp_faults[r], 1);
	if (r == FR_ANON_MMAP) {
		__u64 key = addr >> CHUNK_SHIFT;
		struct chunk *c = bpf_map_lookup_elem(&anon_chunks, &key);
		if (c)
			ADD(c->thp_faults, 1);
	}
	return 0;
}
