/* bytes.h - byte accounting: the bytes handed out of slabs and large
 * mappings (live, or cached in a thread).  Below every layer that changes
 * it (central.c, large.c) and every layer that reads it (superslab.c's
 * dirty bound, stats.c), so none of them calls upward to reach it. */
#ifndef HAKMEM_BYTES_H
#define HAKMEM_BYTES_H

#include <stdint.h>

extern uint64_t hk_bytes_in_use, hk_bytes_peak;
void hk_bytes_add(uint64_t n);
void hk_bytes_sub(uint64_t n);

#endif
