/* os.h - the only layer that talks to the kernel about memory.
 *
 * Contract: lengths are multiples of HK_PAGE and non-zero; addresses are
 * page aligned.  Map functions return NULL on failure (errno is left as
 * the kernel set it); the others return 0 or -1.  Every OS policy lives
 * here: THP (MADV_HUGEPAGE), prefault (MADV_POPULATE_WRITE, falling back
 * to touching each page on kernels without it) and release (MADV_DONTNEED,
 * MADV_FREE falling back to MADV_DONTNEED on EINVAL, or keep).  Each call
 * is counted for the statistics. */
#ifndef HAKMEM_OS_H
#define HAKMEM_OS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Calls made, bytes mapped and unmapped (munmap and the shrinking part of
 * mremap); failed calls: an munmap that failed (ENOMEM at vm.max_map_count:
 * unmapping part of a kernel mapping splits it) is followed by
 * MADV_DONTNEED on the range, so the pages still go back and only the
 * address range stays reserved (bytes_unmap_failed); a failed mmap makes
 * the allocation fail with ENOMEM; a failed madvise leaves the pages
 * resident. */
#define HK_OS_COUNTS(X) X(mmap) X(munmap) X(madvise) X(mremap) X(mprotect) X(bytes_mapped) X(bytes_unmapped) \
	X(bytes_reserved) X(mmap_failures) X(munmap_failures) X(madvise_failures) X(bytes_unmap_failed)
struct hk_os_counts { HK_OS_COUNTS(HK_COUNT_FIELD) };
extern struct hk_os_counts hk_os_counts;

/* Memory given back to the OS, by how: bytes by madvise (MADV_DONTNEED
 * or MADV_FREE, including the MADV_DONTNEED that stands in for a failed
 * munmap), by munmap (whole mappings given up; the alignment slack cut off
 * a new mapping was never touched and is not a release: it is only in
 * bytes_unmapped), by mremap shrinking a large block in place; and the
 * number of releases.  Successful calls only.  The same range may be
 * counted twice (released by madvise, later unmapped), as the system calls
 * themselves would be.  A small ring keeps the last HK_RELEASE_LOG
 * releases with their time (ms since the allocator started). */
#define HK_RELEASE_COUNTS(X) X(madvise_bytes) X(munmap_bytes) X(mremap_bytes) X(releases)
struct hk_release_counts { HK_RELEASE_COUNTS(HK_COUNT_FIELD) };
#define HK_RELEASE_LOG 8
enum hk_release_how { HK_HOW_DONTNEED = 1, HK_HOW_FREE, HK_HOW_MUNMAP, HK_HOW_MREMAP };
struct hk_release_event {
	uint64_t ms;                /* ms since the allocator started */
	uint64_t bytes;
	uint64_t how;               /* enum hk_release_how; 0: slot never written */
};
/* The totals, and the last releases oldest first (*n of them, at most
 * HK_RELEASE_LOG).  An entry being written by another thread at that
 * moment may read half old, half new (no lock: releases come from under
 * several locks and from none). */
void hk_os_releases_get(struct hk_release_counts *c, struct hk_release_event ev[HK_RELEASE_LOG], unsigned *n);
/* "dontneed", "free", "munmap", "mremap". */
const char *hk_os_release_how_name(uint64_t how);
/* Note the start time (once, at library start-up). */
void hk_os_mark_start(void);
/* Milliseconds since hk_os_mark_start (monotonic clock). */
uint64_t hk_os_ms_since_start(void);

/* A fresh anonymous mapping of len bytes whose start is aligned to
 * `align` (a power of two, >= HK_PAGE), at `align_off` past an aligned
 * address (align_off < align; used to place huge-aligned blocks). */
void *hk_os_map_aligned(size_t len, size_t align, size_t align_off);
/* Address space without memory: a read-only private mapping of len
 * bytes (its pages read as zero, and cost nothing until made writable),
 * left out of core dumps and huge pages (the unit table, guard.c).  Its
 * bytes count as bytes_reserved, not bytes_mapped.  NULL on failure, with
 * errno set. */
void *hk_os_reserve_readonly(size_t len);
/* Make [p, p + len) of such a mapping writable; 0, or -1. */
int hk_os_make_writable(void *p, size_t len);
/* Unmap; when munmap fails, give the pages back with MADV_DONTNEED instead
 * (counted).  0: unmapped; 1: only the pages were given back; -1: neither. */
int hk_os_unmap(void *p, size_t len);
/* Apply HAKMEM_THP and HAKMEM_PREFAULT to a new mapping. */
void hk_os_new_region(void *p, size_t len);
/* Give memory back by HAKMEM_RELEASE.  Returns 1 when the memory now reads
 * as zero (MADV_DONTNEED), 0 otherwise. */
int hk_os_release(void *p, size_t len);
/* Try to grow or shrink a mapping in place; 0 on success. */
int hk_os_resize_in_place(void *p, size_t old_len, size_t new_len);
/* Move the pages of [p, p + old_len) to a fresh `align`-aligned mapping of
 * new_len > old_len bytes (mremap MREMAP_MAYMOVE|MREMAP_FIXED: resident
 * pages move without faulting or copying; only the new tail faults later).
 * Returns the new address, or NULL with the old mapping untouched. */
void *hk_os_move_grow(void *p, size_t old_len, size_t new_len, size_t align);
/* Milliseconds of a coarse monotonic clock (for decay; a vDSO call). */
uint32_t hk_os_now_ms(void);

#endif
