/* json.c - see json.h: a thin layer over jansson. */
#include "json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- writer */

void jb_init(struct jbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void jb_free(struct jbuf *b)
{
	if (b->depth > 0)
		json_decref(b->stack[0]);
	free(b->s);
	jb_init(b);
}

/* Put v into the open container (under key in an object), or make it the
 * whole value.  Steals the reference. */
static void put(struct jbuf *b, const char *key, json_t *v)
{
	if (!v) {
		b->oom = true;
		return;
	}
	if (b->depth == 0) {
		free(b->s);
		b->s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
		b->len = b->s ? strlen(b->s) : 0;
		b->oom |= b->s == NULL;
		json_decref(v);
		return;
	}
	json_t *top = b->stack[b->depth - 1];
	int rc = json_is_array(top) ? json_array_append_new(top, v) : json_object_set_new(top, key ? key : "", v);
	b->oom |= rc != 0;
}

static void open_container(struct jbuf *b, const char *key, json_t *c)
{
	if (!c || b->depth >= JB_MAX_DEPTH) {
		json_decref(c);
		b->oom = true;
		return;
	}
	if (b->depth > 0)
		put(b, key, json_incref(c));
	b->stack[b->depth++] = c;
}

static void close_container(struct jbuf *b)
{
	if (b->depth == 0) {
		b->oom = true;
		return;
	}
	json_t *c = b->stack[--b->depth];
	if (b->depth == 0)
		put(b, NULL, c);        /* the outermost value: its text */
	else
		json_decref(c);         /* its container holds it */
}

void jb_obj_begin(struct jbuf *b, const char *key) { open_container(b, key, json_object()); }
void jb_obj_end(struct jbuf *b) { close_container(b); }
void jb_arr_begin(struct jbuf *b, const char *key) { open_container(b, key, json_array()); }
void jb_arr_end(struct jbuf *b) { close_container(b); }
void jb_str(struct jbuf *b, const char *key, const char *val) { put(b, key, val ? json_string(val) : json_null()); }
/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || (n == 2 && s[0] < 0xc2) || (n == 4 && s[0] > 0xf4))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;        /* overlong, surrogate or above U+10FFFF */
	return n;
}

void jb_text(struct jbuf *b, const char *key, const char *bytes)
{
	if (!bytes) {
		put(b, key, json_null());
		return;
	}
	size_t len = strlen(bytes);
	char *clean = malloc(len + 1);
	if (!clean) {
		b->oom = true;
		return;
	}
	const unsigned char *s = (const unsigned char *)bytes;
	size_t j = 0;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(s + i);
		if (n == 0) {
			clean[j++] = '?';
			i++;
			continue;
		}
		memcpy(clean + j, s + i, n);
		i += n;
		j += n;
	}
	clean[j] = '\0';
	put(b, key, json_string(clean));
	free(clean);
}

void jb_num(struct jbuf *b, const char *key, double val) { put(b, key, isfinite(val) ? json_real(val) : json_null()); }
void jb_int(struct jbuf *b, const char *key, long long val) { put(b, key, json_integer(val)); }
void jb_bool(struct jbuf *b, const char *key, bool val) { put(b, key, json_boolean(val)); }
void jb_null(struct jbuf *b, const char *key) { put(b, key, json_null()); }

void jb_value(struct jbuf *b, const char *key, const struct jv *v)
{
	put(b, key, v ? json_deep_copy((const json_t *)v) : json_null());
}

/* ---------------------------------------------------------------- reader */

struct jv *jv_parse(const char *text, char *err, size_t errlen)
{
	json_error_t e;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &e);
	if (!v && err && errlen)
		snprintf(err, errlen, "%s at offset %d", e.text, e.position);
	return (struct jv *)v;
}

void jv_free(struct jv *v)
{
	json_decref((json_t *)v);
}

const struct jv *jv_get(const struct jv *obj, const char *path)
{
	const json_t *cur = (const json_t *)obj;
	char key[256];
	while (cur && *path) {
		size_t n = strcspn(path, ".");
		if (!json_is_object(cur) || n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		path += n + (path[n] == '.');
	}
	return (const struct jv *)cur;
}

double jv_num(const struct jv *obj, const char *path, double def)
{
	return jv_as_num(jv_get(obj, path), def);
}

const char *jv_str(const struct jv *obj, const char *path)
{
	return jv_as_str(jv_get(obj, path));
}

enum jv_type jv_type(const struct jv *v)
{
	if (!v)
		return JV_NULL;
	switch (json_typeof((const json_t *)v)) {
	case JSON_OBJECT: return JV_OBJ;
	case JSON_ARRAY: return JV_ARR;
	case JSON_STRING: return JV_STR;
	case JSON_INTEGER:
	case JSON_REAL: return JV_NUM;
	case JSON_TRUE:
	case JSON_FALSE: return JV_BOOL;
	default: return JV_NULL;
	}
}

bool jv_bool(const struct jv *v)
{
	return v && json_is_true((const json_t *)v);
}

size_t jv_len(const struct jv *arr)
{
	return arr && json_is_array((const json_t *)arr) ? json_array_size((const json_t *)arr) : 0;
}

const struct jv *jv_at(const struct jv *arr, size_t i)
{
	return arr ? (const struct jv *)json_array_get((const json_t *)arr, i) : NULL;
}

double jv_as_num(const struct jv *v, double def)
{
	return v && json_is_number((const json_t *)v) ? json_number_value((const json_t *)v) : def;
}

const char *jv_as_str(const struct jv *v)
{
	return v ? json_string_value((const json_t *)v) : NULL;
}

/* jansson (>= 2.8) iterates an object in insertion order, which is the
 * order the record was written in. */
const char *jv_key_at(const struct jv *obj, size_t i, const struct jv **val)
{
	const json_t *o = (const json_t *)obj;
	const char *key;
	json_t *v;
	size_t k = 0;
	if (!o || !json_is_object(o))
		return NULL;
	json_object_foreach((json_t *)o, key, v) {
		if (k++ == i) {
			if (val)
				*val = (const struct jv *)v;
			return key;
		}
	}
	return NULL;
}
