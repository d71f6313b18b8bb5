/* paths.c - see paths.h. */
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *source_dir(void)
{
	const char *s = getenv("HARNESS_SOURCE_DIR");
	return s && *s ? s : HARNESS_DEFAULT_SOURCE_DIR;
}

const char *build_dir(void)
{
	const char *s = getenv("HARNESS_BUILD_DIR");
	return s && *s ? s : HARNESS_DEFAULT_BUILD_DIR;
}

int find_in_path(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(out, len, "%.*s/%s", (int)n, path, prog);
		if (n && access(out, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return -1;
}

int results_default_path(const char *name, char *out, size_t n)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/results", source_dir());
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "harness: cannot create %s: %s (choose a file with --out)\n", dir, strerror(errno));
		return -1;
	}
	time_t t = time(NULL);
	struct tm tm;
	char stamp[32];
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, n, "%.3000s/%s-%.200s.jsonl", dir, stamp, name);
	return 0;
}
