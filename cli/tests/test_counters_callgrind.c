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
