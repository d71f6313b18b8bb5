/* report.c - `harness report FILE.jsonl [--out DIR]`: the report is
 * written by scripts/report.py (Python + matplotlib); this command hands over the
 * arguments (core/scripts.c finds the interpreter and the script). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "scripts.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: harness report FILE.jsonl [--out DIR] [--name NAME] [--invocation ID|all]\n"
		"                      [--baseline LABEL] [--margin PCT] [--no-html]\n\n"
		"Writes REPORT.md, REPORT.html and PNG plots from a results file: setup,\n"
		"machine and software versions, key discoveries generated from the numbers,\n"
		"throughput with spread, ratio to the baseline with 95%% CIs, a verdict for\n"
		"every figure of every variant, the controllability table (user vs kernel\n"
		"time, faults, Amdahl ceiling), per-op costs, RSS, unavailable figures with\n"
		"their reasons, and the command to reproduce.  Bad lines are skipped and listed.\n\n"
		"options:\n"
		"  --out DIR          where to write (default reports/<date>-<workload>-<experiment>/,\n"
		"                     -2, -3 ... when taken; an earlier report in DIR is replaced)\n"
		"  --name NAME        report name used in the title and default directory\n"
		"  --invocation ID    only the runs of one invocation ('all' pools them; default all)\n"
		"  --baseline LABEL   variant to compare against (default: the first in the file)\n"
		"  --margin PCT       equivalence margin of the verdicts, in percent (default 2)\n"
		"  --no-html          skip REPORT.html\n"
		"\nEXAMPLES\n"
		"  ./harness report results/20251204T101500-random_mixed.jsonl\n"
		"  ./harness report results/x.jsonl --out /tmp/report --baseline jemalloc\n"
		"  ./harness report results/x.jsonl --margin 5\n");
}

static int cmd_report(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	for (int i = 1; i < argc; i++) {   /* checked here: one line, before the script starts */
		const char *m = strcmp(argv[i], "--margin") == 0 ? (i + 1 < argc ? argv[i + 1] : "")
			      : strncmp(argv[i], "--margin=", 9) == 0 ? argv[i] + 9 : NULL;
		if (m && reports_margin_check("report", m) < 0)
			return 2;
	}
	if (argc < 2) {
		fprintf(stderr, "harness report: name a results file, e.g. harness report results/X.jsonl (see --help)\n");
		return 2;
	}
	int rc = reports_run_script("report.py", (const char *const *)argv + 1, argc - 1);
	return rc < 0 ? 2 : rc;
}

const struct command command_report = {
	"report", cmd_report,
	"write a report (REPORT.md + plots) from a results file",
};
