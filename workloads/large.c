/* large.c - large allocations: 64 KiB .. 32 MiB, touched and freed.
 *
 * These sizes cross every allocator's mmap threshold: whether a freed
 * buffer goes back to the OS (munmap / MADV_DONTNEED) and must be faulted
 * and zeroed again on the next use, or is kept and reused, changes the cost
 * by up to 10x between the peers.  `live` slots hold buffers; each
 * iteration replaces a random slot: free the old buffer, malloc a new one
 * of a log-uniform random size, write one byte per 4 KiB page (every page
 * is touched, as a real user of a buffer would).  Reported besides ops/s:
 * page faults per op (getrusage minflt over the timed part: the refault
 * cost) and GiB/s of pages touched. */
#include <math.h>
#include <sys/resource.h>

#include "common.h"

static size_t pick_size(uint32_t r, unsigned long long lo, unsigned long long hi)
{
	double f = (double)(r >> 8) / (double)(1u << 24);
	double s = exp(log((double)lo) + f * (log((double)hi) - log((double)lo)));
	size_t sz = (size_t)s;
	return sz < lo ? lo : sz > hi ? hi : sz;
}

struct slot {
	unsigned char *p;
	size_t size;
};

TIMED_REGION static unsigned long long timed_region(struct slot *slots, unsigned long long live,
						    unsigned long long iters, unsigned long long min_size,
						    unsigned long long max_size, uint32_t seed)
{
	uint32_t s = seed;
	unsigned long long touched = 0;
	for (unsigned long long i = 0; i < iters; i++) {
		struct slot *sl = &slots[xorshift32(&s) % live];
		free(sl->p);
		size_t sz = pick_size(xorshift32(&s), min_size, max_size);
		unsigned char *p = wl_check_alloc(malloc(sz), "large", "malloc", sz);
		for (size_t off = 0; off < sz; off += 4096)
			p[off] = (unsigned char)i;
		p[sz - 1] = (unsigned char)i;
		touched += sz;
		sl->p = p;
		sl->size = sz;
	}
	return touched;
}

static long minflt_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

int main(int argc, char **argv)
{
	unsigned long long iters = 4000, live = 4, min_size = 64 << 10, max_size = 32 << 20, seed = 11;
	struct wl_option opts[] = {
		{ "iters", "buffers allocated, touched and freed", &iters, 1, 1ULL << 36 },
		{ "live", "buffers alive at a time (random one replaced)", &live, 1, 1 << 20 },
		{ "min-size", "smallest buffer, bytes", &min_size, 1, 1ULL << 40 },
		{ "max-size", "largest buffer, bytes (log-uniform between)", &max_size, 1, 1ULL << 40 },
		{ "seed", "PRNG seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
	};
	wl_parse(argc, argv, "large: 64 KiB..32 MiB buffers, every page touched, freed in loops.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));
	if (min_size > max_size) {
		fprintf(stderr, "large: --min-size (%llu) is larger than --max-size (%llu)\n", min_size, max_size);
		return 2;
	}

	size_t sbytes = live * sizeof(struct slot);
	struct slot *slots = wl_private_alloc(sbytes);

	long f0 = minflt_now();
	double t0 = wl_now();
	unsigned long long touched = timed_region(slots, live, iters, min_size, max_size, (uint32_t)seed);
	double secs = wl_now() - t0;
	long faults = minflt_now() - f0;

	long long peak = wl_peak_rss_kib();
	for (unsigned long long i = 0; i < live; i++)
		free(slots[i].p);
	wl_private_free(slots, sbytes);
	wl_drained();
	wl_result("large", (double)iters, secs, "buffer malloc + touch every page + free",
		  "\"live\":%llu,\"min_size\":%llu,\"max_size\":%llu,\"seed\":%llu,\"bytes_touched\":%llu,"
		  "\"touched_gib_per_sec\":%.3f,\"minor_faults\":%ld,\"faults_per_op\":%.2f,"
		  "\"faults_per_mib_touched\":%.2f,\"peak_rss_kib\":%lld",
		  live, min_size, max_size, seed, touched,
		  secs > 0 ? (double)touched / 1073741824.0 / secs : 0.0, faults, (double)faults / (double)iters,
		  touched ? (double)faults / ((double)touched / 1048576.0) : 0.0, peak);
	return 0;
}
