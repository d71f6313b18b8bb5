/* thp.c - the thp group: huge pages allocated to the workload
 * (order-9 MOVABLE|COMP mm_page_alloc, probes/thp.bpf.c), AnonHugePages
 * sampled from /proc/PID/smaps_rollup while it runs (a zombie's cannot be
 * read, so the last sample is at most one tick old), and the system-wide
 * /proc/vmstat thp_fault_alloc / thp_fault_fallback deltas over the run. */
#include "probe.h"

static const struct metric_def m_thp_pages = {
	"thp_pages", "pages", METRIC_NEITHER,
	"transparent huge pages (order-9 folios) allocated for the workload (eBPF)",
};
static const struct metric_def m_anon_huge_kib_peak = {
	"anon_huge_kib_peak", "KiB", METRIC_NEITHER,
	"peak AnonHugePages of the workload (/proc/PID/smaps_rollup, every 100 ms)",
};

#ifdef HAVE_BPF
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "thp.h"
#include "thp.skel.h"

struct thp_group {
	struct thp_bpf *skel;
	long long vm_alloc0, vm_fallback0;   /* -1: unreadable */
	long long huge_kb_peak, huge_kb_last;
	int samples, sample_errors;
};

/* Value of "NAME value" in /proc/vmstat, or -1. */
static long long vmstat_get(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	if (!f)
		return -1;
	char key[64];
	long long v, found = -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (strcmp(key, name) == 0) {
			found = v;
			break;
		}
	fclose(f);
	return found;
}

/* AnonHugePages in kB from /proc/PID/smaps_rollup, or -1. */
static long long anon_huge_kb(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long long kb = -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void *thp_open(pid_t tgid, const struct run_ctx *ctx, char *why, size_t len)
{
	(void)ctx;
	struct thp_group *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	PROBE_SKEL_OPEN(thp_bpf, t->skel, tgid, why, len);
	if (!t->skel) {
		free(t);
		return NULL;
	}
	t->vm_alloc0 = vmstat_get("thp_fault_alloc");
	t->vm_fallback0 = vmstat_get("thp_fault_fallback");
	t->huge_kb_peak = t->huge_kb_last = -1;
	return t;
}

static void thp_tick(void *g, pid_t pid)
{
	struct thp_group *t = g;
	long long kb = anon_huge_kb(pid);
	if (kb < 0) {
		t->sample_errors++;
		return;
	}
	/* Plus the processes it forked (--cmd runs under /bin/sh), while alive. */
	int fd = bpf_map__fd(t->skel->maps.followed);
	__u32 key, next, *prev = NULL;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		long long k = anon_huge_kb((pid_t)next);
		if (k > 0)
			kb += k;
		key = next;
		prev = &key;
	}
	t->samples++;
	t->huge_kb_last = kb;
	if (kb > t->huge_kb_peak)
		t->huge_kb_peak = kb;
}

static void thp_report(void *g, const struct run_ctx *ctx, struct jbuf *b, struct metrics *m)
{
	(void)ctx;
	struct thp_group *t = g;
	const struct thp_counts *c = &t->skel->bss->counts;
	jb_int(b, "thp_pages", (long long)c->large_allocs[9]);
	jb_obj_begin(b, "large_folios_by_order");
	for (int o = 1; o < THP_ORDER_SLOTS; o++)
		if (c->large_allocs[o]) {
			char k[8];
			snprintf(k, sizeof(k), "%d", o);
			jb_int(b, k, (long long)c->large_allocs[o]);
		}
	jb_obj_end(b);

	jb_obj_begin(b, "anon_huge_pages");
	if (t->samples) {
		jb_str(b, "status", "ok");
		jb_int(b, "peak_kib", t->huge_kb_peak);
		jb_int(b, "last_kib", t->huge_kb_last);
		jb_int(b, "samples", t->samples);
		jb_str(b, "source", "/proc/PID/smaps_rollup, sampled every 100 ms while the workload runs");
		metric_set(m, &m_anon_huge_kib_peak, (double)t->huge_kb_peak);
	} else {
		const char *why = "unavailable: the workload ended before the first 100 ms sample of /proc/PID/smaps_rollup";
		jb_str(b, "status", why);
		metric_unsupported(m, &m_anon_huge_kib_peak, why);
	}
	jb_obj_end(b);

	long long a1 = vmstat_get("thp_fault_alloc"), f1 = vmstat_get("thp_fault_fallback");
	jb_obj_begin(b, "vmstat_system_wide");
	if (a1 >= 0 && t->vm_alloc0 >= 0 && f1 >= 0 && t->vm_fallback0 >= 0) {
		jb_str(b, "note", "SYSTEM-WIDE deltas over the run: every process counts, not only the workload");
		jb_int(b, "thp_fault_alloc", a1 - t->vm_alloc0);
		jb_int(b, "thp_fault_fallback", f1 - t->vm_fallback0);
	} else {
		jb_str(b, "status", "unavailable: /proc/vmstat has no thp_fault_alloc/thp_fault_fallback");
	}
	jb_obj_end(b);

	metric_set(m, &m_thp_pages, (double)c->large_allocs[9]);
}

static void thp_close(void *g)
{
	struct thp_group *t = g;
	thp_bpf__destroy(t->skel);
	free(t);
}
#endif /* HAVE_BPF */

static const struct metric_def *const thp_metrics[] = { &m_thp_pages, &m_anon_huge_kib_peak, NULL };

const struct probe_group_ops probe_thp_ops = {
	.name = "thp", .metrics = thp_metrics,
	PROBE_FNS(.open = thp_open, .tick = thp_tick, .report = thp_report, .close = thp_close)
};
