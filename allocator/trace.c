/* trace.c - see trace.h. */
#include "trace.h"

__attribute__((noipa)) void hakmem_trace_superslab_map(void *base, size_t len)
{
	__asm__ volatile("" : : "r"(base), "r"(len) : "memory");
}

__attribute__((noipa)) void hakmem_trace_superslab_unmap(void *base, size_t len)
{
	__asm__ volatile("" : : "r"(base), "r"(len) : "memory");
}
