/* superslab.c - SuperSlabs: mapping them, carving slabs out of their
 * units, and what happens when a slab or a whole SuperSlab empties.
 *
 * An empty slab's units stay resident ("dirty") inside their SuperSlab, so
 * churn reuses them without refaulting (new slabs prefer dirty units).
 * They go back to the OS by HAKMEM_RELEASE only when the dirty bytes exceed
 * max(HAKMEM_SLAB_DIRTY_MB, HAKMEM_SLAB_DIRTY_PCT% of the bytes in use)
 * (down to half of that, least recently dirtied SuperSlab first), or when a
 * SuperSlab's dirty units were left alone for HAKMEM_DECAY_MS.  Without
 * this, one block kept alive in a SuperSlab pinned all 2 MiB of it.
 *
 * Empty SuperSlabs go to a pool.  The first HAKMEM_SS_CACHE of them stay
 * resident, so a program that frees and allocates in waves does not
 * refault; beyond that, HAKMEM_RELEASE decides: MADV_DONTNEED or MADV_FREE
 * (the mapping is kept for reuse, at most RETAIN_MAX of them; any more are
 * unmapped), or keep (every empty SuperSlab stays resident).
 *
 * Mid-size slabs (one block of 256 KiB..1.75 MiB, all of whose pages the
 * program usually touches) make both bounds too tight: with only a few
 * such blocks live, 4 MiB of dirty units and 2 pooled SuperSlabs were
 * exceeded on nearly every free, and each malloc refaulted up to 448 pages
 * (the `large` workload with mid sizes only ran several times slower than
 * when they were large mappings, whose cache keeps at least 32 MiB; README,
 * "Mid-size blocks").  So while a
 * mid-size slab was freed within the last HAKMEM_DECAY_MS, the dirty
 * bound is at least HK_MID_KEEP_BYTES, and so are the dirty bytes plus
 * the resident pooled SuperSlabs beyond HAKMEM_SS_CACHE; those pooled ones
 * are given back once pooled for HAKMEM_DECAY_MS, as dirty units are.
 * One lock covers all of this: it is taken only when a size class needs a
 * new slab or gives an empty one back, never on the hot path. */
#include "superslab.h"

#include <pthread.h>

#include "bytes.h"
#include "fmt.h"
#include "guard.h"
#include "options.h"
#include "os.h"
#include "sizeclass.h"
#include "trace.h"

#define RETAIN_MAX 64
#define DIRTY_TRIES 8               /* SuperSlabs a new slab looks at for dirty units */
#define ALL_FREE (~(uint32_t)1)     /* every unit but the header's */

static pthread_mutex_t ss_mu = PTHREAD_MUTEX_INITIALIZER;
/* SuperSlabs with free units (not empty ones), by their longest run of
 * free units: a new slab of n units looks at lists n..31 only, so
 * SuperSlabs left with a few free units (6 mid-size blocks of 5 units
 * leave 1) are never scanned in vain. */
static struct hk_ss *avail[HK_UNITS];
static struct hk_ss *pool_head, *pool_tail;   /* empty: resident first, released last */
static unsigned pool_resident, pool_released;
static struct hk_ss *all;
static struct hk_ss_counts counts;
static struct hk_ss *dirty_head, *dirty_tail;   /* least recently dirtied first */
static size_t dirty_bytes;        /* dirty units of SuperSlabs not in the pool */
static uint32_t mid_freed_ms;     /* when a mid-size slab was last given back */
static int mid_freed;             /* one ever was */

static void dirty_touch(struct hk_ss *ss, uint32_t now);
static size_t units_bytes(uint32_t bits);

void hk_ss_lock(void) { pthread_mutex_lock(&ss_mu); }
void hk_ss_unlock(void) { pthread_mutex_unlock(&ss_mu); }

/* ------------------------------------------------------------ lists */

static unsigned longest_run(uint32_t bits)
{
	unsigned best = 0;
	while (bits) {
		unsigned u = (unsigned)__builtin_ctz(bits);
		unsigned k = (unsigned)__builtin_ctzll(~((uint64_t)bits >> u));
		if (k > best)
			best = k;
		bits &= (uint32_t)~(((1ull << k) - 1u) << u);
	}
	return best;
}

static void avail_push(struct hk_ss *ss)
{
	unsigned r = longest_run(ss->free_units);
	ss->avail_run = r;
	ss->prev = NULL;
	ss->next = avail[r];
	if (avail[r])
		avail[r]->prev = ss;
	avail[r] = ss;
	ss->listed = 1;
}

static void avail_remove(struct hk_ss *ss)
{
	if (ss->prev)
		ss->prev->next = ss->next;
	else
		avail[ss->avail_run] = ss->next;
	if (ss->next)
		ss->next->prev = ss->prev;
	ss->listed = 0;
}

/* ss's free units changed: move it to the list of its longest run. */
static void avail_update(struct hk_ss *ss)
{
	if (ss->listed)
		avail_remove(ss);
	if (ss->free_units)
		avail_push(ss);
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

/* Remove ss from the pool. */
static void pool_unlink(struct hk_ss *ss)
{
	if (ss->prev)
		ss->prev->next = ss->next;
	else
		pool_head = ss->next;
	if (ss->next)
		ss->next->prev = ss->prev;
	else
		pool_tail = ss->prev;
	if (ss->released)
		pool_released--;
	else
		pool_resident--;
	ss->pooled = 0;
}

static struct hk_ss *pool_take(void)
{
	struct hk_ss *ss = pool_head;
	if (!ss)
		return NULL;
	pool_unlink(ss);
	ss->released = 0;
	counts.reused++;
	if (ss->dirty_units) {
		dirty_bytes += units_bytes(ss->dirty_units);
		dirty_touch(ss, hk_os_now_ms());
	}
	return ss;
}

/* ------------------------------------------------------ dirty units */

static void dirty_unlink(struct hk_ss *ss)
{
	if (!ss->dirty_listed)
		return;
	if (ss->dirty_prev)
		ss->dirty_prev->dirty_next = ss->dirty_next;
	else
		dirty_head = ss->dirty_next;
	if (ss->dirty_next)
		ss->dirty_next->dirty_prev = ss->dirty_prev;
	else
		dirty_tail = ss->dirty_prev;
	ss->dirty_listed = 0;
}

/* (Re)insert at the tail: the most recently dirtied. */
static void dirty_touch(struct hk_ss *ss, uint32_t now)
{
	dirty_unlink(ss);
	ss->dirty_next = NULL;
	ss->dirty_prev = dirty_tail;
	if (dirty_tail)
		dirty_tail->dirty_next = ss;
	else
		dirty_head = ss;
	dirty_tail = ss;
	ss->dirty_listed = 1;
	ss->dirty_since_ms = now;
}

static size_t units_bytes(uint32_t bits)
{
	return (size_t)__builtin_popcount(bits) << HK_UNIT_SHIFT;
}

/* Forget ss's dirty units in the global count (it leaves the live set). */
static void dirty_forget(struct hk_ss *ss)
{
	if (!ss->dirty_listed)      /* listed <=> counted in dirty_bytes */
		return;
	dirty_bytes -= units_bytes(ss->dirty_units);
	dirty_unlink(ss);
}

/* Give every dirty unit of ss back by HAKMEM_RELEASE, one call per run. */
static void dirty_release(struct hk_ss *ss)
{
	uint32_t d = ss->dirty_units;
	while (d) {
		unsigned u = (unsigned)__builtin_ctz(d), k = (unsigned)__builtin_ctz(~(d >> u));
		hk_os_release((char *)ss + ((size_t)u << HK_UNIT_SHIFT), (size_t)k << HK_UNIT_SHIFT);
		counts.units_released += k;
		counts.unit_releases++;
		d &= ~(k == 32 ? ~0u : ((1u << k) - 1u) << u);
	}
	dirty_forget(ss);
	ss->dirty_units = 0;
}

/* Were mid-size slabs given back within the last HAKMEM_DECAY_MS? */
static int mid_churn(uint32_t now)
{
	return mid_freed && now - mid_freed_ms < (uint32_t)hk_opt(DECAY_MS);
}

/* The dirty bound: max(HAKMEM_SLAB_DIRTY_MB, HAKMEM_SLAB_DIRTY_PCT% of the
 * bytes in use), at least HK_MID_KEEP_BYTES during mid-size churn. */
static size_t dirty_bound(uint32_t now)
{
	uint64_t in_use = __atomic_load_n(&hk_bytes_in_use, __ATOMIC_RELAXED);
	size_t bound = (size_t)hk_opt(SLAB_DIRTY_MB) << 20;
	size_t rel = (size_t)(in_use / 100 * (uint64_t)hk_opt(SLAB_DIRTY_PCT));
	if (rel > bound)
		bound = rel;
	if (bound < HK_MID_KEEP_BYTES && mid_churn(now))
		bound = HK_MID_KEEP_BYTES;
	return bound;
}

static void pool_give_back(struct hk_ss *ss);
static void ss_release_empty(struct hk_ss *ss);

/* Apply the dirty bound and the decay (under ss_mu); resident pooled
 * SuperSlabs beyond HAKMEM_SS_CACHE decay too. */
static void dirty_trim(uint32_t now)
{
	if (hk_opt(RELEASE) == HK_RELEASE_KEEP)
		return;
	uint32_t decay = (uint32_t)hk_opt(DECAY_MS);
	if (pool_resident > (unsigned)hk_opt(SS_CACHE)) {
		unsigned i = 0;
		for (struct hk_ss *ss = pool_head, *next; ss && !ss->released; ss = next, i++) {
			next = ss->next;
			if (i >= (unsigned)hk_opt(SS_CACHE) && now - ss->dirty_since_ms >= decay)
				pool_give_back(ss);
		}
	}
	if (!dirty_head)
		return;
	size_t bound = dirty_bound(now);
	if (dirty_bytes > bound) {
		/* down to half the bound, so a program hovering at the bound
		 * does not release and refault on every slab it frees */
		while (dirty_head && dirty_bytes > bound / 2)
			dirty_release(dirty_head);
	}
	while (dirty_head && now - dirty_head->dirty_since_ms >= decay)
		dirty_release(dirty_head);
}

/* ------------------------------------------------------ debug checks */

#if HK_DEBUG_INVARIANTS
/* Under ss_mu: every SuperSlab's unit table, flags and lists agree. */
static void check_all(void)
{
	uint64_t n = 0, nlisted = 0, npooled = 0, nreleased = 0, ndirty = 0;
	size_t dirty = 0;
	for (struct hk_ss *ss = all; ss; ss = ss->all_next) {
		HK_CHECK(++n <= counts.live, "more SuperSlabs on the all-list than live (a cycle?)", ss);
		HK_CHECK(ss->h.magic == HK_MAGIC && ss->h.kind == HK_KIND_SMALL, "SuperSlab header magic", ss);
		HK_CHECK(!(ss->free_units & 1u), "header unit marked free", ss);
		HK_CHECK((ss->dirty_units & ~ss->free_units) == 0, "dirty units that are not free", ss);
		for (unsigned i = 1; i < HK_UNITS; i++) {
			int is_free = (ss->free_units >> i) & 1u;
			const struct hk_unit *e = hk_ss_unit(ss, i);
			HK_CHECK(is_free == (e->cls == 0), "unit class byte disagrees with the free-unit bits", (char *)ss + ((size_t)i << HK_UNIT_SHIFT));
			/* the owner part may be changing (no class lock here): the
			 * phase part must be right */
			HK_CHECK(((e->key - hk_unit_phase(e)) & (((uint64_t)1 << HK_OWNER_SHIFT) - 1)) == 0,
				 "unit key disagrees with its phase", (char *)ss + ((size_t)i << HK_UNIT_SHIFT));
			if (!is_free) {
				const struct hk_slab *s = &ss->slabs[e->slab];
				HK_CHECK(s->cls == e->cls && i - e->slab < s->nunits,
					 "unit does not belong to the slab its table entry names", (char *)ss + ((size_t)i << HK_UNIT_SHIFT));
			}
		}
		if (ss->pooled) {
			npooled++;
			nreleased += ss->released;
			HK_CHECK(ss->free_units == ALL_FREE && !ss->listed && !ss->dirty_listed, "pooled SuperSlab in use or on a live list", ss);
		} else {
			HK_CHECK(!ss->released, "released flag on a SuperSlab outside the pool", ss);
			HK_CHECK(ss->free_units != ALL_FREE, "empty SuperSlab outside the pool", ss);
			HK_CHECK(ss->listed == (ss->free_units != 0), "\"has free units\" flag disagrees with the free units", ss);
			HK_CHECK(ss->dirty_listed == (ss->dirty_units != 0), "dirty-list flag disagrees with the dirty units", ss);
			if (ss->dirty_listed)
				dirty += units_bytes(ss->dirty_units);
		}
	}
	HK_CHECK(n == counts.live, "all-list shorter than the live count", all);
	for (unsigned r = 0; r < HK_UNITS; r++)
		for (struct hk_ss *ss = avail[r], *prev = NULL; ss; prev = ss, ss = ss->next) {
			HK_CHECK(++nlisted <= n && ss->listed && !ss->pooled && ss->prev == prev, "\"has free units\" list", ss);
			HK_CHECK(ss->avail_run == r && r == longest_run(ss->free_units), "SuperSlab on the wrong free-run list", ss);
		}
	uint64_t np = 0;
	for (struct hk_ss *ss = pool_head, *prev = NULL; ss; prev = ss, ss = ss->next) {
		HK_CHECK(++np <= npooled && ss->pooled && ss->prev == prev, "pool list", ss);
		HK_CHECK(!prev || prev->released <= ss->released, "pool order: resident SuperSlabs before released ones", ss);
		HK_CHECK(ss->next || pool_tail == ss, "pool tail", ss);
	}
	HK_CHECK(np == npooled && npooled == pool_resident + pool_released && nreleased == pool_released, "pool counts", pool_head);
	uint32_t last = dirty_head ? dirty_head->dirty_since_ms : 0;
	for (struct hk_ss *ss = dirty_head, *prev = NULL; ss; prev = ss, ss = ss->dirty_next) {
		HK_CHECK(++ndirty <= n && ss->dirty_listed && !ss->pooled && ss->dirty_prev == prev, "dirty list", ss);
		HK_CHECK((int32_t)(ss->dirty_since_ms - last) >= 0, "dirty list not ordered by age", ss);
		HK_CHECK(ss->dirty_next || dirty_tail == ss, "dirty list tail", ss);
		last = ss->dirty_since_ms;
	}
	HK_CHECK(dirty == dirty_bytes, "dirty bytes do not match the dirty units", dirty_head);
}
#else
#define check_all() ((void)0)
#endif

/* ------------------------------------------------------ map / unmap */

static struct hk_ss *ss_map(void)
{
	struct hk_ss *ss = hk_os_map_aligned(HK_SS_SIZE, HK_SS_SIZE, 0);
	if (!ss)
		return NULL;
	if (hk_guard_open_units(ss) != 0) {     /* no room for one more mapping */
		hk_os_unmap(ss, HK_SS_SIZE);
		return NULL;
	}
	hk_os_new_region(ss, HK_SS_SIZE);
	ss->h.kind = HK_KIND_SMALL;
	ss->h.magic = HK_MAGIC;
	for (unsigned i = 0; i < HK_UNITS; i++) {
		/* no slab yet, and never in the header unit; the entry may be
		 * left from a SuperSlab unmapped here before (all units free) */
		struct hk_unit *e = hk_ss_unit(ss, i);
		*e = (struct hk_unit){ 0 };
		hk_unit_set_key(e);
	}
	hk_guard_mark(ss, HK_REGION_SMALL);
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

/* 0: unmapped.  -1: munmap failed (vm.max_map_count): its pages were given
 * back all the same (os.c) and the caller keeps it for reuse. */
static int ss_unmap(struct hk_ss *ss)
{
	dirty_forget(ss);
	struct hk_ss *prev = ss->all_prev, *next = ss->all_next;
	if (prev)
		prev->all_next = next;
	else
		all = next;
	if (next)
		next->all_prev = prev;
	hakmem_trace_superslab_unmap(ss, HK_SS_SIZE);
	hk_guard_mark(ss, HK_REGION_NONE);
	if (hk_os_unmap(ss, HK_SS_SIZE) != 0) {
		hk_guard_mark(ss, HK_REGION_SMALL);
		/* still mapped: back on the all-list (at the head) */
		ss->all_prev = NULL;
		ss->all_next = all;
		if (all)
			all->all_prev = ss;
		all = ss;
		return -1;
	}
	counts.unmapped++;
	counts.live--;
	return 0;
}

/* A resident pooled SuperSlab beyond HAKMEM_SS_CACHE, pooled for
 * HAKMEM_DECAY_MS: given back like one that finds the pool full. */
static void pool_give_back(struct hk_ss *ss)
{
	pool_unlink(ss);
	ss_release_empty(ss);
}

static void ss_became_empty(struct hk_ss *ss, uint32_t now)
{
	if (ss->listed)
		avail_remove(ss);
	/* a pooled SuperSlab's dirty units are the pool's, not counted as dirty */
	dirty_forget(ss);
	ss->dirty_since_ms = now;         /* pooled since (its dirty-list time is unused there) */
	unsigned cache = (unsigned)hk_opt(SS_CACHE);
	if (hk_opt(RELEASE) == HK_RELEASE_KEEP || pool_resident < cache ||
	    (mid_churn(now) && dirty_bytes + (size_t)(pool_resident + 1 - cache) * HK_SS_SIZE <= HK_MID_KEEP_BYTES)) {
		pool_insert(ss, 1);
		pool_resident++;
	} else {
		ss_release_empty(ss);
	}
}

/* An empty SuperSlab over the pool's resident part: its units go back by
 * HAKMEM_RELEASE and it waits in the pool, or it is unmapped. */
static void ss_release_empty(struct hk_ss *ss)
{
	if (pool_released < RETAIN_MAX) {
		/* the header unit stays: it is touched again on reuse anyway */
		hk_os_release((char *)ss + HK_UNIT_SIZE, HK_SS_SIZE - HK_UNIT_SIZE);
		ss->dirty_units = 0;
		ss->released = 1;
		counts.released++;
		pool_insert(ss, 0);
		pool_released++;
	} else if (ss_unmap(ss) != 0) {
		/* munmap failed but the pages went back: keep it for reuse */
		ss->dirty_units = 0;
		ss->released = 1;
		pool_insert(ss, 0);
		pool_released++;
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
	struct hk_ss *ss = NULL;   /* stays NULL when there are too few dirty bytes to search */
	int u = -1;
	pthread_mutex_lock(&ss_mu);
	/* resident (dirty) units first: they do not fault again; the most
	 * recently dirtied few only, so the search stays short */
	if (dirty_bytes >= ((size_t)n << HK_UNIT_SHIFT)) {
		unsigned tries = 0;
		for (ss = dirty_tail; ss && tries < DIRTY_TRIES; ss = ss->dirty_prev, tries++)
			if ((u = find_run(ss->dirty_units, n)) >= 0)
				break;
		if (tries == DIRTY_TRIES)
			ss = NULL;
	}
	for (unsigned r = n; !ss && r < HK_UNITS; r++)
		if ((ss = avail[r]) != NULL)
			u = find_run(ss->free_units, n);
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
	avail_update(ss);
	if (ss->dirty_units & bits) {
		dirty_bytes -= units_bytes(ss->dirty_units & bits);
		ss->dirty_units &= ~bits;
		if (!ss->dirty_units)
			dirty_unlink(ss);
	}
	for (unsigned i = (unsigned)u; i < (unsigned)u + n; i++) {
		struct hk_unit *e = hk_ss_unit(ss, i);
		e->slab = (uint8_t)u;
		__atomic_store_n(&e->owner, 0, __ATOMIC_RELAXED);   /* no thread's id */
		e->cls = (uint8_t)cls;
		hk_unit_set_key(e);
	}
	ss->slabs[u].nunits = (uint8_t)n;
	ss->slabs[u].cls = (uint16_t)cls;
	check_all();
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
	s->remote = NULL;
	s->pending_next = NULL;
	return s;
}

void hk_slab_release(struct hk_slab *s)
{
	struct hk_ss *ss = (struct hk_ss *)hk_prefix_of(s);
	unsigned u = (unsigned)(s - ss->slabs), n = s->nunits;
	pthread_mutex_lock(&ss_mu);
	uint32_t bits = (n == 32 ? ~0u : ((1u << n) - 1u)) << u;
	uint32_t now = hk_os_now_ms();
	if (s->size > HK_MID_MIN) {
		mid_freed_ms = now;
		mid_freed = 1;
	}
	for (unsigned i = u; i < u + n; i++) {
		struct hk_unit *e = hk_ss_unit(ss, i);
		e->cls = 0;     /* no block starts here any more (struct hk_unit) */
		hk_unit_set_key(e);
	}
	ss->free_units |= bits;
	ss->dirty_units |= bits;
	dirty_bytes += units_bytes(bits);
	dirty_touch(ss, now);
	if (ss->free_units == ALL_FREE)
		ss_became_empty(ss, now);
	else
		avail_update(ss);
	dirty_trim(now);
	check_all();
	pthread_mutex_unlock(&ss_mu);
}

size_t hk_ss_decay(uint32_t now)
{
	pthread_mutex_lock(&ss_mu);
	uint64_t before = counts.units_released;
	dirty_trim(now);
	size_t bytes = (size_t)(counts.units_released - before) << HK_UNIT_SHIFT;
	check_all();
	pthread_mutex_unlock(&ss_mu);
	return bytes;
}

size_t hk_ss_trim(void)
{
	size_t bytes = 0;
	pthread_mutex_lock(&ss_mu);
	if (hk_opt(RELEASE) != HK_RELEASE_KEEP) {
		while (dirty_head) {
			bytes += units_bytes(dirty_head->dirty_units);
			dirty_release(dirty_head);
		}
		/* the pool's resident SuperSlabs (at its head) */
		for (struct hk_ss *ss = pool_head; ss && !ss->released; ss = ss->next) {
			hk_os_release((char *)ss + HK_UNIT_SIZE, HK_SS_SIZE - HK_UNIT_SIZE);
			bytes += HK_SS_SIZE - HK_UNIT_SIZE;
			ss->dirty_units = 0;
			ss->released = 1;
			counts.released++;
			pool_resident--;
			pool_released++;
		}
	}
	check_all();
	pthread_mutex_unlock(&ss_mu);
	return bytes;
}

void hk_ss_foreach_slab(void (*fn)(struct hk_slab *s))
{
	pthread_mutex_lock(&ss_mu);
	for (struct hk_ss *ss = all; ss; ss = ss->all_next) {
		if (ss->pooled)
			continue;
		for (unsigned u = 1; u < HK_UNITS; u++)
			if (hk_ss_unit(ss, u)->cls && hk_ss_unit(ss, u)->slab == u)
				fn(&ss->slabs[u]);
	}
	pthread_mutex_unlock(&ss_mu);
}

void hk_ss_foreach_mapping(void (*fn)(const void *p, size_t len, void *arg), void *arg)
{
	pthread_mutex_lock(&ss_mu);
	for (struct hk_ss *ss = all; ss; ss = ss->all_next)
		fn(ss, HK_SS_SIZE, arg);
	pthread_mutex_unlock(&ss_mu);
}

void hk_ss_counts_get(struct hk_ss_counts *out)
{
	pthread_mutex_lock(&ss_mu);
	*out = counts;
	out->pooled = pool_resident + pool_released;
	out->dirty_bytes = dirty_bytes;
	pthread_mutex_unlock(&ss_mu);
}
