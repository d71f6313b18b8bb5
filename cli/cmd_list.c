/* cmd_list.c - `harness list`: workloads and allocators. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "engine.h"
#include "workloads.h"

int cmd_list(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: harness list\n\nLists the workloads and the allocators: library path, version,\n"
		       "and whether it is installed (and how to install it if not).\n\n"
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
	for (int i = 0; allocator_names[i]; i++) {
		struct allocator a;
		char err[256];
		if (allocator_resolve(allocator_names[i], &a, err, sizeof(err)) < 0)
			continue;
		if (a.installed)
			printf("  %-10s %-12s %s\n", a.name, a.version, a.path[0] ? a.path : "(the C library; nothing preloaded)");
		else
			printf("  %-10s %-12s NOT AVAILABLE: %s\n", a.name, "-", a.why_missing);
	}
	printf("  NAME=/path/lib.so  any other allocator library, preloaded\n");
	return 0;
}
