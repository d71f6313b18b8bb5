/* allocators.c - which allocators the harness knows and where their
 * libraries are.  glibc is the baseline: nothing is preloaded.  The others
 * come from Debian packages (their library in the multiarch directory) or
 * from this build (hakmem); NAME=/path/lib.so names any other. */
#include <errno.h>
#include <gnu/libc-version.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "paths.h"

struct known_allocator {
	const char *name;
	const char *soname;     /* library file name; NULL for glibc and hakmem */
	const char *package;    /* Debian package that ships it */
	const char *dev_package;/* what to apt-get install */
};

static const struct known_allocator known[] = {
	{ "glibc", NULL, "libc6", "libc6" },
	{ "jemalloc", "libjemalloc.so.2", "libjemalloc2", "libjemalloc-dev" },
	{ "mimalloc", "libmimalloc.so.2", "libmimalloc2.0", "libmimalloc-dev" },
	{ "tcmalloc", "libtcmalloc_minimal.so.4", "libtcmalloc-minimal4", "libgoogle-perftools-dev" },
	{ "hakmem", NULL, NULL, NULL },
};

const char *const allocator_names[] = { "glibc", "jemalloc", "mimalloc", "tcmalloc", "hakmem", NULL };

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

static int resolve_known(const struct known_allocator *k, struct allocator *a)
{
	snprintf(a->name, sizeof(a->name), "%s", k->name);
	if (strcmp(k->name, "glibc") == 0) {
		a->installed = true;
		snprintf(a->version, sizeof(a->version), "%s", gnu_get_libc_version());
		snprintf(a->package, sizeof(a->package), "libc6");
		return 0;
	}
	if (strcmp(k->name, "hakmem") == 0) {
		snprintf(a->path, sizeof(a->path), "%s/allocator/libhakmem.so", build_dir());
		snprintf(a->version, sizeof(a->version), "%s", HARNESS_VERSION);
		a->installed = access(a->path, R_OK) == 0;
		if (!a->installed)
			snprintf(a->why_missing, sizeof(a->why_missing),
				 "HAKMEM is not built yet (%.150s is missing)", a->path);
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

int allocator_resolve(const char *spec, struct allocator *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	const char *eq = strchr(spec, '=');
	if (eq) {
		/* NAME=/path/lib.so */
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
		snprintf(a->version, sizeof(a->version), "unknown");
		a->installed = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, spec) == 0)
			return resolve_known(&known[i], a);
	snprintf(err, errlen, "unknown allocator '%s': use glibc, jemalloc, mimalloc, tcmalloc, hakmem or NAME=/path/lib.so (see `harness list`)",
		 spec);
	return -1;
}
