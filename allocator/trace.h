/* trace.h - exported no-op functions that eBPF uprobes attach to.
 *
 * They are called on rare events only (a SuperSlab mapped or unmapped), so
 * they cost nothing measurable.  noipa (not just noinline) plus an empty
 * asm volatile body keeps the compiler from removing the calls, merging the
 * two, or calling a specialised .constprop clone that the uprobe on the
 * real symbol would never see. */
#ifndef HAKMEM_TRACE_H
#define HAKMEM_TRACE_H

#include <stddef.h>

#include "config.h"

HK_EXPORT void hakmem_trace_superslab_map(void *base, size_t len);
HK_EXPORT void hakmem_trace_superslab_unmap(void *base, size_t len);

#endif
