/* counters_events.h - perf event names -> perf_event_attr, with libpfm4.
 *
 * A researcher writes the names they know from `perf stat -e` (cycles,
 * dTLB-load-misses, page-faults), libpfm4 names (perf::DTLB-LOAD-MISSES,
 * amd64_fam19h_zen4::RETIRED_INSTRUCTIONS) or raw codes (r003c); libpfm4's
 * pfm_get_os_event_encoding(PFM_OS_PERF_EVENT_EXT) turns each into the attr
 * that perf_event_open(2) takes.  This file is pure: nothing is opened here,
 * so tests can check encodings and list parsing without a PMU.
 */
#ifndef HARNESS_COUNTERS_EVENTS_H
#define HARNESS_COUNTERS_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <perfmon/pfmlib_perf_event.h>   /* its perf_event.h; clashes with <linux/perf_event.h> */

#define COUNTERS_MAX 32

struct counter_event {
	char name[96];                  /* as the user wrote it (the record's key) */
	char fstr[256];                 /* libpfm4's canonical spelling */
	struct perf_event_attr attr;    /* type, config, exclude_* filled; the rest is set when opened */
	bool hardware;                  /* needs a PMU (not a software/tracepoint event) */
	bool from_default;              /* came from the default set (may be named again) */
};

struct counter_set {
	int n;
	struct counter_event ev[COUNTERS_MAX];
};

/* The names --counters / --counters=default expand to.  Hardware events in
 * it are reported as not supported on machines without a PMU. */
extern const char *const counters_default_names[];

/* pfm_initialize() once; 0 or -1 with err. */
int counters_pfm_init(char *err, size_t errlen);

/* Encode one name.  -1 with "unknown event 'X': see `harness counters list`"
 * (or libpfm4's more precise complaint) in err. */
int counters_encode(const char *name, struct counter_event *ev, char *err, size_t errlen);

/* Parse the --counters value: NULL/""/"default" = the default set, else a
 * comma list in which "default" may appear as an item.  Rejects empty items,
 * duplicates and unknown names with one clear line in err. */
int counters_parse_list(const char *list, struct counter_set *set, char *err, size_t errlen);

/* ------------------------------------------------------------ scaling */

enum counter_scale {
	COUNTER_OK,              /* counted the whole time it was enabled */
	COUNTER_SCALED,          /* multiplexed: value extrapolated from running time */
	COUNTER_NOT_COUNTED,     /* never enabled or never scheduled: no value */
};

/* perf's multiplexing arithmetic, kept pure so it can be tested: value =
 * raw * enabled / running; *pct_running = 100 * running / enabled. */
enum counter_scale counters_scale(uint64_t raw, uint64_t enabled, uint64_t running,
				  double *value, double *pct_running);

/* "ok" or "scaled (NN%)" (NN = share of the time it was counted, rounded
 * down so that a scaled counter never shows 100%). */
void counters_status_text(enum counter_scale s, double pct_running, char *buf, size_t len);

/* Why perf_event_open failed, in one phrase for "not supported: ...";
 * ENOENT on a hardware event without a CPU PMU in sysfs becomes
 * "no hardware PMU on this machine (ENOENT)". */
void counters_open_error(const struct counter_event *ev, int err, char *buf, size_t len);

/* counters_list.c: print every PMU libpfm4 detects and its events (those
 * matching word, when given), each tried with perf_event_open here.
 * Returns how many events were listed, -1 (message printed) when libpfm4
 * cannot start. */
int counters_list_print(const char *word);

#endif
