/* superslab.c - SuperSlabs: mapping them, carving slabs out of their
 * units, and what happens when one empties.
 *
 * Empty SuperSlabs go to a pool.  The first HAKMEM_SS_CACHE of them stay
 * resident, so a program that frees and allocates in waves does not
 * refault; beyond that, HAKMEM_RELEASE decides: MADV_DONTNEED or MADV_FREE
 * (the mapping is kept for reuse, at most RETAIN_MAX of them; any more are
 * unmapped), or keep (every empty SuperSlab stays resident).
 * One lock covers all of this: it is taken only when a size class needs a
 * new slab or gives an empty one back, never on the hot path. */
#include "superslab.h"

#include <pthread.h>

#include "options.h"
#include "os.h"
#include "sizeclass.h"
#include "trace.h"

#define RETAIN_MAX 64
#define ALL_FREE (~(uint32_t)1)     /* every unit but the header's */

static pthread_mutex_t ss_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hk_ss *avail;         /* SuperSlabs with free units (not empty ones) */
static struct hk_ss *pool_head, *pool_tail;   /* empty: resident first, released last */
static unsigned pool_resident, pool_released;
static struct hk_ss *all;
static struct hk_ss_counts counts;

void hk_ss_lock(void) { pthread_mutex_lock(&ss_mu); }
void hk_ss_unlock(void) { pthread_mutex_unlock(&ss_mu); }

/* ------------------------------------------------------------ lists */

static void avail_push(struct hk_ss *ss)
{
	ss->prev = NULL;
	ss->next = avail;
	if (avail)
		avail->prev = ss;
	avail = ss;
	ss->listed = 1;
}

static void avail_remove(struct hk_ss *ss)
{
	if (ss->prev)
		ss->prev->next = ss->next;
	else
		avail = ss->next;
	if (ss->next)
		ss->next->prev = ss->prev;
	ss->listed = 0;
}

static void pool_insert(struct hk_ss *ss, int at_head)
{
	ss->pooled = 1;
	if (at_head) {
		ss->prev = NULL;
		ss->next = pool_head;
		if (pool_head)
			pool_head->prev = ss;
		else
			pool_tail = ss;
		pool_head = ss;
	} else {
		ss->next = NULL;
		ss->prev = pool_tail;
		if (pool_tail)
			pool_tail->next = ss;
		else
			pool_head = ss;
		pool_tail = ss;
	}
}

static struct hk_ss *pool_take(void)
{
	struct hk_ss *ss = pool_head;
	if (!ss)
		return NULL;
	pool_head = ss->next;
	if (pool_head)
		pool_head->prev = NULL;
	else
		pool_tail = NULL;
	if (ss->released)
		pool_released--;
	else
		pool_resident--;
	ss->pooled = ss->released = 0;
	counts.reused++;
	return ss;
}

/* ------------------------------------------------------ map / unmap */

static struct hk_ss *ss_map(void)
{
	struct hk_ss *ss = hk_os_map_aligned(HK_SS_SIZE, HK_SS_SIZE, 0);
	if (!ss)
		return NULL;
	hk_os_new_region(ss, HK_SS_SIZE);
	ss->h.kind = HK_KIND_SMALL;
	ss->h.magic = HK_MAGIC;
	ss->free_units = ALL_FREE;
	ss->all_prev = NULL;
	ss->all_next = all;
	if (all)
		all->all_prev = ss;
	all = ss;
	counts.mapped++;
	if (++counts.live > counts.peak_live)
		counts.peak_live = counts.live;
	hakmem_trace_superslab_map(ss, HK_SS_SIZE);
	return ss;
}

static void ss_unmap(struct hk_ss *ss)
{
	if (ss->all_prev)
		ss->all_prev->all_next = ss->all_next;
	else
		all = ss->all_next;
	if (ss->all_next)
		ss->all_next->all_prev = ss->all_prev;
	counts.unmapped++;
	counts.live--;
	hakmem_trace_superslab_unmap(ss, HK_SS_SIZE);
	hk_os_unmap(ss, HK_SS_SIZE);
}

static void ss_became_empty(struct hk_ss *ss)
{
	if (ss->listed)
		avail_remove(ss);
	if (hk_opt(RELEASE) == HK_RELEASE_KEEP || pool_resident < (unsigned)hk_opt(SS_CACHE)) {
		pool_insert(ss, 1);
		pool_resident++;
	} else if (pool_released < RETAIN_MAX) {
		/* the header unit stays: it is touched again on reuse anyway */
		hk_os_release((char *)ss + HK_UNIT_SIZE, HK_SS_SIZE - HK_UNIT_SIZE);
		ss->released = 1;
		counts.released++;
		pool_insert(ss, 0);
		pool_released++;
	} else {
		ss_unmap(ss);
	}
}

/* ------------------------------------------------------------ slabs */

/* First unit of a run of n free units, or -1. */
static int find_run(uint32_t free_units, unsigned n)
{
	uint32_t r = free_units;
	for (unsigned k = 1; k < n; k++)
		r &= free_units >> k;
	return r ? __builtin_ctz(r) : -1;
}

struct hk_slab *hk_slab_new(unsigned cls)
{
	unsigned n = hk_class_units[cls];
	struct hk_ss *ss;
	int u = -1;
	pthread_mutex_lock(&ss_mu);
	for (ss = avail; ss; ss = ss->next)
		if ((u = find_run(ss->free_units, n)) >= 0)
			break;
	if (!ss) {
		ss = pool_take();
		if (!ss)
			ss = ss_map();
		if (!ss) {
			pthread_mutex_unlock(&ss_mu);
			return NULL;
		}
		avail_push(ss);
		u = find_run(ss->free_units, n);
	}
	uint32_t bits = (n == 32 ? ~0u : ((1u << n) - 1u)) << u;
	ss->free_units &= ~bits;
	if (ss->free_units == 0)
		avail_remove(ss);
	for (unsigned i = (unsigned)u; i < (unsigned)u + n; i++) {
		ss->h.unit[i].slab = (uint8_t)u;
		ss->h.unit[i].cls = (uint8_t)cls;
	}
	pthread_mutex_unlock(&ss_mu);

	struct hk_slab *s = &ss->slabs[u];
	char *base = (char *)ss + ((size_t)u << HK_UNIT_SHIFT);
	s->size = hk_class_size[cls];
	s->cap = (uint32_t)(((size_t)n << HK_UNIT_SHIFT) / s->size);
	s->free = NULL;
	s->bump = base;
	s->end = base + (size_t)s->cap * s->size;
	s->used = 0;
	s->cls = (uint16_t)cls;
	s->nunits = (uint8_t)n;
	s->listed = 0;
	s->owner = 0;
	s->next = s->prev = NULL;
	return s;
}

void hk_slab_release(struct hk_slab *s)
{
	struct hk_ss *ss = (struct hk_ss *)hk_prefix_of(s);
	unsigned u = (unsigned)(s - ss->slabs), n = s->nunits;
	pthread_mutex_lock(&ss_mu);
	for (unsigned i = u; i < u + n; i++)
		ss->h.unit[i].cls = 0;
	ss->free_units |= (n == 32 ? ~0u : ((1u << n) - 1u)) << u;
	if (ss->free_units == ALL_FREE)
		ss_became_empty(ss);
	else if (!ss->listed)
		avail_push(ss);
	pthread_mutex_unlock(&ss_mu);
}

int hk_ss_owns(const void *p)
{
	const struct hk_ss *want = (const struct hk_ss *)hk_prefix_of(p);
	int found = 0;
	pthread_mutex_lock(&ss_mu);
	for (struct hk_ss *ss = all; ss && !found; ss = ss->all_next)
		found = ss == want && !ss->pooled;
	pthread_mutex_unlock(&ss_mu);
	return found;
}

void hk_ss_counts_get(struct hk_ss_counts *out)
{
	pthread_mutex_lock(&ss_mu);
	*out = counts;
	out->pooled = pool_resident + pool_released;
	pthread_mutex_unlock(&ss_mu);
}
