/* allocators.c - the allocator registry (see allocators.h).  glibc is the
 * baseline: nothing is preloaded.  The others come from Debian packages
 * (their library in the multiarch directory) or from this build;
 * NAME=/path/lib.so names any other library. */
#include "allocators.h"

#include <errno.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_spec.h"
#include "hakmem_knobs.h"    /* allocator/knobs.txt, embedded at build time */
#include "paths.h"

/* ------------------------------------------------------------ the rows */

/* Knob tables of the peer allocators: a few well-known options, each
 * checked once to take effect through the allocator's own verbose or
 * statistics output (README.md, How the code is organised). */
static const char jemalloc_knobs[] =
	"narenas\t0\t1..1024\tarenas (0: 4 per CPU)\n"
	"background_thread\tfalse\tfalse|true\tpurge unused dirty pages from background threads\n"
	"thp\tdefault\tdefault|always|never\ttransparent huge pages for the heap\n"
	"dirty_decay_ms\t10000\t-1..1000000\tdirty pages unused this long are purged (0: at once)\n";
static const char mimalloc_knobs[] =
	"MIMALLOC_LARGE_OS_PAGES\t0\t0|1\t1: use large (huge) OS pages for segments where possible\n"
	"MIMALLOC_EAGER_COMMIT\t1\t0|1\tcommit whole segments up front\n"
	"MIMALLOC_PAGE_RESET\t0\t0|1\treset (madvise) free pages instead of keeping them\n";
static const char tcmalloc_knobs[] =
	"TCMALLOC_AGGRESSIVE_DECOMMIT\tfalse\tfalse|true\treturn free spans to the OS at once\n"
	"TCMALLOC_RELEASE_RATE\t1.0\t0..10\thow fast freed memory goes back to the OS (0: never)\n";

static const char *const hakmem_axes[] = { "HAKMEM_THP", "HAKMEM_PREFAULT", "HAKMEM_RELEASE", NULL };
static const char *const jemalloc_axes[] = { "thp", "background_thread", NULL };
static const char *const mimalloc_axes[] = { "MIMALLOC_LARGE_OS_PAGES", "MIMALLOC_EAGER_COMMIT", NULL };
static const char *const tcmalloc_axes[] = { "TCMALLOC_AGGRESSIVE_DECOMMIT", NULL };

/* What every build of HAKMEM has: its knob table, statistics and tracing
 * hooks (hakmem and the unhardened instrument). */
#define HAKMEM_BUILD_FIELDS \
	.version = HARNESS_VERSION, .knobs = hakmem_knobs_txt, .knobs_source = "allocator/knobs.txt", \
	.stats_env = "HAKMEM_STATS=json", .stats_file_env = "HAKMEM_STATS_FILE", \
	.trace_map = "hakmem_trace_superslab_map", .trace_unmap = "hakmem_trace_superslab_unmap", \
	.trace_region = "SuperSlab"

const struct allocator_row allocator_table[] = {
	{ .name = "glibc", .package = "libc6", .dev_package = "libc6" },
	{ .name = "jemalloc", .soname = "libjemalloc.so.2", .package = "libjemalloc2",
	  .dev_package = "libjemalloc-dev", .knobs = jemalloc_knobs, .knobs_source = "jemalloc's MALLOC_CONF options",
	  .conf_env = "MALLOC_CONF", .analyze_axes = jemalloc_axes },
	{ .name = "mimalloc", .soname = "libmimalloc.so.2", .package = "libmimalloc2.0",
	  .dev_package = "libmimalloc-dev", .knobs = mimalloc_knobs, .knobs_source = "mimalloc's MIMALLOC_* options",
	  .analyze_axes = mimalloc_axes },
	{ .name = "tcmalloc", .soname = "libtcmalloc_minimal.so.4", .package = "libtcmalloc-minimal4",
	  .dev_package = "libgoogle-perftools-dev", .knobs = tcmalloc_knobs,
	  .knobs_source = "gperftools' TCMALLOC_* variables", .analyze_axes = tcmalloc_axes },
	{ .name = "hakmem", .build_file = "allocator/libhakmem.so", HAKMEM_BUILD_FIELDS,
	  .analyze_axes = hakmem_axes, .analyze_default = true },
	/* HAKMEM with the per-operation hardening checks compiled out
	 * (allocator/config.h, HAKMEM_HARDEN): ab against it is what the
	 * hardening costs (README, "Hardening, measured"). */
	{ .name = "unhardened", .build_file = "allocator/libhakmem_unhardened.so", HAKMEM_BUILD_FIELDS,
	  .instrument = true,
	  .summary = "a measuring instrument, not a peer: HAKMEM with the hardening checks of every\n"
		     "             malloc and free compiled out; ab --alloc=hakmem,unhardened is their cost" },
	/* The floor (README, "The floor allocator"): the cheapest allocator we
	 * know how to write, built with the workloads; what a workload's loop
	 * costs with it is subtracted as "alloc ns/op" (run/ab --floor). */
	{ .name = "floor", .build_file = "workloads/libfloor.so", .version = HARNESS_VERSION,
	  .instrument = true, .loop_floor = true,
	  .summary = "a measuring instrument, not a peer: thread-local LIFO per size class over a bump\n"
		     "             pointer (FLOOR_FREE=keep: no-op free); run --floor subtracts it as alloc ns/op" },
};
const int allocator_count = sizeof(allocator_table) / sizeof(allocator_table[0]);

/* ------------------------------------------------------------ lookups */

const struct allocator_row *allocator_row_find(const char *name)
{
	for (int i = 0; i < allocator_count; i++)
		if (strcmp(allocator_table[i].name, name) == 0)
			return &allocator_table[i];
	return NULL;
}

const struct allocator_row *allocator_loop_floor(void)
{
	for (int i = 0; i < allocator_count; i++)
		if (allocator_table[i].loop_floor)
			return &allocator_table[i];
	return NULL;
}

const char *allocator_names_text(void)
{
	static char text[256];
	if (!text[0])
		for (int i = 0; i < allocator_count; i++) {
			size_t l = strlen(text);
			snprintf(text + l, sizeof(text) - l, "%s%s", i ? ", " : "", allocator_table[i].name);
		}
	return text;
}

static const char *const lib_dirs[] = {
	"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib",
};

/* The Debian package's version, asked once per package. */
static void package_version(const char *pkg, char *out, size_t n)
{
	static struct { char pkg[64]; char ver[64]; } cache[8];
	static int ncache;
	for (int i = 0; i < ncache; i++) {
		if (strcmp(cache[i].pkg, pkg) == 0) {
			snprintf(out, n, "%s", cache[i].ver);
			return;
		}
	}
	char cmd[256], ver[64] = "";
	snprintf(cmd, sizeof(cmd), "dpkg-query -W -f='${Version}' %s 2>/dev/null", pkg);
	FILE *p = popen(cmd, "r");
	if (p) {
		if (!fgets(ver, sizeof(ver), p))
			ver[0] = '\0';
		pclose(p);
	}
	ver[strcspn(ver, "\n")] = '\0';
	snprintf(out, n, "%s", ver[0] ? ver : "unknown");
	if (ncache < 8) {
		snprintf(cache[ncache].pkg, sizeof(cache[ncache].pkg), "%s", pkg);
		snprintf(cache[ncache].ver, sizeof(cache[ncache].ver), "%s", out);
		ncache++;
	}
}

static int resolve_row(const struct allocator_row *k, struct allocator *a)
{
	snprintf(a->name, sizeof(a->name), "%s", k->name);
	a->row = k;
	if (!k->soname && !k->build_file) {          /* the C library */
		a->installed = true;
		snprintf(a->version, sizeof(a->version), "%s", gnu_get_libc_version());
		snprintf(a->package, sizeof(a->package), "%s", k->package);
		return 0;
	}
	if (k->build_file) {
		snprintf(a->path, sizeof(a->path), "%s/%s", build_dir(), k->build_file);
		snprintf(a->version, sizeof(a->version), "%s", k->version ? k->version : "unknown");
		a->installed = access(a->path, R_OK) == 0;
		if (!a->installed)
			snprintf(a->why_missing, sizeof(a->why_missing),
				 "%s is not built yet (%.150s is missing)", k->name, a->path);
		return 0;
	}
	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++) {
		snprintf(a->path, sizeof(a->path), "%s/%s", lib_dirs[i], k->soname);
		if (access(a->path, R_OK) == 0) {
			a->installed = true;
			snprintf(a->package, sizeof(a->package), "%s", k->package);
			package_version(k->package, a->version, sizeof(a->version));
			return 0;
		}
	}
	snprintf(a->path, sizeof(a->path), "%s", k->soname);
	snprintf(a->why_missing, sizeof(a->why_missing),
		 "%s is not installed: apt-get install %s (./harness installs it when run as root)",
		 k->soname, k->dev_package);
	return 0;
}

/* NAME=/path/lib.so */
static int resolve_path(const char *spec, const char *eq, struct allocator *a, char *err, size_t errlen)
{
	size_t n = (size_t)(eq - spec);
	if (n == 0 || n >= sizeof(a->name) || !eq[1]) {
		snprintf(err, errlen, "allocator '%s': write NAME=/path/to/lib.so", spec);
		return -1;
	}
	memcpy(a->name, spec, n);
	a->name[n] = '\0';
	if (!realpath(eq + 1, a->path)) {
		snprintf(err, errlen, "allocator '%s': library %s: %s", a->name, eq + 1, strerror(errno));
		return -1;
	}
	if (access(a->path, R_OK) != 0) {
		snprintf(err, errlen, "allocator '%s': library %s is not readable", a->name, a->path);
		return -1;
	}
	struct stat st;     /* a directory would be ignored by the loader with a warning, every run */
	if (stat(a->path, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "allocator '%s': %s is not a file: give the path of a shared library (.so)",
			 a->name, a->path);
		return -1;
	}
	/* A built-in name is a claim about the library (records, reports and
	 * the registry's knobs and version all follow the name): it may only
	 * name its own library.  Another library needs another name. */
	const struct allocator_row *row = allocator_row_find(a->name);
	if (row) {
		struct allocator own;
		char own_real[PATH_MAX];
		resolve_row(row, &own);
		if (!own.path[0] || !realpath(own.path, own_real) || strcmp(own_real, a->path) != 0) {
			snprintf(err, errlen, "allocator '%s' is built in (%s); %s is another library: "
				 "give it its own name, e.g. --alloc=my-%s=%s", a->name,
				 own.path[0] ? own.path : "the C library", a->path, a->name, eq + 1);
			return -1;
		}
		return resolve_row(row, a);   /* the built-in itself, by its path */
	}
	snprintf(a->version, sizeof(a->version), "unknown");
	a->installed = true;
	return 0;
}

int allocator_resolve(const char *spec, struct allocator *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	const char *eq = strchr(spec, '=');
	if (eq)
		return resolve_path(spec, eq, a, err, errlen);
	const struct allocator_row *row = allocator_row_find(spec);
	if (row)
		return resolve_row(row, a);
	snprintf(err, errlen, "unknown allocator '%s': use %s or NAME=/path/lib.so (see `harness list`)",
		 spec, allocator_names_text());
	return -1;
}

/* ------------------------------------------------------------ knobs */

static bool row_has_knob(const struct allocator_row *row, const char *name, size_t len)
{
	for (const char *p = row->knobs; p && *p;) {
		size_t l = strcspn(p, "\t\n");
		if (l == len && strncmp(p, name, len) == 0)
			return true;
		p += strcspn(p, "\n");
		p += *p == '\n';
	}
	return false;
}

int allocator_apply_knobs(const struct allocator_row *row, char *const *knobs, int n, struct exec_spec *x)
{
	char conf[1024] = "";
	for (int k = 0; k < n; k++) {
		const char *eq = strchr(knobs[k], '=');
		size_t len = (size_t)(eq - knobs[k]);
		bool conf_itself = row && row->conf_env && strlen(row->conf_env) == len &&
				   strncmp(row->conf_env, knobs[k], len) == 0;
		if (row && row->conf_env && (conf_itself || row_has_knob(row, knobs[k], len))) {
			/* --env MALLOC_CONF=... and table knobs end up in one variable */
			size_t l = strlen(conf);
			if (conf_itself)
				snprintf(conf + l, sizeof(conf) - l, "%s%s", l ? "," : "", eq + 1);
			else
				snprintf(conf + l, sizeof(conf) - l, "%s%.*s:%s", l ? "," : "", (int)len, knobs[k], eq + 1);
			continue;
		}
		char name[256];
		snprintf(name, sizeof(name), "%.*s", (int)len, knobs[k]);
		if (exec_set_env(x, name, eq + 1) < 0)
			return -1;
	}
	if (conf[0] && exec_set_env(x, row->conf_env, conf) < 0)
		return -1;
	return 0;
}
