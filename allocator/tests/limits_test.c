/* limits_test.c - HAKMEM at the limits (issue 16).  A plain program, run
 * under LD_PRELOAD=libhakmem.so by meson (so it can also be pointed at an
 * older library to show that each case failed before):
 *
 *   limits_test large_double_free   a double free of a large block aborts
 *                                   with a one-line message (it used to
 *                                   spin forever holding the large lock);
 *                                   so does a mid-size (1 MiB) block
 *   limits_test map_limit           70,000 live blocks of 300 KiB, freed,
 *                                   three rounds: every block is served
 *                                   (one mapping each used to hit
 *                                   vm.max_map_count) and RSS after freeing
 *                                   does not grow from round to round
 *   limits_test decay               1 GiB of 2 MiB blocks freed, then the
 *                                   program sleeps: RSS goes down within a
 *                                   few HAKMEM_DECAY_MS (it used to stay
 *                                   until the next large malloc or free)
 *   limits_test mid_churn           mid-size blocks freed and allocated
 *                                   again reuse their resident pages (each
 *                                   malloc refaulted them when their units
 *                                   went back at once), and give them back
 *                                   within a few HAKMEM_DECAY_MS of idling
 *   limits_test trim                malloc_trim(0) gives free slab memory
 *                                   and the large cache back; mallinfo2
 *                                   reports HAKMEM's live blocks
 *   limits_test stats_stderr_closed HAKMEM_STATS=1 output reaches the
 *                                   original stderr of a program that
 *                                   closed its stderr before exiting
 *   limits_test faults_per_malloc   no malloc of a small class takes more
 *                                   than a few page faults (a refill used
 *                                   to link 32 fresh 4 KiB blocks at once:
 *                                   32 faults, 65-100 us, in one malloc;
 *                                   issue 13 item 3, the max)
 *
 * Every case runs in a child under a watchdog (alarm), so a hang is a
 * failure, never a stuck test. */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "child.h"
#include "proc_self.h"

static long count_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;
	if (!f)
		return -1;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Run fn in a child with stderr captured and a watchdog of `secs`
 * seconds; return its wait status, the captured text in out. */
/* Run fn in a child (child.h), which exits with fn's value. */
static int (*child_fn)(void);

static void child_main(void)
{
	_exit(child_fn());
}

static int run_child(int (*fn)(void), unsigned secs, char *out, size_t outlen)
{
	child_fn = fn;
	return run_child_captured(child_main, secs, out, outlen);
}

/* ------------------------------------------------- large double free */

static int large_double_free(void)
{
	char *volatile p = malloc(4 << 20);
	free(p);
	free(p);
	return 0;           /* not reached when the double free is caught */
}

static int large_double_free_threaded(void)
{
	/* a second block cached too: the free must not relink into a list
	 * that already holds the block */
	char *volatile p = malloc(4 << 20), *volatile q = malloc(8 << 20);
	free(q);
	free(p);
	free(p);
	return 0;
}

/* the issue's own example: 1 MiB is a mid-size block now (a one-block
 * slab), whose second free would relink it into its slab's free list */
static int mid_double_free(void)
{
	char *volatile p = malloc(1 << 20);
	free(p);
	free(p);
	return 0;
}

static int case_large_double_free(void)
{
	char out[4096];
	int (*fns[])(void) = { large_double_free, large_double_free_threaded, mid_double_free };
	for (unsigned i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		int st = run_child(fns[i], 10, out, sizeof(out));
		int aborted = WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
		int hung = WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM;
		if (!aborted || !strstr(out, "double free"))
			fprintf(stderr, "  case %u: status %#x%s, child said: %s\n", i, st, hung ? " (hung: killed by the watchdog)" : "", out);
		CHECK("large double free aborts with a message naming it", aborted && strstr(out, "double free"));
		CHECK("the message is one line", strchr(out, '\n') == out + strlen(out) - 1);
	}
	return 0;
}

/* ----------------------------------------------------------- map limit */

#define MAP_BLOCKS 70000
#define MAP_SIZE (300 << 10)

static int map_limit_rounds(void)
{
	static char *blocks[MAP_BLOCKS];
	long rss_after[3], maps_peak = 0;
	for (int round = 0; round < 3; round++) {
		long got = 0;
		for (long i = 0; i < MAP_BLOCKS; i++) {
			blocks[i] = malloc(MAP_SIZE);
			if (blocks[i]) {
				blocks[i][0] = (char)i;     /* one page of each is resident */
				got++;
			}
		}
		long maps = count_mappings();
		if (maps > maps_peak)
			maps_peak = maps;
		for (long i = 0; i < MAP_BLOCKS; i++)
			free(blocks[i]);
		rss_after[round] = rss_kib();
		fprintf(stderr, "round %d: %ld of %d blocks served, %ld mappings, RSS after freeing %ld KiB\n",
			round, got, MAP_BLOCKS, maps, rss_after[round]);
		if (got != MAP_BLOCKS)
			return 1;
	}
	if (maps_peak > 30000)
		return 2;       /* blocks cost a mapping each */
	/* flat: the last round leaves at most 16 MiB more than the first */
	if (rss_after[2] > rss_after[0] + 16 * 1024)
		return 3;
	return 0;
}

/* Run fn in a watched child, show what it printed, check it exited 0. */
static void check_child(int (*fn)(void), unsigned secs, const char *name)
{
	char out[4096];
	int st = run_child(fn, secs, out, sizeof(out));
	fprintf(stderr, "%s", out);
	CHECK(name, WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static int case_map_limit(void)
{
	check_child(map_limit_rounds, 120, "every block served, few mappings, RSS after freeing flat across rounds");
	return 0;
}

/* --------------------------------------------------------------- decay */

#define DECAY_BLOCKS 512
#define DECAY_SIZE (2 << 20)

static int decay_idle(void)
{
	static char *blocks[DECAY_BLOCKS];
	for (int i = 0; i < DECAY_BLOCKS; i++) {
		blocks[i] = malloc(DECAY_SIZE);
		if (!blocks[i])
			return 1;
		for (size_t off = 0; off < DECAY_SIZE; off += 4096)
			blocks[i][off] = 1;
	}
	long live = rss_kib();
	for (int i = 0; i < DECAY_BLOCKS; i++)
		free(blocks[i]);
	long freed = rss_kib();
	/* idle: no allocation at all while we wait (HAKMEM_DECAY_MS=200) */
	struct timespec ts = { 1, 500000000 };
	nanosleep(&ts, NULL);
	long idle = rss_kib();
	fprintf(stderr, "RSS live %ld KiB, just freed %ld KiB, after 1.5 s idle %ld KiB\n", live, freed, idle);
	return idle < 128 * 1024 ? 0 : 2;
}

static int case_decay(void)
{
	check_child(decay_idle, 60, "1 GiB freed goes back to the OS while the program is idle");
	return 0;
}

/* ----------------------------------------------------------- mid churn */

#define MID_BLOCKS 16
#define MID_SIZE (1000 << 10)       /* a mid-size class of 16 units */

static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static int mid_churn(void)
{
	static char *blocks[MID_BLOCKS];
	long faults[3] = { 0, 0, 0 }, freed = 0;
	for (int round = 0; round < 3; round++) {
		long f0 = minflt();
		for (int i = 0; i < MID_BLOCKS; i++) {
			blocks[i] = malloc(MID_SIZE);
			if (!blocks[i])
				return 1;
			for (size_t off = 0; off < MID_SIZE; off += 4096)
				blocks[i][off] = 1;
		}
		faults[round] = minflt() - f0;
		for (int i = 0; i < MID_BLOCKS; i++)
			free(blocks[i]);
		freed = rss_kib();
	}
	/* idle: no allocation at all while we wait (HAKMEM_DECAY_MS=200) */
	struct timespec ts = { 1, 500000000 };
	nanosleep(&ts, NULL);
	long idle = rss_kib();
	long pages = (long)MID_BLOCKS * (MID_SIZE / 4096);
	fprintf(stderr, "page faults per round of %ld pages: %ld, %ld, %ld; RSS just freed %ld KiB, after 1.5 s idle %ld KiB\n",
		pages, faults[0], faults[1], faults[2], freed, idle);
	if (faults[1] > pages / 10 || faults[2] > pages / 10)
		return 2;       /* the pages went back and faulted again */
	/* what is kept beyond the pool's 2 SuperSlabs and the class's last
	 * slab goes back */
	return freed - idle >= 8 * 1024 ? 0 : 3;
}

static int case_mid_churn(void)
{
	check_child(mid_churn, 60, "freed mid-size blocks are reused without refaulting and given back when idle");
	return 0;
}

/* ---------------------------------------------------- trim, mallinfo2 */

#define TRIM_SMALL 4000
#define TRIM_LARGE 8

static int trim_and_report(void)
{
	static char *small[TRIM_SMALL], *large[TRIM_LARGE];
	char *live[100];
	for (int i = 0; i < 100; i++)
		live[i] = malloc(10000);
	for (int i = 0; i < TRIM_SMALL; i++) {
		small[i] = malloc(16384);
		memset(small[i], 1, 16384);
	}
	for (int i = 0; i < TRIM_LARGE; i++) {
		large[i] = malloc(4 << 20);
		memset(large[i], 1, 4 << 20);
	}
	struct mallinfo2 m = mallinfo2();
	fprintf(stderr, "mallinfo2 with 8 live 4 MiB blocks and 64 MB of 16 KiB ones: arena %zu hblks %zu hblkhd %zu uordblks %zu\n",
		m.arena, m.hblks, m.hblkhd, m.uordblks);
	int ok = m.hblks >= TRIM_LARGE && m.hblkhd >= (size_t)TRIM_LARGE << 22 && m.uordblks >= (size_t)TRIM_SMALL * 16384 &&
		 m.arena >= m.uordblks;
	for (int i = 0; i < TRIM_SMALL; i++)
		free(small[i]);
	for (int i = 0; i < TRIM_LARGE; i++)
		free(large[i]);
	long before = rss_kib();
	int r = malloc_trim(0);
	long after = rss_kib();
	fprintf(stderr, "RSS after freeing %ld KiB, after malloc_trim(0) %ld KiB (returned %d)\n", before, after, r);
	for (int i = 0; i < 100; i++)
		free(live[i]);
	if (!ok)
		return 1;
	/* most of what was freed but still resident goes back */
	return r == 1 && before - after >= 24 * 1024 && after < before / 4 ? 0 : 2;
}

static int case_trim(void)
{
	check_child(trim_and_report, 60, "mallinfo2 reports HAKMEM's blocks and malloc_trim(0) gives free memory back");
	return 0;
}

/* ------------------------------------------------------ closed stderr */

static int stats_child(void)
{
	free(malloc(100));
	close(2);           /* as xz and sort do before exiting */
	return 0;
}

/* Run `self arg` (this program again, so under the same LD_PRELOAD) with
 * env set and, when as_limit is non-zero, an address-space limit; its
 * stderr goes to out.  Returns its wait status. */
static int exec_captured(const char *self, const char *arg, const char *env, rlim_t as_limit, char *out, size_t outlen)
{
	int fd = -1;
	pid_t pid = fork_captured(&fd);
	if (pid == 0) {
		if (env)
			putenv((char *)env);
		struct rlimit rl = { as_limit, as_limit };
		if (as_limit && setrlimit(RLIMIT_AS, &rl) != 0)
			_exit(126);
		execl(self, self, arg, (char *)NULL);
		_exit(127);
	}
	return collect_captured(pid, fd, out, outlen);
}

static int case_stats_stderr_closed(const char *self)
{
	char out[16384];
	int status = exec_captured(self, "stats_child", "HAKMEM_STATS=1", 0, out, sizeof out);
	CHECK("the child exited normally", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (!strstr(out, "hakmem: statistics"))
		fprintf(stderr, "  the child's stderr held: '%s'\n", out);
	CHECK("HAKMEM_STATS=1 output is not lost when the program closed stderr", strstr(out, "hakmem: statistics") != NULL);
	return 0;
}

/* ------------------------------------------- address-space limit (ulimit -v) */

/* Under a 1 GiB address-space limit the unit table (32 GiB of address
 * space, guard.c) cannot be mapped: HAKMEM stops at start with one line
 * saying so, instead of running without it or faulting later. */
static int case_address_space_limit(const char *self)
{
	char out[4096];
	int status = exec_captured(self, "stats_child", NULL, (rlim_t)1 << 30, out, sizeof out);
	if (!WIFSIGNALED(status) || !strstr(out, "cannot map the unit table"))
		fprintf(stderr, "  child status %#x, said: '%s'\n", status, out);
	CHECK("under ulimit -v 1 GiB HAKMEM aborts at start", WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK("... with one line naming the unit table and the limit",
	      strstr(out, "hakmem: cannot map the unit table") && strstr(out, "ulimit -v") && !strchr(strchr(out, '\n') + 1, '\n'));
	return 0;
}

/* --------------------------------------------------- faults per malloc */

#define FPM_BLOCKS 3000

/* Fresh memory only (nothing is freed): every page a block lies on is
 * faulted in by someone, and the malloc that faults the most is what a
 * latency tail sees.  Counted for this thread only (the decay thread's
 * faults are not ours). */
static int faults_per_malloc(void)
{
	static const size_t sizes[] = { 1024, 4096, 8192, 16384, 65536 };
	int bad = 0;
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		long worst = 0, total = 0;
		int worst_at = -1;
		/* the class's first malloc sets up the thread and the class: once,
		 * and not what a tail is made of */
		free(malloc(sizes[k]));
		for (int i = 0; i < FPM_BLOCKS; i++) {
			struct rusage a, b;
			getrusage(RUSAGE_THREAD, &a);
			char *p = malloc(sizes[k]);
			getrusage(RUSAGE_THREAD, &b);
			if (!p)
				return 1;
			p[0] = 1;       /* the program's own touch, outside the count */
			long f = b.ru_minflt - a.ru_minflt;
			total += f;
			if (f > worst) {
				worst = f;
				worst_at = i;
			}
		}
		fprintf(stderr, "%zu-byte blocks: at most %ld page faults in one malloc (number %d), %ld in %d\n",
			sizes[k], worst, worst_at, total, FPM_BLOCKS);
		/* 16 KiB of fresh blocks (4 pages) plus a new SuperSlab's
		 * header and unit-table pages */
		if (worst > 8)
			bad = 2;
	}
	return bad;
}

static int case_faults_per_malloc(void)
{
	check_child(faults_per_malloc, 60, "no malloc of a small class takes more than 8 page faults");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: limits_test large_double_free|map_limit|decay|mid_churn|trim|stats_stderr_closed|address_space_limit|faults_per_malloc\n");
		return 2;
	}
	if (!strcmp(argv[1], "large_double_free"))
		case_large_double_free();
	else if (!strcmp(argv[1], "map_limit"))
		case_map_limit();
	else if (!strcmp(argv[1], "decay"))
		case_decay();
	else if (!strcmp(argv[1], "mid_churn"))
		case_mid_churn();
	else if (!strcmp(argv[1], "trim"))
		case_trim();
	else if (!strcmp(argv[1], "stats_stderr_closed"))
		case_stats_stderr_closed("/proc/self/exe");
	else if (!strcmp(argv[1], "address_space_limit"))
		case_address_space_limit("/proc/self/exe");
	else if (!strcmp(argv[1], "faults_per_malloc"))
		case_faults_per_malloc();
	else if (!strcmp(argv[1], "stats_child"))
		return stats_child();
	else {
		fprintf(stderr, "limits_test: unknown case '%s' (large_double_free, map_limit, decay, mid_churn, trim, stats_stderr_closed, address_space_limit, faults_per_malloc)\n", argv[1]);
		return 2;
	}
	return check_summary();
}
