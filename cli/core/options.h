/* options.h - what the command line asked for, shared by run, ab, analyze
 * and suite.  Parsed once by options_parse() with getopt_long from one
 * option table, which also generates the usage text; a command adds its
 * own options as a second table (struct opt_extra).  Each module validates
 * the fields it owns (counters, probes, sampler) in its collector's
 * setup(). */
#ifndef HARNESS_OPTIONS_H
#define HARNESS_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include <getopt.h>

#define OPT_MAX_LIST 32

struct run_opts {
	/* what to run */
	const char *workload;          /* registry name; NULL with --cmd */
	const char *cmd;               /* --cmd 'COMMAND ...' (run with /bin/sh -c) */
	char **workload_args;          /* after "--" */
	int n_workload_args;
	const char *allocs[OPT_MAX_LIST];   /* --alloc=A,B,...: names or NAME=/path.so */
	int n_allocs;
	const char *envs[OPT_MAX_LIST];     /* --env NAME=VALUE, applied to every variant */
	int n_envs;
	int threads[OPT_MAX_LIST];          /* --threads 1,2,4; empty = workload default */
	int n_threads;

	/* how */
	int runs;                      /* counted runs per variant (default 5) */
	int warmup;                    /* warm-up runs per variant, not recorded (default 1) */
	double timeout_s;              /* per run; 0 = none (default 600) */
	bool shuffle;                  /* randomise variant order inside each round (ab) */
	unsigned seed;                 /* for shuffle */
	bool ignore_failure;           /* -i: a failure in the first round does not stop the invocation */

	/* what to measure */
	const char *counters;          /* --counters[=LIST]; NULL = off; "default" */
	const char *engine;            /* --engine=native|cachegrind|tlb */
	const char *tlb_model;         /* --tlb=MODEL (--engine=tlb); NULL = zen4 */
	const char *probes;            /* --probes=LIST|all; NULL = off */
	bool probes_off;               /* --probes=none: off even where a command turns them on (analyze) */
	bool require_probes;
	int sample_ms;                 /* --sample-ms: RSS sampler period; 0 = off */
	bool alloc_stats;              /* --alloc-stats: attach the allocator's own JSON stats */
	bool floor;                    /* --floor: the floor allocator joins the variants (alloc ns/op) */
	bool cgroup_off;               /* --cgroup=off: no per-run cgroup source, not even its detection */

	/* output */
	const char *out_path;          /* --out FILE; default results/<stamp>-<name>.jsonl */
	bool json;                     /* --json: summary as JSON on stdout */
	bool quiet;                    /* no progress line */

	/* hyperfine's options */
	const char *export_json;       /* --export-json FILE: summary + every run (run, ab) */
	const char *export_csv;        /* --export-csv FILE: a row per variant */
	const char *export_markdown;   /* --export-markdown FILE: the table in Markdown */
	/* -L NAME a,b,c / --parameter-scan NAME LO HI [-D STEP]: the workload
	 * argument --NAME (or {NAME} in --cmd) takes each value in turn, each
	 * value its own variant (run, ab) */
	const char *param_name;        /* NULL = no parameter */
	const char *param_values[OPT_MAX_LIST];
	int n_param_values;
	char param_buf[OPT_MAX_LIST][24];   /* --parameter-scan's values, as text */
	long scan_lo, scan_hi, scan_step;   /* --parameter-scan (step 1 unless -D) */
	bool scan;
	const char *setup_cmd;         /* --setup CMD: once per variant, before its first run */
	const char *prepare_cmd;       /* --prepare CMD: before every run */
	bool show_output;              /* --show-output: the workload's output shown, not only kept */
};

/* One option of a table: --name (and -shortname), its argument as usage
 * shows it ("=LIST", " N", "[=LIST]" or ""), and its help (lines after the
 * first start with \n). */
struct opt_row {
	const char *name;
	char shortname;
	int has_arg;               /* no_argument, required_argument, optional_argument (getopt.h) */
	const char *arg;
	const char *help;
};

/* A command's own options: handle(ctx, index in rows, value or NULL)
 * returns -1 after printing one error line. */
struct opt_extra {
	const struct opt_row *rows;
	int n;
	int (*handle)(void *ctx, int index, const char *value);
	void *ctx;
};

/* Defaults for every field. */
void options_init(struct run_opts *o);

/* Parse argv[1..] into o (and extra's options, when given).  Positional
 * words go to *positional (at most max_pos); what follows "--" is the
 * workload's.  Returns 1 for --help; on a bad option prints one clear line
 * to stderr and returns -1. */
int options_parse(struct run_opts *o, int argc, char **argv, const char *subcommand,
		  const struct opt_extra *extra, const char **positional, int max_pos, int *n_pos);

/* "options:" and a line per option of the table (and extra's first). */
void options_usage(FILE *out, const struct opt_extra *extra);

/* The thing to run, from the positional words: a registered workload or
 * --cmd.  Returns the workload name ("cmd" for --cmd), or NULL after one
 * clear error line naming the subcommand. */
const char *options_target(const struct run_opts *o, const char *subcommand,
			   const char **positional, int n_pos);

#endif
