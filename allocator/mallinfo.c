/* mallinfo.c - glibc's introspection calls, answered with HAKMEM's own
 * figures (without them, glibc's versions report glibc's empty heap):
 *
 * - malloc_trim(pad): flushes the calling thread's cache to the slabs,
 *   then gives back every empty slab unit, every resident pooled
 *   SuperSlab (HAKMEM_RELEASE) and the whole large cache; returns 1 when
 *   some memory was given back.  `pad` is ignored (nothing is kept).
 * - mallinfo2 / mallinfo: arena = bytes of live SuperSlabs; hblks, hblkhd =
 *   live large blocks and their mapping bytes; uordblks = bytes handed out
 *   of slabs (live or thread-cached); fordblks = arena - uordblks; usmblks
 *   = peak bytes handed out (slabs and large); keepcost = large-cache bytes.
 *   ordblks, smblks, fsmblks have no HAKMEM meaning: 0.
 * - malloc_stats: glibc's layout on stderr.
 * - malloc_info: an XML document like glibc's, with these figures, and
 *   HAKMEM's residency (residency.h) and releases (os.h): <system
 *   type="resident"> and type="hugepages" (left out when unknown), and
 *   <released type="madvise|munmap|mremap" size=...> plus the number of
 *   releases and the time of the last (ms since start, -1: none).
 * - mallopt: HAKMEM has no mallopt tunables (its knobs are the HAKMEM_*
 *   variables): every parameter is refused (returns 0), never pretended. */
#include <errno.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>

#include "bytes.h"
#include "config.h"
#include "decay.h"
#include "fmt.h"
#include "large.h"
#include "os.h"
#include "residency.h"
#include "superslab.h"
#include "thread.h"

struct figures {
	size_t arena, small_used, large_n, large_bytes, peak, cached;
};

static void figures_get(struct figures *f)
{
	struct hk_ss_counts ss;
	struct hk_large_counts lg;
	hk_ss_counts_get(&ss);
	hk_large_counts_get(&lg);
	uint64_t in_use = __atomic_load_n(&hk_bytes_in_use, __ATOMIC_RELAXED);
	f->arena = (size_t)ss.live * HK_SS_SIZE;
	f->large_n = (size_t)lg.live;
	f->large_bytes = (size_t)lg.live_bytes;
	f->small_used = in_use > lg.live_bytes ? (size_t)(in_use - lg.live_bytes) : 0;
	f->peak = (size_t)__atomic_load_n(&hk_bytes_peak, __ATOMIC_RELAXED);
	f->cached = (size_t)lg.cached_bytes;
}

HK_EXPORT int malloc_trim(size_t pad)
{
	(void)pad;
	hk_thread_flush_own();
	return hk_decay_trim_all() > 0;
}

HK_EXPORT struct mallinfo2 mallinfo2(void)
{
	struct figures f;
	figures_get(&f);
	struct mallinfo2 m = { 0 };
	m.arena = f.arena;
	m.hblks = f.large_n;
	m.hblkhd = f.large_bytes;
	m.uordblks = f.small_used;
	m.fordblks = f.arena > f.small_used ? f.arena - f.small_used : 0;
	m.usmblks = f.peak;
	m.keepcost = f.cached;
	return m;
}

static int clamp(size_t v)
{
	return v > INT_MAX ? INT_MAX : (int)v;
}

HK_EXPORT struct mallinfo mallinfo(void)
{
	struct mallinfo2 m2 = mallinfo2();
	struct mallinfo m = { 0 };
	m.arena = clamp(m2.arena);
	m.hblks = clamp(m2.hblks);
	m.hblkhd = clamp(m2.hblkhd);
	m.uordblks = clamp(m2.uordblks);
	m.fordblks = clamp(m2.fordblks);
	m.usmblks = clamp(m2.usmblks);
	m.keepcost = clamp(m2.keepcost);
	return m;
}

static void line(struct hk_buf *b, const char *name, uint64_t v)
{
	hk_buf_str(b, name);
	hk_buf_u64w(b, v, 10);
	hk_buf_str(b, "\n");
}

HK_EXPORT void malloc_stats(void)
{
	struct figures f;
	figures_get(&f);
	struct hk_buf b;
	hk_buf_init(&b, 2);
	hk_buf_str(&b, "Arena 0 (hakmem SuperSlabs):\n");
	line(&b, "system bytes     = ", f.arena);
	line(&b, "in use bytes     = ", f.small_used);
	hk_buf_str(&b, "Total (incl. mmap):\n");
	line(&b, "system bytes     = ", f.arena + f.large_bytes + f.cached);
	line(&b, "in use bytes     = ", f.small_used + f.large_bytes);
	line(&b, "max mmap regions = ", f.large_n);
	line(&b, "max mmap bytes   = ", f.large_bytes);
	hk_buf_flush(&b);
}

HK_EXPORT int malloc_info(int options, FILE *fp)
{
	if (options != 0) {
		errno = EINVAL;
		return -1;
	}
	struct figures f;
	figures_get(&f);
	fprintf(fp, "<malloc version=\"hakmem-1\">\n"
		"<heap nr=\"0\">\n"
		"<total type=\"superslabs\" size=\"%zu\"/>\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"<aspace type=\"total\" size=\"%zu\"/>\n"
		"</heap>\n"
		"<total type=\"fast\" count=\"0\" size=\"0\"/>\n"
		"<total type=\"rest\" count=\"0\" size=\"%zu\"/>\n"
		"<total type=\"mmap\" count=\"%zu\" size=\"%zu\"/>\n"
		"<total type=\"cached_large\" size=\"%zu\"/>\n"
		"<system type=\"current\" size=\"%zu\"/>\n"
		"<system type=\"max\" size=\"%zu\"/>\n"
		"<aspace type=\"total\" size=\"%zu\"/>\n"
		"<in_use size=\"%zu\"/>\n",
		f.arena, f.arena, f.arena,
		f.arena > f.small_used ? f.arena - f.small_used : 0,
		f.large_n, f.large_bytes, f.cached,
		f.arena + f.large_bytes + f.cached, f.peak,
		f.arena + f.large_bytes + f.cached, f.small_used + f.large_bytes);
	struct hk_residency r;
	hk_residency_get(&r);
	if (!r.resident_error)
		fprintf(fp, "<system type=\"resident\" size=\"%llu\"/>\n", (unsigned long long)r.resident_bytes);
	if (!r.huge_error)
		fprintf(fp, "<system type=\"hugepages\" size=\"%llu\" shared_vma=\"%llu\"/>\n",
			(unsigned long long)r.huge_bytes, (unsigned long long)r.huge_bytes_shared_vma);
	struct hk_release_counts rc;
	struct hk_release_event ev[HK_RELEASE_LOG];
	unsigned n;
	hk_os_releases_get(&rc, ev, &n);
	fprintf(fp, "<released type=\"madvise\" size=\"%llu\"/>\n"
		"<released type=\"munmap\" size=\"%llu\"/>\n"
		"<released type=\"mremap\" size=\"%llu\"/>\n"
		"<released type=\"count\" count=\"%llu\" last_ms=\"%lld\"/>\n",
		(unsigned long long)rc.madvise_bytes, (unsigned long long)rc.munmap_bytes,
		(unsigned long long)rc.mremap_bytes, (unsigned long long)rc.releases,
		n ? (long long)ev[n - 1].ms : -1LL);
	fputs("</malloc>\n", fp);
	return 0;
}

HK_EXPORT int mallopt(int param, int value)
{
	(void)param;
	(void)value;
	return 0;
}
