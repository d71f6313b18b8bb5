/* calloc_reuse_test.c - calloc never returns dirty memory.
 *
 * calloc skips the memset only for memory the kernel just zeroed (a fresh
 * mapping).  The large cache reuses, splits, grows (mremap) and merges
 * mappings whose pages still hold old data, so every such path must clear.
 * This fills blocks of many sizes with a pattern, frees them into the
 * caches, then callocs sizes that hit each path and checks every byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static uint32_t rng = 12345;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(void)
{
	enum { SLOTS = 24, ROUNDS = 300 };
	unsigned char *slot[SLOTS] = { 0 };
	size_t size[SLOTS] = { 0 };
	int dirty_seen = 0;

	for (int r = 0; r < ROUNDS; r++) {
		int i = (int)(next() % SLOTS);
		if (slot[i]) {
			memset(slot[i], 0xAB, size[i]);      /* dirty it before it goes back */
			free(slot[i]);
		}
		/* 16 B .. 24 MiB, log-uniform: small classes, mid classes, large
		 * mappings (reuse, split tails, mremap growth, merged pieces) */
		unsigned shift = 4 + next() % 21;
		size[i] = ((size_t)1 << shift) + next() % ((size_t)1 << shift);
		slot[i] = calloc(1, size[i]);
		if (!slot[i]) {
			CHECK("calloc succeeds", 0);
			break;
		}
		if (!all_zero(slot[i], size[i]))
			dirty_seen++;
	}
	CHECK("every calloc'd byte is zero after reuse of dirtied blocks", dirty_seen == 0);

	/* realloc growth of a dirtied large block, then calloc of its old size:
	 * the pieces a realloc leaves in the cache are dirty too */
	unsigned char *p = malloc(3 << 20);
	memset(p, 0xCD, 3 << 20);
	p = realloc(p, 9 << 20);
	memset(p, 0xCD, 9 << 20);
	p = realloc(p, 1 << 20);
	free(p);
	for (int k = 0; k < 8; k++) {
		size_t n = ((size_t)1 << 20) * (size_t)(1 + k);
		unsigned char *q = calloc(n, 1);
		CHECK("calloc after realloc pieces is zero", q && all_zero(q, n));
		memset(q, 0xEF, n);
		free(q);
	}
	for (int i = 0; i < SLOTS; i++)
		free(slot[i]);
	return check_summary();
}
