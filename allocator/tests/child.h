/* child.h - run a test case in a forked child with its stderr captured
 * (the misuse tests: the child is expected to abort). */
#ifndef HAKMEM_TEST_CHILD_H
#define HAKMEM_TEST_CHILD_H

#include <sys/wait.h>
#include <unistd.h>

/* Run fn in a child (killed by SIGALRM after secs); its stderr goes to
 * out (NUL-terminated).  Returns the child's wait status. */
static inline int run_child_captured(void (*fn)(void), unsigned secs, char *out, size_t outlen)
{
	int fds[2];
	out[0] = '\0';
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		alarm(secs);
		fn();
		_exit(0);
	}
	close(fds[1]);
	size_t len = 0;
	ssize_t n;
	while (len + 1 < outlen && (n = read(fds[0], out + len, outlen - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	return status;
}

#endif
