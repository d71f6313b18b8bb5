/* scripts.c - see scripts.h. */
#include "scripts.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interrupt.h"
#include "paths.h"

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
	/* A Ctrl-C reaches the script too (same process group).  It starts
	 * with SIGINT ignored, so Python installs no KeyboardInterrupt handler
	 * (a traceback); the scripts' main then restores the default action
	 * (a quiet death); and the harness, which notes the signal, kills it
	 * in any case (interrupt_waitpid). */
	static char stage[160];
	snprintf(stage, sizeof(stage), "scripts/%s", script);
	interrupt_arm();
	interrupt_stage(stage);
	if (interrupt_signal())
		interrupt_exit();
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
		signal(SIGINT, SIG_IGN);
		execv(REPORTS_PYTHON, argv);
		fprintf(stderr, "harness: cannot run %s: %s\n", REPORTS_PYTHON, strerror(errno));
		_exit(127);
	}
	free(argv);
	int st;
	if (interrupt_waitpid(pid, &st) < 0) {
		fprintf(stderr, "harness: waiting for %s failed: %s\n", script, strerror(errno));
		return -1;
	}
	if (interrupt_signal())
		interrupt_exit();
	interrupt_stage(NULL);
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "harness: %s was killed by signal %d\n", script, WTERMSIG(st));
		return -1;
	}
	return WEXITSTATUS(st);
}

int reports_margin_check(const char *subcommand, const char *value)
{
	char *end;
	errno = 0;
	double v = value && *value ? strtod(value, &end) : 0;
	if (!value || !*value || *end || errno || !(v > 0 && v < 100)) {
		fprintf(stderr, "harness %s: --margin needs a percentage between 0 and 100 (e.g. --margin 2), got '%s'\n",
			subcommand, value ? value : "");
		return -1;
	}
	return 0;
}
