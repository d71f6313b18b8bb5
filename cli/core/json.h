/* json.h - JSON for the harness, through jansson (Debian libjansson-dev).
 *
 * The writer builds one value at a time in memory (a record, a summary) so
 * that a record can be appended to a results file with a single write(2): a
 * crash never leaves half a line.  Keys are passed with each value; pass
 * NULL as the key inside arrays.  Non-finite numbers are written as null
 * (JSON has no NaN).  When the outermost object or array is closed, its
 * compact text is in b.s (b.len bytes), in insertion order.
 *
 * The reader parses a whole JSON text (the workload's result line, the
 * allocator's statistics, meson's test log) into a jansson value, read
 * through dotted paths.  struct jv is jansson's json_t seen through these
 * functions, so that callers need no jansson header.
 */
#ifndef HARNESS_JSON_H
#define HARNESS_JSON_H

#include <stdbool.h>
#include <stddef.h>

/* ---------------------------------------------------------------- writer */

#define JB_MAX_DEPTH 32

struct jbuf {
	char *s;                    /* the text, once the outermost value is closed */
	size_t len;
	int depth;
	void *stack[JB_MAX_DEPTH];  /* open containers (json_t *) */
	bool oom;                   /* an allocation failed: the text is invalid */
};

void jb_init(struct jbuf *b);
void jb_free(struct jbuf *b);
void jb_obj_begin(struct jbuf *b, const char *key);
void jb_obj_end(struct jbuf *b);
void jb_arr_begin(struct jbuf *b, const char *key);
void jb_arr_end(struct jbuf *b);
void jb_str(struct jbuf *b, const char *key, const char *val);   /* NULL -> null */
/* A string from bytes a program wrote (its stderr): JSON strings must be
 * UTF-8, so each byte of an invalid sequence (and each NUL) becomes '?'
 * instead of losing the whole record.  NULL -> null. */
void jb_text(struct jbuf *b, const char *key, const char *bytes);
void jb_num(struct jbuf *b, const char *key, double val);
void jb_int(struct jbuf *b, const char *key, long long val);
void jb_bool(struct jbuf *b, const char *key, bool val);
void jb_null(struct jbuf *b, const char *key);

/* ---------------------------------------------------------------- reader */

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv;

/* Parse text (NUL-terminated; any JSON value).  Returns NULL on a syntax
 * error with a short message in err.  Free with jv_free. */
struct jv *jv_parse(const char *text, char *err, size_t errlen);
void jv_free(struct jv *v);

/* Member lookup by dotted path: jv_get(rec, "rusage.maxrss_kb"). */
const struct jv *jv_get(const struct jv *obj, const char *path);
/* Number at path, or def when absent or not a number. */
double jv_num(const struct jv *obj, const char *path, double def);
/* String at path, or NULL. */
const char *jv_str(const struct jv *obj, const char *path);

enum jv_type jv_type(const struct jv *v);
bool jv_bool(const struct jv *v);                   /* false unless true */
size_t jv_len(const struct jv *arr);                /* 0 unless an array */
const struct jv *jv_at(const struct jv *arr, size_t i);
double jv_as_num(const struct jv *v, double def);
const char *jv_as_str(const struct jv *v);          /* NULL unless a string */
/* The i-th member of an object, in the order it was written: its key (and
 * *val), or NULL past the end or when obj is not an object. */
const char *jv_key_at(const struct jv *obj, size_t i, const struct jv **val);

/* Copy a parsed value into the value being written (a sub-tree of a
 * workload's result or an allocator's statistics). */
void jb_value(struct jbuf *b, const char *key, const struct jv *v);

#endif
