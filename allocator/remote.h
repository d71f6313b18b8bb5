/* remote.h - remote frees go home: a block freed by a thread other than
 * the one that last refilled its slab does not join the freeing thread's
 * cache (that thread would hand it out again, next to the owner's objects:
 * allocator-induced false sharing), it goes back to its own slab. */
#ifndef HAKMEM_REMOTE_H
#define HAKMEM_REMOTE_H

/* free()'s slow path for such a block of class cls. */
void hk_free_remote(unsigned cls, void *p);
/* Is p in the calling thread's batch of class cls?  (double-free check) */
int hk_remote_batch_has(unsigned cls, const void *p);
/* Send every block the calling thread holds for other threads back to its
 * slab: now, under the class locks (thread exit, malloc_trim, drains). */
void hk_remote_flush_own(void);

#endif
