/* memory_return_test.c - memory goes back to the OS and comes back cheaply.
 *
 *   large:   an alloc / touch / realloc / free loop over varied big sizes
 *            page-faults (getrusage minflt) only in its first rounds: the
 *            large cache reuses, splits and grows mappings it kept.
 *   release: 64 MiB of 256-byte blocks, then everything freed except one
 *            block per 2 MiB, so no SuperSlab empties: with the default
 *            HAKMEM_RELEASE=dontneed the RSS (/proc/self/statm) still
 *            returns within a few MiB of the start (empty slab units are
 *            released inside live SuperSlabs); run with the argument
 *            "keep" (and HAKMEM_RELEASE=keep) it must stay high.
 * Linked with the static library, so malloc is HAKMEM's; the knobs come
 * from the environment meson sets for each run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"
#include "proc_self.h"

static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void touch(char *p, size_t from, size_t to, int v)
{
	for (size_t off = from; off < to; off += 4096)
		p[off] = (char)v;
	p[to - 1] = (char)v;
}

static void test_large(void)
{
	static const size_t sizes[] = { 300 << 10, 1 << 20, 3 << 20, 8 << 20, 20 << 20, 5 << 20, 700 << 10, 12 << 20 };
	const int nsizes = (int)(sizeof(sizes) / sizeof(sizes[0])), rounds = 12;
	long first = 0, later = 0;
	for (int r = 0; r < rounds; r++) {
		long before = minflt();
		for (int i = 0; i < nsizes; i++) {
			size_t s = sizes[i], grown = s + s / 2;
			char *p = malloc(s);
			CHECK("large malloc succeeds", p != NULL);
			if (!p)
				return;
			touch(p, 0, s, r);
			char *q = realloc(p, grown);
			CHECK("large realloc succeeds", q != NULL);
			if (!q) {
				free(p);
				return;
			}
			CHECK("realloc keeps the contents", q[0] == (char)r && q[s - 1] == (char)r);
			touch(q, s, grown, r);
			free(q);
		}
		long f = minflt() - before;
		if (r == 0)
			first = f;
		else if (r >= 2)
			later += f;
	}
	printf("large loop: first round %ld faults, rounds 3..%d %ld faults in all\n", first, rounds, later);
	CHECK("the first round faults (it touches ~75 MiB)", first > 5000);
	CHECK("later rounds fault less than a tenth of the first round, all together",
	      later < first / 10);
}

#define BLOCK 256
#define NBLOCKS (64 * 1024 * 1024 / BLOCK)
#define KEEP_EVERY (2 * 1024 * 1024 / BLOCK)

static void test_release(int keep)
{
	static void *b[NBLOCKS];
	long start = rss_kib();
	for (int i = 0; i < NBLOCKS; i++) {
		b[i] = malloc(BLOCK);
		CHECK("small malloc succeeds", b[i] != NULL);
		if (!b[i])
			return;
		memset(b[i], 1, BLOCK);
	}
	long peak = rss_kib();
	for (int i = 0; i < NBLOCKS; i++)
		if (i % KEEP_EVERY != 0)
			free(b[i]);
	long after = rss_kib();
	printf("release (%s): start %ld KiB, peak %ld KiB, after freeing %ld KiB\n",
	       keep ? "keep" : "dontneed", start, peak, after);
	CHECK("RSS can be read from /proc/self/statm", start > 0 && peak > 0 && after > 0);
	CHECK("the blocks grew RSS by > 56 MiB", peak - start > 56 * 1024);
	if (keep)
		CHECK("HAKMEM_RELEASE=keep keeps the freed memory resident", after - start > 40 * 1024);
	else
		CHECK("HAKMEM_RELEASE=dontneed returns within 12 MiB of the start", after - start < 12 * 1024);
	for (int i = 0; i < NBLOCKS; i += KEEP_EVERY)
		free(b[i]);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "large") == 0)
		test_large();
	else if (strcmp(mode, "release") == 0 || strcmp(mode, "keep") == 0)
		test_release(strcmp(mode, "keep") == 0);
	else {
		fprintf(stderr, "usage: %s large|release|keep\n", argv[0]);
		return 2;
	}
	return check_summary();
}
