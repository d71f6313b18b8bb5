/* api.c - the exported malloc API: the glibc semantics of every edge case
 * on top of the thread cache (front.h), the size classes and the large
 * blocks.
 *
 * Edge cases, as glibc 2.36 does them unless said otherwise:
 * - malloc(0) returns a unique 16-byte block; free(NULL) does nothing;
 * - sizes above PTRDIFF_MAX and calloc/reallocarray overflow: NULL, ENOMEM;
 * - realloc(p, 0) frees p and returns NULL; realloc(NULL, n) = malloc(n);
 * - posix_memalign: EINVAL (returned, errno untouched) unless the
 *   alignment is a power of two multiple of sizeof(void *);
 * - aligned_alloc: NULL with EINVAL unless the alignment is a power of two
 *   (C11; what glibc does since 2.38; 2.36 rounded up like memalign);
 * - memalign: alignments <= 16 are plain malloc, others are rounded up to
 *   a power of two; above SIZE_MAX/2+1: EINVAL;
 * - valloc/pvalloc: page alignment, pvalloc rounds the size up to pages;
 * - malloc_usable_size(NULL) = 0; free_sized/free_aligned_sized (C23) free.
 *
 * With HAKMEM_DEBUG >= 1 (config.h) every small block carries an 8-byte canary at
 * its end and a "freed" mark while free, and free() validates the pointer
 * first: invalid frees, double frees and overruns abort with a message. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "decay.h"
#include "fmt.h"
#include "front.h"
#include "guard.h"
#include "large.h"
#include "sizeclass.h"
#include "superslab.h"
#include "init.h"
#include "remote.h"
#include "thread.h"

static inline int is_pow2(size_t x) { return x && !(x & (x - 1)); }

/* ------------------------------------------------------ debug checks */

#if HAKMEM_DEBUG
#define HK_REDZONE 8
#define CANARY(p) ((uint64_t)0xCAFEBABEDEADBEEFull ^ (uint64_t)(uintptr_t)(p))
#define FREED(p) ((uint64_t)0xF7EEDF7EEDF7EED0ull ^ (uint64_t)(uintptr_t)(p))

static void *debug_arm(void *p, unsigned cls)
{
	if (p) {
		uint64_t *w = p;
		size_t words = hk_class_size[cls] / 8;
		w[0] = 0;
		w[words - 1] = CANARY(p);
	}
	return p;
}

/* After the checks every build makes (hk_free): the canary and the mark. */
static void debug_check_free(void *p, unsigned cls)
{
	struct hk_slab *s = hk_slab_of(p);
	if ((char *)p >= s->bump)
		hk_fatal("free(): invalid pointer", p, "is not a block handed out");
	uint64_t *w = p;
	if (w[0] == FREED(p))
		hk_fatal("free(): double free of", p, "(block is already free)");
	if (w[hk_class_size[cls] / 8 - 1] != CANARY(p))
		hk_fatal("free(): heap overflow at", p, "(canary after the block is damaged)");
	w[0] = FREED(p);   /* word 0: the link is word 1 (guard.h) */
}
#else
#define HK_REDZONE 0
#endif

/* ------------------------------------------------------------ malloc */

/* A live large block's header region is marked in the region map
 * (guard.h) from the moment it is handed out until it is freed: free()
 * reads a large header only after the map says it is one, so a second
 * free of a large block aborts even after its mapping was unmapped. */
static void *large_out(void *p)
{
	if (p)
		hk_guard_mark(hk_prefix_of(p), HK_REGION_LARGE);
	return p;
}

HK_COLD static void *malloc_large(size_t size)
{
	if (size > (size_t)PTRDIFF_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	hk_init();
	return large_out(hk_large_alloc(size, 0, 0));
}

HK_INLINE void *hk_malloc(size_t size)
{
	unsigned cls;
#if HAKMEM_DEBUG
	if (size > SIZE_MAX - HK_REDZONE)
		return malloc_large(size);
	size += HK_REDZONE;
#endif
	if (HK_LIKELY(size <= HK_TINY_MAX)) {
		cls = hk_class_lut[(size + 15) >> 4];
	} else {
		cls = hk_class_of_big(size);
		if (HK_UNLIKELY(!cls))
			return malloc_large(size);
	}
#if HAKMEM_DEBUG
	return debug_arm(hk_bin_pop(cls), cls);
#else
	return hk_bin_pop(cls);
#endif
}

/* malloc and free start on a 64-byte boundary in every build: the hot
 * loops are sensitive to where these few instructions fall (tiny_hot
 * moved by up to 8% between builds that differed only in code placed
 * before them), and `harness ab` of hakmem against `unhardened` must
 * measure the checks, not where the linker happened to put the entry
 * points (README, "Hardening, measured"). */
#define HK_ENTRY_ALIGN __attribute__((aligned(64)))

HK_EXPORT HK_ENTRY_ALIGN void *malloc(size_t size)
{
	return hk_malloc(size);
}

/* -------------------------------------------------------------- free */

/* The large block whose start is p, or NULL: checked through the region
 * map before its header is read. */
static struct hk_large *large_of(void *p)
{
	if (hk_region_of((uintptr_t)p - 1) != HK_REGION_LARGE)
		return NULL;
	struct hk_large *l = (struct hk_large *)hk_prefix_of(p);
	if (l->h.magic != HK_MAGIC || l->h.kind != HK_KIND_LARGE || (char *)p != (char *)l + l->block_off)
		return NULL;
	return l;
}

/* p is not a live block: say why, and abort.  what: "<fn>(): invalid
 * pointer"; twice: the same for a pointer that may have been freed before
 * ("<fn>(): double free or invalid pointer"). */
HK_COLD __attribute__((noreturn)) static void bad_pointer(const char *what, const char *twice, void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (hk_region_of(a) == HK_REGION_SMALL) {
		const struct hk_unit *u = hk_unit_entry(a);
		if (u->cls && (a & 15))
			hk_fatal(what, p, "misaligned");
		if (u->cls)
			hk_fatal(what, p, "not the start of a block (an interior pointer)");
		hk_fatal(twice, p, "in no slab in use (its slab was freed, or hakmem never allocated it)");
	}
	if (hk_region_of(a - 1) == HK_REGION_LARGE)
		hk_fatal(what, p, "not the start of a block (inside a large block)");
	if (hk_region_of(a - 1) == HK_REGION_LARGE_FREED)
		hk_fatal(twice, p, "a large block that was freed");
	hk_fatal(what, p, "not a block of hakmem's");
}

/* Everything the fast path's one test did not pass: NULL, large blocks,
 * another thread's block, a fresh thread's first frees, and every
 * pointer that is no live block (each aborts with its own message).
 * The region map says which kind of region p is in before anything of
 * it is read. */
HK_NOINLINE static void free_other(void *p)
{
	uintptr_t a = (uintptr_t)p;
	struct hk_unit *u = hk_unit_entry(a);
	unsigned cls = u->cls;
	/* a class byte is only ever set for a unit of a slab in use, so the
	 * region map has nothing to add: the commonest case here, another
	 * thread's block, takes the key test with the owner's own token */
	uint32_t owner = __atomic_load_n(&u->owner, __ATOMIC_RELAXED);
	if (cls && owner != hk_tc.tid &&
	    hk_is_own_block_start(u, (a & (HK_UNIT_SIZE - 1)) * hk_class_divc[cls], (uint64_t)owner << HK_OWNER_SHIFT)) {
#if HAKMEM_DEBUG
		debug_check_free(p, cls);
#endif
		hk_free_remote(cls, p);
		return;
	}
	if (!p)
		return;
	if (hk_region_of(a) != HK_REGION_SMALL) {
		struct hk_large *l = large_of(p);
		if (!l)
			bad_pointer("free(): invalid pointer", "free(): double free or invalid pointer", p);
		hk_guard_mark(l, HK_REGION_LARGE_FREED);
		hk_large_free(l, p);
		hk_decay_kick();
		return;
	}
	if (!hk_is_block_start(u, a))
		bad_pointer("free(): invalid pointer", "free(): double free or invalid pointer", p);
#if HAKMEM_DEBUG
	debug_check_free(p, cls);
#endif
	/* another thread's block goes home (remote.c), not into our cache */
	if (__atomic_load_n(&u->owner, __ATOMIC_RELAXED) != hk_tc.tid) {
		hk_free_remote(cls, p);
		return;
	}
	/* ours after all: a fresh thread's (id 0) free of a block of a slab
	 * nobody owns yet, or a key being rewritten (hk_unit_set_key) */
	hk_bin_push(cls, p);
}

/* The fast path: one test on the pointer's unit-table entry says "a
 * block start of a slab this thread owns" (superslab.h, struct hk_unit;
 * it replaces the owner test every build needs), then the thread cache,
 * whose push checks for a double free (guard.h).  The table entry of any
 * pointer below 2^47 can be read, ours or not, so nothing is asked
 * before it. */
HK_INLINE void hk_free(void *p)
{
	uintptr_t a = (uintptr_t)p;
	struct hk_unit *u = hk_unit_entry(a);
	uintptr_t cls = u->cls;     /* one zero-extension for both uses */
	if (HK_UNLIKELY(!hk_is_own_block_start(u, (a & (HK_UNIT_SIZE - 1)) * hk_tc.divc[cls], hk_tc.token))) {
		free_other(p);
		return;
	}
#if HAKMEM_DEBUG
	debug_check_free(p, cls);
#endif
	hk_bin_push(cls, p);
}

HK_EXPORT HK_ENTRY_ALIGN void free(void *p)
{
	hk_free(p);
}

HK_EXPORT void free_sized(void *p, size_t size)
{
	(void)size;
	hk_free(p);
}

HK_EXPORT void free_aligned_sized(void *p, size_t alignment, size_t size)
{
	(void)alignment;
	(void)size;
	hk_free(p);
}

/* ------------------------------------------------------- usable size */

/* The class of the live block p (0: a large block), or abort with what. */
static unsigned class_of_live(const char *what, const char *twice, void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (hk_region_of(a) == HK_REGION_SMALL) {
		const struct hk_unit *u = hk_unit_entry(a);
		if (hk_is_block_start(u, a))
			return u->cls;
	} else if (large_of(p)) {
		return 0;
	}
	bad_pointer(what, twice, p);
}

static size_t usable_of(void *p, unsigned cls)
{
	if (cls)
		return hk_class_size[cls] - HK_REDZONE;
	return hk_large_usable((struct hk_large *)hk_prefix_of(p), p);
}

HK_EXPORT size_t malloc_usable_size(void *p)
{
	return p ? usable_of(p, class_of_live("malloc_usable_size(): invalid pointer", "malloc_usable_size(): freed or invalid pointer", p)) : 0;
}

/* ------------------------------------------------------------ calloc */

HK_EXPORT void *calloc(size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	if (total > HK_SMALL_MAX - HK_REDZONE) {
		if (total > (size_t)PTRDIFF_MAX) {
			errno = ENOMEM;
			return NULL;
		}
		hk_init();
		return large_out(hk_large_alloc(total, 0, 1));   /* fresh mappings are not cleared again */
	}
	void *p = hk_malloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

/* ----------------------------------------------------------- realloc */

HK_EXPORT void *realloc(void *p, size_t size)
{
	if (!p)
		return hk_malloc(size);
	if (size == 0) {
		hk_free(p);
		return NULL;
	}
	unsigned cls = class_of_live("realloc(): invalid pointer", "realloc(): freed or invalid pointer", p);
	size_t cur = usable_of(p, cls);
	if (cls) {
		/* in place unless it grows out of the class or shrinks below half */
		if (size <= cur && size >= cur / 2)
			return p;
	} else if (size > HK_MID_MIN) {
		struct hk_large *l = (struct hk_large *)hk_prefix_of(p);
		hk_guard_mark(l, HK_REGION_NONE);   /* the header may move */
		void *q = hk_large_resize(l, p, size);
		large_out(q ? q : p);
		if (q)
			return q;
	}
	/* a block that realloc moves to more than 256 KiB becomes a large
	 * mapping, not a mid-size slab: it then grows by mremap instead of
	 * being copied at each of the 11 mid-size classes (realloc_growth
	 * copied 5 times more bytes that way) */
	void *q = size > HK_MID_MIN && size > cur ? malloc_large(size) : hk_malloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, size < cur ? size : cur);
	hk_free(p);
	return q;
}

HK_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
	size_t total;
	if (__builtin_mul_overflow(n, size, &total)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, total);
}

/* ----------------------------------------------------------- aligned */

/* align: a power of two. */
static void *hk_alloc_aligned(size_t align, size_t size)
{
	if (align <= 16)
		return hk_malloc(size);
	/* a unique block, as malloc(0): a large block of size 0 would start at
	 * the end of its mapping, where another mapping may begin */
	if (size == 0)
		size = 1;
	/* a class whose size is a multiple of align has every block aligned,
	 * because slabs start on 64 KiB boundaries */
	if (size <= HK_SMALL_MAX - HK_REDZONE && align <= HK_UNIT_SIZE && !HAKMEM_DEBUG) {
		unsigned cls = hk_class_of(size < align ? align : size);
		while (cls && cls < HK_NCLS && (hk_class_size[cls] & (align - 1)))
			cls++;
		if (cls && cls < HK_NCLS)
			return hk_bin_pop(cls);
	}
	if (size > (size_t)PTRDIFF_MAX) {
		errno = ENOMEM;
		return NULL;
	}
	hk_init();
	return large_out(hk_large_alloc(size, align, 0));
}

HK_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
	if (align % sizeof(void *) != 0 || !is_pow2(align / sizeof(void *)))
		return EINVAL;
	int saved = errno;
	void *p = hk_alloc_aligned(align, size);
	errno = saved;
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

HK_EXPORT void *aligned_alloc(size_t align, size_t size)
{
	if (!is_pow2(align)) {
		errno = EINVAL;
		return NULL;
	}
	return hk_alloc_aligned(align, size);
}

HK_EXPORT void *memalign(size_t align, size_t size)
{
	if (align <= 16)
		return hk_malloc(size);
	if (align > SIZE_MAX / 2 + 1) {
		errno = EINVAL;
		return NULL;
	}
	if (!is_pow2(align)) {
		size_t a = 32;
		while (a < align)
			a <<= 1;
		align = a;
	}
	return hk_alloc_aligned(align, size);
}

HK_EXPORT void *valloc(size_t size)
{
	return hk_alloc_aligned(HK_PAGE, size);
}

HK_EXPORT void *pvalloc(size_t size)
{
	size_t rounded;
	if (__builtin_add_overflow(size, HK_PAGE - 1, &rounded)) {
		errno = ENOMEM;
		return NULL;
	}
	return hk_alloc_aligned(HK_PAGE, rounded & ~(HK_PAGE - 1));
}

/* glibc's internal names: a program or library that calls them directly
 * must reach the same heap as malloc and free. */
HK_EXPORT void *__libc_malloc(size_t size) __attribute__((alias("malloc")));
HK_EXPORT void __libc_free(void *p) __attribute__((alias("free")));
HK_EXPORT void *__libc_calloc(size_t n, size_t size) __attribute__((alias("calloc")));
HK_EXPORT void *__libc_realloc(void *p, size_t size) __attribute__((alias("realloc")));
HK_EXPORT void *__libc_memalign(size_t align, size_t size) __attribute__((alias("memalign")));
HK_EXPORT void *__libc_valloc(size_t size) __attribute__((alias("valloc")));
HK_EXPORT void *__libc_pvalloc(size_t size) __attribute__((alias("pvalloc")));
