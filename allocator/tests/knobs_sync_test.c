/* knobs_sync_test.c - allocator/knobs.txt (read by `harness ab` to reject
 * unknown knob names) must list exactly the rows of the options table. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "options.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/TO/knobs.txt\n", argv[0]);
		return 2;
	}
	static char want[16384], have[16384];
	int fds[2];
	if (pipe(fds) != 0) {
		perror("pipe");
		return 2;
	}
	hk_options_write_knobs(fds[1]);
	close(fds[1]);
	ssize_t n = read(fds[0], want, sizeof(want) - 1);
	want[n > 0 ? n : 0] = '\0';

	FILE *f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 2;
	}
	size_t m = fread(have, 1, sizeof(have) - 1, f);
	have[m] = '\0';
	fclose(f);

	CHECK("knobs.txt matches the options table (regenerate it from hk_options_write_knobs)",
	      strcmp(want, have) == 0);
	if (strcmp(want, have) != 0)
		fprintf(stderr, "expected knobs.txt:\n%s", want);
	/* every row has four tab-separated fields */
	int rows = 0, bad = 0;
	for (char *line = have; *line;) {
		char *nl = strchr(line, '\n');
		if (!nl)
			break;
		int tabs = 0;
		for (char *c = line; c < nl; c++)
			tabs += *c == '\t';
		bad += tabs != 3;
		rows++;
		line = nl + 1;
	}
	CHECK("every knobs.txt row is NAME<TAB>default<TAB>accepted<TAB>description", bad == 0);
	CHECK("knobs.txt has one row per option", rows == HK_OPT_COUNT);
	return check_summary();
}
