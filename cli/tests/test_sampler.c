/* test_sampler.c - the RSS sampler collector driven directly (no engine):
 * setup -> prepare -> fork/exec of a child that grows by a known size and
 * shrinks back -> attach -> release -> started (at the child's exec, seen
 * as the engine sees it: the close-on-exec release pipe reports POLLERR)
 * -> wait -> finish, then the record section and metrics are checked.
 * The forked child touches PRE_EXEC_MIB before its exec, as a fork of the
 * harness carries the harness's memory: the first sample must not see it.  Also the series decimation and time-weighted mean
 * on synthetic data.
 *
 * usage: test_sampler CHILD_PROGRAM */
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "collector.h"
#include "sampler_series.h"

static void test_series(void)
{
	static struct rss_series s;
	series_init(&s);
	CHECK("empty series has no mean", series_mean(&s) < 0);
	/* 100 KiB for 1 s, then 300 KiB for 1 s: time-weighted mean 200 */
	series_add(&s, 0.0, 100);
	series_add(&s, 1.0, 300);
	series_add(&s, 2.0, 300);
	CHECK("peak", s.peak == 300);
	CHECK("time-weighted mean", fabs(series_mean(&s) - 200) < 1e-9);
	/* unevenly spaced: 10 for 0.1 s, 1000 for 0.9 s -> 901 */
	series_init(&s);
	series_add(&s, 0.0, 10);
	series_add(&s, 0.1, 1000);
	series_add(&s, 1.0, 0);
	CHECK("mean weights by time, not by sample", fabs(series_mean(&s) - 901) < 1e-6);
	/* freeze: the mean stops at the drain time */
	series_init(&s);
	series_add(&s, 0.0, 100);
	series_freeze_mean(&s, 1.0);
	series_add(&s, 1.0, 0);
	series_add(&s, 5.0, 0);
	CHECK("frozen mean ignores the lingering", fabs(series_mean(&s) - 100) < 1e-9);
	/* decimation: 10000 samples -> at most SERIES_MAX_STORED, evenly spaced,
	 * peak exact even when the peak sample is not stored */
	series_init(&s);
	for (int i = 0; i < 10000; i++)
		series_add(&s, i * 0.001, i == 4999 ? 1e6 : (double)i);
	CHECK("stored points capped", s.n <= SERIES_MAX_STORED && s.n >= SERIES_MAX_STORED / 2);
	CHECK("all samples counted", s.seen == 10000);
	CHECK("peak over every sample", s.peak == 1e6);
	int even = 1;
	for (int i = 2; i < s.n; i++)
		even &= fabs((s.t[i] - s.t[i - 1]) - (s.t[1] - s.t[0])) < 1e-9;
	CHECK("stored points evenly spaced", even);
	CHECK("first point kept", s.t[0] == 0.0);
}

#define PRE_EXEC_MIB 48

/* Run the child under the collector; returns the parsed record. */
static struct jv *run_child(const char *child, int sample_ms, const char *mib, const char *hold_ms)
{
	struct run_opts o;
	memset(&o, 0, sizeof(o));
	o.sample_ms = sample_ms;
	void *state = NULL;
	char err[256] = "";
	CHECK("setup", sampler_collector.setup(&o, &state, err, sizeof(err)) == 0 && state);
	struct exec_spec x;
	memset(&x, 0, sizeof(x));
	exec_push_arg(&x, child);
	exec_push_arg(&x, "--mib");
	exec_push_arg(&x, mib);
	exec_push_arg(&x, "--hold-ms");
	exec_push_arg(&x, hold_ms);
	struct run_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.opts = &o;
	CHECK("prepare", sampler_collector.prepare(state, &ctx, &x, err, sizeof(err)) == 0);
	int has_env = 0;
	for (int i = 0; i < x.envc; i++)
		has_env |= strncmp(x.env[i], "HARNESS_DRAIN_FD=", 17) == 0;
	CHECK("prepare passes HARNESS_DRAIN_FD", has_env);

	int hold[2];
	if (pipe(hold) < 0)
		return NULL;
	ctx.pid = fork();
	if (ctx.pid == 0) {
		char c;
		close(hold[1]);
		static volatile char pre[PRE_EXEC_MIB << 20];
		for (size_t i = 0; i < sizeof(pre); i += 4096)
			pre[i] = 1;
		if (read(hold[0], &c, 1) != 1)
			_exit(126);
		fcntl(hold[0], F_SETFD, FD_CLOEXEC);   /* closed by the exec */
		for (int i = 0; i < x.envc; i++)
			putenv(x.env[i]);
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(126);
		execv(x.argv[0], x.argv);
		_exit(127);
	}
	close(hold[0]);
	CHECK("attach", sampler_collector.attach(state, &ctx, err, sizeof(err)) == 0);
	if (write(hold[1], "x", 1) != 1)
		return NULL;
	struct pollfd p = { .fd = hold[1], .events = 0 };
	CHECK("the exec closes the release pipe", poll(&p, 1, 10000) == 1 && (p.revents & POLLERR));
	sampler_collector.started(state, &ctx);
	close(hold[1]);
	int status = 0;
	waitpid(ctx.pid, &status, 0);
	CHECK("child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	struct jbuf b;
	struct metrics m;
	memset(&m, 0, sizeof(m));
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	sampler_collector.finish(state, &ctx, &b, &m);
	metrics_json(&m, &b);
	jb_obj_end(&b);
	sampler_collector.teardown(state);
	exec_spec_free(&x);
	struct jv *rec = jv_parse(b.s, err, sizeof(err));
	CHECK("record parses", rec != NULL);
	jb_free(&b);
	return rec;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_sampler CHILD_PROGRAM\n");
		return 2;
	}
	test_series();

	struct run_opts off;
	memset(&off, 0, sizeof(off));
	void *st = (void *)1;
	char err[128];
	CHECK("sample-ms 0: the sampler stays off", sampler_collector.setup(&off, &st, err, sizeof(err)) == 0 && st == NULL);

	/* grows by 64 MiB for 400 ms, gives it back, drains, lingers 1.1 s */
	struct jv *rec = run_child(argv[1], 5, "64", "400");
	if (!rec)
		return check_summary();
	double peak = jv_num(rec, "rss.peak_kib", -1), mean = jv_num(rec, "rss.mean_kib", -1);
	double d0 = jv_num(rec, "rss.after_drain.+0ms", -1), d100 = jv_num(rec, "rss.after_drain.+100ms", -1);
	double d1s = jv_num(rec, "rss.after_drain.+1s", -1);
	printf("peak %.0f KiB, mean %.0f KiB, after drain +0 %.0f, +100ms %.0f, +1s %.0f KiB, %g samples\n",
	       peak, mean, d0, d100, d1s, jv_num(rec, "rss.samples", 0));
	double first = jv_as_num(jv_at(jv_get(rec, "rss.rss_kib"), 0), -1);
	printf("first sample %.0f KiB (the pre-exec process had touched %d MiB)\n", first, PRE_EXEC_MIB);
	CHECK("the first sample is the program after its exec, not the pre-exec process",
	      first >= 0 && first < (PRE_EXEC_MIB - 16) * 1024);
	const char *exe = jv_str(rec, "rss.first_sample_exe");
	char want[4096];
	CHECK("the first sample names the exec'd program",
	      exe && realpath(argv[1], want) && strcmp(exe, want) == 0);
	CHECK("peak sees the 64 MiB", peak >= 64 * 1024 && peak < 64 * 1024 + 64 * 1024);
	CHECK("mean between the idle and the peak", mean > 0 && mean < peak);
	CHECK("mean counts the 400 ms hold (at least a third of it)", mean > 64 * 1024 / 3);
	CHECK("drain seen", jv_get(rec, "rss.after_drain.t_s") != NULL);
	CHECK("RSS at +0 ms is back down (munmap before the signal)", d0 >= 0 && d0 < peak - 60 * 1024);
	CHECK("RSS at +100 ms is back down", d100 >= 0 && d100 < peak - 60 * 1024);
	CHECK("RSS at +1 s is recorded and down", d1s >= 0 && d1s < peak - 60 * 1024);
	CHECK("mean stops at the drain", strcmp(jv_str(rec, "rss.mean_until") ? jv_str(rec, "rss.mean_until") : "", "drained") == 0);
	const struct jv *t = jv_get(rec, "rss.t_s"), *k = jv_get(rec, "rss.rss_kib");
	int nt = 0, nk = 0;
	double last = -1;
	int increasing = 1;
	for (size_t i = 0; i < jv_len(t); i++, nt++) {
		double x = jv_as_num(jv_at(t, i), -1);
		increasing &= x > last;
		last = x;
	}
	nk = (int)jv_len(k);
	CHECK("series has one time per value", nt == nk);
	CHECK("series has the samples of ~1.5 s at 5 ms", nt > 100 && nt <= SERIES_MAX_STORED);
	CHECK("times increase", increasing);
	CHECK("metric peak_rss_kib", jv_num(rec, "metrics.peak_rss_kib.value", -1) == peak);
	CHECK("metric mean_rss_kib", jv_num(rec, "metrics.mean_rss_kib.value", -1) == mean);
	CHECK("metric rss_1s_after_drain_kib", jv_num(rec, "metrics.rss_1s_after_drain_kib.value", -1) == d1s);
	CHECK("AnonHugePages read", jv_get(rec, "rss.anon_huge_kib.peak") != NULL);
	jv_free(rec);
	return check_summary();
}
