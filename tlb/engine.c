/* engine.c - from trace events to attributed TLB outcomes.
 *
 * The trace is in the order things happened in the (serialised) process,
 * so the address space can be rebuilt on the fly from the system calls:
 * mmap/munmap/mremap/brk give every mapping and its creator, arch_prctl
 * and clone give each thread's TLS pointer, and the instruction lines show
 * when a thread enters one of the allocator's entry points.  Only what
 * valgrind itself set up before the client's first instruction (the
 * program image, ld.so, the main stack) is read from /proc/PID/maps, once.
 *
 * "Inside an allocator call" is tracked per thread: entering an entry
 * point's first instruction starts it, and the call's return-address slot
 * (the 8-byte store of the call instruction just before) being loaded
 * again by the return ends it.  Calls nested inside are part of it. */
#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfinfo.h"

const char *const region_names[REG_N] = {
	"allocator_superslab", "allocator_mmap", "allocator_static", "brk_heap", "thread_stacks",
	"tls", "libc_ldso_data", "workload", "other",
};

enum { CODE_NONE, CODE_EXE, CODE_ALLOC, CODE_LDSO, CODE_OTHER };

/* Entry points of the library that provides malloc. */
static const char *const entry_names[] = {
	"malloc", "free", "calloc", "realloc", "reallocarray", "posix_memalign", "aligned_alloc",
	"memalign", "valloc", "pvalloc", "malloc_usable_size", "free_sized", "free_aligned_sized",
	"hakmem_trace_superslab_map", NULL,
};
#define SS_HOOK_INDEX 13

#define SYS_MMAP 9
#define SYS_MPROTECT 10
#define SYS_MUNMAP 11
#define SYS_BRK 12
#define SYS_MREMAP 25
#define SYS_MADVISE 28
#define SYS_CLONE 56
#define SYS_ARCH_PRCTL 158
#define SYS_OPENAT 257
#define SYS_OPEN 2
#define SYS_CLOSE 3
#define ARCH_SET_FS_ 0x1002
#define MAP_STACK_ 0x20000
#define MAP_ANON_ 0x20
#define MAP_FIXED_ 0x10
#define CLONE_SETTLS_ 0x80000

/* ------------------------------------------------------------ mappings */

static size_t map_find(const struct engine *e, uint64_t a)   /* first mapping with hi > a */
{
	size_t lo = 0, hi = e->nmap;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e->map[mid].hi <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int map_reserve(struct engine *e, size_t extra)
{
	if (e->nmap + extra <= e->capmap)
		return 0;
	size_t cap = e->capmap ? e->capmap * 2 : 256;
	while (cap < e->nmap + extra)
		cap *= 2;
	struct mapping *m = realloc(e->map, cap * sizeof(*m));
	if (!m)
		return -1;
	e->map = m;
	e->capmap = cap;
	return 0;
}

/* Remove [lo, hi) from the map, splitting mappings that straddle it. */
static int map_remove(struct engine *e, uint64_t lo, uint64_t hi)
{
	if (map_reserve(e, 1) < 0)
		return -1;
	size_t i = map_find(e, lo);
	if (i < e->nmap && e->map[i].lo < lo && e->map[i].hi > hi) {     /* split in two */
		memmove(&e->map[i + 1], &e->map[i], (e->nmap - i) * sizeof(*e->map));
		e->nmap++;
		e->map[i].hi = lo;
		e->map[i + 1].lo = hi;
		return 0;
	}
	if (i < e->nmap && e->map[i].lo < lo && e->map[i].hi > lo) {
		e->map[i].hi = lo;
		i++;
	}
	size_t j = i;
	while (j < e->nmap && e->map[j].hi <= hi && e->map[j].lo >= lo)
		j++;
	if (j < e->nmap && e->map[j].lo < hi)
		e->map[j].lo = hi;
	memmove(&e->map[i], &e->map[j], (e->nmap - j) * sizeof(*e->map));
	e->nmap -= j - i;
	e->last_hit = 0;
	return 0;
}

static int map_add(struct engine *e, uint64_t lo, uint64_t hi, enum region r, int file)
{
	if (hi <= lo || map_remove(e, lo, hi) < 0 || map_reserve(e, 1) < 0)
		return -1;
	size_t i = map_find(e, lo);
	memmove(&e->map[i + 1], &e->map[i], (e->nmap - i) * sizeof(*e->map));
	e->map[i] = (struct mapping){ lo, hi, r, file };
	e->nmap++;
	return 0;
}

static struct mapping *map_at(struct engine *e, uint64_t a)
{
	if (e->last_hit < e->nmap && e->map[e->last_hit].lo <= a && a < e->map[e->last_hit].hi)
		return &e->map[e->last_hit];
	size_t i = map_find(e, a);
	if (i < e->nmap && e->map[i].lo <= a) {
		e->last_hit = i;
		return &e->map[i];
	}
	return NULL;
}

static void map_relabel(struct engine *e, uint64_t lo, uint64_t hi, enum region r)
{
	for (size_t i = map_find(e, lo); i < e->nmap && e->map[i].lo < hi; i++)
		e->map[i].reg = r;
}

/* ------------------------------------------------------------- objects */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static bool is_libc_or_ldso(const char *base)
{
	return strncmp(base, "libc.so", 7) == 0 || strncmp(base, "ld-linux", 8) == 0 ||
	       strncmp(base, "libc-", 5) == 0;
}

static enum region file_region(const struct engine *e, const char *base)
{
	if (e->exe_base[0] && strcmp(base, e->exe_base) == 0)
		return REG_WORKLOAD;
	if (e->alloc_base[0] && strcmp(base, e->alloc_base) == 0)
		return REG_ALLOC_STATIC;
	if (is_libc_or_ldso(base))
		return REG_LIBC;
	return REG_OTHER;
}

/* An object mapped at base (its offset-0 mapping): static TLS, and the
 * allocator's entry points when it provides malloc. */
static void object_loaded(struct engine *e, const char *path, uint64_t base, uint64_t len)
{
	const char *b = base_name(path);
	bool is_alloc = e->alloc_base[0] ? strcmp(b, e->alloc_base) == 0 : strncmp(b, "libc.so", 7) == 0;
	uint64_t vals[sizeof(entry_names) / sizeof(entry_names[0])];
	struct elf_info info;
	if (elf_read(path, &info, is_alloc ? entry_names : NULL, vals) < 0)
		return;
	e->tls_below += info.tls_size;
	if (!is_alloc)
		return;
	uint64_t bias = base - info.first_load_vaddr;
	e->alloc_lo = base;
	e->alloc_hi = base + len;
	e->nentries = 0;
	for (int i = 0; entry_names[i]; i++) {
		if (!vals[i])
			continue;
		if (i == SS_HOOK_INDEX)
			e->ss_hook = bias + vals[i];
		else if (e->nentries < ENGINE_MAX_ENTRIES)
			e->entries[e->nentries++] = bias + vals[i];
	}
}

/* What valgrind mapped before the client ran: the program, ld.so, the
 * main stack (the mapping that holds the stack pointer: we are called at
 * the first store, which is the push of ld.so's `call _dl_start`). */
static void initial_maps(struct engine *e, uint64_t first_store)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)e->o.pid);
	FILE *f = e->o.pid ? fopen(path, "re") : NULL;
	if (!f)
		return;
	char line[1024];
	uint64_t prev_hi = 0;
	enum region prev_reg = REG_OTHER;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, off;
		char perms[8];
		int n = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s%n", &lo, &hi, perms, &off, &n) < 4)
			continue;
		char *name = line + n;
		while (*name == ' ')
			name++;
		name[strcspn(name, "\n")] = '\0';
		if (first_store >= lo && first_store < hi && !name[0]) {
			map_add(e, lo, hi, REG_STACK, 0);
			continue;
		}
		const char *b = base_name(name);
		bool exe = e->exe_base[0] && strcmp(b, e->exe_base) == 0;
		if (name[0] == '/' && (exe || strncmp(b, "ld-linux", 8) == 0)) {
			map_add(e, lo, hi, exe ? REG_WORKLOAD : REG_LIBC, 1);
			if (exe && (!e->exe_lo || lo < e->exe_lo))
				e->exe_lo = lo;
			if (exe && hi > e->exe_hi)
				e->exe_hi = hi;
			prev_hi = hi;
			prev_reg = exe ? REG_WORKLOAD : REG_LIBC;
		} else if (!name[0] && lo == prev_hi && perms[1] == 'w') {
			map_add(e, lo, hi, prev_reg, 0);   /* the bss after the image */
			prev_hi = 0;
		} else {
			prev_hi = 0;
		}
	}
	fclose(f);
}

/* ----------------------------------------------------------- huge pages */

/* Which 2 MiB chunks of the process are backed by a transparent huge page
 * now: smaps says which mappings hold AnonHugePages; pagemap gives the
 * frame of each 2 MiB-aligned address in them; kpageflags says whether
 * that frame is part of a THP (KPF_THP, bit 22). */
static void sample_huge(struct engine *e)
{
	if (!e->o.pid || e->o.no_thp_sampling)
		return;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)e->o.pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)e->o.pid);
	int pm = open(path, O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (pm < 0 || kf < 0) {
		snprintf(e->thp_status, sizeof(e->thp_status), "unsupported: cannot open %s (%s); every access counted as 4 KiB",
			 pm < 0 ? "pagemap" : "/proc/kpageflags", strerror(errno));
		goto out;
	}
	e->nhuge = 0;
	char line[512];
	unsigned long long lo = 0, hi = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b, kb;
		if (strchr("0123456789abcdef", line[0]) && sscanf(line, "%llx-%llx ", &a, &b) == 2) {
			lo = a;
			hi = b;
			continue;
		}
		if (sscanf(line, "AnonHugePages: %llu kB", &kb) != 1 || kb == 0)
			continue;
		for (uint64_t c = (lo + (1 << 21) - 1) & ~((uint64_t)(1 << 21) - 1); c + (1 << 21) <= hi; c += 1 << 21) {
			uint64_t ent, flags;
			if (pread(pm, &ent, 8, (off_t)(c >> 12) * 8) != 8 || !(ent >> 63))
				continue;
			uint64_t pfn = ent & ((1ULL << 55) - 1);
			if (!pfn) {
				snprintf(e->thp_status, sizeof(e->thp_status),
					 "unsupported: pagemap hides frame numbers (needs CAP_SYS_ADMIN); every access counted as 4 KiB");
				goto out;
			}
			if (pread(kf, &flags, 8, (off_t)pfn * 8) != 8 || !(flags & (1ULL << 22)))
				continue;
			if (e->nhuge == e->caphuge) {
				size_t cap = e->caphuge ? e->caphuge * 2 : 64;
				uint64_t *h = realloc(e->huge, cap * sizeof(*h));
				if (!h)
					goto out;
				e->huge = h;
				e->caphuge = cap;
			}
			e->huge[e->nhuge++] = c;   /* smaps is in address order: stays sorted */
		}
	}
	snprintf(e->thp_status, sizeof(e->thp_status), "pagemap+kpageflags");
	if (e->nhuge > e->huge_max)
		e->huge_max = e->nhuge;
out:
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	fclose(f);
}

static enum tlb_page page_of(const struct engine *e, uint64_t a)
{
	if (!e->nhuge)
		return TLB_4K;
	uint64_t c = a & ~((uint64_t)(1 << 21) - 1);
	size_t lo = 0, hi = e->nhuge;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (e->huge[mid] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < e->nhuge && e->huge[lo] == c ? TLB_2M : TLB_4K;
}

/* --------------------------------------------------------------- events */

static enum region region_of(struct engine *e, uint64_t a)
{
	for (int t = 0; t < e->ntls; t++)
		if (a >= e->tls_lo[t] && a < e->tls_hi[t])
			return REG_TLS;
	if (a >= e->brk_lo && a < e->brk_hi)
		return REG_BRK;
	struct mapping *m = map_at(e, a);
	return m ? m->reg : REG_OTHER;
}

static void data_access(struct engine *e, uint64_t a, unsigned size)
{
	if (++e->data_events >= e->next_sample) {
		sample_huge(e);
		e->next_sample = e->data_events + (1u << 20);
	}
	uint64_t last = a + (size ? size - 1 : 0);
	for (;;) {
		enum tlb_page p = page_of(e, a);
		enum tlb_outcome o = tlb_access(&e->tlb, a, p);
		enum region r = region_of(e, a);
		e->now.accesses[r]++;
		e->now.accesses_2m[r] += p == TLB_2M;
		if (o != TLB_L1_HIT)
			e->now.l1_misses[r]++;
		if (o == TLB_WALK)
			e->now.walks[r]++;
		uint64_t next = (a | ((1ULL << TLB_PAGE_SHIFT(p)) - 1)) + 1;   /* a split access: the next page */
		if (next > last || next == 0)
			break;
		a = next;
	}
}

static void instruction(struct engine *e, uint64_t a)
{
	struct thread_state *t = &e->th[e->tid];
	e->now.instructions++;
	if (a >= e->alloc_lo && a < e->alloc_hi) {
		if (e->alloc_base[0])
			t->last_code = CODE_ALLOC;
		if (a == e->ss_hook) {
			e->ss_hooks++;
			if (t->last_alloc_hi)
				map_relabel(e, t->last_alloc_lo, t->last_alloc_hi, REG_ALLOC_SUPERSLAB);
		}
		if (!t->in_alloc)
			for (int i = 0; i < e->nentries; i++)
				if (a == e->entries[i]) {
					t->in_alloc = true;
					t->ret_slot = t->last_store8;
					break;
				}
	} else if (a >= e->exe_lo && a < e->exe_hi) {
		t->last_code = CODE_EXE;
	}
}

static enum region anon_owner(struct engine *e, uint64_t lo, uint64_t flags)
{
	struct thread_state *t = &e->th[e->tid];
	if (t->in_alloc)
		return REG_ALLOC_MMAP;
	if (flags & MAP_STACK_)
		return REG_STACK;
	/* an image's bss: ld.so maps it MAP_FIXED right after the file's data
	 * (other mappings can land next to a file mapping too: not those) */
	struct mapping *before = lo && (flags & MAP_FIXED_) ? map_at(e, lo - 1) : NULL;
	if (before && before->file && before->hi == lo)
		return before->reg;
	/* outside any allocator call: whoever ran last outside libc/ld.so
	 * (the program itself, or allocator code such as a constructor) */
	return t->last_code == CODE_EXE ? REG_WORKLOAD : t->last_code == CODE_ALLOC ? REG_ALLOC_MMAP : REG_OTHER;
}

/* A thread pointer tp (x86-64 TLS variant II): the static TLS blocks of
 * every loaded object lie just below it (their PT_TLS sizes, summed), the
 * thread control block (glibc's struct pthread, about 2.3 KB in glibc 2.36:
 * its tid field, passed to set_tid_address, sits 0x2d0 above tp) above.
 * glibc's small static-TLS surplus for later dlopen is not included. */
#define TCB_BYTES 2304

static void tls_window(struct engine *e, uint64_t tp)
{
	for (int i = 0; i < e->ntls; i++)
		if (e->tls_hi[i] == tp + TCB_BYTES)
			return;                    /* a thread reusing a cached stack */
	if (e->ntls == ENGINE_MAX_TLS)
		return;
	e->tls_lo[e->ntls] = tp - e->tls_below;
	e->tls_hi[e->ntls] = tp + TCB_BYTES;
	e->ntls++;
}

static void syscall_event(struct engine *e, const struct trace_event *ev)
{
	e->syscalls++;
	if (ev->tid > 0 && ev->tid < TRACE_MAX_THREADS)
		e->tid = ev->tid;
	if (!ev->ok)
		return;
	struct thread_state *t = &e->th[e->tid];
	switch (ev->nr) {
	case SYS_OPENAT:
	case SYS_OPEN:
		if (ev->result < 1024 && ev->path[0]) {
			snprintf(e->fd_path[ev->result], sizeof(e->fd_path[0]), "%s", base_name(ev->path));
			/* keep the full path of objects we must read */
			if (strstr(ev->path, ".so"))
				snprintf(e->fd_path[ev->result], sizeof(e->fd_path[0]), "%s", ev->path);
		}
		break;
	case SYS_CLOSE: {
		uint64_t fd = trace_arg(ev, 0, 0);
		if (fd < 1024)
			e->fd_path[fd][0] = '\0';
		break;
	}
	case SYS_MMAP: {
		uint64_t len = (trace_arg(ev, 1, 0) + 4095) & ~4095ULL, flags = trace_arg(ev, 3, 0);
		int64_t fd = (int32_t)trace_arg(ev, 4, 0);
		uint64_t lo = ev->result, hi = lo + len;
		tlb_invalidate(&e->tlb, lo, hi);        /* MAP_FIXED may replace live pages */
		if (!(flags & MAP_ANON_) && fd >= 0 && fd < 1024 && e->fd_path[fd][0]) {
			const char *p = e->fd_path[fd];
			map_add(e, lo, hi, file_region(e, base_name(p)), 1);
			if (trace_arg(ev, 5, 0) == 0)
				object_loaded(e, p, lo, len);
		} else {
			enum region r = anon_owner(e, lo, flags);
			map_add(e, lo, hi, r, 0);
			if (r == REG_ALLOC_MMAP) {
				e->alloc_mmaps++;
				t->last_alloc_lo = lo;
				t->last_alloc_hi = hi;
			}
		}
		break;
	}
	case SYS_MUNMAP: {
		uint64_t lo = trace_arg(ev, 0, 0), hi = lo + ((trace_arg(ev, 1, 0) + 4095) & ~4095ULL);
		map_remove(e, lo, hi);
		tlb_invalidate(&e->tlb, lo, hi);
		break;
	}
	case SYS_MREMAP: {
		uint64_t lo = trace_arg(ev, 0, 0), hi = lo + ((trace_arg(ev, 1, 0) + 4095) & ~4095ULL);
		uint64_t nlen = (trace_arg(ev, 2, 0) + 4095) & ~4095ULL;
		struct mapping *m = map_at(e, lo);
		enum region r = m ? m->reg : REG_OTHER;
		if (ev->result != lo) {
			map_remove(e, lo, hi);
			tlb_invalidate(&e->tlb, lo, hi);
		}
		map_add(e, ev->result, ev->result + nlen, r, 0);
		break;
	}
	case SYS_MADVISE: {
		uint64_t adv = trace_arg(ev, 2, 0);
		if (adv == 4 /* DONTNEED */ || adv == 8 /* FREE */) {
			uint64_t lo = trace_arg(ev, 0, 0);
			tlb_invalidate(&e->tlb, lo, lo + trace_arg(ev, 1, 0));
		}
		break;
	}
	case SYS_MPROTECT: {
		uint64_t lo = trace_arg(ev, 0, 0);
		tlb_invalidate(&e->tlb, lo, lo + trace_arg(ev, 1, 0));
		break;
	}
	case SYS_BRK:
		if (!e->brk_lo)
			e->brk_lo = e->brk_hi = ev->result;
		else if (ev->result > e->brk_lo)
			e->brk_hi = ev->result;
		break;
	case SYS_ARCH_PRCTL:
		/* the code in decimal, the address in bare hex */
		if (trace_arg(ev, 0, 0) == ARCH_SET_FS_)
			tls_window(e, trace_arg(ev, 1, 16));
		break;
	case SYS_CLONE:
		/* which thread id the child gets does not matter: a TLS window
		 * is a range of addresses, whoever touches it */
		if (trace_arg(ev, 0, 16) & CLONE_SETTLS_)
			tls_window(e, trace_arg(ev, 4, 0));
		break;
	}
}

int engine_event(void *ctx, const struct trace_event *ev)
{
	struct engine *e = ctx;
	struct thread_state *t = &e->th[e->tid];
	switch (ev->kind) {
	case TR_INSN:
		instruction(e, ev->addr);
		break;
	case TR_STORE:
		if (!e->started) {
			e->started = true;
			initial_maps(e, ev->addr);
		}
		if (ev->size == 8)
			t->last_store8 = ev->addr;
		data_access(e, ev->addr, ev->size);
		break;
	case TR_LOAD:
		if (t->in_alloc && ev->addr == t->ret_slot && ev->size == 8)
			t->in_alloc = false;       /* the return */
		/* fall through */
	case TR_MODIFY:
		data_access(e, ev->addr, ev->size);
		break;
	case TR_MARK:
		if (strncmp(ev->text, "HAKMEM_WL_NOW", 13) != 0)
			break;
		sample_huge(e);
		if (!e->marks++)
			e->at_first_mark = e->now;
		e->at_last_mark = e->now;
		break;
	case TR_SYSCALL:
		syscall_event(e, ev);
		break;
	case TR_SCHED:
		if (ev->tid > 0 && ev->tid < TRACE_MAX_THREADS)
			e->tid = ev->tid;
		break;
	}
	return 0;
}

void engine_region(const struct engine *e, struct counts *out)
{
	const uint64_t *a = (const uint64_t *)&e->at_last_mark, *b = (const uint64_t *)&e->at_first_mark;
	uint64_t *o = (uint64_t *)out;
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		o[i] = a[i] - b[i];
}

int engine_init(struct engine *e, const struct tlb_geom *g, const struct engine_opts *o, char *err, size_t errlen)
{
	memset(e, 0, sizeof(*e));
	e->o = *o;
	e->tid = 1;
	if (o->exe_path)
		snprintf(e->exe_base, sizeof(e->exe_base), "%s", base_name(o->exe_path));
	if (o->alloc_path)
		snprintf(e->alloc_base, sizeof(e->alloc_base), "%s", base_name(o->alloc_path));
	snprintf(e->thp_status, sizeof(e->thp_status), o->pid && !o->no_thp_sampling
		 ? "not sampled yet" : "not sampled (no live process): every access counted as 4 KiB");
	if (o->exe_path) {
		struct elf_info info;
		if (elf_read(o->exe_path, &info, NULL, NULL) == 0)
			e->tls_below += info.tls_size;
	}
	return tlb_init(&e->tlb, g, err, errlen);
}

void engine_free(struct engine *e)
{
	tlb_free(&e->tlb);
	free(e->map);
	free(e->huge);
}
