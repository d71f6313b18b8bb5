/* reports.h - what ab, analyze and report share: running the Python report
 * scripts (scripts/, Debian's /usr/bin/python3) and HAKMEM's knob table
 * (allocator/knobs.txt: one line per knob, NAME<TAB>default<TAB>accepted
 * values<TAB>description). */
#ifndef HARNESS_REPORTS_H
#define HARNESS_REPORTS_H

#include <stddef.h>
#include <stdio.h>

#define REPORTS_PYTHON "/usr/bin/python3"

/* Run REPORTS_PYTHON <source_dir()>/scripts/<script> args... and wait for
 * it.  Returns its exit status, or -1 (message printed) when it could not
 * be started or was killed. */
int reports_run_script(const char *script, const char *const *args, int nargs);

#define KNOBS_MAX 64

struct knob {
	char name[64];
	char def[64];
	char accepted[256];        /* as written in knobs.txt */
	char desc[256];
};

/* Read <source_dir()>/allocator/knobs.txt.  Returns the number of knobs, or
 * -1 with a message in err when the file cannot be read. */
int knobs_load(struct knob *k, int max, char *err, size_t errlen);
const struct knob *knob_find(const struct knob *k, int n, const char *name);
/* The accepted values when knobs.txt lists them (a|b|c, a,b,c or a/b/c);
 * returns 1 when value is one of them or the column is not a list. */
int knob_value_ok(const struct knob *k, const char *value);
void knobs_print(FILE *out, const struct knob *k, int n);

#endif
