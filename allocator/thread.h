/* thread.h - process and thread life cycle: one-time initialisation,
 * thread start/exit, fork. */
#ifndef HAKMEM_THREAD_H
#define HAKMEM_THREAD_H

#include "front.h"

extern int hk_init_done;
void hk_init_slow(void);

/* Make sure the options are read and the process hooks installed. */
HK_INLINE void hk_init(void)
{
	if (HK_LIKELY(__atomic_load_n(&hk_init_done, __ATOMIC_ACQUIRE)))
		return;
	hk_init_slow();
}

/* Walk the caches of live threads (statistics at exit); fn gets each. */
void hk_threads_foreach(void (*fn)(const struct hk_tcache *tc, void *arg), void *arg);
/* Add a live thread's mallocs (counted in statistics mode only) and cached
 * blocks of class cls to *allocs and *cached. */
void hk_thread_counts(const struct hk_tcache *tc, unsigned cls, uint64_t *allocs, uint64_t *cached);
/* Mallocs counted (statistics mode) for threads that have exited or run
 * without a side block, per class. */
extern uint64_t hk_dead_nalloc[HK_NCLS];

#endif
