/* main.c - `harness SUBCOMMAND ...`: dispatch and top-level help. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "record.h"

/* Subcommands whose modules may not be linked in yet are weak: main says
 * so instead of failing to link. */
#pragma weak cmd_counters
#pragma weak cmd_suite
#pragma weak cmd_ab
#pragma weak cmd_analyze
#pragma weak cmd_report

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} subcommands[] = {
	{ "run", cmd_run, "run a workload under one or more allocators, interleaved; table + JSONL records" },
	{ "list", cmd_list, "list workloads and allocators (library path, version, installed or not)" },
	{ "test", cmd_test, "build and run every test (meson test); ends with 'N passed, N failed'" },
	{ "counters", NULL, "perf counters: `harness counters list [WORD]`" },
	{ "suite", NULL, "run the whole workload suite across allocators" },
	{ "ab", NULL, "A/B experiment: vary knobs or allocators, verdicts with confidence intervals" },
	{ "analyze", NULL, "the TLB/THP/prefault analysis of a workload, then a report" },
	{ "report", NULL, "write a report (REPORT.md + plots) from a results file" },
};

static int (*resolve(const char *name))(int, char **)
{
	if (strcmp(name, "counters") == 0) return cmd_counters;
	if (strcmp(name, "suite") == 0) return cmd_suite;
	if (strcmp(name, "ab") == 0) return cmd_ab;
	if (strcmp(name, "analyze") == 0) return cmd_analyze;
	if (strcmp(name, "report") == 0) return cmd_report;
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(subcommands[i].name, name) == 0)
			return subcommands[i].fn;
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: harness SUBCOMMAND [options]   (harness SUBCOMMAND --help for details)\n\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-9s %s\n", subcommands[i].name, subcommands[i].summary);
	fprintf(out, "\nEXAMPLES\n"
		"  ./harness run random_mixed --alloc=hakmem\n"
		"  ./harness run random_mixed --alloc=glibc,jemalloc,mimalloc,tcmalloc --runs 5\n"
		"  ./harness list\n"
		"  ./harness test\n");
}

int main(int argc, char **argv)
{
	record_set_command(argc, argv);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("harness %s\n", HARNESS_VERSION);
		return 0;
	}
	bool known = false;
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		known |= strcmp(subcommands[i].name, argv[1]) == 0;
	if (!known) {
		fprintf(stderr, "harness: unknown subcommand '%s' (see `harness --help`)\n", argv[1]);
		return 2;
	}
	int (*fn)(int, char **) = resolve(argv[1]);
	if (!fn) {
		fprintf(stderr, "harness: '%s' is not built into this harness yet\n", argv[1]);
		return 2;
	}
	return fn(argc - 1, argv + 1);
}
