/* residency.h - what the kernel says about HAKMEM's own mappings (the
 * SuperSlabs and the large mappings, live or cached): the bytes resident
 * and the bytes backed by transparent huge pages.  For the statistics and
 * malloc_info only: it makes system calls and reads /proc, never on a
 * malloc or free path.
 *
 * - resident: mincore(2) over each mapping, page by page.  Exact for
 *   HAKMEM's ranges, whatever else the process maps.  (A page only ever
 *   read maps the shared zero page: mincore counts it, smaps's Rss does
 *   not; HAKMEM reads no page it did not write, so this does not arise.)
 * - huge pages: /proc/self/smaps's AnonHugePages, per kernel mapping (VMA).
 *   The kernel reports it per VMA only, so a VMA lying wholly inside
 *   HAKMEM's mappings counts as HAKMEM's (huge_bytes), and one that HAKMEM
 *   shares with other memory (adjacent mappings the kernel merged) is
 *   reported apart (huge_bytes_shared_vma), never guessed.  With
 *   HAKMEM_THP=1 HAKMEM's mappings carry VM_HUGEPAGE, so the kernel merges
 *   them only with each other. */
#ifndef HAKMEM_RESIDENCY_H
#define HAKMEM_RESIDENCY_H

#include <stdint.h>

struct hk_residency {
	uint64_t mapped_bytes;            /* SuperSlabs + large mappings */
	uint64_t resident_bytes;          /* of those, resident (mincore) */
	uint64_t huge_bytes;              /* AnonHugePages of VMAs wholly HAKMEM's */
	uint64_t huge_bytes_shared_vma;   /* AnonHugePages of VMAs partly HAKMEM's */
	const char *resident_error;       /* NULL, or why resident_bytes is unknown */
	const char *huge_error;           /* NULL, or why the huge figures are unknown */
};

void hk_residency_get(struct hk_residency *r);

#endif
