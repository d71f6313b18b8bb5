/* commands.h - the subcommand registry.  Each subcommand is one file in
 * commands/ that defines `const struct command command_NAME`, and one word
 * in the `harness_commands` list of cli/meson.build, which generates
 * commands_list.h (one COMMAND(NAME) line each, in the order `harness
 * --help` shows them).  Commands depend on core/ and registries/ only,
 * never on each other. */
#ifndef HARNESS_COMMANDS_H
#define HARNESS_COMMANDS_H

struct command {
	const char *name;
	int (*main)(int argc, char **argv);     /* argv[0] is the subcommand; returns the exit status */
	const char *summary;                    /* one line for `harness --help` */
};

#define COMMAND(name) extern const struct command command_##name;
#include "commands_list.h"
#undef COMMAND

extern const struct command *const command_table[];
extern const int command_count;

const struct command *command_find(const char *name);

#endif
