/* interrupt.c - see interrupt.h. */
#include "interrupt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t caught;
static int wake[2] = { -1, -1 };     /* the self-pipe: the handler writes one byte */
static char results[4096];
static int runs_done, runs_total;
static const char *stage;

static void on_signal(int sig)
{
	int saved = errno;
	if (!caught)
		caught = sig;
	if (wake[1] >= 0 && write(wake[1], "", 1) < 0) {
		/* full pipe: it is readable already */
	}
	errno = saved;
}

void interrupt_arm(void)
{
	if (wake[0] >= 0)
		return;
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) < 0)
		wake[0] = wake[1] = -1;    /* the flag alone still works; polls wake on EINTR */
	/* No SA_RESTART: a blocking wait returns EINTR and looks at the flag. */
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int interrupt_signal(void)
{
	return caught;
}

int interrupt_fd(void)
{
	return wake[0];
}

void interrupt_progress(const char *file, int done, int total)
{
	snprintf(results, sizeof(results), "%s", file ? file : "");
	runs_done = done;
	runs_total = total;
}

void interrupt_stage(const char *s)
{
	stage = s;
}

pid_t interrupt_waitpid(pid_t pid, int *status)
{
	bool killed = false;
	for (;;) {
		pid_t r = waitpid(pid, status, 0);
		if (r >= 0 || errno != EINTR)
			return r;
		if (caught && !killed) {
			kill(pid, SIGKILL);
			killed = true;
		}
	}
}

/* The parent pid and process group of a process, from /proc/PID/stat
 * ("pid (comm) state ppid pgrp ..."; comm may hold spaces and parens). */
static int read_stat(pid_t pid, pid_t *ppid, pid_t *pgrp)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	char *close_paren = strrchr(buf, ')');
	int pp, pg;
	char state;
	if (!close_paren || sscanf(close_paren + 1, " %c %d %d", &state, &pp, &pg) != 3)
		return -1;
	*ppid = pp;
	*pgrp = pg;
	return 0;
}

/* SIGKILL each child of the harness (and its own process group); how many
 * there were. */
static int kill_each_child(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	pid_t self = getpid(), own_group = getpgrp();
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		pid_t ppid, pgrp;
		if (*end || pid <= 0 || read_stat((pid_t)pid, &ppid, &pgrp) < 0 || ppid != self)
			continue;
		if (pgrp > 1 && pgrp != own_group)
			kill(-pgrp, SIGKILL);   /* with it the grandchildren of its group */
		kill((pid_t)pid, SIGKILL);
		n++;
	}
	closedir(d);
	return n;
}

void interrupt_kill_children(void)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	for (int round = 0; round < 500; round++) {   /* 5 s at most */
		int found = kill_each_child();
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (!found && waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD)
			return;
		nanosleep(&pause, NULL);
	}
}

_Noreturn void interrupt_exit(void)
{
	int sig = caught ? caught : SIGINT;
	signal(SIGPIPE, SIG_IGN);   /* a closed terminal (SIGHUP) must not stop the cleanup */
	interrupt_kill_children();
	char what[256] = "";
	if (runs_total > 0)
		snprintf(what, sizeof(what), " after %d of %d runs", runs_done, runs_total);
	const char *name = sigabbrev_np(sig);
	fprintf(stderr, "harness: interrupted by SIG%s%s%s%s%s%s\n", name ? name : "?", stage ? " during " : "",
		stage ? stage : "", what, results[0] ? "; results in " : "", results);
	fflush(stderr);
	_exit(128 + sig);
}
