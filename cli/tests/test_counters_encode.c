/* test_counters_encode.c - event names -> perf_event_attr, list parsing,
 * multiplexing arithmetic and the metrics derived from readings.
 *
 *   test_counters_encode generic   perf/software/cache/raw names, lists,
 *                                  scaling, metrics (no PMU needed)
 *   test_counters_encode zen4      native AMD names; run with
 *                                  LIBPFM_FORCE_PMU=amd64_fam19h_zen4
 *   test_counters_encode intel     native Intel names; run with
 *                                  LIBPFM_FORCE_PMU=skl (libpfm4 encodes for
 *                                  a forced PMU without that CPU)
 *
 * Expected values are the kernel ABI (linux/perf_event.h) and the vendors'
 * event codes (AMD PPR: RETIRED_INSTRUCTIONS 0xc0, CYCLES_NOT_IN_HALT 0x76;
 * Intel SDM: INST_RETIRED.ANY_P 0xc0, CPU_CLK_UNHALTED.THREAD_P 0x3c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "counters_events.h"
#include "counters_metrics.h"

static void expect(const char *name, unsigned type, unsigned long long config, int hardware)
{
	struct counter_event ev;
	char err[256] = "";
	int rc = counters_encode(name, &ev, err, sizeof(err));
	char what[200];
	snprintf(what, sizeof(what), "%s encodes (%s)", name, err);
	CHECK(what, rc == 0);
	if (rc)
		return;
	snprintf(what, sizeof(what), "%s: type %u config 0x%llx (got %u 0x%llx)", name, type, config,
		 ev.attr.type, (unsigned long long)ev.attr.config);
	CHECK(what, ev.attr.type == type && ev.attr.config == config);
	snprintf(what, sizeof(what), "%s: hardware flag", name);
	CHECK(what, ev.hardware == hardware);
	snprintf(what, sizeof(what), "%s: counts user and kernel by default", name);
	if (!strchr(name, ':') || strstr(name, "::"))
		CHECK(what, !ev.attr.exclude_user && !ev.attr.exclude_kernel);
}

static void expect_error(const char *list, const char *needle)
{
	struct counter_set set;
	char err[256] = "";
	int rc = counters_parse_list(list, &set, err, sizeof(err));
	char what[300];
	snprintf(what, sizeof(what), "list '%s' is refused", list);
	CHECK(what, rc == -1);
	snprintf(what, sizeof(what), "list '%s': error mentions '%s' (got: %s)", list, needle, err);
	CHECK(what, strstr(err, needle) != NULL);
}

static void generic(void)
{
	/* software */
	expect("task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 0);
	expect("page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0);
	expect("faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0);
	expect("perf::PAGE-FAULTS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 0);
	expect("minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, 0);
	expect("major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 0);
	expect("context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 0);
	expect("cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 0);
	expect("cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, 0);
	expect("cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 0);
	/* generic hardware */
	expect("cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 1);
	expect("instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 1);
	expect("perf::cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 1);
	/* generic cache events: cache | op << 8 | result << 16 */
	expect("dTLB-load-misses", PERF_TYPE_HW_CACHE, 0x10003, 1);
	expect("perf::DTLB-LOAD-MISSES", PERF_TYPE_HW_CACHE, 0x10003, 1);
	expect("iTLB-load-misses", PERF_TYPE_HW_CACHE, 0x10004, 1);
	expect("L1-dcache-load-misses", PERF_TYPE_HW_CACHE, 0x10000, 1);
	expect("LLC-load-misses", PERF_TYPE_HW_CACHE, 0x10002, 1);
	/* raw codes */
	expect("r003c", PERF_TYPE_RAW, 0x3c, 1);
	expect("r01c0", PERF_TYPE_RAW, 0x1c0, 1);

	/* privilege modifiers: the user/kernel split */
	struct counter_event ev;
	char err[256];
	CHECK("cycles:u encodes", counters_encode("cycles:u", &ev, err, sizeof(err)) == 0);
	CHECK("cycles:u excludes the kernel only", ev.attr.exclude_kernel && !ev.attr.exclude_user);
	CHECK("instructions:k encodes", counters_encode("instructions:k", &ev, err, sizeof(err)) == 0);
	CHECK("instructions:k excludes user space only", ev.attr.exclude_user && !ev.attr.exclude_kernel);
	CHECK("the canonical name is kept", strstr(ev.fstr, "PERF_COUNT_HW_INSTRUCTIONS") != NULL);

	/* bad names */
	CHECK("bogus is refused", counters_encode("bogus", &ev, err, sizeof(err)) == -1);
	CHECK("bogus: the error names the event and `harness counters list`",
	      strstr(err, "unknown event 'bogus'") && strstr(err, "harness counters list"));
	CHECK("cycles:zz (bad modifier) is refused", counters_encode("cycles:zz", &ev, err, sizeof(err)) == -1);
	CHECK("cycles:zz: the error names the event", strstr(err, "cycles:zz") != NULL);

	/* lists */
	struct counter_set set;
	int n_default = 0;
	while (counters_default_names[n_default])
		n_default++;
	CHECK("NULL = the default set", counters_parse_list(NULL, &set, err, sizeof(err)) == 0 && set.n == n_default);
	CHECK("\"\" = the default set", counters_parse_list("", &set, err, sizeof(err)) == 0 && set.n == n_default);
	CHECK("default = the default set", counters_parse_list("default", &set, err, sizeof(err)) == 0 && set.n == n_default);
	CHECK("the default set starts with task-clock", strcmp(set.ev[0].name, "task-clock") == 0);
	CHECK("default,r003c adds one", counters_parse_list("default,r003c", &set, err, sizeof(err)) == 0 &&
	      set.n == n_default + 1);
	CHECK("default,cycles keeps one cycles", counters_parse_list("default,cycles", &set, err, sizeof(err)) == 0 &&
	      set.n == n_default);
	CHECK("a two-item list", counters_parse_list("cycles,page-faults", &set, err, sizeof(err)) == 0 &&
	      set.n == 2 && strcmp(set.ev[1].name, "page-faults") == 0);
	expect_error("cycles,,instructions", "empty event name");
	expect_error("cycles,", "empty event name");
	expect_error(",cycles", "empty event name");
	expect_error(",", "empty event name");
	expect_error("cycles,bogus", "unknown event 'bogus'");
	expect_error("cycles,cycles", "listed twice");
	char many[1024] = "";
	for (int i = 0; i < COUNTERS_MAX + 1; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%sr%x", i ? "," : "", 0x100 + i);
	expect_error(many, "at most");
}

static void scaling(void)
{
	double v, pct;
	char buf[64];
	CHECK("whole interval: ok", counters_scale(1000, 500, 500, &v, &pct) == COUNTER_OK && v == 1000 && pct == 100);
	CHECK("half the time: scaled", counters_scale(1000, 200, 100, &v, &pct) == COUNTER_SCALED);
	CHECK("half the time: value doubled", v == 2000 && pct == 50);
	CHECK("a third: x3", counters_scale(7, 300, 100, &v, &pct) == COUNTER_SCALED && v == 21);
	CHECK("large values do not overflow", counters_scale(4000000000000ULL, 3000000000ULL, 2000000000ULL, &v, &pct) ==
	      COUNTER_SCALED && v == 6000000000000.0);
	CHECK("never enabled: not counted", counters_scale(0, 0, 0, &v, &pct) == COUNTER_NOT_COUNTED);
	CHECK("never running: not counted (not 0)", counters_scale(0, 100, 0, &v, &pct) == COUNTER_NOT_COUNTED);
	counters_status_text(COUNTER_OK, 100, buf, sizeof(buf));
	CHECK("ok text", strcmp(buf, "ok") == 0);
	counters_status_text(COUNTER_SCALED, 50, buf, sizeof(buf));
	CHECK("scaled text", strcmp(buf, "scaled (50%)") == 0);
	counters_status_text(COUNTER_SCALED, 99.7, buf, sizeof(buf));
	CHECK("a scaled counter never shows 100%", strcmp(buf, "scaled (99%)") == 0);
	counters_status_text(COUNTER_NOT_COUNTED, 0, buf, sizeof(buf));
	CHECK("not counted text", strncmp(buf, "not supported: ", 15) == 0);
}

static struct counter_reading ok_reading(double value)
{
	struct counter_reading r;
	memset(&r, 0, sizeof(r));
	r.opened = true;
	r.scale = COUNTER_OK;
	r.value = value;
	snprintf(r.status, sizeof(r.status), "ok");
	return r;
}

static void metrics_from_readings(void)
{
	struct counter_set set;
	char err[256];
	CHECK("metric list parses",
	      counters_parse_list("task-clock,page-faults,cycles,instructions,dTLB-load-misses,cycles:u,instructions:u,"
				  "r003c,cs", &set, err, sizeof(err)) == 0);
	struct counter_reading r[COUNTERS_MAX];
	r[0] = ok_reading(2.5e6);            /* ns */
	r[1] = ok_reading(5000);
	memset(&r[2], 0, sizeof(r[2]));
	r[2].scale = COUNTER_NOT_COUNTED;
	snprintf(r[2].status, sizeof(r[2].status), "not supported: no hardware PMU on this machine (ENOENT)");
	r[3] = ok_reading(4e6);
	r[4] = ok_reading(300);
	r[5] = ok_reading(1e6);
	r[6] = ok_reading(3e6);
	r[6].scale = COUNTER_SCALED;
	r[7] = ok_reading(42);
	r[8] = ok_reading(3);

	struct metrics m;
	memset(&m, 0, sizeof(m));
	counters_add_metrics(&set, r, 1e6, &m);
	const struct metric *x;
	CHECK("task_clock_ms", (x = metrics_find(&m, "task_clock_ms")) && !x->status[0] && x->value == 2.5);
	CHECK("page_faults_per_kop", (x = metrics_find(&m, "page_faults_per_kop")) && x->value == 5);
	CHECK("cycles_per_op is unsupported, not 0",
	      (x = metrics_find(&m, "cycles_per_op")) && strstr(x->status, "no hardware PMU on this machine (ENOENT)"));
	CHECK("instructions_per_op", (x = metrics_find(&m, "instructions_per_op")) && x->value == 4);
	CHECK("ipc from an unsupported cycles is unsupported",
	      (x = metrics_find(&m, "ipc")) && strstr(x->status, "not supported: no hardware PMU"));
	CHECK("dtlb_load_misses_per_kop", (x = metrics_find(&m, "dtlb_load_misses_per_kop")) && x->value == 0.3);
	CHECK("user-only cycles", (x = metrics_find(&m, "cycles_user_per_op")) && x->value == 1);
	CHECK("user-only ipc", (x = metrics_find(&m, "ipc_user")) && !x->status[0] && x->value == 3);
	CHECK("raw event named after itself", (x = metrics_find(&m, "r003c_per_kop")) && x->value == 0.042);
	CHECK("context switches are a total", (x = metrics_find(&m, "context_switches")) && x->value == 3);
	/* descriptions in prose (report titles use them; the unit is on the axis) */
	CHECK("page faults described in words",
	      (x = metrics_find(&m, "page_faults_per_kop")) &&
	      strcmp(x->desc, "page faults per 1000 operations (perf event page-faults)") == 0);
	CHECK("cache event described in words", (x = metrics_find(&m, "dtlb_load_misses_per_kop")) &&
	      strcmp(x->desc, "dtlb load misses per 1000 operations (perf event dTLB-load-misses)") == 0);

	memset(&m, 0, sizeof(m));
	counters_add_metrics(&set, r, 0, &m);
	CHECK("ops unknown: totals instead of per-op figures",
	      (x = metrics_find(&m, "page_faults")) && x->value == 5000 && !metrics_find(&m, "page_faults_per_kop"));
	CHECK("ops unknown: unsupported stays unsupported",
	      (x = metrics_find(&m, "cycles")) && x->status[0]);

	struct counter_event ev;
	counters_encode("cycles", &ev, err, sizeof(err));
	char why[160];
	counters_open_error(&ev, 2 /* ENOENT */, why, sizeof(why));
	if (access("/sys/bus/event_source/devices/cpu", F_OK) != 0 &&
	    access("/sys/bus/event_source/devices/cpu_core", F_OK) != 0)
		CHECK("ENOENT without a CPU PMU says so", strcmp(why, "no hardware PMU on this machine (ENOENT)") == 0);
	else
		CHECK("ENOENT with a CPU PMU blames the event", strstr(why, "does not provide this event") != NULL);
}

static void zen4(void)
{
	expect("amd64_fam19h_zen4::RETIRED_INSTRUCTIONS", PERF_TYPE_RAW, 0xc0, 1);
	expect("amd64_fam19h_zen4::CYCLES_NOT_IN_HALT", PERF_TYPE_RAW, 0x76, 1);
	struct counter_event ev;
	char err[256];
	CHECK("zen4 user-only modifier", counters_encode("amd64_fam19h_zen4::RETIRED_INSTRUCTIONS:u", &ev, err,
							  sizeof(err)) == 0 && ev.attr.exclude_kernel && !ev.attr.exclude_user);
	CHECK("unknown zen4 event is refused", counters_encode("amd64_fam19h_zen4::NO_SUCH_EVENT", &ev, err,
							       sizeof(err)) == -1 && strstr(err, "NO_SUCH_EVENT"));
}

static void intel(void)
{
	expect("skl::INST_RETIRED:ANY_P", PERF_TYPE_RAW, 0xc0, 1);
	expect("skl::CPU_CLK_UNHALTED:THREAD_P", PERF_TYPE_RAW, 0x3c, 1);
	/* DTLB_LOAD_MISSES.WALK_COMPLETED: event 0x08, umask 0x0e on Skylake */
	expect("skl::DTLB_LOAD_MISSES:WALK_COMPLETED", PERF_TYPE_RAW, 0x0e08, 1);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "generic";
	if (strcmp(mode, "generic") == 0) {
		generic();
		scaling();
		metrics_from_readings();
	} else if (strcmp(mode, "zen4") == 0) {
		zen4();
	} else if (strcmp(mode, "intel") == 0) {
		intel();
	} else {
		fprintf(stderr, "usage: test_counters_encode generic|zen4|intel\n");
		return 2;
	}
	return check_summary();
}
