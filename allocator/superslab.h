/* superslab.h - 2 MiB-aligned SuperSlabs, the slabs inside them, and the
 * header prefix that large mappings share with them.
 *
 * A SuperSlab is 32 units of 64 KiB.  Unit 0 holds this header; a slab is
 * a run of 1..16 units given to one size class (28 for the mid-size
 * classes).  What free() needs of a unit is its entry in the unit table
 * (guard.h): one 16-byte entry per 64 KiB of the whole address space, at
 * hk_unit_base + (p >> 16) * 16, readable for any pointer, so free()
 * reads it before it knows whether the pointer is ours.  The header of a
 * small block is p & ~2MiB (small blocks never start in unit 0).  A large
 * block's header is ((p - 1) & ~2MiB): the "- 1" lets a huge-aligned
 * large block start exactly at a 2 MiB boundary with its header 2 MiB
 * below.  */
#ifndef HAKMEM_SUPERSLAB_H
#define HAKMEM_SUPERSLAB_H

#include "config.h"
#include "guard.h"
#include "sizeclass.h"

enum hk_kind { HK_KIND_SMALL = 1, HK_KIND_LARGE = 2 };
#define HK_MAGIC 0x484b4d53u   /* "HKMS" */

/* The prefix every 2 MiB-aligned header starts with (SuperSlab or large
 * block): which of the two it is. */
struct hk_prefix {
	uint8_t kind;
	uint8_t pad[3];
	uint32_t magic;
};

/* One per 64 KiB unit of the address space (the unit table, guard.h):
 * what free() needs of the slab using the unit, if a SuperSlab's unit.
 * Entries of addresses that were never a SuperSlab's read as zero.
 * 16 bytes, so the table is 32 GiB of address space (valgrind, which
 * runs the cachegrind and tlb engines, maps at most 32 GiB at once).
 *
 * `owner` is the id of the thread that last refilled from the slab (a
 * copy of hk_slab.owner, written under the class lock, or taken over by
 * a thread adopting the unit, remote.c), read by free() without a lock: a
 * stale value only sends a block to the other of two correct paths.
 *
 * The block-start test: with n the offset of address a in its slab and
 * divc = ceil(2^64 / block size) (hk_class_divc), n * divc mod 2^64 is
 * below 2^21 when a is a block start and more than 2^42 + 2^21 away from
 * 0 (mod 2^64) otherwise (Lemire, Kaser and Kurz, "Faster remainder by
 * direct computation"; both bounds are checked for every byte offset of
 * every class in harden_test), so the test is
 * (a & 0xffff) * divc + phase < 2^21, with phase = (offset of this
 * unit in its slab) * divc.
 *
 * `key` = phase + owner << 21 folds the owner test into the same compare:
 * free() subtracts the thread's token, tid << 21 (thread ids are below
 * 2^21), and the result is below 2^21 exactly when the address is a block
 * start and the thread is the owner.  An owner difference k (|k| < 2^21)
 * moves a block start's value to at least 2^21 (or wraps it past 2^64 -
 * 2^42), and a non-start's value stays more than 2^21 away from 0, so no
 * k brings it under 2^21.  A unit no slab uses has class 0 (divc 0) and
 * phase 2^63, an entry never written is all zero, and no token is 0 (a
 * thread's first one is HK_TOKEN_FRESH, thread.c): all of them fail, and
 * free() sorts them out on its slow path. */
struct hk_unit {
	uint64_t key;               /* phase + ((uint64_t)owner << HK_OWNER_SHIFT): free()'s one compare */
	uint8_t cls;                /* size class of the slab using this unit, or 0 */
	uint8_t slab;               /* index of that slab's first unit */
	uint8_t pad[2];
	uint32_t owner;
};
#define HK_PHASE_NONE ((uint64_t)1 << 63)   /* a unit no slab uses */
#define HK_OWNER_SHIFT 21                    /* thread ids are below 2^21 */
#define HK_TID_LIMIT ((uint32_t)1 << HK_OWNER_SHIFT)
#define HK_TOKEN_FRESH ((uint64_t)(HK_TID_LIMIT - 1) << HK_OWNER_SHIFT)   /* no thread's id */
#define HK_UNIT_ENTRY_SHIFT 4
_Static_assert(sizeof(struct hk_unit) == 1 << HK_UNIT_ENTRY_SHIFT, "unit entries are 16 bytes: free() indexes them with a shift");

/* The unit-table entry of address a (any address below 2^47; guard.h):
 * one shift, one mask, one add. */
HK_INLINE struct hk_unit *hk_unit_entry(uintptr_t a)
{
	return (struct hk_unit *)(hk_unit_base + ((a >> (HK_UNIT_SHIFT - HK_UNIT_ENTRY_SHIFT)) &
						  ~(uintptr_t)((1 << HK_UNIT_ENTRY_SHIFT) - 1)));
}

/* The phase of the unit_in_slab-th unit of a slab of class cls. */
HK_INLINE uint64_t hk_phase_of(unsigned cls, unsigned unit_in_slab)
{
	return ((uint64_t)unit_in_slab << HK_UNIT_SHIFT) * hk_class_divc[cls];
}

/* The phase of table entry u, or HK_PHASE_NONE for a unit no slab uses. */
HK_INLINE uint64_t hk_unit_phase(const struct hk_unit *u)
{
	if (!u->cls)
		return HK_PHASE_NONE;
	unsigned index = (unsigned)((uintptr_t)((const char *)u - hk_unit_base) >> HK_UNIT_ENTRY_SHIFT) & (HK_UNITS - 1);
	return hk_phase_of(u->cls, index - u->slab);
}

/* Recompute u's key after its class, slab or owner changed.  The owner
 * may change under us (set_owner holds the class lock, an adopting thread
 * no lock, remote.c): whoever changes it last also stores last, because a
 * writer that sees the owner moved after its store stores again. */
HK_INLINE void hk_unit_set_key(struct hk_unit *u)
{
	uint32_t owner;
	do {
		owner = __atomic_load_n(&u->owner, __ATOMIC_ACQUIRE);
		__atomic_store_n(&u->key, hk_unit_phase(u) + ((uint64_t)owner << HK_OWNER_SHIFT), __ATOMIC_SEQ_CST);
	} while (__atomic_load_n(&u->owner, __ATOMIC_SEQ_CST) != owner);
}

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
	struct hk_slab slabs[HK_UNITS] __attribute__((aligned(64)));
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

/* Unit i of SuperSlab ss. */
HK_INLINE struct hk_unit *hk_ss_unit(const struct hk_ss *ss, unsigned i)
{
	return hk_unit_entry((uintptr_t)ss + ((uintptr_t)i << HK_UNIT_SHIFT));
}

/* Is the address a the start of a block of a slab in use?  The test
 * described at struct hk_unit, without the owner. */
HK_INLINE int hk_is_block_start(const struct hk_unit *u, uintptr_t a)
{
	return (uint64_t)(a & (HK_UNIT_SIZE - 1)) * hk_class_divc[u->cls] + hk_unit_phase(u) < ((uint64_t)1 << HK_OWNER_SHIFT);
}

/* The same test with the owner folded in, given the product of a's
 * offset in its unit, (a & 0xffff), and its class's multiplier: is a a
 * block start of a slab whose owner's token is token?  (free()'s fast
 * path) */
HK_INLINE int hk_is_own_block_start(const struct hk_unit *u, uint64_t offset_times_divc, uint64_t token)
{
	/* a plain read (aligned: never torn), so it folds into the add */
	return offset_times_divc + u->key - token < ((uint64_t)1 << HK_OWNER_SHIFT);
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
