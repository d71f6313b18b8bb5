/* cgroup.c - the per-run cgroup source (see cgroup.h): detection, the
 * figures of a cgroup directory, and the collector that writes the
 * source's state into every record.
 *
 * The collector checks once per invocation whether this machine could
 * give per-run cgroup figures.  These machines cannot (a v1/v2 hybrid
 * owned by their manager: /sys/fs/cgroup is a tmpfs), and the live path
 * (a cgroup per run) is not built because it could not be run here, so
 * every record says "cgroup": {"source": "unavailable: REASON"}, or
 * "off" with --cgroup=off, and carries no cgroup figure: never a 0. */
#include <ctype.h>
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "collector.h"

/* ------------------------------------------------------------ detection */

static const char *fs_name(long magic)
{
	switch (magic) {
	case TMPFS_MAGIC: return "tmpfs: a cgroup v1 or hybrid layout";
	case CGROUP_SUPER_MAGIC: return "cgroup v1";
	case SYSFS_MAGIC: return "sysfs: nothing mounted there";
	}
	return NULL;
}

/* The v2 path of a /proc/PID/cgroup file ("0::PATH", the only line on a
 * pure v2 machine) into path; else -1 with the reason. */
static int self_v2_path(const char *self, char *path, size_t n, char *why, size_t wn)
{
	FILE *f = fopen(self, "r");
	if (!f) {
		snprintf(why, wn, "cannot read %s: %s", self, strerror(errno));
		return -1;
	}
	char *line = NULL, v1[160] = "";
	size_t cap = 0;
	bool found = false;
	for (ssize_t len; (len = getline(&line, &cap, f)) > 0;) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "0::", 3) == 0) {
			snprintf(path, n, "%s", line + 3);
			found = true;
		} else if (!v1[0]) {
			snprintf(v1, sizeof(v1), "%s", line);
		}
	}
	free(line);
	fclose(f);
	if (v1[0])
		snprintf(why, wn, "%s lists cgroup v1 hierarchies (e.g. '%s'): not a pure cgroup v2 machine", self, v1);
	else if (!found)
		snprintf(why, wn, "%s has no cgroup v2 line (0::PATH)", self);
	return v1[0] || !found ? -1 : 0;
}

/* Does the space-separated list in FILE hold the word "memory"?  1 yes,
 * 0 no (its text in list), -1 unreadable (the reason in list). */
static int lists_memory(const char *file, char *list, size_t n)
{
	FILE *f = fopen(file, "r");
	if (!f) {
		snprintf(list, n, "%s", strerror(errno));
		return -1;
	}
	char buf[512] = "";
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(list, n, "%s", buf);
	char *save = NULL;
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (strcmp(w, "memory") == 0)
			return 1;
	return 0;
}

void cgroup_detect_at(const char *root, long fs_magic, const char *self, struct cgroup_site *s)
{
	memset(s, 0, sizeof(*s));
	if (fs_magic != CGROUP2_SUPER_MAGIC) {
		const char *name = fs_name(fs_magic);
		if (name)
			snprintf(s->reason, sizeof(s->reason), "%s is not a cgroup v2 mount (it is %s)", root, name);
		else
			snprintf(s->reason, sizeof(s->reason), "%s is not a cgroup v2 mount (filesystem type 0x%lx)",
				 root, fs_magic);
		return;
	}
	char path[PATH_MAX];
	if (self_v2_path(self, path, sizeof(path), s->reason, sizeof(s->reason)) < 0)
		return;
	snprintf(s->dir, sizeof(s->dir), "%s%s", root, strcmp(path, "/") == 0 ? "" : path);
	char file[PATH_MAX + 32], list[128];
	snprintf(file, sizeof(file), "%s/cgroup.subtree_control", s->dir);
	int has = lists_memory(file, list, sizeof(list));
	if (has < 0) {
		snprintf(s->reason, sizeof(s->reason), "cannot read %.250s: %s", file, list);
		return;
	}
	if (has == 0) {
		snprintf(s->reason, sizeof(s->reason), "this process's cgroup %.200s does not delegate the memory "
			 "controller (cgroup.subtree_control: '%.80s')", s->dir, list);
		return;
	}
	if (access(s->dir, W_OK) != 0) {
		snprintf(s->reason, sizeof(s->reason), "this process's cgroup %.200s is not writable by it: %s",
			 s->dir, strerror(errno));
		return;
	}
	s->qualifies = true;
}

void cgroup_detect(const char *root, struct cgroup_site *s)
{
	struct statfs sf;
	if (statfs(root, &sf) != 0) {
		memset(s, 0, sizeof(*s));
		snprintf(s->reason, sizeof(s->reason), "cannot statfs %s: %s", root, strerror(errno));
		return;
	}
	cgroup_detect_at(root, (long)sf.f_type, CGROUP_SELF_FILE, s);
}

/* ------------------------------------------------------------- figures */

const struct cgroup_figure_def cgroup_figure_defs[CGF_NR] = {
	[CGF_MEMORY_PEAK] = { "memory.peak", NULL, 1.0 / 1024,
		{ "cgroup_memory_peak_kib", "KiB", METRIC_LOWER,
		  "peak memory charged to the run's cgroup, every process of it (memory.peak)" } },
	[CGF_PGFAULT] = { "memory.stat", "pgfault", 1,
		{ "cgroup_pgfault", "faults", METRIC_LOWER, "page faults of every process of the run's cgroup (memory.stat)" } },
	[CGF_PGMAJFAULT] = { "memory.stat", "pgmajfault", 1,
		{ "cgroup_pgmajfault", "faults", METRIC_LOWER, "major page faults of the run's cgroup (memory.stat)" } },
	[CGF_THP_FAULT_ALLOC] = { "memory.stat", "thp_fault_alloc", 1,
		{ "cgroup_thp_fault_alloc", "faults", METRIC_NEITHER, "huge pages allocated at a fault in the run's cgroup (memory.stat)" } },
	[CGF_CPU_USER] = { "cpu.stat", "user_usec", 1e-6,
		{ "cgroup_cpu_user_s", "s", METRIC_LOWER, "user CPU time of every process of the run's cgroup (cpu.stat)" } },
	[CGF_CPU_SYSTEM] = { "cpu.stat", "system_usec", 1e-6,
		{ "cgroup_cpu_system_s", "s", METRIC_LOWER, "system CPU time of every process of the run's cgroup (cpu.stat)" } },
};

/* A whole unsigned number at s, up to the end of the line. */
static int parse_u64(const char *s, unsigned long long *v)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || (*end && *end != '\n') ? -1 : 0;
}

/* One figure from the text of its file. */
static void figure_from(const struct cgroup_figure_def *d, const char *text, int i, struct cgroup_figures *f)
{
	if (!d->key) {
		if (parse_u64(text, &f->raw[i]) == 0)
			f->have[i] = true;
		else
			snprintf(f->why[i], sizeof(f->why[i]), "%s does not hold a number", d->file);
		return;
	}
	size_t kl = strlen(d->key);
	for (const char *l = text; l && *l;) {
		if (strncmp(l, d->key, kl) == 0 && l[kl] == ' ') {
			if (parse_u64(l + kl + 1, &f->raw[i]) == 0)
				f->have[i] = true;
			else
				snprintf(f->why[i], sizeof(f->why[i]), "%s: %s is not a number", d->file, d->key);
			return;
		}
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	snprintf(f->why[i], sizeof(f->why[i]), "%s has no %s line", d->file, d->key);
}

int cgroup_read_figures(const char *dir, struct cgroup_figures *f)
{
	memset(f, 0, sizeof(*f));
	int n = 0;
	for (int i = 0; i < CGF_NR; i++) {
		const struct cgroup_figure_def *d = &cgroup_figure_defs[i];
		char path[PATH_MAX + 32], text[8192];
		snprintf(path, sizeof(path), "%s/%s", dir, d->file);
		FILE *fp = fopen(path, "r");
		if (!fp) {
			snprintf(f->why[i], sizeof(f->why[i]), "no %s: %s", d->file, strerror(errno));
			continue;
		}
		size_t len = fread(text, 1, sizeof(text) - 1, fp);
		fclose(fp);
		text[len] = '\0';
		figure_from(d, text, i, f);
		n += f->have[i];
	}
	return n;
}

void cgroup_figures_report(const struct cgroup_figures *f, const char *dir, struct jbuf *rec, struct metrics *m)
{
	jb_obj_begin(rec, "cgroup");
	jb_str(rec, "source", "ok");
	jb_str(rec, "dir", dir);
	for (int i = 0; i < CGF_NR; i++) {
		const struct cgroup_figure_def *d = &cgroup_figure_defs[i];
		char key[64];   /* "memory_peak", "memory_stat_pgfault": the source, no dots (jv_get paths) */
		snprintf(key, sizeof(key), "%s%s%s", d->file, d->key ? "_" : "", d->key ? d->key : "");
		key[strcspn(key, ".")] = '_';
		if (f->have[i])
			jb_int(rec, key, (long long)f->raw[i]);
		else
			jb_null(rec, key);
	}
	jb_obj_end(rec);
	for (int i = 0; i < CGF_NR; i++) {
		const struct cgroup_figure_def *d = &cgroup_figure_defs[i];
		if (f->have[i])
			metric_set(m, &d->metric, (double)f->raw[i] * d->scale);
		else
			metric_unsupported(m, &d->metric, f->why[i]);
	}
}

/* ------------------------------------------------------------ collector */

struct cgroup_state {
	char source[512];          /* what every record says: "off (...)" or "unavailable: ..." */
};

static int cgroup_setup(const struct run_opts *o, void **state, char *err, size_t errlen)
{
	struct cgroup_state *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--cgroup: out of memory");
		return -1;
	}
	if (o->cgroup_off) {
		snprintf(s->source, sizeof(s->source), "off (--cgroup=off)");
	} else {
		struct cgroup_site site;
		cgroup_detect(CGROUP_DEFAULT_ROOT, &site);
		if (site.qualifies)
			snprintf(s->source, sizeof(s->source), "unavailable: this machine qualifies (cgroup v2, memory "
				 "delegated at %.300s) but this build has no per-run cgroup: it was written where that "
				 "path could not be run", site.dir);
		else
			snprintf(s->source, sizeof(s->source), "unavailable: %s", site.reason);
	}
	*state = s;
	return 0;
}

static void cgroup_finish(void *state, const struct run_ctx *ctx, struct jbuf *rec, struct metrics *m)
{
	struct cgroup_state *s = state;
	(void)ctx; (void)m;
	jb_obj_begin(rec, "cgroup");
	jb_str(rec, "source", s->source);
	jb_obj_end(rec);
}

static void cgroup_teardown(void *state)
{
	free(state);
}

const struct collector cgroup_collector = {
	.name = "cgroup",
	.setup = cgroup_setup,
	.finish = cgroup_finish,
	.teardown = cgroup_teardown,
};
