/* tlb.h - a deterministic model of a two-level data TLB.
 *
 * Each level is one or two set-associative arrays with true LRU; an array
 * holds 4 KiB entries, 2 MiB entries or both.  A lookup probes the L1 array
 * for the page's size, then the L2 array; a miss in both is a page walk, and
 * the translation is filled into L2 and L1 (inclusive fill).  What is not
 * modelled: page-walk (paging-structure) caches, TLB prefetch, PCID/ASID
 * (one address space), 1 GiB pages, the L1 store-only TLBs, instruction
 * fetches (the iTLB and its share of the unified L2), skewed or
 * size-partitioned way allocation.  The geometry is simulated: nothing here
 * is measured on the machine that runs it. */
#ifndef TLB_TLB_H
#define TLB_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tlb_page { TLB_4K = 0, TLB_2M = 1 };
#define TLB_PAGE_SHIFT(p) ((p) == TLB_2M ? 21 : 12)

/* What one lookup cost. */
enum tlb_outcome { TLB_L1_HIT = 0, TLB_L2_HIT = 1, TLB_WALK = 2 };

struct tlb_array_geom {
	unsigned entries, ways;    /* ways == entries: fully associative */
	unsigned sizes;            /* bit (1 << TLB_4K) | (1 << TLB_2M) */
};

#define TLB_MAX_ARRAYS 2

struct tlb_level_geom {
	struct tlb_array_geom arr[TLB_MAX_ARRAYS];
	int n;
};

struct tlb_geom {
	char name[64];
	char source[256];          /* where the figures come from */
	struct tlb_level_geom l1, l2;
};

/* Resolve "zen4", "goldencove" (alias "sapphirerapids", "alderlake-p") or
 * "custom:l1=64x4,l1_2m=32x4,l2=2048x16[,l2_2m=NxW]" (ENTRIESxWAYS, ways
 * "full" = fully associative; without l1_2m / l2_2m the 4 KiB array also
 * holds 2 MiB pages).  Returns 0, or -1 with one line in err. */
int tlb_geom_parse(const char *spec, struct tlb_geom *g, char *err, size_t errlen);
/* The built-in model names, NULL-terminated. */
extern const char *const tlb_model_names[];

struct tlb_entry {
	uint64_t tag;              /* (vpn << 1) | page size; 0 = empty */
	uint64_t used;             /* LRU stamp */
};

struct tlb_array {
	struct tlb_array_geom g;
	unsigned sets;
	struct tlb_entry *e;       /* sets * ways */
};

struct tlb_level {
	struct tlb_array arr[TLB_MAX_ARRAYS];
	int n;
};

struct tlb {
	struct tlb_geom geom;
	struct tlb_level l1, l2;
	uint64_t clock;
};

int tlb_init(struct tlb *t, const struct tlb_geom *g, char *err, size_t errlen);
void tlb_free(struct tlb *t);
/* Translate one access to virtual address va on a page of the given size. */
enum tlb_outcome tlb_access(struct tlb *t, uint64_t va, enum tlb_page page);
/* Drop every entry that translates a byte of [lo, hi) (munmap, mremap,
 * madvise DONTNEED: the kernel flushes those translations). */
void tlb_invalidate(struct tlb *t, uint64_t lo, uint64_t hi);
/* Entries of one level that can hold pages of this size (its reach in
 * pages), for known-answer checks and the record. */
unsigned tlb_level_entries(const struct tlb_level_geom *l, enum tlb_page page);

#endif
