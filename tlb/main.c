/* main.c - hakmem-tlb: run a program under valgrind's lackey and feed
 * every data access of it to the TLB model; print one JSON object with
 * the misses of its timed region (between the first and the last
 * wl_now() of workloads/common.h), per region and per level.
 *
 *   hakmem-tlb [--tlb=MODEL] [--alloc-lib=PATH] -- PROGRAM [ARGS...]
 *   hakmem-tlb [--tlb=MODEL] --trace=FILE [--exe=PATH] [--alloc-lib=PATH]
 *   hakmem-tlb --list-models
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "tlb.h"
#include "trace.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hakmem-tlb [--tlb=MODEL] [--alloc-lib=PATH] [--no-thp] -- PROGRAM [ARGS...]\n"
		"       hakmem-tlb [--tlb=MODEL] --trace=FILE [--exe=PATH] [--alloc-lib=PATH]\n"
		"       hakmem-tlb --list-models\n"
		"\n"
		"Runs PROGRAM under valgrind --tool=lackey --trace-mem=yes, simulates a two-level\n"
		"data TLB on every data access and prints one JSON object: misses per 1000 ops of\n"
		"the timed region (first to last wl_now() marker), per region and per level.\n"
		"\n"
		"  --tlb=MODEL       zen4 (default), goldencove, or custom:l1=NxW,l2=NxW[,l1_2m=NxW,l2_2m=NxW]\n"
		"  --alloc-lib=PATH  the allocator library, preloaded into PROGRAM only (default: the first\n"
		"                    LD_PRELOAD entry; neither, or --alloc-lib= empty = glibc's malloc)\n"
		"  --no-thp          count every access as 4 KiB (do not read smaps/pagemap)\n"
		"  --trace=FILE      simulate a saved lackey log instead of running a program\n"
		"                    (no live process: every access 4 KiB, no initial maps)\n"
		"  --exe=PATH        with --trace: the program that was traced\n"
		"  --check           only check the options and MODEL: print the model's name, exit 0\n"
		"  --json-out=FILE   write the JSON object to FILE, and copy PROGRAM's own stdout to\n"
		"                    stdout (the harness's --engine=tlb: the workload's result line\n"
		"                    stays the run's result line)\n"
		"\n"
		"EXAMPLES\n"
		"  hakmem-tlb --tlb=goldencove -- build/workloads/random_mixed --cycles 20000\n"
		"  HAKMEM_THP=1 hakmem-tlb --alloc-lib=build/allocator/libhakmem.so -- build/workloads/random_mixed --cycles 20000\n");
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* PROGRAM as exec would find it. */
static int resolve_exe(const char *prog, char *out, size_t cap)
{
	if (strchr(prog, '/')) {
		if (!realpath(prog, out))
			return -1;
		return 0;
	}
	const char *path = getenv("PATH");
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(out, cap, "%.*s/%s", (int)n, p, prog);
		if (access(out, X_OK) == 0)
			return 0;
		p += n + (p[n] == ':');
	}
	errno = ENOENT;
	return -1;
}

/* The last line of the program's stdout that is a JSON object. */
static void last_json_line(const char *buf, char *out, size_t cap)
{
	out[0] = '\0';
	for (const char *l = buf; *l;) {
		size_t n = strcspn(l, "\n");
		if (n && l[0] == '{' && l[n - 1] == '}' && n < cap) {
			memcpy(out, l, n);
			out[n] = '\0';
		}
		l += n + (l[n] == '\n');
	}
}

static void print_level(FILE *f, const struct tlb_level_geom *l)
{
	fputc('[', f);
	for (int i = 0; i < l->n; i++)
		fprintf(f, "%s{\"entries\":%u,\"ways\":%u,\"pages\":\"%s\"}", i ? "," : "", l->arr[i].entries,
			l->arr[i].ways, l->arr[i].sizes == 3 ? "4K+2M" : l->arr[i].sizes == 1 ? "4K" : "2M");
	fputc(']', f);
}

static double cpu_s(int who)
{
	struct rusage ru;
	if (getrusage(who, &ru) < 0)
		return -1;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static void print_rate(FILE *f, const char *key, uint64_t n, double ops)
{
	if (ops > 0)
		fprintf(f, "\"%s\":%.6g", key, (double)n * 1000.0 / ops);
	else
		fprintf(f, "\"%s\":null", key);
}

static void print_result(FILE *f, const struct engine *e, const struct counts *c, double ops,
			 const char *wl_json, double wall, uint64_t lines, const char *exe, const char *alloc)
{
	uint64_t acc = 0, acc2m = 0, l1 = 0, walks = 0;
	for (int r = 0; r < REG_N; r++) {
		acc += c->accesses[r];
		acc2m += c->accesses_2m[r];
		l1 += c->l1_misses[r];
		walks += c->walks[r];
	}
	fprintf(f, "{\"engine\":\"tlb\",\"tracer\":\"valgrind lackey --trace-mem=yes\",");
	fprintf(f, "\"model\":{\"name\":\"%s\",\"source\":\"%s\",\"l1\":", e->tlb.geom.name, e->tlb.geom.source);
	print_level(f, &e->tlb.geom.l1);
	fprintf(f, ",\"l2\":");
	print_level(f, &e->tlb.geom.l2);
	fprintf(f, ",\"l1_reach_4k_pages\":%u,\"l2_reach_4k_pages\":%u},", tlb_level_entries(&e->tlb.geom.l1, TLB_4K),
		tlb_level_entries(&e->tlb.geom.l2, TLB_4K));
	fprintf(f, "\"program\":\"%s\",\"allocator_lib\":\"%s\",", exe ? exe : "", alloc ? alloc : "");
	if (ops > 0)
		fprintf(f, "\"ops\":%.0f,", ops);
	else
		fprintf(f, "\"ops\":null,\"ops_missing\":\"the program printed no JSON line with \\\"ops\\\": rates per 1K ops unavailable\",");
	fprintf(f, "\"markers\":%d,\"instructions\":%llu,\"accesses\":%llu,\"accesses_2m\":%llu,"
		"\"l1_misses\":%llu,\"l2_misses\":%llu,\"walks\":%llu,",
		e->marks, (unsigned long long)c->instructions, (unsigned long long)acc,
		(unsigned long long)acc2m, (unsigned long long)l1, (unsigned long long)walks,
		(unsigned long long)walks);
	print_rate(f, "l1_misses_per_kops", l1, ops);
	fputc(',', f);
	print_rate(f, "walks_per_kops", walks, ops);
	fprintf(f, ",\"regions\":{");
	for (int r = 0; r < REG_N; r++) {
		fprintf(f, "%s\"%s\":{\"accesses\":%llu,\"accesses_2m\":%llu,\"l1_misses\":%llu,\"walks\":%llu,",
			r ? "," : "", region_names[r], (unsigned long long)c->accesses[r],
			(unsigned long long)c->accesses_2m[r], (unsigned long long)c->l1_misses[r],
			(unsigned long long)c->walks[r]);
		print_rate(f, "l1_misses_per_kops", c->l1_misses[r], ops);
		fputc(',', f);
		print_rate(f, "walks_per_kops", c->walks[r], ops);
		fputc('}', f);
	}
	fprintf(f, "},\"huge_pages\":{\"source\":\"%s\",\"thp_2m_chunks_max\":%llu,\"thp_2m_chunks_last\":%llu},",
		e->thp_status, (unsigned long long)e->huge_max, (unsigned long long)e->nhuge);
	fprintf(f, "\"whole_run\":{\"allocator_mmaps\":%llu,\"superslab_hooks\":%llu,\"syscalls\":%llu},",
		(unsigned long long)e->alloc_mmaps, (unsigned long long)e->ss_hooks, (unsigned long long)e->syscalls);
	/* where the time goes: this process parses and simulates, valgrind
	 * (the child) runs the program and writes the trace */
	fprintf(f, "\"trace_lines\":%llu,\"engine_wall_seconds\":%.3f,\"parse_and_simulate_cpu_seconds\":%.3f,"
		"\"valgrind_cpu_seconds\":%.3f,", (unsigned long long)lines, wall, cpu_s(RUSAGE_SELF),
		cpu_s(RUSAGE_CHILDREN));
	if (ops > 0)
		fprintf(f, "\"engine_seconds_per_million_ops\":%.3f", wall / (ops / 1e6));
	else
		fprintf(f, "\"engine_seconds_per_million_ops\":null");
	if (wl_json && wl_json[0])
		fprintf(f, ",\"workload_result\":%s", wl_json);
	fprintf(f, "}\n");
}

int main(int argc, char **argv)
{
	const char *model = "zen4", *trace_file = NULL, *exe_opt = NULL, *alloc_lib = NULL, *json_out = NULL;
	int no_thp = 0, check = 0, a;
	for (a = 1; a < argc; a++) {
		const char *s = argv[a];
		if (strcmp(s, "--") == 0) {
			a++;
			break;
		}
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(s, "--list-models") == 0) {
			for (int i = 0; tlb_model_names[i]; i++)
				printf("%s\n", tlb_model_names[i]);
			return 0;
		}
		if (strncmp(s, "--tlb=", 6) == 0)
			model = s + 6;
		else if (strncmp(s, "--trace=", 8) == 0)
			trace_file = s + 8;
		else if (strncmp(s, "--exe=", 6) == 0)
			exe_opt = s + 6;
		else if (strncmp(s, "--alloc-lib=", 12) == 0)
			alloc_lib = s + 12;
		else if (strncmp(s, "--json-out=", 11) == 0 && s[11])
			json_out = s + 11;
		else if (strcmp(s, "--check") == 0)
			check = 1;
		else if (strcmp(s, "--no-thp") == 0)
			no_thp = 1;
		else if (s[0] == '-') {
			fprintf(stderr, "hakmem-tlb: unknown option '%s' (see --help)\n", s);
			return 2;
		} else
			break;
	}
	struct tlb_geom g;
	char err[256];
	if (tlb_geom_parse(model, &g, err, sizeof(err)) < 0) {
		fprintf(stderr, "hakmem-tlb: %s\n", err);
		return 2;
	}
	if (check) {
		printf("%s\n", g.name);
		return 0;
	}
	if (!trace_file && a >= argc) {
		fprintf(stderr, "hakmem-tlb: no program to run (hakmem-tlb [options] -- PROGRAM [ARGS]; see --help)\n");
		return 2;
	}
	char alloc_buf[4096] = "", preload_buf[8192];
	const char *preload_child = NULL;
	int alloc_given = alloc_lib != NULL;
	if (alloc_lib && !*alloc_lib)
		alloc_lib = NULL;          /* --alloc-lib= : glibc's malloc, whatever LD_PRELOAD holds */
	if (alloc_lib && !trace_file) {
		/* the allocator goes first, before any preload already set */
		const char *old = getenv("LD_PRELOAD");
		if (!old || !strstr(old, alloc_lib)) {
			snprintf(preload_buf, sizeof(preload_buf), "%s%s%s", alloc_lib, old && *old ? ":" : "", old ? old : "");
			preload_child = preload_buf;
		}
		if (access(alloc_lib, R_OK) < 0) {
			fprintf(stderr, "hakmem-tlb: cannot read --alloc-lib '%s': %s\n", alloc_lib, strerror(errno));
			return 2;
		}
	}
	if (!alloc_given && getenv("LD_PRELOAD") && *getenv("LD_PRELOAD")) {
		const char *lp = getenv("LD_PRELOAD");
		size_t n = strcspn(lp, ": ");
		snprintf(alloc_buf, sizeof(alloc_buf), "%.*s", (int)n, lp);
		alloc_lib = alloc_buf;
	}
	char exe[4096] = "";
	if (!trace_file) {
		if (resolve_exe(argv[a], exe, sizeof(exe)) < 0) {
			fprintf(stderr, "hakmem-tlb: cannot find program '%s': %s\n", argv[a], strerror(errno));
			return 2;
		}
	} else if (exe_opt) {
		snprintf(exe, sizeof(exe), "%s", exe_opt);
	}

	double t0 = now_s();
	int trace_fd = -1, out_fd = -1;
	pid_t pid = 0;
	if (trace_file) {
		trace_fd = strcmp(trace_file, "-") == 0 ? 0 : open(trace_file, O_RDONLY | O_CLOEXEC);
		if (trace_fd < 0) {
			fprintf(stderr, "hakmem-tlb: cannot open trace '%s': %s\n", trace_file, strerror(errno));
			return 2;
		}
	} else {
		int p[2];
		out_fd = memfd_create("hakmem-tlb-stdout", MFD_CLOEXEC);
		if (out_fd < 0 || pipe2(p, O_CLOEXEC) < 0) {
			fprintf(stderr, "hakmem-tlb: pipe: %s\n", strerror(errno));
			return 1;
		}
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "hakmem-tlb: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			/* same layout every run; no lazy binding (its resolver
			 * would hide the allocator call's return slot) */
			personality(ADDR_NO_RANDOMIZE);
			setenv("LD_BIND_NOW", "1", 1);
			setenv("HAKMEM_TLB_MARKERS", "1", 1);   /* wl_now() markers on */
			if (preload_child)                        /* --alloc-lib: only the program gets it */
				setenv("LD_PRELOAD", preload_child, 1);
			/* stdout first: the memfd may itself be fd 3 */
			if (dup2(out_fd, 1) < 0 || dup2(p[1], 3) < 0)
				_exit(127);
			char **args = calloc((size_t)(argc - a) + 8, sizeof(char *));
			int n = 0;
			args[n++] = "valgrind";
			args[n++] = "--tool=lackey";
			args[n++] = "--trace-mem=yes";
			args[n++] = "--trace-syscalls=yes";
			args[n++] = "--trace-sched=yes";
			args[n++] = "--log-fd=3";
			args[n++] = exe;
			for (int i = a + 1; i < argc; i++)
				args[n++] = argv[i];
			execvp("valgrind", args);
			fprintf(stderr, "hakmem-tlb: cannot run valgrind: %s (Debian package valgrind)\n", strerror(errno));
			_exit(127);
		}
		close(p[1]);
		/* a larger pipe: fewer switches between valgrind and us; the
		 * trace then runs at most 1 MiB (~50000 lines) behind the
		 * process that the huge-page samples look at */
		(void)fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
		trace_fd = p[0];
	}

	static struct engine e;    /* large: per-thread and per-fd tables */
	struct engine_opts o = { .exe_path = exe[0] ? exe : NULL, .alloc_path = alloc_lib, .pid = pid, .no_thp_sampling = no_thp };
	if (engine_init(&e, &g, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "hakmem-tlb: %s\n", err);
		return 2;
	}
	static struct trace_parser parser;
	int rc = trace_read_fd(trace_fd, &parser, engine_event, &e);
	if (rc < 0)
		fprintf(stderr, "hakmem-tlb: reading the trace: %s\n", strerror(errno));
	if (trace_fd > 0)
		close(trace_fd);

	char wl_json[8192] = "";
	if (pid) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "hakmem-tlb: the program failed under valgrind (%s %d)\n",
				WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			return 1;
		}
		off_t len = lseek(out_fd, 0, SEEK_END);
		char *buf = calloc((size_t)len + 1, 1);
		if (buf && pread(out_fd, buf, (size_t)len, 0) == len) {
			last_json_line(buf, wl_json, sizeof(wl_json));
			if (json_out)    /* the program's stdout, as it wrote it */
				fwrite(buf, 1, (size_t)len, stdout);
		}
		free(buf);
		close(out_fd);
	}
	if (rc < 0)
		return 1;
	if (e.marks < 2) {
		fprintf(stderr, "hakmem-tlb: %d timed-region marker(s) in the trace, need 2: the program must call wl_now() "
			"from workloads/common.h (built with valgrind/valgrind.h) before and after its timed region\n", e.marks);
		return 1;
	}
	double ops = 0;
	const char *k = strstr(wl_json, "\"ops\":");
	if (k)
		ops = strtod(k + 6, NULL);
	struct counts c;
	engine_region(&e, &c);
	FILE *jf = json_out ? fopen(json_out, "w") : stdout;
	if (!jf) {
		fprintf(stderr, "hakmem-tlb: cannot write --json-out '%s': %s\n", json_out, strerror(errno));
		return 1;
	}
	print_result(jf, &e, &c, ops, wl_json, now_s() - t0, parser.lines, exe, alloc_lib);
	engine_free(&e);
	if (jf != stdout && fclose(jf) != 0) {
		fprintf(stderr, "hakmem-tlb: cannot write --json-out '%s': %s\n", json_out, strerror(errno));
		return 1;
	}
	return 0;
}
