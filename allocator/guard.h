/* guard.h - hardening against heap misuse (issue 13 item 5), in the
 * default build:
 *
 * - The unit table: one 16-byte entry per 64 KiB of the address space
 *   below 2^47 (32 GiB of address space mapped read-only, so it costs no
 *   memory; only the pages holding SuperSlabs' entries are ever written).
 *   free() reads the entry of any pointer without asking whether it is
 *   ours, and one compare on it says "a block start of a slab this thread
 *   owns" (struct hk_unit, superslab.h: the block-start test with the
 *   owner test folded in, exact for every byte offset of every class and
 *   every pair of thread ids, checked in harden_test).  Every pointer that
 *   fails it (NULL, large blocks, other threads' blocks and every invalid
 *   one) goes to free()'s slow path.
 * - The region map: one byte per 2 MiB region below 2^47 (64 MiB of
 *   .bss, a few pages resident), read by the slow paths before any
 *   header: whether a region is a SuperSlab or holds a live or freed large
 *   block's header.  So a stack pointer, another allocator's block or a
 *   wild pointer aborts with a message instead of faulting or being taken,
 *   and a large block freed twice is named a double free even after its
 *   mapping is gone.
 * - Encoded links: a free block's second word holds next ^ key, where the
 *   key is random per process except its top byte, HK_LINK_TOP (guard.c).
 *   Decoding checks that the result is below 2^47 (a user pointer), so an
 *   overflow that overwrites a link with anything not made with the key
 *   aborts at the malloc that takes the block (about 1 in 131,072 random
 *   words would pass).  Thread-cache heads stay plain pointers.
 * - Double free: malloc clears the link word of the block it returns, so
 *   a live block's link word has the top byte of a link only if the
 *   program stored such a value there.  free() reads that one byte (a
 *   wider load stalls when the program just wrote part of the word); if
 *   it matches, the whole word is decoded, and only a plausible link makes
 *   it walk the thread's cache and batch and the slab's lists (guard.c):
 *   the block found there aborts, otherwise (the program's own data
 *   looked like a link) the free goes on.  A block whose slab was freed
 *   since has a unit no slab uses, which the block-start test rejects.
 *
 * Costs, measured with harness ab: README.md, "Hardening, measured". */
#ifndef HAKMEM_GUARD_H
#define HAKMEM_GUARD_H

#include "config.h"

#define HK_USER_BITS 47                        /* user pointers are below 2^47 */
#define HK_LINK_TOP  0xF5                      /* the key's top byte, so every link's (guard.c) */
/* A free block's link is its second word (every block is at least 16
 * bytes), not its first: free() reads the link's top byte, and when the
 * program has just written the block's first bytes (p[0] = x; free(p)),
 * a load from that same 8-byte word waited for the store (tiny_hot 7.9%
 * slower, 41 interleaved runs, 97.5% CI +0.4%..+16.0%).  glibc's tcache
 * keeps its double-free key in the second word too. */
#define HK_LINK_WORD 1
#define HK_LINK_TOP_BYTE (HK_LINK_WORD * 8 + 7)
_Static_assert(HK_LINK_WORD == 1, "front.h's asm addresses the link as 8(reg)");
#define HK_REGIONS   ((uintptr_t)1 << (HK_USER_BITS - HK_SS_SHIFT))

/* LARGE: the header region of a live large block; LARGE_FREED: of one
 * that was freed (until the region is used again), so a second free can
 * be called a double free even after the mapping is gone. */
enum { HK_REGION_NONE = 0, HK_REGION_SMALL = 1, HK_REGION_LARGE = 2, HK_REGION_LARGE_FREED = 3 };

struct hk_guard {
	uint64_t key;               /* link encoding */
	uint64_t link_limit;        /* 2^47: a decoded link must be below it */
};
extern struct hk_guard hk_guard __attribute__((visibility("hidden")));
/* One byte per 2 MiB region: in .bss, so it exists before any code runs
 * (zero: nobody's) and its address is a constant; only the pages that
 * describe HAKMEM's own regions are ever written, so only they are
 * resident. */
extern uint8_t hk_region_map[HK_REGIONS] __attribute__((visibility("hidden")));

/* The unit table: one 16-byte entry (struct hk_unit, superslab.h) per
 * 64 KiB of the address space below 2^47, 32 GiB of address space mapped
 * read-only (zero pages: no memory) and made writable only where a
 * SuperSlab's entries are (hk_guard_open_units), so free() can read the
 * entry of any pointer below 2^47 without asking first whether it is
 * ours.  Until hk_guard_init it points at one zero entry, enough for
 * free(NULL) (the only pointer free() can be given before HAKMEM has
 * handed one out). */
extern char *hk_unit_base __attribute__((visibility("hidden")));

/* Draw the key and map the unit table (once, under the setup lock of
 * thread.c, before the first block is handed out).  Aborts with a message
 * if the table's address space cannot be had (ulimit -v below 32 GiB). */
void hk_guard_init(void);
/* Make the unit-table entries of the SuperSlab at ss writable (before they
 * are first written); 0, or -1 if the kernel refused. */
int hk_guard_open_units(const void *ss);
/* Mark the 2 MiB region starting at region (a SuperSlab or a large
 * block's header) as kind, or as nobody's (NONE). */
void hk_guard_mark(const void *region, unsigned kind);

/* The region kind of address a (NONE outside the map). */
HK_INLINE unsigned hk_region_of(uintptr_t a)
{
	uintptr_t t = a >> HK_SS_SHIFT;
	/* a plain read (a byte: never torn), so it folds into a compare */
	return t < HK_REGIONS ? hk_region_map[t] : HK_REGION_NONE;
}

/* Links: every list of free blocks (thread caches, slabs, remote lists,
 * remote batches) stores its links encoded. */
HK_INLINE void hk_link_set(void *b, const void *next)
{
	((uintptr_t *)b)[HK_LINK_WORD] = (uintptr_t)next ^ hk_guard.key;
}

__attribute__((noreturn)) void hk_link_corrupt(const void *b);

HK_INLINE void *hk_link_get(const void *b)
{
	uintptr_t next = ((const uintptr_t *)b)[HK_LINK_WORD] ^ hk_guard.key;
	if (HK_UNLIKELY(next >= hk_guard.link_limit))
		hk_link_corrupt(b);
	return (void *)next;
}

/* Could p's link word be a link, i.e. could p be free already?  Its top
 * byte first: one byte is forwarded from any store that covers it, where
 * the whole word stalls right after the program wrote part of it. */
HK_INLINE int hk_maybe_free(const void *p)
{
	return ((const uint8_t *)p)[HK_LINK_TOP_BYTE] == HK_LINK_TOP &&
	       (((const uintptr_t *)p)[HK_LINK_WORD] ^ hk_guard.key) < hk_guard.link_limit;
}

/* Aborts if p (whose link word decodes to a link) is in the thread's
 * cache or remote batch or on its slab's lists, or if that link is one
 * only a free block of class cls holds (NULL or another block of cls:
 * then p is in a list this thread cannot walk, another thread's cache). */
void hk_check_not_free(unsigned cls, void *p);
/* free()'s path for such a block of the thread's own: the check above,
 * then the push into the thread cache. */
void hk_free_suspect(unsigned cls, void *p);

#endif
