/* hooks.h - --setup and --prepare commands (hooks.c). */
#ifndef HARNESS_HOOKS_H
#define HARNESS_HOOKS_H

#include <stddef.h>

#include "options.h"
#include "variant.h"

/* Run cmd with /bin/sh -c for variant v ({NAME} replaced, the variant in
 * the environment), its output discarded unless --show-output.  Returns 0
 * when it exits 0, else -1 with err saying which hook ("--prepare") failed
 * and how. */
int hook_run(const char *what, const char *cmd, const struct run_opts *o, const struct variant *v,
	     char *err, size_t errlen);

#endif
