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
 * - wl_now() is called just before and just after the timed part; under
 *   the TLB engine (tlb/, which sets HAKMEM_TLB_MARKERS=1 and runs the
 *   program under valgrind's lackey) each call also writes a marker into
 *   valgrind's log, so the trace shows where the timed part starts and ends;
 * - the last line on stdout is one JSON object with "workload", "ops",
 *   "seconds", "ops_per_sec", "ops_unit" and the workload's own figures.
 */
#ifndef WORKLOAD_COMMON_H
#define WORKLOAD_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define WL_HAVE_VALGRIND_H 1
#endif
#endif

/* The timed-region marker for the TLB engine: a VALGRIND_PRINTF client
 * request, a few no-op instructions outside valgrind; off unless
 * HAKMEM_TLB_MARKERS=1 so no other valgrind run prints it. */
static inline void wl_tlb_marker(void)
{
#ifdef WL_HAVE_VALGRIND_H
	static int on = -1;
	if (on < 0) {
		const char *s = getenv("HAKMEM_TLB_MARKERS");
		on = s && s[0] == '1';
	}
	if (on)
		VALGRIND_PRINTF("HAKMEM_WL_NOW\n");
#endif
}

static inline double wl_now(void)
{
	wl_tlb_marker();
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

/* ------------------------------------------------- remainder without div */

/* r % d for a divisor known only at run time, without a div instruction
 * (20-40 cycles on the CPUs here): Lemire, Kaser and Kurz, "Faster
 * remainder by direct computation" (2019).  Exact for every 32-bit r and
 * every 32-bit d >= 1 (d = 1: m wraps to 0 and the result is 0, as r % 1).
 * Two multiplies; timed loops use it so that the loop does not pay for a
 * division its semantics do not need.  tests/test_fastmod.c checks it
 * against % . */
struct wl_mod {
	uint64_t m;
	uint32_t d;
};

static inline struct wl_mod wl_mod_init(uint32_t d)
{
	return (struct wl_mod){ UINT64_MAX / d + 1, d };
}

static inline uint32_t wl_mod(uint32_t r, struct wl_mod m)
{
	return (uint32_t)(((unsigned __int128)(m.m * r) * m.d) >> 64);
}

/* ------------------------------------------------------- process figures */

/* Read a small /proc file into buf with open/read (no stdio: stdio would
 * allocate through the allocator under test).  Returns the length, -1. */
static inline ssize_t wl_read_proc(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	ssize_t r;
	while (len + 1 < cap && (r = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* A "VmXXX:   N kB" line of /proc/self/status, in KiB; -1 when absent. */
static inline long long wl_status_kib(const char *field)
{
	char buf[8192];
	if (wl_read_proc("/proc/self/status", buf, sizeof(buf)) < 0)
		return -1;
	size_t len = strlen(field);
	for (const char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			return strtoll(line + len + 1, NULL, 10);
	return -1;
}

/* Resident set size now, KiB (from /proc/self/statm: cheap, no mmap lock). */
static inline long long wl_rss_kib(void)
{
	char buf[256];
	unsigned long long size = 0, resident = 0;
	if (wl_read_proc("/proc/self/statm", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%llu %llu", &size, &resident) != 2)
		return -1;
	return (long long)(resident * (unsigned long long)sysconf(_SC_PAGESIZE) / 1024);
}

/* Peak RSS of this process so far, KiB (VmHWM). */
static inline long long wl_peak_rss_kib(void)
{
	return wl_status_kib("VmHWM");
}

/* ---------------------------------------------------------- drain signal */

/* Call after the work is done and everything is freed, outside the timed
 * part.  When the harness's RSS sampler runs, it passes the write end of a
 * pipe in HARNESS_DRAIN_FD: we write one byte ("drained") and linger
 * WL_DRAIN_LINGER_MS so that the sampler sees RSS at +100 ms and +1 s,
 * which shows whether the allocator gives memory back to the OS.  Without
 * the variable this does nothing. */
#define WL_DRAIN_LINGER_MS 1100

static inline void wl_drained(void)
{
	const char *s = getenv("HARNESS_DRAIN_FD");
	if (!s || !*s)
		return;
	char *end;
	long fd = strtol(s, &end, 10);
	unsetenv("HARNESS_DRAIN_FD");   /* programs we start must not signal for us */
	if (*end || fd < 0)
		return;
	char c = 'D';
	ssize_t w = write((int)fd, &c, 1);
	close((int)fd);
	if (w != 1)
		return;                 /* nobody listens: no point in waiting */
	struct timespec ts = { WL_DRAIN_LINGER_MS / 1000, (WL_DRAIN_LINGER_MS % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------------- FNV-1a 64 */

#define WL_FNV1A64_INIT 0xcbf29ce484222325ULL

static inline uint64_t wl_fnv1a64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---------------------------------------------------------------- checks */

/* Out of memory in a workload is a failed run, never a silently short one. */
static inline void *wl_check_alloc(void *p, const char *workload, const char *what, size_t bytes)
{
	if (!p) {
		fprintf(stderr, "%s: %s(%zu) returned NULL\n", workload, what, bytes);
		exit(1);
	}
	return p;
}

/* ------------------------------------------------------------ result line */

/* Append to the "figures" object being built in out (without its braces)
 * the description of one of the result's own members, NAME: its unit,
 * which direction is better ("higher", "lower" or "neither"), one line
 * saying what it is, and, when step > 0, the step the member moves in (a
 * timer's resolution: the member is a multiple of it, and ab does not
 * call two figures equivalent within a margin finer than it).  The
 * harness records the described members as figures
 * (cli/registries/workloads.h).  Exits 1 rather than cut the object. */
static inline void wl_figure_step(char *out, size_t cap, const char *name, const char *unit,
				  const char *better, const char *desc, double step)
{
	size_t len = strlen(out);
	char st[48] = "";
	if (step > 0)
		snprintf(st, sizeof(st), ",\"step\":%.4f", step);
	int n = snprintf(out + len, cap - len, "%s\"%s\":{\"unit\":\"%s\",\"better\":\"%s\",\"desc\":\"%s\"%s}",
			 len ? "," : "", name, unit, better, desc, st);
	if (n < 0 || (size_t)n >= cap - len) {
		fprintf(stderr, "figure %s: the descriptions need more than %zu bytes\n", name, cap);
		exit(1);
	}
}

static inline void wl_figure(char *out, size_t cap, const char *name, const char *unit,
			     const char *better, const char *desc)
{
	wl_figure_step(out, cap, name, unit, better, desc, 0);
}

/* Print the result line: the common keys, then `extra` (already-formatted
 * JSON members without braces, or NULL). */
static inline void wl_result(const char *workload, double ops, double seconds,
			     const char *ops_unit, const char *extra_fmt, ...)
{
	char extra[8192] = "";
	if (extra_fmt) {
		va_list ap;
		va_start(ap, extra_fmt);
		int n = vsnprintf(extra, sizeof(extra), extra_fmt, ap);
		va_end(ap);
		if (n < 0 || (size_t)n >= sizeof(extra)) {   /* a cut line is not a record */
			fprintf(stderr, "%s: result line too long (%d bytes of members, room for %zu)\n",
				workload, n, sizeof(extra) - 1);
			exit(1);
		}
	}
	printf("{\"workload\":\"%s\",\"ops\":%.0f,\"seconds\":%.9f,\"ops_per_sec\":%.6g,"
	       "\"ops_unit\":\"%s\"%s%s}\n",
	       workload, ops, seconds, seconds > 0 ? ops / seconds : 0.0, ops_unit,
	       extra[0] ? "," : "", extra);
	fflush(stdout);
}

#endif
