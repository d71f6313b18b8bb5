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
/* Allocations counted by threads that have exited, per class. */
extern uint64_t hk_dead_nalloc[HK_NCLS];

#endif
