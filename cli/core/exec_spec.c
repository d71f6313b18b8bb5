/* exec_spec.c - building the command and environment of a run (see
 * collector.h).  Every string is copied so that callers may pass temporaries. */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "exec_spec.h"

int exec_push_arg(struct exec_spec *x, const char *arg)
{
	return exec_insert_args(x, x->argc, (char *const *)&arg, 1);
}

int exec_insert_args(struct exec_spec *x, int at, char *const *args, int n)
{
	if (at < 0 || at > x->argc || x->argc + n >= EXEC_MAX_ARGS)
		return -1;
	memmove(&x->argv[at + n], &x->argv[at], (size_t)(x->argc - at) * sizeof(char *));
	for (int i = 0; i < n; i++)
		if (!(x->argv[at + i] = strdup(args[i])))
			return -1;
	x->argc += n;
	x->argv[x->argc] = NULL;
	return 0;
}

int exec_set_env(struct exec_spec *x, const char *name, const char *value)
{
	size_t n = strlen(name);
	char *s = malloc(n + strlen(value) + 2);
	if (!s)
		return -1;
	sprintf(s, "%s=%s", name, value);
	for (int i = 0; i < x->envc; i++) {
		if (strncmp(x->env[i], name, n) == 0 && x->env[i][n] == '=') {
			free(x->env[i]);
			x->env[i] = s;
			return 0;
		}
	}
	if (x->envc + 1 >= EXEC_MAX_ENV) {
		free(s);
		return -1;
	}
	x->env[x->envc++] = s;
	x->env[x->envc] = NULL;
	return 0;
}

void exec_spec_free(struct exec_spec *x)
{
	for (int i = 0; i < x->argc; i++)
		free(x->argv[i]);
	for (int i = 0; i < x->envc; i++)
		free(x->env[i]);
	memset(x, 0, sizeof(*x));
}
