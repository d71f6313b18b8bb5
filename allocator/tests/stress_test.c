/* stress_test.c - many threads allocating, checking and freeing with a
 * deterministic PRNG: every block is filled with a pattern derived from its
 * address and size and checked when freed; a share of blocks is handed to
 * another thread to free (cross-thread frees); threads are created and
 * joined in rounds (thread churn, cache reclaim); sizes reach 4 MiB.
 * Run with an argument "glibc" semantics are the same: the test checks the
 * allocator it is linked with (HAKMEM's static library). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "splitmix.h"

#define THREADS 4
#define ROUNDS 6
#define OPS 60000
#define SLOTS 512
#define RING 1024

static size_t pick_size(uint64_t r)
{
	unsigned k = (unsigned)(r % 1000);
	if (k < 700)
		return (size_t)(r >> 10) % 256;             /* tiny */
	if (k < 950)
		return (size_t)(r >> 10) % 8192;            /* small */
	if (k < 995)
		return (size_t)(r >> 10) % 300000;          /* mid, some large */
	return (size_t)(r >> 10) % (4u << 20);         /* up to 4 MiB */
}

static unsigned char pat(const void *p, size_t n, size_t i)
{
	return (unsigned char)(((uintptr_t)p >> 4) ^ n ^ (i * 31));
}

/* fill the first and last 64 bytes and every 4 KiB: catches overlap
 * between blocks without making 4 MiB blocks expensive */
static void fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += (i < 64 || i + 64 >= n) ? 1 : 4096)
		p[i] = pat(p, n, i);
}

static int verify(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i += (i < 64 || i + 64 >= n) ? 1 : 4096)
		if (p[i] != pat(p, n, i))
			return 0;
	return 1;
}

struct block {
	unsigned char *p;
	size_t n;
};

/* the hand-off ring: producers push, any thread pops and frees */
static pthread_mutex_t ring_mu = PTHREAD_MUTEX_INITIALIZER;
static struct block ring[RING];
static unsigned ring_len;
static long bad_blocks, failed_allocs;

static void handoff(struct block b)
{
	struct block out = { NULL, 0 };
	pthread_mutex_lock(&ring_mu);
	if (ring_len == RING)
		out = ring[--ring_len];
	ring[ring_len++] = b;
	pthread_mutex_unlock(&ring_mu);
	if (out.p) {
		if (!verify(out.p, out.n))
			__atomic_fetch_add(&bad_blocks, 1, __ATOMIC_RELAXED);
		free(out.p);
	}
}

static int take(struct block *b)
{
	int got = 0;
	pthread_mutex_lock(&ring_mu);
	if (ring_len) {
		*b = ring[--ring_len];
		got = 1;
	}
	pthread_mutex_unlock(&ring_mu);
	return got;
}

static void *worker(void *arg)
{
	uint64_t seed = (uint64_t)(uintptr_t)arg;
	struct block slots[SLOTS] = { { NULL, 0 } };
	long bad = 0, failed = 0;
	for (int op = 0; op < OPS; op++) {
		uint64_t r = rng_next(&seed);
		struct block *s = &slots[r % SLOTS];
		unsigned what = (unsigned)((r >> 40) % 16);
		if (s->p) {
			if (!verify(s->p, s->n))
				bad++;
			if (what < 3) {
				handoff(*s);                 /* another thread frees it */
			} else if (what < 5) {
				size_t n = pick_size(rng_next(&seed));
				unsigned char *q = realloc(s->p, n ? n : 1);
				if (!q) {
					failed++;
					free(s->p);
				} else {
					size_t keep = s->n < n ? s->n : n;
					/* the kept prefix must be what we wrote */
					for (size_t i = 0; i < keep && i < 64; i++)
						if (q[i] != pat(s->p, s->n, i))
							bad++;
					s->p = q;
					s->n = n ? n : 1;
					fill(q, s->n);
					continue;
				}
			} else {
				free(s->p);
			}
			s->p = NULL;
		} else if (what < 2) {
			struct block b;
			if (take(&b)) {
				if (!verify(b.p, b.n))
					bad++;
				free(b.p);
			}
		} else {
			size_t n = pick_size(r);
			unsigned char *p = (what == 15) ? calloc(1, n) : malloc(n);
			if (!p) {
				failed++;
				continue;
			}
			if (what == 15)
				for (size_t i = 0; i < n; i += (i < 64 ? 1 : 4096))
					if (p[i])
						bad++;
			if ((uintptr_t)p & 15)
				bad++;
			s->p = p;
			s->n = n;
			fill(p, n);
		}
	}
	for (int i = 0; i < SLOTS; i++)
		if (slots[i].p) {
			if (!verify(slots[i].p, slots[i].n))
				bad++;
			free(slots[i].p);
		}
	__atomic_fetch_add(&bad_blocks, bad, __ATOMIC_RELAXED);
	__atomic_fetch_add(&failed_allocs, failed, __ATOMIC_RELAXED);
	return NULL;
}

int main(void)
{
	int create_failed = 0;
	for (int round = 0; round < ROUNDS; round++) {
		pthread_t t[THREADS];
		for (int i = 0; i < THREADS; i++)
			if (pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)(round * 1000 + i + 1)) != 0)
				create_failed++;
		for (int i = 0; i < THREADS; i++)
			pthread_join(t[i], NULL);
	}
	struct block b;
	while (take(&b)) {
		if (!verify(b.p, b.n))
			bad_blocks++;
		free(b.p);
	}
	CHECK("threads started", create_failed == 0);
	CHECK("no allocation failed", failed_allocs == 0);
	CHECK("every block kept its pattern (no overlap, no corruption)", bad_blocks == 0);
	return check_summary();
}
