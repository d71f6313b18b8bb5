/* options.c - the command-line options shared by run, ab, analyze and
 * suite (see options.h): one table, from which getopt_long's option array
 * and the usage text are both generated.  Every error is one line naming
 * the option and what it accepts. */
#include "options.h"
#include "workloads.h"
#include "allocators.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
	O_ALLOC = 1000, O_RUNS, O_WARMUP, O_THREADS, O_ENV, O_CMD, O_COUNTERS, O_ENGINE, O_TLB, O_PROBES,
	O_REQUIRE_PROBES, O_SAMPLE_MS, O_ALLOC_STATS, O_FLOOR, O_CGROUP, O_TIMEOUT, O_SEED, O_SHUFFLE, O_OUT, O_JSON, O_QUIET,
	O_IGNORE_FAILURE,
	/* hyperfine's options (one block, in shared_rows' order) */
	O_EXPORT_JSON, O_EXPORT_CSV, O_EXPORT_MARKDOWN, O_PARAM_LIST, O_PARAM_SCAN, O_PARAM_STEP,
	O_SETUP, O_PREPARE, O_SHOW_OUTPUT,
	O_EXTRA = 2000,          /* + index in the command's own table */
};

/* The probe groups, from the list probes/meson.build generates (the
 * probes collector validates --probes itself). */
#define PROBE(name) " " #name
static const char probe_groups[] =
#include "probes_list.h"
	;

/* The shared options, in the order usage lists them. */
static const struct opt_row shared_rows[] = {
	{ "alloc", 0, required_argument, "=LIST", "allocators to compare (the first is the baseline of the ratios)" },
	{ "runs", 0, required_argument, " N", "counted runs per variant (default 5; suite: 3)" },
	{ "warmup", 0, required_argument, " N", "uncounted warm-up runs per variant (default 1)" },
	{ "threads", 0, required_argument, " N[,N...]", "thread counts for multi-threaded workloads (a sweep)" },
	{ "env", 0, required_argument, " NAME=VALUE", "set an environment variable or an allocator knob in every run" },
	{ "cmd", 0, required_argument, " 'COMMAND'", "measure any program instead of a workload (run by /bin/sh -c)" },
	{ "counters", 0, optional_argument, "[=LIST]", "perf counters by libpfm4/perf name (bare: the default set)" },
	{ "engine", 0, required_argument, "=E", "native (default), cachegrind (simulated, deterministic counts)\n"
	  "or tlb (simulated data TLB misses per region: build/tlb/hakmem-tlb)" },
	{ "tlb", 0, required_argument, "=MODEL", "--engine=tlb's TLB: zen4 (default), goldencove or custom:..." },
	{ "probes", 0, optional_argument, "[=LIST]", "eBPF probe groups: all, none, or a comma list of"
#include "probes_list.h"
	},
	{ "require-probes", 0, no_argument, "", "fail instead of running without a probe group that cannot load" },
	{ "sample-ms", 0, required_argument, " N", "sample RSS every N ms while the workload runs" },
	{ "alloc-stats", 0, no_argument, "", "attach the allocator's own statistics to each record (allocators\n"
	  "whose registry row has a stats interface; slows the allocator:\nuse such runs for the counts, not the speed)" },
	{ "floor", 0, no_argument, "", "add the floor allocator as a variant (unless --alloc names it); run\n"
	  "and ab then show ns/op and alloc ns/op = ns/op - the floor's" },
	{ "cgroup", 0, required_argument, "=auto|off", "per-run cgroup figures where cgroup v2 delegates memory (auto,\n"
	  "the default; records say why not); off: not even the check" },
	{ "timeout", 0, required_argument, " S", "kill a run after S seconds (default 600; 0 = never)" },
	{ "seed", 0, required_argument, " N", "seed of the shuffled round order" },
	{ "shuffle", 0, no_argument, "", "randomise the variant order inside each round (always on in ab, analyze)" },
	{ "out", 0, required_argument, " FILE", "append records to FILE (default results/<time>-<workload>.jsonl)" },
	{ "json", 0, no_argument, "", "print the summary as JSON on stdout" },
	{ "quiet", 'q', no_argument, "", "no progress line" },
	/* failures (issue 11 item 6) */
	{ "ignore-failure", 'i', no_argument, "", "keep going when a run fails in the first round (by default\n"
	  "such a failure stops the invocation: it would repeat in every run)" },
	/* hyperfine's options, as hyperfine names them (one block) */
	{ "export-json", 0, required_argument, " FILE", "(run, ab) write the summary and every run's figures as JSON" },
	{ "export-csv", 0, required_argument, " FILE", "(run, ab) write one CSV row per variant: mean, stddev, median ..." },
	{ "export-markdown", 0, required_argument, " FILE", "(run, ab) write the summary as a Markdown table" },
	{ "parameter-list", 'L', required_argument, " NAME a,b,c", "(run, ab) each value of the workload argument --NAME\n"
	  "(or of {NAME} in --cmd) is its own variant, e.g. -L ws 64,4096" },
	{ "parameter-scan", 0, required_argument, " NAME LO HI", "(run, ab) as -L over the whole numbers LO..HI" },
	{ "parameter-step-size", 'D', required_argument, " STEP", "--parameter-scan's step (default 1)" },
	{ "setup", 0, required_argument, " 'CMD'", "run CMD (/bin/sh -c) once per variant before its first run" },
	{ "prepare", 0, required_argument, " 'CMD'", "run CMD before every run (warm-up too); neither is timed" },
	{ "show-output", 0, no_argument, "", "print each run's stdout and stderr (on stderr) after the run,\n"
	  "and --setup/--prepare's output" },
};
#undef PROBE
#define N_SHARED ((int)(sizeof(shared_rows) / sizeof(shared_rows[0])))

void options_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->runs = 5;
	o->warmup = 1;
	o->timeout_s = 600;
	o->engine = "native";
	o->seed = 1;
}

/* ---------------------------------------------------------------- usage */

static void usage_rows(FILE *out, const struct opt_row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		char left[64], l[80];
		snprintf(left, sizeof(left), "--%s%s", rows[i].name, rows[i].arg);
		if (rows[i].shortname)
			snprintf(l, sizeof(l), "-%c, %s", rows[i].shortname, left);
		else
			snprintf(l, sizeof(l), "%s", left);
		const char *h = rows[i].help;
		bool first = true;
		if (strlen(l) > 19) {   /* a long option: its help starts on the next line */
			fprintf(out, "  %s\n", l);
			first = false;
		}
		for (; *h; first = false) {
			size_t n = strcspn(h, "\n");
			fprintf(out, "  %-19s %.*s\n", first ? l : "", (int)n, h);
			h += n + (h[n] == '\n');
		}
	}
}

void options_usage(FILE *out, const struct opt_extra *extra)
{
	if (extra && extra->n) {
		fprintf(out, "options of this command:\n");
		usage_rows(out, extra->rows, extra->n);
		fprintf(out, "\noptions shared by run, ab, analyze and suite:\n");
	} else {
		fprintf(out, "options:\n");
	}
	usage_rows(out, shared_rows, N_SHARED);
	fprintf(out, "  -h, --help          this text\n");
}

/* ---------------------------------------------------------------- values */

static int bad(const char *sub, const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "harness %s: ", sub);
	fprintf(stderr, fmt, a, b);
	fprintf(stderr, " (see `harness %s --help`)\n", sub);
	return -1;
}

/* A whole number in [min, max]. */
static int parse_int(const char *sub, const char *opt, const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno) {
		fprintf(stderr, "harness %s: %s needs a whole number, got '%s'\n", sub, opt, s ? s : "");
		return -1;
	}
	if (v < min || v > max) {
		fprintf(stderr, "harness %s: %s must be between %ld and %ld, got %ld\n", sub, opt, min, max, v);
		return -1;
	}
	*out = v;
	return 0;
}

/* Split a comma list in place into list[]; empty items are an error. */
static int split_list(const char *sub, const char *opt, char *s, const char **list, int *n)
{
	if (!*s)
		return bad(sub, "%s needs a comma-separated list%s", opt, "");
	for (char *tok = s;;) {
		char *comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		if (!*tok)
			return bad(sub, "%s has an empty item in its list%s", opt, "");
		if (*n >= OPT_MAX_LIST)
			return bad(sub, "%s lists too many items (at most 32)%s", opt, "");
		list[(*n)++] = tok;
		if (!comma)
			return 0;
		tok = comma + 1;
	}
}

static int set_threads(struct run_opts *o, const char *sub, char *v)
{
	const char *items[OPT_MAX_LIST];
	int n = 0;
	long num;
	if (split_list(sub, "--threads", v, items, &n) < 0)
		return -1;
	o->n_threads = 0;
	for (int k = 0; k < n; k++) {
		if (parse_int(sub, "--threads", items[k], 1, 1024, &num) < 0)
			return -1;
		for (int j = 0; j < o->n_threads; j++)
			if (o->threads[j] == (int)num)   /* "2,02" too: the numbers, not the words */
				return bad(sub, "--threads lists %s twice: give each thread count once%s", items[k], "");
		o->threads[o->n_threads++] = (int)num;
	}
	return 0;
}

/* Options whose value is a number. */
static int set_number(struct run_opts *o, const char *sub, int key, const char *v)
{
	static const struct { int key; const char *name; long min, max; } lim[] = {
		{ O_RUNS, "--runs", 1, 100000 }, { O_WARMUP, "--warmup", 0, 1000 },
		{ O_TIMEOUT, "--timeout", 0, 86400 }, { O_SAMPLE_MS, "--sample-ms", 0, 60000 },
		{ O_SEED, "--seed", 0, 0x7fffffff },
	};
	long num;
	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
		if (lim[i].key != key)
			continue;
		if (parse_int(sub, lim[i].name, v, lim[i].min, lim[i].max, &num) < 0)
			return -1;
		switch (key) {
		case O_RUNS: o->runs = (int)num; break;
		case O_WARMUP: o->warmup = (int)num; break;
		case O_TIMEOUT: o->timeout_s = (double)num; break;
		case O_SAMPLE_MS: o->sample_ms = (int)num; break;
		default: o->seed = (unsigned)num; break;
		}
		return 0;
	}
	return 1;       /* not a number option */
}

/* An export file: checked before anything runs (its directory must be
 * writable, the name must not be a directory), written after the runs. */
static int set_export(const char *sub, const char *opt, const char *v, const char **field)
{
	char dir[4096];
	struct stat st;
	if (strcmp(sub, "run") != 0 && strcmp(sub, "ab") != 0)
		return bad(sub, "%s is for run and ab, not %s", opt, sub);
	if (!*v)
		return bad(sub, "%s needs a file name%s", opt, "");
	if (stat(v, &st) == 0 && S_ISDIR(st.st_mode))
		return bad(sub, "%s: '%s' is a directory: give a file name", opt, v);
	snprintf(dir, sizeof(dir), "%s", v);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		slash[slash == dir] = '\0';    /* "/x" -> "/" */
	if (access(dir, W_OK) != 0) {
		fprintf(stderr, "harness %s: %s: cannot write in %s: %s\n", sub, opt, dir, strerror(errno));
		return -1;
	}
	*field = v;
	return 0;
}

/* Options with a text value or none. */
static int set_text(struct run_opts *o, const char *sub, int key, char *v)
{
	switch (key) {
	case O_ALLOC: return split_list(sub, "--alloc", v, o->allocs, &o->n_allocs);
	case O_THREADS: return set_threads(o, sub, v);
	case O_ENV:
		if (!strchr(v, '=') || v[0] == '=')
			return bad(sub, "--env needs NAME=VALUE, got '%s'%s", v, "");
		if (o->n_envs >= OPT_MAX_LIST)
			return bad(sub, "too many --env options (at most 32)%s%s", "", "");
		o->envs[o->n_envs++] = v;
		return 0;
	case O_CMD:
		if (!v[strspn(v, " \t\n")])     /* empty or blank: /bin/sh -c would run nothing and "succeed" */
			return bad(sub, "--cmd needs a command line in quotes, e.g. --cmd 'python3 script.py'%s%s", "", "");
		o->cmd = v;
		return 0;
	case O_COUNTERS:
		if (v && !*v)
			return bad(sub, "--counters= needs a list of event names, e.g. --counters=cycles,page-faults%s%s", "", "");
		o->counters = v ? v : "default";
		return 0;
	case O_PROBES:
		if (v && !*v)
			return bad(sub, "--probes= needs groups: all or a comma list of%s%s", probe_groups, "");
		if (v && (v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,")))
			return bad(sub, "--probes has an empty item in its list '%s'%s", v, "");
		o->probes_off = v && strcmp(v, "none") == 0;    /* analyze turns probes on unless told */
		o->probes = o->probes_off ? NULL : v ? v : "all";
		return 0;
	case O_ENGINE:
		if (strcmp(v, "native") != 0 && strcmp(v, "cachegrind") != 0 && strcmp(v, "tlb") != 0)
			return bad(sub, "--engine must be native, cachegrind or tlb, got '%s'%s", v, "");
		o->engine = v;
		return 0;
	case O_TLB:     /* the model is checked by the tlb collector's setup */
		if (!*v)
			return bad(sub, "--tlb= needs a model: zen4, goldencove or custom:l1=NxW,l2=NxW%s%s", "", "");
		o->tlb_model = v;
		return 0;
	case O_CGROUP:
		if (strcmp(v, "auto") != 0 && strcmp(v, "off") != 0)
			return bad(sub, "--cgroup must be auto or off, got '%s'%s", v, "");
		o->cgroup_off = strcmp(v, "off") == 0;
		return 0;
	case O_OUT:
		if (!*v)
			return bad(sub, "--out needs a file name%s%s", "", "");
		o->out_path = v;
		return 0;
	case O_SETUP:
	case O_PREPARE:
		if (!v[strspn(v, " \t\n")])
			return bad(sub, "%s needs a command line in quotes, e.g. %s 'sync'", key == O_SETUP ? "--setup" : "--prepare",
				   key == O_SETUP ? "--setup" : "--prepare");
		*(key == O_SETUP ? &o->setup_cmd : &o->prepare_cmd) = v;
		return 0;
	case O_EXPORT_JSON: return set_export(sub, "--export-json", v, &o->export_json);
	case O_EXPORT_CSV: return set_export(sub, "--export-csv", v, &o->export_csv);
	case O_EXPORT_MARKDOWN: return set_export(sub, "--export-markdown", v, &o->export_markdown);
	}
	return 1;
}

static int set_flag(struct run_opts *o, int key)
{
	switch (key) {
	case O_REQUIRE_PROBES: o->require_probes = true; return 0;
	case O_ALLOC_STATS: o->alloc_stats = true; return 0;
	case O_FLOOR: o->floor = true; return 0;
	case O_SHUFFLE: o->shuffle = true; return 0;
	case O_JSON: o->json = true; return 0;
	case O_QUIET: o->quiet = true; return 0;
	case O_IGNORE_FAILURE: o->ignore_failure = true; return 0;
	case O_SHOW_OUTPUT: o->show_output = true; return 0;
	}
	return 1;
}

/* ------------------------------------------------- -L / --parameter-scan */

/* The word after the option's own value (-L NAME VALUES: VALUES), taken
 * from argv by hand: getopt_long knows one value per option. */
static const char *next_word(char **argv, int end)
{
	if (optind >= end || (argv[optind][0] == '-' && argv[optind][1] && !(argv[optind][1] >= '0' && argv[optind][1] <= '9')))
		return NULL;
	return argv[optind++];
}

static int set_parameter(struct run_opts *o, const char *sub, int key, const char *name, char **argv, int end)
{
	if (strcmp(sub, "run") != 0 && strcmp(sub, "ab") != 0)
		return bad(sub, "-L/--parameter-scan/-D are for run and ab, not %s%s", sub, "");
	if (key == O_PARAM_STEP) {
		long step;
		if (parse_int(sub, "-D/--parameter-step-size", name, 1, 1000000000, &step) < 0)
			return -1;
		o->scan_step = step;
		return 0;
	}
	const char *opt = key == O_PARAM_LIST ? "-L/--parameter-list" : "--parameter-scan";
	if (o->param_name)
		return bad(sub, "%s: one parameter per invocation (already varying '%s')", opt, o->param_name);
	if (!name[0] || name[0] == '-' || name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")])
		return bad(sub, "%s needs a NAME of letters, digits, '_' or '-' first, got '%s'", opt, name);
	o->param_name = name;
	if (key == O_PARAM_LIST) {
		char *values = (char *)next_word(argv, end);
		if (!values)
			return bad(sub, "-L %s needs its values after the name: -L %s a,b,c", name, name);
		if (split_list(sub, "-L", values, o->param_values, &o->n_param_values) < 0)
			return -1;
		for (int i = 0; i < o->n_param_values; i++)
			for (int j = 0; j < i; j++)
				if (strcmp(o->param_values[i], o->param_values[j]) == 0)
					return bad(sub, "-L lists the value '%s' twice%s", o->param_values[i], "");
		return 0;
	}
	const char *lo = next_word(argv, end), *hi = lo ? next_word(argv, end) : NULL;
	if (!lo || !hi)
		return bad(sub, "--parameter-scan %s needs LO and HI: --parameter-scan %s 1 8", name, name);
	if (parse_int(sub, "--parameter-scan LO", lo, -1000000000, 1000000000, &o->scan_lo) < 0 ||
	    parse_int(sub, "--parameter-scan HI", hi, -1000000000, 1000000000, &o->scan_hi) < 0)
		return -1;
	if (o->scan_hi < o->scan_lo)
		return bad(sub, "--parameter-scan: HI (%s) is below LO (%s)", hi, lo);
	o->scan = true;
	return 0;
}

/* --parameter-scan's values, once -D (which may come after it) is known. */
static int expand_scan(struct run_opts *o, const char *sub)
{
	if (!o->scan) {
		if (o->scan_step)
			return bad(sub, "-D/--parameter-step-size goes with --parameter-scan%s%s", "", "");
		return 0;
	}
	long step = o->scan_step ? o->scan_step : 1;
	if ((o->scan_hi - o->scan_lo) / step + 1 > OPT_MAX_LIST)
		return bad(sub, "--parameter-scan gives more than 32 values: use a larger step (-D)%s%s", "", "");
	o->n_param_values = 0;
	for (long x = o->scan_lo; x <= o->scan_hi; x += step) {
		snprintf(o->param_buf[o->n_param_values], sizeof(o->param_buf[0]), "%ld", x);
		o->param_values[o->n_param_values] = o->param_buf[o->n_param_values];
		o->n_param_values++;
	}
	return 0;
}

/* ---------------------------------------------------------------- parsing */

/* getopt_long's table: the shared rows (keys O_ALLOC...) then the
 * command's own (keys O_EXTRA + index), then --help. */
static struct option *long_options(const struct opt_extra *extra, char *shorts, size_t slen)
{
	int ne = extra ? extra->n : 0, k = 0;
	struct option *lo = calloc((size_t)(N_SHARED + ne + 2), sizeof(*lo));
	snprintf(shorts, slen, ":hqiL:D:");   /* no "+": options may follow the workload name */
	if (!lo)
		return NULL;
	for (int i = 0; i < N_SHARED; i++)
		lo[k++] = (struct option){ shared_rows[i].name, shared_rows[i].has_arg, NULL, O_ALLOC + i };
	for (int i = 0; i < ne; i++) {
		lo[k++] = (struct option){ extra->rows[i].name, extra->rows[i].has_arg, NULL, O_EXTRA + i };
		char sh = extra->rows[i].shortname;     /* a command's -x: the letter, ':' for a value */
		size_t used = strlen(shorts);
		if (sh && used + 3 < slen)
			snprintf(shorts + used, slen - used, "%c%s", sh, extra->rows[i].has_arg == required_argument ? ":" : "");
	}
	lo[k++] = (struct option){ "help", no_argument, NULL, 'h' };
	return lo;
}

/* One option getopt_long returned: 1 for --help, -1 after an error line. */
static int handle(struct run_opts *o, const char *sub, const struct opt_extra *extra, int key,
		  const char *bad_arg, char **argv, int end)
{
	if (key == 'h')
		return 1;
	if (key == 'q')
		key = O_QUIET;
	if (key == 'i')
		key = O_IGNORE_FAILURE;
	if (key == 'L' || key == 'D')
		key = key == 'L' ? O_PARAM_LIST : O_PARAM_STEP;
	if (key == O_PARAM_LIST || key == O_PARAM_SCAN || key == O_PARAM_STEP)
		return set_parameter(o, sub, key, optarg, argv, end);
	for (int i = 0; extra && key > 0 && key < O_ALLOC && key != '?' && key != ':' && i < extra->n; i++)
		if (extra->rows[i].shortname == key)
			key = O_EXTRA + i;      /* a command's short option: as its long form */
	if (key == '?' || key == ':') {
		if (key == '?' && optopt && optopt < O_ALLOC)
			return bad(sub, "unknown option '-%s'%s", (char[]){ (char)optopt, 0 }, "");
		if (key == ':' || (optopt >= O_ALLOC))
			return bad(sub, "%s needs a value%s", bad_arg, "");
		return bad(sub, "unknown option '%s'%s", bad_arg, "");
	}
	if (key >= O_EXTRA)
		return extra->handle(extra->ctx, key - O_EXTRA, optarg) < 0 ? -1 : 0;
	int rc = set_number(o, sub, key, optarg);
	if (rc > 0)
		rc = set_text(o, sub, key, optarg);
	if (rc > 0)
		rc = set_flag(o, key);
	return rc;
}

/* --floor: the floor joins the allocators of --alloc, unless named there. */
static int add_floor(struct run_opts *o, const char *sub)
{
	const struct allocator_row *f = allocator_loop_floor();
	if (!f)
		return bad(sub, "--floor: this build has no floor allocator%s%s", "", "");
	/* suite ranks against the best and analyze gives peers verdicts: the
	 * floor would be "the best allocator" there, which it is not. */
	if (strcmp(sub, "run") != 0 && strcmp(sub, "ab") != 0)
		return bad(sub, "--floor is for run and ab (alloc ns/op), not %s%s", sub, "");
	if (o->n_allocs == 0)
		return bad(sub, "--floor needs --alloc=A[,B...]: the floor joins those allocators%s%s", "", "");
	for (int i = 0; i < o->n_allocs; i++)
		if (strcmp(o->allocs[i], f->name) == 0)
			return 0;
	if (o->n_allocs >= OPT_MAX_LIST)
		return bad(sub, "--alloc lists too many items (at most 32)%s%s", "", "");
	o->allocs[o->n_allocs++] = f->name;
	return 0;
}

/* The index of "--" (the workload's arguments follow), or argc. */
static int find_dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

/* A word right after an option whose value is optional (--counters
 * cycles): getopt takes the option bare and the word as a positional.
 * Remembered (by pointer: getopt permutes argv) so that, when the word is
 * not a workload, the error says how to give the value. */
struct stray_word {
	const char *word;
	const char *option;
};
#define MAX_STRAY 8

static void note_stray(struct stray_word *st, int *n, int key, const struct opt_extra *extra,
		       char **argv, int end)
{
	const struct opt_row *row = key >= O_EXTRA ? &extra->rows[key - O_EXTRA]
				  : key >= O_ALLOC && key < O_ALLOC + N_SHARED ? &shared_rows[key - O_ALLOC] : NULL;
	/* argv[optind] is still the word that followed the option: getopt
	 * only moves the words it has already passed */
	if (row && row->has_arg == optional_argument && !optarg && optind < end && argv[optind][0] != '-' &&
	    *n < MAX_STRAY)
		st[(*n)++] = (struct stray_word){ argv[optind], row->name };
}

static int check_stray(const char *sub, const char *word, const struct stray_word *st, int n)
{
	for (int k = 0; k < n; k++)
		if (st[k].word == word && !workload_find(word)) {
			fprintf(stderr, "harness %s: '%s' after --%s: its value follows '=' (--%s=%s); bare --%s "
				"takes the default (see `harness %s --help`)\n", sub, word, st[k].option,
				st[k].option, word, st[k].option, sub);
			return -1;
		}
	return 0;
}

int options_parse(struct run_opts *o, int argc, char **argv, const char *sub, const struct opt_extra *extra,
		  const char **positional, int max_pos, int *n_pos)
{
	char shorts[16];
	int end = find_dashdash(argc, argv), rc = 0, n_stray = 0;
	struct stray_word stray[MAX_STRAY];
	struct option *lo = long_options(extra, shorts, sizeof(shorts));
	if (!lo)
		return bad(sub, "out of memory%s%s", "", "");
	*n_pos = 0;
	optind = 0;         /* a fresh scan (several commands parse in one process: tests) */
	opterr = 0;
	for (int key; rc == 0 && (key = getopt_long(end, argv, shorts, lo, NULL)) != -1;) {
		rc = handle(o, sub, extra, key, argv[optind - 1], argv, end);
		note_stray(stray, &n_stray, key, extra, argv, end);
	}
	free(lo);
	if (rc == 0 && o->floor)
		rc = add_floor(o, sub);
	if (rc == 0)
		rc = expand_scan(o, sub);
	if (rc != 0)
		return rc;
	for (int i = optind; i < end; i++) {
		if (check_stray(sub, argv[i], stray, n_stray) < 0)
			return -1;
		if (*n_pos >= max_pos)
			return bad(sub, "unexpected argument '%s'%s", argv[i], "");
		positional[(*n_pos)++] = argv[i];
	}
	if (end < argc) {
		o->workload_args = &argv[end + 1];
		o->n_workload_args = argc - end - 1;
	}
	return 0;
}

const char *options_target(const struct run_opts *o, const char *sub, const char **pos, int n_pos)
{
	if (o->cmd && n_pos) {
		fprintf(stderr, "harness %s: give a workload or --cmd, not both (got '%s' and --cmd)\n", sub, pos[0]);
		return NULL;
	}
	if (!o->cmd && !n_pos) {
		fprintf(stderr, "harness %s: name a workload (see `harness list`) or use --cmd 'COMMAND'\n", sub);
		return NULL;
	}
	if (!o->cmd && !workload_find(pos[0])) {
		fprintf(stderr, "harness %s: unknown workload '%s' (see `harness list`)\n", sub, pos[0]);
		return NULL;
	}
	if (o->cmd && o->param_name) {
		char key[80];
		snprintf(key, sizeof(key), "{%s}", o->param_name);
		if (!strstr(o->cmd, key)) {
			fprintf(stderr, "harness %s: with --cmd, -L/--parameter-scan %s puts its values where the command "
				"says %s; this command has no %s\n", sub, o->param_name, key, key);
			return NULL;
		}
	}
	if (o->cmd && o->n_workload_args) {
		fprintf(stderr, "harness %s: arguments after -- go to a workload; with --cmd put them in the command\n", sub);
		return NULL;
	}
	return o->cmd ? "cmd" : pos[0];
}
