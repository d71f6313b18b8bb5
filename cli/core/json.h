/* json.h - a small JSON writer (into a growable buffer) and reader.
 *
 * The writer builds one record at a time in memory so that the record can be
 * appended to a results file with a single write(2): a crash never leaves
 * half a line.  Keys are passed with each value; pass NULL as the key inside
 * arrays.  Non-finite numbers are written as null (JSON has no NaN).
 *
 * The reader parses a whole JSON text into a tree of jv nodes; it is used for
 * the workload's result line, the allocator's stats and results files.
 */
#ifndef HARNESS_JSON_H
#define HARNESS_JSON_H

#include <stddef.h>
#include <stdbool.h>

/* ---------------------------------------------------------------- writer */

#define JB_MAX_DEPTH 32

struct jbuf {
	char *s;
	size_t len, cap;
	int depth;
	bool first[JB_MAX_DEPTH];   /* no comma needed before the next member */
	bool oom;                   /* an allocation failed: the text is invalid */
};

void jb_init(struct jbuf *b);
void jb_free(struct jbuf *b);
void jb_obj_begin(struct jbuf *b, const char *key);
void jb_obj_end(struct jbuf *b);
void jb_arr_begin(struct jbuf *b, const char *key);
void jb_arr_end(struct jbuf *b);
void jb_str(struct jbuf *b, const char *key, const char *val);   /* NULL -> null */
void jb_num(struct jbuf *b, const char *key, double val);
void jb_int(struct jbuf *b, const char *key, long long val);
void jb_bool(struct jbuf *b, const char *key, bool val);
void jb_null(struct jbuf *b, const char *key);
/* Insert already-valid JSON text (e.g. a workload's own result object). */
void jb_raw(struct jbuf *b, const char *key, const char *json);

/* ---------------------------------------------------------------- reader */

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	bool b;
	double num;
	char *str;              /* JV_STR value */
	char *key;              /* member name when inside an object */
	struct jv *child;       /* first element / member */
	struct jv *next;        /* next sibling */
};

/* Parse text (NUL-terminated).  Returns NULL on a syntax error with a short
 * message in err.  Free with jv_free. */
struct jv *jv_parse(const char *text, char *err, size_t errlen);
void jv_free(struct jv *v);

/* Member lookup by dotted path: jv_get(rec, "rusage.maxrss_kb"). */
const struct jv *jv_get(const struct jv *obj, const char *path);
/* Number at path, or def when absent or not a number. */
double jv_num(const struct jv *obj, const char *path, double def);
/* String at path, or NULL. */
const char *jv_str(const struct jv *obj, const char *path);
/* Serialise a parsed value again (for copying sub-trees into a record). */
void jb_value(struct jbuf *b, const char *key, const struct jv *v);

#endif
