/* tlb_chase.c - the known-answer program of the TLB engine's end-to-end
 * test: --steps loads, each from a page drawn uniformly at random (xorshift
 * in registers) among --pages 4 KiB pages of one mapping, inside wl_now()
 * markers.  --huge 1 asks for transparent huge pages on that mapping
 * (2 MiB-aligned, MADV_HUGEPAGE) and reports how much it got. */
#include "common.h"

static unsigned long long huge_kib(void)
{
	/* AnonHugePages summed over /proc/self/smaps (this is the valgrind
	 * process under the engine: the same kernel mappings) */
	static char buf[1 << 20];
	if (wl_read_proc("/proc/self/smaps", buf, sizeof(buf)) < 0)
		return 0;
	unsigned long long sum = 0;
	for (const char *l = strstr(buf, "AnonHugePages:"); l; l = strstr(l + 1, "AnonHugePages:"))
		sum += strtoull(l + 14, NULL, 10);
	return sum;
}

TIMED_REGION static unsigned long long timed_region(volatile unsigned char *base, unsigned long long pages,
						    unsigned long long steps, uint32_t seed)
{
	unsigned long long sum = 0;
	uint32_t s = seed;
	for (unsigned long long i = 0; i < steps; i++)
		sum += base[(unsigned long long)(xorshift32(&s) % pages) * 4096 + 64];
	return sum;
}

int main(int argc, char **argv)
{
	unsigned long long pages = 1024, steps = 20000, huge = 0, seed = 12345;
	struct wl_option opts[] = {
		{ "pages", "4 KiB pages in the chased region", &pages, 1, 1ULL << 22 },
		{ "steps", "random loads in the timed region", &steps, 1, 1ULL << 32 },
		{ "huge", "1: ask for transparent huge pages", &huge, 0, 1 },
		{ "seed", "xorshift32 seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
	};
	wl_parse(argc, argv, "TLB known-answer chase: uniform random loads over N pages.", opts, 4);
	size_t bytes = (size_t)pages * 4096, span = bytes + (2u << 20);
	unsigned char *raw = wl_private_alloc(span);
	unsigned char *base = (unsigned char *)(((uintptr_t)raw + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1));
	madvise(base, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	for (size_t off = 0; off < bytes; off += 4096)
		base[off] = 1;               /* fault everything in before the timed part */
	unsigned long long got = huge_kib();
	double t0 = wl_now();
	unsigned long long sum = timed_region(base, pages, steps, (uint32_t)seed);
	double secs = wl_now() - t0;
	wl_result("tlb_chase", (double)steps, secs, "random load", "\"pages\":%llu,\"huge_requested\":%llu,"
		  "\"anon_huge_kib\":%llu,\"sum\":%llu", pages, huge, got, sum);
	wl_private_free(raw, span);
	return 0;
}
