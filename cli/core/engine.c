/* engine.c - runs an invocation (see engine.h).
 *
 * One run, as data flows:
 *   build the command (workload or --cmd) and environment (LD_PRELOAD of
 *   the allocator followed by the witness library, knobs); collectors may
 *   wrap it (cachegrind) and add to it (drain pipe)
 *   fork; the child (A) redirects stdout/stderr to memory files and execs
 *   the exec stub (stub/exec_stub.c), which forks the workload's process
 *   (B), reports B's pid and exits; B blocks on a pipe in the stub's tiny
 *   image.  The harness is a child subreaper, so B is its child once A is
 *   reaped; collectors attach to B's pid (counters, probes for its tgid)
 *   release B: it execs the workload; the clock starts.  The exec closes
 *   the release pipe (close-on-exec), and that POLLERR tells the
 *   collectors that the workload's image is in place (started())
 *   wait on a pidfd, ticking the collectors (samplers) until it exits or the
 *   timeout kills its process group
 *   wait4(B) -> B's own rusage (with the children it waited for); read the
 *   result line and the witness
 *
 * Why the stub: a child forked from the harness starts with a copy of the
 * harness's memory (about 2.7 MiB), and its RSS high-water mark, faults
 * and CPU time would be carried into the workload's figures (README,
 * "Exec stub").  B is forked from the stub's image, a few hundred KiB.
 *   build the whole record in memory, let collectors add their sections
 *   (the allocator's own statistics are one of them), append it with one
 *   write(2)
 *
 * The harness does nothing in the child's timed region but sleep in
 * poll(2) (and whatever the enabled collectors' ticks cost), so the ops/s
 * it records equal those of the workload run by hand.
 */
#include "engine.h"
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "fileio.h"
#include "hostinfo.h"
#include "interrupt.h"
#include "paths.h"
#include "record.h"
#include "workloads.h"

#define N_COLLECTORS collector_count
#define MAX_COLLECTORS 16
#define collectors collector_list
/* How much of the workload's stderr each record keeps ("stderr_head"). */
#define STDERR_HEAD_MAX 4096
/* How many of its lines a failed run shows on the terminal. */
#define STDERR_SHOW_LINES 20

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ==================================================================
 * Output of the child: memory files read back after it exits
 * ================================================================== */

/* FNV-1a 64 of the whole stdout of a --cmd run (a workload's stdout holds
 * its timings: real programs digest their own output instead). */
static uint64_t digest_fd(int fd)
{
	uint64_t h = 1469598103934665603ULL;
	char buf[65536];
	ssize_t n;
	off_t off = 0;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			h ^= (unsigned char)buf[i];
			h *= 1099511628211ULL;
		}
		off += n;
	}
	return h;
}

/* The last line of text that starts with '{'. */
static char *last_json_line(char *out)
{
	char *best = NULL;
	for (char *line = out; line && *line;) {
		char *nl = strchr(line, '\n');
		if (*line == '{')
			best = line;
		if (!nl)
			break;
		line = nl + 1;
	}
	if (best)
		best[strcspn(best, "\n")] = '\0';
	return best;
}

/* The last non-empty line of stderr, for one-line error messages. */
static void last_line(const char *text, char *out, size_t n)
{
	out[0] = '\0';
	if (!text)
		return;
	const char *end = text + strlen(text);
	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	const char *start = end;
	while (start > text && start[-1] != '\n')
		start--;
	snprintf(out, n, "%.*s", (int)(end - start), start);
}

/* ==================================================================
 * The command of a run
 * ================================================================== */

/* The workload's program and arguments, or /bin/sh -c for --cmd. */
static int push_target(const struct invocation *inv, const struct variant *v, struct exec_spec *x,
		       char *err, size_t errlen)
{
	const struct run_opts *o = inv->opts;
	char cmd[8192], flag[80];
	const char *args[256];
	if (o->cmd)
		return exec_push_arg(x, "/bin/sh") < 0 || exec_push_arg(x, "-c") < 0 ||
		       exec_push_arg(x, variant_cmd(o, v, cmd, sizeof(cmd))) < 0 ? 1 : 0;
	const struct workload *w = workload_find(inv->name);
	if (!w) {
		snprintf(err, errlen, "unknown workload '%s' (see `harness list`)", inv->name);
		return -1;
	}
	if (workload_command(w, x, err, errlen) < 0)
		return -1;
	int na = variant_workload_args(o, v, args, 256, flag, sizeof(flag));
	for (int i = 0; i < na; i++)
		if (exec_push_arg(x, args[i]) < 0)
			return 1;
	if (v->threads > 0) {
		char t[16];
		snprintf(t, sizeof(t), "%d", v->threads);
		if (!w->takes_threads) {
			snprintf(err, errlen, "workload '%s' is single-threaded: --threads does not apply", w->name);
			return -1;
		}
		if (exec_push_arg(x, "--threads") < 0 || exec_push_arg(x, t) < 0)
			return 1;
	}
	return 0;
}

static int build_command(const struct invocation *inv, const struct variant *v,
			 struct exec_spec *x, const char *witness_path, char *err, size_t errlen)
{
	int rc = push_target(inv, v, x, err, errlen);
	if (rc < 0)
		return -1;
	char preload[2 * PATH_MAX + 2];
	if (v->alloc.path[0])
		snprintf(preload, sizeof(preload), "%s:%s", v->alloc.path, witness_path);
	else
		snprintf(preload, sizeof(preload), "%s", witness_path);
	if (rc > 0 || exec_set_env(x, "LD_PRELOAD", preload) < 0 ||
	    allocator_apply_knobs(v->alloc.row, v->knobs, v->n_knobs, x) < 0) {
		snprintf(err, errlen, "command too long (too many arguments or environment entries)");
		return -1;
	}
	return 0;
}

/* ==================================================================
 * One run
 * ================================================================== */

struct child_io {
	int out, err;          /* memory files for stdout and stderr */
	int release[2];        /* parent writes one byte to let B exec; B's exec
				  closes the read end (POLLERR: exec'd) */
	int witness[2];        /* the witness library writes the malloc provider */
	int stub_pid[2];       /* the stub writes B's pid */
};

static void close_io(struct child_io *io)
{
	int *fds[] = { &io->out, &io->err, &io->release[0], &io->release[1], &io->witness[0], &io->witness[1],
		       &io->stub_pid[0], &io->stub_pid[1] };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}

static int open_io(struct child_io *io)
{
	io->out = io->err = io->release[0] = io->release[1] = io->witness[0] = io->witness[1] = -1;
	io->stub_pid[0] = io->stub_pid[1] = -1;
	io->out = memfd_create("harness-stdout", MFD_CLOEXEC);
	io->err = memfd_create("harness-stderr", MFD_CLOEXEC);
	if (io->out < 0 || io->err < 0 || pipe2(io->release, O_CLOEXEC) < 0 || pipe2(io->witness, O_CLOEXEC) < 0 ||
	    pipe2(io->stub_pid, O_CLOEXEC) < 0) {
		close_io(io);
		return -1;
	}
	return 0;
}

/* The exec stub: build/stub/exec_stub (stub/meson.build). */
static void stub_path(char *out, size_t n)
{
	snprintf(out, n, "%s/stub/exec_stub", build_dir());
}

/* In the child (A): set up stdio and the environment, then exec the stub
 * with the workload's command; the stub forks B, which waits for the
 * release byte.  Nothing here counts: B starts from the stub's image. */
static void child_main(struct child_io *io, struct exec_spec *x, const char *stub)
{
	setpgid(0, 0);                       /* a timeout kills the whole group */
	dup2(io->out, STDOUT_FILENO);
	dup2(io->err, STDERR_FILENO);
	int devnull = open("/dev/null", O_RDONLY);
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	close(io->release[1]);
	close(io->stub_pid[0]);
	/* The witness end and the stub's two ends must survive the exec;
	 * everything else is CLOEXEC.  The witness writes only in a process
	 * whose parent is the harness: B (the harness's child once A exits),
	 * never a process B starts. */
	int wfd = dup(io->witness[1]);
	if (wfd < 0 || fcntl(io->release[0], F_SETFD, 0) < 0 || fcntl(io->stub_pid[1], F_SETFD, 0) < 0) {
		dprintf(STDERR_FILENO, "cannot pass file descriptors to the exec stub: %s\n", strerror(errno));
		_exit(126);
	}
	char wenv[64], pid_fd[16], release_fd[16];
	snprintf(wenv, sizeof(wenv), "%d:%d", wfd, (int)getppid());
	setenv("HARNESS_WITNESS", wenv, 1);
	for (int i = 0; i < x->envc; i++)
		putenv(x->env[i]);
	snprintf(pid_fd, sizeof(pid_fd), "%d", io->stub_pid[1]);
	snprintf(release_fd, sizeof(release_fd), "%d", io->release[0]);
	char *argv[EXEC_MAX_ARGS + 4] = { (char *)stub, pid_fd, release_fd };
	for (int i = 0; i < x->argc && i < EXEC_MAX_ARGS; i++)
		argv[3 + i] = x->argv[i];
	execv(stub, argv);
	dprintf(STDERR_FILENO, "cannot run the exec stub %s: %s\n", stub, strerror(errno));
	_exit(127);
}

struct run_outcome {
	bool started, ok, timed_out;
	int interrupted;             /* the signal that made the harness kill the run, or 0 */
	int exit_code, signal;
	double wall_s;
	struct rusage ru;
	char error[256];
	char malloc_from[PATH_MAX];
	bool preload_verified;
	char *stdout_text, *stderr_text;
	char *stderr_head;           /* the first STDERR_HEAD_MAX bytes, kept in the record */
	size_t stderr_bytes;         /* the whole stderr's size */
	char digest[80];             /* the record's output_digest, "" when none */
	struct jv *result;
};

/* Did the library we meant to preload answer malloc? */
static void verify_preload(const struct variant *v, struct run_outcome *r)
{
	char want[PATH_MAX], got[PATH_MAX];
	if (!r->malloc_from[0]) {
		r->preload_verified = false;
		return;
	}
	if (!v->alloc.path[0]) {             /* glibc: libc itself must answer */
		const char *base = strrchr(r->malloc_from, '/');
		base = base ? base + 1 : r->malloc_from;
		r->preload_verified = strncmp(base, "libc.so", 7) == 0;
		return;
	}
	r->preload_verified = realpath(v->alloc.path, want) && realpath(r->malloc_from, got) &&
			      strcmp(want, got) == 0;
}

/* "run 3/5  jemalloc": what the progress line shows during a run. */
static char progress_label[200];

/* The whole invocation's progress: runs done of all (warm-up included),
 * since when, and when the current run began (before its probes load). */
static struct {
	int done, total;
	double start, run_start;
} progress;

/* engine_progress_span: the whole command's runs, done so far, since when. */
static struct {
	int total, done;
	double start;
} span;

void engine_progress_span(int total_runs)
{
	span.total = total_runs;
	span.done = 0;
	span.start = now_s();
}

/* "12 s", "3m05s" */
static void fmt_duration(double s, char *buf, size_t n)
{
	if (s < 60)
		snprintf(buf, n, "%.0f s", s);
	else
		snprintf(buf, n, "%dm%02ds", (int)(s / 60), (int)s % 60);
}

/* The progress line on a terminal: "[7/20] run 2/5  glibc  1.2 s  ETA 14 s".
 * ETA: the mean time of the runs done so far (each from its start, probe
 * loading and hooks included) times the runs left, minus the current run's
 * time so far; "-" until one run has finished. */
static void progress_print(double now)
{
	char eta[32] = "-";
	if (progress.done > 0) {
		double per = (progress.run_start - progress.start) / progress.done;
		double left = per * (progress.total - progress.done) - (now - progress.run_start);
		fmt_duration(left > 0 ? left : 0, eta, sizeof(eta));
	}
	fprintf(stderr, "\r  [%d/%d] %-52.52s %6.1f s  ETA %-8s", progress.done + 1, progress.total, progress_label,
		now - progress.run_start, eta);
}

/* When each collector that ticks is due next (INFINITY: never). */
static void first_ticks(void **states, double t0, double *next_tick)
{
	for (int c = 0; c < N_COLLECTORS; c++) {
		next_tick[c] = INFINITY;
		if (states[c] && collectors[c]->tick && collectors[c]->tick_ms > 0)
			next_tick[c] = t0 + collectors[c]->tick_ms / 1000.0;
	}
}

/* Tick the collectors that are due; returns when the next one is. */
static double tick_due(void **states, struct run_ctx *ctx, double *next_tick, double now, double t0)
{
	double wake = INFINITY;
	for (int c = 0; c < N_COLLECTORS; c++) {
		if (now >= next_tick[c]) {
			collectors[c]->tick(states[c], ctx, now - t0);
			next_tick[c] = now + collectors[c]->tick_ms / 1000.0;
		}
		if (next_tick[c] < wake)
			wake = next_tick[c];
	}
	return wake;
}

/* The release pipe's write end reports POLLERR once B's exec closed the
 * read end (or B died): the workload's image is in place. */
static void note_exec(struct pollfd *p, int *release_wr, void **states, struct run_ctx *ctx)
{
	if (*release_wr < 0 || !(p->revents & (POLLERR | POLLHUP)))
		return;
	close(*release_wr);
	*release_wr = -1;
	for (int c = 0; c < N_COLLECTORS; c++)
		if (states[c] && collectors[c]->started)
			collectors[c]->started(states[c], ctx);
}

/* Reap what the run left behind: processes that the workload started and
 * did not wait for are re-parented to the harness (a child subreaper)
 * when the workload exits. */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void wait_child(const struct invocation *inv, struct run_ctx *ctx, void **states, pid_t pgid,
		       int *release_wr, struct run_outcome *r, double t0)
{
	const struct run_opts *o = inv->opts;
	int pidfd = (int)syscall(SYS_pidfd_open, ctx->pid, 0);
	double next_tick[MAX_COLLECTORS];
	first_ticks(states, t0, next_tick);
	bool stderr_tty = isatty(STDERR_FILENO) && !o->quiet;
	double next_progress = t0;
	for (;;) {
		double now = now_s();
		double wake = tick_due(states, ctx, next_tick, now, t0);
		if (o->timeout_s > 0 && now - t0 > o->timeout_s) {
			kill(-pgid, SIGKILL);
			kill(ctx->pid, SIGKILL);
			r->timed_out = true;
			break;
		}
		if (interrupt_signal()) {      /* Ctrl-C, SIGTERM, SIGHUP: the whole run goes */
			kill(-pgid, SIGKILL);
			kill(ctx->pid, SIGKILL);
			r->interrupted = interrupt_signal();
			break;
		}
		if (stderr_tty && now >= next_progress) {
			progress_print(now);
			next_progress = now + 0.5;
		}
		if (stderr_tty && next_progress < wake)
			wake = next_progress;
		if (o->timeout_s > 0 && t0 + o->timeout_s < wake)
			wake = t0 + o->timeout_s;
		int ms = isinf(wake) ? 1000 : (int)((wake - now) * 1000.0) + 1;
		/* p[0]: the exit (pidfd), p[1]: the exec (release pipe), p[2]: a signal */
		struct pollfd p[3] = { { .fd = pidfd, .events = POLLIN }, { .fd = *release_wr, .events = 0 },
				       { .fd = interrupt_fd(), .events = POLLIN } };
		if (pidfd < 0 && ms > 5)
			ms = 5;             /* no pidfd (old kernel): poll waitid below */
		int n = poll(p, 3, ms);
		if (n > 0)
			note_exec(&p[1], release_wr, states, ctx);
		if (pidfd >= 0 && n > 0 && p[0].revents)
			break;
		siginfo_t si = { 0 };
		if (pidfd < 0 && waitid(P_PID, (id_t)ctx->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
			break;
	}
	int status = 0;
	while (wait4(ctx->pid, &status, 0, &r->ru) < 0 && errno == EINTR)
		;
	r->wall_s = now_s() - t0;
	reap_orphans();
	if (pidfd >= 0)
		close(pidfd);
	if (WIFEXITED(status))
		r->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		r->signal = WTERMSIG(status);
	if (stderr_tty)
		fprintf(stderr, "\r%*s\r", 100, "");
}

/* Why a run that ended failed, or "" when it did not. */
static void exit_error(const struct run_opts *o, const struct run_outcome *r, const char *errline,
		       char *out, size_t n)
{
	out[0] = '\0';
	if (r->interrupted)
		snprintf(out, n, "interrupted by SIG%s: the harness killed the run", sigabbrev_np(r->interrupted));
	else if (r->timed_out)
		snprintf(out, n, "timed out after %.0f s and was killed (raise --timeout)", o->timeout_s);
	else if (r->signal)
		snprintf(out, n, "killed by signal %d (%s)%s%s", r->signal, strsignal(r->signal),
			 errline[0] ? ": " : "", errline);
	else if (r->exit_code != 0)
		snprintf(out, n, "exited with status %d%s%s", r->exit_code, errline[0] ? ": " : "", errline);
}

/* The workload's result line: the last JSON object on its stdout. */
static void parse_result(struct run_outcome *r)
{
	char perr[128];
	char *line = r->stdout_text ? last_json_line(r->stdout_text) : NULL;
	if (!line) {
		snprintf(r->error, sizeof(r->error), "the workload printed no result line (a JSON object on stdout)");
		return;
	}
	r->result = jv_parse(line, perr, sizeof(perr));
	if (!r->result || jv_type(r->result) != JV_OBJ)
		snprintf(r->error, sizeof(r->error), "the workload's result line is not a JSON object: %s", perr);
	else if (!jv_get(r->result, "ops") || !jv_get(r->result, "seconds"))
		snprintf(r->error, sizeof(r->error), "the workload's result line lacks \"ops\" or \"seconds\"");
}

static void preload_error(const struct variant *v, struct run_outcome *r)
{
	if (!r->malloc_from[0])
		snprintf(r->error, sizeof(r->error),
			 "could not verify the allocator: the witness library did not report (static or setuid program?)");
	else
		snprintf(r->error, sizeof(r->error), "allocator not loaded: malloc came from %.100s, not %.100s",
			 r->malloc_from, v->alloc.path[0] ? v->alloc.path : "libc");
}

/* The one output_digest of the record: a real program's own digest of its
 * output (its result line's "output_digest"); for --cmd a hash of the
 * command's whole stdout; none for benchmark workloads, whose stdout is
 * their timings. */
static void choose_digest(const struct run_opts *o, int out_fd, struct run_outcome *r)
{
	const char *own = r->result ? jv_str(r->result, "output_digest") : NULL;
	if (o->cmd)
		snprintf(r->digest, sizeof(r->digest), "fnv1a64:%016llx", (unsigned long long)digest_fd(out_fd));
	else if (own)
		snprintf(r->digest, sizeof(r->digest), "%s", own);
}

/* Read what the child left: result line, witness; decide ok. */
static void collect_outcome(const struct invocation *inv, const struct variant *v, struct child_io *io,
			    struct run_outcome *r)
{
	char errline[200];
	ssize_t n = read(io->witness[0], r->malloc_from, sizeof(r->malloc_from) - 1);
	r->malloc_from[n > 0 ? n : 0] = '\0';
	r->malloc_from[strcspn(r->malloc_from, "\n")] = '\0';
	verify_preload(v, r);

	r->stdout_text = read_fd_tail(io->out, 1 << 20);
	r->stderr_text = read_fd_tail(io->err, 1 << 16);
	last_line(r->stderr_text, errline, sizeof(errline));
	exit_error(inv->opts, r, errline, r->error, sizeof(r->error));
	if (!r->error[0] && !inv->opts->cmd)
		parse_result(r);
	if (!r->error[0])
		choose_digest(inv->opts, io->out, r);
	if (!r->error[0] && !r->preload_verified)
		preload_error(v, r);
	r->ok = !r->error[0];
}

/* ==================================================================
 * One run: start, wait, record
 * ================================================================== */

struct run {
	struct invocation *inv;
	void **states;
	const struct variant *v;
	struct run_ctx ctx;         /* ctx.pid: B, the workload's process */
	pid_t pgid;                 /* A's pid: the run's process group */
	struct run_outcome r;
	struct exec_spec x;
	struct child_io io;
	bool attached[MAX_COLLECTORS];
	char err[512];
};

static void abort_collectors(struct run *run)
{
	for (int c = 0; c < N_COLLECTORS; c++)
		if (run->attached[c] && collectors[c]->abort)
			collectors[c]->abort(run->states[c], &run->ctx);
	memset(run->attached, 0, sizeof(run->attached));
}

/* B's pid as the stub wrote it ("123\n"), or -1 when A wrote none. */
static pid_t read_stub_pid(int fd)
{
	char buf[32];
	size_t len = 0;
	ssize_t n;
	while (len + 1 < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		len += (size_t)n;
		if (buf[len - 1] == '\n')
			break;
	}
	buf[len] = '\0';
	char *end;
	long pid = strtol(buf, &end, 10);
	return len > 0 && *end == '\n' && pid > 0 ? (pid_t)pid : -1;
}

/* After the fork: A runs the stub, which reports B's pid and exits; reap A
 * and make sure B is now the harness's child.  -1 with run->err. */
static int adopt_workload_process(struct run *run)
{
	pid_t a = run->ctx.pid, b = read_stub_pid(run->io.stub_pid[0]);
	int status = 0;
	while (waitpid(a, &status, 0) < 0 && errno == EINTR)
		;
	run->pgid = a;
	if (b < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *text = read_fd_tail(run->io.err, 4096), line[200];
		last_line(text, line, sizeof(line));
		free(text);
		snprintf(run->err, sizeof(run->err), "the exec stub did not start the workload's process: %s",
			 line[0] ? line : "no pid and no message");
		if (b > 0 && kill(b, SIGKILL) == 0)
			waitpid(b, NULL, 0);
		return -1;
	}
	siginfo_t si = { 0 };
	if (waitid(P_PID, (id_t)b, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD) {
		snprintf(run->err, sizeof(run->err),
			 "the workload's process %d is not the harness's child (is the harness a child subreaper?)", (int)b);
		kill(b, SIGKILL);   /* not ours: whoever adopted it reaps it */
		return -1;
	}
	run->ctx.pid = b;
	return 0;
}

/* exec_stub does no PATH search: give it a path. */
static int resolve_program(struct exec_spec *x, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (strchr(x->argv[0], '/'))
		return 0;
	if (find_in_path(x->argv[0], path, sizeof(path)) < 0) {
		snprintf(err, errlen, "cannot run %s: not found on PATH", x->argv[0]);
		return -1;
	}
	free(x->argv[0]);
	x->argv[0] = strdup(path);
	if (!x->argv[0]) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Command, collectors' preparation, pipes, fork, the stub.  -1 with
 * run->err. */
static int start_child(struct run *run)
{
	char witness[PATH_MAX], stub[PATH_MAX];
	snprintf(witness, sizeof(witness), "%s/cli/libharness_witness.so", build_dir());
	stub_path(stub, sizeof(stub));
	if (build_command(run->inv, run->v, &run->x, witness, run->err, sizeof(run->err)) < 0)
		return -1;
	for (int c = 0; c < N_COLLECTORS; c++) {
		if (!run->states[c])
			continue;
		run->attached[c] = true;    /* from here on, abort() undoes prepare() */
		if (collectors[c]->prepare &&
		    collectors[c]->prepare(run->states[c], &run->ctx, &run->x, run->err, sizeof(run->err)) < 0)
			return -1;
	}
	if (resolve_program(&run->x, run->err, sizeof(run->err)) < 0)
		return -1;
	if (open_io(&run->io) < 0) {
		snprintf(run->err, sizeof(run->err), "cannot create pipes for the child: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	run->ctx.pid = fork();
	if (run->ctx.pid < 0) {
		snprintf(run->err, sizeof(run->err), "fork failed: %s", strerror(errno));
		return -1;
	}
	if (run->ctx.pid == 0)
		child_main(&run->io, &run->x, stub);
	close(run->io.release[0]);
	close(run->io.witness[1]);
	close(run->io.stub_pid[1]);
	run->io.release[0] = run->io.witness[1] = run->io.stub_pid[1] = -1;
	return adopt_workload_process(run);
}

/* Collectors attach to the held child, which is then released. */
static int attach_and_release(struct run *run, double *t0)
{
	for (int c = 0; c < N_COLLECTORS; c++) {
		if (!run->states[c] || !collectors[c]->attach)
			continue;
		if (collectors[c]->attach(run->states[c], &run->ctx, run->err, sizeof(run->err)) < 0) {
			close(run->io.release[1]);   /* the child sees EOF and exits 126 */
			run->io.release[1] = -1;
			waitpid(run->ctx.pid, NULL, 0);
			return -1;
		}
	}
	*t0 = now_s();
	if (write(run->io.release[1], "x", 1) != 1) {
		snprintf(run->err, sizeof(run->err), "cannot release the child: %s", strerror(errno));
		kill(run->ctx.pid, SIGKILL);
		waitpid(run->ctx.pid, NULL, 0);
		return -1;
	}
	return 0;     /* release[1] stays open: wait_child sees the exec through it */
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* The core figures every record carries in "metrics" (schema 2). */
static void add_core_metrics(const struct run *run, struct metrics *m)
{
	const struct run_outcome *r = &run->r;
	const struct rusage *ru = &r->ru;
	double secs = r->result ? jv_num(r->result, "seconds", NAN) : NAN;
	if (run->inv->opts->cmd)
		metrics_unsupported(m, "ops_per_sec", "ops/s", METRIC_HIGHER, "operations per second of the timed region",
				    "--cmd runs report no operations");
	else if (r->result && secs > 0)
		metrics_add(m, "ops_per_sec", "ops/s", METRIC_HIGHER, "operations per second of the timed region, as the workload reports",
			    run->ctx.ops / secs);
	if (!r->started)
		return;
	if (r->result)
		metrics_add(m, "timed_s", "s", METRIC_LOWER, "the workload's own timed seconds", secs);
	metrics_add(m, "wall_s", "s", METRIC_LOWER, "wall time from the release of the workload's process to its exit", r->wall_s);
	metrics_add(m, "rusage_user_s", "s", METRIC_LOWER, "user CPU time of the workload's process and the children it waited for (wait4 rusage)", tv_s(ru->ru_utime));
	metrics_add(m, "rusage_sys_s", "s", METRIC_LOWER, "system CPU time of the workload's process and the children it waited for (wait4 rusage)", tv_s(ru->ru_stime));
	metrics_add(m, "rusage_maxrss_kib", "KiB", METRIC_LOWER, "peak resident set of the workload's process or of the largest child it waited for (wait4 rusage)", (double)ru->ru_maxrss);
	metrics_add(m, "rusage_minflt", "faults", METRIC_LOWER, "minor page faults of the workload's process and the children it waited for (wait4 rusage)", (double)ru->ru_minflt);
	metrics_add(m, "rusage_majflt", "faults", METRIC_LOWER, "major page faults of the workload's process and the children it waited for (wait4 rusage)", (double)ru->ru_majflt);
	metrics_add(m, "rusage_nvcsw", "switches", METRIC_NEITHER, "voluntary context switches (rusage)", (double)ru->ru_nvcsw);
	metrics_add(m, "rusage_nivcsw", "switches", METRIC_NEITHER, "involuntary context switches (rusage)", (double)ru->ru_nivcsw);
}

static void core_metrics(const struct run *run, struct metrics *m)
{
	add_core_metrics(run, m);
	for (int i = 0; i < m->n; i++)
		m->m[i].core = true;        /* the summary shows them in its own columns */
	if (run->r.result) {
		/* the workload's own figures (latency percentiles, RSS after a
		 * free-all): in the metrics block, and verdicts in ab */
		static bool warned;     /* once per invocation: every run says the same */
		char err[200];
		metrics_from_workload(m, run->r.result, err, sizeof(err));
		if (err[0] && !warned) {
			warned = true;
			fprintf(stderr, "harness: workload '%s': %s (fix the workload's result line; see cli/registries/workloads.h)\n",
				run->inv->name, err);
		}
	}
}

/* What the summary keeps in memory of a counted run. */
static void keep_summary(struct run *run, int vi, struct run_summary *s)
{
	const struct run_outcome *r = &run->r;
	s->variant = vi;
	s->run_index = run->ctx.run_index;
	s->ok = r->ok;
	snprintf(s->error, sizeof(s->error), "%s", r->error);
	snprintf(s->output_digest, sizeof(s->output_digest), "%s", r->digest);
	s->ops = run->ctx.ops;
	s->seconds = r->result ? jv_num(r->result, "seconds", NAN) : NAN;
	s->ops_per_sec = (r->result && s->seconds > 0) ? s->ops / s->seconds : NAN;
	s->wall_s = r->wall_s;
	s->user_s = tv_s(r->ru.ru_utime);
	s->sys_s = tv_s(r->ru.ru_stime);
	s->maxrss_kb = (double)r->ru.ru_maxrss;
	s->minflt = (double)r->ru.ru_minflt;
	s->majflt = (double)r->ru.ru_majflt;
	s->nvcsw = (double)r->ru.ru_nvcsw;
	s->nivcsw = (double)r->ru.ru_nivcsw;
}

/* Build the whole record, let the collectors add to it, append it. */
static void record_run(struct run *run, int round_pos, bool warmup, int out_fd, struct run_summary *s)
{
	struct run_outcome *r = &run->r;
	struct record_core rc = {
		.inv = run->inv, .variant = run->v, .run_index = run->ctx.run_index, .round_position = round_pos,
		.warmup = warmup, .ok = r->ok, .error = r->error[0] ? r->error : NULL,
		.started = r->started, .exit_code = r->exit_code, .signal = r->signal, .timed_out = r->timed_out,
		.interrupted = r->interrupted != 0,
		.malloc_from = r->malloc_from, .preload_verified = r->preload_verified,
		.wall_s = r->wall_s, .ru = &r->ru, .result = r->result,
		.output_digest = r->digest[0] ? r->digest : NULL,
		.stderr_head = r->stderr_head, .stderr_bytes = r->stderr_bytes,
	};
	struct jbuf rec;
	jb_init(&rec);
	record_begin(&rec, &rc);
	core_metrics(run, &s->metrics);
	for (int c = 0; c < N_COLLECTORS; c++)
		if (run->attached[c] && collectors[c]->finish)
			collectors[c]->finish(run->states[c], &run->ctx, &rec, &s->metrics);
	record_end(&rec, &s->metrics);
	if (run->inv->opts->counters)     /* the summary's perf stat block shows what was recorded */
		counters_samples_from_record(rec.s, &s->metrics, &s->counters);
	if ((!warmup || !r->ok) && record_append(out_fd, &rec) < 0) {
		fprintf(stderr, "harness: could not append to %s: %s\n", run->inv->out_path, strerror(errno));
		if (!run->inv->unwritten++)
			snprintf(run->inv->write_error, sizeof(run->inv->write_error), "%s", strerror(errno));
	}
	jb_free(&rec);
}

/* Under a failed run's one-line error (which quotes stderr's last line):
 * the start of the workload's stderr, when it said more than that line -
 * a usage text, a sanitizer's report.  The record keeps the first
 * STDERR_HEAD_MAX bytes; the terminal gets the first lines. */
static void show_stderr(const struct run_outcome *r)
{
	const char *h = r->stderr_head;
	int lines = 0;
	for (const char *p = h; p && *p; p++)
		lines += *p == '\n' || (p[1] == '\0');
	char only[200];
	last_line(h, only, sizeof(only));
	if (lines == 0 || (lines == 1 && strstr(r->error, only)))
		return;      /* nothing, or just the line the error quotes */
	fprintf(stderr, "  the workload's stderr (%zu bytes%s):\n", r->stderr_bytes,
		r->stderr_bytes > STDERR_HEAD_MAX ? "; the record's \"stderr_head\" keeps the first 4 KiB" : "");
	for (int i = 0; *h && i < STDERR_SHOW_LINES; i++) {
		size_t n = strcspn(h, "\n");
		fprintf(stderr, "  | %.*s\n", (int)n, h);
		h += n + (h[n] == '\n');
	}
	if (*h)
		fprintf(stderr, "  | ... (more in the record's \"stderr_head\")\n");
}

/* --show-output: what the run printed (as kept: the last MiB of stdout,
 * 64 KiB of stderr), on the harness's stderr after the run; stdout stays
 * the summary's.  Shown afterwards, not live: the harness reads the result
 * line (and --cmd's output digest) from the captured stdout. */
static void show_output(const struct run *run, int run_index, bool warmup)
{
	fprintf(stderr, "--- %s %d of %s: stdout ---\n%s", warmup ? "warm-up" : "run", run_index + 1, run->v->label,
		run->r.stdout_text ? run->r.stdout_text : "");
	if (run->r.stdout_text && run->r.stdout_text[0] && run->r.stdout_text[strlen(run->r.stdout_text) - 1] != '\n')
		fputc('\n', stderr);
	fprintf(stderr, "--- stderr ---\n%s", run->r.stderr_text ? run->r.stderr_text : "");
	if (run->r.stderr_text && run->r.stderr_text[0] && run->r.stderr_text[strlen(run->r.stderr_text) - 1] != '\n')
		fputc('\n', stderr);
}

/* One run, recorded; false when it failed. */
static bool run_one(struct invocation *inv, void **states, int vi, int run_index, int round_pos,
		    bool warmup, int out_fd)
{
	struct run *run = calloc(1, sizeof(*run));
	struct run_summary *s = calloc(1, sizeof(*s));
	if (!run || !s) {
		fprintf(stderr, "harness: out of memory\n");
		exit(2);
	}
	*run = (struct run){ .inv = inv, .states = states, .v = &inv->variants[vi] };
	run->io.out = run->io.err = run->io.release[0] = run->io.release[1] = run->io.witness[0] = run->io.witness[1] = -1;
	run->io.stub_pid[0] = run->io.stub_pid[1] = -1;
	run->ctx = (struct run_ctx){ .opts = inv->opts, .variant = run->v, .run_index = run_index, .workload = inv->name };
	double t0;
	if (start_child(run) == 0 && attach_and_release(run, &t0) == 0) {
		run->r.started = true;
		wait_child(inv, &run->ctx, states, run->pgid, &run->io.release[1], &run->r, t0);
		collect_outcome(inv, run->v, &run->io, &run->r);
		if (inv->opts->show_output)
			show_output(run, run_index, warmup);
	} else {
		snprintf(run->r.error, sizeof(run->r.error), "%.255s", run->err);
		abort_collectors(run);
	}
	if (run->io.err >= 0)        /* also when the stub failed: its message is there */
		run->r.stderr_head = read_fd_head(run->io.err, STDERR_HEAD_MAX, &run->r.stderr_bytes);
	run->ctx.ok = run->r.ok;
	run->ctx.wall_s = run->r.wall_s;
	run->ctx.result = run->r.result;
	run->ctx.ops = run->r.result ? jv_num(run->r.result, "ops", 0) : 0;
	record_run(run, round_pos, warmup, out_fd, s);
	if (!run->r.ok && !run->r.interrupted) {   /* an interruption is said once, at the exit */
		fprintf(stderr, "harness: %s%s run %d of %s failed: %s\n", warmup ? "warm-up " : "",
			inv->name, run_index + 1, run->v->label, run->r.error);
		show_stderr(&run->r);
	}
	if (!warmup) {
		keep_summary(run, vi, s);
		inv->runs[inv->n_runs++] = *s;
	}
	jv_free(run->r.result);
	free(run->r.stdout_text);
	free(run->r.stderr_text);
	free(run->r.stderr_head);
	close_io(&run->io);
	exec_spec_free(&run->x);
	bool ok = run->r.ok || run->r.interrupted;   /* an interrupted run is no failure to stop at */
	free(run);
	free(s);
	return ok;
}

/* ==================================================================
 * The invocation
 * ================================================================== */

/* "20251204T101500-12345": UTC time and the harness's pid. */
static void invocation_id(char *id, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(id, n, "%Y%m%dT%H%M%S", &tm);
	snprintf(id + strlen(id), n - strlen(id), "-%d", (int)getpid());
}

static unsigned next_rand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

static void shuffle(int *order, int n, unsigned *seed)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)(next_rand(seed) % (unsigned)(i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/* Fail fast (as hyperfine does): the first round runs every variant once
 * with the same command and environment as every later round, so a
 * failure there - a usage error of the workload, a library that does not
 * provide malloc - would only repeat.  Said once, instead of once per run. */
static void stop_at_first_failure(struct invocation *inv)
{
	inv->stopped = true;
	fprintf(stderr, "harness: stopped at this failure in the first round: it would repeat in every run "
		"(fix it, or give -i/--ignore-failure to run them all anyway); the failed run is recorded in %s\n",
		inv->out_path);
}

/* --setup before a variant's first run, --prepare before each: outside
 * the measurement (hooks.c).  -1 after a line saying which failed. */
static int run_hooks(const struct run_opts *o, const struct variant *v, bool first)
{
	char err[512];
	if ((first && o->setup_cmd && hook_run("--setup", o->setup_cmd, o, v, err, sizeof(err)) < 0) ||
	    (o->prepare_cmd && hook_run("--prepare", o->prepare_cmd, o, v, err, sizeof(err)) < 0)) {
		fprintf(stderr, "harness: %s: stopping here (the runs so far are recorded)\n", err);
		return -1;
	}
	return 0;
}

/* Every round: each variant once, in order or shuffled. */
static int run_rounds(struct invocation *inv, void **states, int fd)
{
	const struct run_opts *o = inv->opts;
	int *order = calloc((size_t)inv->n_variants, sizeof(int));
	unsigned seed = o->seed;
	if (!order)
		return -1;
	int done = 0, total = o->runs * inv->n_variants;
	bool tty = isatty(STDERR_FILENO) && !o->quiet;
	progress.done = span.total ? span.done : 0;
	progress.total = span.total ? span.total : (o->warmup + o->runs) * inv->n_variants;
	progress.start = span.total ? span.start : now_s();
	for (int round = 0; round < o->warmup + o->runs && !interrupt_signal(); round++) {
		bool warmup = round < o->warmup;
		for (int i = 0; i < inv->n_variants; i++)
			order[i] = i;
		if (o->shuffle)
			shuffle(order, inv->n_variants, &seed);
		for (int i = 0; i < inv->n_variants && !interrupt_signal(); i++) {
			snprintf(progress_label, sizeof(progress_label), "%s %d/%d  %s",
				 warmup ? "warm-up" : "run", warmup ? round + 1 : round - o->warmup + 1,
				 warmup ? o->warmup : o->runs, inv->variants[order[i]].label);
			progress.run_start = now_s();
			if (tty)        /* shown from the start: hooks and probe loading take time too */
				progress_print(progress.run_start);
			if (run_hooks(o, &inv->variants[order[i]], round == 0) < 0) {
				free(order);
				return -1;
			}
			bool ok = run_one(inv, states, order[i], warmup ? round : round - o->warmup, i, warmup, fd);
			progress.done++;
			if (span.total)
				span.done = progress.done;
			if (!warmup && !interrupt_signal())
				interrupt_progress(inv->out_path, ++done, total);
			if (!ok && round == 0 && !o->ignore_failure) {
				stop_at_first_failure(inv);
				free(order);
				return 0;
			}
		}
	}
	free(order);
	return 0;
}

static int setup_collectors(const struct run_opts *o, void **states)
{
	char err[512] = "";
	for (int c = 0; c < N_COLLECTORS; c++)
		if (collectors[c]->setup && collectors[c]->setup(o, &states[c], err, sizeof(err)) < 0) {
			fprintf(stderr, "harness: %s\n", err);
			return -1;
		}
	return 0;
}

int engine_run(struct invocation *inv)
{
	const struct run_opts *o = inv->opts;
	void *states[MAX_COLLECTORS] = { NULL };
	char err[512] = "";
	int rc = -1;

	if (!inv->id[0])
		invocation_id(inv->id, sizeof(inv->id));
	if (!inv->out_path[0] && o->out_path)
		snprintf(inv->out_path, sizeof(inv->out_path), "%s", o->out_path);
	else if (!inv->out_path[0] && results_default_path(inv->name, inv->out_path, sizeof(inv->out_path)) < 0)
		return -1;
	char stub[PATH_MAX];
	stub_path(stub, sizeof(stub));
	if (access(stub, X_OK) != 0) {
		fprintf(stderr, "harness: the exec stub %s is missing (%s): build it with ./harness or ninja -C %s\n",
			stub, strerror(errno), build_dir());
		return -1;
	}
	/* Ctrl-C, SIGTERM, SIGHUP from here on are noted, not fatal: the run
	 * is killed whole and recorded (interrupt.h). */
	interrupt_arm();
	if (interrupt_signal())
		interrupt_exit();      /* came before this invocation (a calibration, an earlier one) */
	/* The workload's process B is forked by the stub, whose first process
	 * exits: as a child subreaper the harness adopts B and wait4(B) gives
	 * B's own rusage. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		fprintf(stderr, "harness: cannot become a child subreaper: %s\n", strerror(errno));
		return -1;
	}
	int fd = record_open(inv->out_path, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "harness: %s\n", err);
		return -1;
	}
	interrupt_progress(inv->out_path, 0, o->runs * inv->n_variants);
	free(inv->runs);
	inv->n_runs = 0;
	inv->unwritten = 0;
	inv->stopped = false;
	inv->runs = calloc((size_t)(o->runs * inv->n_variants), sizeof(*inv->runs));
	if (!inv->runs)
		fprintf(stderr, "harness: out of memory\n");
	else if (setup_collectors(o, states) == 0) {
		hostinfo_get();    /* read the host facts before the first run, not inside one */
		if (run_rounds(inv, states, fd) == 0)
			rc = 0;
		for (int i = 0; rc == 0 && i < inv->n_runs; i++)
			if (!inv->runs[i].ok)
				rc = 1;
		if (rc == 0 && inv->stopped)
			rc = 1;          /* a failed warm-up run is not among inv->runs */
	}
	for (int c = 0; c < N_COLLECTORS; c++)
		if (states[c] && collectors[c]->teardown)
			collectors[c]->teardown(states[c]);
	if (close(fd) < 0 && !inv->unwritten++)
		snprintf(inv->write_error, sizeof(inv->write_error), "%s", strerror(errno));
	if (inv->unwritten) {
		/* A result that is not in the file is lost: an error, whatever
		 * the runs did, and no summary may say "results appended". */
		fprintf(stderr, "harness: %d record(s) of this invocation could not be written to %s (%s): "
			"the results are incomplete; free space or choose another file with --out\n",
			inv->unwritten, inv->out_path, inv->write_error);
		if (interrupt_signal())
			interrupt_exit();
		return -1;
	}
	if (interrupt_signal())
		interrupt_exit();      /* kills what is left, says what was done */
	return rc;
}

void invocation_free(struct invocation *inv)
{
	free(inv->runs);
	inv->runs = NULL;
	inv->n_runs = 0;
}
