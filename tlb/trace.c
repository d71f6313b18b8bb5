/* trace.c - the lackey log parser.  Data-access lines are the bulk (tens
 * of millions), so they take a hand-written hex path; the rest is rare. */
#include "trace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const signed char hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* "hex,dec" -> addr, size; false when malformed. */
static bool parse_access(const char *s, const char *end, uint64_t *addr, unsigned *size)
{
	uint64_t a = 0;
	int n = 0;
	while (s < end && hexval[(unsigned char)*s]) {
		a = a << 4 | (uint64_t)(hexval[(unsigned char)*s] - 1);
		s++;
		n++;
	}
	if (!n || n > 16 || s >= end || *s != ',')
		return false;
	s++;
	unsigned z = 0;
	int m = 0;
	while (s < end && *s >= '0' && *s <= '9') {
		z = z * 10 + (unsigned)(*s - '0');
		s++;
		m++;
	}
	if (!m || m > 6)
		return false;
	*addr = a;
	*size = z;
	return true;
}

static const char *find(const char *s, const char *end, const char *needle)
{
	size_t n = strlen(needle);
	for (; s + n <= end; s++)
		if (*s == *needle && memcmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/* "Success(0x..)" or "Failure(0x..)" after "-->": true when found. */
static bool parse_result(const char *s, const char *end, struct trace_event *e)
{
	const char *r = find(s, end, "Success(");
	e->ok = r != NULL;
	if (!r && !(r = find(s, end, "Failure(")))
		return false;
	e->result = strtoull(r + 8, NULL, 16);
	return true;
}

/* The "sys_x ( a, b(/path), c )" part. */
static void parse_call(const char *s, const char *end, struct trace_event *e)
{
	while (s < end && *s == ' ')
		s++;
	size_t n = 0;
	while (s < end && *s != ' ' && n + 1 < sizeof(e->name))
		e->name[n++] = *s++;
	e->name[n] = '\0';
	const char *open = find(s, end, "( ");
	const char *close = open ? find(open, end, " )") : NULL;
	e->nargs = 0;
	e->path[0] = '\0';
	if (!open || !close)
		return;
	for (const char *a = open + 2; a < close && e->nargs < TRACE_MAX_ARGS;) {
		const char *comma = a;
		int depth = 0;
		while (comma < close && (depth || *comma != ',')) {
			depth += *comma == '(' ? 1 : *comma == ')' ? -1 : 0;
			comma++;
		}
		size_t k = 0;
		const char *paren = NULL;
		for (const char *c = a; c < comma; c++) {
			if (*c == '(' && !paren)
				paren = c;
			if (!paren && k + 1 < TRACE_ARG_LEN)
				e->arg[e->nargs][k++] = *c;
		}
		e->arg[e->nargs][k] = '\0';
		if (paren && !e->path[0]) {
			size_t len = (size_t)(comma - paren - 2);
			if (comma > paren + 1 && len < TRACE_PATH_LEN) {
				memcpy(e->path, paren + 1, len);
				e->path[len] = '\0';
			}
		}
		e->nargs++;
		a = comma + 1;
		while (a < close && *a == ' ')
			a++;
	}
}

static int parse_sched(const char *s, const char *end, struct trace_event *e)
{
	const char *p = find(s, end, "SCHED[");
	if (!p || !find(p, end, "acquired lock"))
		return 0;
	memset(e, 0, sizeof(*e));
	e->kind = TR_SCHED;
	e->tid = atoi(p + 6);
	return 1;
}

static int parse_syscall(struct trace_parser *p, const char *s, const char *end, struct trace_event ev[2])
{
	/* SYSCALL[pid,tid](nr) */
	const char *comma = memchr(s, ',', (size_t)(end - s));
	const char *rpar = comma ? memchr(comma, ')', (size_t)(end - comma)) : NULL;
	if (!comma || !rpar)
		return 0;
	int tid = atoi(comma + 1);
	int nr = atoi(strchr(comma, '(') ? strchr(comma, '(') + 1 : comma);
	if (tid < 0 || tid >= TRACE_MAX_THREADS)
		return 0;
	const char *body = rpar + 1;
	const char *arrow = find(body, end, "-->");
	int n = 0;
	if (find(body, end, " ... [async] -->") == body) {
		/* the second half of an async call */
		if (p->has_pending[tid] && parse_result(arrow, end, &p->pending[tid])) {
			ev[n++] = p->pending[tid];
			p->has_pending[tid] = false;
		}
	} else if (arrow) {
		struct trace_event *e = &ev[n];
		memset(e, 0, sizeof(*e));
		e->kind = TR_SYSCALL;
		e->tid = tid;
		e->nr = nr;
		parse_call(body, arrow, e);
		if (find(arrow, end, "[async] ...")) {
			p->pending[tid] = *e;
			p->has_pending[tid] = true;
		} else if (parse_result(arrow, end, e)) {
			n++;
		}
	}
	n += parse_sched(arrow ? arrow : body, end, &ev[n]);
	return n;
}

int trace_parse_line(struct trace_parser *p, const char *line, size_t len, struct trace_event ev[2])
{
	const char *end = line + len;
	p->lines++;
	if (len > 3 && line[0] == ' ' && line[2] == ' ') {
		enum trace_kind k = line[1] == 'L' ? TR_LOAD : line[1] == 'S' ? TR_STORE : line[1] == 'M' ? TR_MODIFY : TR_MARK;
		if (k == TR_MARK || !parse_access(line + 3, end, &ev[0].addr, &ev[0].size))
			return 0;
		ev[0].kind = k;
		return 1;
	}
	if (len > 3 && line[0] == 'I' && line[1] == ' ' && line[2] == ' ') {
		if (!parse_access(line + 3, end, &ev[0].addr, &ev[0].size))
			return 0;
		ev[0].kind = TR_INSN;
		return 1;
	}
	if (len > 8 && memcmp(line, "SYSCALL[", 8) == 0)
		return parse_syscall(p, line + 8, end, ev);
	if (len > 2 && line[0] == '*' && line[1] == '*') {
		const char *t = find(line + 2, end, "** ");
		if (!t)
			return 0;
		t += 3;
		size_t n = (size_t)(end - t);
		if (n >= sizeof(ev[0].text))
			n = sizeof(ev[0].text) - 1;
		memset(&ev[0], 0, sizeof(ev[0]));
		ev[0].kind = TR_MARK;
		memcpy(ev[0].text, t, n);
		ev[0].text[n] = '\0';
		return 1;
	}
	if (len > 2 && line[0] == '-' && line[1] == '-')
		return parse_sched(line, end, &ev[0]);
	return 0;
}

uint64_t trace_arg(const struct trace_event *e, int i, int base)
{
	if (i >= e->nargs)
		return 0;
	return strtoull(e->arg[i], NULL, base);
}

int trace_read_fd(int fd, struct trace_parser *p, trace_fn fn, void *ctx)
{
	enum { CHUNK = 1 << 20 };
	char *buf = malloc(CHUNK + 1);
	if (!buf)
		return -1;
	size_t have = 0;
	int rc = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, CHUNK - have);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -1;
			break;
		}
		size_t total = have + (size_t)r;
		size_t start = 0;
		for (size_t i = have; i < total; i++) {
			if (buf[i] != '\n')
				continue;
			struct trace_event ev[2];
			int n = trace_parse_line(p, buf + start, i - start, ev);
			for (int k = 0; k < n && !rc; k++)
				rc = fn(ctx, &ev[k]);
			start = i + 1;
			if (rc)
				break;
		}
		if (rc)
			break;
		if (r == 0) {              /* EOF: a last line without newline */
			if (start < total) {
				struct trace_event ev[2];
				int n = trace_parse_line(p, buf + start, total - start, ev);
				for (int k = 0; k < n && !rc; k++)
					rc = fn(ctx, &ev[k]);
			}
			break;
		}
		have = total - start;
		if (have == CHUNK)         /* a line longer than the buffer: drop it */
			have = 0;
		memmove(buf, buf + start, have);
	}
	free(buf);
	return rc;
}
