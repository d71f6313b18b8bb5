/* test_counters_run.c - the counters collector on a real child, driven the
 * way the engine drives it (fork, hold on a pipe, attach, release, exec,
 * reap, finish), without the engine:
 *
 * - the child touches exactly N fresh pages: page-faults and minor-faults
 *   must be within 3% of N (plus the few hundred faults of start-up);
 * - cycles/instructions on a machine without a PMU are "not supported: no
 *   hardware PMU on this machine (ENOENT)" with no value (never 0), the
 *   derived figures are unsupported too, and the child still ran to exit 0;
 *   with a PMU they must have counted something.
 *
 * argv[1] is the touch-pages program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "collector.h"
#include "json.h"

#define PAGES 20000

static int have_cpu_pmu(void)
{
	return access("/sys/bus/event_source/devices/cpu", F_OK) == 0 ||
	       access("/sys/bus/event_source/devices/cpu_core", F_OK) == 0;
}

/* One run of prog with `pages`; returns the parsed "counters" record
 * fragment (caller frees) and fills m. */
static struct jv *run(const char *prog, const char *list, long pages, struct metrics *m, int *exit_code)
{
	struct run_opts o;
	memset(&o, 0, sizeof(o));
	o.counters = list;
	void *state = NULL;
	char err[256] = "";
	int rc = counters_collector.setup(&o, &state, err, sizeof(err));
	CHECK("setup accepts the list", rc == 0 && state);
	if (rc || !state) {
		fprintf(stderr, "setup: %s\n", err);
		return NULL;
	}

	int hold[2];
	if (pipe(hold) < 0)
		return NULL;
	char arg[32];
	snprintf(arg, sizeof(arg), "%ld", pages);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(hold[1]);
		if (read(hold[0], &c, 1) != 1)
			_exit(126);
		execl(prog, prog, arg, (char *)NULL);
		_exit(127);
	}
	close(hold[0]);
	struct run_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.pid = pid;
	ctx.opts = &o;
	ctx.workload = "touch_pages";
	CHECK("attach succeeds even when counters are unsupported",
	      counters_collector.attach(state, &ctx, err, sizeof(err)) == 0);
	CHECK("release the child", write(hold[1], "x", 1) == 1);
	close(hold[1]);
	int st = 0;
	waitpid(pid, &st, 0);
	*exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	ctx.ok = *exit_code == 0;
	ctx.ops = (double)pages;

	struct jbuf b;
	jb_init(&b);
	jb_obj_begin(&b, NULL);
	counters_collector.finish(state, &ctx, &b, m);
	jb_obj_end(&b);
	counters_collector.teardown(state);
	struct jv *v = jv_parse(b.s, err, sizeof(err));
	CHECK("the record fragment is valid JSON", v != NULL);
	if (!v)
		fprintf(stderr, "%s\n%s\n", err, b.s);
	jb_free(&b);
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s TOUCH_PAGES_PROGRAM\n", argv[0]);
		return 2;
	}
	struct metrics m;
	memset(&m, 0, sizeof(m));
	int code = -1;
	struct jv *v = run(argv[1], "page-faults,minor-faults,major-faults,task-clock,cycles,instructions", PAGES, &m, &code);
	if (!v)
		return check_summary();
	CHECK("the workload still ran to exit 0", code == 0);

	double pf = jv_num(v, "counters.events.page-faults.value", -1);
	double minf = jv_num(v, "counters.events.minor-faults.value", -1);
	printf("touched %d pages: page-faults %.0f, minor-faults %.0f\n", PAGES, pf, minf);
	const char *st = jv_str(v, "counters.events.page-faults.status");
	CHECK("page-faults status ok", st && strcmp(st, "ok") == 0);
	CHECK("page-faults within 3% of N", pf >= PAGES && pf <= PAGES * 1.03);
	CHECK("minor-faults within 3% of N", minf >= PAGES && minf <= PAGES * 1.03);
	CHECK("major-faults counted (ok)", jv_str(v, "counters.events.major-faults.status") &&
	      strcmp(jv_str(v, "counters.events.major-faults.status"), "ok") == 0);
	CHECK("time enabled recorded", jv_num(v, "counters.events.page-faults.time_enabled_ns", 0) > 0);
	CHECK("task-clock counted", jv_num(v, "counters.events.task-clock.value", 0) > 0);
	CHECK("the encoding is recorded", jv_num(v, "counters.events.page-faults.type", -1) == 1 &&
	      jv_str(v, "counters.events.page-faults.config") &&
	      strcmp(jv_str(v, "counters.events.page-faults.config"), "0x2") == 0);
	const struct metric *x = metrics_find(&m, "page_faults_per_kop");
	CHECK("page_faults_per_kop about 1000 per 1K pages", x && !x->status[0] && x->value >= 1000 && x->value <= 1030);

	const char *cst = jv_str(v, "counters.events.cycles.status");
	if (!have_cpu_pmu()) {
		CHECK("cycles: not supported, with the reason",
		      cst && strcmp(cst, "not supported: no hardware PMU on this machine (ENOENT)") == 0);
		CHECK("cycles: no value written (never 0)", jv_get(v, "counters.events.cycles.value") == NULL);
		CHECK("instructions: not supported",
		      jv_str(v, "counters.events.instructions.status") &&
		      strncmp(jv_str(v, "counters.events.instructions.status"), "not supported: ", 15) == 0);
		CHECK("cycles_per_op unsupported", (x = metrics_find(&m, "cycles_per_op")) && x->status[0]);
		CHECK("ipc unsupported", (x = metrics_find(&m, "ipc")) && strstr(x->status, "no hardware PMU"));
	} else {
		CHECK("cycles counted on a PMU machine", jv_num(v, "counters.events.cycles.value", 0) > 0);
		CHECK("ipc measured on a PMU machine", (x = metrics_find(&m, "ipc")) && !x->status[0] && x->value > 0);
		CHECK("instructions in cycles' group",
		      jv_str(v, "counters.events.instructions.group_leader") &&
		      strcmp(jv_str(v, "counters.events.instructions.group_leader"), "cycles") == 0);
	}
	jv_free(v);

	/* A child that never execs: nothing was enabled, so nothing is 0. */
	memset(&m, 0, sizeof(m));
	v = run("/nonexistent/program", "page-faults", 1, &m, &code);
	if (v) {
		CHECK("exec failed as planned", code == 127);
		const char *s = jv_str(v, "counters.events.page-faults.status");
		CHECK("never-enabled counter is not supported, not 0",
		      s && strstr(s, "never enabled") && !jv_get(v, "counters.events.page-faults.value"));
		jv_free(v);
	}
	return check_summary();
}
