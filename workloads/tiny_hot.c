/* tiny_hot.c - the seed report's Tiny Hot benchmark: malloc(16), write one
 * byte, free, in a tight loop.  The empty asm with a memory clobber keeps
 * the compiler from removing the pair.  ops counts malloc and free as one op
 * each (2 per iteration); iterations/s is reported too. */
#include "common.h"

/* Inlined into both callers: the warm-up must not be named timed_region*,
 * or instruction counting (callgrind --toggle-collect) would include it. */
static inline __attribute__((always_inline)) void hot_loop(unsigned long long iterations)
{
	for (unsigned long long i = 0; i < iterations; i++) {
		unsigned char *p = malloc(16);
		if (__builtin_expect(!p, 0)) {
			fprintf(stderr, "tiny_hot: malloc(16) failed\n");
			exit(1);
		}
		p[0] = (unsigned char)i;
		__asm__ volatile("" : : "r"(p) : "memory");
		free(p);
	}
}

TIMED_REGION static void timed_region(unsigned long long iterations)
{
	hot_loop(iterations);
}

__attribute__((noinline)) static void warm_up(unsigned long long iterations)
{
	hot_loop(iterations);
}

int main(int argc, char **argv)
{
	unsigned long long iterations = 10000000;
	struct wl_option opts[] = {
		{ "iterations", "malloc(16)+free pairs", &iterations, 1, 1ULL << 40 },
	};
	wl_parse(argc, argv, "Tiny Hot: malloc(16)/free pairs in a tight loop.", opts, 1);

	warm_up(iterations / 100 + 1);               /* warm the caches, not timed */
	double t0 = wl_now();
	timed_region(iterations);
	double secs = wl_now() - t0;

	wl_result("tiny_hot", 2.0 * (double)iterations, secs, "malloc or free (2 per iteration)",
		  "\"iterations\":%llu,\"iterations_per_sec\":%.6g,\"ops_per_iteration\":2",
		  iterations, secs > 0 ? (double)iterations / secs : 0.0);
	return 0;
}
