/* fork_test.c - fork from a multi-threaded program while the other
 * threads allocate and free; the child must be able to malloc and free
 * (all allocator locks consistent) and exits; a deadlock in the child is
 * caught by alarm(). */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

static volatile int stop;

static void *churn(void *arg)
{
	uintptr_t seed = (uintptr_t)arg;
	void *keep[64] = { 0 };
	while (!stop) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		unsigned i = (unsigned)(seed >> 58);
		free(keep[i]);
		size_t n = (seed >> 20) % ((seed >> 40) % 8 == 0 ? 600000 : 2000);
		keep[i] = malloc(n);
		if (keep[i])
			memset(keep[i], (int)i, n < 128 ? n : 128);
	}
	for (int i = 0; i < 64; i++)
		free(keep[i]);
	return NULL;
}

static int child_work(void)
{
	alarm(10);
	for (int i = 0; i < 2000; i++) {
		size_t n = (size_t)(i * 37) % (i % 50 == 0 ? 3000000 : 5000);
		unsigned char *p = malloc(n + 1);
		if (!p)
			return 1;
		memset(p, 0x77, n + 1);
		void *q = realloc(p, n + 100);
		if (!q)
			return 1;
		free(q);
	}
	/* a thread in the child works too */
	pthread_t t;
	stop = 0;
	if (pthread_create(&t, NULL, churn, (void *)3) != 0)
		return 1;
	usleep(10000);
	stop = 1;
	pthread_join(t, NULL);
	return 0;
}

int main(void)
{
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1));
	int ok = 0, total = 30;
	for (int k = 0; k < total; k++) {
		void *mine = malloc(100 + (size_t)k);
		pid_t pid = fork();
		if (pid == 0)
			_exit(child_work());
		free(mine);
		int status = 0;
		if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
	}
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK("every child could malloc/free after fork from a threaded parent", ok == total);
	return check_summary();
}
