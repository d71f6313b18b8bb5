/* large.c - see large.h.
 *
 * The cache holds whole mappings (header included) with pages resident;
 * an allocation takes the smallest cached mapping that fits and is at most
 * twice the need, so a 1 MiB request does not pin a 32 MiB mapping.
 * Beyond HAKMEM_LARGE_CACHE entries or HAKMEM_LARGE_CACHE_MB bytes the
 * oldest mappings are unmapped.  Only plainly aligned blocks are cached. */
#include "large.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "central.h"
#include "options.h"
#include "os.h"

static pthread_mutex_t large_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hk_large *cache_head, *cache_tail;   /* most recent first */
static size_t cache_n, cache_bytes;
static struct hk_large *live;                        /* live blocks (debug checks, stats) */
static struct hk_large_counts counts;

void hk_large_lock(void) { pthread_mutex_lock(&large_mu); }
void hk_large_unlock(void) { pthread_mutex_unlock(&large_mu); }

static void dl_push(struct hk_large **head, struct hk_large **tail, struct hk_large *h)
{
	h->prev = NULL;
	h->next = *head;
	if (*head)
		(*head)->prev = h;
	else if (tail)
		*tail = h;
	*head = h;
}

static void dl_remove(struct hk_large **head, struct hk_large **tail, struct hk_large *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		*head = h->next;
	if (h->next)
		h->next->prev = h->prev;
	else if (tail)
		*tail = h->prev;
}

static struct hk_large *cache_take(size_t need)
{
	struct hk_large *best = NULL;
	for (struct hk_large *h = cache_head; h; h = h->next)
		if (h->map_len >= need && h->map_len / 2 <= need && (!best || h->map_len < best->map_len))
			best = h;
	if (best) {
		dl_remove(&cache_head, &cache_tail, best);
		cache_n--;
		cache_bytes -= best->map_len;
		counts.cache_hits++;
		counts.cached--;
	}
	return best;
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
	struct hk_large *h = NULL;

	pthread_mutex_lock(&large_mu);
	if (off == HK_LARGE_HDR && cache_head)
		h = cache_take(need);
	counts.allocs++;
	pthread_mutex_unlock(&large_mu);

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
	dl_push(&live, NULL, h);
	pthread_mutex_unlock(&large_mu);
	return p;
}

void hk_large_free(struct hk_large *h)
{
	struct hk_large *evict = NULL;
	size_t cap = (size_t)hk_opt(LARGE_CACHE_MB) << 20;
	hk_bytes_sub(h->map_len);
	pthread_mutex_lock(&large_mu);
	counts.frees++;
	dl_remove(&live, NULL, h);
	if (h->block_off == HK_LARGE_HDR && hk_opt(LARGE_CACHE) > 0 && h->map_len <= cap) {
		dl_push(&cache_head, &cache_tail, h);
		cache_n++;
		cache_bytes += h->map_len;
		counts.cached++;
		h = NULL;
		/* unlink the oldest entries over the bounds; unmap after unlocking */
		while (cache_n > (size_t)hk_opt(LARGE_CACHE) || cache_bytes > cap) {
			struct hk_large *old = cache_tail;
			dl_remove(&cache_head, &cache_tail, old);
			cache_n--;
			cache_bytes -= old->map_len;
			counts.cached--;
			old->next = evict;
			evict = old;
		}
	}
	pthread_mutex_unlock(&large_mu);
	if (h) {
		evict = h;
		h->next = NULL;
	}
	while (evict) {
		struct hk_large *next = evict->next;
		__atomic_fetch_add(&counts.unmapped, 1, __ATOMIC_RELAXED);
		hk_os_unmap(evict->map_base, evict->map_len);
		evict = next;
	}
}

size_t hk_large_usable(const struct hk_large *h, const void *p)
{
	return (size_t)((const char *)h + h->map_len - (const char *)p);
}

void *hk_large_resize(struct hk_large *h, void *p, size_t size)
{
	size_t off = (size_t)((char *)p - (char *)h);
	if (size > (size_t)PTRDIFF_MAX - 2 * HK_SS_SIZE)
		return NULL;
	size_t need = HK_ALIGN_UP(off + size, HK_PAGE);
	size_t old = h->map_len;
	if (need <= old) {
		/* shrinking by more than half: give the tail back */
		if (need < old / 2 && hk_os_resize_in_place(h, old, need) == 0) {
			h->map_len = need;
			hk_bytes_sub(old - need);
		}
		h->user_size = size;
		return p;
	}
	if (hk_os_resize_in_place(h, old, need) == 0) {
		h->map_len = need;
		h->user_size = size;
		hk_bytes_add(need - old);
		return p;
	}
	return NULL;
}

int hk_large_owns(const void *p)
{
	const struct hk_large *want = (const struct hk_large *)hk_prefix_of(p);
	int found = 0;
	pthread_mutex_lock(&large_mu);
	for (struct hk_large *h = live; h && !found; h = h->next)
		found = h == want;
	pthread_mutex_unlock(&large_mu);
	return found;
}

void hk_large_counts_get(struct hk_large_counts *out)
{
	pthread_mutex_lock(&large_mu);
	*out = counts;
	out->cached_bytes = cache_bytes;
	pthread_mutex_unlock(&large_mu);
}
