/* config.h - HAKMEM's geometry and compiler helpers, shared by every layer.
 *
 * The geometry is what makes free() cheap: small blocks live in slabs made
 * of 64 KiB units inside 2 MiB-aligned SuperSlabs, so a pointer finds its
 * SuperSlab header by masking and its unit by a shift.  Large blocks get
 * their own 2 MiB-aligned mapping whose first bytes carry the same header
 * prefix, so free() needs no registry lookup for either kind.
 *
 * Mid-size blocks (256 KiB < size <= 1.75 MiB) are slabs of one block each:
 * a run of 5..28 units inside a shared SuperSlab, so they do not cost one
 * kernel mapping each (65,000 of those reach vm.max_map_count; issue 16),
 * and their free units are given back by the SuperSlab release policy,
 * which keeps at least HK_MID_KEEP_BYTES resident while they churn. */
#ifndef HAKMEM_CONFIG_H
#define HAKMEM_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define HK_SS_SHIFT   21
#define HK_SS_SIZE    ((size_t)1 << HK_SS_SHIFT)        /* 2 MiB SuperSlab */
#define HK_SS_MASK    (HK_SS_SIZE - 1)
#define HK_UNIT_SHIFT 16
#define HK_UNIT_SIZE  ((size_t)1 << HK_UNIT_SHIFT)      /* 64 KiB slab unit */
#define HK_UNITS      32                                 /* unit 0 holds the header */
#define HK_PAGE       ((size_t)4096)

#define HK_NCLS       64                                 /* class 0 = "not a small block" */
#define HK_TINY_MAX   1024                               /* sizes served by the lookup table */
#define HK_MID_MIN    ((size_t)256 * 1024)               /* classes above: "mid", one block per slab, no thread cache */
#define HK_SMALL_MAX  ((size_t)1792 * 1024)              /* larger blocks are mapped directly */
/* Free SuperSlab memory (empty units, empty SuperSlabs) kept resident
 * while mid-size slabs are being freed: at least this much, given back
 * after HAKMEM_DECAY_MS (superslab.c).  32 MiB is the large cache's floor,
 * which mid-size blocks had when they were large mappings. */
#define HK_MID_KEEP_BYTES ((size_t)32 << 20)
/* A refill carves at most this much fresh memory at once (central.c): a
 * carved block is linked, which touches its page, so this bounds the page
 * faults one malloc can take (4). */
#define HK_CARVE_BYTES ((size_t)16 * 1024)

/* Debug levels (-DHAKMEM_DEBUG=N; meson -Dhakmem_debug=true gives 1):
 * 0  none: the default build;
 * 1  free() validates every pointer, marks freed blocks and checks an
 *    8-byte canary after each small block (api.c);
 * 2  also every slow path walks the invariants of the structures it just
 *    changed: the class's partial slab list and its slabs' free lists
 *    (central.c), every SuperSlab, the "has free units" list, the pool and
 *    the dirty list (superslab.c), the large cache and the live list
 *    (large.c), the thread's bin (thread.c).  A broken invariant aborts
 *    with "hakmem: invariant broken: <address>: <what>". */
#ifndef HAKMEM_DEBUG
#define HAKMEM_DEBUG 0
#endif
#define HK_DEBUG_INVARIANTS (HAKMEM_DEBUG >= 2)

/* -DHAKMEM_HARDEN=0 builds the measuring instrument `unhardened`
 * (libhakmem_unhardened.so, README "Hardening, measured"): the same
 * allocator with the checks of every malloc and free compiled out, i.e.
 * plain free-list links (key 0, no decode check) and no double-free test
 * (no cleared link word, no byte load in free).  The checks of the slow
 * paths stay: they cost nothing per operation.  `harness ab` of hakmem
 * against it is the hardening's cost.  Never a build to ship. */
#ifndef HAKMEM_HARDEN
#define HAKMEM_HARDEN 1
#endif

#define HK_LIKELY(x)   __builtin_expect(!!(x), 1)
#define HK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HK_EXPORT      __attribute__((visibility("default")))
#define HK_NOINLINE    __attribute__((noinline))
#define HK_COLD        __attribute__((noinline, cold))
#define HK_INLINE      static inline __attribute__((always_inline))

/* Statistics: each layer lists its counters once, as an X-macro of
 * names (HK_OS_COUNTS, HK_SS_COUNTS, ...); this expands a list into the
 * struct's fields.  stats.c expands the same lists into the merge, the
 * table and the JSON writer. */
#define HK_COUNT_FIELD(name) uint64_t name;

/* Round x up to a multiple of a (a power of two). */
#define HK_ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((size_t)(a) - 1))

#endif
