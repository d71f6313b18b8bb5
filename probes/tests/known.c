/* known.c - a workload with exactly known memory behaviour, for the
 * probes' tests.  Every step runs only when asked, so that a test can
 * compare two runs that differ in one step (the loader's and libc's own
 * mmaps and faults are the same in both and cancel out).
 *
 *   --touch N      mmap N*4 KiB anonymous, write one byte per page (N faults,
 *                  N zeroed pages); kept mapped
 *   --calls K      K x (mmap 1 page, madvise MADV_DONTNEED, munmap): exactly
 *                  K of each, no page touched
 *   --unmap K      K x (mmap 16 pages, touch them, munmap): munmap of touched
 *                  pages, which must flush the TLB
 *   --thp 1        a 2 MiB-aligned region with MADV_HUGEPAGE, every 4 KiB page
 *                  written: one THP fault instead of 512
 *   --superslab K  K x (a 2 MiB-aligned region reported with
 *                  hakmem_trace_superslab_map, 100 pages touched, reported
 *                  unmapped, munmap), like HAKMEM does
 *   --superslab-early K  like --superslab, but as HAKMEM does it: the header
 *                  page and 9 more are written before the map report (those
 *                  faults precede the hook), the other 90 after it
 *   --superslab-thp 1  one SuperSlab with MADV_HUGEPAGE whose header is
 *                  written before the map report: the THP fault precedes the
 *                  hook; then 100 pages touched (no more faults), unmapped
 *   --rss-out PATH after the steps above, write "RssAnon KIB" (the exact
 *                  /proc/self/status figure on kernels >= 6.16) and
 *                  "Anonymous KIB" (/proc/self/smaps_rollup: a page-table
 *                  walk) to PATH: the independent view of its anon RSS,
 *                  read without allocating (it must not change the figure)
 *   --hold-ms M    sleep M ms at the end (so that /proc can be sampled)
 *
 * Syscalls go through syscall(2) directly: exactly one each. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define HUGE (2UL << 20)

/* The same interface HAKMEM exports; the tests attach the probes' uprobes
 * to these functions in this executable.  noipa, not just noinline: GCC
 * would otherwise call a ".constprop" clone (len is constant here) and a
 * uprobe on the real symbol would never fire. */
__attribute__((noipa, used)) void hakmem_trace_superslab_map(void *base, size_t len)
{
	__asm__ volatile("" : : "r"(base), "r"(len) : "memory");
}

__attribute__((noipa, used)) void hakmem_trace_superslab_unmap(void *base, size_t len)
{
	__asm__ volatile("" : : "r"(base), "r"(len) : "memory");
}

static char *map_anon(size_t len)
{
	void *p = (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("probes_known: mmap");
		exit(1);
	}
	return p;
}

static void touch(volatile char *p, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		p[i * PAGE] = 1;
}

/* A 2 MiB-aligned 2 MiB region inside a 4 MiB mapping (one mmap call). */
static char *map_aligned_2m(void)
{
	char *raw = map_anon(2 * HUGE);
	return (char *)(((unsigned long)raw + HUGE - 1) & ~(HUGE - 1));
}

/* The number after "field" in /proc/self/FILE, in kB; -1 if missing. */
static long proc_kib(const char *file, const char *field)
{
	static char buf[16384];
	int fd = open(file, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *p = strstr(buf, field);
	return p ? strtol(p + strlen(field), NULL, 10) : -1;
}

static void write_rss(const char *path)
{
	long rss_anon = proc_kib("/proc/self/status", "\nRssAnon:");
	long anonymous = proc_kib("/proc/self/smaps_rollup", "\nAnonymous:");
	char line[128];
	int len = snprintf(line, sizeof(line), "RssAnon %ld\nAnonymous %ld\n", rss_anon, anonymous);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, line, (size_t)len) != len) {
		perror("probes_known: --rss-out");
		exit(1);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	const char *rss_out = NULL;
	unsigned long touch_n = 0, calls = 0, unmaps = 0, thp = 0, superslabs = 0, hold_ms = 0;
	unsigned long ss_early = 0, ss_thp = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		unsigned long v = strtoul(argv[i + 1], NULL, 0);
		if (!strcmp(argv[i], "--rss-out")) rss_out = argv[i + 1];
		else if (!strcmp(argv[i], "--touch")) touch_n = v;
		else if (!strcmp(argv[i], "--calls")) calls = v;
		else if (!strcmp(argv[i], "--unmap")) unmaps = v;
		else if (!strcmp(argv[i], "--thp")) thp = v;
		else if (!strcmp(argv[i], "--superslab")) superslabs = v;
		else if (!strcmp(argv[i], "--superslab-early")) ss_early = v;
		else if (!strcmp(argv[i], "--superslab-thp")) ss_thp = v;
		else if (!strcmp(argv[i], "--hold-ms")) hold_ms = v;
		else {
			fprintf(stderr, "probes_known: unknown option '%s' (see the comment in known.c)\n", argv[i]);
			return 2;
		}
	}

	if (touch_n)
		touch(map_anon(touch_n * PAGE), touch_n);

	for (unsigned long i = 0; i < calls; i++) {
		char *p = map_anon(PAGE);
		syscall(SYS_madvise, p, PAGE, MADV_DONTNEED);
		syscall(SYS_munmap, p, PAGE);
	}

	for (unsigned long i = 0; i < unmaps; i++) {
		char *p = map_anon(16 * PAGE);
		touch(p, 16);
		syscall(SYS_munmap, p, 16 * PAGE);
	}

	if (thp) {
		char *h = map_aligned_2m();
		if (syscall(SYS_madvise, h, HUGE, MADV_HUGEPAGE) != 0) {
			perror("probes_known: madvise(MADV_HUGEPAGE)");
			return 1;
		}
		touch(h, HUGE / PAGE);
	}

	for (unsigned long i = 0; i < superslabs; i++) {
		char *raw = map_anon(2 * HUGE);
		char *ss = (char *)(((unsigned long)raw + HUGE - 1) & ~(HUGE - 1));
		hakmem_trace_superslab_map(ss, HUGE);
		touch(ss, 100);
		hakmem_trace_superslab_unmap(ss, HUGE);
		syscall(SYS_munmap, raw, 2 * HUGE);
	}

	for (unsigned long i = 0; i < ss_early; i++) {
		char *raw = map_anon(2 * HUGE);
		char *ss = (char *)(((unsigned long)raw + HUGE - 1) & ~(HUGE - 1));
		touch(ss, 10);
		hakmem_trace_superslab_map(ss, HUGE);
		touch(ss + 10 * PAGE, 90);
		hakmem_trace_superslab_unmap(ss, HUGE);
		syscall(SYS_munmap, raw, 2 * HUGE);
	}

	if (ss_thp) {
		char *raw = map_anon(2 * HUGE);
		char *ss = (char *)(((unsigned long)raw + HUGE - 1) & ~(HUGE - 1));
		if (syscall(SYS_madvise, ss, HUGE, MADV_HUGEPAGE) != 0) {
			perror("probes_known: madvise(MADV_HUGEPAGE)");
			return 1;
		}
		touch(ss, 1);
		hakmem_trace_superslab_map(ss, HUGE);
		touch(ss, 100);
		hakmem_trace_superslab_unmap(ss, HUGE);
		syscall(SYS_munmap, raw, 2 * HUGE);
	}

	if (rss_out)
		write_rss(rss_out);

	if (hold_ms) {
		struct timespec ts = { (time_t)(hold_ms / 1000), (long)(hold_ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) != 0)
			;
	}
	printf("{\"workload\": \"probes_known\", \"ops\": 1, \"seconds\": 0, \"ops_per_sec\": 0, \"ops_unit\": \"run\"}\n");
	return 0;
}
