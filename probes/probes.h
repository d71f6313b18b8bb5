/* probes.h - what every eBPF probe group shares: constants used on both
 * sides.  Each group's own counters are in its NAME.h, shared by
 * probes/NAME.bpf.c and the loader cli/collectors/probes/NAME.c.
 *
 * Every counter is filtered to one process (the workload's tgid, all its
 * threads), set in .rodata before load. */
#ifndef PROBES_PROBES_H
#define PROBES_PROBES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* The comm of the exec stub (stub/exec_stub.c, built under this name):
 * its exec does not start the probes' accounting (common.bpf.h). */
#define EXEC_STUB_COMM "exec_stub"

#define PROBE_HIST_SLOTS 48          /* log2 buckets: slot k holds [2^k, 2^(k+1)) */

#endif
