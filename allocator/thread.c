/* thread.c - the slow paths of the thread cache and the process and
 * thread life cycle.
 *
 * Start-up: nothing needs initialising before the first malloc (all tables
 * are constant or zero-filled), so the first slow path simply reads the
 * options and installs the thread-exit key and the fork handlers.
 * pthread_atfork may itself call malloc: the initialising thread is marked
 * so that such a nested call goes through without waiting for itself.
 *
 * Thread exit: a pthread key destructor flushes the thread's bins back to
 * the slabs and sets every limit to 0, so later frees by other destructors
 * of the same thread go straight back too.  The key value is only a marker.
 *
 * fork: the prepare handler takes every allocator lock (class locks, then
 * the SuperSlab lock, then the large and thread-list locks: the order the
 * slow paths nest them in), so the child gets consistent lists; both sides
 * then release them.  Blocks cached by threads that do not exist in the
 * child are simply lost to it. */
#include "thread.h"

#include <errno.h>
#include <pthread.h>

#include "central.h"
#include "large.h"
#include "options.h"
#include "sizeclass.h"
#include "stats.h"

__thread struct hk_tcache hk_tc __attribute__((tls_model("initial-exec")));
static __thread int tl_in_init __attribute__((tls_model("initial-exec")));

int hk_init_done;
static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t exit_key;
static pthread_mutex_t threads_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hk_tcache *threads;
static uint32_t next_tid = 1;
uint64_t hk_dead_nalloc[HK_NCLS];
static uint32_t bin_limit[HK_NCLS];

static void thread_exit(void *arg);
static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

/* ------------------------------------------------------ process init */

/* Bin limits: about 64 KiB of blocks per class, between 2 and 256 blocks,
 * scaled by HAKMEM_TCACHE percent. */
static void limits_init(void)
{
	for (unsigned c = 1; c < HK_NCLS; c++) {
		uint64_t n = 65536 / hk_class_size[c];
		if (n > 256)
			n = 256;
		n = n * (uint64_t)hk_opt(TCACHE) / 100;
		bin_limit[c] = (uint32_t)(n < 2 ? 2 : n);
	}
}

void hk_init_slow(void)
{
	if (tl_in_init)
		return;
	pthread_mutex_lock(&init_mu);
	if (hk_init_done) {
		pthread_mutex_unlock(&init_mu);
		return;
	}
	tl_in_init = 1;
	hk_options_load();
	hk_stats_note_pid();
	limits_init();
	pthread_key_create(&exit_key, thread_exit);
	pthread_atfork(fork_prepare, fork_parent, fork_child);
	if (hk_opt(VERBOSE))
		hk_options_print(2);
	__atomic_store_n(&hk_init_done, 1, __ATOMIC_RELEASE);
	tl_in_init = 0;
	pthread_mutex_unlock(&init_mu);
}

/* Read the options as the library loads, so HAKMEM_VERBOSE and warnings
 * about bad values show even in a program that never allocates. */
__attribute__((constructor)) static void hakmem_load(void)
{
	hk_init();
}

__attribute__((destructor)) static void hakmem_unload(void)
{
	hk_stats_at_exit();
}

/* ------------------------------------------------------- thread init */

static void thread_init(void)
{
	struct hk_tcache *tc = &hk_tc;
	hk_init();
	if (tc->state != HK_T_FRESH)
		return;     /* a nested call (from pthread_atfork) got here first */
	tc->state = HK_T_ACTIVE;
	tc->tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	for (unsigned c = 1; c < HK_NCLS; c++)
		tc->bins[c].limit = bin_limit[c];
	pthread_mutex_lock(&threads_mu);
	tc->prev = NULL;
	tc->next = threads;
	if (threads)
		threads->prev = tc;
	threads = tc;
	pthread_mutex_unlock(&threads_mu);
	/* may call calloc for keys >= 32: we are already ACTIVE, so it works */
	pthread_setspecific(exit_key, tc);
}

static void thread_exit(void *arg)
{
	(void)arg;
	struct hk_tcache *tc = &hk_tc;
	if (tc->state != HK_T_ACTIVE)
		return;
	tc->state = HK_T_EXITING;
	for (unsigned c = 1; c < HK_NCLS; c++) {
		struct hk_bin *b = &tc->bins[c];
		b->limit = 0;
		if (b->head)
			hk_central_flush(c, b->head, tc->tid);
		b->head = NULL;
		b->count = 0;
		__atomic_fetch_add(&hk_dead_nalloc[c], b->nalloc, __ATOMIC_RELAXED);
		b->nalloc = 0;
	}
	pthread_mutex_lock(&threads_mu);
	if (tc->prev)
		tc->prev->next = tc->next;
	else
		threads = tc->next;
	if (tc->next)
		tc->next->prev = tc->prev;
	pthread_mutex_unlock(&threads_mu);
}

void hk_threads_foreach(void (*fn)(const struct hk_tcache *tc, void *arg), void *arg)
{
	pthread_mutex_lock(&threads_mu);
	for (struct hk_tcache *tc = threads; tc; tc = tc->next)
		fn(tc, arg);
	pthread_mutex_unlock(&threads_mu);
}

/* --------------------------------------------------- cache slow paths */

/* An exiting thread's allocations are added to the dead total at once. */
static void exiting_account(unsigned cls)
{
	struct hk_bin *b = &hk_tc.bins[cls];
	__atomic_fetch_add(&hk_dead_nalloc[cls], b->nalloc, __ATOMIC_RELAXED);
	b->nalloc = 0;
}

HK_NOINLINE void *hk_bin_refill(unsigned cls)
{
	struct hk_tcache *tc = &hk_tc;
	if (HK_UNLIKELY(tc->state == HK_T_FRESH))
		thread_init();
	struct hk_bin *b = &tc->bins[cls];
	if (!b->head) {
		unsigned want = b->limit / 2, got;
		void *list = hk_central_refill(cls, want ? want : 1, tc->tid, &got);
		if (!list) {
			errno = ENOMEM;
			return NULL;
		}
		b->head = list;
		b->count = got;
	}
	void *p = b->head;
	b->head = *(void **)p;
	b->count--;
	b->nalloc++;
	if (HK_UNLIKELY(tc->state == HK_T_EXITING))
		exiting_account(cls);
	return p;
}

HK_NOINLINE void hk_bin_overflow(unsigned cls)
{
	struct hk_tcache *tc = &hk_tc;
	struct hk_bin *b = &tc->bins[cls];
	if (HK_UNLIKELY(tc->state == HK_T_FRESH)) {
		thread_init();
		if (b->count <= b->limit)
			return;
	}
	/* give back the most recently freed blocks down to half the limit:
	 * walking to the cut costs one visit per block given back */
	unsigned keep = b->limit / 2, n = b->count - keep;
	void *first = b->head, *last = first;
	for (unsigned i = 1; i < n; i++)
		last = *(void **)last;
	b->head = *(void **)last;
	*(void **)last = NULL;
	b->count = keep;
	hk_central_flush(cls, first, tc->tid);
}

/* --------------------------------------------------------------- fork */

static void fork_prepare(void)
{
	hk_central_lock_all();
	hk_ss_lock();
	hk_large_lock();
	pthread_mutex_lock(&threads_mu);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&threads_mu);
	hk_large_unlock();
	hk_ss_unlock();
	hk_central_unlock_all();
}

static void fork_child(void)
{
	/* only this thread exists in the child: forget the others' caches */
	threads = hk_tc.state == HK_T_ACTIVE ? &hk_tc : NULL;
	if (threads)
		hk_tc.next = hk_tc.prev = NULL;
	fork_parent();
}
