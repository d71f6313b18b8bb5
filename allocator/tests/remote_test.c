/* remote_test.c - remote frees go home (issue 13 item 2).
 *
 * - a block freed by another thread is not handed out by that thread's
 *   next mallocs of the class, but comes back to the thread that owns its
 *   slab;
 * - many threads freeing each other's blocks (the debug build walks every
 *   invariant, remote lists included, on every slow path);
 * - blocks of a thread that exited are adopted by the thread freeing them;
 * - fork while remote frees wait on a slab's remote list (pushed without
 *   the class lock): the child gets them back too.
 * Linked with the static library: it reaches into central.h only to hold a
 * class lock, so that a remote free must take the lock-free path. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "central.h"
#include "sizeclass.h"
#include "superslab.h"

#define N 200
#define SIZE 64

static void *blocks[N];

static int in_set(void *p)
{
	for (int i = 0; i < N; i++)
		if (blocks[i] == p)
			return 1;
	return 0;
}

/* ------------------------------------------- freed remotely goes home */

static pthread_barrier_t bar;
static int foreign_reuse;

static void *free_others(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++)
		free(blocks[i]);
	void *mine[N];
	for (int i = 0; i < N; i++) {
		mine[i] = malloc(SIZE);
		foreign_reuse += in_set(mine[i]);
	}
	pthread_barrier_wait(&bar);     /* main checks its reuse while we live */
	pthread_barrier_wait(&bar);
	for (int i = 0; i < N; i++)
		free(mine[i]);
	return NULL;
}

static void remote_goes_home(void)
{
	for (int i = 0; i < N; i++)
		blocks[i] = malloc(SIZE);
	pthread_t t;
	pthread_barrier_init(&bar, NULL, 2);
	pthread_create(&t, NULL, free_others, NULL);
	pthread_barrier_wait(&bar);
	CHECK("blocks freed by another thread are not handed out by that thread's mallocs", foreign_reuse == 0);
	/* the owner gets them back: all but the last partial batch the
	 * freeing thread still holds (at most 32 blocks) */
	void *again[2000];
	int back = 0;
	for (int i = 0; i < 2000; i++) {
		again[i] = malloc(SIZE);
		back += in_set(again[i]);
	}
	printf("remote: other thread reused %d of %d, owner got back %d\n", foreign_reuse, N, back);
	CHECK("the owner reuses the blocks freed by another thread", back >= N - 32);
	pthread_barrier_wait(&bar);
	pthread_join(t, NULL);
	for (int i = 0; i < 2000; i++)
		free(again[i]);
	pthread_barrier_destroy(&bar);
}

/* --------------------------------------------------- cross-free stress */

#define SLOTS 4096
#define THREADS 4
static _Atomic(unsigned char *) slots[SLOTS];
static atomic_int bad;

static void *cross(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0x9E3779B97F4A7C15ull + 1;
	for (int i = 0; i < 60000; i++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t r = s >> 33;
		size_t n = 2 + (size_t)(r % (r % 16 == 0 ? 20000 : 600));
		unsigned char *p = malloc(n);
		if (!p) {
			atomic_fetch_add(&bad, 1);
			continue;
		}
		p[0] = (unsigned char)n;
		p[n - 1] = (unsigned char)(n >> 8);
		unsigned char *old = atomic_exchange(&slots[(s >> 11) % SLOTS], p);
		if (old)
			free(old);      /* usually a block another thread allocated */
	}
	return NULL;
}

static void cross_stress(void)
{
	pthread_t t[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, cross, (void *)(i + 1));
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < SLOTS; i++)
		free(atomic_exchange(&slots[i], NULL));
	CHECK("cross-thread frees: every malloc succeeded", atomic_load(&bad) == 0);
}

/* ------------------------------------------------ an exited thread's */

static void *alloc_and_exit(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++)
		blocks[i] = malloc(SIZE);
	return NULL;
}

static unsigned class_of_block(void *p)
{
	return hk_unit_entry((uintptr_t)p)->cls;    /* the debug build adds a redzone */
}

static uint64_t flushed(unsigned cls)
{
	struct hk_central_counts n;
	hk_central_counts_get(cls, &n);
	return n.flushed_blocks;
}

static uint64_t remote_collected(unsigned cls)
{
	struct hk_central_counts n;
	hk_central_counts_get(cls, &n);
	return n.remote_frees;
}

static void exited_adopted(void)
{
	pthread_t t;
	pthread_create(&t, NULL, alloc_and_exit, NULL);
	pthread_join(t, NULL);
	unsigned cls = class_of_block(blocks[0]);
	/* start from an empty cache: an overflow gives back the most recently
	 * freed blocks and keeps the oldest, so blocks left in the cache by
	 * the earlier cases would be what the mallocs below get (about 1 run
	 * in 20 failed that way) */
	malloc_trim(0);
	uint64_t before = flushed(cls);
	for (int i = 0; i < N; i++)
		free(blocks[i]);
	uint64_t returned = flushed(cls) - before;
	/* nobody is home: the freeing thread's cache takes them (what does
	 * not fit goes back to the slabs by the usual overflow) */
	void *again[N];
	int back = 0;
	for (int i = 0; i < N; i++) {
		again[i] = malloc(SIZE);
		back += in_set(again[i]);
	}
	for (int i = 0; i < N; i++)
		free(again[i]);
	printf("exited: %d of %d blocks of the exited thread reused at once, %llu went back to their slabs\n",
	       back, N, (unsigned long long)returned);
	CHECK("blocks of an exited thread are adopted by the thread that frees them", back > 0);
	CHECK("...or returned to their slabs, none held elsewhere", back + (int)returned >= N);
}

/* ------------------------------------------ fork with pending remotes */

static atomic_int freed, release_thread;

static void *free_while_locked(void *arg)
{
	(void)arg;
	for (int i = 0; i < N; i++)
		free(blocks[i]);      /* class lock busy: whole batches go to remote lists */
	atomic_store(&freed, 1);
	while (!atomic_load(&release_thread))
		usleep(1000);
	return NULL;              /* exit sends the last partial batch */
}

/* Malloc until a refill of the class ran (more than a full bin); returns
 * how many pending remote frees the refills collected. */
static uint64_t collect_by_malloc(unsigned cls)
{
	static void *got[600];
	uint64_t before = remote_collected(cls);
	for (int i = 0; i < 600; i++)
		got[i] = malloc(SIZE);
	for (int i = 0; i < 600; i++)
		free(got[i]);
	return remote_collected(cls) - before;
}

static void fork_pending(void)
{
	for (int i = 0; i < N; i++)
		blocks[i] = malloc(SIZE);
	unsigned cls = class_of_block(blocks[0]);
	struct hk_central *c = &hk_central[cls];
	pthread_mutex_lock(&c->mu);
	pthread_t t;
	pthread_create(&t, NULL, free_while_locked, NULL);
	while (!atomic_load(&freed))
		usleep(1000);
	int pending = __atomic_load_n(&c->pending, __ATOMIC_ACQUIRE) != NULL;
	pthread_mutex_unlock(&c->mu);
	CHECK("remote frees under a busy class lock wait on the pending stack", pending);
	CHECK("...and still wait at the fork", __atomic_load_n(&c->pending, __ATOMIC_ACQUIRE) != NULL);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);
		uint64_t n = collect_by_malloc(cls);
		printf("fork: the child's refills collected %llu remote frees (%d were sent)\n", (unsigned long long)n, N - N % 32);
		_exit(n >= N - N % 32 ? 0 : 1);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	CHECK("the child of a fork collects the remote frees pending at the fork", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	uint64_t n = collect_by_malloc(cls);
	CHECK("and so does the parent", n >= N - N % 32);
	atomic_store(&release_thread, 1);
	pthread_join(t, NULL);
}

int main(void)
{
	alarm(60);
	remote_goes_home();
	cross_stress();
	exited_adopted();
	fork_pending();
	return check_summary();
}
