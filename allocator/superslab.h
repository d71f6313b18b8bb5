/* superslab.h - 2 MiB-aligned SuperSlabs, the slabs inside them, and the
 * header prefix that large mappings share with them.
 *
 * A SuperSlab is 32 units of 64 KiB.  Unit 0 holds this header; a slab is
 * a run of 1..16 units given to one size class (28 for the mid-size
 * classes).  free() first asks the region map (guard.h) whether the
 * pointer's 2 MiB region is a SuperSlab; then the header is p & ~2MiB
 * (small blocks never start in unit 0) and the unit entry is
 * unit[(p >> 16) & 31].  A large block's header is ((p - 1) & ~2MiB): the
 * "- 1" lets a huge-aligned large block start exactly at a 2 MiB boundary
 * with its header 2 MiB below.
 *
 * The per-unit entries are 32 bytes apart and most fields free() reads
 * are at 8..15 mod 16: blocks start on 16-byte boundaries, so the free
 * list's 8-byte store into a block does not share its low 12 address bits
 * with a load the next free() does from the entry (4 KiB aliasing stalled
 * the load: the first block of a slab sits at the same page offset as the
 * header, and tiny_hot lost about 10% to it). */
#ifndef HAKMEM_SUPERSLAB_H
#define HAKMEM_SUPERSLAB_H

#include "config.h"

enum hk_kind { HK_KIND_SMALL = 1, HK_KIND_LARGE = 2 };
#define HK_MAGIC 0x484b4d53u   /* "HKMS" */

/* The prefix every 2 MiB-aligned header starts with (SuperSlab or large
 * block): which of the two it is. */
struct hk_prefix {
	uint8_t kind;
	uint8_t pad[3];
	uint32_t magic;
};

/* One per unit of a SuperSlab: what free() needs of the slab using it.
 * `owner` is the id of the thread that last refilled from the slab (a
 * copy of hk_slab.owner, written under the class lock, read by free()
 * without one: a stale value only sends a block to the other of two
 * correct paths).  `phase` and `divc` are the block-start test of
 * guard.h: with n the offset of address a in its slab and
 * divc = ceil(2^64 / block size), n * divc mod 2^64 is below 2^21 when a
 * is a block start and at least divc >= 2^43 otherwise (Lemire, Kaser and
 * Kurz, "Faster remainder by direct computation"), so the test is
 * (a & 0xffff) * divc + phase < 2^31, with phase = (offset of this unit
 * in its slab) * divc.  A unit no slab uses has divc = 0 and
 * phase = 2^63, which fails it: no separate "class 0" branch.
 *
 * 32 bytes: `cls`, `owner` and `divc` sit at 8..15 mod 16 (see the top);
 * `phase` at 0 mod 16 can share its page offset with a block's link
 * store, but never with unit 1's first block (the entries start at 128).
 * 64-byte entries (every field at 8..15 mod 16) made tiny_hot 5% slower
 * with the same instructions (interleaved runs, 2026-12-03). */
struct hk_unit {
	uint64_t phase;
	uint8_t cls;                /* size class of the slab using this unit, or 0 */
	uint8_t slab;               /* index of that slab's first unit */
	uint8_t pad[2];
	uint32_t owner;
	uint64_t spare;
	uint64_t divc;
};
#define HK_PHASE_NONE ((uint64_t)1 << 63)   /* a unit no slab uses */
_Static_assert(sizeof(struct hk_unit) == 32, "unit entries are 32 bytes: free() indexes them with a shift");

struct hk_slab {
	void *free;                 /* blocks given back (singly linked) */
	char *bump, *end;           /* never-used blocks: [bump, end) */
	uint32_t used;              /* blocks out of the slab: live or in a thread cache */
	uint32_t cap;
	uint32_t size;
	uint16_t cls;
	uint8_t nunits;
	uint8_t listed;             /* on its class's partial list */
	uint32_t owner;             /* id of the thread that last refilled from it */
	uint32_t pad;
	struct hk_slab *next, *prev;
	/* Remote frees (remote.c, central.c): blocks pushed by other threads
	 * without a lock, collected under the class lock.  In their own cache
	 * line, so the pushes do not fight over the line refills work on. */
	void *remote __attribute__((aligned(64)));   /* atomic; LIFO list, NULL when empty */
	struct hk_slab *pending_next;   /* on its class's pending stack (while remote != NULL) */
	char pad2[48];
};

struct hk_ss {
	struct hk_prefix h;         /* MUST stay first */
	uint32_t free_units;        /* bit i set: unit i is free */
	uint32_t dirty_units;       /* free units that may still be resident (subset of free_units) */
	uint8_t listed;             /* on the "has free units" list */
	uint8_t pooled;             /* empty, in the pool */
	uint8_t released;           /* pooled and given back by HAKMEM_RELEASE */
	uint8_t dirty_listed;       /* on the dirty list (oldest first) */
	uint32_t dirty_since_ms;    /* when its dirty units were last added to */
	uint32_t avail_run;         /* listed: its longest run of free units (its list's index) */
	uint32_t pad;
	struct hk_ss *next, *prev;          /* "has free units" list or pool */
	struct hk_ss *dirty_next, *dirty_prev;   /* SuperSlabs with dirty units, least recently dirtied first */
	struct hk_ss *all_next, *all_prev;  /* every SuperSlab (debug checks) */
	struct hk_unit unit[HK_UNITS] __attribute__((aligned(64)));   /* read by free() */
	struct hk_slab slabs[HK_UNITS];
};

/* Header of a large block's mapping: [base, base + map_len) holds the
 * header at `hdr` (2 MiB aligned) and the block at hdr + block_off. */
struct hk_large {
	struct hk_prefix h;
	char *map_base;
	size_t map_len;
	size_t block_off;
	size_t user_size;
	uint32_t zeroed;            /* the block's bytes are known to be zero */
	uint32_t freed_ms;          /* when it entered the large cache (decay) */
	uint32_t state;             /* HK_LARGE_LIVE, HK_LARGE_CACHED, or 0 (being unmapped) */
	uint32_t pad2;
	struct hk_large *next, *prev;   /* large cache */
};
#define HK_LARGE_HDR ((size_t)1024)
#define HK_LARGE_LIVE   0x4556494cu   /* "LIVE": handed out */
#define HK_LARGE_CACHED 0x48434143u   /* "CACH": in the large cache */

_Static_assert(sizeof(struct hk_slab) == 128, "slab metadata: one cache line, plus one for remote frees");
_Static_assert(sizeof(struct hk_ss) <= HK_UNIT_SIZE, "SuperSlab header fits unit 0");
_Static_assert(sizeof(struct hk_large) <= HK_LARGE_HDR, "large header fits before the block");

HK_INLINE struct hk_prefix *hk_prefix_of(const void *p)
{
	return (struct hk_prefix *)(((uintptr_t)p - 1) & ~(uintptr_t)HK_SS_MASK);
}

/* The unit entry of a small block's address a (never at a SuperSlab's
 * start, so a & ~mask is its header): one shift and one mask. */
HK_INLINE struct hk_unit *hk_unit_entry(uintptr_t a)
{
	char *ss = (char *)(a & ~(uintptr_t)HK_SS_MASK);
	return (struct hk_unit *)(ss + offsetof(struct hk_ss, unit) +
				  ((a >> (HK_UNIT_SHIFT - 5)) & ((uintptr_t)(HK_UNITS - 1) << 5)));
}

/* Is the address a (in a SuperSlab region) the start of a block of a slab
 * in use?  The one-multiply test described at struct hk_unit. */
HK_INLINE int hk_is_block_start(const struct hk_unit *u, uintptr_t a)
{
	return (uint64_t)(a & (HK_UNIT_SIZE - 1)) * u->divc + u->phase < ((uint64_t)1 << 31);
}

HK_INLINE struct hk_slab *hk_slab_of(const void *p)
{
	struct hk_ss *ss = (struct hk_ss *)((uintptr_t)p & ~(uintptr_t)HK_SS_MASK);
	return &ss->slabs[hk_unit_entry((uintptr_t)p)->slab];
}

/* Call fn on every slab in use (fork child only: takes the SuperSlab lock). */
void hk_ss_foreach_slab(void (*fn)(struct hk_slab *s));
/* A new slab for class cls (units taken from a SuperSlab), or NULL. */
struct hk_slab *hk_slab_new(unsigned cls);
/* Give an empty slab's units back to its SuperSlab. */
void hk_slab_release(struct hk_slab *s);
/* Give back dirty units left alone for HAKMEM_DECAY_MS (and over the
 * bound); returns the bytes. */
size_t hk_ss_decay(uint32_t now);
/* Give back every dirty unit and every resident pooled SuperSlab by
 * HAKMEM_RELEASE (malloc_trim); returns the bytes (0 with keep). */
size_t hk_ss_trim(void);

/* SuperSlabs mapped, unmapped, released to the pool by HAKMEM_RELEASE,
 * reused from the pool, live now and at peak, empty in the pool now; empty
 * slab units inside live SuperSlabs given back by HAKMEM_RELEASE (units,
 * madvise calls), and bytes of them resident now. */
#define HK_SS_COUNTS(X) \
	X(mapped) X(unmapped) X(released) X(reused) X(live) X(peak_live) X(pooled) \
	X(units_released) X(unit_releases) X(dirty_bytes)
struct hk_ss_counts { HK_SS_COUNTS(HK_COUNT_FIELD) };
void hk_ss_counts_get(struct hk_ss_counts *out);

/* Call fn on every SuperSlab mapping (live or pooled), under the
 * SuperSlab lock: fn must not allocate or take that lock (statistics). */
void hk_ss_foreach_mapping(void (*fn)(const void *p, size_t len, void *arg), void *arg);

void hk_ss_lock(void);
void hk_ss_unlock(void);

#endif
