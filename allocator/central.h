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

struct hk_central {
	pthread_mutex_t mu;
	struct hk_slab *head, *tail;     /* partial slabs */
	unsigned npartial;
	/* statistics (under mu) */
	uint64_t refills, refilled, flushes, flushed, remote, slabs_new, slabs_released;
} __attribute__((aligned(64)));

extern struct hk_central hk_central[HK_NCLS];

/* Up to `want` blocks of class cls as a NULL-terminated list; *got = how
 * many.  NULL when no memory could be mapped. */
void *hk_central_refill(unsigned cls, unsigned want, unsigned tid, unsigned *got);
/* Give a NULL-terminated list of blocks of class cls back to their slabs. */
void hk_central_flush(unsigned cls, void *list, unsigned tid);

void hk_central_lock_all(void);
void hk_central_unlock_all(void);

/* Bytes handed out of slabs and large mappings (live or in thread caches). */
extern uint64_t hk_bytes_in_use, hk_bytes_peak;
void hk_bytes_add(uint64_t n);
void hk_bytes_sub(uint64_t n);

#endif
