/* exec_spec.h - the command a run will exec and the environment it adds.
 * Built by the engine, wrapped or extended by collectors (collector.h). */
#ifndef HARNESS_EXEC_SPEC_H
#define HARNESS_EXEC_SPEC_H

#define EXEC_MAX_ARGS 256
#define EXEC_MAX_ENV  64

/* The command a run will exec, and the environment it adds (NAME=VALUE
 * strings; the rest of the harness's environment is inherited). */
struct exec_spec {
	char *argv[EXEC_MAX_ARGS];
	int argc;
	char *env[EXEC_MAX_ENV];
	int envc;
};

/* Strings pushed here are copied and freed with the spec. */
int exec_push_arg(struct exec_spec *x, const char *arg);
int exec_insert_args(struct exec_spec *x, int at, char *const *args, int n);
int exec_set_env(struct exec_spec *x, const char *name, const char *value);
void exec_spec_free(struct exec_spec *x);

#endif
