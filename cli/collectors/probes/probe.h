/* probe.h - one eBPF probe group as the probes collector (probes.c)
 * drives it.  Each group is a triplet like libbpf-tools': the kernel side
 * probes/NAME.bpf.c, the structs both sides share (probes/probes.h), and
 * its loader/reporter collectors/probes/NAME.c, which defines
 * probe_NAME_ops.  The groups are listed once, in probe_groups of
 * probes/meson.build, which generates probes_list.h (PROBE(NAME) lines)
 * and picks the loader files.
 *
 * Each group is its own BPF object (skeleton), so that one that cannot
 * load (a missing tracepoint, a verifier refusal) leaves the others
 * working.  open() follows libbpf's open -> set .rodata (the tgid) ->
 * load -> attach, while the workload is held before exec; report() reads
 * the kernel's counters once, after the workload has exited. */
#ifndef HARNESS_PROBE_H
#define HARNESS_PROBE_H

#include <stddef.h>
#include <sys/types.h>

#include "collector.h"

struct probe_group_ops {
	const char *name;
	/* The metrics report() adds, NULL-ended: marked unsupported with the
	 * reason when the group cannot load (or eBPF is not built in). */
	const struct metric_def *const *metrics;
	/* The functions below are NULL without eBPF in the build. */
	/* Load and attach for this tgid.  NULL with a one-line reason in why
	 * when the group cannot run here. */
	void *(*open)(pid_t tgid, const struct run_ctx *ctx, char *why, size_t len);
	/* Optional: sample what only /proc shows while the workload lives. */
	void (*tick)(void *g, pid_t pid);
	/* Write the group's members into the open "NAME": {...} object (after
	 * "status": "ok") and add its metrics. */
	void (*report)(void *g, const struct run_ctx *ctx, struct jbuf *b, struct metrics *m);
	void (*close)(void *g);
};

#define PROBE(name) extern const struct probe_group_ops probe_##name##_ops;
#include "probes_list.h"
#undef PROBE

/* Fields of a loader's ops that exist only with eBPF in the build. */
#ifdef HAVE_BPF
#define PROBE_FNS(...) __VA_ARGS__
#else
#define PROBE_FNS(...)
#endif

#ifdef HAVE_BPF

/* probes/libbpf.c: libbpf's messages are kept (not printed) so that a
 * failure can be reported in one line; HARNESS_PROBES_DEBUG=1 prints them. */
void probes_libbpf_init(void);
/* "STEP failed: <errno text> (<hint>) [libbpf: <last message>]" */
void probes_explain(const char *step, int err, char *why, size_t len);

/* open -> set the target tgid in .rodata -> load -> attach, for skeleton
 * type T (e.g. faults_bpf); skel is NULL with why set when a step fails. */
#define PROBE_SKEL_OPEN(T, skel, tgid, why, len) do { \
	(skel) = T##__open(); \
	if (!(skel)) { \
		probes_explain("opening the BPF object", errno, (why), (len)); \
		break; \
	} \
	(skel)->rodata->target_tgid = (tgid); \
	int e_ = T##__load(skel); \
	if (!e_ && (e_ = T##__attach(skel)) != 0) \
		probes_explain("attaching", e_, (why), (len)); \
	else if (e_) \
		probes_explain("loading", e_, (why), (len)); \
	if (e_) { \
		T##__destroy(skel); \
		(skel) = NULL; \
	} \
} while (0)
#endif

/* log2 histogram slots as [[lower_bound, count], ...], non-empty slots only. */
void probes_hist_json(struct jbuf *b, const char *key, const unsigned long long *slots, int n);

#endif
