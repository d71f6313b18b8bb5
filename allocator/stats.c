/* stats.c - gathering the counters of every layer and printing them
 * (see stats.h).  Only a process that loaded the allocator reports: a
 * forked child that exits without exec stays silent, so it neither prints
 * twice nor overwrites HAKMEM_STATS_FILE. */
#include "stats.h"

#include <fcntl.h>
#include <unistd.h>

#include "central.h"
#include "fmt.h"
#include "large.h"
#include "options.h"
#include "os.h"
#include "sizeclass.h"
#include "thread.h"

#ifndef HAKMEM_VERSION
#define HAKMEM_VERSION "0.1.0"
#endif

static pid_t loaded_pid;

void hk_stats_note_pid(void)
{
	loaded_pid = getpid();
}

struct cls_stats {
	uint64_t allocs, frees, cached, refills, refilled, flushes, flushed, remote, slabs_new, slabs_released;
};

struct all_stats {
	struct cls_stats cls[HK_NCLS];
	struct hk_large_counts large;
	struct hk_ss_counts ss;
	struct hk_os_counts os;
	uint64_t in_use, peak;
};

static void add_thread(const struct hk_tcache *tc, void *arg)
{
	struct all_stats *s = arg;
	for (unsigned c = 1; c < HK_NCLS; c++) {
		hk_thread_counts(tc, c, &s->cls[c].allocs, &s->cls[c].cached);
	}
}

static void collect(struct all_stats *s)
{
	*s = (struct all_stats){ 0 };
	hk_threads_foreach(add_thread, s);
	for (unsigned c = 1; c < HK_NCLS; c++) {
		struct cls_stats *k = &s->cls[c];
		struct hk_central *ce = &hk_central[c];
		pthread_mutex_lock(&ce->mu);
		k->refills = ce->refills;
		k->refilled = ce->refilled;
		k->flushes = ce->flushes;
		k->flushed = ce->flushed;
		k->remote = ce->remote;
		k->slabs_new = ce->slabs_new;
		k->slabs_released = ce->slabs_released;
		pthread_mutex_unlock(&ce->mu);
		k->allocs += __atomic_load_n(&hk_dead_nalloc[c], __ATOMIC_RELAXED);
		k->frees = k->cached + k->allocs + k->flushed - k->refilled;
	}
	hk_large_counts_get(&s->large);
	hk_ss_counts_get(&s->ss);
	s->os = hk_os_counts;
	s->in_use = __atomic_load_n(&hk_bytes_in_use, __ATOMIC_RELAXED);
	s->peak = __atomic_load_n(&hk_bytes_peak, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------- table */

static void kv(struct hk_buf *b, const char *sep, const char *k, uint64_t v)
{
	hk_buf_str(b, sep);
	hk_buf_str(b, k);
	hk_buf_str(b, " ");
	hk_buf_u64(b, v);
}

static void write_table(int fd, const struct all_stats *s)
{
	struct hk_buf b;
	hk_buf_init(&b, fd);
	hk_buf_str(&b, "hakmem: statistics (pid ");
	hk_buf_u64(&b, (uint64_t)getpid());
	hk_buf_str(&b, ")\n class   size        allocs         frees    refills    flushes  remote_frees  slabs_new  in_caches\n");
	for (unsigned c = 1; c < HK_NCLS; c++) {
		const struct cls_stats *k = &s->cls[c];
		if (!k->allocs && !k->frees)
			continue;
		hk_buf_u64w(&b, c, 6);
		hk_buf_u64w(&b, hk_class_size[c], 7);
		hk_buf_u64w(&b, k->allocs, 14);
		hk_buf_u64w(&b, k->frees, 14);
		hk_buf_u64w(&b, k->refills, 11);
		hk_buf_u64w(&b, k->flushes, 11);
		hk_buf_u64w(&b, k->remote, 14);
		hk_buf_u64w(&b, k->slabs_new, 11);
		hk_buf_u64w(&b, k->cached, 11);
		hk_buf_str(&b, "\n");
	}
	hk_buf_str(&b, " large (> 256 KiB or big alignment):");
	kv(&b, " ", "allocs", s->large.allocs);
	kv(&b, ", ", "frees", s->large.frees);
	kv(&b, ", ", "cache hits", s->large.cache_hits);
	kv(&b, ", ", "mapped", s->large.mapped);
	kv(&b, ", ", "unmapped", s->large.unmapped);
	kv(&b, ", ", "cached now", s->large.cached);
	kv(&b, ", ", "splits", s->large.splits);
	kv(&b, ", ", "grown", s->large.grown);
	kv(&b, ", ", "merges", s->large.merges);
	kv(&b, ", ", "decayed", s->large.decayed);
	hk_buf_str(&b, "\n superslabs:");
	kv(&b, " ", "mapped", s->ss.mapped);
	kv(&b, ", ", "unmapped", s->ss.unmapped);
	kv(&b, ", ", "released (madvise)", s->ss.released);
	kv(&b, ", ", "reused from pool", s->ss.reused);
	kv(&b, ", ", "live", s->ss.live);
	kv(&b, ", ", "peak live", s->ss.peak_live);
	kv(&b, ", ", "empty in pool", s->ss.pooled);
	kv(&b, ", ", "slab units released", s->ss.units_released);
	kv(&b, ", ", "dirty bytes now", s->ss.dirty_bytes);
	hk_buf_str(&b, "\n bytes in use (slab blocks out + large mappings):");
	kv(&b, " ", "now", s->in_use);
	kv(&b, ", ", "peak", s->peak);
	hk_buf_str(&b, "\n syscalls:");
	kv(&b, " ", "mmap", s->os.mmap);
	kv(&b, ", ", "munmap", s->os.munmap);
	kv(&b, ", ", "madvise", s->os.madvise);
	kv(&b, ", ", "mremap", s->os.mremap);
	hk_buf_str(&b, "\n");
	hk_buf_flush(&b);
}

/* -------------------------------------------------------------- JSON */

static void jkv(struct hk_buf *b, int first, const char *k, uint64_t v)
{
	if (!first)
		hk_buf_str(b, ",");
	hk_buf_json_str(b, k);
	hk_buf_str(b, ":");
	hk_buf_u64(b, v);
}

static void write_json(int fd, const struct all_stats *s)
{
	struct hk_buf b;
	hk_buf_init(&b, fd);
	hk_buf_str(&b, "{\"allocator\":\"hakmem\",\"version\":\"" HAKMEM_VERSION "\",");
	jkv(&b, 1, "pid", (uint64_t)getpid());
	hk_buf_str(&b, ",\"options\":{");
	for (int i = 0; i < HK_OPT_COUNT; i++) {
		if (i)
			hk_buf_str(&b, ",");
		hk_buf_json_str(&b, hk_options[i].name);
		hk_buf_str(&b, ":\"");
		struct hk_buf v;          /* value text, escaped through a second buffer */
		hk_buf_init(&v, -1);
		hk_option_value_text(&v, &hk_options[i]);
		for (size_t k = 0; k < v.len; k++) {
			char ch = v.data[k];
			if (ch == '"' || ch == '\\' || (unsigned char)ch < 0x20)
				ch = '?';
			hk_buf_mem(&b, &ch, 1);
		}
		hk_buf_str(&b, "\"");
	}
	hk_buf_str(&b, "},\"classes\":[");
	int first = 1;
	for (unsigned c = 1; c < HK_NCLS; c++) {
		const struct cls_stats *k = &s->cls[c];
		if (!k->allocs && !k->frees && !k->refills)
			continue;
		hk_buf_str(&b, first ? "{" : ",{");
		first = 0;
		jkv(&b, 1, "class", c);
		jkv(&b, 0, "size", hk_class_size[c]);
		jkv(&b, 0, "allocs", k->allocs);
		jkv(&b, 0, "frees", k->frees);
		jkv(&b, 0, "refills", k->refills);
		jkv(&b, 0, "refilled_blocks", k->refilled);
		jkv(&b, 0, "flushes", k->flushes);
		jkv(&b, 0, "flushed_blocks", k->flushed);
		jkv(&b, 0, "remote_frees", k->remote);
		jkv(&b, 0, "slabs_new", k->slabs_new);
		jkv(&b, 0, "slabs_released", k->slabs_released);
		jkv(&b, 0, "in_thread_caches", k->cached);
		hk_buf_str(&b, "}");
	}
	hk_buf_str(&b, "],\"large\":{");
	jkv(&b, 1, "allocs", s->large.allocs);
	jkv(&b, 0, "frees", s->large.frees);
	jkv(&b, 0, "cache_hits", s->large.cache_hits);
	jkv(&b, 0, "mapped", s->large.mapped);
	jkv(&b, 0, "unmapped", s->large.unmapped);
	jkv(&b, 0, "cached", s->large.cached);
	jkv(&b, 0, "cached_bytes", s->large.cached_bytes);
	jkv(&b, 0, "splits", s->large.splits);
	jkv(&b, 0, "grown", s->large.grown);
	jkv(&b, 0, "merges", s->large.merges);
	jkv(&b, 0, "decayed", s->large.decayed);
	hk_buf_str(&b, "},\"superslabs\":{");
	jkv(&b, 1, "mapped", s->ss.mapped);
	jkv(&b, 0, "unmapped", s->ss.unmapped);
	jkv(&b, 0, "released", s->ss.released);
	jkv(&b, 0, "reused", s->ss.reused);
	jkv(&b, 0, "live", s->ss.live);
	jkv(&b, 0, "peak_live", s->ss.peak_live);
	jkv(&b, 0, "pooled", s->ss.pooled);
	jkv(&b, 0, "units_released", s->ss.units_released);
	jkv(&b, 0, "unit_releases", s->ss.unit_releases);
	jkv(&b, 0, "dirty_bytes", s->ss.dirty_bytes);
	hk_buf_str(&b, "},");
	jkv(&b, 1, "bytes_in_use", s->in_use);
	jkv(&b, 0, "peak_bytes_in_use", s->peak);
	hk_buf_str(&b, ",\"syscalls\":{");
	jkv(&b, 1, "mmap", s->os.mmap);
	jkv(&b, 0, "munmap", s->os.munmap);
	jkv(&b, 0, "madvise", s->os.madvise);
	jkv(&b, 0, "mremap", s->os.mremap);
	jkv(&b, 0, "bytes_mapped", s->os.bytes_mapped);
	jkv(&b, 0, "bytes_unmapped", s->os.bytes_unmapped);
	hk_buf_str(&b, "}}\n");
	hk_buf_flush(&b);
}

void hk_stats_write_json(int fd)
{
	static struct all_stats s;     /* ~5 KiB: keep it off small thread stacks */
	collect(&s);
	write_json(fd, &s);
}

void hk_stats_at_exit(void)
{
	long mode = hk_opt(STATS);
	const char *file = hk_opt_str(STATS_FILE);
	if ((mode == HK_STATS_OFF && !file[0]) || getpid() != loaded_pid)
		return;
	static struct all_stats s;
	collect(&s);
	if (mode == HK_STATS_TEXT)
		write_table(2, &s);
	else if (mode == HK_STATS_JSON)
		write_json(2, &s);
	if (file[0]) {
		int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			hk_message("cannot write HAKMEM_STATS_FILE=", file, " (check the directory exists and is writable)");
			return;
		}
		write_json(fd, &s);
		close(fd);
	}
}
