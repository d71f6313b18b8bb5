/* calibrate.c - measure, on this machine, what the kernel and the CPU
 * charge for the events the workbench counts (issue 10 item 4), so that no
 * report multiplies a count by an assumed cost.
 *
 *   build/calibrate/calibrate [--trials N] [--pages N] [--thp-pages N]
 *
 * prints one JSON object (the contract in README, "Measured costs"):
 *   {"schema": 1, "host": {...}, "costs": {NAME: {"unit": "ns", "per":
 *    "page"|"call", "median", "p10", "p90", "n", "desc"} | {"status":
 *    "not measurable here: REASON", "desc"}}}
 *
 * Method, common to every cost: a trial performs the event on `pages`
 * pages (or `pages` calls) in a row and is timed with the thread's CPU
 * clock (CLOCK_THREAD_CPUTIME_ID: user + system time of this thread, so
 * time the thread spends waiting for the CPU on a shared machine is not
 * counted; page faults and syscalls are CPU work done on the thread's
 * behalf).  The trial's figure is its time divided by the number of
 * events; `n` trials give the median and the p10/p90 spread (nearest
 * rank).  Everything that is not the event (mapping, first touch before a
 * refault, unmapping) happens outside the timed span.  One untimed trial
 * runs first to warm the code paths. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096UL
#define HUGE (2UL << 20)
#define MAX_TRIALS 100000

static unsigned long trials = 11, pages = 256, thp_pages = 2;

/* ------------------------------------------------------------ utilities */

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("calibrate: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static char *map_or_die(size_t len, const char *what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		die("mmap of %zu bytes for %s failed: %s", len, what, strerror(errno));
	return p;
}

/* 4 KiB pages only: THP would turn 512 first touches into one fault. */
static char *map_small_pages(size_t len, const char *what)
{
	char *p = map_or_die(len, what);
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void touch(char *p, size_t len, size_t stride)
{
	for (size_t off = 0; off < len; off += stride)
		((volatile char *)p)[off] = 1;
}

/* Read a small text file; "" when it cannot be read. */
static void read_text(const char *path, char *buf, size_t cap)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	size_t n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* ----------------------------------------------------------- statistics */

struct cost {
	const char *name, *per, *desc;
	const char *status;          /* NULL: measured; else "not measurable here: ..." */
	double *v;                   /* per-trial figures, ns per event */
	unsigned long n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Nearest rank, as workloads/latency_stats.h: the value at rank
 * ceil(p/100 * n), so every figure is one that was observed. */
static double percentile(const double *sorted, unsigned long n, double p)
{
	double rank = ceil(p / 100.0 * (double)n - 1e-9);
	unsigned long r = rank < 1 ? 1 : (unsigned long)rank;
	return sorted[(r > n ? n : r) - 1];
}

static void json_cost(const struct cost *c, int last)
{
	printf("    \"%s\": {", c->name);
	if (c->status) {
		printf("\"status\": \"%s\", \"desc\": \"%s\"}%s\n", c->status, c->desc, last ? "" : ",");
		return;
	}
	qsort(c->v, c->n, sizeof(double), cmp_double);
	printf("\"unit\": \"ns\", \"per\": \"%s\", \"median\": %.2f, \"p10\": %.2f, \"p90\": %.2f, \"n\": %lu, "
	       "\"desc\": \"%s\"}%s\n",
	       c->per, percentile(c->v, c->n, 50), percentile(c->v, c->n, 10), percentile(c->v, c->n, 90), c->n,
	       c->desc, last ? "" : ",");
}

/* ---------------------------------------------------------- the costs */

/* Each function fills v[trial] (ns per event) for one trial. */

static double first_touch_trial(void)
{
	size_t len = pages * PAGE;
	char *p = map_small_pages(len, "first-touch faults");
	double t0 = cpu_ns();
	touch(p, len, PAGE);
	double t = cpu_ns() - t0;
	munmap(p, len);
	return t / (double)pages;
}

static double refault_trial(void)
{
	size_t len = pages * PAGE;
	char *p = map_small_pages(len, "refaults");
	touch(p, len, PAGE);
	if (madvise(p, len, MADV_DONTNEED) != 0)
		die("madvise(MADV_DONTNEED) failed: %s", strerror(errno));
	double t0 = cpu_ns();
	touch(p, len, PAGE);
	double t = cpu_ns() - t0;
	munmap(p, len);
	return t / (double)pages;
}

static void **addrs;                 /* pages of the mmap/munmap trials */

static double mmap_trial(double *munmap_ns)
{
	double t0 = cpu_ns();
	for (unsigned long i = 0; i < pages; i++) {
		addrs[i] = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (addrs[i] == MAP_FAILED)
			die("mmap of one page failed: %s", strerror(errno));
	}
	double t1 = cpu_ns();
	for (unsigned long i = 0; i < pages; i++)
		munmap(addrs[i], PAGE);
	double t2 = cpu_ns();
	*munmap_ns = (t2 - t1) / (double)pages;
	return (t1 - t0) / (double)pages;
}

static double dontneed_trial(void)
{
	size_t len = pages * PAGE;
	char *p = map_small_pages(len, "madvise calls");
	touch(p, len, PAGE);
	double t0 = cpu_ns();
	for (unsigned long i = 0; i < pages; i++)
		madvise(p + i * PAGE, PAGE, MADV_DONTNEED);
	double t = cpu_ns() - t0;
	munmap(p, len);
	return t / (double)pages;
}

/* MADV_POPULATE_WRITE on fresh pages, minus the same call on the same,
 * now present, pages: what populating costs beyond walking the range. */
static int clear_trial(double *out)
{
	size_t len = pages * PAGE;
	char *p = map_small_pages(len, "page clearing");
	double t0 = cpu_ns();
	int e = madvise(p, len, MADV_POPULATE_WRITE);
	double t1 = cpu_ns();
	if (e == 0)
		e = madvise(p, len, MADV_POPULATE_WRITE);
	double t2 = cpu_ns();
	int err = errno;
	munmap(p, len);
	if (e != 0)
		return err;
	*out = ((t1 - t0) - (t2 - t1)) / (double)pages;
	return 0;
}

static char *memset_buf;

static double memset_trial(void)
{
	/* untimed: fault back pages that compaction for the THP trials may
	 * have migrated (a migrated page faults on its next access) */
	touch(memset_buf, pages * PAGE, PAGE);
	double t0 = cpu_ns();
	for (unsigned long i = 0; i < pages; i++) {
		memset(memset_buf + i * PAGE, (int)i, PAGE);
		__asm__ volatile("" : : "r"(memset_buf) : "memory");
	}
	return (cpu_ns() - t0) / (double)pages;
}

/* THP: the kernel must allow it (enabled = always or madvise) and must
 * actually give huge pages; a fault that fell back to 4 KiB pages is not
 * a THP fault, so the figure is then "not measurable". */
static const char *thp_unavailable(void)
{
	char buf[256];
	read_text("/sys/kernel/mm/transparent_hugepage/enabled", buf, sizeof(buf));
	if (!buf[0])
		return "not measurable here: no /sys/kernel/mm/transparent_hugepage (kernel without THP)";
	if (strstr(buf, "[never]"))
		return "not measurable here: THP is disabled (/sys/kernel/mm/transparent_hugepage/enabled is never)";
	return NULL;
}

/* AnonHugePages of this process, KiB; -1 when unknown. */
static long anon_huge_kib(void)
{
	char buf[4096];
	read_text("/proc/self/smaps_rollup", buf, sizeof(buf));
	const char *l = strstr(buf, "AnonHugePages:");
	return l ? strtol(l + 14, NULL, 10) : -1;
}

static const char *thp_trial(double *out)
{
	size_t len = thp_pages * HUGE;
	char *raw = map_or_die(len + HUGE, "THP faults");
	char *p = (char *)(((uintptr_t)raw + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (madvise(p, len, MADV_HUGEPAGE) != 0) {
		munmap(raw, len + HUGE);
		return "not measurable here: madvise(MADV_HUGEPAGE) failed";
	}
	long before = anon_huge_kib();
	double t0 = cpu_ns();
	touch(p, len, HUGE);
	double t = cpu_ns() - t0;
	long after = anon_huge_kib();
	munmap(raw, len + HUGE);
	if (before < 0 || after < 0)
		return "not measurable here: no AnonHugePages in /proc/self/smaps_rollup to check that faults were huge";
	if ((unsigned long)(after - before) < thp_pages * (HUGE / 1024))
		return "not measurable here: the faults fell back to 4 KiB pages (no free 2 MiB pages, or defrag off)";
	*out = t / (double)thp_pages;
	return NULL;
}

/* ------------------------------------------------------------------ host */

static void json_string_field(const char *key, const char *val, int comma)
{
	printf("\"%s\": \"", key);
	for (const char *s = val; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
	printf("\"%s", comma ? ", " : "");
}

static void json_host(void)
{
	char host[256] = "", boot[128], cpu[256] = "unknown", info[65536];
	struct utsname u;
	gethostname(host, sizeof(host) - 1);
	uname(&u);
	read_text("/proc/sys/kernel/random/boot_id", boot, sizeof(boot));
	boot[strcspn(boot, "\n")] = '\0';
	read_text("/proc/cpuinfo", info, sizeof(info));
	const char *m = strstr(info, "model name");
	if (m && (m = strchr(m, ':'))) {
		m++;
		while (*m == ' ' || *m == '\t')
			m++;
		snprintf(cpu, sizeof(cpu), "%.*s", (int)strcspn(m, "\n"), m);
	}
	printf("  \"host\": {");
	json_string_field("hostname", host, 1);
	json_string_field("kernel", u.release, 1);
	json_string_field("boot_id", boot[0] ? boot : "unknown", 1);
	json_string_field("cpu_model", cpu, 0);
	printf("},\n");
}

/* ------------------------------------------------------------------ main */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: calibrate [--trials N] [--pages N] [--thp-pages N]\n"
		"Measure on this machine the CPU cost of page faults, mmap/munmap/madvise calls and page\n"
		"clearing; print one JSON object (median, p10, p90 over N trials).\n\n"
		"options:\n"
		"  --trials N     timed trials per cost (default %lu; more = tighter spread, slower)\n"
		"  --pages N      pages (or calls) per trial (default %lu)\n"
		"  --thp-pages N  2 MiB pages per THP trial (default %lu)\n\n"
		"EXAMPLES\n"
		"  build/calibrate/calibrate\n"
		"  build/calibrate/calibrate --trials 51\n",
		trials, pages, thp_pages);
}

int main(int argc, char **argv)
{
	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a], *eq = strchr(arg, '=');
		size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
		const char *val = eq ? eq + 1 : (a + 1 < argc ? argv[a + 1] : NULL);
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		unsigned long *dst = len == 8 && strncmp(arg, "--trials", 8) == 0      ? &trials
				     : len == 7 && strncmp(arg, "--pages", 7) == 0     ? &pages
				     : len == 11 && strncmp(arg, "--thp-pages", 11) == 0 ? &thp_pages
											  : NULL;
		if (!dst) {
			fprintf(stderr, "calibrate: unknown argument '%s' (see --help)\n", arg);
			return 2;
		}
		if (!val) {
			fprintf(stderr, "calibrate: %.*s needs a value (see --help)\n", (int)len, arg);
			return 2;
		}
		char *end;
		errno = 0;
		unsigned long v = strtoul(val, &end, 10);
		unsigned long max = dst == &trials ? MAX_TRIALS : dst == &pages ? 1UL << 20 : 512;
		if (!*val || *end || errno || val[0] == '-' || v < 1 || v > max) {
			fprintf(stderr, "calibrate: %.*s needs a whole number between 1 and %lu, got '%s'\n",
				(int)len, arg, max, val);
			return 2;
		}
		*dst = v;
		if (!eq)
			a++;
	}

	enum { FIRST, THP, REFAULT, MMAP, MUNMAP, DONTNEED, CLEAR, MEMSET, NCOSTS };
	struct cost c[NCOSTS] = {
		[FIRST] = { "fault_4k_first_touch", "page",
			    "CPU time of a first write to a fresh anonymous 4 KiB page (MADV_NOHUGEPAGE): trap, "
			    "page allocation, zeroing, mapping; per page" },
		[THP] = { "fault_thp", "page",
			  "CPU time of a first write to a fresh MADV_HUGEPAGE 2 MiB-aligned range: one THP fault "
			  "(allocation and zeroing of 2 MiB); per 2 MiB page, checked with AnonHugePages" },
		[REFAULT] = { "refault_after_dontneed", "page",
			      "CPU time of a write fault on a 4 KiB page that was resident and then dropped by "
			      "MADV_DONTNEED; per page" },
		[MMAP] = { "mmap_call", "call",
			   "CPU time of mmap(4 KiB, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS), untouched; per call" },
		[MUNMAP] = { "munmap_call", "call", "CPU time of munmap of one untouched 4 KiB anonymous mapping; per call" },
		[DONTNEED] = { "madvise_dontneed_call", "call",
			       "CPU time of madvise(MADV_DONTNEED) on one resident 4 KiB page (zap and TLB flush); per call" },
		[CLEAR] = { "clear_page_4k", "page",
			    "MADV_POPULATE_WRITE of fresh 4 KiB pages minus the same call on the now present pages, "
			    "CPU time per page: in-kernel allocation, zeroing and mapping without the fault trap" },
		[MEMSET] = { "memset_4k", "page",
			     "CPU time of a user-space memset of one resident 4 KiB page (a 1 MiB buffer at the default "
			     "--pages), for comparison with clear_page_4k" },
	};
	for (int i = 0; i < NCOSTS; i++) {
		c[i].v = calloc(trials, sizeof(double));
		if (!c[i].v)
			die("out of memory for %lu trials", trials);
	}
	addrs = calloc(pages, sizeof(void *));
	memset_buf = map_small_pages(pages * PAGE, "memset");
	touch(memset_buf, pages * PAGE, PAGE);
	if (!addrs)
		die("out of memory for %lu pages", pages);

	const char *thp_status = thp_unavailable();
	int clear_errno = 0;
	/* trial -1 warms up and is not recorded; the costs are interleaved
	 * within a trial so that a burst of load hits all of them alike */
	for (long t = -1; t < (long)trials; t++) {
		double v[NCOSTS] = { 0 }, mu = 0;
		v[FIRST] = first_touch_trial();
		v[REFAULT] = refault_trial();
		v[MMAP] = mmap_trial(&mu);
		v[MUNMAP] = mu;
		v[DONTNEED] = dontneed_trial();
		if (!clear_errno)
			clear_errno = clear_trial(&v[CLEAR]);
		v[MEMSET] = memset_trial();
		if (!thp_status)
			thp_status = thp_trial(&v[THP]);
		if (t < 0)
			continue;
		for (int i = 0; i < NCOSTS; i++)
			if ((i != THP || !thp_status) && (i != CLEAR || !clear_errno))
				c[i].v[c[i].n++] = v[i];
	}
	c[THP].status = thp_status;
	char clear_status[160];
	if (clear_errno) {
		snprintf(clear_status, sizeof(clear_status), "not measurable here: madvise(MADV_POPULATE_WRITE) failed: %s%s",
			 strerror(clear_errno), clear_errno == EINVAL ? " (kernel older than 5.14)" : "");
		c[CLEAR].status = clear_status;
	}

	printf("{\n  \"schema\": 1,\n");
	json_host();
	printf("  \"trials\": %lu, \"pages_per_trial\": %lu, \"thp_pages_per_trial\": %lu,\n", trials, pages, thp_pages);
	printf("  \"clock\": \"CLOCK_THREAD_CPUTIME_ID\",\n  \"costs\": {\n");
	for (int i = 0; i < NCOSTS; i++)
		json_cost(&c[i], i == NCOSTS - 1);
	printf("  }\n}\n");
	return 0;
}
