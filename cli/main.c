/* main.c - `harness SUBCOMMAND ...`: dispatch through the subcommand
 * registry (registries/commands.h) and the top-level help. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "interrupt.h"
#include "record.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: harness SUBCOMMAND [options]   (harness SUBCOMMAND --help for details)\n\n");
	for (int i = 0; i < command_count; i++)
		fprintf(out, "  %-9s %s\n", command_table[i]->name, command_table[i]->summary);
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
	const struct command *c = command_find(argv[1]);
	if (!c) {
		fprintf(stderr, "harness: unknown subcommand '%s' (see `harness --help`)\n", argv[1]);
		return 2;
	}
	int rc = c->main(argc - 1, argv + 1);
	if (interrupt_signal())      /* came after the last wait that looks: still an interruption */
		interrupt_exit();
	return rc;
}
