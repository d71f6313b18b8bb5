/* residency.c - see residency.h.  Nothing here allocates: mincore fills a
 * vector on the stack, and smaps is read through a fixed buffer. */
#include "residency.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "large.h"
#include "superslab.h"

static void each_mapping(void (*fn)(const void *p, size_t len, void *arg), void *arg)
{
	hk_ss_foreach_mapping(fn, arg);
	hk_large_foreach_mapping(fn, arg);
}

/* ---------------------------------------------------------- mincore */

struct resident_walk {
	uint64_t mapped, resident;
	int failed;
};

static void count_resident(const void *p, size_t len, void *arg)
{
	struct resident_walk *w = arg;
	unsigned char vec[512];                     /* one 2 MiB step */
	const size_t step = sizeof(vec) * HK_PAGE;
	w->mapped += len;
	for (size_t off = 0; off < len && !w->failed; off += step) {
		size_t n = len - off < step ? len - off : step;
		if (mincore((char *)p + off, n, vec) != 0) {
			w->failed = 1;
			return;
		}
		for (size_t i = 0; i < (n + HK_PAGE - 1) / HK_PAGE; i++)
			w->resident += (vec[i] & 1u) ? HK_PAGE : 0;
	}
}

/* ------------------------------------------------------------ smaps */

struct cover {
	uintptr_t lo, hi;
	uint64_t bytes;
};

static void add_overlap(const void *p, size_t len, void *arg)
{
	struct cover *c = arg;
	uintptr_t a = (uintptr_t)p, b = a + len;
	uintptr_t lo = a > c->lo ? a : c->lo, hi = b < c->hi ? b : c->hi;
	if (hi > lo)
		c->bytes += hi - lo;
}

/* Bytes of [lo, hi) inside HAKMEM's mappings (they never overlap). */
static uint64_t covered(uintptr_t lo, uintptr_t hi)
{
	struct cover c = { lo, hi, 0 };
	each_mapping(add_overlap, &c);
	return c.bytes;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* "start-end perms ..." (a VMA's first line): 1 and the range, else 0. */
static int vma_line(const char *s, const char *end, uintptr_t *lo, uintptr_t *hi)
{
	uintptr_t v[2] = { 0, 0 };
	for (int k = 0; k < 2; k++) {
		const char *start = s;
		for (; s < end && hexval(*s) >= 0; s++)
			v[k] = v[k] * 16 + (uintptr_t)hexval(*s);
		if (s == start || s == end || *s != (k ? ' ' : '-'))
			return 0;
		s++;
	}
	*lo = v[0];
	*hi = v[1];
	return 1;
}

/* "AnonHugePages:  N kB": 1 and N * 1024, else 0. */
static int huge_line(const char *s, const char *end, uint64_t *bytes)
{
	static const char key[] = "AnonHugePages:";
	for (const char *k = key; *k; k++, s++)
		if (s == end || *s != *k)
			return 0;
	while (s < end && *s == ' ')
		s++;
	uint64_t v = 0;
	for (; s < end && *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	*bytes = v * 1024;
	return 1;
}

static const char *read_huge(struct hk_residency *r)
{
	int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return "cannot open /proc/self/smaps";
	char buf[8192];
	size_t have = 0;
	uintptr_t lo = 0, hi = 0;
	int eof = 0;
	while (!eof) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		if (n < 0) {
			close(fd);
			return "cannot read /proc/self/smaps";
		}
		eof = n == 0;
		have += (size_t)n;
		size_t done = 0;
		for (;;) {
			char *nl = memchr(buf + done, '\n', have - done);
			if (!nl && !(eof && done < have))
				break;
			char *s = buf + done, *end = nl ? nl : buf + have;
			uint64_t bytes;
			if (!vma_line(s, end, &lo, &hi) && huge_line(s, end, &bytes) && bytes) {
				uint64_t c = covered(lo, hi);
				if (c == hi - lo)
					r->huge_bytes += bytes;
				else if (c)
					r->huge_bytes_shared_vma += bytes;
			}
			done = (size_t)(end - buf) + (nl ? 1 : 0);
		}
		memmove(buf, buf + done, have - done);
		have -= done;
		if (have == sizeof(buf))
			have = 0;               /* a line longer than the buffer: no figure of ours */
	}
	close(fd);
	return NULL;
}

void hk_residency_get(struct hk_residency *r)
{
	*r = (struct hk_residency){ 0 };
	struct resident_walk w = { 0, 0, 0 };
	each_mapping(count_resident, &w);
	r->mapped_bytes = w.mapped;
	r->resident_bytes = w.resident;
	if (w.failed)
		r->resident_error = "mincore failed on a mapping";
	r->huge_error = read_huge(r);
}
