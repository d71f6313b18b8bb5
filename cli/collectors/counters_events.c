/* counters_events.c - see counters_events.h. */
#include "counters_events.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <perfmon/pfmlib_perf_event.h>

const char *const counters_default_names[] = {
	"task-clock", "page-faults", "minor-faults", "major-faults",
	"context-switches", "cpu-migrations",
	"cycles", "instructions", "dTLB-load-misses", "iTLB-load-misses",
	"L1-dcache-load-misses", "LLC-load-misses",
	NULL,
};

int counters_pfm_init(char *err, size_t errlen)
{
	static int done, status;
	if (!done) {
		int r = pfm_initialize();
		status = r == PFM_SUCCESS ? 0 : r;
		done = 1;
	}
	if (status) {
		snprintf(err, errlen, "libpfm4 failed to initialise: %s", pfm_strerror(status));
		return -1;
	}
	return 0;
}

int counters_encode(const char *name, struct counter_event *ev, char *err, size_t errlen)
{
	memset(ev, 0, sizeof(*ev));
	if (strlen(name) >= sizeof(ev->name)) {
		snprintf(err, errlen, "event name too long: '%.40s...' (at most %zu characters)",
			 name, sizeof(ev->name) - 1);
		return -1;
	}
	if (counters_pfm_init(err, errlen))
		return -1;
	snprintf(ev->name, sizeof(ev->name), "%s", name);

	char *fstr = NULL;
	pfm_perf_encode_arg_t arg;
	memset(&arg, 0, sizeof(arg));
	arg.attr = &ev->attr;
	arg.fstr = &fstr;
	arg.size = sizeof(arg);
	/* PLM0|PLM3: user and kernel by default, as `perf stat` counts;
	 * ":u" / ":k" modifiers narrow it (exclude_kernel / exclude_user). */
	int r = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (r != PFM_SUCCESS) {
		switch (r) {
		case PFM_ERR_NOTFOUND:
			snprintf(err, errlen, "unknown event '%s': see `harness counters list`", name);
			break;
		case PFM_ERR_UMASK:
			snprintf(err, errlen, "event '%s' needs a unit mask (EVENT:UMASK): see `harness counters list WORD`",
				 name);
			break;
		case PFM_ERR_ATTR:
		case PFM_ERR_ATTR_VAL:
		case PFM_ERR_ATTR_SET:
			snprintf(err, errlen, "bad modifier in event '%s' (%s): see `harness counters list`",
				 name, pfm_strerror(r));
			break;
		default:
			snprintf(err, errlen, "cannot encode event '%s': %s (see `harness counters list`)",
				 name, pfm_strerror(r));
		}
		free(fstr);
		return -1;
	}
	snprintf(ev->fstr, sizeof(ev->fstr), "%s", fstr ? fstr : name);
	free(fstr);
	ev->attr.size = sizeof(ev->attr);
	ev->hardware = ev->attr.type != PERF_TYPE_SOFTWARE && ev->attr.type != PERF_TYPE_TRACEPOINT;
	return 0;
}

static struct counter_event *set_find(struct counter_set *set, const char *name)
{
	for (int i = 0; i < set->n; i++)
		if (strcmp(set->ev[i].name, name) == 0)
			return &set->ev[i];
	return NULL;
}

static int set_add(struct counter_set *set, const char *name, int from_default, char *err, size_t errlen)
{
	struct counter_event *had = set_find(set, name);
	if (had) {
		if (from_default || had->from_default)
			return 0;    /* "default,cycles" or "cycles,default": keep one */
		snprintf(err, errlen, "--counters: event '%s' is listed twice", name);
		return -1;
	}
	if (set->n >= COUNTERS_MAX) {
		snprintf(err, errlen, "--counters: at most %d events per run", COUNTERS_MAX);
		return -1;
	}
	if (counters_encode(name, &set->ev[set->n], err, errlen))
		return -1;
	set->ev[set->n++].from_default = from_default;
	return 0;
}

static int add_defaults(struct counter_set *set, char *err, size_t errlen)
{
	for (int i = 0; counters_default_names[i]; i++)
		if (set_add(set, counters_default_names[i], 1, err, errlen))
			return -1;
	return 0;
}

int counters_parse_list(const char *list, struct counter_set *set, char *err, size_t errlen)
{
	memset(set, 0, sizeof(*set));
	if (!list || !*list || strcmp(list, "default") == 0)
		return add_defaults(set, err, errlen);

	char *copy = strdup(list);
	if (!copy) {
		snprintf(err, errlen, "--counters: out of memory");
		return -1;
	}
	int rc = 0;
	char *item = copy;
	for (;;) {
		char *comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		if (!*item) {
			snprintf(err, errlen, "--counters: empty event name in '%s' (doubled, leading or trailing comma?)",
				 list);
			rc = -1;
			break;
		}
		rc = strcmp(item, "default") == 0 ? add_defaults(set, err, errlen)
						  : set_add(set, item, 0, err, errlen);
		if (rc || !comma)
			break;
		item = comma + 1;
	}
	free(copy);
	return rc;
}

/* ------------------------------------------------------------ scaling */

enum counter_scale counters_scale(uint64_t raw, uint64_t enabled, uint64_t running,
				  double *value, double *pct_running)
{
	*value = 0;
	*pct_running = 0;
	if (enabled == 0 || running == 0)
		return COUNTER_NOT_COUNTED;
	if (running >= enabled) {
		*value = (double)raw;
		*pct_running = 100.0;
		return COUNTER_OK;
	}
	*value = (double)raw * ((double)enabled / (double)running);
	*pct_running = 100.0 * (double)running / (double)enabled;
	return COUNTER_SCALED;
}

void counters_status_text(enum counter_scale s, double pct_running, char *buf, size_t len)
{
	if (s == COUNTER_OK)
		snprintf(buf, len, "ok");
	else if (s == COUNTER_SCALED)
		snprintf(buf, len, "scaled (%.0f%%)", floor(pct_running));
	else
		snprintf(buf, len, "not supported: never scheduled on the PMU (time running 0)");
}

/* A CPU PMU shows up in sysfs as "cpu" (or cpu_core/cpu_atom on hybrid
 * Intel); without one, every hardware event fails with ENOENT. */
static int have_cpu_pmu(void)
{
	return access("/sys/bus/event_source/devices/cpu", F_OK) == 0 ||
	       access("/sys/bus/event_source/devices/cpu_core", F_OK) == 0;
}

void counters_open_error(const struct counter_event *ev, int e, char *buf, size_t len)
{
	switch (e) {
	case ENOENT:
		if (ev->hardware && !have_cpu_pmu())
			snprintf(buf, len, "no hardware PMU on this machine (ENOENT)");
		else
			snprintf(buf, len, "the kernel/PMU does not provide this event (ENOENT)");
		break;
	case ENODEV:
		snprintf(buf, len, "no PMU for this event on this machine (ENODEV)");
		break;
	case EOPNOTSUPP:
		snprintf(buf, len, "the PMU cannot count this event this way (EOPNOTSUPP)");
		break;
	case EACCES:
	case EPERM:
		snprintf(buf, len, "permission denied (%s): run as root or lower /proc/sys/kernel/perf_event_paranoid",
			 e == EACCES ? "EACCES" : "EPERM");
		break;
	case EINVAL:
		snprintf(buf, len, "the kernel rejected this encoding (EINVAL)");
		break;
	case EMFILE:
		snprintf(buf, len, "too many open files (EMFILE)");
		break;
	default:
		snprintf(buf, len, "perf_event_open failed: %s", strerror(e));
	}
}
