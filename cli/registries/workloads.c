/* workloads.c - the workload registry (see workloads.h). */
#include "workloads.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_spec.h"
#include "paths.h"

/* The rows come from the `workloads` list in workloads/meson.build, which
 * also builds the programs: one line there adds a workload. */
const struct workload workload_table[] = {
#include "workloads_list.h"
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
	snprintf(path, sizeof(path), "%s/workloads/%s", build_dir(), w->program);
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "workload '%s': %s is missing; rebuild with ./harness (it builds on every start)",
			 w->name, path);
		return -1;
	}
	return exec_push_arg(x, path);
}
