/* fork_stdio_test.c - fork never deadlocks against stdio (issue 13):
 * one thread reads a file with getline in a loop (holding the FILE lock
 * while it mallocs), a second calls fflush(NULL) in a loop (holding the
 * stdio list lock while it waits for each FILE lock), and the main thread
 * forks 2,000 times; each child mallocs and exits.  A watchdog (alarm,
 * re-armed after every fork) turns a deadlock into a failure: no fork may
 * take 30 s.  (Progress, not total time: on a loaded 2-core machine the
 * spinning threads make 2,000 forks take a minute or more, with glibc's
 * malloc too.)  A plain program, run under
 * LD_PRELOAD=libhakmem.so by meson (so it can also be run against an older
 * library). */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#ifndef FORKS
#define FORKS 2000
#endif

static volatile int stop;
static FILE *in;

static void *reader(void *arg)
{
	(void)arg;
	char *line = NULL;
	size_t cap = 0;
	while (!stop) {
		/* a fresh buffer every line: getline grows it past 256 KiB by
		 * realloc while it holds the FILE lock, and blocks that big
		 * take an allocator lock on every call (no thread cache) */
		if (getline(&line, &cap, in) < 0)
			rewind(in);
		free(line);
		line = NULL;
		cap = 0;
	}
	free(line);
	return NULL;
}

static void *flusher(void *arg)
{
	(void)arg;
	/* the yield between calls does not shorten the time it holds the
	 * list lock inside fflush, only lets the forking thread in between
	 * (a futex is not fair): 200 forks took 55 s without it and 34 s with
	 * it under glibc's malloc on the idle 2-core VM (2026-12-03; 2,000
	 * took 21 s earlier the same day under load: the time varies a lot) */
	while (!stop) {
		fflush(NULL);
		sched_yield();
	}
	return NULL;
}

static void watchdog(int sig)
{
	(void)sig;
	static const char msg[] = "fork_stdio_test: deadlock: a fork and its child did not complete within 30 s\n";
	write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

int main(void)
{
	char path[] = "/tmp/hakmem_fork_stdio_XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) {
		perror("fork_stdio_test: mkstemp");
		return 1;
	}
	FILE *w = fdopen(fd, "w");
	for (int i = 0; i < 16; i++) {
		for (int k = 0; k < 300000 + i * 20000; k++)
			fputc('a' + (k + i) % 26, w);             /* lines of 300..600 KB */
		fputc('\n', w);
	}
	fclose(w);
	in = fopen(path, "r");
	unlink(path);
	if (!in) {
		perror("fork_stdio_test: fopen");
		return 1;
	}
	signal(SIGALRM, watchdog);
	pthread_t r, f;
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&f, NULL, flusher, NULL);
	int bad = 0;
	for (int i = 0; i < FORKS; i++) {
		alarm(30);
		pid_t pid = fork();
		if (pid == 0) {
			char *p = malloc(100 + (size_t)i % 5000);
			if (p)
				memset(p, 1, 100);
			free(p);
			_exit(p ? 0 : 3);
		}
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	stop = 1;
	pthread_join(r, NULL);
	pthread_join(f, NULL);
	alarm(0);
	CHECK("2,000 forks beside getline and fflush(NULL) threads, every child allocates and exits 0", bad == 0);
	return check_summary();
}
