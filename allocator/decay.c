/* decay.c - see decay.h. */
#include "decay.h"

#include <pthread.h>
#include <signal.h>
#include <time.h>

#include "central.h"
#include "large.h"
#include "options.h"
#include "os.h"
#include "superslab.h"

static uint32_t next_check_ms;
static int thread_started;          /* 0 none, 1 started (or being started) */

static void decay_now(uint32_t now)
{
	hk_central_collect_all();       /* remote frees nobody collected yet */
	hk_ss_decay(now);
	hk_large_decay(now);
}

void hk_decay_maybe(void)
{
	uint32_t now = hk_os_now_ms();
	uint32_t next = __atomic_load_n(&next_check_ms, __ATOMIC_RELAXED);
	if ((int32_t)(now - next) < 0)
		return;
	uint32_t period = (uint32_t)hk_opt(DECAY_MS) / 4;
	if (!__atomic_compare_exchange_n(&next_check_ms, &next, now + (period ? period : 1), 0,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;     /* another thread does this round */
	decay_now(now);
}

static void *decay_thread(void *arg)
{
	(void)arg;
	uint64_t ms = (uint64_t)hk_opt(DECAY_MS) / 2;
	if (ms < 10)
		ms = 10;
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	for (;;) {
		nanosleep(&ts, NULL);
		decay_now(hk_os_now_ms());
	}
	return NULL;
}

void hk_decay_kick(void)
{
	if (HK_LIKELY(__atomic_load_n(&thread_started, __ATOMIC_RELAXED)) || !hk_opt(DECAY_THREAD))
		return;
	if (__atomic_exchange_n(&thread_started, 1, __ATOMIC_ACQ_REL))
		return;
	/* the thread inherits our signal mask: block everything while
	 * creating it, so it never takes a signal meant for the program */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, decay_thread, NULL) == 0)
		pthread_setname_np(t, "hakmem-decay");
	/* (on failure the flag stays set: slow paths still decay, and we do
	 * not retry a pthread_create that failed on every overflow) */
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void hk_decay_forget_thread(void)
{
	thread_started = 0;
}

size_t hk_decay_trim_all(void)
{
	hk_central_collect_all();
	return hk_ss_trim() + hk_large_trim();
}
