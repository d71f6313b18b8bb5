/* central.h - per-size-class slab lists: where thread caches refill from
 * and overflow to.
 *
 * Each class has its own lock (never a global one) and a list of partial
 * slabs, i.e. slabs with a free block or uncarved space.  Blocks go back
 * to the slab they were carved from, whichever thread frees them.  A slab
 * that empties goes back to its SuperSlab unless it is the class's last
 * partial slab (kept, so that a class at the edge of one slab does not map
 * and release a slab every few operations). */
#ifndef HAKMEM_CENTRAL_H
#define HAKMEM_CENTRAL_H

#include <pthread.h>

#include "superslab.h"

/* Per class: trips of thread caches to the slabs (refills) and back
 * (flushes) and the blocks each moved; blocks given back by another thread
 * than the one that last refilled from their slab; slabs carved and given
 * back to their SuperSlab. */
#define HK_CENTRAL_COUNTS(X) \
	X(refills) X(refilled_blocks) X(flushes) X(flushed_blocks) X(remote_frees) X(slabs_new) X(slabs_released)
struct hk_central_counts { HK_CENTRAL_COUNTS(HK_COUNT_FIELD) };

struct hk_central {
	pthread_mutex_t mu;
	struct hk_slab *head, *tail;     /* partial slabs */
	unsigned npartial;
	struct hk_central_counts n;      /* under mu */
	/* Slabs whose remote list is not empty: a lock-free stack (pushed by
	 * the thread whose push made the list non-empty, taken whole under mu,
	 * so no ABA).  Own cache line: remote senders write it. */
	struct hk_slab *pending __attribute__((aligned(64)));
} __attribute__((aligned(64)));

extern struct hk_central hk_central[HK_NCLS];

/* Up to `want` blocks of class cls as a NULL-terminated list; *got = how
 * many.  NULL when no memory could be mapped. */
void *hk_central_refill(unsigned cls, unsigned want, unsigned tid, unsigned *got);
/* Give a NULL-terminated list of blocks of class cls back to their slabs;
 * returns how many slabs that emptied and released. */
unsigned hk_central_flush(unsigned cls, void *list, unsigned tid);
/* Is the block p on its slab's free list or remote list?  (double-free
 * check; takes the class lock) */
int hk_central_slab_has(unsigned cls, const void *p);

/* Owners: the ids of live threads (hk_tcache.tid; 0 is nobody).  Exact
 * while fewer than HK_ALIVE_SLOTS threads live; beyond, a live thread may
 * be reported gone (never the reverse), which only lets other threads
 * adopt its blocks and refill from its slabs. */
#define HK_ALIVE_SLOTS 4096
void hk_owner_alive_set(uint32_t tid);
void hk_owner_gone(uint32_t tid);
void hk_owner_forget_all(void);         /* fork child */
extern uint32_t hk_alive[HK_ALIVE_SLOTS];   /* slot tid % HK_ALIVE_SLOTS holds tid while it lives */
HK_INLINE int hk_owner_alive(uint32_t tid)
{
	return tid && __atomic_load_n(&hk_alive[tid % HK_ALIVE_SLOTS], __ATOMIC_RELAXED) == tid;
}

/* Remote frees (a thread gives back blocks another thread refilled): a
 * NULL-terminated list of blocks of class cls, in the order freed.  Under
 * the class lock if it is free at once (the blocks go straight to their
 * slabs), else without a lock: each run of blocks of one slab is pushed
 * onto that slab's remote list with one compare-and-swap, and the slab
 * onto the class's pending stack; the next refill, flush or decay tick of
 * the class collects them. */
void hk_central_remote(unsigned cls, void *list, unsigned tid);
/* Collect every class's pending remote frees (decay tick, malloc_trim). */
void hk_central_collect_all(void);
/* In a forked child, before anything else allocates: a remote push that a
 * thread of the parent left half done (block on a slab's list, slab not yet
 * on the pending stack) is made whole, so no freed block is stranded. */
void hk_central_fork_child(void);

/* A consistent copy of class cls's counters (takes its lock). */
void hk_central_counts_get(unsigned cls, struct hk_central_counts *out);

void hk_central_lock_all(void);
void hk_central_unlock_all(void);

#endif
