/* run.c - `harness run WORKLOAD --alloc=A[,B...]`: the main job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "counters_stat.h"
#include "engine.h"
#include "json.h"
#include "summary.h"

/* Appending to a file that already holds another workload's records is
 * allowed (a suite does it on purpose), but said: a reader of the file must
 * know that it mixes workloads.  Reads only the existing file, before any
 * run. */
static void warn_other_workloads(const char *path, const char *workload)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return;
	char others[3][64];
	int n = 0;
	char *line = NULL;
	size_t cap = 0;
	while (n < 3 && getline(&line, &cap, f) > 0) {
		char err[64];
		struct jv *rec = jv_parse(line, err, sizeof(err));
		const char *w = rec ? jv_str(rec, "workload") : NULL;
		int seen = !w || strcmp(w, workload) == 0;
		for (int i = 0; !seen && i < n; i++)
			seen = strcmp(others[i], w) == 0;
		if (!seen)
			snprintf(others[n++], sizeof(others[0]), "%s", w);
		jv_free(rec);
	}
	free(line);
	fclose(f);
	if (n > 0)
		fprintf(stderr, "harness run: warning: %s already holds records of %s%s%s%s%s; `harness report` "
			"gives each workload its own section\n", path, others[0], n > 1 ? ", " : "",
			n > 1 ? others[1] : "", n > 2 ? ", " : "", n > 2 ? others[2] : "");
}

/* run's own options: -x SEP, perf stat's CSV of the counters. */
static const struct opt_row run_rows[] = {
	{ "field-separator", 'x', required_argument, " SEP",
	  "\nwith --counters: the counters as CSV in perf stat -x SEP's field\n"
	  "order on stdout, led by the variant; the table goes to stderr" },
};

static int run_option(void *ctx, int index, const char *value)
{
	(void)index;
	if (!value || !*value) {
		fprintf(stderr, "harness run: -x needs a separator, e.g. -x , or -x ';'\n");
		return -1;
	}
	*(const char **)ctx = value;
	return 0;
}

static void usage(FILE *out, const struct opt_extra *extra)
{
	fprintf(out,
		"usage: harness run WORKLOAD --alloc=A[,B...] [options] [-- WORKLOAD_ARGS...]\n"
		"       harness run --cmd 'COMMAND ...' --alloc=A[,B...] [options]\n\n"
		"Runs the workload under each allocator, interleaved (A B A B ...), --warmup\n"
		"uncounted rounds then --runs counted ones; prints the median ops/s with its\n"
		"range and the ratio to the first allocator; appends one JSON record per\n"
		"counted run to the results file.\n\n");
	fprintf(out, "allocators: %s, or NAME=/path/lib.so\n\n", allocator_names_text());
	options_usage(out, extra);
	fprintf(out,
		"\nEXAMPLES\n"
		"  ./harness run random_mixed --alloc=hakmem\n"
		"  ./harness run random_mixed --alloc=glibc,jemalloc,mimalloc,tcmalloc --runs 5\n"
		"  ./harness run tiny_hot --alloc=hakmem,mimalloc -- --iterations 1000000\n"
		"  ./harness run random_mixed --alloc=hakmem --env HAKMEM_THP=1 --json\n"
		"  ./harness run --cmd 'python3 -c \"print(sum(range(10**7)))\"' --alloc=glibc,hakmem\n"
		"  ./harness run random_mixed --alloc=mine=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2,mimalloc\n"
		"  ./harness run random_mixed --alloc=hakmem,glibc --runs 3 --counters=task-clock,page-faults,cycles\n"
		"  ./harness run random_mixed --alloc=hakmem --runs 3 --counters -x ,\n"
		"  ./harness run random_mixed --alloc=glibc,hakmem --export-json /tmp/r.json --export-markdown /tmp/r.md\n"
		"  ./harness run random_mixed --alloc=glibc,hakmem -L ws 64,4096 -- --cycles 1000000\n"
		"  ./harness run --cmd 'sort -n /tmp/nums > /dev/null' --alloc=glibc,hakmem --prepare 'seq 100000 | shuf > /tmp/nums'\n");
}

static int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	const char *pos[1];
	int npos;
	const char *csv_sep = NULL;
	struct opt_extra extra = { run_rows, sizeof(run_rows) / sizeof(run_rows[0]), run_option, &csv_sep };
	options_init(&o);
	int rc = options_parse(&o, argc, argv, "run", &extra, pos, 1, &npos);
	if (rc == 1) {
		usage(stdout, &extra);
		return 0;
	}
	if (rc < 0)
		return 2;
	if (csv_sep && (!o.counters || o.json)) {
		fprintf(stderr, "harness run: -x SEP prints the counters as CSV: add --counters (and drop --json), "
			"e.g. --counters -x ,\n");
		return 2;
	}
	const char *target = options_target(&o, "run", pos, npos);
	if (!target)
		return 2;
	if (o.n_allocs == 0) {
		fprintf(stderr, "harness run: name the allocators with --alloc=A[,B...], e.g. --alloc=hakmem (see `harness list`)\n");
		return 2;
	}

	struct invocation inv;
	memset(&inv, 0, sizeof(inv));
	inv.opts = &o;
	inv.experiment = "run";
	inv.name = target;
	if (variants_from_opts(&o, false, &inv.variants, &inv.n_variants) < 0)
		return 2;
	if (!o.cmd)
		warn_other_workloads(o.out_path, target);
	rc = engine_run(&inv);
	if (rc >= 0 && !inv.stopped) {     /* stopped: the engine said why */
		if (o.json) {
			summary_json(&inv, stdout);
		} else if (csv_sep) {     /* stdout: only the CSV, as perf stat -x writes it */
			summary_print(&inv, stderr);
			counters_stat_print(&inv, csv_sep, stdout);
		} else {
			summary_print(&inv, stdout);
		}
		if (summary_export(&inv) < 0)
			rc = -1;
	}
	invocation_free(&inv);
	variants_free(inv.variants, inv.n_variants);
	return rc < 0 ? 2 : rc;
}

const struct command command_run = {
	"run", cmd_run,
	"run a workload under one or more allocators, interleaved; table + JSONL records",
};
