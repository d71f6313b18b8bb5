/* latency.c - the distribution of single malloc and free latencies, for the
 * worst-case pauses allocator authors care about (a refill, a trim, a
 * page fault inside malloc), not only the mean throughput.
 *
 * A random_mixed-like churn over a working set of slots, with sizes drawn
 * log-uniformly from min-size..max-size.  One operation in `sample-every`
 * (chosen by the PRNG, so the sampled ones cannot alias with a pattern of
 * the allocator) is timed on its own with the TSC (calibrated against
 * CLOCK_MONOTONIC over the whole run).  Reported in ns: p50, p99, p99.9
 * and max for malloc and for free.  A freed block was last written when
 * it was allocated, so free usually finds it cold; --warm-free 1 reads it
 * (untimed) first, as a destructor would, to time free on a warm block.
 *
 * The same timing around no call, interleaved by a PRNG of its own at
 * half the rate (one in 2 x sample-every loop steps: as many as the timed
 * mallocs, and as the timed frees, since about half the steps are each),
 * gives the `clock_` figures: its median is the timer's own cost, and its
 * tail and max are what the machine adds to any timing here (interrupts,
 * preemption, a vCPU descheduled).  Nothing is subtracted: the figures
 * are raw.  Equal counts make the maxima comparable, but not equal
 * draws: a pause of the machine lands in a timing in proportion to its
 * length, so a slower call catches more of them.  A malloc max near the
 * clock max is the machine's; one far above it is the allocator's.
 *
 * `clock_step_ns` is the timer's step (lat_step: the largest divisor of
 * the most common empty timing that divides 99.9% of all timings): 1
 * tick on most Intel TSCs, about 10 ns on AMD Zen's, whose TSC advances
 * 21 ticks at a time at 2.1 GHz.  The percentiles are multiples of it, so
 * a figure one step above another may be anywhere from level with it to
 * two steps above. */
#include "common.h"
#include "latency_stats.h"

#define LAT_VDSO_NAME "clock_gettime(CLOCK_MONOTONIC)"
static inline uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
/* rdtsc is not ordered with the instructions around it: unfenced, the
 * second read can execute before the call's loads come back, so a cache
 * miss of the call (on the block, on its metadata) went uncounted, and a
 * free whose only miss fed a predicted branch timed like a hit (README,
 * "Timing one call").  So the fences of Intel's "How to Benchmark Code
 * Execution Times", with lfence for cpuid: lfence before the first read
 * waits for the work before it, the one after keeps the call from
 * starting early; rdtscp waits for the call's instructions and loads, and
 * the lfence after it keeps what follows from starting before the read.
 * Stores still in the store buffer are not waited for, as the program
 * does not wait for them either.
 *
 * --vdso-clock 1 times with clock_gettime instead, whose vDSO reads the
 * TSC ordered by code of the kernel's, not ours: the cross-check. */
#define LAT_CLOCK_NAME "lfence;rdtsc;lfence .. rdtscp;lfence"
static inline uint64_t lat_start(int vdso)
{
	if (vdso)
		return monotonic_ns();
	_mm_lfence();
	uint64_t t = __rdtsc();
	_mm_lfence();
	return t;
}

static inline uint64_t lat_stop(int vdso)
{
	if (vdso)
		return monotonic_ns();
	unsigned aux;
	uint64_t t = __rdtscp(&aux);
	_mm_lfence();
	return t;
}
#else
#define LAT_CLOCK_NAME LAT_VDSO_NAME
static inline uint64_t lat_start(int vdso) { (void)vdso; return monotonic_ns(); }
#define lat_stop lat_start
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

/* The workload's parameters (main's options). */
struct lat_cfg {
	unsigned long long ops, ws, seed, every, min_size, max_size;
	int vdso;        /* time with clock_gettime (--vdso-clock) */
	int warm;        /* read each block before freeing it (--warm-free) */
};

TIMED_REGION static void timed_region(void **slots, const struct lat_cfg *c,
				      struct sample_buf *ms, struct sample_buf *fs, struct sample_buf *cs)
{
	uint32_t s = (uint32_t)c->seed, pick = s ^ 0x9E3779B9u, pick_clock = s ^ 0x85EBCA6Bu;
	const struct wl_mod ws_mod = wl_mod_init((uint32_t)c->ws), every_mod = wl_mod_init((uint32_t)c->every),
		clock_mod = wl_mod_init((uint32_t)(2 * c->every));
	const int vdso = c->vdso;
	for (unsigned long long i = 0; i < c->ops; i++) {
		uint32_t r = xorshift32(&s);
		uint32_t idx = wl_mod(r, ws_mod);             /* r % ws, r % every without a div */
		int timed = wl_mod(xorshift32(&pick), every_mod) == 0;
		if (wl_mod(xorshift32(&pick_clock), clock_mod) == 0) {
			uint64_t t0 = lat_start(vdso);
			sample_add(cs, lat_stop(vdso) - t0);
		}
		if (slots[idx]) {
			if (c->warm)   /* as a destructor would: the block is in cache when freed */
				(void)*(volatile unsigned char *)slots[idx];
			if (timed) {
				uint64_t t0 = lat_start(vdso);
				free(slots[idx]);
				sample_add(fs, lat_stop(vdso) - t0);
			} else {
				free(slots[idx]);
			}
			slots[idx] = NULL;
		} else {
			size_t sz = pick_size(xorshift32(&s), c->min_size, c->max_size);
			unsigned char *p;
			if (timed) {
				uint64_t t0 = lat_start(vdso);
				p = malloc(sz);
				sample_add(ms, lat_stop(vdso) - t0);
			} else {
				p = malloc(sz);
			}
			wl_check_alloc(p, "latency", "malloc", sz);
			p[0] = (unsigned char)r;
			slots[idx] = p;
		}
	}
}

/* Write "PREFIX_p50_ns":..,... for one sample (sorted) to out, and describe
 * those figures in figs (wl_figure_step: each moves in steps of step_ns,
 * the timer's); what: what was timed. */
static void describe(char *out, size_t cap, char *figs, size_t figs_cap, const char *prefix,
		     const char *what, struct sample_buf *b, double ns_per_tick, double step_ns)
{
	if (b->n == 0) {
		snprintf(out, cap, "\"%s_samples\":0", prefix);
		return;
	}
	static const struct { const char *suffix, *what; } q[] = {
		{ "p50_ns", "median" }, { "p99_ns", "99th percentile" },
		{ "p999_ns", "99.9th percentile" }, { "max_ns", "longest" },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		char name[40], desc[200];
		snprintf(name, sizeof(name), "%s_%s", prefix, q[i].suffix);
		snprintf(desc, sizeof(desc), "%s of %s, ns (timer's own cost included; in steps of clock_step_ns)",
			 q[i].what, what);
		wl_figure_step(figs, figs_cap, name, "ns", "lower", desc, step_ns);
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
	unsigned long long ops = 16000000, ws = 8192, seed = 42, every = 16, min_size = 16, max_size = 8192, vdso = 0,
			   warm = 0;
	struct wl_option opts[] = {
		{ "ops", "malloc or free operations", &ops, 1, 1ULL << 36 },
		{ "ws", "working-set slots", &ws, 1, 1ULL << 26 },
		{ "seed", "xorshift32 seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
		{ "sample-every", "time one op in N on average", &every, 1, 1ULL << 20 },
		{ "min-size", "smallest block, bytes", &min_size, 1, 1ULL << 30 },
		{ "max-size", "largest block, bytes", &max_size, 1, 1ULL << 30 },
		{ "vdso-clock", "1: time with clock_gettime(CLOCK_MONOTONIC), not the fenced TSC (a cross-check)", &vdso, 0, 1 },
		{ "warm-free", "1: read each block just before freeing it (untimed), so the free finds it in cache", &warm, 0, 1 },
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

	struct sample_buf cs = { wl_private_alloc(cap * 8), 0, cap };
	const struct lat_cfg cfg = { ops, ws, seed, every, min_size, max_size, (int)vdso, (int)warm };

	double w0 = wl_now();
	uint64_t c0 = lat_start(vdso);
	timed_region(slots, &cfg, &ms, &fs, &cs);
	uint64_t c1 = lat_start(vdso);
	double secs = wl_now() - w0;
	double ns_per_tick = c1 > c0 ? secs * 1e9 / (double)(c1 - c0) : 1.0;

	for (unsigned long long i = 0; i < ws; i++)
		free(slots[i]);

	lat_sort(ms.v, ms.n);
	lat_sort(fs.v, fs.n);
	lat_sort(cs.v, cs.n);
	const uint64_t *all[3] = { ms.v, fs.v, cs.v };
	const size_t all_n[3] = { ms.n, fs.n, cs.n };
	uint64_t step = lat_step(all, all_n, 3, lat_mode(cs.v, cs.n));   /* latency_stats.h */
	double step_ns = (double)step * ns_per_tick;
	char step_member[64] = "";       /* none without empty timings: the harness then says "not supported" */
	if (step)
		snprintf(step_member, sizeof(step_member), "\"clock_step_ns\":%.4f,", step_ns);
	char m[512], f[512], clk[512], figs[3584] = "";
	describe(m, sizeof(m), figs, sizeof(figs), "malloc", "the sampled malloc calls", &ms, ns_per_tick, step_ns);
	describe(f, sizeof(f), figs, sizeof(figs), "free", "the sampled free calls", &fs, ns_per_tick, step_ns);
	describe(clk, sizeof(clk), figs, sizeof(figs), "clock",
		 "empty timings between the calls (the timer and the machine's pauses)", &cs, ns_per_tick, step_ns);
	wl_figure(figs, sizeof(figs), "clock_step_ns", "ns", "neither",
		  "the timer's step: the largest divisor of the commonest empty timing that divides 99.9% of all timings");
	wl_private_free(slots, slots_bytes);
	wl_private_free(ms.v, cap * 8);
	wl_private_free(fs.v, cap * 8);
	wl_private_free(cs.v, cap * 8);
	wl_drained();
	wl_result("latency", (double)ops, secs, "malloc or free (timed region includes the sampling)",
		  "\"ws\":%llu,\"seed\":%llu,\"sample_every\":%llu,\"min_size\":%llu,\"max_size\":%llu,"
		  "\"warm_free\":%llu,\"clock\":\"%s\",%s%s,%s,%s,\"figures\":{%s}",
		  ws, seed, every, min_size, max_size, warm, vdso ? LAT_VDSO_NAME : LAT_CLOCK_NAME,
		  step_member, m, f, clk, figs);
	return 0;
}
