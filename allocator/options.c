/* options.c - reading the knob table (options.h) from the environment
 * without allocating: getenv itself is safe, but the allocator may run
 * before libc has set `environ` (ld.so calls malloc early), so we fall back
 * to /proc/self/environ read with plain system calls into a static buffer. */
#include "options.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"

extern char **environ;

struct hk_option hk_options[HK_OPT_COUNT] = {
#define HK_OPT_ROW(id, kind, def, acc, lo, hi, desc) \
	{ "HAKMEM_" #id, kind, def, acc, lo, hi, desc, 0, "", 0 },
	HK_OPTIONS(HK_OPT_ROW)
#undef HK_OPT_ROW
};

/* ------------------------------------------------------------- getenv */

static char proc_env[64 * 1024];
static size_t proc_env_len;
static int proc_env_read;

static const char *match(const char *entry, const char *name, size_t n)
{
	return strncmp(entry, name, n) == 0 && entry[n] == '=' ? entry + n + 1 : NULL;
}

const char *hk_getenv(const char *name)
{
	size_t n = strlen(name);
	if (environ) {
		for (char **e = environ; *e; e++) {
			const char *v = match(*e, name, n);
			if (v)
				return v;
		}
		return NULL;
	}
	if (!proc_env_read) {
		proc_env_read = 1;
		int fd = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t r;
			while (proc_env_len < sizeof(proc_env) - 1 &&
			       (r = read(fd, proc_env + proc_env_len, sizeof(proc_env) - 1 - proc_env_len)) > 0)
				proc_env_len += (size_t)r;
			close(fd);
		}
		proc_env[proc_env_len] = '\0';
	}
	for (size_t off = 0; off < proc_env_len; off += strlen(proc_env + off) + 1) {
		const char *v = match(proc_env + off, name, n);
		if (v)
			return v;
	}
	return NULL;
}

/* -------------------------------------------------------------- parse */

static int parse_long(const char *s, long *out)
{
	long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 100000000L)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Index of word `s` in "a|b|c", or -1. */
static long choice_index(const char *accepted, const char *s)
{
	size_t n = strlen(s);
	long idx = 0;
	for (const char *w = accepted;; idx++) {
		const char *bar = strchr(w, '|');
		size_t wl = bar ? (size_t)(bar - w) : strlen(w);
		if (wl == n && strncmp(w, s, n) == 0)
			return idx;
		if (!bar)
			return -1;
		w = bar + 1;
	}
}

static int parse_value(struct hk_option *o, const char *s)
{
	long v;
	switch (o->kind) {
	case HK_KIND_INT:
		if (parse_long(s, &v) != 0 || v < o->lo || v > o->hi)
			return -1;
		o->value = v;
		return 0;
	case HK_KIND_CHOICE:
		v = choice_index(o->accepted, s);
		if (v < 0)
			return -1;
		o->value = v;
		return 0;
	case HK_KIND_STRING:
		o->str = s;
		return 0;
	}
	return -1;
}

void hk_options_load(void)
{
	static int loaded;
	if (loaded)
		return;
	loaded = 1;
	for (int i = 0; i < HK_OPT_COUNT; i++) {
		struct hk_option *o = &hk_options[i];
		if (parse_value(o, o->def) != 0)
			hk_message("internal error: bad default for ", o->name, NULL);
		const char *s = hk_getenv(o->name);
		if (!s)
			continue;
		if (parse_value(o, s) == 0) {
			o->from_env = 1;
		} else {
			struct hk_buf b;
			hk_buf_init(&b, 2);
			hk_buf_str(&b, "hakmem: warning: ");
			hk_buf_str(&b, o->name);
			hk_buf_str(&b, "=");
			hk_buf_str(&b, s);
			hk_buf_str(&b, " is not valid (accepted: ");
			hk_buf_str(&b, o->accepted);
			hk_buf_str(&b, "); using the default ");
			hk_buf_str(&b, o->def[0] ? o->def : "(empty)");
			hk_buf_str(&b, "\n");
			hk_buf_flush(&b);
			parse_value(o, o->def);
		}
	}
}

/* ------------------------------------------------------------- output */

void hk_option_value_text(struct hk_buf *b, const struct hk_option *o)
{
	if (o->kind == HK_KIND_STRING) {
		hk_buf_str(b, o->str[0] ? o->str : "(unset)");
	} else if (o->kind == HK_KIND_CHOICE) {
		const char *w = o->accepted;
		for (long i = 0; i < o->value; i++)
			w = strchr(w, '|') + 1;
		const char *bar = strchr(w, '|');
		hk_buf_mem(b, w, bar ? (size_t)(bar - w) : strlen(w));
	} else {
		hk_buf_u64(b, (uint64_t)o->value);
	}
}

void hk_options_print(int fd)
{
	struct hk_buf b;
	hk_buf_init(&b, fd);
	hk_buf_str(&b, "hakmem: options (NAME=value [env|default]; accepted; meaning)\n");
	for (int i = 0; i < HK_OPT_COUNT; i++) {
		const struct hk_option *o = &hk_options[i];
		hk_buf_str(&b, "hakmem:   ");
		hk_buf_str(&b, o->name);
		hk_buf_str(&b, "=");
		hk_option_value_text(&b, o);
		hk_buf_str(&b, o->from_env ? " [env]; " : " [default]; ");
		hk_buf_str(&b, o->accepted);
		hk_buf_str(&b, "; ");
		hk_buf_str(&b, o->desc);
		hk_buf_str(&b, "\n");
	}
	hk_buf_flush(&b);
}

void hk_options_write_knobs(int fd)
{
	struct hk_buf b;
	hk_buf_init(&b, fd);
	for (int i = 0; i < HK_OPT_COUNT; i++) {
		const struct hk_option *o = &hk_options[i];
		hk_buf_str(&b, o->name);
		hk_buf_str(&b, "\t");
		hk_buf_str(&b, o->def);
		hk_buf_str(&b, "\t");
		hk_buf_str(&b, o->accepted);
		hk_buf_str(&b, "\t");
		hk_buf_str(&b, o->desc);
		hk_buf_str(&b, "\n");
	}
	hk_buf_flush(&b);
}
