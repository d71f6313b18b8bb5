/* central.c - see central.h.  Everything here runs under one class's lock
 * and is reached once per batch of blocks (a refill or an overflow), so
 * its cost is shared by tens of mallocs or frees; the exception is the
 * lock-free push of remote frees (hk_central_remote), used only when the
 * class lock is busy.
 *
 * Remote lists and the pending stack (mimalloc's thread-free lists, with
 * the slab found through a per-class stack instead of an owning heap):
 * - a sender pushes a run of blocks of one slab onto s->remote with one
 *   CAS; if the list was empty it then pushes s onto c->pending, so a slab
 *   with remote blocks is on the stack exactly once (or about to be);
 * - a collector (under the class lock) takes the whole stack at once, and
 *   for each slab reads pending_next BEFORE taking s->remote: after that
 *   exchange a sender may push s again, rewriting pending_next;
 * - blocks on a remote list still count in s->used, so a slab with one
 *   cannot be released (nor reused by another class) under a sender. */
#include "central.h"

#include "bytes.h"
#include "fmt.h"
#include "guard.h"
#include "sizeclass.h"

struct hk_central hk_central[HK_NCLS];

/* ------------------------------------------------------ partial list */

static void list_append(struct hk_central *c, struct hk_slab *s)
{
	s->next = NULL;
	s->prev = c->tail;
	if (c->tail)
		c->tail->next = s;
	else
		c->head = s;
	c->tail = s;
	s->listed = 1;
	c->npartial++;
}

static void list_remove(struct hk_central *c, struct hk_slab *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		c->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		c->tail = s->prev;
	s->listed = 0;
	c->npartial--;
}

/* ------------------------------------------------------ ownership */

uint32_t hk_alive[HK_ALIVE_SLOTS];

void hk_owner_alive_set(uint32_t tid)
{
	__atomic_store_n(&hk_alive[tid % HK_ALIVE_SLOTS], tid, __ATOMIC_RELAXED);
}

void hk_owner_gone(uint32_t tid)
{
	__atomic_compare_exchange_n(&hk_alive[tid % HK_ALIVE_SLOTS], &tid, 0, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

void hk_owner_forget_all(void)
{
	for (unsigned i = 0; i < HK_ALIVE_SLOTS; i++)
		hk_alive[i] = 0;
}

/* The partial slab a refill by thread tid takes from: the first of the
 * first few that is its own or has no live owner, else the head.  Two
 * threads refilling from one slab would each turn the other's frees into
 * remote ones. */
#define PICK_TRIES 8
static struct hk_slab *pick_slab(struct hk_central *c, unsigned tid)
{
	unsigned tries = 0;
	for (struct hk_slab *s = c->head; s && tries < PICK_TRIES; s = s->next, tries++)
		if (s->owner == tid || !hk_owner_alive(s->owner))
			return s;
	return tries < PICK_TRIES ? NULL : c->head;
}

/* s's blocks are now refilled by thread tid: free() compares the unit
 * entries' copy with the freeing thread's id. */
static void set_owner(struct hk_slab *s, unsigned tid)
{
	struct hk_ss *ss = (struct hk_ss *)hk_prefix_of(s);
	unsigned u = (unsigned)(s - ss->slabs);
	s->owner = tid;
	for (unsigned i = u; i < u + s->nunits; i++) {
		struct hk_unit *e = hk_ss_unit(ss, i);
		__atomic_store_n(&e->owner, tid, __ATOMIC_RELAXED);
		hk_unit_set_key(e);
	}
}

/* ------------------------------------------------------ debug checks */

#if HK_DEBUG_INVARIANTS
/* The partial list is a consistent doubly-linked list of npartial slabs of
 * this class, each with a free block or uncarved space, and each slab's
 * blocks add up: free list + uncarved + out = capacity. */
static void check_class(struct hk_central *c, unsigned cls)
{
	unsigned n = 0;
	struct hk_slab *prev = NULL;
	for (struct hk_slab *s = c->head; s; prev = s, s = s->next) {
		HK_CHECK(++n <= c->npartial, "partial list longer than npartial (a cycle?)", s);
		HK_CHECK(s->prev == prev, "partial list back link", s);
		HK_CHECK(s->listed && s->cls == cls && s->size == hk_class_size[cls], "slab on the wrong partial list", s);
		HK_CHECK(s->free || s->bump < s->end, "full slab on the partial list", s);
		uint64_t nfree = 0;
		for (void *b = s->free; b; b = hk_link_get(b)) {
			HK_CHECK(hk_slab_of(b) == s, "free block of another slab on a slab's free list", b);
			HK_CHECK(++nfree <= s->cap, "slab free list longer than the slab (a cycle?)", s);
		}
		HK_CHECK(nfree + (uint64_t)(s->end - s->bump) / s->size + s->used == s->cap,
			 "slab blocks do not add up (free + uncarved + out != capacity)", s);
		/* blocks pushed remotely are still out: at most `used` of them,
		 * all of this slab (senders only prepend, so walking is safe) */
		uint64_t nremote = 0;
		for (void *b = __atomic_load_n(&s->remote, __ATOMIC_ACQUIRE); b; b = hk_link_get(b)) {
			HK_CHECK(hk_slab_of(b) == s, "remote-freed block on another slab's remote list", b);
			HK_CHECK(++nremote <= s->used, "more remote-freed blocks than blocks out (a cycle or a double free?)", s);
		}
	}
	HK_CHECK(n == c->npartial && c->tail == prev, "partial list count or tail", c->head);
}
#else
#define check_class(c, cls) ((void)0)
#endif

/* ---------------------------------------------------- remote frees */

/* Under c->mu: give every pending remote block back to its slab. */
static void collect_pending(struct hk_central *c, unsigned cls)
{
	struct hk_slab *s = __atomic_exchange_n(&c->pending, NULL, __ATOMIC_ACQUIRE);
	uint64_t total = 0;
	while (s) {
		struct hk_slab *next = s->pending_next;   /* before the exchange: see the top */
		void *list = __atomic_exchange_n(&s->remote, NULL, __ATOMIC_ACQ_REL);
		uint32_t n = 0;
		void *tail = NULL;
		for (void *b = list; b; b = hk_link_get(b)) {
			tail = b;
			n++;
		}
		if (HK_UNLIKELY(n > s->used))
			hk_fatal("free(): double free in", list, "(more blocks freed remotely than were out of their slab)");
		if (n) {
			hk_link_set(tail, s->free);
			s->free = list;
			total += n;
			if (!s->listed)
				list_append(c, s);
			s->used -= n;
			if (s->used == 0 && (c->npartial > 1 || s->cap == 1)) {
				list_remove(c, s);
				c->n.slabs_released++;
				hk_slab_release(s);
			}
		}
		s = next;
	}
	c->n.remote_frees += total;
	hk_bytes_sub(total * hk_class_size[cls]);
}

HK_INLINE void collect_if_pending(struct hk_central *c, unsigned cls)
{
	if (HK_UNLIKELY(__atomic_load_n(&c->pending, __ATOMIC_RELAXED) != NULL))
		collect_pending(c, cls);
}

/* ------------------------------------------------------------ refill */

void *hk_central_refill(unsigned cls, unsigned want, unsigned tid, unsigned *got)
{
	struct hk_central *c = &hk_central[cls];
	void *head = NULL;
	unsigned n = 0;
	size_t carved = 0;      /* fresh bytes carved so far (HK_CARVE_BYTES) */
	pthread_mutex_lock(&c->mu);
	collect_if_pending(c, cls);
	while (n < want && (!carved || carved + hk_class_size[cls] <= HK_CARVE_BYTES)) {
		struct hk_slab *s = pick_slab(c, tid);
		if (!s) {
			s = hk_slab_new(cls);
			if (!s)
				break;
			c->n.slabs_new++;
			list_append(c, s);
		}
		unsigned before = n;
		int whole = 0;
		if (!head && s->free) {
			/* the slab's whole free list when it fits the request: taken
			 * without reading a block, and the refill stops there, with
			 * fewer blocks than asked for (walking a list reads each
			 * block's link, a cache miss per block of a big class: that
			 * was the malloc latency tail, issue 13 item 3).  Its length
			 * is what the slab counts. */
			unsigned nfree = s->cap - s->used - (unsigned)((size_t)(s->end - s->bump) / s->size);
			if (nfree <= want) {
				head = s->free;
				s->free = NULL;
				n = nfree;
				whole = 1;
			}
		}
		while (n < want && s->free) {
			void *b = s->free;
			s->free = hk_link_get(b);
			hk_link_set(b, head);
			head = b;
			n++;
		}
		if (n < want && s->bump < s->end) {
			/* carve in address order, linking only the blocks handed out,
			 * so untouched pages of the slab stay untouched; and at most
			 * HK_CARVE_BYTES at a time, because linking a block touches
			 * its page: 32 blocks of 4 KiB were 32 page faults in one
			 * malloc, 65-100 us on this VM, the malloc max of `latency`
			 * (issue 13 item 3).  A class bigger than that carves one
			 * block; the loop's condition then ends the refill, with
			 * fewer blocks than asked for. */
			size_t size = s->size, left = (size_t)(s->end - s->bump) / size;
			/* carved <= HK_CARVE_BYTES here (the loop's condition) */
			size_t budget = (HK_CARVE_BYTES - carved) / size;
			unsigned k = (unsigned)(want - n < left ? want - n : left);
			if (k > budget)
				k = budget ? (unsigned)budget : 1;
			carved += (size_t)k * size;
			char *first = s->bump;
			for (unsigned i = 0; i + 1 < k; i++)
				hk_link_set(first + (size_t)i * size, first + (size_t)(i + 1) * size);
			hk_link_set(first + (size_t)(k - 1) * size, head);
			head = first;
			s->bump = first + (size_t)k * size;
			n += k;
		}
		s->used += n - before;
		if (s->owner != tid)
			set_owner(s, tid);
		if (!s->free && s->bump >= s->end)
			list_remove(c, s);
		if (whole)
			break;
	}
	if (n) {
		c->n.refills++;
		c->n.refilled_blocks += n;
		hk_bytes_add((uint64_t)n * hk_class_size[cls]);
	}
	check_class(c, cls);
	pthread_mutex_unlock(&c->mu);
	*got = n;
	return head;
}

/* ------------------------------------------------------------- flush */

/* Under c->mu: the blocks of `list` back to their slabs; returns the
 * slabs released. */
static unsigned flush_locked(struct hk_central *c, unsigned cls, void *list, unsigned tid)
{
	uint64_t n = 0, remote = 0;
	unsigned released = 0;
	collect_if_pending(c, cls);
	while (list) {
		void *b = list;
		list = hk_link_get(b);
		struct hk_slab *s = hk_slab_of(b);
		/* a block freed twice: more frees than blocks out, or the block
		 * already heads its slab's free list (a mid-size block freed
		 * twice in a row; relinking it would make the list point to
		 * itself) */
		if (HK_UNLIKELY(s->used == 0 || b == s->free))
			hk_fatal("free(): double free of", b, "(block is already free)");
		if (HK_UNLIKELY((char *)b >= s->bump))
			hk_fatal("free(): invalid pointer", b, "(a block this slab never handed out)");
		hk_link_set(b, s->free);
		s->free = b;
		n++;
		remote += s->owner != tid;
		if (!s->listed)
			list_append(c, s);
		/* an empty slab goes back to its SuperSlab unless it is the
		 * class's only partial one (kept for the next refill); a
		 * one-block (mid-size) slab always does: its units then serve
		 * any class, and stay resident while mid-size blocks churn
		 * (superslab.c) */
		if (--s->used == 0 && (c->npartial > 1 || s->cap == 1)) {
			list_remove(c, s);
			c->n.slabs_released++;
			released++;
			hk_slab_release(s);
		}
	}
	c->n.flushes++;
	c->n.flushed_blocks += n;
	c->n.remote_frees += remote;
	hk_bytes_sub(n * hk_class_size[cls]);
	check_class(c, cls);
	return released;
}

unsigned hk_central_flush(unsigned cls, void *list, unsigned tid)
{
	struct hk_central *c = &hk_central[cls];
	pthread_mutex_lock(&c->mu);
	unsigned released = flush_locked(c, cls, list, tid);
	pthread_mutex_unlock(&c->mu);
	return released;
}

int hk_central_slab_has(unsigned cls, const void *p)
{
	struct hk_central *c = &hk_central[cls];
	struct hk_slab *s = hk_slab_of(p);
	int found = 0;
	uint32_t n = 0;
	pthread_mutex_lock(&c->mu);
	for (const void *b = s->free; b && !found && n <= s->cap; b = hk_link_get(b), n++)
		found = b == p;
	for (const void *b = __atomic_load_n(&s->remote, __ATOMIC_ACQUIRE); b && !found && n <= 2 * s->cap;
	     b = hk_link_get(b), n++)
		found = b == p;
	pthread_mutex_unlock(&c->mu);
	return found;
}

void hk_central_remote(unsigned cls, void *list, unsigned tid)
{
	struct hk_central *c = &hk_central[cls];
	if (pthread_mutex_trylock(&c->mu) == 0) {
		flush_locked(c, cls, list, tid);
		pthread_mutex_unlock(&c->mu);
		return;
	}
	while (list) {
		/* the run of blocks of one slab at the head of the list */
		struct hk_slab *s = hk_slab_of(list);
		void *first = list, *last = list;
		void *next;
		while ((next = hk_link_get(last)) && hk_slab_of(next) == s)
			last = next;
		list = next;
		void *old = __atomic_load_n(&s->remote, __ATOMIC_RELAXED);
		do
			hk_link_set(last, old);
		while (!__atomic_compare_exchange_n(&s->remote, &old, first, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
		if (old)
			continue;       /* s is on the pending stack already */
		struct hk_slab *top = __atomic_load_n(&c->pending, __ATOMIC_RELAXED);
		do
			s->pending_next = top;
		while (!__atomic_compare_exchange_n(&c->pending, &top, s, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	}
}

void hk_central_collect_all(void)
{
	for (unsigned cls = 1; cls < HK_NCLS; cls++) {
		struct hk_central *c = &hk_central[cls];
		if (!__atomic_load_n(&c->pending, __ATOMIC_RELAXED))
			continue;
		pthread_mutex_lock(&c->mu);
		collect_pending(c, cls);
		check_class(c, cls);
		pthread_mutex_unlock(&c->mu);
	}
}

static void repush(struct hk_slab *s)
{
	if (s->remote) {
		s->pending_next = hk_central[s->cls].pending;
		hk_central[s->cls].pending = s;
	}
}

void hk_central_fork_child(void)
{
	for (unsigned cls = 1; cls < HK_NCLS; cls++)
		hk_central[cls].pending = NULL;
	hk_ss_foreach_slab(repush);
}

void hk_central_counts_get(unsigned cls, struct hk_central_counts *out)
{
	struct hk_central *c = &hk_central[cls];
	pthread_mutex_lock(&c->mu);
	*out = c->n;
	pthread_mutex_unlock(&c->mu);
}

void hk_central_lock_all(void)
{
	for (int i = 1; i < HK_NCLS; i++)
		pthread_mutex_lock(&hk_central[i].mu);
}

void hk_central_unlock_all(void)
{
	for (int i = HK_NCLS - 1; i >= 1; i--)
		pthread_mutex_unlock(&hk_central[i].mu);
}
