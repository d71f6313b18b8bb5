/* hostinfo.h - facts about the machine recorded with every run. */
#ifndef HARNESS_HOSTINFO_H
#define HARNESS_HOSTINFO_H

#include <stdbool.h>

#include "json.h"

struct hostinfo {
	char hostname[128];
	char kernel[128];
	char cpu_model[160];
	int cores;
	long mem_total_kb;
	char thp_enabled[32];       /* the bracketed mode of /sys/kernel/mm/transparent_hugepage/enabled */
	char thp_defrag[32];
	bool hw_pmu;
	char hw_pmu_reason[160];
};

/* Read once and cached. */
const struct hostinfo *hostinfo_get(void);
/* "host": {...}, with "calibration" (calibration.h) when this host and
 * boot has been calibrated. */
void hostinfo_json(const struct hostinfo *h, struct jbuf *b);

#endif
