/* cgroup.h - the per-run cgroup source (--cgroup=auto|off): where a
 * machine has a pure cgroup v2 hierarchy with the memory controller
 * delegated, a cgroup per run gives figures of every process of the run
 * (memory.peak, memory.stat, cpu.stat), as BenchExec measures.
 *
 * What is built: the detection (read-only: statfs, reads, access(2)), the
 * reason it gives when the source cannot be used, and the reading and
 * parsing of a cgroup directory's figures.  What is not built: creating a
 * run's cgroup and moving the workload into it.  The machines this was
 * written on have a v1/v2 hybrid owned by their manager, where nothing
 * may be created or moved, so that path could never be run; the record
 * then says "unavailable" with the reason (README, "Per-run cgroup
 * source").  Every function takes its root or directory as an argument so
 * that tests point it at a fake tree in a temporary directory. */
#ifndef HARNESS_CGROUP_H
#define HARNESS_CGROUP_H

#include <limits.h>
#include <stdbool.h>

#include "json.h"
#include "metrics.h"

#define CGROUP_DEFAULT_ROOT "/sys/fs/cgroup"
#define CGROUP_SELF_FILE "/proc/self/cgroup"

/* ------------------------------------------------------------ detection */

struct cgroup_site {
	bool qualifies;            /* every condition below holds */
	char dir[PATH_MAX];        /* ROOT + this process's cgroup path */
	char reason[400];          /* why not, when !qualifies */
};

/* The conditions, checked in this order (the first that fails is the
 * reason):
 *   1. ROOT is a cgroup v2 mount: fs_magic is CGROUP2_SUPER_MAGIC (a
 *      tmpfs there is a v1 or hybrid layout);
 *   2. SELF (the /proc/PID/cgroup file) names only the v2 hierarchy:
 *      one line "0::PATH";
 *   3. ROOT/PATH/cgroup.subtree_control lists "memory" (delegated to
 *      the cgroups a run would create below it);
 *   4. ROOT/PATH is writable by this process (access W_OK).
 * Writes nothing anywhere. */
void cgroup_detect_at(const char *root, long fs_magic, const char *self, struct cgroup_site *site);

/* The same for ROOT as mounted here: its filesystem type from statfs(2),
 * this process's /proc/self/cgroup. */
void cgroup_detect(const char *root, struct cgroup_site *site);

/* ------------------------------------------------------------- figures */

/* The figures a run's cgroup gives, each named by its source. */
enum cgroup_figure {
	CGF_MEMORY_PEAK,           /* memory.peak (bytes) */
	CGF_PGFAULT,               /* memory.stat pgfault */
	CGF_PGMAJFAULT,            /* memory.stat pgmajfault */
	CGF_THP_FAULT_ALLOC,       /* memory.stat thp_fault_alloc */
	CGF_CPU_USER,              /* cpu.stat user_usec */
	CGF_CPU_SYSTEM,            /* cpu.stat system_usec */
	CGF_NR
};

struct cgroup_figure_def {
	const char *file;          /* in the cgroup's directory */
	const char *key;           /* a "key value" line of it; NULL: the file is one number */
	double scale;              /* the file's unit -> the metric's */
	struct metric_def metric;
};
extern const struct cgroup_figure_def cgroup_figure_defs[CGF_NR];

struct cgroup_figures {
	bool have[CGF_NR];
	unsigned long long raw[CGF_NR];   /* as the file says it */
	char why[CGF_NR][96];             /* when !have: what was missing */
};

/* Read every figure of the cgroup directory DIR.  A file that is absent
 * (memory.peak needs Linux 5.19) or a key it lacks leaves that figure
 * missing with the reason, never 0.  Returns how many were read. */
int cgroup_read_figures(const char *dir, struct cgroup_figures *f);

/* "cgroup": {"source": "ok", "dir": DIR, "memory_peak": BYTES,
 * "memory_stat_pgfault": N, ..., "cpu_stat_user_usec": US} into rec (null:
 * missing), and the metrics (cgroup_memory_peak_kib, ...); a missing
 * figure is an unsupported metric with its reason. */
void cgroup_figures_report(const struct cgroup_figures *f, const char *dir, struct jbuf *rec, struct metrics *m);

#endif
