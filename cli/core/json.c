/* json.c - see json.h.  Small on purpose: the harness writes one record per
 * run and reads a handful of short texts, so clarity beats speed here. */
#include "json.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ====================================================================
 * Writer
 * ==================================================================== */

void jb_init(struct jbuf *b)
{
	memset(b, 0, sizeof(*b));
	b->first[0] = true;
}

void jb_free(struct jbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static void put(struct jbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void puts_(struct jbuf *b, const char *s) { put(b, s, strlen(s)); }

static void put_escaped(struct jbuf *b, const char *s)
{
	put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		switch (*p) {
		case '"':  puts_(b, "\\\""); break;
		case '\\': puts_(b, "\\\\"); break;
		case '\n': puts_(b, "\\n"); break;
		case '\r': puts_(b, "\\r"); break;
		case '\t': puts_(b, "\\t"); break;
		default:
			if (*p < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				puts_(b, esc);
			} else {
				put(b, (const char *)p, 1);
			}
		}
	}
	put(b, "\"", 1);
}

/* Comma and key before a member. */
static void member(struct jbuf *b, const char *key)
{
	if (!b->first[b->depth])
		put(b, ",", 1);
	b->first[b->depth] = false;
	if (key) {
		put_escaped(b, key);
		put(b, ":", 1);
	}
}

static void open_(struct jbuf *b, const char *key, const char *bracket)
{
	member(b, key);
	puts_(b, bracket);
	if (b->depth + 1 < JB_MAX_DEPTH)
		b->depth++;
	b->first[b->depth] = true;
}

static void close_(struct jbuf *b, const char *bracket)
{
	if (b->depth > 0)
		b->depth--;
	puts_(b, bracket);
}

void jb_obj_begin(struct jbuf *b, const char *key) { open_(b, key, "{"); }
void jb_obj_end(struct jbuf *b) { close_(b, "}"); }
void jb_arr_begin(struct jbuf *b, const char *key) { open_(b, key, "["); }
void jb_arr_end(struct jbuf *b) { close_(b, "]"); }

void jb_str(struct jbuf *b, const char *key, const char *val)
{
	member(b, key);
	if (val)
		put_escaped(b, val);
	else
		puts_(b, "null");
}

void jb_num(struct jbuf *b, const char *key, double val)
{
	char tmp[64];
	member(b, key);
	if (!isfinite(val)) {
		puts_(b, "null");
		return;
	}
	if (val == (double)(long long)val && fabs(val) < 9e15)
		snprintf(tmp, sizeof(tmp), "%lld", (long long)val);
	else
		snprintf(tmp, sizeof(tmp), "%.17g", val);
	puts_(b, tmp);
}

void jb_int(struct jbuf *b, const char *key, long long val)
{
	char tmp[32];
	member(b, key);
	snprintf(tmp, sizeof(tmp), "%lld", val);
	puts_(b, tmp);
}

void jb_bool(struct jbuf *b, const char *key, bool val)
{
	member(b, key);
	puts_(b, val ? "true" : "false");
}

void jb_null(struct jbuf *b, const char *key)
{
	member(b, key);
	puts_(b, "null");
}

void jb_raw(struct jbuf *b, const char *key, const char *json)
{
	member(b, key);
	puts_(b, json);
}

void jb_value(struct jbuf *b, const char *key, const struct jv *v)
{
	if (!v) {
		jb_null(b, key);
		return;
	}
	switch (v->type) {
	case JV_NULL: jb_null(b, key); break;
	case JV_BOOL: jb_bool(b, key, v->b); break;
	case JV_NUM:  jb_num(b, key, v->num); break;
	case JV_STR:  jb_str(b, key, v->str); break;
	case JV_ARR:
		jb_arr_begin(b, key);
		for (const struct jv *c = v->child; c; c = c->next)
			jb_value(b, NULL, c);
		jb_arr_end(b);
		break;
	case JV_OBJ:
		jb_obj_begin(b, key);
		for (const struct jv *c = v->child; c; c = c->next)
			jb_value(b, c->key, c);
		jb_obj_end(b);
		break;
	}
}

/* ====================================================================
 * Reader: recursive descent over a NUL-terminated text.
 * ==================================================================== */

struct parser {
	const char *p;
	const char *err;
	int depth;
};

static void skip_ws(struct parser *ps)
{
	while (*ps->p && isspace((unsigned char)*ps->p))
		ps->p++;
}

static struct jv *new_node(enum jv_type t)
{
	struct jv *v = calloc(1, sizeof(*v));
	if (v)
		v->type = t;
	return v;
}

static void put_utf8(char **o, unsigned cp)
{
	char *q = *o;
	if (cp < 0x80) {
		*q++ = (char)cp;
	} else if (cp < 0x800) {
		*q++ = (char)(0xC0 | (cp >> 6));
		*q++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*q++ = (char)(0xE0 | (cp >> 12));
		*q++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*q++ = (char)(0x80 | (cp & 0x3F));
	}
	*o = q;
}

static char *parse_string(struct parser *ps)
{
	/* ps->p at the opening quote; the decoded text is never longer. */
	const char *s = ++ps->p;
	size_t n = 0;
	while (s[n] && s[n] != '"') {
		if (s[n] == '\\' && s[n + 1])
			n++;
		n++;
	}
	if (s[n] != '"') {
		ps->err = "unterminated string";
		return NULL;
	}
	char *out = malloc(n + 1), *o = out;
	if (!out) {
		ps->err = "out of memory";
		return NULL;
	}
	const char *end = s + n;
	while (s < end) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': *o++ = '\n'; s++; break;
		case 't': *o++ = '\t'; s++; break;
		case 'r': *o++ = '\r'; s++; break;
		case 'b': *o++ = '\b'; s++; break;
		case 'f': *o++ = '\f'; s++; break;
		case 'u': {
			unsigned cp = 0;
			int i;
			for (i = 1; i <= 4 && isxdigit((unsigned char)s[i]); i++)
				cp = cp * 16 + (unsigned)(isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10));
			if (i != 5) {
				free(out);
				ps->err = "bad \\u escape";
				return NULL;
			}
			put_utf8(&o, cp);
			s += 5;
			break;
		}
		default: *o++ = *s++; break;   /* \" \\ \/ */
		}
	}
	*o = '\0';
	ps->p = end + 1;
	return out;
}

static struct jv *parse_value(struct parser *ps);

static struct jv *parse_container(struct parser *ps, bool is_obj)
{
	struct jv *v = new_node(is_obj ? JV_OBJ : JV_ARR), **tail;
	if (!v) {
		ps->err = "out of memory";
		return NULL;
	}
	tail = &v->child;
	ps->p++;
	skip_ws(ps);
	char close = is_obj ? '}' : ']';
	if (*ps->p == close) {
		ps->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(ps);
		if (is_obj) {
			if (*ps->p != '"') {
				ps->err = "expected a member name";
				goto fail;
			}
			key = parse_string(ps);
			if (!key)
				goto fail;
			skip_ws(ps);
			if (*ps->p != ':') {
				free(key);
				ps->err = "expected ':'";
				goto fail;
			}
			ps->p++;
		}
		struct jv *c = parse_value(ps);
		if (!c) {
			free(key);
			goto fail;
		}
		c->key = key;
		*tail = c;
		tail = &c->next;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return v;
		}
		ps->err = is_obj ? "expected ',' or '}'" : "expected ',' or ']'";
		goto fail;
	}
fail:
	jv_free(v);
	return NULL;
}

static struct jv *parse_value(struct parser *ps)
{
	struct jv *v = NULL;
	skip_ws(ps);
	if (++ps->depth > 64) {
		ps->err = "nested too deeply";
		return NULL;
	}
	switch (*ps->p) {
	case '{': v = parse_container(ps, true); break;
	case '[': v = parse_container(ps, false); break;
	case '"': {
		char *s = parse_string(ps);
		if (s && !(v = new_node(JV_STR)))
			free(s);
		else if (v)
			v->str = s;
		break;
	}
	case 't': case 'f': case 'n': {
		static const char *const words[] = { "true", "false", "null" };
		for (int i = 0; i < 3; i++) {
			size_t n = strlen(words[i]);
			if (strncmp(ps->p, words[i], n) == 0) {
				v = new_node(i == 2 ? JV_NULL : JV_BOOL);
				if (v)
					v->b = (i == 0);
				ps->p += n;
				break;
			}
		}
		if (!v && !ps->err)
			ps->err = "unexpected word";
		break;
	}
	default: {
		char *end;
		double d = strtod(ps->p, &end);
		if (end == ps->p || !(*ps->p == '-' || isdigit((unsigned char)*ps->p))) {
			ps->err = *ps->p ? "unexpected character" : "unexpected end of text";
			break;
		}
		v = new_node(JV_NUM);
		if (v)
			v->num = d;
		ps->p = end;
	}
	}
	ps->depth--;
	return v;
}

struct jv *jv_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = { .p = text };
	struct jv *v = parse_value(&ps);
	if (v) {
		skip_ws(&ps);
		if (*ps.p) {
			jv_free(v);
			v = NULL;
			ps.err = "trailing characters after the value";
		}
	}
	if (!v && err && errlen)
		snprintf(err, errlen, "%s at offset %ld", ps.err ? ps.err : "syntax error",
			 (long)(ps.p - text));
	return v;
}

void jv_free(struct jv *v)
{
	while (v) {
		struct jv *next = v->next;
		jv_free(v->child);
		free(v->str);
		free(v->key);
		free(v);
		v = next;
	}
}

const struct jv *jv_get(const struct jv *obj, const char *path)
{
	const struct jv *cur = obj;
	while (cur && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		const struct jv *c = NULL;
		if (cur->type == JV_OBJ)
			for (c = cur->child; c; c = c->next)
				if (c->key && strlen(c->key) == n && strncmp(c->key, path, n) == 0)
					break;
		cur = c;
		path += n + (dot ? 1 : 0);
	}
	return cur;
}

double jv_num(const struct jv *obj, const char *path, double def)
{
	const struct jv *v = jv_get(obj, path);
	return v && v->type == JV_NUM ? v->num : def;
}

const char *jv_str(const struct jv *obj, const char *path)
{
	const struct jv *v = jv_get(obj, path);
	return v && v->type == JV_STR ? v->str : NULL;
}
