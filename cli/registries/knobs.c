/* knobs.c - see knobs.h. */
#include "knobs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* One table line into k; 0 when it is blank or a comment. */
static int parse_line(char *line, struct knob *k)
{
	char *s = trim(line);
	if (!*s || *s == '#')
		return 0;
	char *fields[4] = { s, "", "", "" };
	for (int i = 1; i < 4; i++) {
		char *tab = strchr(fields[i - 1], '\t');
		if (!tab)
			break;
		*tab = '\0';
		fields[i] = tab + 1;
	}
	snprintf(k->name, sizeof(k->name), "%s", trim(fields[0]));
	snprintf(k->def, sizeof(k->def), "%s", trim(fields[1]));
	snprintf(k->accepted, sizeof(k->accepted), "%s", trim(fields[2]));
	snprintf(k->desc, sizeof(k->desc), "%s", trim(fields[3]));
	return k->name[0] != '\0';
}

int knobs_parse(const char *text, struct knob *k, int max)
{
	int n = 0;
	char line[1024];
	for (const char *p = text; p && *p && n < max;) {
		size_t l = strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)(l < sizeof(line) ? l : sizeof(line) - 1), p);
		n += parse_line(line, &k[n]);
		p += l + (p[l] == '\n');
	}
	return n;
}

const struct knob *knob_find(const struct knob *k, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(k[i].name, name) == 0)
			return &k[i];
	return NULL;
}

static char list_separator(const char *a)
{
	char sep = strchr(a, '|') ? '|' : strchr(a, ',') ? ',' : strchr(a, '/') ? '/' : 0;
	return strchr(a, ' ') ? 0 : sep;      /* prose ("a file path"): no list */
}

int knob_values(const struct knob *k, char values[][64], int max)
{
	char sep = list_separator(k->accepted);
	int n = 0;
	if (!sep)
		return -1;
	for (const char *p = k->accepted; *p && n < max;) {
		const char *e = strchr(p, sep);
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > 0 && l < 64)
			snprintf(values[n++], 64, "%.*s", (int)l, p);
		if (!e)
			break;
		p = e + 1;
	}
	return n;
}

/* An integer range "LO..HI": 1 and the bounds, else 0. */
static int knob_range(const char *accepted, long long *lo, long long *hi)
{
	char tail;
	return sscanf(accepted, "%lld..%lld%c", lo, hi, &tail) == 2;
}

/* A whole decimal integer within [lo, hi]. */
static int in_range(const char *value, long long lo, long long hi)
{
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	return *value && *end == '\0' && errno == 0 && v >= lo && v <= hi;
}

int knob_value_ok(const struct knob *k, const char *value)
{
	char values[KNOBS_MAX][64];
	long long lo, hi;
	if (knob_range(k->accepted, &lo, &hi))
		return in_range(value, lo, hi);
	int n = knob_values(k, values, KNOBS_MAX);
	if (n < 0)
		return 1;
	for (int i = 0; i < n; i++)
		if (strcmp(values[i], value) == 0)
			return 1;
	return 0;
}

void knobs_print(FILE *out, const struct knob *k, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(out, "  %-22s default %-10s accepts %-20s %s\n", k[i].name, k[i].def, k[i].accepted, k[i].desc);
}
