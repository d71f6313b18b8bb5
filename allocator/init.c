/* init.c - see init.h.
 *
 * Start-up: the first call (the load-time constructor, or an earlier
 * malloc that needs the options) reads the options through the thread
 * layer, notes the pid for the statistics and installs the fork handlers.
 * pthread_atfork may itself call malloc: the initialising thread is marked
 * so that such a nested call goes through without waiting for itself.
 *
 * fork: the prepare handler takes every allocator lock (class locks, then
 * the SuperSlab lock, then the large and thread-list locks: the order the
 * slow paths nest them in), so the child gets consistent lists; both sides
 * then release them.
 *
 * Lock order against stdio (issue 13): glibc's fork runs the prepare
 * handlers first and only then takes the stdio list lock, while a thread
 * in fflush(NULL) holds that list lock and waits for a FILE lock whose
 * owner (a getline) waits for an allocator lock.  Taking the allocator
 * locks in prepare and then waiting for the list lock closed that cycle.
 * glibc's own malloc takes its locks after the list lock; we do the same
 * by taking the list lock (a recursive lock, exported by glibc as
 * _IO_list_lock) at the start of prepare: fork's own _IO_list_lock then
 * just nests.  The parent unlocks it after ours; in the child glibc has
 * already reset it when it was multi-threaded, so the child resets it
 * too (only this thread exists there) instead of unlocking.  On a libc
 * without these symbols (weak references) nothing changes.  The dynamic
 * loader's lock is never taken inside the allocator, so a dlopen that
 * mallocs only waits for an allocator lock, which is always released. */
#include "init.h"

#include <pthread.h>

#include "central.h"
#include "decay.h"
#include "large.h"
#include "options.h"
#include "stats.h"
#include "thread.h"

int hk_init_done;
static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
static __thread int tl_in_init __attribute__((tls_model("initial-exec")));

static void fork_prepare(void);
static void fork_parent(void);
static void fork_child(void);

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
	hk_thread_setup();
	hk_stats_setup();
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

/* --------------------------------------------------------------- fork */

extern void _IO_list_lock(void) __attribute__((weak));
extern void _IO_list_unlock(void) __attribute__((weak));
extern void _IO_list_resetlock(void) __attribute__((weak));

static void fork_prepare(void)
{
	if (_IO_list_lock)
		_IO_list_lock();
	hk_central_lock_all();
	hk_ss_lock();
	hk_large_lock();
	hk_threads_lock();
}

static void unlock_all(void)
{
	hk_threads_unlock();
	hk_large_unlock();
	hk_ss_unlock();
	hk_central_unlock_all();
}

static void fork_parent(void)
{
	unlock_all();
	if (_IO_list_unlock)
		_IO_list_unlock();
}

static void fork_child(void)
{
	/* only this thread exists in the child: forget the others' caches
	 * and the decay thread */
	hk_threads_forget_others();
	hk_decay_forget_thread();
	unlock_all();
	hk_central_fork_child();
	if (_IO_list_resetlock)
		_IO_list_resetlock();
}
