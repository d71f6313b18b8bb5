/* front.h - the per-thread cache: the hot path of malloc and free.
 *
 * Each thread has one bin per size class: a LIFO singly-linked list of
 * free blocks, its length and its limit.  malloc pops, free pushes; the
 * only branches are "bin empty" and "bin over its limit", both unlikely,
 * both going to noinline functions in thread.c.
 *
 * The cache lives in initial-exec TLS and starts zero-filled: every bin is
 * empty with limit 0.  So a thread's first malloc finds an empty bin and
 * its first free overflows one; both slow paths initialise the thread.
 * No separate "initialised?" test exists on the hot path (mimalloc's
 * trick).  A thread whose exit destructor ran keeps limit 0, so whatever
 * it still frees goes straight back to the slabs.
 *
 * Blocks in a bin belong to slabs anywhere: a block freed by another
 * thread than the one that allocated it simply joins the freeing thread's
 * cache; overflow sends blocks back to their own slabs (central.c). */
#ifndef HAKMEM_FRONT_H
#define HAKMEM_FRONT_H

#include "config.h"

struct hk_bin {
	void *head;
	uint32_t count;
	uint32_t limit;
	uint64_t nalloc;            /* mallocs served by this bin (statistics) */
};

enum { HK_T_FRESH = 0, HK_T_ACTIVE = 1, HK_T_EXITING = 2 };

struct hk_tcache {
	struct hk_bin bins[HK_NCLS];
	struct hk_tcache *next, *prev;   /* live threads (statistics, fork) */
	uint32_t state;
	uint32_t tid;
};

extern __thread struct hk_tcache hk_tc __attribute__((tls_model("initial-exec")));

/* Slow paths (thread.c). */
void *hk_bin_refill(unsigned cls);      /* returns a block of class cls, or NULL with ENOMEM */
void hk_bin_overflow(unsigned cls);     /* the bin went over its limit */

HK_INLINE void *hk_bin_pop(unsigned cls)
{
	struct hk_bin *b = &hk_tc.bins[cls];
	void *p = b->head;
	if (HK_UNLIKELY(!p))
		return hk_bin_refill(cls);
	b->head = *(void **)p;
	b->count--;
	b->nalloc++;
	return p;
}

HK_INLINE void hk_bin_push(unsigned cls, void *p)
{
	struct hk_bin *b = &hk_tc.bins[cls];
	*(void **)p = b->head;
	b->head = p;
	if (HK_UNLIKELY(++b->count > b->limit))
		hk_bin_overflow(cls);
}

#endif
