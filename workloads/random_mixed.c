/* random_mixed.c - the seed report's Random Mixed benchmark, with the exact
 * semantics of ../shared/workloads.md: a working set of `ws` slots; each
 * cycle picks a slot at random and frees it if full, else fills it with a
 * block of 16..1040 bytes.  ops/s = cycles / seconds of the timed part
 * (main cycles + drain). */
#include "common.h"

struct counts {
	unsigned long long allocs, frees;
};

static void run_cycles(void **slots, unsigned long long ws, unsigned long long cycles, uint32_t seed,
		       unsigned long long min_size, unsigned long long max_size, struct counts *c)
{
	uint32_t s = seed;
	for (unsigned long long i = 0; i < cycles; i++) {
		uint32_t r = xorshift32(&s);
		uint32_t idx = r % (uint32_t)ws;
		if (slots[idx]) {
			free(slots[idx]);
			slots[idx] = NULL;
			c->frees++;
		} else {
			size_t sz = 16 + (r & 0x3FF);
			if (sz < min_size)
				sz = min_size;
			if (sz > max_size)
				sz = max_size;
			unsigned char *p = malloc(sz);
			if (!p) {
				fprintf(stderr, "random_mixed: malloc(%zu) failed\n", sz);
				exit(1);
			}
			p[0] = (unsigned char)r;
			slots[idx] = p;
			c->allocs++;
		}
	}
}

TIMED_REGION static void timed_region(void **slots, unsigned long long ws, unsigned long long cycles,
				      uint32_t seed, unsigned long long min_size,
				      unsigned long long max_size, struct counts *c)
{
	run_cycles(slots, ws, cycles, seed, min_size, max_size, c);
	for (unsigned long long i = 0; i < ws; i++) {     /* the drain */
		if (slots[i]) {
			free(slots[i]);
			slots[i] = NULL;
			c->frees++;
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long long cycles = 10000000, ws = 8192, seed = 1234567, min_size = 16, max_size = 1040;
	struct wl_option opts[] = {
		{ "cycles", "timed cycles", &cycles, 1, 1ULL << 40 },
		{ "ws", "working-set slots", &ws, 1, 1ULL << 28 },
		{ "seed", "xorshift32 seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
		{ "min-size", "smallest block, bytes", &min_size, 1, 1ULL << 30 },
		{ "max-size", "largest block, bytes", &max_size, 1, 1ULL << 30 },
	};
	wl_parse(argc, argv, "Random Mixed: random malloc/free of 16-1040 byte blocks over a working set.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));
	if (min_size > max_size) {
		fprintf(stderr, "random_mixed: --min-size (%llu) is larger than --max-size (%llu)\n", min_size, max_size);
		return 2;
	}

	size_t slots_bytes = ws * sizeof(void *);
	void **slots = wl_private_alloc(slots_bytes);      /* zero-filled by mmap */

	struct counts warm = { 0, 0 }, timed = { 0, 0 };
	run_cycles(slots, ws, cycles / 10, (uint32_t)(seed + 0xDEADBEEFULL), min_size, max_size, &warm);

	double t0 = wl_now();
	timed_region(slots, ws, cycles, (uint32_t)seed, min_size, max_size, &timed);
	double secs = wl_now() - t0;

	wl_private_free(slots, slots_bytes);
	wl_result("random_mixed", (double)cycles, secs, "cycle (one malloc or free)",
		  "\"cycles\":%llu,\"ws\":%llu,\"seed\":%llu,\"min_size\":%llu,\"max_size\":%llu,"
		  "\"allocs\":%llu,\"frees\":%llu,\"warmup_cycles\":%llu",
		  cycles, ws, seed, min_size, max_size, timed.allocs, timed.frees, cycles / 10);
	return 0;
}
