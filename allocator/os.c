/* os.c - see os.h.  mmap, munmap, madvise and mremap are plain system-call
 * wrappers in glibc (they never allocate), so they are safe here. */
#include "os.h"

#include <errno.h>
#include <sys/mman.h>
#include <time.h>

#include "config.h"
#include "options.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_FREE
#define MADV_FREE 8
#endif

struct hk_os_counts hk_os_counts;

#define COUNT(field, n) __atomic_fetch_add(&hk_os_counts.field, (n), __ATOMIC_RELAXED)

/* ---------------------------------------------------- release record */

static struct hk_release_counts released;
static struct hk_release_event release_ring[HK_RELEASE_LOG];
static uint64_t start_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void hk_os_mark_start(void)
{
	if (!start_ns)
		start_ns = now_ns();
}

uint64_t hk_os_ms_since_start(void)
{
	return (now_ns() - start_ns) / 1000000u;
}

/* One successful release of `bytes` (a system call was made anyway, so
 * reading the clock costs nothing in comparison). */
static void note_release(enum hk_release_how how, size_t bytes)
{
	switch (how) {
	case HK_HOW_DONTNEED:
	case HK_HOW_FREE:
		__atomic_fetch_add(&released.madvise_bytes, bytes, __ATOMIC_RELAXED);
		break;
	case HK_HOW_MUNMAP:
		__atomic_fetch_add(&released.munmap_bytes, bytes, __ATOMIC_RELAXED);
		break;
	case HK_HOW_MREMAP:
		__atomic_fetch_add(&released.mremap_bytes, bytes, __ATOMIC_RELAXED);
		break;
	}
	uint64_t seq = __atomic_fetch_add(&released.releases, 1, __ATOMIC_RELAXED);
	struct hk_release_event *e = &release_ring[seq % HK_RELEASE_LOG];
	__atomic_store_n(&e->ms, hk_os_ms_since_start(), __ATOMIC_RELAXED);
	__atomic_store_n(&e->bytes, (uint64_t)bytes, __ATOMIC_RELAXED);
	__atomic_store_n(&e->how, (uint64_t)how, __ATOMIC_RELEASE);
}

void hk_os_releases_get(struct hk_release_counts *c, struct hk_release_event ev[HK_RELEASE_LOG], unsigned *n)
{
#define GET(f) c->f = __atomic_load_n(&released.f, __ATOMIC_RELAXED);
	HK_RELEASE_COUNTS(GET)
#undef GET
	uint64_t total = c->releases, k = total < HK_RELEASE_LOG ? total : HK_RELEASE_LOG;
	*n = 0;
	for (uint64_t seq = total - k; seq < total; seq++) {
		const struct hk_release_event *e = &release_ring[seq % HK_RELEASE_LOG];
		struct hk_release_event *out = &ev[*n];
		out->how = __atomic_load_n(&e->how, __ATOMIC_ACQUIRE);
		out->ms = __atomic_load_n(&e->ms, __ATOMIC_RELAXED);
		out->bytes = __atomic_load_n(&e->bytes, __ATOMIC_RELAXED);
		if (out->how)
			(*n)++;
	}
}

const char *hk_os_release_how_name(uint64_t how)
{
	static const char *const names[] = { "?", "dontneed", "free", "munmap", "mremap" };
	return how < sizeof(names) / sizeof(names[0]) ? names[how] : "?";
}

/* --------------------------------------------------- system calls */

static void *os_mmap(size_t len)
{
	COUNT(mmap, 1);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		COUNT(mmap_failures, 1);
		return NULL;
	}
	COUNT(bytes_mapped, len);
	return p;
}

void *hk_os_reserve_readonly(size_t len)
{
	COUNT(mmap, 1);
	void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		COUNT(mmap_failures, 1);
		return NULL;
	}
	COUNT(bytes_reserved, len);
	COUNT(madvise, 2);
	madvise(p, len, MADV_DONTDUMP);       /* best effort: neither changes what is read */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

int hk_os_make_writable(void *p, size_t len)
{
	COUNT(mprotect, 1);
	return mprotect(p, len, PROT_READ | PROT_WRITE);
}

static int os_madvise(void *p, size_t len, int advice)
{
	COUNT(madvise, 1);
	if (madvise(p, len, advice) == 0)
		return 0;
	COUNT(madvise_failures, 1);
	return -1;
}

/* munmap, counted as a call but not as a release (alignment slack). */
static int os_munmap(void *p, size_t len)
{
	COUNT(munmap, 1);
	if (munmap(p, len) != 0)
		return -1;
	COUNT(bytes_unmapped, len);
	return 0;
}

int hk_os_unmap(void *p, size_t len)
{
	int saved = errno;
	if (os_munmap(p, len) == 0) {
		note_release(HK_HOW_MUNMAP, len);
		return 0;
	}
	/* at vm.max_map_count the kernel cannot split a mapping: give the
	 * pages back at least (madvise never splits an anonymous mapping) */
	COUNT(munmap_failures, 1);
	COUNT(bytes_unmap_failed, len);
	int r = os_madvise(p, len, MADV_DONTNEED) == 0 ? 1 : -1;
	if (r == 1)
		note_release(HK_HOW_DONTNEED, len);
	errno = saved;
	return r;
}

void *hk_os_map_aligned(size_t len, size_t align, size_t align_off)
{
	/* Linux places a new mapping just below the previous one, so after the
	 * first aligned SuperSlab the plain attempt is usually aligned too and
	 * costs one call instead of three. */
	char *p = os_mmap(len);
	if (!p)
		return NULL;
	if ((((uintptr_t)p - align_off) & (align - 1)) == 0)
		return p;
	os_munmap(p, len);
	if (len + align < len)
		return NULL;
	size_t big = len + align;
	char *raw = os_mmap(big);
	if (!raw)
		return NULL;
	uintptr_t start = (((uintptr_t)raw - align_off + align - 1) & ~(uintptr_t)(align - 1)) + align_off;
	if (start < (uintptr_t)raw)
		start += align;
	size_t head = start - (uintptr_t)raw, tail = big - head - len;
	if (head)
		os_munmap(raw, head);
	if (tail)
		os_munmap((char *)start + len, tail);
	return (void *)start;
}

static void prefault_by_touch(char *p, size_t len)
{
	for (size_t off = 0; off < len; off += HK_PAGE)
		((volatile char *)p)[off] = 0;
}

void hk_os_new_region(void *p, size_t len)
{
	int saved = errno;
	if (hk_opt(THP))
		os_madvise(p, len, MADV_HUGEPAGE);
	if (hk_opt(PREFAULT) && os_madvise(p, len, MADV_POPULATE_WRITE) != 0)
		prefault_by_touch(p, len);   /* kernel < 5.14 (counted as a failure) */
	errno = saved;
}

int hk_os_release(void *p, size_t len)
{
	int saved = errno, zeroed = 0;
	switch (hk_opt(RELEASE)) {
	case HK_RELEASE_DONTNEED:
		zeroed = os_madvise(p, len, MADV_DONTNEED) == 0;
		if (zeroed)
			note_release(HK_HOW_DONTNEED, len);
		break;
	case HK_RELEASE_FREE:
		if (os_madvise(p, len, MADV_FREE) == 0)
			note_release(HK_HOW_FREE, len);
		else if (errno == EINVAL && (zeroed = os_madvise(p, len, MADV_DONTNEED) == 0))   /* kernel without MADV_FREE */
			note_release(HK_HOW_DONTNEED, len);
		break;
	default:
		break;
	}
	errno = saved;
	return zeroed;
}

int hk_os_resize_in_place(void *p, size_t old_len, size_t new_len)
{
	int saved = errno;
	COUNT(mremap, 1);
	void *q = mremap(p, old_len, new_len, 0);
	errno = saved;
	if (q == MAP_FAILED)
		return -1;
	if (new_len > old_len) {
		COUNT(bytes_mapped, new_len - old_len);
	} else if (new_len < old_len) {
		COUNT(bytes_unmapped, old_len - new_len);
		note_release(HK_HOW_MREMAP, old_len - new_len);
	}
	return 0;
}

void *hk_os_move_grow(void *p, size_t old_len, size_t new_len, size_t align)
{
	int saved = errno;
	/* reserve an aligned destination first: mremap alone would place the
	 * pages anywhere, and our headers must sit on 2 MiB boundaries */
	char *dst = hk_os_map_aligned(new_len, align, 0);
	if (!dst) {
		errno = saved;
		return NULL;
	}
	COUNT(mremap, 1);
	void *q = mremap(p, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	if (q == MAP_FAILED) {
		/* e.g. the old range spans two kernel mappings */
		os_munmap(dst, new_len);     /* reserved only, never touched: not a release */
		errno = saved;
		return NULL;
	}
	COUNT(bytes_unmapped, old_len);   /* the old range is gone; dst was counted as mapped */
	errno = saved;
	return q;
}

uint32_t hk_os_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}
