/* exec_stub.c - a tiny static program that starts the workload from a
 * small address space, so that nothing of the harness is in the
 * workload's process: not its faults, not its RSS.
 *
 * Why a stub and why two processes.  A child forked from the harness
 * starts with a copy of the harness's anonymous memory (about 2.7 MiB):
 * fork sets the child's RSS high-water mark to it, exec stores that mark
 * in the process's signal struct, and getrusage/wait4 report the maximum,
 * so ru_maxrss of every small workload was the harness's.  Exec'ing this
 * stub first is not enough (the mark is taken at the exec), so the stub
 * (process A) forks process B from its own tiny image, hands B's pid to
 * the harness and exits; B waits for the release and execs the workload.
 * B's high-water mark before that exec is the stub's (see the README,
 * "Exec stub"), and B becomes the harness's child again when A exits as
 * long as the harness is a child subreaper (PR_SET_CHILD_SUBREAPER), so
 * wait4(B) gives B's own rusage.
 *
 *   exec_stub PID_FD RELEASE_FD PROGRAM [ARG...]
 *
 *   A: forks B, writes B's pid in decimal and a newline to PID_FD, exits 0
 *      (1 with a message on stderr when the fork or the write fails).
 *   B: closes PID_FD, blocks reading RELEASE_FD; on one byte, marks it
 *      close-on-exec (so that it closes when the exec succeeds: the harness
 *      sees the exec as POLLERR on its write end) and
 *      execve(PROGRAM, [PROGRAM, ARG...], environ) (no PATH search: the
 *      harness passes a path; the environment, LD_PRELOAD included, passes
 *      through untouched: this binary is static, so LD_PRELOAD has no
 *      effect on it).  On EOF (the harness gave up) B exits 125 quietly;
 *      when execve fails it prints why and exits 127.
 *
 * Built with -static (no dynamic loader, no libraries mapped) and it calls
 * nothing but fork, read, write, close, fcntl, execve and _exit, so its RSS is
 * the few pages it touches. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static void say(const char *a, const char *b, const char *c)
{
	const char *parts[] = { "exec_stub: ", a, b, c, "\n" };
	for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (parts[i] && write(2, parts[i], strlen(parts[i])) < 0)
			return;
}

static int parse_fd(const char *s)
{
	int v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		say("usage: exec_stub PID_FD RELEASE_FD PROGRAM [ARG...]", "", "");
		return 2;
	}
	int pid_fd = parse_fd(argv[1]), release_fd = parse_fd(argv[2]);
	if (pid_fd < 0 || release_fd < 0) {
		say("PID_FD and RELEASE_FD must be file descriptor numbers, got ", argv[1], argv[2]);
		return 2;
	}

	pid_t b = fork();
	if (b < 0) {
		say("fork failed: ", strerror(errno), "");
		return 1;
	}
	if (b > 0) {
		char buf[24];
		int n = sizeof(buf);
		buf[--n] = '\n';
		do {
			buf[--n] = (char)('0' + b % 10);
			b /= 10;
		} while (b);
		if (write(pid_fd, buf + n, sizeof(buf) - n) != (ssize_t)(sizeof(buf) - n)) {
			say("cannot write the pid to PID_FD: ", strerror(errno), "");
			return 1;
		}
		return 0;
	}

	close(pid_fd);
	char c;
	ssize_t r;
	while ((r = read(release_fd, &c, 1)) < 0 && errno == EINTR)
		;
	if (r != 1)
		_exit(125);
	/* Not closed here but at the exec: the harness polls its write end
	 * and takes POLLERR (no reader left) as "the workload's image is in
	 * place" (exec closes close-on-exec files after switching the mm). */
	fcntl(release_fd, F_SETFD, FD_CLOEXEC);
	execve(argv[3], argv + 3, environ);
	say("cannot exec ", argv[3], errno == ENOENT ? ": no such file" : ": execve failed");
	_exit(127);
}
