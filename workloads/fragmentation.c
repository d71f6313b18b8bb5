/* fragmentation.c - a long-running program's heap: phases of many small
 * allocations, most freed in a random pattern, then a different size mix.
 *
 * Each phase allocates blocks of its size range until `live-mib` MiB are
 * allocated in that phase, then frees a random `free-pct` percent of ALL
 * live blocks (old phases' survivors included), leaving holes that the
 * next phase's different sizes may or may not fit in.  After each phase we
 * compare what the program holds (live bytes: the sum of requested sizes)
 * with what it costs (RSS minus the RSS before the first phase):
 *     fragmentation ratio = (RSS - baseline) / live bytes
 * 1.0 is perfect; 2.0 means half of the resident memory is holes, headers
 * or caches.  At the end every block is freed and the RSS left over is
 * reported (memory not given back).  ops = mallocs + frees.  The
 * workload's own block tables come from mmap and their resident pages are
 * subtracted from every RSS figure. */
#include "common.h"

#define MAX_PHASES 8

/* The size mixes, cycled through: small objects, then medium, then tiny,
 * then a wide spread - a program changing what it does. */
static const struct { size_t lo, hi; } mixes[] = {
	{ 16, 128 }, { 256, 2048 }, { 8, 48 }, { 64, 16384 },
};

struct heap {
	void **ptr;
	uint32_t *size;
	size_t n, cap, high;     /* high: most entries ever used (the tables' resident part) */
	unsigned long long live_bytes, ops;
};

struct phase_result {
	unsigned long long live_bytes;
	long long rss_kib;
	double ratio;
};

/* Both phase loops keep the heap's fields in locals and store them back
 * once: through the pointer they would be reloaded and stored around every
 * malloc/free, work the workload's semantics do not need. */
static void phase_alloc(struct heap *h, size_t lo, size_t hi, unsigned long long bytes, uint32_t *s)
{
	void **ptr = h->ptr;
	uint32_t *size = h->size;
	size_t n = h->n;
	const size_t cap = h->cap;
	const struct wl_mod span = wl_mod_init((uint32_t)(hi - lo + 1));
	uint32_t st = *s;
	unsigned long long got = 0, start = n;
	while (got < bytes && n < cap) {
		size_t sz = lo + wl_mod(xorshift32(&st), span);
		unsigned char *p = wl_check_alloc(malloc(sz), "fragmentation", "malloc", sz);
		memset(p, 0xA5, sz < 64 ? sz : 64);   /* touch it as a program initialising an object */
		ptr[n] = p;
		size[n] = (uint32_t)sz;
		n++;
		got += sz;
	}
	*s = st;
	h->n = n;
	if (n > h->high)              /* n only grows here */
		h->high = n;
	h->live_bytes += got;
	h->ops += n - start;
}

/* Free a random pct% of the live blocks: swap-remove, so the survivors stay
 * dense in the table but scattered in memory.  (r % n keeps its div: n
 * changes on every free.) */
static void phase_free(struct heap *h, unsigned long long pct, uint32_t *s)
{
	void **ptr = h->ptr;
	uint32_t *size = h->size;
	size_t n = h->n;
	uint32_t st = *s;
	unsigned long long freed_bytes = 0, start = n;
	size_t target = (size_t)((double)n * (double)pct / 100.0);
	for (size_t k = 0; k < target && n > 0; k++) {
		size_t i = xorshift32(&st) % n;
		free(ptr[i]);
		freed_bytes += size[i];
		n--;
		ptr[i] = ptr[n];
		size[i] = size[n];
	}
	*s = st;
	h->n = n;
	h->live_bytes -= freed_bytes;
	h->ops += start - n;
}

/* Resident KiB of the block tables (mmap'd, touched up to h->high). */
static long long tables_kib(const struct heap *h)
{
	size_t pg = 4096;
	size_t a = (h->high * sizeof(void *) + pg - 1) / pg, b = (h->high * sizeof(uint32_t) + pg - 1) / pg;
	return (long long)((a + b) * pg / 1024);
}

TIMED_REGION static void timed_region(struct heap *h, unsigned long long phases, unsigned long long bytes,
				      unsigned long long pct, uint32_t seed, long long base_kib,
				      struct phase_result *out)
{
	uint32_t s = seed;
	for (unsigned long long ph = 0; ph < phases; ph++) {
		size_t m = ph % (sizeof(mixes) / sizeof(mixes[0]));
		phase_alloc(h, mixes[m].lo, mixes[m].hi, bytes, &s);
		phase_free(h, pct, &s);
		/* reading statm is a syscall and a few us: negligible next to a
		 * phase.  The block tables are ours, not the allocator's: their
		 * resident pages are taken out. */
		long long rss = wl_rss_kib() - tables_kib(h);
		out[ph].live_bytes = h->live_bytes;
		out[ph].rss_kib = rss;
		out[ph].ratio = h->live_bytes ? (double)(rss - base_kib) * 1024.0 / (double)h->live_bytes : 0.0;
	}
}

int main(int argc, char **argv)
{
	unsigned long long phases = 4, live_mib = 64, free_pct = 90, seed = 3;
	struct wl_option opts[] = {
		{ "phases", "phases (size mixes 16-128, 256-2048, 8-48, 64-16384 B, cycled)", &phases, 1, MAX_PHASES },
		{ "live-mib", "MiB allocated in each phase", &live_mib, 1, 1 << 16 },
		{ "free-pct", "percent of live blocks freed at the end of each phase", &free_pct, 0, 100 },
		{ "seed", "PRNG seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
	};
	wl_parse(argc, argv, "fragmentation: phases of size mixes, most blocks freed at random; live bytes vs RSS.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));

	/* Upper bound on blocks alive at once: every phase adds at most
	 * bytes / 8 + 1 blocks (the smallest size is 8). */
	unsigned long long bytes = live_mib << 20;
	size_t cap = (size_t)(phases * (bytes / 8 + 1));
	struct heap h = { wl_private_alloc(cap * sizeof(void *)), wl_private_alloc(cap * sizeof(uint32_t)), 0, cap, 0, 0, 0 };
	struct phase_result res[MAX_PHASES];

	long long base = wl_rss_kib();
	if (base < 0) {
		fprintf(stderr, "fragmentation: cannot read /proc/self/statm; this workload needs /proc\n");
		return 1;
	}
	double t0 = wl_now();
	timed_region(&h, phases, bytes, free_pct, (uint32_t)seed, base, res);
	double secs = wl_now() - t0;

	unsigned long long ops = h.ops;
	for (size_t i = 0; i < h.n; i++)
		free(h.ptr[i]);
	long long after = wl_rss_kib() - tables_kib(&h);
	long long peak = wl_peak_rss_kib();
	wl_private_free(h.ptr, cap * sizeof(void *));
	wl_private_free(h.size, cap * sizeof(uint32_t));

	char per[1024];
	size_t o = 0;
	const char *names[] = { "live_bytes", "rss_kib", "ratio" };
	for (int f = 0; f < 3; f++) {
		o += (size_t)snprintf(per + o, sizeof(per) - o, "%s\"phase_%s\":[", f ? "," : "", names[f]);
		for (unsigned long long ph = 0; ph < phases; ph++) {
			if (f == 0)
				o += (size_t)snprintf(per + o, sizeof(per) - o, "%s%llu", ph ? "," : "", res[ph].live_bytes);
			else if (f == 1)
				o += (size_t)snprintf(per + o, sizeof(per) - o, "%s%lld", ph ? "," : "", res[ph].rss_kib);
			else
				o += (size_t)snprintf(per + o, sizeof(per) - o, "%s%.4f", ph ? "," : "", res[ph].ratio);
		}
		o += (size_t)snprintf(per + o, sizeof(per) - o, "]");
	}
	double worst = 0;
	for (unsigned long long ph = 0; ph < phases; ph++)
		if (res[ph].ratio > worst)
			worst = res[ph].ratio;
	char figs[1024] = "";
	wl_figure(figs, sizeof(figs), "final_ratio", "ratio", "lower",
		  "(RSS - RSS before the first phase) / live bytes after the last phase; 1.0 is no overhead");
	wl_figure(figs, sizeof(figs), "max_ratio", "ratio", "lower", "the largest of the phases' fragmentation ratios");
	wl_figure(figs, sizeof(figs), "retained_after_free_all_kib", "KiB", "lower",
		  "RSS after every block was freed minus RSS before the first phase (/proc/self/statm)");
	wl_drained();
	wl_result("fragmentation", (double)ops, secs, "malloc or free",
		  "\"phases\":%llu,\"live_mib\":%llu,\"free_pct\":%llu,\"seed\":%llu,\"baseline_rss_kib\":%lld,"
		  "%s,\"final_ratio\":%.4f,\"max_ratio\":%.4f,\"peak_rss_kib\":%lld,"
		  "\"rss_after_free_all_kib\":%lld,\"retained_after_free_all_kib\":%lld,\"figures\":{%s}",
		  phases, live_mib, free_pct, seed, base, per, res[phases - 1].ratio, worst, peak, after,
		  after - base, figs);
	return 0;
}
