/* thread.c - the slow paths of the thread cache and the thread life
 * cycle (the process's is in init.c).
 *
 * Set-up: nothing needs initialising before the first malloc (all tables
 * are constant or zero-filled), so a thread's first slow path reads the
 * options (once per process, hk_thread_setup) and registers the thread.
 *
 * Thread exit: a pthread key destructor flushes the thread's bins back to
 * the slabs and sets every room to 0, so later frees by other destructors
 * of the same thread go straight back too.  The key value is only a marker.
 *
 * Statistics mode (HAKMEM_STATS or HAKMEM_STATS_FILE set, decided once at
 * start-up): the fast paths count nothing, so instead each thread's TLS
 * bins are kept empty with no room, and every malloc and free takes the
 * slow path, which counts it and works on the real cache in a side block
 * (struct hk_counted, mapped per thread, reused after the thread exits).
 * Counts are exact; the price is a call per malloc and free, paid only
 * when statistics were asked for.
 *
 * fork (init.c) takes the thread-list lock last; in the child only the
 * forking thread exists: blocks cached by the others are lost to it. */
#include "thread.h"

#include <errno.h>
#include <pthread.h>

#include "central.h"
#include "guard.h"
#include "decay.h"
#include "fmt.h"
#include "options.h"
#include "os.h"
#include "remote.h"
#include "sizeclass.h"

/* Initialised TLS, so a thread's token is never 0 (which the entry of
 * an address HAKMEM never used would match, superslab.h), even before
 * its first slow path. */
__thread struct hk_tcache hk_tc __attribute__((tls_model("initial-exec"))) = {
	.token = HK_TOKEN_FRESH,
	.divc = HK_CLASS_DIVC_ALL,
};

static int setup_done;
static pthread_mutex_t setup_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_key_t exit_key;
static pthread_mutex_t threads_mu = PTHREAD_MUTEX_INITIALIZER;
static struct hk_tcache *threads;
static uint32_t next_tid;
uint64_t hk_dead_nalloc[HK_NCLS];
static uint32_t bin_limit[HK_NCLS];      /* full limits (scale 1000) */

/* The caches of all threads together: with many threads each gets a
 * share, so idle threads cannot keep their full caches (issue 16: 200
 * idle threads kept 707 MB).  The scale is in thousandths of bin_limit. */
#define CACHE_TOTAL ((uint64_t)32 << 20)
static uint64_t full_bytes;               /* one thread's cache at scale 1000 */
static uint32_t nlive;                    /* registered threads, under threads_mu */
static uint32_t cache_scale = 1000;       /* atomic; what each thread applies at its next slow path */

struct hk_counted {
	struct hk_bin bins[HK_NCLS];     /* the cache, used by the slow paths only */
	uint64_t nalloc[HK_NCLS];        /* mallocs of this thread, per class */
	struct hk_counted *next_free;    /* on `counted_free` after its thread exited */
};
static int stats_mode;
static struct hk_counted *counted_free;     /* under threads_mu */
/* a TLS bin's room in statistics mode: every free finds none left */
#define NO_ROOM (INT64_MIN / 2)

static void thread_exit(void *arg);

/* ------------------------------------------------------ process init */

/* Bin limits: about 64 KiB of blocks per class, between 2 and 256 blocks,
 * but at least BIN_MIN_BLOCKS for classes up to BIN_MIN_MAX_SIZE, all
 * scaled by HAKMEM_TCACHE percent.  Why the floor: a bin's length does a
 * random walk under a mixed churn, and the trips to the slabs come once
 * per about (limit / 2)^2 operations of the class; with 64 KiB the 5-8 KiB
 * classes had bins of 8-12 blocks and went to their lock every 20-50
 * mallocs, 0.47% of all mallocs on `latency`, which set its p99.9 (issue
 * 13 item 3).  The price: a thread may keep up to 64 blocks of each such
 * class (512 KiB of 8 KiB blocks).  Mid classes (above 256 KiB) get no
 * thread cache (limit 0): every malloc and free of one goes to its class's
 * lock, as a large block goes to the large lock, and an idle thread never
 * holds megabytes of them. */
#define BIN_MIN_BLOCKS 64
#define BIN_MIN_MAX_SIZE 8192
static void limits_init(void)
{
	for (unsigned c = 1; c < HK_NCLS; c++) {
		if (hk_class_size[c] > HK_MID_MIN) {
			bin_limit[c] = 0;
			continue;
		}
		uint64_t n = 65536 / hk_class_size[c];
		if (n < BIN_MIN_BLOCKS && hk_class_size[c] <= BIN_MIN_MAX_SIZE)
			n = BIN_MIN_BLOCKS;
		if (n > 256)
			n = 256;
		n = n * (uint64_t)hk_opt(TCACHE) / 100;
		bin_limit[c] = (uint32_t)(n < 2 ? 2 : n);
		full_bytes += (uint64_t)bin_limit[c] * hk_class_size[c];
	}
}

/* Under threads_mu, after nlive changed. */
static void rescale(void)
{
	uint64_t share = CACHE_TOTAL / (nlive ? nlive : 1);
	uint32_t scale = share >= full_bytes ? 1000 : (uint32_t)(share * 1000 / full_bytes);
	__atomic_store_n(&cache_scale, scale, __ATOMIC_RELAXED);
}

static uint32_t scaled_limit(unsigned cls, uint32_t scale)
{
	return (uint32_t)((uint64_t)bin_limit[cls] * scale / 1000);
}

uint32_t hk_thread_cache_scale(void)
{
	return hk_tc.scale ? hk_tc.scale : 1000;
}

void hk_thread_setup(void)
{
	if (HK_LIKELY(__atomic_load_n(&setup_done, __ATOMIC_ACQUIRE)))
		return;
	/* nothing below allocates, so no nested malloc can come back here */
	pthread_mutex_lock(&setup_mu);
	if (!setup_done) {
		hk_guard_init();          /* the link key, before the first block is linked */
		hk_options_load();
		limits_init();
		stats_mode = hk_opt(STATS) != HK_STATS_OFF || hk_opt_str(STATS_FILE)[0];
		pthread_key_create(&exit_key, thread_exit);
		__atomic_store_n(&setup_done, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&setup_mu);
}

/* ------------------------------------------------------- thread init */

/* A side block for a thread in statistics mode: an exited thread's, or a
 * new mapping (NULL when none can be mapped: that thread is not counted). */
static struct hk_counted *counted_get(void)
{
	pthread_mutex_lock(&threads_mu);
	struct hk_counted *k = counted_free;
	if (k)
		counted_free = k->next_free;
	pthread_mutex_unlock(&threads_mu);
	if (!k)
		k = hk_os_map_aligned(HK_ALIGN_UP(sizeof(*k), HK_PAGE), HK_PAGE, 0);
	else
		*k = (struct hk_counted){ 0 };
	return k;
}

/* A thread id: 1 .. HK_TID_LIMIT - 2 (free() folds it into 21 bits,
 * superslab.h; 0 is nobody, HK_TID_LIMIT - 1 a fresh thread's token).
 * After 2^21 - 2 threads the ids come round again, skipping those of
 * live threads (exact while fewer than HK_ALIVE_SLOTS live, see
 * central.h).  Two live threads with one id would only take each other's
 * blocks into their caches, as an adopting thread does. */
static uint32_t new_tid(void)
{
	for (int tries = 0;; tries++) {
		uint32_t n = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
		uint32_t tid = n % (HK_TID_LIMIT - 2) + 1;
		if (n < HK_TID_LIMIT - 2 || !hk_owner_alive(tid) || tries >= 64)
			return tid;
	}
}

static void thread_init(void)
{
	struct hk_tcache *tc = &hk_tc;
	hk_thread_setup();
	if (tc->state != HK_T_FRESH)
		return;     /* a nested call (pthread_setspecific's calloc) got here first */
	tc->state = HK_T_ACTIVE;
	tc->tid = new_tid();
	tc->token = (uint64_t)tc->tid << HK_OWNER_SHIFT;
	hk_owner_alive_set(tc->tid);
	tc->counted = stats_mode ? counted_get() : NULL;
	pthread_mutex_lock(&threads_mu);
	nlive++;
	rescale();
	tc->scale = __atomic_load_n(&cache_scale, __ATOMIC_RELAXED);
	for (unsigned c = 1; c < HK_NCLS; c++) {
		tc->limit[c] = scaled_limit(c, tc->scale);
		if (tc->counted) {
			tc->counted->bins[c].room = tc->limit[c];
			tc->bins[c].room = NO_ROOM;
		} else {
			tc->bins[c].room += tc->limit[c];    /* a first free may have taken one */
		}
	}
	tc->prev = NULL;
	tc->next = threads;
	if (threads)
		threads->prev = tc;
	threads = tc;
	pthread_mutex_unlock(&threads_mu);
	/* may call calloc for keys >= 32: we are already ACTIVE, so it works */
	pthread_setspecific(exit_key, tc);
}

void hk_thread_start(void)
{
	if (hk_tc.state == HK_T_FRESH)
		thread_init();
}

static void thread_exit(void *arg)
{
	(void)arg;
	struct hk_tcache *tc = &hk_tc;
	if (tc->state != HK_T_ACTIVE)
		return;
	tc->state = HK_T_EXITING;
	hk_remote_flush_own();
	/* from here on, our slabs' blocks are adopted by whoever frees them */
	hk_owner_gone(tc->tid);
	struct hk_counted *k = tc->counted;
	for (unsigned c = 1; c < HK_NCLS; c++) {
		struct hk_bin *b = &tc->bins[c];
		if (b->head)
			hk_central_flush(c, b->head, tc->tid);
		b->head = NULL;
		b->room = 0;
		tc->limit[c] = 0;
		if (k) {
			if (k->bins[c].head)
				hk_central_flush(c, k->bins[c].head, tc->tid);
			__atomic_fetch_add(&hk_dead_nalloc[c], k->nalloc[c], __ATOMIC_RELAXED);
		}
	}
	pthread_mutex_lock(&threads_mu);
	nlive--;
	rescale();
	if (k) {
		tc->counted = NULL;      /* from here on, stats_mode counts in hk_dead_nalloc */
		k->next_free = counted_free;
		counted_free = k;
	}
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

/* The bin the slow paths work on: the side block's in statistics mode. */
static struct hk_bin *real_bin(struct hk_tcache *tc, unsigned cls)
{
	return tc->counted ? &tc->counted->bins[cls] : &tc->bins[cls];
}

#if HK_DEBUG_INVARIANTS
/* The bin's list is as long as its room says (and has no cycle). */
static void check_bin(const struct hk_tcache *tc, const struct hk_bin *b, unsigned cls)
{
	if (tc->state != HK_T_ACTIVE)
		return;
	int64_t n = 0;
	for (void *p = b->head; p; p = hk_link_get(p))
		HK_CHECK(++n <= (int64_t)tc->limit[cls], "thread cache list longer than its limit (a cycle?)", b->head);
	HK_CHECK(n == (int64_t)tc->limit[cls] - b->room, "thread cache length disagrees with its room", b->head);
}
#else
#define check_bin(tc, b, cls) ((void)0)
#endif

int hk_bin_has(unsigned cls, const void *p)
{
	struct hk_tcache *tc = &hk_tc;
	const struct hk_bin *b = real_bin(tc, cls);
	uint32_t n = 0;
	for (const void *q = b->head; q && n <= tc->limit[cls]; q = hk_link_get(q), n++)
		if (q == p)
			return 1;
	return 0;
}

/* Give back the most recently freed blocks of bin b down to `keep`:
 * walking to the cut costs one visit per block given back.  Returns the
 * slabs that emptied. */
static unsigned flush_down(struct hk_tcache *tc, struct hk_bin *b, unsigned cls, unsigned keep)
{
	int64_t len = (int64_t)tc->limit[cls] - b->room;
	if (len <= (int64_t)keep)
		return 0;
	unsigned n = (unsigned)(len - keep);
	void *first = b->head, *last = first;
	for (unsigned i = 1; i < n; i++)
		last = hk_link_get(last);
	b->head = hk_link_get(last);
	hk_link_set(last, NULL);
	b->room = (int64_t)tc->limit[cls] - keep;
	return hk_central_flush(cls, first, tc->tid);
}

/* Change bin cls's limit; a bin then over it keeps half the new limit. */
static void set_limit(struct hk_tcache *tc, struct hk_bin *b, unsigned cls, uint32_t limit)
{
	b->room += (int64_t)limit - tc->limit[cls];
	tc->limit[cls] = limit;
	if (b->room < 0)
		flush_down(tc, b, cls, limit / 2);
}

/* The number of threads changed since this thread set its limits. */
static void apply_scale(struct hk_tcache *tc)
{
	uint32_t scale = __atomic_load_n(&cache_scale, __ATOMIC_RELAXED);
	for (unsigned c = 1; c < HK_NCLS; c++)
		set_limit(tc, real_bin(tc, c), c, scaled_limit(c, scale));
	tc->scale = scale;
}

HK_INLINE int scale_changed(const struct hk_tcache *tc)
{
	return tc->state == HK_T_ACTIVE && tc->scale != __atomic_load_n(&cache_scale, __ATOMIC_RELAXED);
}

HK_NOINLINE void *hk_bin_refill(unsigned cls)
{
	struct hk_tcache *tc = &hk_tc;
	if (HK_UNLIKELY(tc->state == HK_T_FRESH))
		thread_init();
	struct hk_bin *b = real_bin(tc, cls);
	if (HK_UNLIKELY(scale_changed(tc)))
		apply_scale(tc);
	if (!b->head) {
		/* allocating again: a bin that drained (see hk_bin_overflow) gets
		 * its limit back */
		uint32_t full = scaled_limit(cls, tc->scale);
		if (tc->state == HK_T_ACTIVE && tc->limit[cls] < full)
			set_limit(tc, b, cls, full);
		/* an exiting thread takes one block at a time */
		unsigned want = tc->state == HK_T_ACTIVE ? tc->limit[cls] / 2 : 1, got;
		hk_decay_maybe();
		void *list = hk_central_refill(cls, want ? want : 1, tc->tid, &got);
		if (!list) {
			errno = ENOMEM;
			return NULL;
		}
		b->head = list;
		b->room -= got;
	}
	void *p = b->head;
	b->head = hk_link_get(p);
	((void **)p)[HK_LINK_WORD] = NULL;     /* no link left in a live block: free() reads it (guard.h) */
	b->room++;
	check_bin(tc, b, cls);
	if (tc->counted)
		tc->counted->nalloc[cls]++;
	else if (stats_mode)
		__atomic_fetch_add(&hk_dead_nalloc[cls], 1, __ATOMIC_RELAXED);
	return p;
}

HK_NOINLINE void hk_bin_overflow(unsigned cls)
{
	struct hk_tcache *tc = &hk_tc;
	struct hk_bin *b = &tc->bins[cls];
	if (HK_UNLIKELY(tc->state == HK_T_FRESH)) {
		thread_init();
		if (b->room >= 0)
			return;
	}
	if (tc->counted) {
		/* statistics mode: move the block just pushed to the real bin */
		void *p = b->head;
		b->head = NULL;
		b->room = NO_ROOM;
		b = &tc->counted->bins[cls];
		hk_link_set(p, b->head);
		b->head = p;
		if (--b->room >= 0)
			return;
	}
	/* the decay thread starts at the first overflow, before the flush:
	 * the allocations that create it must not reuse what the flush gives
	 * back, or a double free right after this free would free one of
	 * them instead of aborting (no allocator lock is held here) */
	if (tc->state == HK_T_ACTIVE) {
		hk_decay_kick();
		if (b->room >= 0)
			goto done;
	}
	if (HK_UNLIKELY(scale_changed(tc))) {
		apply_scale(tc);
		if (b->room >= 0)
			goto done;
	}
	/* down to half the limit; when that emptied a slab the program is
	 * giving memory back: the bin then keeps only an eighth of its limit
	 * (until its next refill), so the blocks left in it after a free-all
	 * pin few slabs (issue 13 item 4) */
	if (flush_down(tc, b, cls, tc->limit[cls] / 2) && tc->state == HK_T_ACTIVE) {
		uint32_t low = scaled_limit(cls, tc->scale) / 8;
		if (tc->limit[cls] > low)
			set_limit(tc, b, cls, low);
	}
done:
	check_bin(tc, b, cls);
	hk_decay_maybe();
}

void hk_thread_flush_own(void)
{
	struct hk_tcache *tc = &hk_tc;
	if (tc->state != HK_T_ACTIVE)
		return;
	hk_remote_flush_own();
	for (unsigned c = 1; c < HK_NCLS; c++) {
		struct hk_bin *b = real_bin(tc, c);
		if (b->head)
			hk_central_flush(c, b->head, tc->tid);
		b->head = NULL;
		b->room = tc->limit[c];
	}
}

void hk_thread_counts(const struct hk_tcache *tc, unsigned cls, uint64_t *allocs, uint64_t *cached)
{
	const struct hk_counted *k = tc->counted;
	const struct hk_bin *b = k ? &k->bins[cls] : &tc->bins[cls];
	*allocs += k ? k->nalloc[cls] : 0;
	*cached += (uint64_t)((int64_t)(tc->state == HK_T_ACTIVE ? tc->limit[cls] : 0) - b->room);
}

/* --------------------------------------------------------------- fork */

void hk_threads_lock(void) { pthread_mutex_lock(&threads_mu); }
void hk_threads_unlock(void) { pthread_mutex_unlock(&threads_mu); }

void hk_threads_forget_others(void)
{
	hk_owner_forget_all();
	if (hk_tc.state == HK_T_ACTIVE)
		hk_owner_alive_set(hk_tc.tid);
	threads = hk_tc.state == HK_T_ACTIVE ? &hk_tc : NULL;
	if (threads)
		hk_tc.next = hk_tc.prev = NULL;
	/* the child's caches share the budget with nobody */
	nlive = threads ? 1 : 0;
	rescale();
}
