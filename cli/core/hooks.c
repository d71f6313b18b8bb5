/* hooks.c - hyperfine's --setup and --prepare: a shell command run by the
 * harness outside any measurement, --setup once per variant before its
 * first run, --prepare before every run of it (warm-up runs included), so
 * that each run starts from the same state (drop a cache, reset a file).
 * Neither is timed nor counted in any record.  The command sees the
 * variant in its environment (HARNESS_VARIANT, HARNESS_ALLOC and, with
 * -L/--parameter-scan, HARNESS_PARAMETER_<NAME>) and {NAME} is replaced by
 * the variant's parameter value, as in --cmd.  A hook that fails stops the
 * invocation: the runs after it would not start from the state it sets. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hooks.h"

int hook_run(const char *what, const char *cmd, const struct run_opts *o, const struct variant *v,
	     char *err, size_t errlen)
{
	char text[8192];
	struct run_opts sub = *o;
	sub.cmd = cmd;          /* variant_cmd substitutes {NAME} in opts->cmd */
	const char *line = variant_cmd(&sub, v, text, sizeof(text));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "%s: cannot fork: %s", what, strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (!o->show_output) {      /* quiet like the workload, unless asked */
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			dup2(null, 2);
		} else {
			dup2(2, 1);         /* the harness's stdout is the summary's */
		}
		setenv("HARNESS_VARIANT", v->label, 1);
		setenv("HARNESS_ALLOC", v->alloc.name, 1);
		if (o->param_name && v->param_value) {
			char name[128];
			snprintf(name, sizeof(name), "HARNESS_PARAMETER_%s", o->param_name);
			for (char *p = name; *p; p++)
				if (*p == '-')
					*p = '_';
			setenv(name, v->param_value, 1);
		}
		execl("/bin/sh", "sh", "-c", line, (char *)NULL);
		_exit(127);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		snprintf(err, errlen, "%s '%.200s' exited with status %d for %.100s%s", what, line, WEXITSTATUS(status),
			 v->label, o->show_output ? "" : " (add --show-output to see its output)");
	else
		snprintf(err, errlen, "%s '%.200s' was killed by signal %d for %.100s", what, line, WTERMSIG(status),
			 v->label);
	return -1;
}
