/* child.h - run a test case in a forked child with its stderr captured
 * (the misuse tests: the child is expected to abort). */
#ifndef HAKMEM_TEST_CHILD_H
#define HAKMEM_TEST_CHILD_H

#include <sys/wait.h>
#include <unistd.h>

/* Fork a child whose stderr goes into a pipe: returns 0 in the child,
 * the child's pid in the parent (*fd: the pipe's read end), -1 on error. */
static inline pid_t fork_captured(int *fd)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	close(fds[1]);
	*fd = fds[0];
	return pid;
}

/* Read what the child of fork_captured wrote into out (NUL-terminated)
 * and wait for it.  Returns its wait status (-1 when pid is -1). */
static inline int collect_captured(pid_t pid, int fd, char *out, size_t outlen)
{
	out[0] = '\0';
	if (pid < 0)
		return -1;
	size_t len = 0;
	ssize_t n;
	while (len + 1 < outlen && (n = read(fd, out + len, outlen - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fd);
	int status = 0;
	waitpid(pid, &status, 0);
	return status;
}

/* Run fn in a child (killed by SIGALRM after secs); its stderr goes to
 * out (NUL-terminated).  Returns the child's wait status. */
static inline int run_child_captured(void (*fn)(void), unsigned secs, char *out, size_t outlen)
{
	int fd = -1;
	pid_t pid = fork_captured(&fd);
	if (pid == 0) {
		alarm(secs);
		fn();
		_exit(0);
	}
	return collect_captured(pid, fd, out, outlen);
}

#endif
