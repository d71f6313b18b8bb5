/* larson.c - a larson-like server simulation (after Larson & Krishnan,
 * "Memory allocation for long-running server applications", 1998).
 *
 * Each of N worker threads owns an array of `blocks` slots and replaces
 * random blocks in it (free the old one, malloc a new one of a random size
 * in min-size..max-size).  Work runs in `epochs`: at the end of an epoch
 * every worker exits and a new thread takes over the array of another
 * worker, as server threads come and go while connections (and their
 * memory) live on.  So most frees are of blocks that a thread which did not
 * allocate them - and may no longer exist - allocated: the remote-free and
 * thread-cache-teardown paths.  Thread creation and exit are in the timed
 * part, as in the original. */
#include <pthread.h>

#include "common.h"

struct worker {
	void **slots;             /* this array changes hands every epoch */
	unsigned long long blocks, rounds, min_size, max_size;
	uint32_t seed;
	unsigned long long ops, bytes;
};

/* The loop keeps everything in locals (the struct escaped to
 * pthread_create, so its fields would be reloaded and stored around every
 * malloc/free) and takes remainders without a div (wl_mod). */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	void **slots = w->slots;
	const struct wl_mod blocks = wl_mod_init((uint32_t)w->blocks);
	const struct wl_mod span = wl_mod_init((uint32_t)(w->max_size - w->min_size + 1));
	const size_t lo = w->min_size;
	const unsigned long long rounds = w->rounds;
	unsigned long long bytes = 0;
	uint32_t s = w->seed;
	for (unsigned long long i = 0; i < rounds; i++) {
		uint32_t r = xorshift32(&s);
		uint32_t idx = wl_mod(r, blocks);
		size_t sz = lo + wl_mod(xorshift32(&s), span);
		free(slots[idx]);
		unsigned char *p = wl_check_alloc(malloc(sz), "larson", "malloc", sz);
		p[0] = (unsigned char)r;          /* touch the first and last byte, as a server fills a buffer */
		p[sz - 1] = (unsigned char)i;
		slots[idx] = p;
		bytes += sz;
	}
	w->bytes += bytes;
	w->ops += rounds;
	return NULL;
}

static void start_all(pthread_t *tid, struct worker *w, unsigned long long n)
{
	for (unsigned long long t = 0; t < n; t++) {
		int e = pthread_create(&tid[t], NULL, worker_main, &w[t]);
		if (e) {
			fprintf(stderr, "larson: pthread_create failed: %s\n", strerror(e));
			exit(1);
		}
	}
}

TIMED_REGION static void timed_region(struct worker *w, void ***arrays, pthread_t *tid,
				      unsigned long long n, unsigned long long epochs)
{
	for (unsigned long long e = 0; e < epochs; e++) {
		for (unsigned long long t = 0; t < n; t++) {
			/* hand over: the new thread t gets the array of (t + e) % n;
			 * with one thread the array still changes threads every epoch */
			w[t].slots = arrays[(t + e) % n];
			w[t].seed = w[t].seed * 1664525u + 1013904223u + (uint32_t)e;
			if (w[t].seed == 0)
				w[t].seed = 1;
		}
		start_all(tid, w, n);
		for (unsigned long long t = 0; t < n; t++)
			pthread_join(tid[t], NULL);
	}
}

int main(int argc, char **argv)
{
	unsigned long long threads = 2, blocks = 4000, rounds = 500000, epochs = 20, min_size = 8,
			   max_size = 1000, seed = 7;
	struct wl_option opts[] = {
		{ "threads", "worker threads at a time", &threads, 1, 1024 },
		{ "blocks", "slots per thread's array", &blocks, 1, 1ULL << 24 },
		{ "rounds", "replacements per thread per epoch", &rounds, 1, 1ULL << 36 },
		{ "epochs", "times the threads are replaced and arrays change hands", &epochs, 1, 1ULL << 20 },
		{ "min-size", "smallest block, bytes", &min_size, 1, 1ULL << 30 },
		{ "max-size", "largest block, bytes", &max_size, 1, 1ULL << 30 },
		{ "seed", "PRNG seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
	};
	wl_parse(argc, argv, "Larson-like server: threads replace random blocks in arrays that change hands between threads.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));
	if (min_size > max_size) {
		fprintf(stderr, "larson: --min-size (%llu) is larger than --max-size (%llu)\n", min_size, max_size);
		return 2;
	}

	size_t wbytes = threads * sizeof(struct worker), abytes = threads * sizeof(void **),
	       tbytes = threads * sizeof(pthread_t), sbytes = blocks * sizeof(void *);
	struct worker *w = wl_private_alloc(wbytes);
	void ***arrays = wl_private_alloc(abytes);
	pthread_t *tid = wl_private_alloc(tbytes);
	for (unsigned long long t = 0; t < threads; t++) {
		arrays[t] = wl_private_alloc(sbytes);
		w[t] = (struct worker){ .blocks = blocks, .min_size = min_size, .max_size = max_size,
					.seed = (uint32_t)(seed + 977 * t) | 1u };
	}

	/* Not timed: fill every array, so that the timed part is a steady
	 * state of replacements (the main thread allocated these). */
	uint32_t fs = (uint32_t)seed | 1u;
	for (unsigned long long t = 0; t < threads; t++) {
		w[t].rounds = rounds;
		for (unsigned long long i = 0; i < blocks; i++) {
			size_t sz = min_size + xorshift32(&fs) % (max_size - min_size + 1);
			arrays[t][i] = wl_check_alloc(malloc(sz), "larson", "malloc", sz);
		}
	}

	double t0 = wl_now();
	timed_region(w, arrays, tid, threads, epochs);
	double secs = wl_now() - t0;

	unsigned long long ops = 0, bytes = 0;
	for (unsigned long long t = 0; t < threads; t++) {
		ops += w[t].ops;
		bytes += w[t].bytes;
	}
	long long peak = wl_peak_rss_kib();
	for (unsigned long long t = 0; t < threads; t++) {
		for (unsigned long long i = 0; i < blocks; i++)
			free(arrays[t][i]);
		wl_private_free(arrays[t], sbytes);
	}
	wl_private_free(w, wbytes);
	wl_private_free(arrays, abytes);
	wl_private_free(tid, tbytes);
	wl_drained();
	wl_result("larson", (double)ops, secs, "block replaced (one free + one malloc)",
		  "\"threads\":%llu,\"blocks\":%llu,\"rounds\":%llu,\"epochs\":%llu,\"min_size\":%llu,"
		  "\"max_size\":%llu,\"seed\":%llu,\"bytes_allocated\":%llu,\"threads_created\":%llu,"
		  "\"peak_rss_kib\":%lld",
		  threads, blocks, rounds, epochs, min_size, max_size, seed, bytes, threads * epochs, peak);
	return 0;
}
