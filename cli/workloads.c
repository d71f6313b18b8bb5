/* workloads.c - the workload registry (see workloads.h). */
#include "workloads.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "paths.h"

const struct workload workload_table[] = {
	{ .name = "random_mixed", .program = "random_mixed",
	  .summary = "malloc/free of uniform 16-1040 B blocks over 8192 random slots (the seed report's Random Mixed)" },
	{ .name = "tiny_hot", .program = "tiny_hot",
	  .summary = "malloc(16)/free pairs in a tight loop (the seed report's Tiny Hot)" },
};
const int workload_count = sizeof(workload_table) / sizeof(workload_table[0]);

const struct workload *workload_find(const char *name)
{
	for (int i = 0; i < workload_count; i++)
		if (strcmp(workload_table[i].name, name) == 0)
			return &workload_table[i];
	return NULL;
}

int workload_command(const struct workload *w, struct exec_spec *x, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (w->program)
		snprintf(path, sizeof(path), "%s/workloads/%s", build_dir(), w->program);
	else
		snprintf(path, sizeof(path), "%s/workloads/%s", source_dir(), w->script);
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "workload '%s': %s is missing; rebuild with ./harness (it builds on every start)",
			 w->name, path);
		return -1;
	}
	if (w->interp && exec_push_arg(x, w->interp) < 0)
		return -1;
	return exec_push_arg(x, path);
}
