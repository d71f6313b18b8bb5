/* test_floor.c - the floor allocator (workloads/floor/floor.c), run with
 * LD_PRELOAD=libfloor.so (meson sets it; the first check fails otherwise).
 *
 * Checks that what it returns is memory a program can use: aligned (16 for
 * malloc, the asked alignment for the aligned family), at least the asked
 * size (malloc_usable_size), never overlapping another live block (all
 * live blocks' [p, p + usable) sorted and compared), keeping its content
 * until freed (a per-block pattern checked before each free), calloc
 * zeroed on reused blocks, realloc keeping the content, huge blocks, and
 * the same from several threads at once with blocks freed by other
 * threads.  Bookkeeping lives in static arrays, not in the allocator. */
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define LIVE 4096

struct blk {
	unsigned char *p;
	size_t n, usable;
	unsigned char tag;
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static int intact(const struct blk *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->p[i] != b->tag)
			return 0;
	return 1;
}

static int cmp_blk(const void *a, const void *b)
{
	const struct blk *x = a, *y = b;
	return x->p < y->p ? -1 : x->p > y->p;
}

/* Are the live blocks' [p, p + usable) pairwise disjoint?  Sorts `sorted`
 * (a scratch copy). */
static int disjoint(const struct blk *live, size_t n, struct blk *sorted)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (live[i].p)
			sorted[k++] = live[i];
	qsort(sorted, k, sizeof(*sorted), cmp_blk);
	for (size_t i = 1; i < k; i++)
		if (sorted[i - 1].p + sorted[i - 1].usable > sorted[i].p)
			return 0;
	return 1;
}

/* One churn: random sizes (mostly small, some up to 3 MiB: huge blocks),
 * random aligned requests; returns the number of problems found. */
struct churn {
	uint32_t seed;
	int rounds;
	unsigned long bad_align, bad_size, bad_content, bad_overlap, nulls;
	struct blk live[LIVE], scratch[LIVE];
};

static size_t pick_size(uint32_t r)
{
	if (r % 256 == 1)
		return (size_t)(r >> 8) % (3u << 20);      /* up to 3 MiB: huge blocks, 1 in 256 */
	switch (r % 16) {
	case 0:
		return 0;
	case 2:
		return (size_t)(r >> 8) % 16384;
	default:
		return (size_t)(r >> 8) % 1100;
	}
}

static void churn_one(struct churn *c, struct blk *b, uint32_t r)
{
	if (b->p) {
		if (!intact(b))
			c->bad_content++;
		free(b->p);
		b->p = NULL;
		return;
	}
	size_t n = pick_size(r);
	size_t align = 16;
	void *p;
	switch ((r >> 4) % 8) {
	case 0:
		align = (size_t)1 << (4 + (r >> 12) % 10);          /* 16 .. 8192 */
		if (posix_memalign(&p, align, n) != 0)
			p = NULL;
		break;
	case 1:
		align = (size_t)1 << (5 + (r >> 12) % 12);          /* 32 .. 64 KiB */
		p = aligned_alloc(align, n);
		break;
	case 2:
		p = calloc(1, n);
		if (p)
			for (size_t i = 0; i < n; i++)
				if (((unsigned char *)p)[i] != 0) {
					c->bad_content++;
					break;
				}
		break;
	default:
		p = malloc(n);
	}
	if (!p) {
		c->nulls++;
		return;
	}
	b->p = p;
	b->n = n;
	b->usable = malloc_usable_size(p);
	b->tag = (unsigned char)(r >> 24) | 1;
	if ((uintptr_t)p % align)
		c->bad_align++;
	if (b->usable < n || (n == 0 && b->usable == 0))
		c->bad_size++;
	memset(b->p, b->tag, n);
}

static void *churn_run(void *arg)
{
	struct churn *c = arg;
	for (int round = 0; round < c->rounds; round++) {
		for (int k = 0; k < 2 * LIVE; k++) {
			uint32_t r = rnd(&c->seed);
			churn_one(c, &c->live[(r >> 3) % LIVE], r);
		}
		if (!disjoint(c->live, LIVE, c->scratch))
			c->bad_overlap++;
	}
	return NULL;
}

static void churn_free_all(struct churn *c)
{
	for (int i = 0; i < LIVE; i++)
		if (c->live[i].p) {
			if (!intact(&c->live[i]))
				c->bad_content++;
			free(c->live[i].p);
			c->live[i].p = NULL;
		}
}

static struct churn one, many[3];

int main(void)
{
	Dl_info info;
	CHECK("malloc is the floor allocator's (run with LD_PRELOAD=libfloor.so)",
	      dladdr((void *)(uintptr_t)dlsym(RTLD_DEFAULT, "malloc"), &info) && info.dli_fname &&
		      strstr(info.dli_fname, "libfloor"));

	/* single thread: every kind of request, overlap checked every round */
	one.seed = 12345;
	one.rounds = 4;
	churn_run(&one);
	CHECK("aligned as asked", one.bad_align == 0);
	CHECK("usable size >= asked", one.bad_size == 0);
	CHECK("content kept until free; calloc zeroed", one.bad_content == 0);
	CHECK("live blocks never overlap", one.bad_overlap == 0);
	CHECK("no NULL for possible sizes", one.nulls == 0);

	/* realloc keeps the content, growing and shrinking, through a huge size */
	unsigned char *r = malloc(10);
	memset(r, 7, 10);
	size_t sizes[] = { 100, 5000, 3 << 20, 50, 200000 };
	int kept = 1;
	size_t have = 10;
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		r = realloc(r, sizes[i]);
		size_t check = have < sizes[i] ? have : sizes[i];
		for (size_t j = 0; j < check; j++)
			if (r[j] != 7)
				kept = 0;
		memset(r, 7, sizes[i]);
		have = sizes[i];
	}
	CHECK("realloc keeps the content", kept);
	CHECK("realloc(p, 0) frees and returns NULL", realloc(r, 0) == NULL);

	/* the rest of the API */
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	void *v = valloc(100), *pv = pvalloc(100), *m = memalign(4096, 10), *big = memalign(1 << 21, 100);
	CHECK("valloc is page aligned", v && (uintptr_t)v % pg == 0);
	CHECK("pvalloc is page aligned and a whole page", pv && (uintptr_t)pv % pg == 0 && malloc_usable_size(pv) >= pg);
	CHECK("memalign 4096", m && (uintptr_t)m % 4096 == 0);
	CHECK("memalign 2 MiB (a huge block)", big && (uintptr_t)big % (1 << 21) == 0 && malloc_usable_size(big) >= 100);
	free(v);
	free(pv);
	free(m);
	free(big);
	void *out = NULL;
	volatile size_t huge = SIZE_MAX, half = SIZE_MAX / 2;   /* volatile: no compile-time size warnings */
	CHECK("posix_memalign rejects a non-power-of-two alignment", posix_memalign(&out, 24, 8) == EINVAL);
	errno = 0;
	CHECK("calloc overflow is ENOMEM", calloc(half, 3) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK("malloc(SIZE_MAX) is NULL with ENOMEM", malloc(huge) == NULL && errno == ENOMEM);
	CHECK("reallocarray overflow is NULL", reallocarray(NULL, half, 3) == NULL);
	CHECK("malloc_usable_size(NULL) is 0", malloc_usable_size(NULL) == 0);
	free(NULL);

	/* threads: each churns its own slots, then one thread frees another's
	 * blocks (cross-thread frees) while the others keep allocating */
	pthread_t t[3];
	for (int i = 0; i < 3; i++) {
		many[i].seed = 777u + 1000u * (uint32_t)i;
		many[i].rounds = 2;
		pthread_create(&t[i], NULL, churn_run, &many[i]);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	churn_free_all(&many[0]);                 /* main frees thread 0's blocks */
	for (int i = 1; i < 3; i++)
		pthread_create(&t[i], NULL, churn_run, &many[i]);
	for (int i = 1; i < 3; i++)
		pthread_join(t[i], NULL);
	unsigned long bad = 0;
	for (int i = 0; i < 3; i++)
		bad += many[i].bad_align + many[i].bad_size + many[i].bad_content + many[i].bad_overlap + many[i].nulls;
	/* blocks of all threads together must not overlap either */
	static struct blk all[3 * LIVE], scratch[3 * LIVE];
	for (int i = 0; i < 3; i++)
		memcpy(all + i * LIVE, many[i].live, sizeof(many[i].live));
	CHECK("threads: aligned, sized, intact, disjoint", bad == 0);
	CHECK("threads: no two threads' blocks overlap", disjoint(all, 3 * LIVE, scratch));
	for (int i = 0; i < 3; i++)
		churn_free_all(&many[i]);
	churn_free_all(&one);
	return check_summary();
}
