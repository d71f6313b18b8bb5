/* inprocess_ab.c - two or more builds of one allocator in one process,
 * interleaved block by block: the cost of a change of a few instructions,
 * resolved to about 1% in seconds.
 *
 * `harness ab` runs each variant as its own process, as a program would
 * meet it, and the machine's drift between processes (±10% a run on the
 * shared VM) makes a 1-2% difference need hundreds of runs, and still
 * moves by 2-3% between invocations (README, "Hardening, measured").  Here
 * every library is dlopen'ed into this one process with RTLD_LOCAL, and
 * the timed loop alternates between them in blocks of a few milliseconds
 * (A B C, C B A, ...), so drift slower than a block hits all of them
 * alike.  Each block's time is divided by the first library's in the same
 * block; the median of those ratios, with a 95% confidence interval from
 * the order statistics (distribution-free), is the result.
 *
 * What it measures is narrower than harness ab, and it says so:
 * - the libraries are called through function pointers (dlsym), not
 *   through the PLT, and are not the process's malloc (glibc and the
 *   loader keep using their own), so only the loop's own calls count;
 * - every library shares one address space, one set of caches and one
 *   branch predictor; whatever one leaves behind the next one meets;
 * - other allocators load and run too, but their ratios to HAKMEM came
 *   out in the same order as harness run's and not the same size (README,
 *   "In-process A/B"): a preloaded library also serves libc and the
 *   loader, and is called through the PLT.
 * So use it to find which of two builds of one allocator is faster and by
 * how much, then confirm the answer with harness ab.  --aa loads a copy of
 * the first library as one more variant: its ratio shows what the method's
 * noise alone does to a ratio of 1.
 *
 * Loops (../../shared/workloads.md): tiny_hot is malloc(16), write one
 * byte, free; random_mixed is its cycle (8192 slots, xorshift32, sizes
 * 16 + (r & 0x3FF)) with each library's slots kept from block to block,
 * after a warm-up of one block.  A block is ITERS iterations or cycles.
 *
 * A bench, not a test: README, "In-process A/B". */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common.h"      /* wl_now, xorshift32: the workloads' own */

#define MAX_LIBS 8
#define WS 8192
/* dlopen'ed libraries with initial-exec TLS (HAKMEM's thread cache) take
 * it from glibc's static TLS surplus, a few hundred bytes unless raised. */
#define TUNABLE "glibc.rtld.optional_static_tls=65536"

typedef void *(*malloc_fn)(size_t);
typedef void (*free_fn)(void *);

struct lib {
	const char *name;
	malloc_fn malloc;
	free_fn free;
	void **slots;        /* random_mixed's working set, this library's blocks */
	uint32_t seed;
	double *ns;          /* ns per iteration, per block */
};

static void tiny_hot(struct lib *l, long n)
{
	for (long i = 0; i < n; i++) {
		unsigned char *p = l->malloc(16);
		p[0] = (unsigned char)i;
		__asm__ volatile("" : : "r"(p) : "memory");
		l->free(p);
	}
}

static void random_mixed(struct lib *l, long n)
{
	for (long i = 0; i < n; i++) {
		uint32_t x = xorshift32(&l->seed);
		uint32_t idx = x % WS;
		if (l->slots[idx]) {
			l->free(l->slots[idx]);
			l->slots[idx] = NULL;
		} else {
			unsigned char *p = l->malloc(16 + (x & 0x3FF));
			p[0] = (unsigned char)x;
			l->slots[idx] = p;
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The ranks (0-based) of a 95% confidence interval for the median of n
 * sorted values: the widest symmetric pair whose binomial(n, 1/2) tails
 * each hold at most 2.5%. */
static void median_ci_ranks(int n, int *lo, int *hi)
{
	double tail = 0;
	int k = 0;
	for (;;) {
		/* P(X = k), in logarithms: 0.5^n underflows past n = 1074 */
		double term = exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) - n * log(2.0));
		if (k >= n / 2 || tail + term > 0.025)
			break;
		tail += term;
		k++;
	}
	*lo = k > 0 ? k - 1 : 0;
	*hi = n - 1 - *lo;
}

/* A private copy of path, for --aa: dlopen of the same path twice returns
 * the same handle, so the copy must be another file. */
static char *copy_library(const char *path)
{
	static char tmp[] = "/tmp/inprocess_ab_aa_XXXXXX.so";
	int out = mkstemps(tmp, 3), in = open(path, O_RDONLY);
	struct stat st;
	if (out < 0)
		return NULL;
	if (in < 0 || fstat(in, &st) != 0) {
		unlink(tmp);
		return NULL;
	}
	for (off_t off = 0; off < st.st_size;)
		if (sendfile(out, in, &off, (size_t)(st.st_size - off)) <= 0) {
			unlink(tmp);
			return NULL;
		}
	close(in);
	close(out);
	return tmp;
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s tiny_hot|random_mixed BLOCKS ITERS [--aa] LIB.so LIB.so [LIB.so...]\n"
		"  BLOCKS blocks (>= 11) of ITERS iterations (tiny_hot) or cycles (random_mixed)\n"
		"  per library; ratios are to the first LIB.  --aa adds a copy of the first\n"
		"  LIB, to show the method's noise.  At most %d libraries.\n",
		argv0, MAX_LIBS);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 5)
		usage(argv[0]);
	/* re-run with the static TLS surplus raised, before anything is loaded */
	const char *t = getenv("GLIBC_TUNABLES");
	if (!t || !strstr(t, "optional_static_tls")) {
		char tunables[4096];     /* the caller's tunables stay */
		if (snprintf(tunables, sizeof tunables, "%s%s%s", t ? t : "", t ? ":" : "", TUNABLE) >= (int)sizeof tunables) {
			fprintf(stderr, "%s: GLIBC_TUNABLES is too long to add %s to\n", argv[0], TUNABLE);
			return 1;
		}
		setenv("GLIBC_TUNABLES", tunables, 1);
		execv("/proc/self/exe", argv);
		fprintf(stderr, "%s: cannot re-run itself with GLIBC_TUNABLES=%s: %s\n", argv[0], tunables, strerror(errno));
		return 1;
	}
	void (*loop)(struct lib *, long);
	if (!strcmp(argv[1], "tiny_hot"))
		loop = tiny_hot;
	else if (!strcmp(argv[1], "random_mixed"))
		loop = random_mixed;
	else {
		fprintf(stderr, "%s: unknown loop '%s': give tiny_hot or random_mixed\n", argv[0], argv[1]);
		usage(argv[0]);
	}
	char *end;
	long blocks = strtol(argv[2], &end, 10), iters;
	if (*end || blocks < 11 || blocks > 1000000) {
		fprintf(stderr, "%s: BLOCKS '%s' must be a whole number from 11 to 1000000\n", argv[0], argv[2]);
		usage(argv[0]);
	}
	iters = strtol(argv[3], &end, 10);
	if (*end || iters < 1000 || iters > 1000000000) {
		fprintf(stderr, "%s: ITERS '%s' must be a whole number from 1000 to 1000000000\n", argv[0], argv[3]);
		usage(argv[0]);
	}
	const char *paths[MAX_LIBS + 1];
	int n = 0, aa = 0;
	for (int i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--aa")) {
			aa = 1;
			continue;
		}
		if (n == MAX_LIBS) {
			fprintf(stderr, "%s: more than %d libraries\n", argv[0], MAX_LIBS);
			usage(argv[0]);
		}
		paths[n++] = argv[i];
	}
	if (n < 2 - aa)
		usage(argv[0]);
	if (aa) {
		if (n == MAX_LIBS) {
			fprintf(stderr, "%s: --aa needs room for one more library (at most %d)\n", argv[0], MAX_LIBS);
			return 2;
		}
		paths[n] = copy_library(paths[0]);
		if (!paths[n]) {
			fprintf(stderr, "%s: cannot copy %s for --aa: %s\n", argv[0], paths[0], strerror(errno));
			return 1;
		}
		n++;
	}

	struct lib libs[MAX_LIBS + 1];
	for (int i = 0; i < n; i++) {
		void *h = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "%s: cannot load %s: %s\n", argv[0], paths[i], dlerror());
			return 1;
		}
		libs[i] = (struct lib){ .name = aa && i == n - 1 ? "(A/A copy of the first)" : paths[i], .seed = 1234567u };
		libs[i].malloc = (malloc_fn)dlsym(h, "malloc");
		libs[i].free = (free_fn)dlsym(h, "free");
		libs[i].slots = calloc(WS, sizeof(void *));
		libs[i].ns = calloc((size_t)blocks, sizeof(double));
		if (!libs[i].malloc || !libs[i].free) {
			fprintf(stderr, "%s: %s exports no malloc or no free\n", argv[0], paths[i]);
			return 1;
		}
		if (!libs[i].slots || !libs[i].ns) {
			fprintf(stderr, "%s: out of memory\n", argv[0]);
			return 1;
		}
	}
	if (aa)
		unlink(paths[n - 1]);     /* loaded: the mapping keeps it */

	for (int i = 0; i < n; i++)
		loop(&libs[i], iters);    /* warm-up: caches, thread caches, slabs */
	for (long b = 0; b < blocks; b++)
		for (int j = 0; j < n; j++) {
			/* A B C, then C B A: no library always runs right after
			 * the same one */
			struct lib *l = &libs[b & 1 ? n - 1 - j : j];
			double t0 = wl_now();
			loop(l, iters);
			l->ns[b] = (wl_now() - t0) * 1e9 / (double)iters;
		}

	int lo, hi;
	median_ci_ranks((int)blocks, &lo, &hi);
	double *r = malloc((size_t)blocks * sizeof(double)), *s = malloc((size_t)blocks * sizeof(double));
	if (!r || !s)
		return 1;
	printf("%s, %ld blocks of %ld %s per library, interleaved in one process\n", argv[1], blocks, iters,
	       loop == tiny_hot ? "iterations (malloc + free)" : "cycles (one malloc or free)");
	printf("%-40s %12s  %s\n", "library", "ns/iter", "time ratio to the first: median [95% CI]");
	for (int i = 0; i < n; i++) {
		for (long b = 0; b < blocks; b++) {
			r[b] = libs[i].ns[b] / libs[0].ns[b];
			s[b] = libs[i].ns[b];
		}
		qsort(r, (size_t)blocks, sizeof(double), cmp_double);
		qsort(s, (size_t)blocks, sizeof(double), cmp_double);
		if (i == 0)
			printf("%-40s %12.3f  1 (the reference)\n", libs[i].name, s[blocks / 2]);
		else
			printf("%-40s %12.3f  %.4f [%.4f .. %.4f]\n", libs[i].name, s[blocks / 2], r[blocks / 2], r[lo], r[hi]);
	}
	/* measured: ratios moved by up to 10 points between invocations whose
	 * intervals were 1 point wide (README, "In-process A/B") */
	printf("The intervals describe this process only; between processes the ratio moves by more: repeat the invocation.\n");
	return 0;
}
