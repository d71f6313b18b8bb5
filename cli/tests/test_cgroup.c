/* test_cgroup.c - the per-run cgroup source's detection and figures
 * (collectors/cgroup.c) on fake trees, and its verdict on this machine.
 *
 * Every fake tree is a temporary directory, checked first not to be a
 * cgroup filesystem: nothing is ever created in a real cgroup hierarchy.
 * Detection is given the filesystem type the fake root should have, since
 * a temporary directory is never cgroup2. */
#include <errno.h>
#include <linux/magic.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"

static char tmp[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	FILE *f = fopen(p, "w");
	if (!f || fputs(text, f) < 0) {
		fprintf(stderr, "cannot write %s: %s\n", p, strerror(errno));
		exit(99);
	}
	fclose(f);
}

static void dir(const char *rel)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", tmp, rel);
	if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "cannot mkdir %s: %s\n", p, strerror(errno));
		exit(99);
	}
}

static void detect(const char *self_text, long magic, struct cgroup_site *s)
{
	char self[PATH_MAX + 16];
	put("self_cgroup", self_text);
	snprintf(self, sizeof(self), "%s/self_cgroup", tmp);
	cgroup_detect_at(tmp, magic, self, s);
}

static void test_detection(void)
{
	struct cgroup_site s;
	char want[PATH_MAX + 64];

	detect("0::/\n", TMPFS_MAGIC, &s);
	CHECK("a tmpfs root does not qualify", !s.qualifies);
	CHECK("...and says it is tmpfs", strstr(s.reason, "is not a cgroup v2 mount (it is tmpfs"));
	detect("0::/\n", CGROUP_SUPER_MAGIC, &s);
	CHECK("a v1 root does not qualify", !s.qualifies && strstr(s.reason, "(it is cgroup v1)"));
	detect("0::/\n", 0x1234, &s);
	CHECK("an unknown filesystem is named by its type", !s.qualifies && strstr(s.reason, "filesystem type 0x1234"));

	/* this machine's shape: v1 hierarchies beside the v2 line */
	detect("4:memory:/process_api/x\n1:cpu:/\n0::/\n", CGROUP2_SUPER_MAGIC, &s);
	CHECK("v1 lines in /proc/self/cgroup: hybrid", !s.qualifies && strstr(s.reason, "lists cgroup v1 hierarchies")
	      && strstr(s.reason, "4:memory:/process_api/x"));
	detect("", CGROUP2_SUPER_MAGIC, &s);
	CHECK("no 0:: line", !s.qualifies && strstr(s.reason, "no cgroup v2 line"));

	detect("0::/bench.slice/run\n", CGROUP2_SUPER_MAGIC, &s);
	CHECK("a missing subtree_control is a reason", !s.qualifies && strstr(s.reason, "cannot read")
	      && strstr(s.reason, "/bench.slice/run/cgroup.subtree_control"));

	dir("bench.slice");
	dir("bench.slice/run");
	put("bench.slice/run/cgroup.subtree_control", "cpu io pids\n");
	detect("0::/bench.slice/run\n", CGROUP2_SUPER_MAGIC, &s);
	CHECK("memory not delegated", !s.qualifies && strstr(s.reason, "does not delegate the memory controller")
	      && strstr(s.reason, "'cpu io pids'"));
	put("bench.slice/run/cgroup.subtree_control", "cpu memoryx\n");
	detect("0::/bench.slice/run\n", CGROUP2_SUPER_MAGIC, &s);
	CHECK("a word that starts with memory is not memory", !s.qualifies);

	put("bench.slice/run/cgroup.subtree_control", "cpu memory pids\n");
	detect("0::/bench.slice/run\n", CGROUP2_SUPER_MAGIC, &s);
	snprintf(want, sizeof(want), "%s/bench.slice/run", tmp);
	CHECK("v2, memory delegated, writable: qualifies", s.qualifies && s.reason[0] == '\0');
	CHECK("...at this process's cgroup", strcmp(s.dir, want) == 0);

	put("cgroup.subtree_control", "memory\n");
	detect("0::/\n", CGROUP2_SUPER_MAGIC, &s);
	CHECK("the root cgroup is the root directory", s.qualifies && strcmp(s.dir, tmp) == 0);

	/* root may write anywhere: the check can only be seen failing as another user */
	if (geteuid() != 0) {
		snprintf(want, sizeof(want), "%s/bench.slice/run", tmp);
		chmod(want, 0555);
		detect("0::/bench.slice/run\n", CGROUP2_SUPER_MAGIC, &s);
		CHECK("not writable", !s.qualifies && strstr(s.reason, "is not writable"));
		chmod(want, 0755);
	} else {
		printf("root: the not-writable case cannot be produced, not checked\n");
	}
}

/* The verdict on the real /sys/fs/cgroup: read-only, like the collector. */
static void test_this_machine(void)
{
	struct statfs sf;
	struct cgroup_site s;
	cgroup_detect(CGROUP_DEFAULT_ROOT, &s);
	if (statfs(CGROUP_DEFAULT_ROOT, &sf) != 0) {
		CHECK("no /sys/fs/cgroup: the reason says statfs failed", !s.qualifies && strstr(s.reason, "cannot statfs"));
		return;
	}
	if (sf.f_type != CGROUP2_SUPER_MAGIC) {
		printf("this machine: %s\n", s.reason);
		CHECK("this machine's /sys/fs/cgroup is not cgroup2: unavailable, with that reason",
		      !s.qualifies && strstr(s.reason, "/sys/fs/cgroup is not a cgroup v2 mount"));
	} else {
		printf("this machine has cgroup2 at /sys/fs/cgroup: %s\n", s.qualifies ? s.dir : s.reason);
		CHECK("a verdict either way", s.qualifies || s.reason[0]);
	}
}

static void test_figures(void)
{
	dir("run1");
	put("run1/memory.peak", "123456789\n");
	put("run1/memory.stat", "anon 0\nfile 4096\npgfaultx 5\npgfault 1000\npgmajfault 2\n"
	    "thp_fault_alloc 3\nthp_fault_fallback 9\n");
	put("run1/cpu.stat", "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 0\n");
	char d[PATH_MAX + 16];
	snprintf(d, sizeof(d), "%s/run1", tmp);
	struct cgroup_figures f;
	CHECK("all six figures read", cgroup_read_figures(d, &f) == CGF_NR);
	CHECK("memory.peak", f.have[CGF_MEMORY_PEAK] && f.raw[CGF_MEMORY_PEAK] == 123456789ULL);
	CHECK("pgfault: the exact key, not a longer one", f.raw[CGF_PGFAULT] == 1000);
	CHECK("pgmajfault", f.raw[CGF_PGMAJFAULT] == 2);
	CHECK("thp_fault_alloc", f.raw[CGF_THP_FAULT_ALLOC] == 3);
	CHECK("user_usec", f.raw[CGF_CPU_USER] == 3000);
	CHECK("system_usec", f.raw[CGF_CPU_SYSTEM] == 2000);

	struct jbuf b;
	static struct metrics m;
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	cgroup_figures_report(&f, d, &b, &m);
	jb_obj_end(&b);
	struct jv *v = jv_parse(b.s, NULL, 0);
	CHECK("report parses", v != NULL);
	if (v) {
		CHECK("source ok", strcmp(jv_str(v, "cgroup.source"), "ok") == 0);
		CHECK("raw bytes under the source's name", jv_num(v, "cgroup.memory_peak", 0) == 123456789.0);
		CHECK("memory.stat key under its name", jv_num(v, "cgroup.memory_stat_pgfault", 0) == 1000);
		CHECK("cpu.stat key under its name", jv_num(v, "cgroup.cpu_stat_user_usec", 0) == 3000);
	}
	jv_free(v);
	jb_free(&b);
	const struct metric *pk = metrics_find(&m, "cgroup_memory_peak_kib");
	const struct metric *us = metrics_find(&m, "cgroup_cpu_user_s");
	CHECK("peak in KiB", pk && !pk->status[0] && fabs(pk->value - 123456789.0 / 1024) < 1e-6);
	CHECK("user CPU in seconds", us && !us->status[0] && fabs(us->value - 0.003) < 1e-12);

	/* memory.peak absent (Linux < 5.19), a garbled cpu.stat, a key missing */
	dir("run2");
	put("run2/memory.stat", "anon 0\npgfault 7\n");
	put("run2/cpu.stat", "user_usec max\n");
	snprintf(d, sizeof(d), "%s/run2", tmp);
	CHECK("only pgfault read", cgroup_read_figures(d, &f) == 1 && f.raw[CGF_PGFAULT] == 7);
	CHECK("absent file: missing with the reason", !f.have[CGF_MEMORY_PEAK] && strstr(f.why[CGF_MEMORY_PEAK], "no memory.peak"));
	CHECK("absent key", !f.have[CGF_PGMAJFAULT] && strstr(f.why[CGF_PGMAJFAULT], "has no pgmajfault line"));
	CHECK("not a number", !f.have[CGF_CPU_USER] && strstr(f.why[CGF_CPU_USER], "user_usec is not a number"));
	memset(&m, 0, sizeof(m));
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	cgroup_figures_report(&f, d, &b, &m);
	jb_obj_end(&b);
	v = jv_parse(b.s, NULL, 0);
	CHECK("a missing figure is null in the record, not 0",
	      v && jv_get(v, "cgroup.memory_peak") && jv_type(jv_get(v, "cgroup.memory_peak")) == JV_NULL);
	jv_free(v);
	jb_free(&b);
	pk = metrics_find(&m, "cgroup_memory_peak_kib");
	CHECK("...and an unsupported metric with the reason", pk && strstr(pk->status, "not supported: no memory.peak"));
}

int main(void)
{
	snprintf(tmp, sizeof(tmp), "%s/test_cgroup.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(tmp)) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return 99;
	}
	struct statfs sf;
	if (statfs(tmp, &sf) != 0 || sf.f_type == CGROUP2_SUPER_MAGIC || sf.f_type == CGROUP_SUPER_MAGIC) {
		fprintf(stderr, "%s is (or cannot be shown not to be) a cgroup filesystem: refusing to write there\n", tmp);
		return 99;
	}
	test_detection();
	test_this_machine();
	test_figures();
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmp);
	return check_summary();
}
