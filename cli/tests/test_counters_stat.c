/* test_counters_stat.c - the perf stat block of the summary, fed synthetic
 * records (no PMU needed): thousands separators, the mean and "( +- x% )"
 * over the runs, the multiplexing share, "<not supported>" with its reason
 * (never 0), IPC from cycles and instructions, and the -x CSV field order. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "counters_stat.h"

/* One record's "counters" section: task-clock (ns), page-faults, cycles
 * and instructions (multiplexed: running 2/3 of enabled), dTLB (not
 * supported). */
static void record(char *buf, size_t len, double task_ns, double faults, double cycles, double insns)
{
	snprintf(buf, len,
		 "{\"counters\":{\"events\":{"
		 "\"task-clock\":{\"type\":1,\"config\":\"0x1\",\"exclude_user\":false,\"exclude_kernel\":false,"
		 "\"value\":%.0f,\"raw\":%.0f,\"time_enabled_ns\":%.0f,\"time_running_ns\":%.0f,\"status\":\"ok\"},"
		 "\"page-faults\":{\"type\":1,\"config\":\"0x2\",\"exclude_user\":false,\"exclude_kernel\":false,"
		 "\"value\":%.0f,\"raw\":%.0f,\"time_enabled_ns\":%.0f,\"time_running_ns\":%.0f,\"status\":\"ok\"},"
		 "\"cycles\":{\"type\":0,\"config\":\"0x0\",\"exclude_user\":false,\"exclude_kernel\":false,"
		 "\"value\":%.0f,\"raw\":%.0f,\"time_enabled_ns\":300,\"time_running_ns\":200,\"status\":\"scaled (66%%)\"},"
		 "\"instructions\":{\"type\":0,\"config\":\"0x1\",\"exclude_user\":false,\"exclude_kernel\":false,"
		 "\"group_leader\":\"cycles\",\"value\":%.0f,\"raw\":%.0f,\"time_enabled_ns\":300,\"time_running_ns\":200,"
		 "\"status\":\"scaled (66%%)\"},"
		 "\"dTLB-load-misses\":{\"type\":3,\"config\":\"0x10003\",\"exclude_user\":false,\"exclude_kernel\":false,"
		 "\"status\":\"not supported: no hardware PMU on this machine (ENOENT)\"}"
		 "}}}",
		 task_ns, task_ns, task_ns, task_ns, faults, faults, task_ns, task_ns,
		 cycles, cycles * 2 / 3, insns, insns * 2 / 3);
}

static const struct counter_line *line_of(const struct counter_line *l, int n, const char *event)
{
	for (int i = 0; i < n; i++)
		if (strcmp(l[i].event, event) == 0)
			return &l[i];
	return NULL;
}

static char *print_to_string(const struct counter_line *l, const char *csv_sep)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (csv_sep)
		counters_stat_csv_line("hakmem", l, csv_sep, f);
	else
		counters_stat_print_line(l, f);
	fclose(f);
	return text;
}

static void thousands(void)
{
	char b[64];
	CHECK("1234567 -> 1,234,567", strcmp(counters_thousands(1234567, 0, b, sizeof(b)), "1,234,567") == 0);
	CHECK("1234.5 -> 1,234.50", strcmp(counters_thousands(1234.5, 2, b, sizeof(b)), "1,234.50") == 0);
	CHECK("999 has no separator", strcmp(counters_thousands(999, 0, b, sizeof(b)), "999") == 0);
	CHECK("1000 -> 1,000", strcmp(counters_thousands(1000, 0, b, sizeof(b)), "1,000") == 0);
	CHECK("0 -> 0", strcmp(counters_thousands(0, 0, b, sizeof(b)), "0") == 0);
	CHECK("-1234567.891 -> -1,234,567.89", strcmp(counters_thousands(-1234567.891, 2, b, sizeof(b)), "-1,234,567.89") == 0);
}

int main(void)
{
	thousands();

	/* Three runs: task-clock 100, 110, 120 ms; page-faults 1000000 each
	 * plus 0/3000/6000; cycles 3000, instructions 7500 (IPC 2.5). */
	struct counter_samples runs[3];
	const struct counter_samples *rp[3];
	char rec[4096];
	for (int r = 0; r < 3; r++) {
		record(rec, sizeof(rec), (100 + 10 * r) * 1e6, 1000000 + 3000 * r, 3000, 7500);
		CHECK("a record's counters parse", counters_samples_from_record(rec, NULL, &runs[r]) == 5);
		rp[r] = &runs[r];
	}
	CHECK("events keep the record's order", strcmp(runs[0].s[0].event, "task-clock") == 0 &&
	      strcmp(runs[0].s[4].event, "dTLB-load-misses") == 0);
	CHECK("a record without counters has none", counters_samples_from_record("{\"ok\":true}", NULL, &runs[0]) == 0);
	record(rec, sizeof(rec), 100e6, 1000000, 3000, 7500);
	counters_samples_from_record(rec, NULL, &runs[0]);

	struct counter_line l[COUNTERS_STAT_MAX];
	int n = counters_stat_lines(rp, 3, 0.5, l, COUNTERS_STAT_MAX);
	CHECK("one line per event", n == 5);
	const struct counter_line *task = line_of(l, n, "task-clock"), *pf = line_of(l, n, "page-faults"),
		*cyc = line_of(l, n, "cycles"), *ins = line_of(l, n, "instructions"), *tlb = line_of(l, n, "dTLB-load-misses");
	if (!task || !pf || !cyc || !ins || !tlb)
		return check_summary() + 1;

	/* perf's arithmetic: mean 110 ms; stddev 10 over n-1, of the mean
	 * 10/sqrt(3) = 5.7735, relative 5.2486% */
	CHECK("mean of the runs", fabs(task->mean - 110e6) < 1);
	CHECK("relative stddev of the mean (perf's)", fabs(task->rel_stddev_pct - 100 * (10 / sqrt(3)) / 110) < 1e-9);
	CHECK("CPUs utilized = task-clock / wall time", fabs(task->metric - 0.110 / 0.5) < 1e-9 &&
	      strcmp(task->metric_unit, "CPUs utilized") == 0);
	CHECK("a software event's rate per task-clock second", strcmp(pf->metric_unit, "M/sec") == 0 &&
	      fabs(pf->metric - 1003000 / 0.110 / 1e6) < 1e-9);
	CHECK("multiplexed: 66.67% of the time counted", fabs(cyc->pct_running - 200.0 / 3) < 1e-9);
	CHECK("IPC from cycles and instructions", strcmp(ins->metric_unit, "insn per cycle") == 0 &&
	      fabs(ins->metric - 2.5) < 1e-12);
	CHECK("unsupported: not counted, reason kept", tlb->counted == 0 &&
	      strstr(tlb->status, "no hardware PMU") != NULL);

	char *t = print_to_string(task, NULL);
	CHECK("task-clock in msec with separators", strstr(t, "110.00 msec task-clock") != NULL);
	CHECK("task-clock ( +- x% )", strstr(t, "( +-  5.25% )") != NULL);
	CHECK("CPUs utilized comment", strstr(t, "#    0.220 CPUs utilized") != NULL);
	free(t);
	t = print_to_string(pf, NULL);
	CHECK("raw count with thousands separators", strstr(t, "1,003,000      page-faults") != NULL);
	free(t);
	t = print_to_string(cyc, NULL);
	CHECK("multiplexing share as perf prints it", strstr(t, "(66.67%)") != NULL);
	CHECK("scaled value: 3,000", strstr(t, "3,000") != NULL);
	free(t);
	t = print_to_string(ins, NULL);
	CHECK("# 2.500 insn per cycle", strstr(t, "#    2.500 insn per cycle") != NULL);
	free(t);
	t = print_to_string(tlb, NULL);
	CHECK("<not supported> with the reason", strstr(t, "<not supported>") && strstr(t, "dTLB-load-misses") &&
	      strstr(t, "no hardware PMU on this machine (ENOENT)"));
	CHECK("never a 0 for an unsupported event", strchr(t, '0') == NULL);
	free(t);

	/* CSV: label; value; unit; event; variance; run time; percentage;
	 * metric value; metric unit (perf stat -x with -r) */
	t = print_to_string(task, ";");
	CHECK("CSV task-clock in perf's field order",
	      strcmp(t, "hakmem;110.00;msec;task-clock;5.25%;110000000;100.00;0.220;CPUs utilized\n") == 0);
	free(t);
	t = print_to_string(cyc, ";");
	/* GHz = cycles / task-clock ns: 3000 / 110e6 */
	CHECK("CSV multiplexed cycles", strcmp(t, "hakmem;3000;;cycles;0.00%;200;66.67;0.000;GHz\n") == 0);
	free(t);
	t = print_to_string(tlb, ",");
	CHECK("CSV unsupported: <not supported>, the reason in the metric unit",
	      strcmp(t, "hakmem,<not supported>,,dTLB-load-misses,,0,,,no hardware PMU on this machine (ENOENT)\n") == 0);
	free(t);

	/* One run: no variance field, no +- */
	n = counters_stat_lines(rp, 1, 0.5, l, COUNTERS_STAT_MAX);
	t = print_to_string(&l[0], ",");
	CHECK("CSV of one run has no variance field", strcmp(t, "hakmem,100.00,msec,task-clock,100000000,100.00,0.200,CPUs utilized\n") == 0);
	free(t);
	t = print_to_string(&l[0], NULL);
	CHECK("one run: no +-", strstr(t, "+-") == NULL);
	free(t);
	return check_summary();
}
