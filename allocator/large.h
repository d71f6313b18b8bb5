/* large.h - blocks above HK_SMALL_MAX (1.75 MiB) and blocks with alignments
 * slabs cannot give: one 2 MiB-aligned mapping each, with a header in
 * front (superslab.h: struct hk_large), and a bounded, decaying cache of
 * freed mappings kept resident so that alloc/free loops of big sizes do
 * not pay mmap, munmap and page faults every round (large.c). */
#ifndef HAKMEM_LARGE_H
#define HAKMEM_LARGE_H

#include <stddef.h>
#include <stdint.h>

#include "superslab.h"

/* A block of `size` bytes aligned to `align` (0 or a power of two);
 * zero != 0 asks for zeroed memory (calloc).  NULL with errno ENOMEM. */
void *hk_large_alloc(size_t size, size_t align, int zero);
/* Free the block at p, whose header is h.  A block that is not live (a
 * double free of a block still in the cache) aborts with a message
 * instead of corrupting the cache lists. */
void hk_large_free(struct hk_large *h, void *p);
size_t hk_large_usable(const struct hk_large *h, const void *p);
/* Resize in place, or move the pages with mremap; returns the block (p or
 * its new address), or NULL when the caller must allocate and copy. */
void *hk_large_resize(struct hk_large *h, void *p, size_t size);
/* Unmap cache entries older than HAKMEM_DECAY_MS (and over the bounds);
 * returns the bytes unmapped. */
size_t hk_large_decay(uint32_t now);
/* Unmap the whole cache (malloc_trim); returns the bytes unmapped. */
size_t hk_large_trim(void);

/* Calls, allocations served from the cache, mappings made and unmapped,
 * entries and bytes in the cache now; cache hits split at 2 MiB, cached
 * mappings grown by mremap, merges of adjacent cached pieces, entries
 * unmapped after HAKMEM_DECAY_MS; live blocks and their mapping bytes now. */
#define HK_LARGE_COUNTS(X) \
	X(allocs) X(frees) X(cache_hits) X(mapped) X(unmapped) X(cached) X(cached_bytes) \
	X(splits) X(grown) X(merges) X(decayed) X(live) X(live_bytes)
struct hk_large_counts { HK_LARGE_COUNTS(HK_COUNT_FIELD) };
void hk_large_counts_get(struct hk_large_counts *out);

/* Call fn on every large mapping, live or cached, under the large lock:
 * fn must not allocate (statistics).  A mapping being made or unmapped at
 * that moment, outside the lock, is not seen. */
void hk_large_foreach_mapping(void (*fn)(const void *p, size_t len, void *arg), void *arg);

void hk_large_lock(void);
void hk_large_unlock(void);

#endif
