/* central.c - see central.h.  Everything here runs under one class's lock
 * and is reached once per batch of blocks (a refill or an overflow), so
 * its cost is shared by tens of mallocs or frees. */
#include "central.h"

#include "bytes.h"
#include "fmt.h"
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
		for (void *b = s->free; b; b = *(void **)b) {
			HK_CHECK(hk_slab_of(b) == s, "free block of another slab on a slab's free list", b);
			HK_CHECK(++nfree <= s->cap, "slab free list longer than the slab (a cycle?)", s);
		}
		HK_CHECK(nfree + (uint64_t)(s->end - s->bump) / s->size + s->used == s->cap,
			 "slab blocks do not add up (free + uncarved + out != capacity)", s);
	}
	HK_CHECK(n == c->npartial && c->tail == prev, "partial list count or tail", c->head);
}
#else
#define check_class(c, cls) ((void)0)
#endif

/* ------------------------------------------------------------ refill */

void *hk_central_refill(unsigned cls, unsigned want, unsigned tid, unsigned *got)
{
	struct hk_central *c = &hk_central[cls];
	void *head = NULL;
	unsigned n = 0;
	pthread_mutex_lock(&c->mu);
	while (n < want) {
		struct hk_slab *s = c->head;
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
			s->free = *(void **)b;
			*(void **)b = head;
			head = b;
			n++;
		}
		if (n < want && s->bump < s->end) {
			/* carve in address order, linking only the blocks handed out,
			 * so untouched pages of the slab stay untouched */
			size_t size = s->size, left = (size_t)(s->end - s->bump) / size;
			unsigned k = (unsigned)(want - n < left ? want - n : left);
			char *first = s->bump;
			for (unsigned i = 0; i + 1 < k; i++)
				*(void **)(first + (size_t)i * size) = first + (size_t)(i + 1) * size;
			*(void **)(first + (size_t)(k - 1) * size) = head;
			head = first;
			s->bump = first + (size_t)k * size;
			n += k;
		}
		s->used += n - before;
		s->owner = tid;
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

void hk_central_flush(unsigned cls, void *list, unsigned tid)
{
	struct hk_central *c = &hk_central[cls];
	uint64_t n = 0, remote = 0;
	pthread_mutex_lock(&c->mu);
	while (list) {
		void *b = list;
		list = *(void **)b;
		struct hk_slab *s = hk_slab_of(b);
		/* a block freed twice: more frees than blocks out, or the block
		 * already heads its slab's free list (a mid-size block freed
		 * twice in a row; relinking it would make the list point to
		 * itself) */
		if (HK_UNLIKELY(s->used == 0 || b == s->free))
			hk_fatal("free(): double free of", b, "(block is already free)");
		*(void **)b = s->free;
		s->free = b;
		n++;
		remote += s->owner != tid;
		if (!s->listed)
			list_append(c, s);
		if (--s->used == 0 && c->npartial > 1) {
			list_remove(c, s);
			c->n.slabs_released++;
			hk_slab_release(s);
		}
	}
	c->n.flushes++;
	c->n.flushed_blocks += n;
	c->n.remote_frees += remote;
	hk_bytes_sub(n * hk_class_size[cls]);
	check_class(c, cls);
	pthread_mutex_unlock(&c->mu);
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
