/* engine.h - turns the trace events into TLB outcomes attributed to
 * regions of the traced process, counted between the first and the last
 * timed-region marker.
 *
 * Regions (classified when each access happens, from the mappings the
 * process created so far, in trace order):
 *   allocator_superslab  HAKMEM SuperSlabs (its hakmem_trace_superslab_map hook)
 *   allocator_mmap       other mappings made by mmap/mremap inside an
 *                        allocator call (malloc, free, ... of the library
 *                        that provides malloc), for every allocator
 *   allocator_static     data and bss of a preloaded allocator library
 *   brk_heap             the brk area (grown by sbrk, e.g. glibc's main arena)
 *   thread_stacks        the main stack and MAP_STACK mappings
 *   tls                  static TLS blocks and the thread control block
 *   libc_ldso_data       data of libc.so and ld.so (file mappings and bss)
 *   workload             the program's own image and the mappings it makes itself
 *   other                everything else (ld.so's private mappings, other libraries)
 */
#ifndef TLB_ENGINE_H
#define TLB_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tlb.h"
#include "trace.h"

enum region {
	REG_ALLOC_SUPERSLAB, REG_ALLOC_MMAP, REG_ALLOC_STATIC, REG_BRK, REG_STACK, REG_TLS,
	REG_LIBC, REG_WORKLOAD, REG_OTHER, REG_N
};
extern const char *const region_names[REG_N];

struct counts {
	uint64_t accesses[REG_N], accesses_2m[REG_N], l1_misses[REG_N], walks[REG_N];
	uint64_t instructions;
};

struct mapping {
	uint64_t lo, hi;
	enum region reg;
	int file;                  /* file-backed (the bss test) */
};

struct thread_state {
	bool in_alloc;             /* inside an allocator entry point */
	uint64_t ret_slot;         /* where that call pushed its return address */
	uint64_t last_store8;      /* the latest 8-byte store (a call's push) */
	int last_code;             /* object of the latest instruction outside libc/ld.so */
	uint64_t last_alloc_lo, last_alloc_hi;   /* latest allocator mmap */
};

#define ENGINE_MAX_ENTRIES 16

struct engine_opts {
	const char *exe_path;      /* the traced program (for its own image) */
	const char *alloc_path;    /* the preloaded allocator library; NULL = libc's malloc */
	pid_t pid;                 /* the traced process (for maps, smaps, pagemap); 0 = none */
	bool no_thp_sampling;
};

struct engine {
	struct engine_opts o;
	struct tlb tlb;
	struct counts now, at_first_mark, at_last_mark;
	int marks;
	/* address space */
	struct mapping *map;
	size_t nmap, capmap, last_hit;
	uint64_t brk_lo, brk_hi;
#define ENGINE_MAX_TLS 4096
	uint64_t tls_lo[ENGINE_MAX_TLS], tls_hi[ENGINE_MAX_TLS];   /* one window per thread pointer set */
	int ntls;
	uint64_t tls_below;        /* static TLS bytes below the thread pointer */
	/* code objects and the allocator's entry points */
	uint64_t exe_lo, exe_hi, alloc_lo, alloc_hi;
	uint64_t entries[ENGINE_MAX_ENTRIES];
	int nentries;
	uint64_t ss_hook;          /* hakmem_trace_superslab_map, 0 when absent */
	char fd_path[1024][TRACE_PATH_LEN];   /* open fds -> path, for file mmaps */
	char alloc_base[128], exe_base[128];
	/* threads */
	int tid;
	struct thread_state th[TRACE_MAX_THREADS];
	bool started;
	/* huge pages */
	uint64_t *huge;            /* sorted 2 MiB-aligned addresses backed by a THP */
	size_t nhuge, caphuge;
	uint64_t huge_max;         /* most THP chunks seen in one sample */
	uint64_t next_sample;      /* data-access count of the next sample */
	char thp_status[160];      /* "pagemap+kpageflags", or why not */
	uint64_t data_events;
	uint64_t syscalls;
	/* whole run, for cross-checks against the allocator's own statistics */
	uint64_t alloc_mmaps;      /* mmap calls attributed to the allocator */
	uint64_t ss_hooks;         /* hakmem_trace_superslab_map calls */
};

int engine_init(struct engine *e, const struct tlb_geom *g, const struct engine_opts *o, char *err, size_t errlen);
void engine_free(struct engine *e);
/* trace_fn */
int engine_event(void *ctx, const struct trace_event *ev);
/* The counts of the timed region (last marker - first marker). */
void engine_region(const struct engine *e, struct counts *out);

#endif
