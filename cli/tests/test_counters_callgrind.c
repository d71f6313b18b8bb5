/* test_counters_callgrind.c - the cachegrind engine's pure parts: the
 * valgrind options it runs with, and the parsing and summing of callgrind
 * output files. */
#include <string.h>

#include "check.h"
#include "counters_callgrind.h"

static const char file_a[] =
	"# callgrind format\n"
	"version: 1\n"
	"creator: callgrind-3.19.0\n"
	"pid: 6705\n"
	"cmd:  ./tiny_hot --iterations 1000\n"
	"desc: I1 cache: 32768 B, 64 B, 8-way associative\n"
	"desc: D1 cache: 32768 B, 64 B, 8-way associative\n"
	"desc: LL cache: 33554432 B, 64 B, 16-way associative\n"
	"desc: Timerange: Basic block 0 - 31343170\n"
	"positions: line\n"
	"events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
	"summary: 145561 41080 24822 81 32 44 81 14 43\n"
	"fl=(1) ???\n"
	"fn=(1) timed_region\n"
	"0 145561 41080 24822 81 32 44 81 14 43\n"
	"totals: 145561 41080 24822 81 32 44 81 14 43\n";

/* Old-style file with only a summary line. */
static const char file_b[] =
	"events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw\n"
	"summary: 1000 10 20 1 2 3 4 5 6\n";

static const char file_other_events[] =
	"events: Ir\n"
	"totals: 5\n";

/* Per-object self cost: compressed names (defined once, then referred to
 * by id, also through cob=/cfn=), a calls= line whose following cost line
 * is inclusive (not self) cost, a "+N" subposition, trailing zero columns
 * left out, and an object valgrind could not name. */
static const char file_objects[] =
	"version: 1\n"
	"cmd:  /w/random_mixed --cycles 10\n"
	"positions: line\n"
	"events: Ir Dr Dw\n"
	"summary: 1160 0 0\n"
	"ob=(1) /lib/ld-linux-x86-64.so.2\n"
	"fl=(1) ???\n"
	"fn=(0) 0x1ab70\n"
	"cob=(2) /w/random_mixed\n"
	"cfi=(2) ???\n"
	"cfn=(3) timed_region\n"
	"calls=1 0\n"
	"0 1150 5 5\n"                    /* inclusive: not ld.so's */
	"3 10\n"                          /* ld.so self: 10 */
	"ob=(3) /lib/libc.so.6\n"
	"fl=(4) ./malloc/malloc.c\n"
	"fn=(5) _int_malloc\n"
	"10 200 1\n"
	"+2 100\n"
	"fn=(6) memset\n"
	"5 50\n"
	"ob=(2)\n"
	"fl=(2)\n"
	"fn=(3)\n"
	"7 400 1 1\n"
	"cob=(3)\n"
	"cfn=(7) malloc\n"
	"calls=3 0\n"
	"* 300\n"
	"ob=(4) /a/libhak.so\n"
	"fn=(8) hak_alloc\n"
	"1 250\n"
	"ob=(3)\n"
	"fn=(7)\n"
	"20 40\n"                         /* malloc, via its compressed id */
	"ob=(5) ???\n"
	"fn=(9) free\n"
	"1 60\n"
	"fn=(10) helper\n"
	"1 50\n"
	"totals: 1160 0 0\n";

static unsigned long long ob_ir(const struct callgrind_totals *t, const char *path)
{
	for (int i = 0; i < t->n_ob; i++)
		if (strcmp(t->ob[i].path, path) == 0)
			return t->ob[i].ir;
	return ~0ULL;
}

int main(void)
{
	struct callgrind_totals t;
	char err[256] = "";
	bool found;
	memset(&t, 0, sizeof(t));
	CHECK("a callgrind file parses", callgrind_parse(file_a, &t, err, sizeof(err)) == 0);
	CHECK("nine events", t.n == 9);
	CHECK("Ir", callgrind_get(&t, "Ir", &found) == 145561 && found);
	CHECK("D1mw", callgrind_get(&t, "D1mw", &found) == 44 && found);
	CHECK("DLmw", callgrind_get(&t, "DLmw", &found) == 43 && found);
	callgrind_get(&t, "Bc", &found);
	CHECK("an absent event is not found (not 0)", !found);
	CHECK("the cache geometry is kept", strstr(t.cache[2], "LL cache: 33554432 B") != NULL);
	CHECK("a second file is summed", callgrind_parse(file_b, &t, err, sizeof(err)) == 0 &&
	      callgrind_get(&t, "Ir", &found) == 146561 && callgrind_get(&t, "DLmr", &found) == 19 && t.files == 2);
	CHECK("different event lists are refused", callgrind_parse(file_other_events, &t, err, sizeof(err)) == -1 &&
	      strstr(err, "different event lists"));
	memset(&t, 0, sizeof(t));
	CHECK("garbage is refused", callgrind_parse("hello\nworld\n", &t, err, sizeof(err)) == -1 &&
	      strstr(err, "not a callgrind output file"));

	/* Per-object self cost and the allocator/libc/workload/other split. */
	memset(&t, 0, sizeof(t));
	CHECK("a file with objects parses", callgrind_parse(file_objects, &t, err, sizeof(err)) == 0);
	CHECK("five objects", t.n_ob == 5);
	CHECK("ld.so: self cost only (the calls= line's cost is the callee's)", ob_ir(&t, "/lib/ld-linux-x86-64.so.2") == 10);
	CHECK("libc: +N subposition and a compressed fn id count", ob_ir(&t, "/lib/libc.so.6") == 390);
	CHECK("workload: compressed ob=(2) defined by an earlier cob=", ob_ir(&t, "/w/random_mixed") == 400);
	CHECK("preload object", ob_ir(&t, "/a/libhak.so") == 250);
	CHECK("self costs add up to the totals", ob_ir(&t, "???") == 110 &&
	      10 + 390 + 400 + 250 + 110 == callgrind_get(&t, "Ir", &found));
	CHECK("the program is cmd:'s first word", strcmp(t.cmd, "/w/random_mixed") == 0);
	unsigned long long cls[CG_CLASSES];
	callgrind_classify(&t, "", t.cmd, cls);
	CHECK("glibc: malloc functions in libc.so are the allocator (_int_malloc 300 + malloc 40)",
	      cls[CG_CLASS_ALLOC] == 340 && cls[CG_CLASS_LIBC] == 50);
	CHECK("glibc: the workload object is the workload", cls[CG_CLASS_WORKLOAD] == 400);
	CHECK("glibc: ld.so, the preload-less .so and the unnamed object are other", cls[CG_CLASS_OTHER] == 10 + 250 + 110);
	callgrind_classify(&t, "/a/libhak.so", t.cmd, cls);
	CHECK("preload: the preloaded object plus the unnamed object's malloc-family functions are the allocator",
	      cls[CG_CLASS_ALLOC] == 250 + 60);
	CHECK("preload: all of libc.so is libc", cls[CG_CLASS_LIBC] == 390);
	CHECK("preload: the rest is other", cls[CG_CLASS_OTHER] == 10 + 50 && cls[CG_CLASS_WORKLOAD] == 400);
	CHECK("malloc-family names", callgrind_is_malloc_fn("tcache_get") && callgrind_is_malloc_fn("__libc_malloc") &&
	      callgrind_is_malloc_fn("malloc_consolidate") && !callgrind_is_malloc_fn("memset") &&
	      !callgrind_is_malloc_fn("mallocx_helper"));
	struct callgrind_totals t2 = t;
	CHECK("a refused file leaves the sums unchanged",
	      callgrind_parse(file_other_events, &t, err, sizeof(err)) == -1 && memcmp(&t, &t2, sizeof(t)) == 0);
	CHECK("a second file adds to the same objects",
	      callgrind_parse(file_objects, &t, err, sizeof(err)) == 0 && t.n_ob == 5 && ob_ir(&t, "/w/random_mixed") == 800);

	/* The command line: the timed region only, or the whole program. */
	const char *args[CG_ARGS_MAX];
	char buf[200];
	int n = callgrind_args(false, "/tmp/d/callgrind.out.%p", buf, sizeof(buf), args, CG_ARGS_MAX);
	int toggle = 0, atstart_no = 0, sim = 0, out = 0, children = 0;
	for (int i = 0; i < n; i++) {
		toggle += strcmp(args[i], "--toggle-collect=timed_region*") == 0;
		atstart_no += strcmp(args[i], "--collect-atstart=no") == 0;
		sim += strcmp(args[i], "--cache-sim=yes") == 0;
		out += strcmp(args[i], "--callgrind-out-file=/tmp/d/callgrind.out.%p") == 0;
		children += strcmp(args[i], "--trace-children=yes") == 0;
	}
	CHECK("workloads: only timed_region* is collected", toggle == 1 && atstart_no == 1);
	CHECK("cache simulation on, output file set", sim == 1 && out == 1 && strcmp(args[0], "--tool=callgrind") == 0);
	CHECK("workloads: children not traced", children == 0);
	n = callgrind_args(true, "/tmp/d/x", buf, sizeof(buf), args, CG_ARGS_MAX);
	toggle = children = 0;
	for (int i = 0; i < n; i++) {
		toggle += strncmp(args[i], "--toggle-collect", 16) == 0;
		children += strcmp(args[i], "--trace-children=yes") == 0;
	}
	CHECK("--cmd: the whole program, children included", toggle == 0 && children == 1);
	return check_summary();
}
