/* large.h - blocks above HK_SMALL_MAX (256 KiB) and blocks with alignments
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
void hk_large_free(struct hk_large *h);
size_t hk_large_usable(const struct hk_large *h, const void *p);
/* Resize in place, or move the pages with mremap; returns the block (p or
 * its new address), or NULL when the caller must allocate and copy. */
void *hk_large_resize(struct hk_large *h, void *p, size_t size);
/* Is p a live large block?  (debug checks) */
int hk_large_owns(const void *p);

struct hk_large_counts {
	uint64_t allocs, frees, cache_hits, mapped, unmapped, cached, cached_bytes;
	/* cache hits split at 2 MiB, cached mappings grown by mremap, merges of
	 * adjacent cached pieces, entries unmapped after HAKMEM_DECAY_MS */
	uint64_t splits, grown, merges, decayed;
};
void hk_large_counts_get(struct hk_large_counts *out);

void hk_large_lock(void);
void hk_large_unlock(void);

#endif
