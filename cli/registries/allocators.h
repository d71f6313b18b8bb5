/* allocators.h - the allocator registry: one row per allocator the harness
 * knows by name, holding everything specific to it.  Generic code (engine,
 * collectors, commands) asks the row and never names an allocator.
 *
 * A row says where the library is (a Debian package's soname, or a file of
 * this build), its knobs (a table in knobs.h's text form, embedded at build
 * time) and how they reach the allocator (one environment variable each,
 * or joined into one configuration variable such as jemalloc's
 * MALLOC_CONF), which knobs `analyze` varies, how to ask it for its own
 * statistics, and the symbols it exports for region tracing.
 *
 * A new allocator: one row in allocators.c. */
#ifndef HARNESS_ALLOCATORS_H
#define HARNESS_ALLOCATORS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

struct exec_spec;

struct allocator_row {
	const char *name;
	const char *summary;        /* what it is, for `harness list` (shown for instruments) */
	const char *soname;         /* from a Debian package, in the multiarch directory ... */
	const char *build_file;     /* ... or a file under the build directory; both NULL: the C library */
	const char *package;        /* Debian package that ships the library */
	const char *dev_package;    /* what to apt-get install */
	const char *version;        /* fixed version (built here); NULL: asked from dpkg */

	/* Knobs: NAME<TAB>default<TAB>accepted<TAB>description lines. */
	const char *knobs;
	const char *knobs_source;   /* where the table comes from, for messages */
	/* NULL: each knob is an environment variable NAME=VALUE.  Otherwise
	 * the knobs are joined "NAME:VALUE,NAME:VALUE" into this variable. */
	const char *conf_env;
	/* The knobs `analyze` varies (each must list its values), NULL-ended. */
	const char *const *analyze_axes;
	bool analyze_default;       /* the subject of `analyze` when --alloc is not given */
	/* A measuring instrument, not a peer (the floor, unhardened):
	 * `analyze` never adds it as a peer and `list` shows its summary. */
	bool instrument;
	/* The loop floor (README, "The floor allocator"), an instrument:
	 * --floor adds it to run/ab, and the summary subtracts its ns/op from
	 * every variant's (alloc ns/op). */
	bool loop_floor;

	/* Its own statistics as one JSON object: set stats_env (NAME=VALUE)
	 * and stats_file_env=PATH, and it writes them to PATH at exit. */
	const char *stats_env;
	const char *stats_file_env;

	/* Exported no-op functions called when a region is mapped/unmapped
	 * (ptr, size), for uprobes; NULL when it has none. */
	const char *trace_map, *trace_unmap;
	const char *trace_region;   /* what such a region is called ("SuperSlab") */
};

/* A resolved allocator: a registry row found on this machine, or any
 * library given as NAME=/path/lib.so (row NULL). */
struct allocator {
	char name[64];
	char path[PATH_MAX];       /* the library preloaded; "" for glibc */
	char version[64];
	char package[64];          /* Debian package it comes from, if any */
	bool installed;
	char why_missing[200];     /* when !installed: what to do */
	const struct allocator_row *row;
};

extern const struct allocator_row allocator_table[];
extern const int allocator_count;

const struct allocator_row *allocator_row_find(const char *name);
/* The loop floor's row (the one with loop_floor), or NULL. */
const struct allocator_row *allocator_loop_floor(void);

/* Resolve a registry name or "NAME=/path/lib.so".  Returns -1 with a
 * message (listing the known names) in err when unknown. */
int allocator_resolve(const char *spec, struct allocator *a, char *err, size_t errlen);

/* "glibc, jemalloc, ...": the registry names, for help and error texts. */
const char *allocator_names_text(void);

/* Set the variant's knobs (NAME=VALUE strings) in x's environment the
 * way this allocator reads them (row may be NULL: plain variables).
 * Returns -1 when the command's environment is full. */
int allocator_apply_knobs(const struct allocator_row *row, char *const *knobs, int n, struct exec_spec *x);

#endif
