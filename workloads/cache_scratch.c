/* cache_scratch.c - false sharing caused by the allocator (after Hoard's
 * cache-scratch benchmark, Berger et al., ASPLOS 2000).
 *
 * The main thread allocates one small object per worker, back to back (so
 * they likely share cache lines), and hands one to each worker.  Each
 * worker frees the object it was given, then `iterations` times: mallocs an
 * object of the same size, writes every byte of it `repetitions` times, and
 * frees it.  An allocator that gives the freed (shared-line) object back to
 * the worker makes the workers' writes fight over one cache line
 * ("passive" false sharing); one that keeps per-thread memory apart runs
 * each worker at full speed.  Needs >= 2 threads on >= 2 cores to show
 * anything; with 1 thread it measures the plain malloc/write/free loop. */
#include <pthread.h>

#include "common.h"

struct worker {
	char *given;
	unsigned long long iterations, repetitions, size;
	unsigned long long checksum;   /* keeps the writes observable; depends on malloc's garbage, so not reported */
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	free(w->given);
	/* locals: the struct escaped to pthread_create, so its fields would be
	 * reloaded from memory around every malloc/free */
	const unsigned long long iterations = w->iterations, repetitions = w->repetitions, size = w->size;
	unsigned long long sum = 0;
	for (unsigned long long i = 0; i < iterations; i++) {
		volatile char *p = wl_check_alloc(malloc(size), "cache_scratch", "malloc", size);
		for (unsigned long long r = 0; r < repetitions; r++)
			for (unsigned long long b = 0; b < size; b++)
				p[b] = (char)(p[b] + (char)r + 1);
		sum += (unsigned char)p[0];
		free((void *)p);
	}
	w->checksum = sum;
	return NULL;
}

TIMED_REGION static void timed_region(struct worker *w, pthread_t *tid, unsigned long long n)
{
	for (unsigned long long t = 0; t < n; t++) {
		int e = pthread_create(&tid[t], NULL, worker_main, &w[t]);
		if (e) {
			fprintf(stderr, "cache_scratch: pthread_create failed: %s\n", strerror(e));
			exit(1);
		}
	}
	for (unsigned long long t = 0; t < n; t++)
		pthread_join(tid[t], NULL);
}

int main(int argc, char **argv)
{
	unsigned long long threads = 2, iterations = 2000000, repetitions = 50, size = 8;
	struct wl_option opts[] = {
		{ "threads", "worker threads", &threads, 1, 1024 },
		{ "iterations", "malloc/write/free cycles per thread", &iterations, 1, 1ULL << 40 },
		{ "repetitions", "times every byte is written per cycle", &repetitions, 1, 1ULL << 20 },
		{ "size", "object size, bytes", &size, 1, 1ULL << 20 },
	};
	wl_parse(argc, argv, "cache-scratch: allocator-induced false sharing between threads.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));

	size_t wbytes = threads * sizeof(struct worker), tbytes = threads * sizeof(pthread_t);
	struct worker *w = wl_private_alloc(wbytes);
	pthread_t *tid = wl_private_alloc(tbytes);
	for (unsigned long long t = 0; t < threads; t++) {
		/* back to back from one thread: neighbours in memory */
		w[t].given = wl_check_alloc(malloc(size), "cache_scratch", "malloc", size);
		memset(w[t].given, 0, size);
		w[t].iterations = iterations;
		w[t].repetitions = repetitions;
		w[t].size = size;
	}

	double t0 = wl_now();
	timed_region(w, tid, threads);
	double secs = wl_now() - t0;

	wl_private_free(w, wbytes);
	wl_private_free(tid, tbytes);
	wl_drained();
	wl_result("cache_scratch", (double)(threads * iterations), secs, "malloc + write + free cycle",
		  "\"threads\":%llu,\"iterations\":%llu,\"repetitions\":%llu,\"size\":%llu",
		  threads, iterations, repetitions, size);
	return 0;
}
