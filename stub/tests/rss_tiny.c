/* rss_tiny.c - a tiny program that reports its own peak RSS: the last
 * thing it does is read VmHWM from /proc/self/status and write
 * "VmHWM_kib N" to stdout, with no allocation after the read (so that
 * nothing it does afterwards can raise the peak).  Used by
 * test_exec_stub to compare ru_maxrss with the program's own figure.
 *
 *   rss_tiny [PAGES]   touch PAGES (at most 16384) extra 4 KiB pages of a
 *                      static buffer first */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile char pages[4096 * 16384]; /* up to 64 MiB */   /* volatile: the stores must happen */
static char status[8192];

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;
	for (long i = 0; i < n && i < 16384; i++)
		pages[i * 4096] = 1;
	int fd = open("/proc/self/status", O_RDONLY);
	if (fd < 0)
		return 1;
	ssize_t len = read(fd, status, sizeof(status) - 1);
	close(fd);
	if (len <= 0)
		return 1;
	status[len] = '\0';
	char *p = strstr(status, "VmHWM:");
	if (!p)
		return 1;
	p += 6;
	while (*p == ' ' || *p == '\t')
		p++;
	char *e = p;
	while (*e >= '0' && *e <= '9')
		e++;
	char out[64] = "VmHWM_kib ";
	size_t k = strlen(out);
	memcpy(out + k, p, (size_t)(e - p));
	k += (size_t)(e - p);
	out[k++] = '\n';
	return write(1, out, k) == (ssize_t)k ? 0 : 1;
}
