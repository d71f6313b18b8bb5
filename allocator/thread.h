/* thread.h - the thread cache's slow paths and the thread life cycle. */
#ifndef HAKMEM_THREAD_H
#define HAKMEM_THREAD_H

#include "front.h"

/* Read the options and set the per-class cache limits (once per process;
 * cheap after the first call). */
void hk_thread_setup(void);

/* The calling thread's cache scale, in thousandths of the full limits
 * (fewer when many threads live; see thread.c). */
uint32_t hk_thread_cache_scale(void);

/* Initialise the calling thread if it is fresh (its first slow path). */
void hk_thread_start(void);

/* Give every block in the calling thread's cache back to its slab
 * (malloc_trim). */
void hk_thread_flush_own(void);

/* Is p in the calling thread's bin of class cls?  (double-free check) */
int hk_bin_has(unsigned cls, const void *p);

/* Walk the caches of live threads (statistics at exit); fn gets each. */
void hk_threads_foreach(void (*fn)(const struct hk_tcache *tc, void *arg), void *arg);
/* Add a live thread's mallocs (counted in statistics mode only) and cached
 * blocks of class cls to *allocs and *cached. */
void hk_thread_counts(const struct hk_tcache *tc, unsigned cls, uint64_t *allocs, uint64_t *cached);
/* Mallocs counted (statistics mode) for threads that have exited or run
 * without a side block, per class. */
extern uint64_t hk_dead_nalloc[HK_NCLS];

/* fork (init.c): the thread-list lock, and the child's list = itself. */
void hk_threads_lock(void);
void hk_threads_unlock(void);
void hk_threads_forget_others(void);

#endif
