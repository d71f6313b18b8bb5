/* cmd_report.c - `harness report FILE.jsonl [--out DIR]`: the report is
 * written by scripts/report.py (Python + matplotlib); this command finds the
 * interpreter and the script and hands over the arguments.  Also the helper
 * that ab and analyze use to run their scripts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "paths.h"
#include "reports.h"

int reports_run_script(const char *script, const char *const *args, int nargs)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/scripts/%s", source_dir(), script);
	if (access(REPORTS_PYTHON, X_OK) != 0) {
		fprintf(stderr, "harness: %s is missing: install Debian's python3, python3-matplotlib and python3-scipy "
			"(the ./harness launcher does it as root)\n", REPORTS_PYTHON);
		return -1;
	}
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "harness: cannot read %s: %s (is HARNESS_SOURCE_DIR right?)\n", path, strerror(errno));
		return -1;
	}
	char **argv = calloc((size_t)nargs + 3, sizeof(*argv));
	if (!argv) {
		fprintf(stderr, "harness: out of memory\n");
		return -1;
	}
	argv[0] = (char *)REPORTS_PYTHON;
	argv[1] = path;
	for (int i = 0; i < nargs; i++)
		argv[i + 2] = (char *)args[i];
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "harness: fork for %s failed: %s\n", script, strerror(errno));
		free(argv);
		return -1;
	}
	if (pid == 0) {
		setenv("MPLBACKEND", "Agg", 1);     /* never try to open a display */
		execv(REPORTS_PYTHON, argv);
		fprintf(stderr, "harness: cannot run %s: %s\n", REPORTS_PYTHON, strerror(errno));
		_exit(127);
	}
	free(argv);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "harness: waiting for %s failed: %s\n", script, strerror(errno));
			return -1;
		}
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "harness: %s was killed by signal %d\n", script, WTERMSIG(st));
		return -1;
	}
	return WEXITSTATUS(st);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: harness report FILE.jsonl [--out DIR] [--name NAME] [--invocation ID|all]\n"
		"                      [--baseline LABEL] [--no-html]\n\n"
		"Writes REPORT.md, REPORT.html and PNG plots from a results file: setup,\n"
		"machine and software versions, key discoveries generated from the numbers,\n"
		"throughput with spread, ratio to the baseline with 95%% CIs, a verdict for\n"
		"every figure of every variant, the controllability table (user vs kernel\n"
		"time, faults, Amdahl ceiling), per-op costs, RSS, unavailable figures with\n"
		"their reasons, and the command to reproduce.  Bad lines are skipped and listed.\n\n"
		"options:\n"
		"  --out DIR          where to write (default reports/<date>-<workload>-<experiment>/)\n"
		"  --name NAME        report name used in the title and default directory\n"
		"  --invocation ID    only the runs of one invocation ('all' pools them; default all)\n"
		"  --baseline LABEL   variant to compare against (default: the first in the file)\n"
		"  --no-html          skip REPORT.html\n"
		"\nEXAMPLES\n"
		"  ./harness report results/20251204T101500-random_mixed.jsonl\n"
		"  ./harness report results/x.jsonl --out /tmp/report --baseline jemalloc\n");
}

int cmd_report(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	if (argc < 2) {
		fprintf(stderr, "harness report: name a results file, e.g. harness report results/X.jsonl (see --help)\n");
		return 2;
	}
	int rc = reports_run_script("report.py", (const char *const *)argv + 1, argc - 1);
	return rc < 0 ? 2 : rc;
}
