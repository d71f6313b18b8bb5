/* test.c - `harness test`: run every test with meson, then print one
 * final line "N passed, N failed[, N skipped]" counted from meson's test
 * log.  Exit 0 only when no test failed and at least one ran. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "json.h"
#include "paths.h"

/* Count meson's test log (one JSON object per test and line). */
static void count_results(const char *log, int *passed, int *failed, int *skipped)
{
	FILE *f = fopen(log, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		struct jv *v = jv_parse(line, NULL, 0);
		const char *res = v ? jv_str(v, "result") : NULL;
		if (res && (strcmp(res, "OK") == 0 || strcmp(res, "EXPECTEDFAIL") == 0))
			(*passed)++;
		else if (res && strcmp(res, "SKIP") == 0)
			(*skipped)++;
		else if (res)
			(*failed)++;
		jv_free(v);
	}
	free(line);
	fclose(f);
}

/* meson test -C BUILD --print-errorlogs ARGS...; its exit status. */
static int run_meson(int argc, char **argv)
{
	char *args[128];
	int n = 0;
	args[n++] = "meson";
	args[n++] = "test";
	args[n++] = "-C";
	args[n++] = (char *)build_dir();
	args[n++] = "--print-errorlogs";
	for (int i = 1; i < argc && n < 126; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("harness test: fork");
		return -1;
	}
	if (pid == 0) {
		execvp(args[0], args);
		fprintf(stderr, "harness test: cannot run meson: %s (apt-get install meson)\n", strerror(errno));
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Bad arguments are meson's to judge, but its answer (its whole usage,
 * then a test count of "0 passed, 1 failed") buries the point.  So the
 * arguments are first tried on `meson test --list --no-rebuild` (half a
 * second, runs nothing), and a usage error (exit 2) becomes one line.
 * Returns 0 when meson accepts them, -1 after that line. */
static int check_args(int argc, char **argv)
{
	char *args[128], msg[1024] = "";
	int n = 0, fds[2];
	args[n++] = "meson";
	args[n++] = "test";
	args[n++] = "-C";
	args[n++] = (char *)build_dir();
	args[n++] = "--list";
	args[n++] = "--no-rebuild";
	for (int i = 1; i < argc && n < 126; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	fflush(NULL);
	if (pipe(fds) < 0)
		return 0;       /* cannot check: meson itself will say */
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return 0;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(fds[1], 2);
		close(fds[0]);
		execvp(args[0], args);
		_exit(127);
	}
	close(fds[1]);
	FILE *err = fdopen(fds[0], "r");
	char line[1024];
	while (err && fgets(line, sizeof(line), err))
		if (strncmp(line, "meson: error: ", 14) == 0)
			snprintf(msg, sizeof(msg), "%s", line + 14);
	if (err)
		fclose(err);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 2 || !msg[0])
		return 0;
	msg[strcspn(msg, "\n")] = '\0';
	fprintf(stderr, "harness test: meson test does not accept this: %s (extra arguments go to meson test; "
		"see `harness test --help`)\n", msg);
	return -1;
}

static int cmd_test(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: harness test [MESON_TEST_ARGS...]\n\n"
		       "Runs `meson test` in the build directory (the launcher has just built it),\n"
		       "shows the logs of failing tests, and ends with one line\n"
		       "'N passed, N failed[, N skipped]'. Extra arguments go to meson test\n"
		       "(test names, --suite NAME, --repeat N, ...).\n\n"
		       "EXAMPLES\n  ./harness test\n  ./harness test --suite allocator\n  ./harness test --list\n");
		return 0;
	}
	if (argc > 1 && check_args(argc, argv) < 0)
		return 2;
	/* --list runs nothing and writes no log: leave the log alone (a
	 * `harness test --list` inside a running test session, as the
	 * EXAMPLES test does, must not delete that session's log). */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--list") == 0) {
			int rc = run_meson(argc, argv);
			return rc < 0 ? 2 : rc;
		}
	char log[4096];
	snprintf(log, sizeof(log), "%s/meson-logs/testlog.json", build_dir());
	unlink(log);    /* never count a previous session's results */

	int meson_rc = run_meson(argc, argv);
	if (meson_rc < 0)
		return 2;

	int passed = 0, failed = 0, skipped = 0;
	count_results(log, &passed, &failed, &skipped);
	if (meson_rc != 0 && failed == 0)
		failed = 1;     /* meson itself failed (build error, bad arguments) */
	printf("%d passed, %d failed%s", passed, failed, skipped ? "" : "\n");
	if (skipped)
		printf(", %d skipped\n", skipped);
	if (passed + failed == 0) {
		fprintf(stderr, "harness test: no test ran\n");
		return 1;
	}
	return failed ? 1 : 0;
}

const struct command command_test = {
	"test", cmd_test,
	"build and run every test (meson test); ends with 'N passed, N failed'",
};
