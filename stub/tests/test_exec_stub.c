/* test_exec_stub.c - the exec stub keeps the harness out of the
 * workload's process.  This test plays the harness: it first makes itself
 * big (BIG_MIB of touched heap, like the harness's ~2.7 MiB), then starts
 * rss_tiny (a program that reports its own VmHWM) two ways:
 *
 *  - directly (fork + exec): ru_maxrss from wait4 carries the parent's
 *    copied RSS, far above the program's own VmHWM: the problem;
 *  - through the stub (exec_stub PID_FD RELEASE_FD PROGRAM, as a child
 *    subreaper): ru_maxrss must be within 5% of the program's own VmHWM
 *    (not equal: the kernel takes the high-water mark from its approximate
 *    per-CPU RSS counters, /proc from their exact sum),
 *    and the held process's VmHWM before the release (the stub's image)
 *    must be a few hundred KiB at most.
 *
 * Plus the stub's error paths: usage, EOF on the release fd, an exec that
 * fails.
 *
 *   test_exec_stub PATH/TO/exec_stub PATH/TO/rss_tiny */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define BIG_MIB 32
#define TINY_PAGES "2048"   /* 8 MiB: the kernel's RSS counters are approximate by up to
                                  64 pages per counter on 2 CPUs, so 5% needs a few MiB */

static const char *stub, *tiny;

static long status_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long v = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

/* The program's own "VmHWM_kib N" line from its stdout pipe. */
static long read_hwm(int fd)
{
	char buf[128];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strncmp(buf, "VmHWM_kib ", 10) == 0 ? atol(buf + 10) : -1;
}

/* fork + exec rss_tiny directly, as the harness did. */
static int run_direct(long *maxrss, long *hwm)
{
	int out[2];
	if (pipe(out) < 0)
		return -1;
	pid_t p = fork();
	if (p == 0) {
		dup2(out[1], 1);
		execl(tiny, tiny, TINY_PAGES, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	struct rusage ru;
	int st;
	if (p < 0 || wait4(p, &st, 0, &ru) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return -1;
	*maxrss = ru.ru_maxrss;
	*hwm = read_hwm(out[0]);
	return 0;
}

struct stubbed { pid_t a, b; int status; long maxrss, hwm, held_hwm; };

/* Through the stub: fork, exec the stub, learn B's pid, reap A, look at
 * B while it is held, release it (or close the release fd when release
 * is 0), wait4(B). */
static int run_stubbed(const char *program, int release, struct stubbed *r)
{
	int pid_pipe[2], rel[2], out[2];
	if (pipe(pid_pipe) < 0 || pipe(rel) < 0 || pipe(out) < 0)
		return -1;
	r->a = fork();
	if (r->a < 0)
		return -1;
	if (r->a == 0) {
		char pfd[16], rfd[16];
		close(pid_pipe[0]);
		close(rel[1]);
		close(out[0]);
		dup2(out[1], 1);
		snprintf(pfd, sizeof(pfd), "%d", pid_pipe[1]);
		snprintf(rfd, sizeof(rfd), "%d", rel[0]);
		execl(stub, stub, pfd, rfd, program, TINY_PAGES, (char *)NULL);
		_exit(127);
	}
	close(pid_pipe[1]);
	close(rel[0]);
	close(out[1]);
	char buf[32] = "";
	ssize_t n = read(pid_pipe[0], buf, sizeof(buf) - 1);
	close(pid_pipe[0]);
	int st;
	if (n <= 0 || waitpid(r->a, &st, 0) != r->a || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "the stub did not report a pid\n");
		return -1;
	}
	r->b = (pid_t)atol(buf);
	r->held_hwm = status_kib(r->b, "VmHWM");
	if (release && write(rel[1], "x", 1) != 1)
		return -1;
	close(rel[1]);
	struct rusage ru;
	if (wait4(r->b, &r->status, 0, &ru) != r->b) {
		fprintf(stderr, "wait4(B) failed: %s\n", strerror(errno));
		return -1;
	}
	r->maxrss = ru.ru_maxrss;
	r->hwm = read_hwm(out[0]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: test_exec_stub PATH/TO/exec_stub PATH/TO/rss_tiny\n");
		return 2;
	}
	stub = argv[1];
	tiny = argv[2];

	/* Become a big parent, as the harness is. */
	size_t big = (size_t)BIG_MIB << 20;
	char *heap = malloc(big);
	if (!heap)
		return 1;
	memset(heap, 1, big);

	long d_maxrss = -1, d_hwm = -1;
	CHECK("direct run works", run_direct(&d_maxrss, &d_hwm) == 0);
	printf("direct fork+exec: ru_maxrss %ld KiB, the program's own VmHWM %ld KiB\n", d_maxrss, d_hwm);
	CHECK("direct: ru_maxrss carries the parent's RSS (the problem the stub solves)",
	      d_maxrss >= BIG_MIB * 1024 && d_hwm > 0 && d_hwm < d_maxrss / 2);

	CHECK("the test can be a child subreaper", prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
	struct stubbed s;
	CHECK("stubbed run works", run_stubbed(tiny, 1, &s) == 0);
	printf("through the stub: held process VmHWM %ld KiB, ru_maxrss %ld KiB, the program's own VmHWM %ld KiB\n",
	       s.held_hwm, s.maxrss, s.hwm);
	CHECK("the program ran and exited 0", WIFEXITED(s.status) && WEXITSTATUS(s.status) == 0);
	CHECK("B is not A", s.b != s.a && s.b > 0);
	CHECK("the held stub is a few hundred KiB at most", s.held_hwm > 0 && s.held_hwm <= 512);
	CHECK("ru_maxrss is the program's own VmHWM within 5%",
	      s.hwm > 0 && s.maxrss >= s.hwm * 0.95 && s.maxrss <= s.hwm * 1.05);

	struct stubbed e;
	CHECK("EOF on the release fd", run_stubbed(tiny, 0, &e) == 0);
	CHECK("EOF: B exits 125 without exec'ing", WIFEXITED(e.status) && WEXITSTATUS(e.status) == 125 && e.hwm == -1);
	CHECK("missing program", run_stubbed("/nonexistent/program", 1, &e) == 0);
	CHECK("missing program: B exits 127", WIFEXITED(e.status) && WEXITSTATUS(e.status) == 127);

	pid_t u = fork();
	if (u == 0) {
		int devnull = open("/dev/null", 1);
		dup2(devnull, 2);
		execl(stub, stub, "x", (char *)NULL);
		_exit(99);
	}
	int st;
	CHECK("usage error exits 2", waitpid(u, &st, 0) == u && WIFEXITED(st) && WEXITSTATUS(st) == 2);
	free(heap);
	return check_summary();
}
