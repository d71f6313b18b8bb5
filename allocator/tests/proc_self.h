/* proc_self.h - what the kernel says about this process, for the
 * allocator tests (header only). */
#ifndef HAKMEM_TESTS_PROC_SELF_H
#define HAKMEM_TESTS_PROC_SELF_H

#include <stdio.h>
#include <unistd.h>

/* Resident set size in KiB (/proc/self/statm), or -1. */
static inline long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = -1;
	fclose(f);
	return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

#endif
