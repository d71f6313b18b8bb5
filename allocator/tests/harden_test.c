/* harden_test.c - the default build's hardening (issue 13 item 5,
 * guard.h): each misuse aborts with one line naming the error and the
 * pointer, and correct programs whose data looks like a free-list link
 * are not stopped.  Each case runs in a child with stderr captured; the
 * child tells the parent which pointer the message must name through a
 * shared page. */
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "child.h"
#include "front.h"
#include "sizeclass.h"
#include "superslab.h"

static char *named;     /* shared page: the pointer the message must name, as %p prints it */

static void *name(void *p)
{
	snprintf(named, 64, "%p", p);
	return p;
}

/* ------------------------------------------------------------ misuse */

static void double_free_now(void)
{
	char *volatile p = name(malloc(48));
	free(p);
	free(p);
}

static void double_free_later(void)
{
	char *volatile a = name(malloc(48)), *volatile b = malloc(48), *volatile c = malloc(48);
	free(a);
	free(b);
	free(c);
	free(a);
}

/* the first free's block went back to its slab (the thread cache
 * overflowed) before the second free */
static void double_free_after_flush(void)
{
	static void *many[4096];
	char *volatile a = name(malloc(48));
	for (int i = 0; i < 4096; i++)
		many[i] = malloc(48);
	free(a);
	for (int i = 0; i < 4096; i++)
		free(many[i]);
	free(a);
}

static void *volatile from_thread;
static volatile int thread_may_exit;

/* A thread allocates a block (and frees it too when arg is non-NULL),
 * hands it over and stays alive. */
static void *alloc_and_wait(void *arg)
{
	void *p = malloc(48);
	if (arg)
		free(p);
	from_thread = p;
	while (!thread_may_exit)
		usleep(1000);
	return NULL;
}

/* The block of a live thread started with alloc_and_wait(arg). */
static void *block_of_live_thread(void *arg)
{
	pthread_t t;
	pthread_create(&t, NULL, alloc_and_wait, arg);
	while (!from_thread)
		usleep(1000);
	return name(from_thread);
}

static void double_free_other_thread_block(void)
{
	/* a block of a live thread's: its frees take the remote path */
	char *volatile p = block_of_live_thread(NULL);
	free(p);
	free(p);
}

/* the owner freed its block (it sits in the owner's cache, which no other
 * thread can walk), then another thread frees it again */
static void double_free_in_owner_cache(void)
{
	free(block_of_live_thread("freed"));
}

static void double_free_mid(void)
{
	char *volatile p = name(malloc(1 << 20));
	free(p);
	free(p);
}

static void double_free_large_cached(void)
{
	char *volatile p = name(malloc(4 << 20));
	free(p);
	free(p);
}

static void double_free_large_unmapped(void)
{
	char *volatile p = name(malloc(4 << 20));
	free(p);
	malloc_trim(0);         /* the large cache unmaps it */
	free(p);
}

static void interior_free(void)
{
	char *p = malloc(64);
	free(name(p + 16));
}

static void misaligned_free(void)
{
	char *p = malloc(64);
	free(name(p + 1));
}

static void interior_large_free(void)
{
	char *p = malloc(4 << 20);
	free(name(p + 8192));
}

static void stack_free(void)
{
	char on_stack[64];
	free(name(on_stack + 16));
}

static void static_free(void)
{
	static char not_heap[64];
	free(name(not_heap + 16));
}

static void foreign_free(void)
{
	/* memory another allocator handed out: a page of its own mapping */
	char *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	free(name(m + 64));
}

static void realloc_stack(void)
{
	char on_stack[64];
	if (realloc(name(on_stack), 100))
		_exit(0);
}

static void usable_stack(void)
{
	char on_stack[64];
	malloc_usable_size(name(on_stack));
}

/* a 16-byte overflow of one block reaches the link (the second word,
 * guard.h) of the free block after it; the malloc that takes that block
 * aborts */
static void overflow_into_link(void)
{
	char *a = malloc(64), *b = malloc(64);
	if (b != a + 64)
		_exit(3);               /* cannot set the case up: blocks not adjacent */
	name(b);
	free(b);
	memset(a, 'A', 80);
	char *volatile c = malloc(64);
	(void)c;
}

/* ------------------------------------------------------ correct use */

static void link_like_data(void)
{
	/* first and link words that look like links (the key's top byte,
	 * zeros, all ones): freed correctly, never mistaken for a double free */
	static const uint64_t words[] = { 0xF500000000000000ull, 0xF5F5F5F5F5F5F5F5ull, 0, ~0ull, 0x00007fffffffffffull };
	for (int round = 0; round < 1000; round++)
		for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			uint64_t *p = malloc(16 + 16 * (round % 8));
			p[0] = words[i];
			p[1] = words[i];
			free(p);
		}
	/* a block freed and allocated again holds no link (malloc clears it) */
	void *p = malloc(32);
	free(p);
	void *q = malloc(32);
	free(q);
}

/* ------------------------------------------------ the block-start test */

/* The block-start test (struct hk_unit, superslab.h), at every byte
 * offset of a slab of every class: the value o * divc + phase is below
 * 2^21 exactly at block starts (n % size == 0), and every other offset's
 * value is more than 2^42 + 2^21 away from 0 mod 2^64, the margin that
 * makes the folded owner test exact for every owner difference below
 * 2^21.  free()'s test itself, hk_is_own_block_start, is then tried at
 * each unit's first block start and at its nearest non-start with the
 * extreme owners and tokens, and on the entry of a unit no slab uses and
 * one never written.  Returns the number of violations. */
static long block_start_test_errors(void)
{
	const uint64_t lim = (uint64_t)1 << HK_OWNER_SHIFT, gap = ((uint64_t)1 << 42) + lim;
	const uint32_t ids[] = { 0, 1, 2, HK_TID_LIMIT / 2, HK_TID_LIMIT - 2 };
	const uint64_t tokens[] = { (uint64_t)1 << HK_OWNER_SHIFT, (uint64_t)2 << HK_OWNER_SHIFT,
				    (uint64_t)(HK_TID_LIMIT / 2) << HK_OWNER_SHIFT,
				    (uint64_t)(HK_TID_LIMIT - 2) << HK_OWNER_SHIFT, HK_TOKEN_FRESH };
	long bad = 0;
	for (unsigned cls = 1; cls < HK_NCLS; cls++) {
		uint64_t size = hk_class_size[cls], divc = hk_class_divc[cls];
		bad += divc != UINT64_MAX / size + 1;
		for (unsigned u = 0; u < hk_class_units[cls]; u++) {
			uint64_t phase = hk_phase_of(cls, u), nearest = 0, dist = UINT64_MAX, first = UINT64_MAX;
			for (uint64_t o = 0; o < HK_UNIT_SIZE; o++) {
				uint64_t n = ((uint64_t)u << HK_UNIT_SHIFT) + o, x = o * divc + phase;
				if (n % size == 0) {
					bad += x >= lim;
					if (first == UINT64_MAX)
						first = o;
					continue;
				}
				uint64_t d = x < -x ? x : -x;      /* distance from 0 mod 2^64 */
				bad += d < gap;
				if (d < dist) {
					dist = d;
					nearest = o;
				}
			}
			for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
				for (unsigned t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++) {
					struct hk_unit e = { .key = phase + ((uint64_t)ids[i] << HK_OWNER_SHIFT), .cls = (uint8_t)cls };
					int own = ((uint64_t)ids[i] << HK_OWNER_SHIFT) == tokens[t];
					bad += hk_is_own_block_start(&e, nearest * divc, tokens[t]);
					if (first != UINT64_MAX)
						bad += hk_is_own_block_start(&e, first * divc, tokens[t]) != own;
				}
		}
	}
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct hk_unit unused = { .key = HK_PHASE_NONE + ((uint64_t)ids[i] << HK_OWNER_SHIFT) }, never = { 0 };
		for (unsigned t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++)
			for (uint64_t o = 0; o < HK_UNIT_SIZE; o++)
				bad += hk_is_own_block_start(&unused, 0, tokens[t]) +
				       hk_is_own_block_start(&never, 0, tokens[t]);
	}
	return bad;
}

/* The entries HAKMEM writes agree with the test: every block handed out
 * of each class is a block start of a slab this thread owns, and the byte
 * after its start is not a block start. */
static long live_entries_errors(void)
{
	long bad = 0;
	for (unsigned cls = 1; cls < HK_NCLS; cls++) {
		size_t size = hk_class_size[cls];
		if (size > HK_MID_MIN)
			break;
		for (int k = 0; k < 3; k++) {
			char *p = malloc(size);
			const struct hk_unit *u = hk_unit_entry((uintptr_t)p);
			bad += !hk_is_block_start(u, (uintptr_t)p) || hk_is_block_start(u, (uintptr_t)p + 1);
			bad += u->cls != cls || !hk_is_own_block_start(u, ((uintptr_t)p & (HK_UNIT_SIZE - 1)) * hk_tc.divc[cls], hk_tc.token);
			free(p);
		}
	}
	return bad;
}

/* Run fn in a child; 1 when it aborted with one line containing `want`
 * and the pointer it named (want == NULL: it must exit 0). */
static int aborts_with(void (*fn)(void), const char *want)
{
	char buf[1024];
	named[0] = '\0';
	int status = run_child_captured(fn, 20, buf, sizeof buf);
	size_t len = strlen(buf);
	if (want == NULL) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			return 1;
		fprintf(stderr, "  child status %#x, said: %s\n", status, buf);
		return 0;
	}
	int aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
	int one_line = len > 0 && strchr(buf, '\n') == buf + len - 1;
	char hex[64];
	snprintf(hex, sizeof hex, "%s", named);
	if (!aborted || !strstr(buf, want) || !one_line || !hex[0] || !strstr(buf, hex)) {
		fprintf(stderr, "  child status %#x (want SIGABRT), pointer %s, said: %s\n", status, hex, buf);
		return 0;
	}
	return 1;
}

int main(void)
{
	named = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (named == MAP_FAILED)
		return 2;
	CHECK("the block-start test agrees with n % size at every offset of every class, and folding the owner in "
	      "keeps it exact for every owner and token",
	      block_start_test_errors() == 0);
	CHECK("the unit entries of live slabs pass the test at block starts only", live_entries_errors() == 0);
	CHECK("data that looks like a link is not a double free", aborts_with(link_like_data, NULL));
	CHECK("double free, immediate", aborts_with(double_free_now, "double free"));
	CHECK("double free after other frees", aborts_with(double_free_later, "double free"));
	CHECK("double free after the block went back to its slab", aborts_with(double_free_after_flush, "double free"));
	CHECK("double free of another thread's block", aborts_with(double_free_other_thread_block, "double free"));
	CHECK("double free by another thread of a block in its owner's cache",
	      aborts_with(double_free_in_owner_cache, "double free"));
	CHECK("double free of a mid-size block", aborts_with(double_free_mid, "double free"));
	CHECK("double free of a cached large block", aborts_with(double_free_large_cached, "double free"));
	CHECK("double free of a large block already unmapped", aborts_with(double_free_large_unmapped, "double free"));
	CHECK("free of an interior pointer", aborts_with(interior_free, "not the start of a block"));
	CHECK("free of a misaligned pointer", aborts_with(misaligned_free, "misaligned"));
	CHECK("free of a pointer inside a large block", aborts_with(interior_large_free, "not the start of a block"));
	CHECK("free of a stack pointer", aborts_with(stack_free, "free(): invalid pointer"));
	CHECK("free of a static array", aborts_with(static_free, "free(): invalid pointer"));
	CHECK("free of another allocator's memory", aborts_with(foreign_free, "free(): invalid pointer"));
	CHECK("realloc of a stack pointer", aborts_with(realloc_stack, "realloc(): invalid pointer"));
	CHECK("malloc_usable_size of a stack pointer", aborts_with(usable_stack, "malloc_usable_size(): invalid pointer"));
	CHECK("an overflow into a free block's link", aborts_with(overflow_into_link, "corrupted free list"));
	return check_summary();
}
