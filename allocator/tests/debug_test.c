/* debug_test.c - the debug build's checks (-Dhakmem_debug=true; this test
 * links a debug copy of the library whatever the option): each misuse
 * must abort with a message naming it.  Each case runs in a child. */
#include <signal.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "child.h"
#include "superslab.h"

static void double_free(void)
{
	char *p = malloc(32);
	free(p);
	free(p);
}

static void invalid_free(void)
{
	static char not_heap[64];
	free(not_heap + 16);
}

static void interior_free(void)
{
	char *p = malloc(64);
	free(p + 16);
}

static void overflow(void)
{
	char *p = malloc(40);
	memset(p, 'x', malloc_usable_size(p) + 8);   /* past the end */
	free(p);
}

/* The invariant walkers (HAKMEM_DEBUG=2) catch corrupted metadata at the
 * next slow path that touches it: */

/* a cached large mapping's header loses its state (a stray write into
 * freed memory); the next large free walks the cache */
static void corrupt_large_cache(void)
{
	char *a = malloc(4 << 20), *spacer = malloc(4 << 20), *c = malloc(4 << 20);
	free(a);
	((struct hk_large *)((uintptr_t)a - HK_LARGE_HDR))->state = 0;
	free(c);
	free(spacer);
}

/* a free unit of a SuperSlab gets a class byte; the next new slab walks
 * every SuperSlab */
static void corrupt_unit_table(void)
{
	char *p = malloc(32);
	struct hk_ss *ss = (struct hk_ss *)hk_prefix_of(p);
	if (!(ss->free_units >> 31 & 1u))
		_exit(3);                     /* cannot set the case up */
	hk_ss_unit(ss, 31)->cls = 7;
	free(malloc(100000));               /* a class with no slab yet */
}

static void fine(void)
{
	char *p = malloc(40);
	memset(p, 'x', 40);
	free(p);
}

/* Run fn in a child with stderr captured; return 1 when it aborted and
 * its message contains `want`. */
static int aborts_with(void (*fn)(void), const char *want)
{
	char buf[1024];
	int status = run_child_captured(fn, 60, buf, sizeof buf);
	if (want == NULL)
		return WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) || !strstr(buf, want)) {
		fprintf(stderr, "  child said: %s\n", buf);
		return 0;
	}
	return 1;
}

int main(void)
{
	CHECK("correct use does not abort", aborts_with(fine, NULL));
	CHECK("double free aborts with a message", aborts_with(double_free, "double free"));
	CHECK("free of a non-heap pointer aborts", aborts_with(invalid_free, "invalid pointer"));
	CHECK("free of an interior pointer aborts", aborts_with(interior_free, "not the start of a block"));
	CHECK("writing past the block aborts at free", aborts_with(overflow, "canary"));
	CHECK("a corrupted large cache entry is caught", aborts_with(corrupt_large_cache, "large cache links or state"));
	CHECK("a corrupted SuperSlab unit table is caught", aborts_with(corrupt_unit_table, "unit class byte disagrees"));
	return check_summary();
}
