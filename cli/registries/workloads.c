/* workloads.c - the workload registry (see workloads.h). */
#include "workloads.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec_spec.h"
#include "paths.h"

const struct workload workload_table[] = {
	{ .name = "random_mixed", .program = "random_mixed",
	  .summary = "malloc/free of uniform 16-1040 B blocks over 8192 random slots (the seed report's Random Mixed)" },
	{ .name = "tiny_hot", .program = "tiny_hot",
	  .summary = "malloc(16)/free pairs in a tight loop (the seed report's Tiny Hot)" },
	/* the suite of issue 6: see README.md, Workloads */
	{ .name = "larson", .program = "larson", .takes_threads = true,
	  .summary = "larson-like server: threads replace random blocks; arrays change hands (remote frees)" },
	{ .name = "xthread", .program = "xthread", .takes_threads = true,
	  .summary = "producer/consumer pairs: every free is remote; ops/s and peak RSS (--threads = pairs)" },
	{ .name = "cache_scratch", .program = "cache_scratch", .takes_threads = true,
	  .summary = "allocator-induced false sharing: threads malloc/write/free small objects" },
	{ .name = "realloc_growth", .program = "realloc_growth",
	  .summary = "string builders: buffers grown by realloc from bytes to 4 MiB" },
	{ .name = "large", .program = "large",
	  .summary = "64 KiB..32 MiB buffers touched and freed: mmap threshold, return to OS, refaults" },
	{ .name = "fragmentation", .program = "fragmentation",
	  .summary = "phases of size mixes, 90% freed at random: live bytes vs RSS (fragmentation ratio)" },
	{ .name = "latency", .program = "latency",
	  .summary = "sampled per-op malloc/free latency: p50, p99, p99.9, max (ns)" },
	{ .name = "real_python", .program = "real_python", .output_digest = true,
	  .summary = "real program: python3 dicts/strings/sorting on generated data; output digest checked" },
	{ .name = "real_gcc", .program = "real_gcc", .output_digest = true,
	  .summary = "real program: gcc -O2 compiling a generated C file; object digest checked" },
	{ .name = "real_sqlite", .program = "real_sqlite", .output_digest = true,
	  .summary = "real program: sqlite3 running a generated SQL script in memory; output digest checked" },
	{ .name = "real_perl", .program = "real_perl", .output_digest = true,
	  .summary = "real program: perl text processing on generated text; output digest checked" },
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
