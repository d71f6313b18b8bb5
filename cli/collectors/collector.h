/* collector.h - what measures a run besides the core (wall time, rusage,
 * the workload's result line).
 *
 * The engine (engine.c) calls every enabled collector at fixed points of a
 * run; each collector owns its options, its section of the record and the
 * metrics it adds.  Order of calls for one invocation:
 *
 *   setup(opts)                    once; returns 0 and *state, or 0 and
 *                                  *state = NULL when the user did not ask
 *                                  for it; -1 with err on bad options
 *   per run (ctx->variant says which allocator/knobs; ctx->pid is set
 *   from attach on):
 *     prepare(state, ctx, exec)    before fork: may wrap argv, add env
 *     attach(state, ctx)           child forked and held before exec:
 *                                  open counters, load probes for its tgid
 *     (child released; it execs the workload)
 *     started(state, ctx)          the workload's image is in place (its
 *                                  exec closed the release pipe): what
 *                                  samples the process starts here, so
 *                                  it never sees the pre-exec process
 *     tick(state, ctx, t)          every tick_ms while the child runs
 *     finish(state, ctx, rec, m)   child reaped: read everything, write
 *                                  "NAME": {...} into rec, add metrics; close
 *     abort(state, ctx)            instead of finish when the run could not
 *                                  start (fork or another attach failed)
 *   teardown(state)                once
 *
 * attach() returning -1 fails that run (recorded as failed with err).
 */
#ifndef HARNESS_COLLECTOR_H
#define HARNESS_COLLECTOR_H

#include <stddef.h>
#include <sys/types.h>

#include "json.h"
#include "metrics.h"
#include "exec_spec.h"
#include "options.h"

struct variant;

/* What finish() knows about the run that just ended. */
struct run_ctx {
	pid_t pid;              /* the workload's process (exec stub's B) */
	const struct run_opts *opts;
	const struct variant *variant;
	int run_index;
	int ok;                 /* the workload exited 0 and printed its result */
	double ops;             /* operations done (0 when unknown, e.g. --cmd) */
	double wall_s;
	const struct jv *result; /* the workload's result object, or NULL */
	const char *workload;   /* registry name, or "cmd" */
};

struct collector {
	const char *name;
	int tick_ms;            /* 0: no tick */
	int  (*setup)(const struct run_opts *o, void **state, char *err, size_t errlen);
	int  (*prepare)(void *state, const struct run_ctx *ctx, struct exec_spec *x, char *err, size_t errlen);
	int  (*attach)(void *state, const struct run_ctx *ctx, char *err, size_t errlen);
	void (*started)(void *state, const struct run_ctx *ctx);
	void (*tick)(void *state, const struct run_ctx *ctx, double t_s);
	void (*finish)(void *state, const struct run_ctx *ctx, struct jbuf *rec, struct metrics *m);
	void (*abort)(void *state, const struct run_ctx *ctx);
	void (*teardown)(void *state);
};

/* Provided by counters.c, cachegrind.c, probes.c, sampler.c,
 * alloc_stats.c and cgroup.c; collectors.c lists them in the order the
 * engine calls them (a new collector: its file and one row there). */
extern const struct collector counters_collector;
extern const struct collector cachegrind_collector;
extern const struct collector tlb_collector;
extern const struct collector probes_collector;
extern const struct collector sampler_collector;
extern const struct collector alloc_stats_collector;
extern const struct collector cgroup_collector;

extern const struct collector *const collector_list[];
extern const int collector_count;

#endif
