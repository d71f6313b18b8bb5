/* fleet.c - `harness fleet SUBCOMMAND ...`: one experiment over many hosts
 * (Slurm job arrays or GNU parallel over ssh), merged results and per-host
 * reports.  The whole of it is fleet/fleet.py (Python, like scripts/); this
 * command only execs it with HARNESS_SOURCE_DIR and HARNESS_BUILD_DIR set,
 * so that every shard runs this very harness.  fleet.py prints the help
 * (ending with EXAMPLES) and its own one-line errors (exit 2). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "paths.h"
#include "scripts.h"

static int cmd_fleet(int argc, char **argv)
{
	char script[4096];
	snprintf(script, sizeof(script), "%s/fleet/fleet.py", source_dir());
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "harness fleet: cannot read %s: %s (is HARNESS_SOURCE_DIR right?)\n", script, strerror(errno));
		return 2;
	}
	char **args = calloc((size_t)argc + 2, sizeof(*args));
	if (!args) {
		fprintf(stderr, "harness fleet: out of memory\n");
		return 2;
	}
	args[0] = (char *)REPORTS_PYTHON;
	args[1] = script;
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	/* source_dir()/build_dir() may be the compiled-in defaults: export
	 * what this harness uses, for fleet.py and the shards it starts. */
	if (setenv("HARNESS_SOURCE_DIR", source_dir(), 1) < 0 || setenv("HARNESS_BUILD_DIR", build_dir(), 1) < 0) {
		fprintf(stderr, "harness fleet: cannot set the environment: %s\n", strerror(errno));
		return 2;
	}
	setenv("MPLBACKEND", "Agg", 1);      /* the report's plot: never a display */
	fflush(stdout);
	execv(REPORTS_PYTHON, args);
	fprintf(stderr, "harness fleet: cannot run %s: %s (Debian package python3)\n", REPORTS_PYTHON, strerror(errno));
	free(args);
	return 2;
}

const struct command command_fleet = {
	"fleet", cmd_fleet,
	"run one experiment on many hosts (Slurm or GNU parallel), merge and compare per host",
};
