/* decay.h - giving idle free memory back on a time basis
 * (HAKMEM_DECAY_MS), and all of it on request (malloc_trim).
 *
 * What decays: large-cache entries and empty slab units (dirty units) that
 * nobody reused for HAKMEM_DECAY_MS.  Who checks: the large alloc and free
 * paths themselves, every thread-cache slow path (rate-limited to one
 * check per HAKMEM_DECAY_MS / 4 across the process: one clock read when
 * it is not yet time), and, so that a program that went idle gives its
 * memory back too, a background thread (HAKMEM_DECAY_THREAD=1, the
 * default) started the first time a thread-cache overflow or a large free
 * parks free memory.  The thread sleeps HAKMEM_DECAY_MS / 2 between
 * checks, blocks every signal, never allocates, and is started again
 * lazily in a forked child.
 *
 * Not reached from here: blocks sitting in the caches of threads that are
 * idle (another thread cannot touch a thread cache without atomics on the
 * fast path).  What an idle thread can keep is bounded instead: the caches
 * of all threads share a budget (thread.c), and remote frees pending on
 * slab remote lists are collected by the decay tick. */
#ifndef HAKMEM_DECAY_H
#define HAKMEM_DECAY_H

#include <stddef.h>

/* From slow paths: run the decay if it is time. */
void hk_decay_maybe(void);
/* From a point where the caller holds no allocator lock and free memory
 * may have been parked: start the decay thread if wanted and not yet. */
void hk_decay_kick(void);
/* In a forked child: the thread does not exist there. */
void hk_decay_forget_thread(void);
/* Give back all free memory in the SuperSlabs and the large cache;
 * returns the bytes. */
size_t hk_decay_trim_all(void);

#endif
