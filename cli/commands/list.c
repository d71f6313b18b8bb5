/* list.c - `harness list`: workloads and allocators. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "allocators.h"
#include "knobs.h"
#include "workloads.h"

/* The knobs `ab --vary` checks and `analyze` varies, from the row. */
static void print_knobs(const struct allocator_row *row)
{
	struct knob k[KNOBS_MAX];
	int n = row->knobs ? knobs_parse(row->knobs, k, KNOBS_MAX) : 0;
	if (n == 0)
		return;
	printf("  %-10s knobs (%s%s%s):", "", row->knobs_source, row->conf_env ? ", set in " : "",
	       row->conf_env ? row->conf_env : "");
	for (int j = 0; j < n; j++)
		printf(" %s", k[j].name);
	printf("\n");
}

static int cmd_list(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: harness list\n\nLists the workloads and the allocators: library path, version,\n"
		       "and whether it is installed (and how to install it if not), and the\n"
		       "knobs that `ab --vary` checks and `analyze` varies.\n\n"
		       "EXAMPLES\n  ./harness list\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "harness list: unexpected argument '%s' (it takes none)\n", argv[1]);
		return 2;
	}
	printf("workloads:\n");
	for (int i = 0; i < workload_count; i++)
		printf("  %-16s %s%s\n", workload_table[i].name, workload_table[i].summary,
		       workload_table[i].takes_threads ? " [--threads]" : "");
	printf("\nallocators:\n");
	for (int i = 0; i < allocator_count; i++) {
		struct allocator a;
		char err[256];
		if (allocator_resolve(allocator_table[i].name, &a, err, sizeof(err)) < 0)
			continue;
		if (a.installed)
			printf("  %-10s %-12s %s\n", a.name, a.version, a.path[0] ? a.path : "(the C library; nothing preloaded)");
		else
			printf("  %-10s %-12s NOT AVAILABLE: %s\n", a.name, "-", a.why_missing);
		if (allocator_table[i].instrument && allocator_table[i].summary)
			printf("  %-10s %s\n", "", allocator_table[i].summary);
		print_knobs(&allocator_table[i]);
	}
	printf("  NAME=/path/lib.so  any other allocator library, preloaded\n");
	return 0;
}

const struct command command_list = {
	"list", cmd_list,
	"list workloads and allocators (library path, version, installed or not)",
};
