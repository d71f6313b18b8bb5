/* memory_figures_probe.c - a known program for memory_figures_test.py:
 * it allocates, touches and frees known amounts, and at each phase prints
 * one JSON line with what the allocator says (malloc_info: resident,
 * huge-page and released bytes) beside what the kernel says about the
 * whole process (/proc/self/smaps_rollup: Anonymous, AnonHugePages).
 * A plain program: the test runs it under LD_PRELOAD=libhakmem.so.
 *
 * Phases: "start"; "full" (48 MiB of 256-byte blocks and a 16 MiB block,
 * all written); "freed" (everything freed, then malloc_trim(0)). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL 256
#define NSMALL ((48u << 20) / SMALL)
#define LARGE ((size_t)16 << 20)

static void *blocks[NSMALL];    /* static: the array itself is not the allocator's */

/* "key: N kB" from smaps_rollup, in bytes; -1 if absent */
static long long rollup(const char *key)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long long v = -1;
	size_t n = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = atoll(line + n + 1) * 1024;
	if (f)
		fclose(f);
	return v;
}

/* the number in `attr="N"` of the first tag containing `tag`; -1 if absent */
static long long xml_num(const char *xml, const char *tag, const char *attr)
{
	const char *t = strstr(xml, tag);
	if (!t)
		return -1;
	char pat[64];
	snprintf(pat, sizeof(pat), "%s=\"", attr);
	const char *a = strstr(t, pat);
	return a ? atoll(a + strlen(pat)) : -1;
}

static void report(const char *phase)
{
	static char xml[8192];
	FILE *m = fmemopen(xml, sizeof(xml) - 1, "w");
	if (!m || malloc_info(0, m) != 0) {
		printf("{\"phase\":\"%s\",\"error\":\"malloc_info failed\"}\n", phase);
		return;
	}
	fclose(m);
	/* smaps after malloc_info: its own figures are read first, and the two
	 * reads see the same memory (this program does nothing in between) */
	printf("{\"phase\":\"%s\",\"hk_resident\":%lld,\"hk_huge\":%lld,\"hk_huge_shared_vma\":%lld,"
	       "\"hk_released_madvise\":%lld,\"hk_released_munmap\":%lld,\"hk_releases\":%lld,"
	       "\"smaps_anonymous\":%lld,\"smaps_anon_huge\":%lld}\n",
	       phase, xml_num(xml, "type=\"resident\"", "size"), xml_num(xml, "type=\"hugepages\"", "size"),
	       xml_num(xml, "type=\"hugepages\"", "shared_vma"),
	       xml_num(xml, "<released type=\"madvise\"", "size"), xml_num(xml, "<released type=\"munmap\"", "size"),
	       xml_num(xml, "<released type=\"count\"", "count"),
	       rollup("Anonymous"), rollup("AnonHugePages"));
	fflush(stdout);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* fault the array in first, so that from "start" to "full" only the
	 * allocator's memory grows */
	memset(blocks, 0, sizeof(blocks));
	report("start");
	for (unsigned i = 0; i < NSMALL; i++) {
		blocks[i] = malloc(SMALL);
		if (!blocks[i])
			return 1;
		memset(blocks[i], (int)i, SMALL);
	}
	char *big = malloc(LARGE);
	if (!big)
		return 1;
	memset(big, 1, LARGE);
	report("full");
	for (unsigned i = 0; i < NSMALL; i++)
		free(blocks[i]);
	free(big);
	malloc_trim(0);
	report("freed");
	return 0;
}
