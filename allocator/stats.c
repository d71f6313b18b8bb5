/* stats.c - gathering the counters of every layer and printing them
 * (see stats.h).  Only a process that loaded the allocator reports: a
 * forked child that exits without exec stays silent, so it neither prints
 * twice nor overwrites HAKMEM_STATS_FILE. */
#include "stats.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "central.h"
#include "fmt.h"
#include "large.h"
#include "options.h"
#include "os.h"
#include "residency.h"
#include "sizeclass.h"
#include "thread.h"

#ifndef HAKMEM_VERSION
#define HAKMEM_VERSION "0.1.0"
#endif

static pid_t loaded_pid;
static int saved_stderr = -1;        /* a copy of stderr taken at start-up */
static struct stat stderr_at_start;

void hk_stats_setup(void)
{
	loaded_pid = getpid();
	hk_os_mark_start();
	if (hk_opt(STATS) != HK_STATS_OFF && fstat(2, &stderr_at_start) == 0)
		saved_stderr = fcntl(2, F_DUPFD_CLOEXEC, 100);
}

/* Where the table or JSON goes: stderr, or the copy taken at start-up when
 * the program closed stderr (or reused fd 2 for another file) since. */
static int stats_fd(void)
{
	struct stat now;
	if (saved_stderr < 0)
		return 2;
	if (fstat(2, &now) == 0 && now.st_dev == stderr_at_start.st_dev && now.st_ino == stderr_at_start.st_ino)
		return 2;
	return saved_stderr;
}

/* ------------------------------------------------------- the figures */

/* Per class: mallocs and frees (thread layer), the class's central
 * counters, and the blocks sitting in thread caches. */
#define CLASS_COUNTS(X) X(allocs) X(frees) HK_CENTRAL_COUNTS(X) X(in_thread_caches)
struct cls_stats { CLASS_COUNTS(HK_COUNT_FIELD) };

/* Bytes handed out (bytes.h), now and at peak: top-level JSON fields. */
#define BYTES_COUNTS(X) X(bytes_in_use) X(peak_bytes_in_use)
struct bytes_stats { BYTES_COUNTS(HK_COUNT_FIELD) };

struct all_stats {
	struct cls_stats cls[HK_NCLS];
	struct hk_large_counts large;
	struct hk_ss_counts ss;
	struct hk_os_counts os;
	struct bytes_stats bytes;
	struct hk_release_counts released;
	/* not from the X-macro lists (see write_memory, write_released) */
	struct hk_residency res;
	uint64_t live_bytes;             /* bytes_in_use minus blocks in thread caches */
	struct hk_release_event recent[HK_RELEASE_LOG];
	unsigned nrecent;
};

/* One row per counter of a list: its name and where it sits. */
struct field {
	const char *name;
	size_t off;
};
#define CLASS_ROW(n) { #n, offsetof(struct cls_stats, n) },
#define LARGE_ROW(n) { #n, offsetof(struct all_stats, large.n) },
#define SS_ROW(n) { #n, offsetof(struct all_stats, ss.n) },
#define OS_ROW(n) { #n, offsetof(struct all_stats, os.n) },
#define BYTES_ROW(n) { #n, offsetof(struct all_stats, bytes.n) },
#define RELEASED_ROW(n) { #n, offsetof(struct all_stats, released.n) },
static const struct field class_fields[] = { CLASS_COUNTS(CLASS_ROW) };
static const struct field large_fields[] = { HK_LARGE_COUNTS(LARGE_ROW) };
static const struct field ss_fields[] = { HK_SS_COUNTS(SS_ROW) };
static const struct field os_fields[] = { HK_OS_COUNTS(OS_ROW) };
static const struct field bytes_fields[] = { BYTES_COUNTS(BYTES_ROW) };
static const struct field released_fields[] = { HK_RELEASE_COUNTS(RELEASED_ROW) };

/* The groups after the class table, in output order.  `key` is the JSON
 * object's name (NULL: the fields are top-level); `title` the table's. */
static const struct group {
	const char *key, *title;
	const struct field *fields;
	unsigned n;
} groups[] = {
	{ "large", "large (> 1792 KiB or big alignment)", large_fields, sizeof(large_fields) / sizeof(large_fields[0]) },
	{ "superslabs", "superslabs", ss_fields, sizeof(ss_fields) / sizeof(ss_fields[0]) },
	{ NULL, "bytes (slab blocks out + large mappings)", bytes_fields, sizeof(bytes_fields) / sizeof(bytes_fields[0]) },
	{ "syscalls", "syscalls", os_fields, sizeof(os_fields) / sizeof(os_fields[0]) },
	{ "released", "released to the OS (bytes by how)", released_fields, sizeof(released_fields) / sizeof(released_fields[0]) },
};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))
#define NCLASS_FIELDS (sizeof(class_fields) / sizeof(class_fields[0]))

static uint64_t get(const void *base, const struct field *f)
{
	return *(const uint64_t *)((const char *)base + f->off);
}

static void add_thread(const struct hk_tcache *tc, void *arg)
{
	struct all_stats *s = arg;
	for (unsigned c = 1; c < HK_NCLS; c++)
		hk_thread_counts(tc, c, &s->cls[c].allocs, &s->cls[c].in_thread_caches);
}

/* The merge: every layer's counters into one struct. */
static void collect(struct all_stats *s)
{
	*s = (struct all_stats){ 0 };
	hk_threads_foreach(add_thread, s);
	for (unsigned c = 1; c < HK_NCLS; c++) {
		struct cls_stats *k = &s->cls[c];
		struct hk_central_counts cc;
		hk_central_counts_get(c, &cc);
#define COPY(n) k->n = cc.n;
		HK_CENTRAL_COUNTS(COPY)
#undef COPY
		k->allocs += __atomic_load_n(&hk_dead_nalloc[c], __ATOMIC_RELAXED);
		k->frees = k->in_thread_caches + k->allocs + k->flushed_blocks - k->refilled_blocks;
	}
	hk_large_counts_get(&s->large);
	hk_ss_counts_get(&s->ss);
#define COPY(n) s->os.n = __atomic_load_n(&hk_os_counts.n, __ATOMIC_RELAXED);
	HK_OS_COUNTS(COPY)
#undef COPY
	s->bytes.bytes_in_use = __atomic_load_n(&hk_bytes_in_use, __ATOMIC_RELAXED);
	s->bytes.peak_bytes_in_use = __atomic_load_n(&hk_bytes_peak, __ATOMIC_RELAXED);
	uint64_t cached = 0;
	for (unsigned c = 1; c < HK_NCLS; c++)
		cached += s->cls[c].in_thread_caches * hk_class_size[c];
	s->live_bytes = s->bytes.bytes_in_use > cached ? s->bytes.bytes_in_use - cached : 0;
	hk_os_releases_get(&s->released, s->recent, &s->nrecent);
	hk_residency_get(&s->res);
}

/* ------------------------------------- memory: resident, huge, fragmentation */

static void put_i64(struct hk_buf *b, int64_t v)
{
	if (v < 0)
		hk_buf_str(b, "-");
	hk_buf_u64(b, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
}

/* Resident bytes of HAKMEM's mappings that hold no live byte: negative
 * when live blocks were never touched (a malloc'd, unwritten buffer). */
static int64_t fragmentation(const struct all_stats *s)
{
	return (int64_t)s->res.resident_bytes - (int64_t)s->live_bytes;
}

/* fragmentation as a percentage of the resident bytes, one decimal */
static void put_frag_pct(struct hk_buf *b, const struct all_stats *s)
{
	int64_t f = fragmentation(s), r = (int64_t)s->res.resident_bytes;
	int64_t pm = (f * 1000 + (f < 0 ? -r / 2 : r / 2)) / r;
	if (pm < 0)
		hk_buf_str(b, "-");
	uint64_t a = pm < 0 ? (uint64_t)-pm : (uint64_t)pm;
	hk_buf_u64(b, a / 10);
	hk_buf_str(b, ".");
	hk_buf_u64(b, a % 10);
}

/* key value pairs, table form (" key value") or JSON ("key":value) */
struct kv {
	struct hk_buf *b;
	int json, first;
};

static void kv_key(struct kv *k, const char *key)
{
	if (k->json) {
		hk_buf_str(k->b, k->first ? "" : ",");
		hk_buf_json_str(k->b, key);
		hk_buf_str(k->b, ":");
	} else {
		hk_buf_str(k->b, k->first ? " " : ", ");
		hk_buf_str(k->b, key);
		hk_buf_str(k->b, " ");
	}
	k->first = 0;
}

/* an unknown figure: JSON null and the reason beside it; the table says why */
static void kv_unknown(struct kv *k, const char *key, const char *why)
{
	kv_key(k, key);
	hk_buf_str(k->b, k->json ? "null" : "n/a (");
	if (!k->json) {
		hk_buf_str(k->b, why);
		hk_buf_str(k->b, ")");
	}
}

static void write_memory(struct hk_buf *b, const struct all_stats *s, int json)
{
	struct kv k = { b, json, 1 };
	const struct hk_residency *r = &s->res;
	kv_key(&k, "mapped_bytes");
	hk_buf_u64(b, r->mapped_bytes);
	if (r->resident_error) {
		kv_unknown(&k, "resident_bytes", r->resident_error);
		kv_key(&k, "live_bytes");
		hk_buf_u64(b, s->live_bytes);
		kv_unknown(&k, "fragmentation_bytes", r->resident_error);
		kv_unknown(&k, "fragmentation_pct", r->resident_error);
	} else {
		kv_key(&k, "resident_bytes");
		hk_buf_u64(b, r->resident_bytes);
		kv_key(&k, "live_bytes");
		hk_buf_u64(b, s->live_bytes);
		kv_key(&k, "fragmentation_bytes");
		put_i64(b, fragmentation(s));
		if (r->resident_bytes) {
			kv_key(&k, "fragmentation_pct");
			put_frag_pct(b, s);
		} else {
			kv_unknown(&k, "fragmentation_pct", "nothing resident");
		}
	}
	if (r->huge_error) {
		kv_unknown(&k, "hugepage_bytes", r->huge_error);
		kv_unknown(&k, "hugepage_bytes_shared_vma", r->huge_error);
	} else {
		kv_key(&k, "hugepage_bytes");
		hk_buf_u64(b, r->huge_bytes);
		kv_key(&k, "hugepage_bytes_shared_vma");
		hk_buf_u64(b, r->huge_bytes_shared_vma);
	}
	if (json && (r->resident_error || r->huge_error)) {
		kv_key(&k, "error");
		hk_buf_json_str(b, r->resident_error ? r->resident_error : r->huge_error);
	}
}

/* the time of the last release and the last few (after the X-macro
 * figures of the "released" group) */
static void write_recent(struct hk_buf *b, const struct all_stats *s, int json)
{
	struct kv k = { b, json, 0 };
	if (s->nrecent) {
		kv_key(&k, "last_release_ms");
		hk_buf_u64(b, s->recent[s->nrecent - 1].ms);
	} else {
		kv_unknown(&k, "last_release_ms", "nothing released");
	}
	if (!json && !s->nrecent)
		return;
	hk_buf_str(b, json ? ",\"recent\":[" : "\n recent releases (ms since start, bytes, how; oldest first):");
	for (unsigned i = 0; i < s->nrecent; i++) {
		const char *how = hk_os_release_how_name(s->recent[i].how);
		hk_buf_str(b, json ? (i ? ",{\"ms\":" : "{\"ms\":") : (i ? "; " : " "));
		hk_buf_u64(b, s->recent[i].ms);
		hk_buf_str(b, json ? ",\"bytes\":" : " ");
		hk_buf_u64(b, s->recent[i].bytes);
		hk_buf_str(b, json ? ",\"how\":" : " ");
		if (json)
			hk_buf_json_str(b, how);
		else
			hk_buf_str(b, how);
		hk_buf_str(b, json ? "}" : "");
	}
	hk_buf_str(b, json ? "]" : "");
}

/* ------------------------------------------------------------- table */

static int column_width(const struct field *f)
{
	int w = 2;
	for (const char *c = f->name; *c; c++)
		w++;
	return w < 10 ? 10 : w;
}

static void write_table(int fd, const struct all_stats *s)
{
	struct hk_buf b;
	hk_buf_init(&b, fd);
	hk_buf_str(&b, "hakmem: statistics (pid ");
	hk_buf_u64(&b, (uint64_t)getpid());
	hk_buf_str(&b, ")\n class    size");
	for (unsigned i = 0; i < NCLASS_FIELDS; i++) {
		int w = column_width(&class_fields[i]);
		for (const char *c = class_fields[i].name; *c; c++)
			w--;
		while (w-- > 0)
			hk_buf_str(&b, " ");
		hk_buf_str(&b, class_fields[i].name);
	}
	hk_buf_str(&b, "\n");
	for (unsigned c = 1; c < HK_NCLS; c++) {
		const struct cls_stats *k = &s->cls[c];
		if (!k->allocs && !k->frees)
			continue;
		hk_buf_u64w(&b, c, 6);
		hk_buf_u64w(&b, hk_class_size[c], 8);
		for (unsigned i = 0; i < NCLASS_FIELDS; i++)
			hk_buf_u64w(&b, get(k, &class_fields[i]), column_width(&class_fields[i]));
		hk_buf_str(&b, "\n");
	}
	for (unsigned g = 0; g < NGROUPS; g++) {
		hk_buf_str(&b, " ");
		hk_buf_str(&b, groups[g].title);
		hk_buf_str(&b, ":");
		for (unsigned i = 0; i < groups[g].n; i++) {
			hk_buf_str(&b, i ? ", " : " ");
			hk_buf_str(&b, groups[g].fields[i].name);
			hk_buf_str(&b, " ");
			hk_buf_u64(&b, get(s, &groups[g].fields[i]));
		}
		if (groups[g].fields == released_fields)
			write_recent(&b, s, 0);
		hk_buf_str(&b, "\n");
	}
	hk_buf_str(&b, " memory (SuperSlabs + large mappings):");
	write_memory(&b, s, 0);
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

static void json_fields(struct hk_buf *b, const void *base, const struct field *f, unsigned n, int first)
{
	for (unsigned i = 0; i < n; i++)
		jkv(b, first && i == 0, f[i].name, get(base, &f[i]));
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
		json_fields(&b, k, class_fields, NCLASS_FIELDS, 0);
		hk_buf_str(&b, "}");
	}
	hk_buf_str(&b, "]");
	for (unsigned g = 0; g < NGROUPS; g++) {
		hk_buf_str(&b, ",");
		if (groups[g].key) {
			hk_buf_json_str(&b, groups[g].key);
			hk_buf_str(&b, ":{");
		}
		json_fields(&b, s, groups[g].fields, groups[g].n, 1);
		if (groups[g].fields == released_fields)
			write_recent(&b, s, 1);
		if (groups[g].key)
			hk_buf_str(&b, "}");
	}
	hk_buf_str(&b, ",\"memory\":{");
	write_memory(&b, s, 1);
	hk_buf_str(&b, "}}\n");
	hk_buf_flush(&b);
}

void hk_stats_at_exit(void)
{
	long mode = hk_opt(STATS);
	const char *file = hk_opt_str(STATS_FILE);
	if ((mode == HK_STATS_OFF && !file[0]) || getpid() != loaded_pid)
		return;
	static struct all_stats s;     /* ~6 KiB: keep it off small thread stacks */
	collect(&s);
	if (mode == HK_STATS_TEXT)
		write_table(stats_fd(), &s);
	else if (mode == HK_STATS_JSON)
		write_json(stats_fd(), &s);
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
