/* counters_callgrind.c - see counters_callgrind.h.
 *
 * Why callgrind and not cachegrind: the figure we want is the cost of the
 * workload's timed part, not of process start-up, ld.so and the workload's
 * set-up.  Valgrind 3.19's cachegrind can only count the whole program (no
 * client requests to start/stop, no --toggle-collect; those came in 3.22).
 * Callgrind runs the same cache simulator (--cache-sim=yes gives the same
 * Ir/Dr/Dw and I1/D1/LL miss events) and can limit collection to a function
 * and everything it calls: --collect-atstart=no --toggle-collect=timed_region*
 * (workloads/common.h puts the timed part in functions named timed_region*).
 * For --cmd runs there is no such function: the whole program is counted.
 *
 * The cache geometry is fixed instead of auto-detected: valgrind reads it
 * from CPUID, which in a VM can be nonsense (here it reported a 256 MiB
 * direct-mapped LL), and a fixed geometry keeps figures comparable between
 * machines.  It is a typical recent x86 core: 32 KiB 8-way L1s, a 32 MiB
 * 16-way last level, 64 B lines.
 */
#include "counters_callgrind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const cache_opts[] = {
	"--I1=32768,8,64", "--D1=32768,8,64", "--LL=33554432,16,64",
};

int callgrind_args(bool whole_program, const char *out_pattern, char *buf, size_t buflen,
		   const char **args, int max)
{
	int n = 0;
#define ADD(s) do { if (n < max) args[n++] = (s); } while (0)
	ADD("--tool=callgrind");
	ADD("--cache-sim=yes");
	for (size_t i = 0; i < sizeof(cache_opts) / sizeof(cache_opts[0]); i++)
		ADD(cache_opts[i]);
	if (whole_program) {
		ADD("--collect-atstart=yes");
		ADD("--trace-children=yes");   /* /bin/sh -c and what it starts */
	} else {
		ADD("--collect-atstart=no");
		ADD("--toggle-collect=timed_region*");
	}
	snprintf(buf, buflen, "--callgrind-out-file=%s", out_pattern);
	ADD(buf);
#undef ADD
	return n;
}

static char *line_value(char *line, const char *key)
{
	size_t k = strlen(key);
	return strncmp(line, key, k) == 0 ? line + k : NULL;
}

int callgrind_parse(const char *text, struct callgrind_totals *t, char *err, size_t errlen)
{
	char *copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char names[CG_EVENTS_MAX][12];
	int n = -1, have_totals = 0;
	unsigned long long totals[CG_EVENTS_MAX] = { 0 }, summary[CG_EVENTS_MAX] = { 0 };
	int have_summary = 0, rc = 0;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *v;
		if ((v = line_value(line, "events:"))) {
			n = 0;
			char *s2 = NULL;
			for (char *w = strtok_r(v, " \t", &s2); w && n < CG_EVENTS_MAX; w = strtok_r(NULL, " \t", &s2))
				snprintf(names[n++], sizeof(names[0]), "%s", w);
		} else if ((v = line_value(line, "totals:")) || (v = line_value(line, "summary:"))) {
			unsigned long long *dst = line[0] == 't' ? totals : summary;
			*(line[0] == 't' ? &have_totals : &have_summary) = 1;
			char *end;
			for (int i = 0; i < CG_EVENTS_MAX; i++, v = end) {
				dst[i] = strtoull(v, &end, 10);
				if (end == v)
					break;
			}
		} else if ((v = line_value(line, "desc: "))) {
			for (int c = 0; c < 3; c++) {
				static const char *const which[] = { "I1 cache:", "D1 cache:", "LL cache:" };
				if (strncmp(v, which[c], strlen(which[c])) == 0)
					snprintf(t->cache[c], sizeof(t->cache[c]), "%s", v);
			}
		}
	}
	free(copy);
	if (n <= 0 || (!have_totals && !have_summary)) {
		snprintf(err, errlen, "not a callgrind output file (no events:/totals: line)");
		return -1;
	}
	if (t->files > 0) {
		int same = t->n == n;
		for (int i = 0; same && i < n; i++)
			same = strcmp(t->name[i], names[i]) == 0;
		if (!same) {
			snprintf(err, errlen, "callgrind output files with different event lists cannot be summed");
			return -1;
		}
	} else {
		t->n = n;
		memcpy(t->name, names, sizeof(names));
	}
	for (int i = 0; i < n; i++)
		t->v[i] += have_totals ? totals[i] : summary[i];
	t->files++;
	return rc;
}

unsigned long long callgrind_get(const struct callgrind_totals *t, const char *event, bool *found)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->name[i], event) == 0) {
			*found = true;
			return t->v[i];
		}
	*found = false;
	return 0;
}
