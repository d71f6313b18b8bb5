/* record.c - see record.h. */
#include "record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostinfo.h"

static char command_line[4096];

void record_set_command(int argc, char **argv)
{
	size_t len = 0;
	command_line[0] = '\0';
	for (int i = 0; i < argc && len < sizeof(command_line) - 1; i++) {
		const char *a = i == 0 ? "./harness" : argv[i];
		bool quote = strpbrk(a, " \t'\"$`\\;&|<>()*?") != NULL;
		len += (size_t)snprintf(command_line + len, sizeof(command_line) - len, "%s%s%s%s",
					i ? " " : "", quote ? "'" : "", a, quote ? "'" : "");
	}
}

const char *record_command(void)
{
	return command_line;
}

int record_open(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	struct stat st;
	if (fd < 0) {
		snprintf(err, errlen, "cannot open results file %s: %s (choose another with --out)", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "results file %s is not a regular file (choose another with --out)", path);
		close(fd);
		return -1;
	}
	/* A file whose last line was cut (an older crash, a full disk) would
	 * glue our first record onto it: start on a fresh line instead. */
	if (st.st_size > 0) {
		char last;
		int rfd = open(path, O_RDONLY | O_CLOEXEC);
		if (rfd >= 0) {
			if (pread(rfd, &last, 1, st.st_size - 1) == 1 && last != '\n' && write(fd, "\n", 1) != 1) {
				snprintf(err, errlen, "cannot write to results file %s: %s", path, strerror(errno));
				close(rfd);
				close(fd);
				return -1;
			}
			close(rfd);
		}
	}
	return fd;
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6;
}

/* What ran: the invocation, the host, the workload and the variant. */
static void record_identity(struct jbuf *b, const struct record_core *c)
{
	const struct invocation *inv = c->inv;
	const struct run_opts *o = inv->opts;
	const struct variant *v = c->variant;
	char when[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);

	jb_int(b, "schema", 2);
	jb_str(b, "invocation", inv->id);
	jb_str(b, "experiment", inv->experiment ? inv->experiment : "run");
	jb_str(b, "time", when);
	jb_str(b, "command", record_command());
	hostinfo_json(hostinfo_get(), b);
	jb_str(b, "workload", inv->name);
	char cmd[8192], flag[80];
	const char *args[256];
	int na = variant_workload_args(o, v, args, 256, flag, sizeof(flag));
	jb_str(b, "cmd", variant_cmd(o, v, cmd, sizeof(cmd)));
	jb_arr_begin(b, "args");
	for (int i = 0; i < na; i++)
		jb_str(b, NULL, args[i]);
	jb_arr_end(b);
	if (o->param_name) {    /* -L / --parameter-scan: which value this variant ran */
		jb_obj_begin(b, "parameter");
		jb_str(b, "name", o->param_name);
		jb_str(b, "value", v->param_value);
		jb_obj_end(b);
	}
	jb_int(b, "threads", v->threads);
	jb_str(b, "variant", v->label);
	jb_int(b, "variant_index", (long long)(v - inv->variants));   /* 0 = the baseline */
	jb_obj_begin(b, "alloc");
	jb_str(b, "name", v->alloc.name);
	jb_str(b, "path", v->alloc.path);
	jb_str(b, "version", v->alloc.version);
	jb_str(b, "package", v->alloc.package);
	jb_obj_end(b);
	jb_obj_begin(b, "knobs");
	for (int k = 0; k < v->n_knobs; k++) {
		char name[256];
		const char *eq = strchr(v->knobs[k], '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq - v->knobs[k]), v->knobs[k]);
		jb_str(b, name, eq + 1);
	}
	jb_obj_end(b);
	jb_str(b, "engine", o->engine ? o->engine : "native");
}

/* How it ended: status, exit, and which library answered malloc. */
static void record_outcome(struct jbuf *b, const struct record_core *c)
{
	jb_int(b, "run", c->run_index);
	jb_int(b, "round_position", c->round_position);
	if (c->warmup)
		jb_bool(b, "warmup", true);
	jb_str(b, "status", c->ok ? "ok" : c->interrupted ? "interrupted" : "failed");
	jb_text(b, "error", c->error);
	/* What the workload said on stderr: the first STDERR_HEAD_MAX bytes
	 * (engine.c) and how many there were in all. */
	jb_text(b, "stderr_head", c->stderr_head);
	jb_int(b, "stderr_bytes", (long long)c->stderr_bytes);
	jb_obj_begin(b, "exit");
	if (c->started && c->signal) {
		jb_null(b, "code");
		jb_int(b, "signal", c->signal);
	} else if (c->started) {
		jb_int(b, "code", c->exit_code);
		jb_null(b, "signal");
	} else {
		jb_null(b, "code");
		jb_null(b, "signal");
	}
	jb_bool(b, "timed_out", c->timed_out);
	jb_obj_end(b);
	jb_obj_begin(b, "preload");
	jb_bool(b, "verified", c->preload_verified);
	jb_str(b, "malloc_from", c->malloc_from && c->malloc_from[0] ? c->malloc_from : NULL);
	jb_obj_end(b);
}

/* What the core measured: wall time, the result line, rusage. */
static void record_measures(struct jbuf *b, const struct record_core *c)
{
	jb_num(b, "wall_s", c->wall_s);
	if (c->result) {
		jb_value(b, "result", c->result);
		double ops = jv_num(c->result, "ops", 0), secs = jv_num(c->result, "seconds", 0);
		jb_num(b, "ops", ops);
		jb_num(b, "seconds", secs);
		if (secs > 0)
			jb_num(b, "ops_per_sec", ops / secs);
		else
			jb_null(b, "ops_per_sec");
	} else {
		jb_null(b, "result");
	}
	jb_str(b, "output_digest", c->output_digest);
	jb_obj_begin(b, "rusage");
	jb_num(b, "user_s", tv_s(c->ru->ru_utime));
	jb_num(b, "sys_s", tv_s(c->ru->ru_stime));
	jb_int(b, "maxrss_kb", c->ru->ru_maxrss);
	jb_int(b, "minflt", c->ru->ru_minflt);
	jb_int(b, "majflt", c->ru->ru_majflt);
	jb_int(b, "nvcsw", c->ru->ru_nvcsw);
	jb_int(b, "nivcsw", c->ru->ru_nivcsw);
	jb_obj_end(b);
}

void record_begin(struct jbuf *b, const struct record_core *c)
{
	jb_obj_begin(b, NULL);
	record_identity(b, c);
	record_outcome(b, c);
	if (!c->started) {
		jb_null(b, "wall_s");
		jb_null(b, "result");
		return;           /* the object stays open for collectors and metrics */
	}
	record_measures(b, c);
}

void record_end(struct jbuf *b, const struct metrics *m)
{
	metrics_json(m, b);
	jb_obj_end(b);
}

int record_append(int fd, struct jbuf *b)
{
	if (b->oom) {
		errno = ENOMEM;
		return -1;
	}
	/* One write: with O_APPEND the kernel places it whole at the end. */
	size_t n = b->len;
	b->s[n] = '\n';
	ssize_t w = write(fd, b->s, n + 1);
	b->s[n] = '\0';
	if (w != (ssize_t)(n + 1)) {
		if (w >= 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
