/* sampler.c - the RSS sampler collector: memory over time (--sample-ms N).
 *
 * From the workload's exec on (started(): the engine saw the exec, so the
 * first sample is the workload's image, never the pre-exec process) until
 * it exits, a sampling thread of the harness reads the resident
 * set size every N ms from /proc/PID/statm (cheap: no mmap lock), summed
 * over the process tree (the workload and the programs it started, found
 * through /proc/PID/task/PID/children of each main thread), and
 * AnonHugePages from /proc/PID/smaps_rollup about once a second and at the
 * drain signal (smaps_rollup takes the mmap lock: never at the sampling
 * rate).  A thread rather than the engine's tick because the period is a
 * user option and the drain signal must be timed as it happens; the thread
 * only sleeps in poll(2) between samples.
 *
 * The drain protocol (workload side: wl_drained() in workloads/common.h):
 * prepare() creates a pipe and passes its write end to the child as
 * HARNESS_DRAIN_FD=<fd>.  A workload that has finished its work and freed
 * everything writes one byte, then lingers ~1.1 s before exiting (outside
 * its timed part).  The sampler notes the time and samples at +0, +100 ms
 * and +1 s, so return-to-OS behaviour is visible; the time-weighted mean
 * covers the run up to the drain (the work), not the lingering.
 *
 * Record: "rss": {"interval_ms", "source", "samples", "max_processes",
 * "first_sample_exe" (/proc/PID/exe at the first sample: the workload's
 * program, never the exec stub), "t_s": [...] (from the exec),
 * "rss_kib": [...] (at most SERIES_MAX_STORED points, evenly decimated),
 * "peak_kib", "mean_kib", "mean_until", "after_drain": {"+0ms", "+100ms",
 * "+1s"} or null, "anon_huge_kib": {"peak", "at_drain"} or null}; metrics
 * peak_rss_kib, mean_rss_kib and rss_1s_after_drain_kib.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "sampler_series.h"

#define SMAPS_PERIOD_S 1.0
#define TREE_MAX_PROCS 256

static const struct metric_def m_peak_rss = {
	"peak_rss_kib", "KiB", METRIC_LOWER,
	"peak resident set of the workload's process tree (/proc/PID/statm, sampled)",
}, m_mean_rss = {
	"mean_rss_kib", "KiB", METRIC_LOWER,
	"time-weighted mean resident set up to the drain signal or exit (sampled)",
}, m_rss_after_drain = {
	"rss_1s_after_drain_kib", "KiB", METRIC_LOWER,
	"resident set 1 s after the workload freed everything (return to the OS)",
};

static const double drain_offsets[] = { 0.0, 0.1, 1.0 };
static const char *const drain_names[] = { "+0ms", "+100ms", "+1s" };
#define N_DRAIN 3

struct sampler {
	int sample_ms;
	long page_kib;
	int drain_rd, drain_wr;      /* the drain pipe of the current run */
	int stop[2];                 /* finish() wakes the thread through this */
	pid_t pid;
	pthread_t thread;
	int running;
	double t0;

	/* written by the thread, read after join */
	struct rss_series series;
	double t_drain;              /* < 0: no drain signal */
	double after[N_DRAIN];       /* < 0: not seen (the process had exited) */
	double huge_peak, huge_at_drain;
	int huge_reads;
	int max_procs;
	char huge_error[120];
	char thread_error[120];      /* the thread could not start: why */
	char first_exe[4096];        /* /proc/PID/exe at the first sample */
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------ /proc reads */

static ssize_t read_small(const char *path, char *buf, size_t cap)
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

/* Resident pages of one process; -1 when gone.  A zombie reads as all
 * zeros: no live process has 0 resident pages, so 0 means gone too. */
static long long proc_resident(pid_t pid)
{
	char path[64], buf[256];
	unsigned long long size, resident;
	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0 || sscanf(buf, "%llu %llu", &size, &resident) != 2 ||
	    resident == 0)
		return -1;
	return (long long)resident;
}

/* RSS in KiB of pid and its descendants; -1 when pid itself is gone. */
static long long tree_rss_kib(struct sampler *s, pid_t root)
{
	pid_t stack[TREE_MAX_PROCS];
	int sp = 0, procs = 0;
	long long pages = 0;
	stack[sp++] = root;
	while (sp > 0 && procs < TREE_MAX_PROCS) {
		pid_t pid = stack[--sp];
		long long r = proc_resident(pid);
		if (r < 0) {
			if (pid == root)
				return -1;
			continue;            /* a child that just exited */
		}
		pages += r;
		procs++;
		char path[64], buf[4096];
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
		if (read_small(path, buf, sizeof(buf)) <= 0)
			continue;
		for (char *p = buf, *end; *p; p = end) {
			long c = strtol(p, &end, 10);
			if (end == p)
				break;
			if (c > 0 && sp < TREE_MAX_PROCS)
				stack[sp++] = (pid_t)c;
		}
	}
	if (procs > s->max_procs)
		s->max_procs = procs;
	return pages * s->page_kib;
}

/* AnonHugePages of pid in KiB; -1 with a reason when it cannot be read. */
static long long anon_huge_kib(struct sampler *s, pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	if (read_small(path, buf, sizeof(buf)) <= 0) {
		snprintf(s->huge_error, sizeof(s->huge_error), "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	const char *line = strstr(buf, "\nAnonHugePages:");
	if (!line) {
		snprintf(s->huge_error, sizeof(s->huge_error), "%s has no AnonHugePages line", path);
		return -1;
	}
	return strtoll(line + strlen("\nAnonHugePages:"), NULL, 10);
}

/* ---------------------------------------------------------------- thread */

static void take_huge(struct sampler *s, int at_drain)
{
	long long h = anon_huge_kib(s, s->pid);
	if (h < 0)
		return;
	s->huge_reads++;
	if (h > s->huge_peak)
		s->huge_peak = (double)h;
	if (at_drain)
		s->huge_at_drain = (double)h;
}

/* One sample; returns 0 when the process is gone. */
static int take_sample(struct sampler *s, double now)
{
	long long kib = tree_rss_kib(s, s->pid);
	if (kib < 0)
		return 0;
	if (!s->series.seen) {           /* which image the first sample saw */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)s->pid);
		ssize_t n = readlink(path, s->first_exe, sizeof(s->first_exe) - 1);
		s->first_exe[n > 0 ? n : 0] = '\0';
	}
	double t = now - s->t0;
	series_add(&s->series, t, (double)kib);
	if (s->t_drain >= 0)
		for (int k = 0; k < N_DRAIN; k++)
			if (s->after[k] < 0 && t >= s->t_drain + drain_offsets[k] - 1e-4)
				s->after[k] = (double)kib;
	return 1;
}

static void *sampler_thread(void *arg)
{
	struct sampler *s = arg;
	double period = s->sample_ms / 1000.0;
	double next = s->t0, next_huge = s->t0 + SMAPS_PERIOD_S;
	int alive = 1;
	for (;;) {
		double now = now_s();
		if (alive && now >= next) {
			alive = take_sample(s, now);
			next += period;
			if (next < now)
				next = now + period;   /* we were late: do not catch up in a burst */
		}
		if (alive && now >= next_huge) {
			take_huge(s, 0);
			next_huge = now + SMAPS_PERIOD_S;
		}
		if (s->t_drain >= 0)     /* sample exactly at the drain checkpoints */
			for (int k = 0; k < N_DRAIN; k++)
				if (s->after[k] < 0 && s->t0 + s->t_drain + drain_offsets[k] < next)
					next = s->t0 + s->t_drain + drain_offsets[k];
		double wake = next < next_huge ? next : next_huge;
		struct pollfd p[2] = { { .fd = s->stop[0], .events = POLLIN },
				       { .fd = s->drain_rd, .events = POLLIN } };
		int ms = alive ? (int)((wake - now_s()) * 1000.0 + 0.999) : -1;
		if (ms < 0 && alive)
			ms = 0;
		int n = poll(p, s->drain_rd >= 0 ? 2 : 1, ms);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (p[0].revents)
			break;
		if (s->drain_rd >= 0 && p[1].revents) {
			char c;
			ssize_t r = read(s->drain_rd, &c, 1);
			double t = now_s();
			if (r == 1 && s->t_drain < 0 && alive) {
				s->t_drain = t - s->t0;
				series_freeze_mean(&s->series, s->t_drain);
				alive = take_sample(s, t);     /* fills after["+0ms"] */
				if (alive)
					take_huge(s, 1);
			}
			close(s->drain_rd);            /* one signal per run; EOF: the child exited */
			s->drain_rd = -1;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------- collector */

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static int sampler_setup(const struct run_opts *o, void **state, char *err, size_t errlen)
{
	*state = NULL;
	if (o->sample_ms <= 0)
		return 0;
	char buf[256];
	if (read_small("/proc/self/statm", buf, sizeof(buf)) <= 0) {
		snprintf(err, errlen, "--sample-ms needs /proc (cannot read /proc/self/statm: %s)", strerror(errno));
		return -1;
	}
	struct sampler *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory for the RSS sampler");
		return -1;
	}
	s->sample_ms = o->sample_ms;
	s->page_kib = sysconf(_SC_PAGESIZE) / 1024;
	s->drain_rd = s->drain_wr = s->stop[0] = s->stop[1] = -1;
	*state = s;
	return 0;
}

static int sampler_prepare(void *state, const struct run_ctx *ctx, struct exec_spec *x, char *err, size_t errlen)
{
	struct sampler *s = state;
	int p[2];
	(void)ctx;
	close_fd(&s->drain_rd);            /* left over by a run that failed to start */
	close_fd(&s->drain_wr);
	/* The read end is close-on-exec; the write end must survive the
	 * child's exec, so its flag is cleared; attach() closes the harness's
	 * copy right after the fork (the workload's EOF then means exit). */
	if (pipe2(p, O_CLOEXEC) < 0 || fcntl(p[1], F_SETFD, 0) < 0) {
		snprintf(err, errlen, "RSS sampler: cannot create the drain pipe: %s", strerror(errno));
		return -1;
	}
	s->drain_rd = p[0];
	s->drain_wr = p[1];
	char num[16];
	snprintf(num, sizeof(num), "%d", p[1]);
	if (exec_set_env(x, "HARNESS_DRAIN_FD", num) < 0) {
		snprintf(err, errlen, "RSS sampler: too many environment entries");
		return -1;
	}
	return 0;
}

/* Before the release: reset the run's figures and make the stop pipe;
 * the thread starts at the exec (sampler_started). */
static int sampler_attach(void *state, const struct run_ctx *ctx, char *err, size_t errlen)
{
	struct sampler *s = state;
	close_fd(&s->drain_wr);            /* the child has its copy */
	s->pid = ctx->pid;
	series_init(&s->series);
	s->first_exe[0] = '\0';
	s->t_drain = -1;
	for (int k = 0; k < N_DRAIN; k++)
		s->after[k] = -1;
	s->huge_peak = s->huge_at_drain = -1;
	s->huge_reads = 0;
	s->max_procs = 0;
	s->huge_error[0] = '\0';
	s->thread_error[0] = '\0';
	if (pipe2(s->stop, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "RSS sampler: cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The workload's image is in place: sample from here on (t_s from here). */
static void sampler_started(void *state, const struct run_ctx *ctx)
{
	struct sampler *s = state;
	(void)ctx;
	if (s->running || s->stop[0] < 0)
		return;
	s->t0 = now_s();
	int e = pthread_create(&s->thread, NULL, sampler_thread, s);
	if (e)
		snprintf(s->thread_error, sizeof(s->thread_error), "RSS sampler: cannot start its thread: %s", strerror(e));
	else
		s->running = 1;
}

static void stop_thread(struct sampler *s)
{
	if (s->running) {
		char c = 'x';
		if (write(s->stop[1], &c, 1) != 1)
			pthread_cancel(s->thread);
		pthread_join(s->thread, NULL);
		s->running = 0;
	}
	close_fd(&s->stop[0]);
	close_fd(&s->stop[1]);
	close_fd(&s->drain_rd);
	close_fd(&s->drain_wr);
}

static void num_or_null(struct jbuf *b, const char *key, double v)
{
	if (v < 0)
		jb_null(b, key);
	else
		jb_num(b, key, v);
}

static void sampler_finish(void *state, const struct run_ctx *ctx, struct jbuf *rec, struct metrics *m)
{
	struct sampler *s = state;
	(void)ctx;
	stop_thread(s);
	const struct rss_series *r = &s->series;

	jb_obj_begin(rec, "rss");
	jb_int(rec, "interval_ms", s->sample_ms);
	jb_str(rec, "source", "/proc/PID/statm summed over the process tree");
	jb_int(rec, "samples", (long long)r->seen);
	jb_int(rec, "max_processes", s->max_procs);
	if (s->first_exe[0])
		jb_str(rec, "first_sample_exe", s->first_exe);
	else
		jb_null(rec, "first_sample_exe");
	jb_arr_begin(rec, "t_s");
	for (int i = 0; i < r->n; i++)
		/* 1 us: two /proc reads are never that close, so times stay distinct
		 * (at 0.1 ms a drain sample could round onto the periodic one) */
		jb_num(rec, NULL, (double)(long long)(r->t[i] * 1e6 + 0.5) / 1e6);
	jb_arr_end(rec);
	jb_arr_begin(rec, "rss_kib");
	for (int i = 0; i < r->n; i++)
		jb_num(rec, NULL, r->kib[i]);
	jb_arr_end(rec);
	num_or_null(rec, "peak_kib", r->seen ? r->peak : -1);
	num_or_null(rec, "mean_kib", series_mean(r));
	jb_str(rec, "mean_until", s->t_drain >= 0 ? "drained" : "exit");
	if (s->t_drain >= 0) {
		jb_obj_begin(rec, "after_drain");
		jb_num(rec, "t_s", s->t_drain);
		for (int k = 0; k < N_DRAIN; k++)
			num_or_null(rec, drain_names[k], s->after[k]);
		jb_obj_end(rec);
	} else {
		jb_null(rec, "after_drain");
	}
	if (s->huge_reads) {
		jb_obj_begin(rec, "anon_huge_kib");
		jb_num(rec, "peak", s->huge_peak);
		num_or_null(rec, "at_drain", s->huge_at_drain);
		jb_obj_end(rec);
	} else {
		jb_null(rec, "anon_huge_kib");
		if (s->huge_error[0])
			jb_str(rec, "anon_huge_error", s->huge_error);
	}
	jb_obj_end(rec);

	if (r->seen) {
		metric_set(m, &m_peak_rss, r->peak);
		metric_set(m, &m_mean_rss, series_mean(r));
	} else {
		char why[160];
		if (s->thread_error[0])
			snprintf(why, sizeof(why), "%s", s->thread_error);
		else
			snprintf(why, sizeof(why), "no RSS sample: the workload never ran or ended before its first sample");
		metric_unsupported(m, &m_peak_rss, why);
		metric_unsupported(m, &m_mean_rss, why);
	}
	if (s->after[2] >= 0)
		metric_set(m, &m_rss_after_drain, s->after[2]);
	else
		metric_unsupported(m, &m_rss_after_drain,
				   s->t_drain >= 0 ? "the workload exited less than 1 s after it drained"
						    : "the workload does not signal drained (wl_drained)");
}

static void sampler_abort(void *state, const struct run_ctx *ctx)
{
	(void)ctx;
	stop_thread(state);
}

static void sampler_teardown(void *state)
{
	stop_thread(state);
	free(state);
}

const struct collector sampler_collector = {
	.name = "sampler",
	.setup = sampler_setup,
	.prepare = sampler_prepare,
	.attach = sampler_attach,
	.started = sampler_started,
	.finish = sampler_finish,
	.abort = sampler_abort,
	.teardown = sampler_teardown,
};
