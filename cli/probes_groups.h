/* probes_groups.h - one eBPF probe group (faults, tlb, zero, thp, vm) as
 * the probes collector (probes.c) drives it.
 *
 * Each group is its own BPF object (skeleton), so that one that cannot
 * load (a missing tracepoint, a verifier refusal) leaves the others
 * working.  open() follows libbpf's open -> set .rodata (the tgid) ->
 * load -> attach, while the workload is held before exec; report() reads
 * the kernel's counters once, after the workload has exited. */
#ifndef HARNESS_PROBES_GROUPS_H
#define HARNESS_PROBES_GROUPS_H

#include <stddef.h>
#include <sys/types.h>

#include "collector.h"

struct probe_group_ops {
	const char *name;
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

enum { PG_FAULTS, PG_TLB, PG_ZERO, PG_THP, PG_VM, PG_NR };

extern const char *const probe_group_names[PG_NR];

#ifdef HAVE_BPF
extern const struct probe_group_ops probe_faults_ops, probe_tlb_ops, probe_zero_ops,
	probe_thp_ops, probe_vm_ops;

/* probes_load.c: libbpf's messages are kept (not printed) so that a
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
