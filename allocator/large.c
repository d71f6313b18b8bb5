/* large.c - see large.h.
 *
 * The cache holds whole freed mappings (header included) with their pages
 * resident, so a program that frees and allocates big buffers in a loop
 * does not pay mmap, munmap and a page fault per page on every round:
 * - an allocation takes the smallest cached mapping that fits; when it is
 *   bigger than the need by 1 MiB or more, it is split at a 2 MiB boundary
 *   and the tail (pages still resident) goes back to the cache;
 * - when nothing fits, the largest cached mapping is grown to the need
 *   with mremap (in place, or moved to a fresh 2 MiB-aligned range): its
 *   pages move without faulting, only the new tail faults;
 * - a freed mapping merges with cached neighbours at adjacent addresses
 *   (pieces of one split), so pieces join up again.
 * Bounds: at most HAKMEM_LARGE_CACHE entries and
 * max(32 MiB, HAKMEM_LARGE_CACHE_PCT% of the recent peak of live large
 * bytes) bytes, never above HAKMEM_LARGE_CACHE_MB; the least recently
 * freed go first.  "Recent peak" is the larger of the last two
 * HAKMEM_DECAY_MS windows, and an entry not reused for HAKMEM_DECAY_MS is
 * unmapped at the next large alloc or free, or by the decay tick (decay.c:
 * any thread's slow path, or the decay thread while the program is idle).
 * Only plainly aligned blocks are cached. */
#include "large.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "bytes.h"
#include "fmt.h"
#include "options.h"
#include "os.h"

#define CACHE_FLOOR ((size_t)32 << 20)
#define SPLIT_MIN   ((size_t)1 << 20)      /* smallest tail worth splitting off */

static pthread_mutex_t large_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hk_large *cache_head;                  /* most recently freed first */
static size_t cache_n, cache_bytes;
static struct hk_large *live;                        /* live blocks (debug checks, stats) */
static size_t live_bytes, peak_cur, peak_prev;       /* live mapping bytes; window peaks */
static uint32_t window_ms;
static struct hk_large_counts counts;

void hk_large_lock(void) { pthread_mutex_lock(&large_mu); }
void hk_large_unlock(void) { pthread_mutex_unlock(&large_mu); }

static void dl_push(struct hk_large **head, struct hk_large *h)
{
	h->prev = NULL;
	h->next = *head;
	if (*head)
		(*head)->prev = h;
	*head = h;
}

static void dl_remove(struct hk_large **head, struct hk_large *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		*head = h->next;
	if (h->next)
		h->next->prev = h->prev;
}

/* ------------------------------------------------------------ bounds */

static void live_add(size_t n)
{
	live_bytes += n;
	if (live_bytes > peak_cur)
		peak_cur = live_bytes;
}

static void window_roll(uint32_t now)
{
	if (now - window_ms >= (uint32_t)hk_opt(DECAY_MS)) {
		peak_prev = now - window_ms >= 2 * (uint32_t)hk_opt(DECAY_MS) ? live_bytes : peak_cur;
		peak_cur = live_bytes;
		window_ms = now;
	}
}

static size_t cache_bound(void)
{
	size_t peak = peak_cur > peak_prev ? peak_cur : peak_prev;
	size_t b = (size_t)((uint64_t)peak / 100 * (uint64_t)hk_opt(LARGE_CACHE_PCT));
	size_t ceiling = (size_t)hk_opt(LARGE_CACHE_MB) << 20;
	if (b < CACHE_FLOOR)
		b = CACHE_FLOOR;
	return b < ceiling ? b : ceiling;
}

static void cache_unlink(struct hk_large *h)
{
	dl_remove(&cache_head, h);
	cache_n--;
	cache_bytes -= h->map_len;
	counts.cached--;
	h->state = 0;
}

static void cache_link(struct hk_large *h)
{
	h->state = HK_LARGE_CACHED;
	dl_push(&cache_head, h);
	cache_n++;
	cache_bytes += h->map_len;
	counts.cached++;
}

/* Unlink what is over the bounds or too old onto *evict (unmapped later,
 * outside the lock). */
static void cache_enforce(uint32_t now, struct hk_large **evict)
{
	uint32_t decay = (uint32_t)hk_opt(DECAY_MS);
	for (struct hk_large *h = cache_head, *next; h; h = next) {
		next = h->next;
		if (now - h->freed_ms >= decay) {
			cache_unlink(h);
			counts.decayed++;
			h->next = *evict;
			*evict = h;
		}
	}
	size_t bound = cache_bound();
	while (cache_head && (cache_n > (size_t)hk_opt(LARGE_CACHE) || cache_bytes > bound)) {
		struct hk_large *old = cache_head;
		for (struct hk_large *h = cache_head; h; h = h->next)
			if ((int32_t)(h->freed_ms - old->freed_ms) <= 0)
				old = h;
		cache_unlink(old);
		old->next = *evict;
		*evict = old;
	}
}

/* Unmap a list of evicted mappings; returns their bytes. */
static size_t unmap_list(struct hk_large *evict)
{
	size_t bytes = 0;
	while (evict) {
		struct hk_large *next = evict->next;
		__atomic_fetch_add(&counts.unmapped, 1, __ATOMIC_RELAXED);
		bytes += evict->map_len;
		hk_os_unmap(evict->map_base, evict->map_len);
		evict = next;
	}
	return bytes;
}

/* ------------------------------------------------------ debug checks */

#if HK_DEBUG_INVARIANTS
/* Under large_mu: the cache and live lists are consistent, their counts
 * and byte sums match, and no two cached mappings are adjacent (a free
 * merges neighbours, so adjacent entries mean a merge was missed). */
static void check_lists(void)
{
	size_t n = 0, bytes = 0;
	for (struct hk_large *h = cache_head, *prev = NULL; h; prev = h, h = h->next) {
		HK_CHECK(++n <= cache_n, "large cache longer than its count (a cycle?)", h);
		HK_CHECK(h->prev == prev && h->state == HK_LARGE_CACHED, "large cache links or state", h);
		HK_CHECK(h->h.magic == HK_MAGIC && h->h.kind == HK_KIND_LARGE && h->map_base == (char *)h, "cached large header", h);
		bytes += h->map_len;
		for (struct hk_large *o = cache_head; o; o = o->next)
			HK_CHECK((char *)o + o->map_len != (char *)h, "two adjacent cached mappings were not merged", h);
	}
	HK_CHECK(n == cache_n && bytes == cache_bytes && n == counts.cached, "large cache count or bytes", cache_head);
	bytes = 0;
	for (struct hk_large *h = live, *prev = NULL; h; prev = h, h = h->next) {
		HK_CHECK(h->prev == prev && h->state == HK_LARGE_LIVE, "live large list links or state", h);
		HK_CHECK(h->h.magic == HK_MAGIC && h->h.kind == HK_KIND_LARGE, "live large header", h);
		bytes += h->map_len;
		HK_CHECK(bytes <= live_bytes, "live large bytes exceed the count (a cycle?)", h);
	}
	HK_CHECK(bytes == live_bytes, "live large bytes", live);
}
#else
#define check_lists() ((void)0)
#endif

/* ------------------------------------------------------------- alloc */

/* h (not cached) holds at least `need` bytes: when it is bigger by
 * SPLIT_MIN or more past the next 2 MiB boundary, cache that tail (its
 * pages stay resident). */
static void split_tail(struct hk_large *h, size_t need, uint32_t freed_ms)
{
	size_t head = HK_ALIGN_UP(need, HK_SS_SIZE);
	if (h->map_len <= head || h->map_len - head < SPLIT_MIN)
		return;
	struct hk_large *t = (struct hk_large *)((char *)h + head);
	memset(t, 0, sizeof(*t));          /* its page held block data */
	t->h.kind = HK_KIND_LARGE;
	t->h.magic = HK_MAGIC;
	t->map_base = (char *)t;
	t->map_len = h->map_len - head;
	t->block_off = HK_LARGE_HDR;
	t->freed_ms = freed_ms;
	h->map_len = head;
	cache_link(t);
	counts.splits++;
}

/* A cached mapping of at least `need` bytes, split if much bigger; or,
 * through *grow, the largest smaller one to be grown by the caller. */
static struct hk_large *cache_take(size_t need, struct hk_large **grow)
{
	struct hk_large *best = NULL, *big = NULL;
	for (struct hk_large *h = cache_head; h; h = h->next) {
		if (h->map_len >= need) {
			if (!best || h->map_len < best->map_len)
				best = h;
		} else if (!big || h->map_len > big->map_len) {
			big = h;
		}
	}
	*grow = NULL;
	if (!best) {
		if (big) {
			cache_unlink(big);
			*grow = big;
		}
		return NULL;
	}
	cache_unlink(best);
	counts.cache_hits++;
	split_tail(best, need, best->freed_ms);
	return best;
}

/* Grow cached mapping g (pages resident) to `need`; NULL if impossible
 * (g is then unmapped). */
static struct hk_large *grow_mapping(struct hk_large *g, size_t need)
{
	size_t old = g->map_len;
	if (hk_os_resize_in_place(g, old, need) != 0) {
		struct hk_large *q = hk_os_move_grow(g, old, need, HK_SS_SIZE);
		if (!q) {
			__atomic_fetch_add(&counts.unmapped, 1, __ATOMIC_RELAXED);
			hk_os_unmap(g, old);
			return NULL;
		}
		g = q;
	}
	hk_os_new_region((char *)g + old, need - old);
	g->map_base = (char *)g;
	g->map_len = need;
	__atomic_fetch_add(&counts.grown, 1, __ATOMIC_RELAXED);
	return g;
}

void *hk_large_alloc(size_t size, size_t align, int zero)
{
	if (size > (size_t)PTRDIFF_MAX - 2 * HK_SS_SIZE || align > HK_SS_SIZE * (size_t)1024) {
		errno = ENOMEM;
		return NULL;
	}
	/* block offset from the header: after it; at `align` when that is
	 * larger; 2 MiB for alignments of 2 MiB and more (see superslab.h) */
	size_t off = align <= HK_LARGE_HDR ? HK_LARGE_HDR : align < HK_SS_SIZE ? align : HK_SS_SIZE;
	size_t need = HK_ALIGN_UP(off + size, HK_PAGE);
	struct hk_large *h = NULL, *grow = NULL, *evict = NULL;
	uint32_t now = hk_os_now_ms();

	pthread_mutex_lock(&large_mu);
	counts.allocs++;
	window_roll(now);
	cache_enforce(now, &evict);         /* what decayed goes, rather than being reused */
	if (off == HK_LARGE_HDR && cache_head)
		h = cache_take(need, &grow);
	pthread_mutex_unlock(&large_mu);
	unmap_list(evict);

	if (grow)
		h = grow_mapping(grow, need);
	if (!h) {
		size_t a = align > HK_SS_SIZE ? align : HK_SS_SIZE;
		h = hk_os_map_aligned(need, a, a - HK_SS_SIZE);
		if (!h) {
			errno = ENOMEM;
			return NULL;
		}
		hk_os_new_region(h, need);
		h->h.kind = HK_KIND_LARGE;
		h->h.magic = HK_MAGIC;
		h->map_base = (char *)h;
		h->map_len = need;
		h->block_off = off;
		h->zeroed = 1;
		__atomic_fetch_add(&counts.mapped, 1, __ATOMIC_RELAXED);
	}
	h->user_size = size;
	char *p = (char *)h + off;
	if (zero && !h->zeroed)
		memset(p, 0, size);
	h->zeroed = 0;
	hk_bytes_add(h->map_len);
	pthread_mutex_lock(&large_mu);
	h->state = HK_LARGE_LIVE;
	dl_push(&live, h);
	live_add(h->map_len);
	check_lists();
	pthread_mutex_unlock(&large_mu);
	return p;
}

/* -------------------------------------------------------------- free */

void hk_large_free(struct hk_large *h, void *p)
{
	struct hk_large *evict = NULL;
	uint32_t now = hk_os_now_ms();
	pthread_mutex_lock(&large_mu);
	if (HK_UNLIKELY(h->state != HK_LARGE_LIVE)) {
		pthread_mutex_unlock(&large_mu);
		hk_fatal("free(): double free of", p, "(large block is already free)");
	}
	h->state = 0;
	hk_bytes_sub(h->map_len);
	counts.frees++;
	dl_remove(&live, h);
	live_bytes -= h->map_len;
	window_roll(now);
	if (h->block_off == HK_LARGE_HDR && hk_opt(LARGE_CACHE) > 0) {
		/* merge with cached neighbours: pieces of one split join up */
		for (struct hk_large *c = cache_head, *next; c; c = next) {
			next = c->next;
			if ((char *)c + c->map_len == (char *)h) {
				cache_unlink(c);
				c->map_len += h->map_len;
				h = c;
				counts.merges++;
			} else if ((char *)h + h->map_len == (char *)c) {
				cache_unlink(c);
				h->map_len += c->map_len;
				counts.merges++;
			}
		}
		h->freed_ms = now;
		cache_link(h);
		h = NULL;
	}
	cache_enforce(now, &evict);
	check_lists();
	pthread_mutex_unlock(&large_mu);
	if (h) {
		h->next = evict;
		evict = h;
	}
	unmap_list(evict);
}

size_t hk_large_usable(const struct hk_large *h, const void *p)
{
	return (size_t)((const char *)h + h->map_len - (const char *)p);
}

/* ----------------------------------------------------------- realloc */

void *hk_large_resize(struct hk_large *h, void *p, size_t size)
{
	size_t off = (size_t)((char *)p - (char *)h);
	if (size > (size_t)PTRDIFF_MAX - 2 * HK_SS_SIZE)
		return NULL;
	size_t need = HK_ALIGN_UP(off + size, HK_PAGE);
	size_t old = h->map_len;
	if (need <= old) {
		/* the block shrank by more than half: give the tail back, keeping
		 * plain mappings a multiple of 2 MiB (a mapping from a split may be
		 * bigger than its block; the next piece can merge with it) */
		size_t keep = h->block_off == HK_LARGE_HDR ? HK_ALIGN_UP(need, HK_SS_SIZE) : need;
		if (size < h->user_size / 2 && keep < old && hk_os_resize_in_place(h, old, keep) == 0) {
			hk_bytes_sub(old - keep);
			pthread_mutex_lock(&large_mu);
			h->map_len = keep;
			live_bytes -= old - keep;
			pthread_mutex_unlock(&large_mu);
		}
		h->user_size = size;
		return p;
	}
	if (h->map_base == (char *)h) {
		/* a cached piece right after the block (the rest of a split):
		 * take it over, no system call and no fault */
		pthread_mutex_lock(&large_mu);
		for (struct hk_large *c = cache_head; c; c = c->next) {
			if ((char *)c == (char *)h + old) {
				cache_unlink(c);
				h->map_len = old + c->map_len;
				counts.merges++;
				if (h->map_len >= need)
					split_tail(h, need, hk_os_now_ms());
				live_add(h->map_len - old);
				hk_bytes_add(h->map_len - old);
				old = h->map_len;
				break;
			}
		}
		pthread_mutex_unlock(&large_mu);
		if (need <= old) {
			h->user_size = size;
			return p;
		}
	}
	if (hk_os_resize_in_place(h, old, need) == 0) {
		h->user_size = size;
		hk_bytes_add(need - old);
		pthread_mutex_lock(&large_mu);
		h->map_len = need;
		live_add(need - old);
		pthread_mutex_unlock(&large_mu);
		return p;
	}
	/* move the pages instead of copying them (and faulting new ones);
	 * a 2 MiB-aligned destination keeps alignments below 2 MiB */
	if (h->map_base != (char *)h || off >= HK_SS_SIZE)
		return NULL;
	pthread_mutex_lock(&large_mu);
	dl_remove(&live, h);                /* its list links move with it */
	live_bytes -= old;
	pthread_mutex_unlock(&large_mu);
	struct hk_large *q = hk_os_move_grow(h, old, need, HK_SS_SIZE);
	if (q) {
		h = q;
		h->map_base = (char *)h;
		h->map_len = need;
		h->user_size = size;
		hk_bytes_add(need - old);
	}
	pthread_mutex_lock(&large_mu);
	dl_push(&live, h);
	live_add(h->map_len);
	check_lists();
	pthread_mutex_unlock(&large_mu);
	return q ? (char *)q + off : NULL;
}

size_t hk_large_decay(uint32_t now)
{
	struct hk_large *evict = NULL;
	pthread_mutex_lock(&large_mu);
	window_roll(now);
	cache_enforce(now, &evict);
	pthread_mutex_unlock(&large_mu);
	return unmap_list(evict);
}

size_t hk_large_trim(void)
{
	struct hk_large *evict = NULL;
	pthread_mutex_lock(&large_mu);
	while (cache_head) {
		struct hk_large *h = cache_head;
		cache_unlink(h);
		h->next = evict;
		evict = h;
	}
	pthread_mutex_unlock(&large_mu);
	return unmap_list(evict);
}

void hk_large_foreach_mapping(void (*fn)(const void *p, size_t len, void *arg), void *arg)
{
	pthread_mutex_lock(&large_mu);
	for (struct hk_large *h = live; h; h = h->next)
		fn(h->map_base, h->map_len, arg);
	for (struct hk_large *h = cache_head; h; h = h->next)
		fn(h->map_base, h->map_len, arg);
	pthread_mutex_unlock(&large_mu);
}

void hk_large_counts_get(struct hk_large_counts *out)
{
	pthread_mutex_lock(&large_mu);
	*out = counts;
	out->cached_bytes = cache_bytes;
	out->live_bytes = live_bytes;
	out->live = 0;
	for (struct hk_large *h = live; h; h = h->next)
		out->live++;
	pthread_mutex_unlock(&large_mu);
}
