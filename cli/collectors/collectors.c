/* collectors.c - the collectors the engine calls, in this order (see
 * collector.h).  A new collector: its file and one row here. */
#include "collector.h"

const struct collector *const collector_list[] = {
	&counters_collector,
	&cachegrind_collector,
	&tlb_collector,
	&probes_collector,
	&sampler_collector,
	&alloc_stats_collector,
	&cgroup_collector,
};
const int collector_count = sizeof(collector_list) / sizeof(collector_list[0]);
