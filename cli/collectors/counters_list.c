/* counters_list.c - for `harness counters list [WORD]`: what libpfm4 knows and
 * what this machine can actually count.
 *
 * libpfm4 detects PMUs from CPUID, so a PMU it calls "present" may still be
 * unusable (a VM without a virtual PMU): every event listed is therefore
 * tried with perf_event_open on this process, and the PMU line says how
 * many of its events open here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <perfmon/pfmlib_perf_event.h>

#include "counters_events.h"

/* Try to open the event on this process; "" when it opens, else why not.
 * An event that needs a unit mask is tried with its first one (um is the
 * "A|B|..." list), since only the PMU's usability is in question. */
static void try_open(const char *name, const char *um, char *why, size_t len)
{
	struct counter_event ev;
	char err[256], with_umask[400];
	if (counters_encode(name, &ev, err, sizeof(err))) {
		snprintf(with_umask, sizeof(with_umask), "%s:%.*s", name, (int)strcspn(um, "|"), um);
		if (!um[0] || counters_encode(with_umask, &ev, err, sizeof(err))) {
			snprintf(why, len, "%.150s", err);
			return;
		}
	}
	ev.attr.disabled = 1;
	int fd = (int)syscall(SYS_perf_event_open, &ev.attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		counters_open_error(&ev, errno, why, len);
		return;
	}
	close(fd);
	why[0] = '\0';
}

static int matches(const char *word, const char *pmu, const pfm_event_info_t *e)
{
	if (!word)
		return 1;
	char full[256];
	snprintf(full, sizeof(full), "%s::%s %s", pmu, e->name, e->equiv ? e->equiv : "");
	return strcasestr(full, word) || (e->desc && strcasestr(e->desc, word));
}

/* Unit masks, "UMASK1|UMASK2 ...", so that names needing one can be written. */
static void umasks(const pfm_event_info_t *e, char *out, size_t len)
{
	size_t o = 0;
	out[0] = '\0';
	for (int a = 0; a < e->nattrs && o + 1 < len; a++) {
		pfm_event_attr_info_t ai;
		memset(&ai, 0, sizeof(ai));
		ai.size = sizeof(ai);
		if (pfm_get_event_attr_info(e->idx, a, PFM_OS_PERF_EVENT_EXT, &ai) != PFM_SUCCESS ||
		    ai.type != PFM_ATTR_UMASK)
			continue;
		int n = snprintf(out + o, len - o, "%s%s", o ? "|" : "", ai.name);
		if (n < 0 || (size_t)n >= len - o) {
			snprintf(out + len - 4, 4, "...");
			return;
		}
		o += (size_t)n;
	}
}

static void list_pmu(const pfm_pmu_info_t *p, const char *word, int *shown)
{
	int usable = 0, total = 0, listed = 0;
	char first_why[200] = "";
	char line[1024];
	/* Pass 0 counts which events open here (for the PMU line); pass 1 prints. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			printf("\n%s (%s): %d events, ", p->name, p->desc, total);
			if (usable == total)
				printf("all open here\n");
			else if (usable)
				printf("%d open here\n", usable);
			else
				printf("none open here: %s\n", first_why);
		}
		for (int i = p->first_event; i != -1; i = pfm_get_event_next(i)) {
			pfm_event_info_t e;
			memset(&e, 0, sizeof(e));
			e.size = sizeof(e);
			if (pfm_get_event_info(i, PFM_OS_PERF_EVENT_EXT, &e) != PFM_SUCCESS || e.pmu != p->pmu)
				continue;
			char name[256], why[200], um[400];
			snprintf(name, sizeof(name), "%s::%s", p->name, e.name);
			umasks(&e, um, sizeof(um));
			try_open(name, um, why, sizeof(why));
			if (pass == 0) {
				total++;
				if (!why[0])
					usable++;
				else if (!first_why[0])
					snprintf(first_why, sizeof(first_why), "%s", why);
				continue;
			}
			if (!matches(word, p->name, &e))
				continue;
			listed++;
			snprintf(line, sizeof(line), "%s%s%s%s", name, e.equiv ? " (= " : "",
				 e.equiv ? e.equiv : "", e.equiv ? ")" : "");
			printf("  %-56s %s\n", line, why[0] ? why : "ok");
			if (word && e.desc)
				printf("      %s\n", e.desc);
			if (um[0])
				printf("      unit masks: %s\n", um);
		}
	}
	*shown += listed;
}

int counters_list_print(const char *word)
{
	char err[256];
	if (counters_pfm_init(err, sizeof(err))) {
		fprintf(stderr, "harness counters: %s\n", err);
		return -1;
	}
	printf("PMUs detected by libpfm4 (detected from CPUID: 'present' does not mean usable here)\n");
	int shown = 0, pmus = 0;
	pfm_pmu_t pmu;
	pfm_for_all_pmus(pmu) {
		pfm_pmu_info_t p;
		memset(&p, 0, sizeof(p));
		p.size = sizeof(p);
		if (pfm_get_pmu_info(pmu, &p) != PFM_SUCCESS || !p.is_present)
			continue;
		pmus++;
		list_pmu(&p, word, &shown);
	}
	if (!pmus)
		printf("  (none)\n");
	return shown;
}
