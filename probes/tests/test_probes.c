/* test_probes.c - drives the probes collector around probes_known (a
 * program with exactly known behaviour) the way the engine does: fork,
 * hold the child on a pipe, setup + attach, release, tick while it runs,
 * reap with wait4 (rusage), finish into a record; then checks the figures.
 *
 * Runs differ in one step each and are compared with a baseline run, so
 * that the dynamic loader's and libc's own mmaps and faults cancel out.
 * Needs root and an eBPF-enabled build; otherwise exits 77 (meson: SKIP)
 * with the reason.  A group that fails to load as root is a FAILURE.
 *
 *   test_probes PATH/TO/probes_known */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "collector.h"
#include "engine.h"

#define OPS 1000.0

static const char *known;

/* Pages the forked child touches before its exec, as the harness's own
 * code does: none of it may be counted. */
static long pre_exec_pages;

struct run {
	struct jv *rec;
	struct rusage ru;
	struct metrics m;
};

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* What the harness does in its own process while the child is probed:
 * must not be counted. */
static void harness_noise(void)
{
	size_t len = 3000 * 4096UL;
	char *p = (char *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	for (int i = 0; i < 5; i++)
		syscall(SYS_madvise, p, len, MADV_COLD);
	syscall(SYS_munmap, p, len);
}

/* One probed run of probes_known with args (NULL-terminated). */
static int run_known(const char *groups, const char *lib, bool noise, bool shell,
		     const char *const *args, struct run *r)
{
	struct run_opts o;
	memset(&o, 0, sizeof(o));
	o.probes = groups;
	char err[512] = "";
	void *state = NULL;
	if (probes_collector.setup(&o, &state, err, sizeof(err)) < 0 || !state) {
		fprintf(stderr, "setup failed: %s\n", err);
		return -1;
	}

	char *argv[32], line[512];
	int n = 0;
	if (shell) {
		/* As the harness runs --cmd: dash forks the program. */
		snprintf(line, sizeof(line), "%s", known);
		for (int i = 0; args[i]; i++)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s", args[i]);
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "; true");
		argv[n++] = "/bin/sh";
		argv[n++] = "-c";
		argv[n++] = line;
	} else {
		argv[n++] = (char *)known;
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = (char *)args[i];
	}
	argv[n] = NULL;

	int pfd[2];
	if (pipe(pfd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		char c;
		close(pfd[1]);
		if (read(pfd[0], &c, 1) != 1)
			_exit(127);
		if (pre_exec_pages > 0) {
			volatile char *p = malloc(pre_exec_pages * 4096);
			for (long i = 0; p && i < pre_exec_pages; i++)
				p[i * 4096] = 1;
		}
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pfd[0]);

	struct variant v;
	memset(&v, 0, sizeof(v));
	snprintf(v.alloc.path, sizeof(v.alloc.path), "%s", lib ? lib : "");
	struct run_ctx ctx = { .pid = pid, .opts = &o, .variant = &v, .ops = OPS, .ok = 1, .workload = "cmd" };
	if (probes_collector.attach(state, &ctx, err, sizeof(err)) < 0) {
		fprintf(stderr, "attach failed: %s\n", err);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	if (noise)
		harness_noise();
	if (write(pfd[1], "x", 1) != 1)
		return -1;
	close(pfd[1]);

	int st;
	for (;;) {
		pid_t w = wait4(pid, &st, WNOHANG, &r->ru);
		if (w == pid)
			break;
		if (w < 0)
			return -1;
		probes_collector.tick(state, &ctx, 0);
		if (noise)
			harness_noise();
		sleep_ms(50);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "probes_known failed (status %d)\n", st);
		return -1;
	}

	struct jbuf b;
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	memset(&r->m, 0, sizeof(r->m));
	probes_collector.finish(state, &ctx, &b, &r->m);
	jb_obj_end(&b);
	probes_collector.teardown(state);
	r->rec = jv_parse(b.s, err, sizeof(err));
	if (!r->rec)
		fprintf(stderr, "record does not parse: %s\n%s\n", err, b.s);
	if (getenv("PROBES_TEST_VERBOSE"))
		printf("%s\n", b.s);
	jb_free(&b);
	return r->rec ? 0 : -1;
}

static bool thp_possible(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f)
		return false;
	bool ok = fgets(buf, sizeof(buf), f) && !strstr(buf, "[never]");
	fclose(f);
	return ok;
}

static double num(const struct run *r, const char *path)
{
	return jv_num(r->rec, path, -1);
}

static double delta(const struct run *a, const struct run *base, const char *path)
{
	return jv_num(a->rec, path, 0) - jv_num(base->rec, path, 0);
}

static bool within(double v, double want, double frac)
{
	return v >= want * (1 - frac) && v <= want * (1 + frac);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_probes PATH/TO/probes_known\n");
		return 2;
	}
	known = argv[1];
	if (geteuid() != 0) {
		printf("SKIP: the eBPF probes need root (this test runs as uid %d)\n", (int)geteuid());
		return 77;
	}

	/* Option handling, before anything is loaded. */
	{
		struct run_opts o;
		memset(&o, 0, sizeof(o));
		void *st = NULL;
		char err[256] = "";
		o.probes = "faults,bogus";
		CHECK("unknown group is refused", probes_collector.setup(&o, &st, err, sizeof(err)) == -1);
		CHECK("error names the group", strstr(err, "bogus") != NULL);
		o.probes = NULL;
		CHECK("probes off: no state", probes_collector.setup(&o, &st, err, sizeof(err)) == 0 && st == NULL);
	}

	static const char *const base_args[] = { NULL };
	struct run base;
	if (run_known("all", NULL, false, false, base_args, &base) < 0)
		return 1;
	const char *st = jv_str(base.rec, "probes.faults.status");
	if (st && strstr(st, "built without eBPF")) {
		printf("SKIP: %s\n", st);
		return 77;
	}
	const char *groups[] = { "faults", "tlb", "zero", "thp", "vm" };
	for (int g = 0; g < 5; g++) {
		char path[64];
		snprintf(path, sizeof(path), "probes.%s.status", groups[g]);
		const char *s = jv_str(base.rec, path);
		if (!s || strcmp(s, "ok") != 0)
			fprintf(stderr, "group %s: %s\n", groups[g], s ? s : "(missing)");
		CHECK("every group loads as root", s && strcmp(s, "ok") == 0);
	}
	const char *ss = jv_str(base.rec, "probes.faults.superslab.status");
	CHECK("no SuperSlab attribution without an allocator library", ss && strncmp(ss, "unavailable", 11) == 0);

	/* Touch N pages, K mmap/madvise/munmap triples, U munmaps of touched
	 * pages; the harness makes its own noise meanwhile. */
	enum { N = 4000, K = 10, U = 20 };
	static const char *const b_args[] = { "--touch", "4000", "--calls", "10", "--unmap", "20", NULL };
	struct run b;
	if (run_known("all", NULL, true, false, b_args, &b) < 0)
		return 1;
	double touched = N + U * 16;
	double anon = delta(&b, &base, "probes.faults.by_region.anon_mmap");
	printf("touched %.0f pages: anon_mmap faults +%.0f, zeroed pages +%.0f, total faults %.0f, rusage minflt %ld\n",
	       touched, anon, delta(&b, &base, "probes.zero.user_4k_pages"), num(&b, "probes.faults.total"), b.ru.ru_minflt);
	CHECK("faults in the anonymous mapping ~ pages touched", within(anon, touched, 0.03));
	CHECK("zeroed 4 KiB pages ~ pages touched", within(delta(&b, &base, "probes.zero.user_4k_pages"), touched, 0.03));
	CHECK("fault count agrees with rusage minflt", within(num(&b, "probes.faults.total"), (double)b.ru.ru_minflt, 0.03));
	CHECK("the touches are write faults", within(delta(&b, &base, "probes.faults.write"), touched, 0.03));
	CHECK("mmap calls counted exactly", delta(&b, &base, "probes.vm.mmap.calls") == 1 + K + U);
	CHECK("munmap calls counted exactly", delta(&b, &base, "probes.vm.munmap.calls") == K + U);
	CHECK("madvise DONTNEED counted exactly", delta(&b, &base, "probes.vm.madvise.by_advice.dontneed.calls") == K);
	CHECK("madvise bytes counted exactly", delta(&b, &base, "probes.vm.madvise.bytes") == K * 4096.0);
	CHECK("the harness's own madvise(COLD) is not counted", jv_get(b.rec, "probes.vm.madvise.by_advice.cold") == NULL);
	CHECK("peak anon RSS covers the touched pages",
	      num(&b, "probes.vm.peak_anon_rss_kib") >= N * 4.0 && num(&b, "probes.vm.peak_anon_rss_kib") < N * 4.0 + 8192);
	/* Single-threaded munmap of touched pages: one local_mm_shootdown
	 * naming the 16 pages, unless the TLB was already flushed since (a
	 * context switch): the kernel then skips it (tlb_gen check) and no
	 * event fires.  Munmap of never-touched pages flushes nothing.  The
	 * kernel may also flush the whole TLB instead of naming the pages
	 * (pages == -1, counted as "full": e.g. when it missed an intermediate
	 * flush generation); seen once in about 15 runs here, so a full flush
	 * counts as covering the 16 pages. */
	double tlb = delta(&b, &base, "probes.tlb.by_reason.local_mm_shootdown.flushes");
	double tlb_pages = delta(&b, &base, "probes.tlb.by_reason.local_mm_shootdown.pages");
	double tlb_full = delta(&b, &base, "probes.tlb.by_reason.local_mm_shootdown.full");
	printf("munmap of touched pages x%d: local_mm_shootdown flushes +%.0f, pages +%.0f, full flushes +%.0f\n",
	       U, tlb, tlb_pages, tlb_full);
	CHECK("munmap of touched pages flushes the TLB", tlb >= U / 2 && tlb <= U + 5);
	/* Lower bound on this run's own counts (a noisy baseline must not pull
	 * it down), upper bound on the difference from the baseline. */
	double own_pages = num(&b, "probes.tlb.by_reason.local_mm_shootdown.pages");
	double own_full = num(&b, "probes.tlb.by_reason.local_mm_shootdown.full");
	printf("  this run: pages %.0f, full %.0f; baseline: pages %.0f, full %.0f\n", own_pages, own_full,
	       num(&base, "probes.tlb.by_reason.local_mm_shootdown.pages"),
	       num(&base, "probes.tlb.by_reason.local_mm_shootdown.full"));
	CHECK("the flushes name the unmapped pages (or flush all)",
	      own_pages + 16 * own_full >= U * 16 * 0.75 && tlb_pages <= U * 16 + 64 + 16 * tlb_full);
	const struct metric *mf = metrics_find(&b.m, "faults"), *mk = metrics_find(&b.m, "faults_per_kop");
	CHECK("faults metric", mf && !mf->status[0] && mf->value == num(&b, "probes.faults.total"));
	CHECK("faults_per_kop metric", mk && !mk->status[0] && mk->value == mf->value * 1000.0 / OPS);

	/* One 2 MiB-aligned MADV_HUGEPAGE region, all 512 pages written
	 * (needs THP mode madvise or always). */
	static const char *const c_args[] = { "--thp", "1", "--hold-ms", "400", NULL };
	struct run c;
	if (!thp_possible()) {
		printf("THP checks skipped: transparent_hugepage/enabled is [never]\n");
		goto superslab;
	}
	if (run_known("all", NULL, false, false, c_args, &c) < 0)
		return 1;
	double thp_faults = delta(&c, &base, "probes.faults.by_region.anon_mmap");
	printf("THP region: order-9 pages %.0f, anon_mmap faults +%.0f (512 without THP), AnonHugePages peak %.0f KiB\n",
	       num(&c, "probes.thp.thp_pages"), thp_faults, num(&c, "probes.thp.anon_huge_pages.peak_kib"));
	CHECK("an order-9 page was allocated", num(&c, "probes.thp.thp_pages") >= 1);
	CHECK("zero group sees the THP", num(&c, "probes.zero.thp_pages") >= 1);
	CHECK("far fewer faults than 4 KiB pages", thp_faults < 32);
	CHECK("madvise(HUGEPAGE) counted once", num(&c, "probes.vm.madvise.by_advice.hugepage.calls") == 1);
	CHECK("AnonHugePages sampled while running", num(&c, "probes.thp.anon_huge_pages.peak_kib") >= 2048);
	CHECK("THP zeroing time estimated", num(&c, "probes.zero.time_estimate.samples_thp") >= 1);

superslab:
	/* SuperSlabs reported through the allocator interface (here exported
	 * by probes_known itself): 3 x 100 pages touched inside them. */
	static const char *const d_args[] = { "--superslab", "3", NULL };
	struct run d;
	if (run_known("faults", known, false, false, d_args, &d) < 0)
		return 1;
	const char *dss = jv_str(d.rec, "probes.faults.superslab.status");
	CHECK("SuperSlab uprobes attached", dss && strcmp(dss, "ok") == 0);
	CHECK("SuperSlab maps counted", num(&d, "probes.faults.superslab.maps") == 3);
	CHECK("SuperSlab unmaps counted", num(&d, "probes.faults.superslab.unmaps") == 3);
	CHECK("faults inside SuperSlabs", within(num(&d, "probes.faults.by_region.superslab"), 300, 0.03));
	CHECK("SuperSlab faults not also counted as anon mmap", delta(&d, &base, "probes.faults.by_region.anon_mmap") < 30);
	CHECK("only the requested group is in the record", jv_get(d.rec, "probes.tlb") == NULL);

	/* Accounting starts at the workload's exec: the child touches 3000
	 * pages (12 MiB) before it, which rusage counts and the probes must
	 * not (neither as faults nor in the peak anon RSS). */
	{
		enum { P = 3000 };
		struct run pre;
		pre_exec_pages = P;
		int rc = run_known("faults,vm", NULL, false, false, base_args, &pre);
		pre_exec_pages = 0;
		if (rc < 0)
			return 1;
		double tot = num(&pre, "probes.faults.total"), base_tot = num(&base, "probes.faults.total");
		printf("%d pages touched before exec: rusage minflt %ld, probe faults %.0f (baseline run %.0f), "
		       "peak anon %.0f KiB (baseline %.0f)\n", P, pre.ru.ru_minflt, tot, base_tot,
		       num(&pre, "probes.vm.peak_anon_rss_kib"), num(&base, "probes.vm.peak_anon_rss_kib"));
		CHECK("rusage sees the pre-exec faults", pre.ru.ru_minflt >= P);
		CHECK("the probes do not", tot > 0 && tot <= pre.ru.ru_minflt - P * 0.97 && tot <= base_tot + 30);
		CHECK("no brk fault before exec is counted", num(&pre, "probes.faults.by_region.brk") <= num(&base, "probes.faults.by_region.brk") + 5);
		CHECK("peak anon RSS excludes the pre-exec memory",
		      num(&pre, "probes.vm.peak_anon_rss_kib") > 0 && num(&pre, "probes.vm.peak_anon_rss_kib") < P * 4 / 4);
	}

	/* Exact peak anon RSS against /proc of the same process: known
	 * touches 300 pages (1.2 MiB) and writes its RssAnon (exact) and
	 * smaps_rollup Anonymous (page walk) at its peak.  Small on purpose:
	 * the rss_stat count alone may be short by 64 pages (256 KiB) here. */
	{
		char rss_path[] = "/tmp/probes_known_rss.XXXXXX";
		int fd = mkstemp(rss_path);
		if (fd < 0)
			return 1;
		close(fd);
		const char *const r_args[] = { "--touch", "300", "--rss-out", rss_path, NULL };
		struct run r;
		if (run_known("vm", NULL, false, false, r_args, &r) < 0)
			return 1;
		long rss_anon = -1, anonymous = -1;
		FILE *f = fopen(rss_path, "r");
		if (f) {
			if (fscanf(f, "RssAnon %ld Anonymous %ld", &rss_anon, &anonymous) != 2)
				rss_anon = anonymous = -1;
			fclose(f);
		}
		unlink(rss_path);
		double peak = num(&r, "probes.vm.peak_anon_rss_kib");
		printf("known RSS: probe peak anon %.0f KiB (rss_stat count alone %.0f, %.0f inexact events); "
		       "the process's own RssAnon %ld KiB, smaps_rollup Anonymous %ld KiB\n",
		       peak, num(&r, "probes.vm.peak_anon_rss_approx_kib"), num(&r, "probes.vm.rss_inexact_events"),
		       rss_anon, anonymous);
		CHECK("the process reported its RSS", rss_anon > 0 && anonymous > 0);
		CHECK("peak anon RSS matches the process's RssAnon within 5%", within(peak, (double)rss_anon, 0.05));
		CHECK("peak anon RSS matches smaps_rollup Anonymous within 5%", within(peak, (double)anonymous, 0.05));
		CHECK("every rss_stat event was read exactly", num(&r, "probes.vm.rss_inexact_events") == 0);
	}

	/* As HAKMEM does: 10 pages of each SuperSlab (the header first) are
	 * written before the map hook fires; they must count as SuperSlab
	 * faults, not anon_mmap ones. */
	static const char *const s_args[] = { "--superslab-early", "3", NULL };
	struct run se;
	if (run_known("faults", known, false, false, s_args, &se) < 0)
		return 1;
	printf("SuperSlabs with early faults: superslab faults %.0f (%.0f before the hook), anon_mmap +%.0f\n",
	       num(&se, "probes.faults.by_region.superslab"), num(&se, "probes.faults.superslab.faults_before_map"),
	       delta(&se, &base, "probes.faults.by_region.anon_mmap"));
	CHECK("faults before the hook belong to the SuperSlab", within(num(&se, "probes.faults.by_region.superslab"), 300, 0.03));
	CHECK("the 30 early faults were moved", num(&se, "probes.faults.superslab.faults_before_map") == 30);
	CHECK("and not left in anon_mmap", delta(&se, &base, "probes.faults.by_region.anon_mmap") < 20);
	double hist = 0;
	const struct jv *h = jv_get(se.rec, "probes.faults.superslab.distance_log2");
	for (size_t i = 0; i < jv_len(h); i++) {                 /* [bound, count] */
		const struct jv *slot = jv_at(h, i);
		if (jv_len(slot) >= 2)
			hist += jv_as_num(jv_at(slot, 1), 0);
	}
	CHECK("the SuperSlab distance histogram holds every SuperSlab fault", hist == num(&se, "probes.faults.by_region.superslab"));

	/* A THP fault on a SuperSlab's header, before the hook. */
	if (thp_possible()) {
		static const char *const t_args[] = { "--superslab-thp", "1", NULL };
		struct run st;
		if (run_known("faults", known, false, false, t_args, &st) < 0)
			return 1;
		printf("SuperSlab THP: thp faults %.0f, in the SuperSlab %.0f; superslab faults %.0f\n",
		       num(&st, "probes.faults.thp_faults"), num(&st, "probes.faults.superslab.thp_faults"),
		       num(&st, "probes.faults.by_region.superslab"));
		CHECK("one THP fault", num(&st, "probes.faults.thp_faults") == 1);
		CHECK("attributed to the SuperSlab", num(&st, "probes.faults.superslab.thp_faults") == 1);
		CHECK("the header fault is the SuperSlab's", num(&st, "probes.faults.by_region.superslab") >= 1 &&
		      num(&st, "probes.faults.by_region.superslab") < 8);
	}

	/* Under /bin/sh -c (as --cmd runs): the forked program is followed. */
	static const char *const e_args[] = { "--touch", "2000", NULL };
	struct run e;
	if (run_known("faults,vm", NULL, false, true, e_args, &e) < 0)
		return 1;
	printf("under /bin/sh -c: anon_mmap faults %.0f, forks followed %.0f\n",
	       num(&e, "probes.faults.by_region.anon_mmap"), num(&e, "probes.vm.forks_followed"));
	CHECK("a forked program is followed", num(&e, "probes.vm.forks_followed") >= 1);
	CHECK("its faults are counted", num(&e, "probes.faults.by_region.anon_mmap") >= 2000);

	return check_summary();
}
