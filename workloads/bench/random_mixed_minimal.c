/* random_mixed_minimal.c - the reference for random_mixed's timed loop: the
 * smallest hand-written program with the semantics of
 * ../../shared/workloads.md (Random Mixed, defaults only: ws = 8192,
 * sizes 16 + (r & 0x3FF), seed 1234567, warm-up cycles/10 with seed +
 * 0xDEADBEEF, timed = cycles + drain).  Nothing else: no options besides
 * the cycle count, no counters, no clamps, ws a compile-time constant.
 *
 * Not a test and not a workload of the harness: a bench program for by-hand
 * comparisons (README, "Lean timed loops"):
 *     LD_PRELOAD=LIB build/workloads/bench/random_mixed_minimal [CYCLES]
 * prints {"seconds":S,"ops_per_sec":X}.  The timed part is the function
 * timed_region, so callgrind --toggle-collect='timed_region*' counts the
 * same region as in the workload. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define WS 8192

static uint32_t next(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static inline __attribute__((always_inline)) void cycles(void **slots, unsigned long long n, uint32_t s)
{
	for (unsigned long long i = 0; i < n; i++) {
		uint32_t r = next(&s);
		uint32_t idx = r % WS;
		if (slots[idx]) {
			free(slots[idx]);
			slots[idx] = NULL;
		} else {
			unsigned char *p = malloc(16 + (r & 0x3FF));
			p[0] = (unsigned char)r;
			slots[idx] = p;
		}
	}
}

__attribute__((noinline)) static void warm_up(void **slots, unsigned long long n)
{
	cycles(slots, n, (uint32_t)(1234567ULL + 0xDEADBEEFULL));
}

__attribute__((noinline)) static void timed_region(void **slots, unsigned long long n)
{
	cycles(slots, n, 1234567u);
	for (int i = 0; i < WS; i++)
		free(slots[i]);
}

int main(int argc, char **argv)
{
	unsigned long long n = argc > 1 ? strtoull(argv[1], NULL, 0) : 10000000ULL;
	if (n == 0) {
		fprintf(stderr, "usage: %s [CYCLES > 0]\n", argv[0]);
		return 2;
	}
	void **slots = mmap(NULL, WS * sizeof(void *), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (slots == MAP_FAILED)
		return 1;
	warm_up(slots, n / 10);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	timed_region(slots, n);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
	printf("{\"seconds\":%.9f,\"ops_per_sec\":%.6g}\n", secs, (double)n / secs);
	return 0;
}
