/* remote.c - see remote.h.
 *
 * free() (api.c) compares the owner id in the block's unit entry (the
 * same cache line as the class byte it already reads) with the thread's
 * id: equal, the block joins the thread's cache as before; different, it
 * comes here.  The block is kept in a small per-thread, per-class batch
 * that this thread never allocates from; a full batch goes to
 * hk_central_remote, which puts it straight back into its slabs if the
 * class lock is free, and otherwise pushes each run of blocks of one slab
 * onto that slab's remote list with one CAS (collected by the next refill
 * or flush of the class, or the decay tick).  Batching keeps blocks freed
 * in allocation order together, so a run is usually many blocks long and
 * the lock or the CAS is paid once per run.
 *
 * A block whose owner has exited (or a slab nobody refilled from) has no
 * home to go to: the freeing thread adopts it (it joins its cache) and
 * takes over the unit's owner id, so its further frees there are local.
 * That is how an exited thread's slabs are taken over (larson's workers
 * inherit the arrays of threads that are gone).
 *
 * A batch holds at most 16 KiB of blocks (and at most 32 blocks), scaled
 * down like the thread caches when many threads live; bigger classes are
 * sent one block at a time.  The batches are sent
 * at thread exit, by malloc_trim, and by the thread's own drains
 * (thread.c), so an idle thread keeps at most that much per class. */
#include "remote.h"

#include "central.h"
#include "guard.h"
#include "front.h"
#include "superslab.h"
#include "sizeclass.h"
#include "thread.h"

#define BATCH_BYTES 16384
#define BATCH_MAX 32

struct batch {
	void *head;         /* LIFO list: runs of one slab stay contiguous */
	uint32_t n;
	uint32_t limit;     /* set when the batch starts (no division per free) */
};

static __thread struct batch batches[HK_NCLS] __attribute__((tls_model("initial-exec")));

static unsigned batch_limit(unsigned cls)
{
	size_t n = BATCH_BYTES * hk_thread_cache_scale() / 1000 / hk_class_size[cls];
	return n > BATCH_MAX ? BATCH_MAX : n ? (unsigned)n : 1u;
}

HK_NOINLINE void hk_free_remote(unsigned cls, void *p)
{
	struct hk_tcache *tc = &hk_tc;
	if (HK_UNLIKELY(tc->state == HK_T_FRESH))
		hk_thread_start();
	if (hk_maybe_free(p))
		hk_check_not_free(cls, p);
	struct hk_unit *u = hk_unit_entry((uintptr_t)p);
	uint32_t o = __atomic_load_n(&u->owner, __ATOMIC_RELAXED);
	if (!hk_owner_alive(o) && tc->state == HK_T_ACTIVE) {
		/* nobody's home (its thread exited, or a fresh slab): adopt the
		 * unit, so our next frees of its blocks stay on the fast path */
		if (__atomic_compare_exchange_n(&u->owner, &o, tc->tid, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			hk_unit_set_key(u);
		hk_bin_push_nocheck(cls, p);
		return;
	}
	struct batch *b = &batches[cls];
	if (!b->n)
		b->limit = batch_limit(cls);
	hk_link_set(p, b->head);
	b->head = p;
	/* an exiting thread keeps nothing: its batches were sent already */
	if (++b->n < b->limit && tc->state == HK_T_ACTIVE)
		return;
	void *list = b->head;
	b->head = NULL;
	b->n = 0;
	hk_central_remote(cls, list, tc->tid);
}

int hk_remote_batch_has(unsigned cls, const void *p)
{
	const struct batch *b = &batches[cls];
	uint32_t n = 0;
	for (const void *q = b->head; q && n <= b->n; q = hk_link_get(q), n++)
		if (q == p)
			return 1;
	return 0;
}

void hk_remote_flush_own(void)
{
	for (unsigned c = 1; c < HK_NCLS; c++) {
		struct batch *b = &batches[c];
		if (!b->head)
			continue;
		void *list = b->head;
		b->head = NULL;
		b->n = 0;
		hk_central_flush(c, list, hk_tc.tid);
	}
}
