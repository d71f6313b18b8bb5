/* options.c - the command-line options shared by run, ab, analyze and
 * suite (see options.h).  Every error is one line naming the option and
 * what it accepts. */
#include "options.h"
#include "workloads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void options_init(struct run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->runs = 5;
	o->warmup = 1;
	o->timeout_s = 600;
	o->engine = "native";
	o->seed = 1;
}

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

/* "--name=value" or "--name value": returns the value or NULL. */
static const char *value_of(int argc, char **argv, int *i, const char *name, bool *matched)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	*matched = false;
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=') {
		*matched = true;
		return a + n + 1;
	}
	if (a[n] != '\0')
		return NULL;
	*matched = true;
	return *i + 1 < argc ? argv[++*i] : NULL;
}

int options_parse(struct run_opts *o, int argc, char **argv, const char *sub,
		  const char **positional, int max_pos, int *n_pos)
{
	*n_pos = 0;
	for (int i = 1; i < argc; i++) {
		char *a = argv[i];
		const char *v;
		bool m;
		long num;

		if (strcmp(a, "--") == 0) {
			o->workload_args = &argv[i + 1];
			o->n_workload_args = argc - i - 1;
			return 0;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			return 1;
		if (a[0] != '-') {
			if (*n_pos >= max_pos)
				return bad(sub, "unexpected argument '%s'%s", a, "");
			positional[(*n_pos)++] = a;
			continue;
		}
		/* Flags without a value. */
		if (strcmp(a, "--json") == 0) { o->json = true; continue; }
		if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) { o->quiet = true; continue; }
		if (strcmp(a, "--require-probes") == 0) { o->require_probes = true; continue; }
		if (strcmp(a, "--alloc-stats") == 0) { o->alloc_stats = true; continue; }
		if (strcmp(a, "--shuffle") == 0) { o->shuffle = true; continue; }
		/* Optional value, only in the --name=value form (a bare word after
		 * them would be ambiguous with the workload name). */
		if (strcmp(a, "--counters") == 0) { o->counters = "default"; continue; }
		if (strncmp(a, "--counters=", 11) == 0) {
			o->counters = a + 11;
			if (!*o->counters)
				return bad(sub, "--counters= needs a list of event names, e.g. --counters=cycles,page-faults%s%s", "", "");
			continue;
		}
		if (strcmp(a, "--probes") == 0) { o->probes = "all"; continue; }
		if (strncmp(a, "--probes=", 9) == 0) {
			o->probes = a + 9;
			if (!*o->probes)
				return bad(sub, "--probes= needs groups: all or faults,tlb,zero,thp,vm%s%s", "", "");
			continue;
		}
		/* Options with a value. */
		if ((v = value_of(argc, argv, &i, "--alloc", &m)) || m) {
			if (!v)
				return bad(sub, "--alloc needs a list of allocators, e.g. --alloc=glibc,jemalloc%s%s", "", "");
			if (split_list(sub, "--alloc", (char *)v, o->allocs, &o->n_allocs) < 0)
				return -1;
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--runs", &m)) || m) {
			if (parse_int(sub, "--runs", v, 1, 100000, &num) < 0)
				return -1;
			o->runs = (int)num;
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--warmup", &m)) || m) {
			if (parse_int(sub, "--warmup", v, 0, 1000, &num) < 0)
				return -1;
			o->warmup = (int)num;
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--timeout", &m)) || m) {
			if (parse_int(sub, "--timeout", v, 0, 86400, &num) < 0)
				return -1;
			o->timeout_s = (double)num;
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--sample-ms", &m)) || m) {
			if (parse_int(sub, "--sample-ms", v, 0, 60000, &num) < 0)
				return -1;
			o->sample_ms = (int)num;
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--seed", &m)) || m) {
			if (parse_int(sub, "--seed", v, 0, 0x7fffffff, &num) < 0)
				return -1;
			o->seed = (unsigned)num;
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--threads", &m)) || m) {
			const char *items[OPT_MAX_LIST];
			int n = 0;
			if (!v)
				return bad(sub, "--threads needs a number or a list, e.g. --threads 1,2,4%s%s", "", "");
			if (split_list(sub, "--threads", (char *)v, items, &n) < 0)
				return -1;
			o->n_threads = 0;
			for (int k = 0; k < n; k++) {
				if (parse_int(sub, "--threads", items[k], 1, 1024, &num) < 0)
					return -1;
				o->threads[o->n_threads++] = (int)num;
			}
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--env", &m)) || m) {
			if (!v || !strchr(v, '=') || v[0] == '=')
				return bad(sub, "--env needs NAME=VALUE, got '%s'%s", v ? v : "", "");
			if (o->n_envs >= OPT_MAX_LIST)
				return bad(sub, "too many --env options (at most 32)%s%s", "", "");
			o->envs[o->n_envs++] = v;
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--engine", &m)) || m) {
			if (!v || (strcmp(v, "native") != 0 && strcmp(v, "cachegrind") != 0))
				return bad(sub, "--engine must be native or cachegrind, got '%s'%s", v ? v : "", "");
			o->engine = v;
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--out", &m)) || m) {
			if (!v || !*v)
				return bad(sub, "--out needs a file name%s%s", "", "");
			o->out_path = v;
			continue;
		}
		if ((v = value_of(argc, argv, &i, "--cmd", &m)) || m) {
			if (!v || !*v)
				return bad(sub, "--cmd needs a command line in quotes, e.g. --cmd 'python3 script.py'%s%s", "", "");
			o->cmd = v;
			continue;
		}
		return bad(sub, "unknown option '%s'%s", a, "");
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
	if (o->cmd && o->n_workload_args) {
		fprintf(stderr, "harness %s: arguments after -- go to a workload; with --cmd put them in the command\n", sub);
		return NULL;
	}
	return o->cmd ? "cmd" : pos[0];
}
