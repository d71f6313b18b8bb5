/* knobs.h - an allocator's knob table, from the text its registry row
 * carries (allocators.h): one line per knob,
 *   NAME<TAB>default<TAB>accepted values<TAB>description
 * where accepted values is a list (a|b|c, a,b,c or a/b/c), an integer range
 * (LO..HI), or prose ("a file path") that cannot be checked. */
#ifndef HARNESS_KNOBS_H
#define HARNESS_KNOBS_H

#include <stdio.h>

#define KNOBS_MAX 64
#define KNOB_VALUES_MAX 8

struct knob {
	char name[64];
	char def[64];
	char accepted[256];        /* as written in the table */
	char desc[256];
};

/* Parse a table; returns the number of knobs (at most max). */
int knobs_parse(const char *text, struct knob *k, int max);
const struct knob *knob_find(const struct knob *k, int n, const char *name);
/* 1 when value is one of the accepted values, an integer in the range, or
 * the column is prose. */
int knob_value_ok(const struct knob *k, const char *value);
/* The accepted values when they are a list; -1 when they are prose. */
int knob_values(const struct knob *k, char values[][64], int max);
void knobs_print(FILE *out, const struct knob *k, int n);

#endif
