/* counters_touch_pages.c - touches exactly N fresh anonymous pages (one
 * write each), so that the page-fault counters can be checked against N.
 * THP is refused for the mapping: one huge page would take 512 pages in
 * a single fault.  Usage: counters_touch_pages N */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s N (pages to touch)\n", argv[0]);
		return 2;
	}
	long n = strtol(argv[1], NULL, 10);
	long page = sysconf(_SC_PAGESIZE);
	if (n <= 0)
		return 0;
	volatile char *p = mmap(NULL, (size_t)(n * page), PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise((void *)p, (size_t)(n * page), MADV_NOHUGEPAGE);
	for (long i = 0; i < n; i++)
		p[i * page] = 1;
	return 0;
}
