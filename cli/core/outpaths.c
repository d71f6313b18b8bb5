/* outpaths.c - see outpaths.h. */
#include "outpaths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outpath_check_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s is %s, not a results file", path,
				 S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
			return -1;
		}
		int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errlen, "cannot append to %s: %s", path, strerror(errno));
			return -1;
		}
		close(fd);
		return 0;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	unlink(path);          /* made when the first record is written */
	return 0;
}

int outpath_check_dir(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char dir[PATH_MAX], probe[PATH_MAX + 40];
	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a directory", path);
		return -1;
	}
	/* The directory itself, or the nearest ancestor that exists. */
	snprintf(dir, sizeof(dir), "%s", path);
	while (stat(dir, &st) != 0) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "cannot create %s: %s is not a directory", path, dir);
		return -1;
	}
	snprintf(probe, sizeof(probe), "%s/.harness-write-check-XXXXXX", dir);
	if (!mkdtemp(probe)) {
		snprintf(err, errlen, "cannot write in %s: %s", dir, strerror(errno));
		return -1;
	}
	rmdir(probe);
	return 0;
}
