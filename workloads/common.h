/* common.h - what every workload program shares: option parsing, a
 * monotonic clock, benchmark-private memory that bypasses the allocator
 * under test, and the one-line JSON result.
 *
 * Conventions (the harness relies on them):
 * - parameters are options `--name value` (or `--name=value`); `--help`
 *   lists them with their defaults;
 * - the timed part lives in functions whose names start with
 *   `timed_region` (noinline), so that instruction counting can be limited
 *   to it (callgrind --toggle-collect='timed_region*');
 * - the last line on stdout is one JSON object with "workload", "ops",
 *   "seconds", "ops_per_sec", "ops_unit" and the workload's own figures.
 */
#ifndef WORKLOAD_COMMON_H
#define WORKLOAD_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define TIMED_REGION __attribute__((noinline, used))

/* ---------------------------------------------------------------- options */

struct wl_option {
	const char *name;        /* without the leading "--" */
	const char *help;
	unsigned long long *value;
	unsigned long long min, max;
};

static inline void wl_usage(const char *prog, const char *what, const struct wl_option *opts, int n)
{
	printf("usage: %s [options]\n%s\n\noptions:\n", prog, what);
	for (int i = 0; i < n; i++)
		printf("  --%-12s %s (default %llu)\n", opts[i].name, opts[i].help, *opts[i].value);
}

/* Parse argv; on bad input print one line naming the problem and exit 2. */
static inline void wl_parse(int argc, char **argv, const char *what, struct wl_option *opts, int n)
{
	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			wl_usage(argv[0], what, opts, n);
			exit(0);
		}
		if (strncmp(arg, "--", 2) != 0) {
			fprintf(stderr, "%s: unexpected argument '%s' (options are --name value; see --help)\n", argv[0], arg);
			exit(2);
		}
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int i;
		for (i = 0; i < n; i++)
			if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
				break;
		if (i == n) {
			fprintf(stderr, "%s: unknown option '--%.*s' (see --help)\n", argv[0], (int)len, name);
			exit(2);
		}
		const char *val = eq ? eq + 1 : (a + 1 < argc ? argv[++a] : NULL);
		char *end;
		errno = 0;
		unsigned long long v = val ? strtoull(val, &end, 0) : 0;
		if (!val || !*val || *end || errno || val[0] == '-') {
			fprintf(stderr, "%s: --%s needs a whole number, got '%s'\n", argv[0], opts[i].name, val ? val : "");
			exit(2);
		}
		if (v < opts[i].min || v > opts[i].max) {
			fprintf(stderr, "%s: --%s must be between %llu and %llu, got %llu\n",
				argv[0], opts[i].name, opts[i].min, opts[i].max, v);
			exit(2);
		}
		*opts[i].value = v;
	}
}

/* ------------------------------------------------------------------ clock */

static inline double wl_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ----------------------------------------------- benchmark-private memory */

/* Bookkeeping of the benchmark itself (slot arrays) comes straight from
 * mmap so that it neither disturbs nor is measured as the allocator's. */
static inline void *wl_private_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap (benchmark bookkeeping)");
		exit(1);
	}
	return p;
}

static inline void wl_private_free(void *p, size_t bytes)
{
	munmap(p, bytes);
}

/* -------------------------------------------------------------------- PRNG */

static inline uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/* ------------------------------------------------------------ result line */

/* Print the result line: the common keys, then `extra` (already-formatted
 * JSON members without braces, or NULL). */
static inline void wl_result(const char *workload, double ops, double seconds,
			     const char *ops_unit, const char *extra_fmt, ...)
{
	char extra[2048] = "";
	if (extra_fmt) {
		va_list ap;
		va_start(ap, extra_fmt);
		vsnprintf(extra, sizeof(extra), extra_fmt, ap);
		va_end(ap);
	}
	printf("{\"workload\":\"%s\",\"ops\":%.0f,\"seconds\":%.9f,\"ops_per_sec\":%.6g,"
	       "\"ops_unit\":\"%s\"%s%s}\n",
	       workload, ops, seconds, seconds > 0 ? ops / seconds : 0.0, ops_unit,
	       extra[0] ? "," : "", extra);
	fflush(stdout);
}

#endif
