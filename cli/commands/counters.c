/* counters.c - `harness counters list [WORD]`: what libpfm4 knows and what
 * this machine can actually count (the listing is the counters collector's:
 * collectors/counters_list.c). */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "counters_events.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: harness counters list [WORD]\n"
		"\n"
		"Lists the PMUs libpfm4 detects, whether each can count here, and their\n"
		"events (only those whose name or description contains WORD, if given).\n"
		"Each event is tried with perf_event_open on this process: 'ok' means it\n"
		"opens here, otherwise the reason is shown.  Any listed name, the perf\n"
		"names (cycles, dTLB-load-misses, page-faults ...) and raw codes (r003c)\n"
		"can be given to `harness run --counters=LIST`.  Modifiers: NAME:u counts\n"
		"user space only, NAME:k the kernel only.\n"
		"\n"
		"The default set (--counters or --counters=default):\n ");
	for (int i = 0; counters_default_names[i]; i++)
		fprintf(f, " %s", counters_default_names[i]);
	fprintf(f,
		"\n\nEXAMPLES\n"
		"  ./harness counters list              # every PMU and event\n"
		"  ./harness counters list tlb          # events about TLBs\n"
		"  ./harness run tiny_hot --alloc=glibc,hakmem --counters      # the default set\n"
		"  ./harness run random_mixed --alloc=hakmem,mimalloc --counters=cycles,instructions,dTLB-load-misses,page-faults\n"
		"  ./harness run tiny_hot --alloc=hakmem --engine=cachegrind   # simulated, deterministic instruction counts\n");
}

static int cmd_counters(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "list") != 0) {
		fprintf(stderr, "harness counters: unknown subcommand '%s' (try `harness counters list`)\n", argv[1]);
		return 2;
	}
	if (argc > 3) {
		fprintf(stderr, "harness counters list: takes at most one WORD, got %d (see --help)\n", argc - 2);
		return 2;
	}
	const char *word = argc == 3 ? argv[2] : NULL;
	if (word && (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	int shown = counters_list_print(word);
	if (shown < 0)
		return 1;
	if (word && !shown) {
		fprintf(stderr, "harness counters list: no event matches '%s'\n", word);
		return 1;
	}
	return 0;
}

const struct command command_counters = {
	"counters", cmd_counters,
	"perf counters: `harness counters list [WORD]`",
};
