/* fmt.c - see fmt.h: number and string formatting into a fixed buffer. */
#include "fmt.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void hk_buf_init(struct hk_buf *b, int fd)
{
	b->fd = fd;
	b->len = 0;
}

void hk_buf_flush(struct hk_buf *b)
{
	size_t off = 0;
	while (off < b->len) {
		ssize_t n = write(b->fd, b->data + off, b->len - off);
		if (n <= 0)
			break;          /* nowhere to report a failed report: drop it */
		off += (size_t)n;
	}
	b->len = 0;
}

void hk_buf_mem(struct hk_buf *b, const char *s, size_t n)
{
	while (n > 0) {
		if (b->len == sizeof(b->data))
			hk_buf_flush(b);
		size_t room = sizeof(b->data) - b->len, k = n < room ? n : room;
		memcpy(b->data + b->len, s, k);
		b->len += k;
		s += k;
		n -= k;
	}
}

void hk_buf_str(struct hk_buf *b, const char *s)
{
	hk_buf_mem(b, s, strlen(s));
}

static int u64_digits(uint64_t v, char *out)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

void hk_buf_u64(struct hk_buf *b, uint64_t v)
{
	char d[24];
	hk_buf_mem(b, d, (size_t)u64_digits(v, d));
}

void hk_buf_u64w(struct hk_buf *b, uint64_t v, int width)
{
	char d[24];
	int n = u64_digits(v, d);
	for (int i = n; i < width; i++)
		hk_buf_mem(b, " ", 1);
	hk_buf_mem(b, d, (size_t)n);
}

void hk_buf_hex(struct hk_buf *b, uintptr_t v)
{
	char d[2 + 16];
	int n = 0;
	d[n++] = '0';
	d[n++] = 'x';
	int started = 0;
	for (int shift = 60; shift >= 0; shift -= 4) {
		unsigned nib = (unsigned)(v >> shift) & 15u;
		if (nib || started || shift == 0) {
			d[n++] = "0123456789abcdef"[nib];
			started = 1;
		}
	}
	hk_buf_mem(b, d, (size_t)n);
}

void hk_buf_json_str(struct hk_buf *b, const char *s)
{
	hk_buf_mem(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			hk_buf_mem(b, e, 2);
		} else if (c < 0x20) {
			char e[6] = { '\\', 'u', '0', '0', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15] };
			hk_buf_mem(b, e, 6);
		} else {
			hk_buf_mem(b, (const char *)&c, 1);
		}
	}
	hk_buf_mem(b, "\"", 1);
}

void hk_message(const char *a, const char *b, const char *c)
{
	struct hk_buf buf;
	hk_buf_init(&buf, 2);
	hk_buf_str(&buf, "hakmem: ");
	hk_buf_str(&buf, a);
	if (b)
		hk_buf_str(&buf, b);
	if (c)
		hk_buf_str(&buf, c);
	hk_buf_str(&buf, "\n");
	hk_buf_flush(&buf);
}

void hk_fatal(const char *what, const void *ptr, const char *why)
{
	struct hk_buf buf;
	hk_buf_init(&buf, 2);
	hk_buf_str(&buf, "hakmem: ");
	hk_buf_str(&buf, what);
	hk_buf_str(&buf, " ");
	hk_buf_hex(&buf, (uintptr_t)ptr);
	hk_buf_str(&buf, ": ");
	hk_buf_str(&buf, why);
	hk_buf_str(&buf, "\n");
	hk_buf_flush(&buf);
	abort();
}
