/* fmt.h - tiny output helpers that never allocate.
 *
 * printf may call malloc (locale, large buffers); the allocator must not
 * re-enter itself, so stats, warnings and verbose output go through this
 * fixed buffer that is written to a file descriptor with write(2). */
#ifndef HAKMEM_FMT_H
#define HAKMEM_FMT_H

#include <stddef.h>
#include <stdint.h>

struct hk_buf {
	int fd;
	size_t len;
	char data[4096];
};

void hk_buf_init(struct hk_buf *b, int fd);
void hk_buf_flush(struct hk_buf *b);
void hk_buf_str(struct hk_buf *b, const char *s);
void hk_buf_mem(struct hk_buf *b, const char *s, size_t n);
void hk_buf_u64(struct hk_buf *b, uint64_t v);
/* v right-aligned in a field of `width` characters. */
void hk_buf_u64w(struct hk_buf *b, uint64_t v, int width);
void hk_buf_hex(struct hk_buf *b, uintptr_t v);
/* s as a JSON string literal, quotes included. */
void hk_buf_json_str(struct hk_buf *b, const char *s);

/* One line "hakmem: <a><b><c>\n" on stderr (any of b, c may be NULL). */
void hk_message(const char *a, const char *b, const char *c);
/* Print "hakmem: <what> <ptr>: <why>" on stderr and abort. */
__attribute__((noreturn)) void hk_fatal(const char *what, const void *ptr, const char *why);

/* Abort with "hakmem: invariant broken: <what> <ptr>" unless cond holds
 * (HK_DEBUG_INVARIANTS walkers only). */
#define HK_CHECK(cond, what, ptr) \
	do { \
		if (HK_UNLIKELY(!(cond))) \
			hk_fatal("invariant broken:", (ptr), (what)); \
	} while (0)

#endif
