/* refill_test.c - the thread-cache refill and overflow batches keep the
 * slab bookkeeping exact (issue 13 item 3 changed them: bigger bins for
 * classes up to 8 KiB, and a refill that takes a slab's whole free list
 * without walking it, counting it from the slab's figures instead).
 *
 * Two threads churn random sizes (mostly 1-8 KiB, where slabs hold 8-64
 * blocks and whole-list refills happen, some tiny ones that walk) over
 * their own slots, filling each block with a pattern checked on free.
 * Against the level-2 debug library every refill and flush walks the
 * class's slabs ("free + uncarved + out = capacity") and every bin ("its
 * length = limit - room"), so a miscounted batch aborts.  In every build,
 * after everything is freed and the caches flushed (thread exit,
 * malloc_trim), mallinfo2 must count as many bytes handed out of slabs
 * as after the first such round (glibc keeps a few): the
 * bytes added per refill and subtracted per flush only balance when each
 * batch counted its blocks right. */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "splitmix.h"

#define SLOTS 2048
#define OPS 400000

struct worker {
	uint64_t seed;
	long bad_pattern, failed_alloc;
};

static size_t pick_size(uint64_t r)
{
	if (r % 8 == 0)
		return 1 + (size_t)(r >> 8) % 256;            /* tiny: long free lists, walked */
	return 1024 + (size_t)(r >> 8) % (8192 - 1024 + 1);   /* 1-8 KiB: whole-list refills */
}

static void *churn(void *arg)
{
	struct worker *w = arg;
	static __thread unsigned char *slot[SLOTS];
	static __thread size_t len[SLOTS];
	for (long i = 0; i < OPS; i++) {
		uint64_t r = rng_next(&w->seed);
		unsigned k = (unsigned)(r % SLOTS);
		if (slot[k]) {
			unsigned char want = (unsigned char)(k ^ len[k]);
			if (slot[k][0] != want || slot[k][len[k] - 1] != want || slot[k][len[k] / 2] != want)
				w->bad_pattern++;
			free(slot[k]);
			slot[k] = NULL;
		} else {
			len[k] = pick_size(r >> 16);
			slot[k] = malloc(len[k]);
			if (!slot[k]) {
				w->failed_alloc++;
				continue;
			}
			memset(slot[k], (unsigned char)(k ^ len[k]), len[k]);
		}
	}
	for (unsigned k = 0; k < SLOTS; k++) {
		free(slot[k]);
		slot[k] = NULL;
	}
	return NULL;
}

/* Both threads churn and free everything; the caches are flushed. */
static void round_of_two(struct worker w[2])
{
	pthread_t t;
	CHECK("second thread starts", pthread_create(&t, NULL, churn, &w[1]) == 0);
	churn(&w[0]);
	pthread_join(t, NULL);
	for (int i = 0; i < 2; i++) {
		CHECK("every block kept its contents", w[i].bad_pattern == 0);
		CHECK("every malloc succeeded", w[i].failed_alloc == 0);
	}
	malloc_trim(0);     /* flushes this thread's cache; the other's went at its exit */
}

int main(void)
{
	struct worker w[2] = { { .seed = 1 }, { .seed = 2 } };
	/* glibc's thread start-up keeps a few bytes allocated (with the cached
	 * stack): the first round sets the baseline, the second must end on it */
	round_of_two(w);
	size_t base = mallinfo2().uordblks;
	round_of_two(w);
	struct mallinfo2 m = mallinfo2();
	CHECK("no byte counted as handed out of slabs after freeing everything", m.uordblks == base);
	if (m.uordblks != base)
		fprintf(stderr, "uordblks %zu, %zu after the first round\n", m.uordblks, base);
	return check_summary();
}
