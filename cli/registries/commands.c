/* commands.c - the subcommand table, generated from cli/meson.build's list
 * (see commands.h). */
#include "commands.h"

#include <string.h>

#define COMMAND(name) &command_##name,
const struct command *const command_table[] = {
#include "commands_list.h"
};
#undef COMMAND
const int command_count = sizeof(command_table) / sizeof(command_table[0]);

const struct command *command_find(const char *name)
{
	for (int i = 0; i < command_count; i++)
		if (strcmp(command_table[i]->name, name) == 0)
			return command_table[i];
	return NULL;
}
