/* large.h - blocks above HK_SMALL_MAX (256 KiB) and blocks with alignments
 * slabs cannot give: one 2 MiB-aligned mapping each, with a header in
 * front (superslab.h: struct hk_large), and a small bounded cache of freed
 * mappings kept resident so that alloc/free loops of the same big size do
 * not pay mmap, munmap and page faults every round. */
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
/* Resize in place; returns p, or NULL when the block must move. */
void *hk_large_resize(struct hk_large *h, void *p, size_t size);
/* Is p a live large block?  (debug checks) */
int hk_large_owns(const void *p);

struct hk_large_counts {
	uint64_t allocs, frees, cache_hits, mapped, unmapped, cached, cached_bytes;
};
void hk_large_counts_get(struct hk_large_counts *out);

void hk_large_lock(void);
void hk_large_unlock(void);

#endif
