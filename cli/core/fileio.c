/* fileio.c - see fileio.h. */
#include "fileio.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

char *read_fd_tail(int fd, size_t max)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	size_t n = (size_t)st.st_size;
	size_t skip = n > max ? n - max : 0;      /* keep the tail: a result line is last */
	char *buf = malloc(n - skip + 1);
	if (!buf)
		return NULL;
	ssize_t got = pread(fd, buf, n - skip, (off_t)skip);
	buf[got > 0 ? got : 0] = '\0';
	return buf;
}

char *read_fd_head(int fd, size_t max, size_t *total)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	*total = (size_t)st.st_size;
	size_t n = *total < max ? *total : max;
	char *buf = malloc(n + 1);
	if (!buf)
		return NULL;
	ssize_t got = pread(fd, buf, n, 0);
	buf[got > 0 ? got : 0] = '\0';
	return buf;
}
