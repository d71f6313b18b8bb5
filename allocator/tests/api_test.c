/* api_test.c - every edge case of the malloc API (api.c), alignment of
 * every returned pointer, usable sizes, realloc preserving contents.
 * Linked with the static library, so malloc here is HAKMEM's (checked
 * first: a test of glibc would prove nothing). */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "superslab.h"

void free_sized(void *p, size_t size);
void free_aligned_sized(void *p, size_t alignment, size_t size);

static int aligned(const void *p, size_t a) { return ((uintptr_t)p & (a - 1)) == 0; }

static int is_hakmem_block(void *p)
{
	return hk_prefix_of(p)->magic == HK_MAGIC;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static int same(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

static void test_override(void)
{
	void *small = malloc(24), *big = malloc(1 << 20);
	CHECK("malloc is HAKMEM's (small block in a SuperSlab)", small && is_hakmem_block(small));
	CHECK("malloc is HAKMEM's (large block)", big && is_hakmem_block(big));
	free(small);
	free(big);
}

static void test_malloc(void)
{
	void *a = malloc(0), *b = malloc(0);
	CHECK("malloc(0) returns a pointer", a != NULL && b != NULL);
	CHECK("malloc(0) pointers are unique", a != b);
	free(a);
	free(b);
	free(NULL);
	CHECK("free(NULL) is a no-op", 1);

	errno = 0;
	CHECK("malloc(SIZE_MAX) fails", malloc(SIZE_MAX) == NULL);
	CHECK("malloc(SIZE_MAX) sets ENOMEM", errno == ENOMEM);
	errno = 0;
	CHECK("malloc(PTRDIFF_MAX + 1) fails", malloc((size_t)PTRDIFF_MAX + 1) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK("malloc(2^46) fails cleanly", malloc((size_t)1 << 46) == NULL && errno == ENOMEM);

	/* every size class boundary and some odd sizes: aligned, usable, writable */
	int bad_align = 0, bad_usable = 0, bad_content = 0;
	for (size_t n = 0; n <= 300000; n += (n < 2048 ? 1 : n < 70000 ? 61 : 4093)) {
		unsigned char *p = malloc(n);
		if (!p || !aligned(p, 16))
			bad_align++;
		if (!p || malloc_usable_size(p) < n)
			bad_usable++;
		if (p) {
			fill(p, n, (unsigned)n);
			if (!same(p, n, (unsigned)n))
				bad_content++;
		}
		free(p);
	}
	CHECK("every block is 16-byte aligned", bad_align == 0);
	CHECK("usable size >= requested for every size", bad_usable == 0);
	CHECK("every block holds what was written", bad_content == 0);
	CHECK("malloc_usable_size(NULL) == 0", malloc_usable_size(NULL) == 0);
}

static void test_calloc(void)
{
	errno = 0;
	CHECK("calloc overflow fails", calloc(SIZE_MAX / 2, 3) == NULL);
	CHECK("calloc overflow sets ENOMEM", errno == ENOMEM);
	errno = 0;
	CHECK("calloc(1, SIZE_MAX) fails with ENOMEM", calloc(1, SIZE_MAX) == NULL && errno == ENOMEM);
	void *z = calloc(0, 0);
	CHECK("calloc(0, 0) returns a pointer", z != NULL);
	free(z);

	/* dirty blocks of each size, freed, then calloc'd again: must read zero */
	static const size_t sizes[] = { 1, 16, 100, 1000, 5000, 70000, 262144, 300000, 3 << 20 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		for (int round = 0; round < 3; round++) {
			unsigned char *d = malloc(n);
			memset(d, 0xA5, n);
			free(d);
			unsigned char *c = calloc(1, n);
			int zero = c != NULL;
			for (size_t k = 0; zero && k < n; k++)
				zero = c[k] == 0;
			CHECK("calloc memory reads zero after reuse", zero);
			memset(c, 0x5A, n);
			free(c);
		}
	}
}

static void test_realloc(void)
{
	void *p = realloc(NULL, 100);
	CHECK("realloc(NULL, n) allocates", p != NULL && malloc_usable_size(p) >= 100);
	CHECK("realloc(p, 0) frees and returns NULL", realloc(p, 0) == NULL);

	unsigned char *q = malloc(100);
	fill(q, 100, 3);
	errno = 0;
	CHECK("realloc to SIZE_MAX fails", realloc(q, SIZE_MAX) == NULL && errno == ENOMEM);
	CHECK("failed realloc leaves the block intact", same(q, 100, 3));
	unsigned char *r = realloc(q, 90);
	CHECK("shrinking within the class stays in place", r == q);

	/* grow through small, mid and large, then shrink back: contents kept */
	size_t steps[] = { 90, 200, 1500, 9000, 100000, 300000, 5 << 20, 40 << 20, 2 << 20, 500000, 3000, 20 };
	size_t have = 90;
	int kept = 1;
	for (size_t i = 1; i < sizeof(steps) / sizeof(steps[0]); i++) {
		unsigned char *n = realloc(r, steps[i]);
		if (!n) {
			kept = 0;
			break;
		}
		size_t common = have < steps[i] ? have : steps[i];
		if (!same(n, common, 3))
			kept = 0;
		fill(n, steps[i], 3);
		have = steps[i];
		r = n;
		if (!aligned(r, 16))
			kept = 0;
	}
	CHECK("realloc keeps the contents across every size range", kept);
	free(r);

	errno = 0;
	void *a = malloc(10);
	CHECK("reallocarray overflow fails with ENOMEM", reallocarray(a, SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
	void *b = reallocarray(a, 10, 10);
	CHECK("reallocarray grows", b != NULL && malloc_usable_size(b) >= 100);
	free(b);
}

static void test_aligned(void)
{
	void *p = (void *)1;
	int saved;
	errno = 1234;
	saved = errno;
	CHECK("posix_memalign(0) is EINVAL", posix_memalign(&p, 0, 10) == EINVAL);
	CHECK("posix_memalign(4) is EINVAL (< sizeof(void *))", posix_memalign(&p, 4, 10) == EINVAL);
	CHECK("posix_memalign(24) is EINVAL (not a power of two)", posix_memalign(&p, 24, 10) == EINVAL);
	CHECK("posix_memalign(12) is EINVAL", posix_memalign(&p, 12, 10) == EINVAL);
	CHECK("posix_memalign leaves *out alone on EINVAL", p == (void *)1);
	CHECK("posix_memalign does not set errno", errno == saved);
	CHECK("posix_memalign huge size is ENOMEM", posix_memalign(&p, 64, SIZE_MAX - 100) == ENOMEM);

	int all_ok = 1;
	for (size_t a = 8; a <= ((size_t)8 << 20); a <<= 1) {
		static const size_t sizes[] = { 0, 1, 17, 100, 4096, 70000, 300000, 3 << 20 };
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			void *m = NULL;
			if (posix_memalign(&m, a, sizes[i]) != 0 || !m || !aligned(m, a) ||
			    malloc_usable_size(m) < sizes[i]) {
				all_ok = 0;
				continue;
			}
			memset(m, 0x11, sizes[i]);
			free(m);
		}
	}
	CHECK("posix_memalign 8 B .. 8 MiB alignments: aligned, usable, freeable", all_ok);

	errno = 0;
	CHECK("aligned_alloc(24) fails with EINVAL", aligned_alloc(24, 48) == NULL && errno == EINVAL);
	errno = 0;
	CHECK("aligned_alloc(0) fails with EINVAL", aligned_alloc(0, 48) == NULL && errno == EINVAL);
	p = aligned_alloc(256, 1000);
	CHECK("aligned_alloc(256) is aligned", p && aligned(p, 256));
	free(p);

	p = memalign(24, 100);
	CHECK("memalign(24) rounds the alignment up to 32 (glibc)", p && aligned(p, 32));
	free(p);
	errno = 0;
	CHECK("memalign(SIZE_MAX) fails with EINVAL", memalign(SIZE_MAX, 1) == NULL && errno == EINVAL);
	p = memalign(8, 10);
	CHECK("memalign(8) works", p && aligned(p, 16));
	free(p);

	p = valloc(100);
	CHECK("valloc is page aligned", p && aligned(p, 4096));
	free(p);
	p = pvalloc(1);
	CHECK("pvalloc rounds up to a page", p && aligned(p, 4096) && malloc_usable_size(p) >= 4096);
	free(p);
	p = pvalloc(0);
	CHECK("pvalloc(0) returns a page", p && aligned(p, 4096));
	free(p);
	errno = 0;
	CHECK("pvalloc(SIZE_MAX) fails with ENOMEM", pvalloc(SIZE_MAX) == NULL && errno == ENOMEM);
}

static void test_sized_free(void)
{
	void *p = malloc(40);
	free_sized(p, 40);
	p = aligned_alloc(64, 128);
	free_aligned_sized(p, 64, 128);
	void *q = malloc(40);
	CHECK("free_sized and free_aligned_sized return blocks for reuse", q != NULL);
	free(q);
}

static void test_large_cache(void)
{
	/* a freed large block is reused as is (no new mapping) */
	void *a = malloc(8 << 20);
	memset(a, 1, 8 << 20);
	free(a);
	void *b = malloc(8 << 20);
	CHECK("a freed 8 MiB block is reused from the large cache", a == b);
	free(b);
	/* many sizes in and out of the cache stay correct */
	int ok = 1;
	for (int i = 0; i < 40; i++) {
		size_t n = ((size_t)(i % 7) + 1) << 19;
		unsigned char *p = malloc(n);
		if (!p)
			ok = 0;
		else {
			fill(p, n, (unsigned)i);
			ok &= same(p, n, (unsigned)i);
			free(p);
		}
	}
	CHECK("large blocks of mixed sizes cycle through the cache correctly", ok);
}

int main(void)
{
	test_override();
	test_malloc();
	test_calloc();
	test_realloc();
	test_aligned();
	test_sized_free();
	test_large_cache();
	return check_summary();
}
