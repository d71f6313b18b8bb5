/* floor.c - the floor allocator: what a workload's loop costs with an
 * allocator that does (almost) nothing.  LD_PRELOAD build/workloads/libfloor.so.
 *
 * Subtracting a workload's ns/op under this library from its ns/op under a
 * real allocator leaves what the real allocator costs (issue 10 item 5).
 * So malloc and free here are as short as a correct allocator can be:
 *
 *   malloc  pop the calling thread's LIFO list for the size class; when
 *           empty, bump a pointer through the thread's current chunk
 *           (4 MiB, mmap'd).  Classes are powers of two (16 B .. 1 MiB):
 *           one bit scan, no table.
 *   free    push the block on the calling thread's list for its class.
 *
 * No locks and no atomics: every list and chunk belongs to one thread
 * (initial-exec TLS); a block freed by another thread joins the freeing
 * thread's list, which is correct because lists are never shared.  Memory
 * of exited threads is not reclaimed.  Blocks above 1 MiB are mmap'd and
 * munmap'd one by one.
 *
 * Why free reuses blocks instead of doing nothing (FLOOR_FREE=keep gives
 * the no-op free, for comparison): with a no-op free every allocation
 * touches fresh memory, so the "floor" pays a first-touch page fault every
 * few allocations (microseconds each here, see `harness calibrate`) and
 * runs out of memory on churn workloads (random_mixed's defaults would
 * take 2.7 GiB, larson's 10 GiB, realloc_growth's terabytes).  That
 * measures the kernel, not the loop.  A thread-local LIFO reuses the block
 * just freed, as every real allocator does, for a few instructions.
 *
 * Layout: every block has a 16-byte header before the pointer returned
 * (so malloc's alignment is 16); its last 8 bytes hold the class and the
 * offset from the block's base (for aligned blocks the pointer is further
 * in).
 *
 * Nothing here calls a libc function that may allocate (mmap, munmap,
 * memcpy, getenv only), so LD_PRELOAD start-up cannot recurse. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define FLOOR_EXPORT __attribute__((visibility("default")))
#define FLOOR_TLS __thread __attribute__((tls_model("initial-exec")))

enum {
	HDR = 16,                       /* header bytes; also the alignment of malloc */
	MIN_SHIFT = 4,                  /* class 0 holds 16 bytes */
	NCLASSES = 17,                  /* 16 B .. 1 MiB */
	HUGE_CLASS = 0xFF,
	CHUNK = 4 << 20,
};
#define MAX_ALIGN (1UL << 31)           /* the header keeps the offset in 32 bits */

static FLOOR_TLS void *free_list[NCLASSES];
static FLOOR_TLS char *bump, *bump_end;
static int keep_freed;             /* FLOOR_FREE=keep: free does nothing */

/* The header word at p - 8: class in the low 32 bits, the offset from the
 * block's base to p in the high 32 bits (16 unless aligned).  A huge
 * block's mapping length is the first word of its base. */
static inline uint64_t *word_of(void *p)
{
	return (uint64_t *)((char *)p - 8);
}

static inline uint64_t make_word(unsigned cls, size_t off)
{
	return (uint64_t)cls | (uint64_t)off << 32;
}

static inline size_t class_size(unsigned cls)
{
	return (size_t)1 << (cls + MIN_SHIFT);
}

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* A fresh block of class cls carved from the thread's chunk: base pointer,
 * HDR + class_size bytes, 16-aligned. */
static char *carve(unsigned cls)
{
	size_t need = HDR + class_size(cls);
	if ((size_t)(bump_end - bump) < need) {
		char *c = map(CHUNK);   /* the rest of the old chunk is left unused */
		if (!c)
			return NULL;
		bump = c;
		bump_end = c + CHUNK;
	}
	char *b = bump;
	bump += need;
	return b;
}

/* A huge block: its own mapping of HDR + n bytes (+ align to move p up). */
static void *huge_alloc(size_t n, size_t align)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = HDR + n + (align > HDR ? align : 0);
	if (len < n)
		return NULL;
	len = (len + pg - 1) & ~(pg - 1);
	char *b = map(len);
	if (!b)
		return NULL;
	char *p = b + HDR;
	if (align > HDR)
		p = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	*(size_t *)b = len;
	*word_of(p) = make_word(HUGE_CLASS, (size_t)(p - b));
	return p;
}

/* Any block: n bytes (0 allowed), aligned to align (a power of two, 16 ..
 * MAX_ALIGN).  The general path; malloc inlines the common case. */
static __attribute__((noinline)) void *floor_alloc(size_t n, size_t align)
{
	if (n == 0)
		n = 1;
	size_t want = n + (align > HDR ? align - HDR : 0);   /* room to move p up to the alignment */
	if (want < n || want > class_size(NCLASSES - 1))
		return want < n ? NULL : huge_alloc(n, align);
	unsigned cls = want <= 16 ? 0 : (unsigned)(64 - __builtin_clzl(want - 1)) - MIN_SHIFT;
	char *b = free_list[cls];
	if (b)
		free_list[cls] = *(void **)(b + HDR);    /* the link lives in the old payload */
	else if (!(b = carve(cls)))
		return NULL;
	char *p = b + HDR;
	if (align > HDR)
		p = (char *)(((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1));
	*word_of(p) = make_word(cls, (size_t)(p - b));
	return p;
}

static __attribute__((noinline)) void free_slow(void *p, uint64_t w)
{
	if (keep_freed)
		return;
	char *b = (char *)p - (w >> 32);     /* huge: the only other kind */
	munmap(b, *(size_t *)b);
}

static size_t usable(void *p)
{
	uint64_t w = *word_of(p);
	unsigned cls = (uint32_t)w;
	char *b = (char *)p - (w >> 32);
	size_t end = cls == HUGE_CLASS ? *(size_t *)b : HDR + class_size(cls);
	return end - (size_t)(w >> 32);
}

/* ------------------------------------------------------------------ API */

static __attribute__((noinline)) void *malloc_general(size_t n)
{
	void *p = floor_alloc(n, HDR);
	if (!p)
		errno = ENOMEM;
	return p;
}

/* The hot path: one class computation, a pop from the thread's list, one
 * header store.  n = 0 wraps around to the general path. */
FLOOR_EXPORT void *malloc(size_t n)
{
	size_t m = (n - 1) | 15;
	if (__builtin_expect(m >= class_size(NCLASSES - 1), 0))
		return malloc_general(n);
	unsigned cls = (unsigned)(63 - __builtin_clzl(m)) + 1 - MIN_SHIFT;
	char *b = free_list[cls];
	if (__builtin_expect(b == NULL, 0))
		return malloc_general(n);
	free_list[cls] = *(void **)(b + HDR);
	*(uint64_t *)(b + 8) = make_word(cls, HDR);
	return b + HDR;
}

FLOOR_EXPORT void free(void *p)
{
	if (!p)
		return;
	uint64_t w = *word_of(p);
	unsigned cls = (uint32_t)w;
	if (__builtin_expect(cls >= NCLASSES || keep_freed, 0)) {
		free_slow(p, w);
		return;
	}
	char *b = (char *)p - (w >> 32);
	*(void **)(b + HDR) = free_list[cls];
	free_list[cls] = b;
}

FLOOR_EXPORT void *calloc(size_t count, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(count, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = floor_alloc(n, HDR);
	if (!p)
		errno = ENOMEM;
	else if ((uint32_t)*word_of(p) != HUGE_CLASS)
		memset(p, 0, n);        /* a reused block holds old data; a huge one is a fresh mapping */
	return p;
}

FLOOR_EXPORT void *realloc(void *old, size_t n)
{
	if (!old)
		return malloc(n);
	if (n == 0) {
		free(old);
		return NULL;
	}
	size_t have = usable(old);
	if (n <= have)
		return old;
	void *p = malloc(n);
	if (p) {
		memcpy(p, old, have);
		free(old);
	}
	return p;
}

FLOOR_EXPORT void *reallocarray(void *old, size_t count, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(count, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(old, n);
}

static int valid_align(size_t a)
{
	return a != 0 && (a & (a - 1)) == 0;
}

FLOOR_EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	if (!valid_align(align) || align % sizeof(void *) != 0 || align > MAX_ALIGN)
		return EINVAL;
	void *p = floor_alloc(n, align < HDR ? HDR : align);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

FLOOR_EXPORT void *aligned_alloc(size_t align, size_t n)
{
	if (!valid_align(align) || align > MAX_ALIGN) {
		errno = EINVAL;
		return NULL;
	}
	void *p = floor_alloc(n, align < HDR ? HDR : align);
	if (!p)
		errno = ENOMEM;
	return p;
}

FLOOR_EXPORT void *memalign(size_t align, size_t n)
{
	return aligned_alloc(align, n);
}

FLOOR_EXPORT void *valloc(size_t n)
{
	return aligned_alloc((size_t)sysconf(_SC_PAGESIZE), n);
}

FLOOR_EXPORT void *pvalloc(size_t n)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t r = (n + pg - 1) & ~(pg - 1);
	if (r < n) {
		errno = ENOMEM;
		return NULL;
	}
	return aligned_alloc(pg, r ? r : pg);
}

FLOOR_EXPORT size_t malloc_usable_size(void *p)
{
	return p ? usable(p) : 0;
}

__attribute__((constructor)) static void floor_init(void)
{
	const char *v = getenv("FLOOR_FREE");
	keep_freed = v && strcmp(v, "keep") == 0;
}
