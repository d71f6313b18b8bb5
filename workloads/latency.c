/* latency.c - the distribution of single malloc and free latencies, for the
 * worst-case pauses allocator authors care about (a refill, a trim, a
 * page fault inside malloc), not only the mean throughput.
 *
 * A random_mixed-like churn over a working set of slots, with sizes drawn
 * log-uniformly from min-size..max-size.  One operation in `sample-every`
 * (chosen by the PRNG, so the sampled ones cannot alias with a pattern of
 * the allocator) is timed on its own with the TSC (rdtsc, ~10 ns; the TSC
 * is calibrated against CLOCK_MONOTONIC over the whole run).  Reported in
 * ns: p50, p99, p99.9 and max for malloc and for free, plus the timer's own
 * overhead (the median of empty timings), which is NOT subtracted: the
 * figures are raw and the overhead says how much of a small one is clock. */
#include "common.h"
#include "latency_stats.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t lat_clock(void) { return __rdtsc(); }
#define LAT_CLOCK_NAME "rdtsc"
#else
static inline uint64_t lat_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
#define LAT_CLOCK_NAME "clock_gettime(CLOCK_MONOTONIC)"
#endif

struct sample_buf {
	uint64_t *v;
	size_t n, cap;
};

static inline void sample_add(struct sample_buf *b, uint64_t t)
{
	if (b->n < b->cap)
		b->v[b->n++] = t;
}

/* Log-uniform size in [lo, hi]: small blocks dominate as in real programs,
 * but every power of two is visited. */
static size_t pick_size(uint32_t r, unsigned long long lo, unsigned long long hi)
{
	double f = (double)(r >> 8) / (double)(1u << 24);
	double s = exp(log((double)lo) + f * (log((double)hi) - log((double)lo)));
	size_t sz = (size_t)s;
	return sz < lo ? lo : sz > hi ? hi : sz;
}

TIMED_REGION static void timed_region(void **slots, unsigned long long ws, unsigned long long ops,
				      uint32_t seed, unsigned long long every,
				      unsigned long long min_size, unsigned long long max_size,
				      struct sample_buf *ms, struct sample_buf *fs)
{
	uint32_t s = seed, pick = seed ^ 0x9E3779B9u;
	const struct wl_mod ws_mod = wl_mod_init((uint32_t)ws), every_mod = wl_mod_init((uint32_t)every);
	for (unsigned long long i = 0; i < ops; i++) {
		uint32_t r = xorshift32(&s);
		uint32_t idx = wl_mod(r, ws_mod);             /* r % ws, r % every without a div */
		int timed = wl_mod(xorshift32(&pick), every_mod) == 0;
		if (slots[idx]) {
			if (timed) {
				uint64_t t0 = lat_clock();
				free(slots[idx]);
				sample_add(fs, lat_clock() - t0);
			} else {
				free(slots[idx]);
			}
			slots[idx] = NULL;
		} else {
			size_t sz = pick_size(xorshift32(&s), min_size, max_size);
			unsigned char *p;
			if (timed) {
				uint64_t t0 = lat_clock();
				p = malloc(sz);
				sample_add(ms, lat_clock() - t0);
			} else {
				p = malloc(sz);
			}
			wl_check_alloc(p, "latency", "malloc", sz);
			p[0] = (unsigned char)r;
			slots[idx] = p;
		}
	}
}

/* Write "PREFIX_p50_ns":..,... for one sample to out, and describe
 * those figures in figs (wl_figure). */
static void describe(char *out, size_t cap, char *figs, size_t figs_cap, const char *prefix,
		     struct sample_buf *b, double ns_per_tick)
{
	lat_sort(b->v, b->n);
	if (b->n == 0) {
		snprintf(out, cap, "\"%s_samples\":0", prefix);
		return;
	}
	static const struct { const char *suffix, *what; } q[] = {
		{ "p50_ns", "median" }, { "p99_ns", "99th percentile" },
		{ "p999_ns", "99.9th percentile" }, { "max_ns", "longest" },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char name[40], desc[120];
		snprintf(name, sizeof(name), "%s_%s", prefix, q[i].suffix);
		snprintf(desc, sizeof(desc), "%s of the sampled %s calls, ns (rdtsc; timer overhead included)",
			 q[i].what, prefix);
		wl_figure(figs, figs_cap, name, "ns", "lower", desc);
	}
	snprintf(out, cap,
		 "\"%s_samples\":%zu,\"%s_p50_ns\":%.1f,\"%s_p99_ns\":%.1f,\"%s_p999_ns\":%.1f,\"%s_max_ns\":%.1f",
		 prefix, b->n,
		 prefix, (double)lat_percentile(b->v, b->n, 50) * ns_per_tick,
		 prefix, (double)lat_percentile(b->v, b->n, 99) * ns_per_tick,
		 prefix, (double)lat_percentile(b->v, b->n, 99.9) * ns_per_tick,
		 prefix, (double)lat_percentile(b->v, b->n, 100) * ns_per_tick);
}

int main(int argc, char **argv)
{
	unsigned long long ops = 16000000, ws = 8192, seed = 42, every = 16, min_size = 16, max_size = 8192;
	struct wl_option opts[] = {
		{ "ops", "malloc or free operations", &ops, 1, 1ULL << 36 },
		{ "ws", "working-set slots", &ws, 1, 1ULL << 26 },
		{ "seed", "xorshift32 seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
		{ "sample-every", "time one op in N on average", &every, 1, 1ULL << 20 },
		{ "min-size", "smallest block, bytes", &min_size, 1, 1ULL << 30 },
		{ "max-size", "largest block, bytes", &max_size, 1, 1ULL << 30 },
	};
	wl_parse(argc, argv, "Latency: per-operation malloc and free latency percentiles over a random churn.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));
	if (min_size > max_size) {
		fprintf(stderr, "latency: --min-size (%llu) is larger than --max-size (%llu)\n", min_size, max_size);
		return 2;
	}

	size_t cap = ops / every + 1024;   /* the PRNG pick can exceed ops/every a little */
	struct sample_buf ms = { wl_private_alloc(cap * 8), 0, cap }, fs = { wl_private_alloc(cap * 8), 0, cap };
	size_t slots_bytes = ws * sizeof(void *);
	void **slots = wl_private_alloc(slots_bytes);

	/* Timer overhead: the median of empty timings. */
	enum { N_EMPTY = 10001 };
	struct sample_buf empty = { wl_private_alloc(N_EMPTY * 8), 0, N_EMPTY };
	for (int i = 0; i < N_EMPTY; i++) {
		uint64_t t0 = lat_clock();
		sample_add(&empty, lat_clock() - t0);
	}
	lat_sort(empty.v, empty.n);

	double w0 = wl_now();
	uint64_t c0 = lat_clock();
	timed_region(slots, ws, ops, (uint32_t)seed, every, min_size, max_size, &ms, &fs);
	uint64_t c1 = lat_clock();
	double secs = wl_now() - w0;
	double ns_per_tick = c1 > c0 ? secs * 1e9 / (double)(c1 - c0) : 1.0;

	for (unsigned long long i = 0; i < ws; i++)
		free(slots[i]);

	char m[512], f[512], figs[2048] = "";
	describe(m, sizeof(m), figs, sizeof(figs), "malloc", &ms, ns_per_tick);
	describe(f, sizeof(f), figs, sizeof(figs), "free", &fs, ns_per_tick);
	double overhead = (double)lat_percentile(empty.v, empty.n, 50) * ns_per_tick;
	wl_private_free(slots, slots_bytes);
	wl_private_free(ms.v, cap * 8);
	wl_private_free(fs.v, cap * 8);
	wl_private_free(empty.v, N_EMPTY * 8);
	wl_drained();
	wl_result("latency", (double)ops, secs, "malloc or free (timed region includes the sampling)",
		  "\"ws\":%llu,\"seed\":%llu,\"sample_every\":%llu,\"min_size\":%llu,\"max_size\":%llu,"
		  "\"clock\":\"" LAT_CLOCK_NAME "\",\"timer_overhead_ns\":%.1f,%s,%s,\"figures\":{%s}",
		  ws, seed, every, min_size, max_size, overhead, m, f, figs);
	return 0;
}
