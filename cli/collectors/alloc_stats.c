/* alloc_stats.c - the allocator statistics collector (--alloc-stats): the
 * allocator's own counters, attached to each record as "allocator_stats".
 *
 * Only allocators whose registry row says how (stats_env, stats_file_env:
 * allocators.h) take part; for the others the option does nothing, as
 * before.  The statistics travel through a memory file, not the file
 * system: prepare() creates it (inherited by the child) and names it
 * /dev/fd/N in the allocator's stats-file variable, so the allocator's own
 * interface is used unchanged; finish() reads it back.  Nothing is left
 * behind in /tmp, and a large stats object cannot block the child as a
 * pipe would. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "collector.h"
#include "fileio.h"
#include "variant.h"

struct alloc_stats {
	int fd;                 /* this run's memory file, -1 when none */
};

static int stats_setup(const struct run_opts *o, void **state, char *err, size_t errlen)
{
	*state = NULL;
	if (!o->alloc_stats)
		return 0;
	struct alloc_stats *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--alloc-stats: out of memory");
		return -1;
	}
	s->fd = -1;
	*state = s;
	return 0;
}

static void stats_close(struct alloc_stats *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int stats_prepare(void *state, const struct run_ctx *ctx, struct exec_spec *x, char *err, size_t errlen)
{
	struct alloc_stats *s = state;
	const struct allocator_row *row = ctx->variant ? ctx->variant->alloc.row : NULL;
	stats_close(s);
	if (!row || !row->stats_env || !row->stats_file_env)
		return 0;
	/* Not close-on-exec: the child must inherit it. */
	s->fd = memfd_create("harness-alloc-stats", 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "--alloc-stats: cannot create a memory file: %m");
		return -1;
	}
	char path[32], name[128];
	const char *eq = strchr(row->stats_env, '=');
	snprintf(path, sizeof(path), "/dev/fd/%d", s->fd);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - row->stats_env), row->stats_env);
	if (exec_set_env(x, name, eq + 1) < 0 || exec_set_env(x, row->stats_file_env, path) < 0) {
		snprintf(err, errlen, "--alloc-stats: the command's environment is full");
		return -1;
	}
	return 0;
}

static void stats_finish(void *state, const struct run_ctx *ctx, struct jbuf *rec, struct metrics *m)
{
	struct alloc_stats *s = state;
	(void)ctx; (void)m;
	if (s->fd < 0)
		return;
	char *text = read_fd_tail(s->fd, 1 << 24), perr[128] = "empty: the allocator wrote no statistics";
	struct jv *st = text && text[0] ? jv_parse(text, perr, sizeof(perr)) : NULL;
	if (st)
		jb_value(rec, "allocator_stats", st);
	else
		jb_str(rec, "allocator_stats_error", perr);
	jv_free(st);
	free(text);
	stats_close(s);
}

static void stats_abort(void *state, const struct run_ctx *ctx)
{
	(void)ctx;
	stats_close(state);
}

static void stats_teardown(void *state)
{
	if (state)
		stats_close(state);
	free(state);
}

const struct collector alloc_stats_collector = {
	.name = "alloc_stats",
	.setup = stats_setup,
	.prepare = stats_prepare,
	.finish = stats_finish,
	.abort = stats_abort,
	.teardown = stats_teardown,
};
