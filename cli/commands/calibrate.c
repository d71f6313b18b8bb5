/* calibrate.c - `harness calibrate [--trials N] [--force] [--json]`: the
 * measured costs of this machine (page faults, mmap/munmap/madvise calls,
 * page clearing), from build/calibrate/calibrate, cached per host and boot
 * (core/calibration.c) and then carried by every record as
 * host.calibration.  The table shows each cost's median and p10..p90
 * spread, or why it cannot be measured here. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calibration.h"
#include "commands.h"

/* The costs of the contract (README, "Measured costs"), in table order. */
static const char *const cost_names[] = {
	"fault_4k_first_touch", "fault_thp", "refault_after_dontneed", "mmap_call",
	"munmap_call", "madvise_dontneed_call", "clear_page_4k", "memset_4k",
};

static void usage(FILE *out)
{
	char path[4096], err[256];
	if (calibration_cache_path(path, sizeof(path), err, sizeof(err)) < 0)
		snprintf(path, sizeof(path), "(unknown: %s)", err);
	fprintf(out,
		"usage: harness calibrate [--trials N] [--force] [--json]\n\n"
		"Measures on this machine the CPU cost of a first-touch 4 KiB page fault, a THP\n"
		"fault, a refault after MADV_DONTNEED, mmap/munmap/madvise calls, in-kernel page\n"
		"clearing and a user-space 4 KiB memset, each as median and p10..p90 over N\n"
		"trials (build/calibrate/calibrate), and caches the result per host and boot:\n"
		"  %s\n"
		"When that file exists, every record of run, ab, analyze and suite carries it as\n"
		"host.calibration and the reports turn counts into time with it; analyze\n"
		"calibrates first when it is missing.  Without --force the cache is shown, not\n"
		"measured again (unless --trials differs from the cached trials).  A cost that\n"
		"cannot be measured here is shown with the reason, never as a number.\n\n"
		"options:\n"
		"  --trials N   timed trials per cost (default: the program's, 11; more = tighter spread)\n"
		"  --force      measure again even when this host and boot has a cache\n"
		"  --json       print the calibration object instead of the table\n"
		"  -h, --help   this text\n\n"
		"EXAMPLES\n"
		"  ./harness calibrate\n"
		"  ./harness calibrate --force --trials 51\n"
		"  ./harness calibrate --json\n",
		path);
}

/* 20032.7 ns -> "20.03 us" */
static const char *ns_text(double ns, char *buf, size_t n)
{
	if (ns >= 1e6)
		snprintf(buf, n, "%.2f ms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, n, "%.2f us", ns / 1e3);
	else
		snprintf(buf, n, "%.1f ns", ns);
	return buf;
}

static void print_table(const struct jv *cal, const char *path, bool measured)
{
	char boot[16];
	snprintf(boot, sizeof(boot), "%.8s", jv_str(cal, "host.boot_id") ? jv_str(cal, "host.boot_id") : "?");
	printf("measured costs on %s (kernel %s, boot %s...), CPU time per event (CLOCK_THREAD_CPUTIME_ID)\n",
	       jv_str(cal, "host.hostname"), jv_str(cal, "host.kernel"), boot);
	if (jv_num(cal, "trials", NAN) == jv_num(cal, "trials", NAN))
		printf("%.0f trials of %.0f pages (%.0f THP pages)\n\n", jv_num(cal, "trials", NAN),
		       jv_num(cal, "pages_per_trial", NAN), jv_num(cal, "thp_pages_per_trial", NAN));
	printf("  %-24s %-5s %10s   %-24s %4s\n", "cost", "per", "median", "p10 .. p90", "n");
	for (size_t i = 0; i < sizeof(cost_names) / sizeof(cost_names[0]); i++) {
		char key[64], a[32], b[32], c[32], range[80];
		snprintf(key, sizeof(key), "costs.%s", cost_names[i]);
		const struct jv *e = jv_get(cal, key);
		const char *status = jv_str(e, "status");
		if (!e) {
			printf("  %-24s not in this calibration (an older calibrate program?)\n", cost_names[i]);
			continue;
		}
		if (status) {
			printf("  %-24s %s\n", cost_names[i], status);
			continue;
		}
		if (!jv_str(e, "unit") || strcmp(jv_str(e, "unit"), "ns") != 0) {
			printf("  %-24s unit '%s' is not ns: not shown\n", cost_names[i],
			       jv_str(e, "unit") ? jv_str(e, "unit") : "?");
			continue;
		}
		snprintf(range, sizeof(range), "%s .. %s", ns_text(jv_num(e, "p10", NAN), b, sizeof(b)),
			 ns_text(jv_num(e, "p90", NAN), c, sizeof(c)));
		printf("  %-24s %-5s %10s   %-24s %4.0f\n", cost_names[i], jv_str(e, "per") ? jv_str(e, "per") : "?",
		       ns_text(jv_num(e, "median", NAN), a, sizeof(a)), range, jv_num(e, "n", NAN));
	}
	printf("\n  %s %s\n", measured ? "measured now; cached in" : "cached (this host and boot; --force measures again):",
	       path);
}

struct calibrate_args {
	int trials;     /* 0: the program's default */
	bool force, json;
};

/* -1 after one error line. */
static int parse(int argc, char **argv, struct calibrate_args *a)
{
	static const struct option lo[] = {
		{ "trials", required_argument, NULL, 't' }, { "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, { 0 },
	};
	optind = 0;
	opterr = 0;
	for (int key; (key = getopt_long(argc, argv, ":h", lo, NULL)) != -1;) {
		char *end;
		long v;
		switch (key) {
		case 'h':
			return 1;
		case 'f': a->force = true; break;
		case 'j': a->json = true; break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 100000) {
				fprintf(stderr, "harness calibrate: --trials needs a whole number between 1 and 100000, "
						"got '%s'\n", optarg);
				return -1;
			}
			a->trials = (int)v;
			break;
		case ':':
			fprintf(stderr, "harness calibrate: %s needs a value (see `harness calibrate --help`)\n",
				argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "harness calibrate: unknown option '%s' (see `harness calibrate --help`)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "harness calibrate: unexpected argument '%s' (see `harness calibrate --help`)\n",
			argv[optind]);
		return -1;
	}
	return 0;
}

static int cmd_calibrate(int argc, char **argv)
{
	struct calibrate_args a = { 0 };
	char path[4096], err[256];
	int rc = parse(argc, argv, &a);
	if (rc == 1) {
		usage(stdout);
		return 0;
	}
	if (rc < 0)
		return 2;
	if (calibration_cache_path(path, sizeof(path), err, sizeof(err)) < 0) {
		fprintf(stderr, "harness calibrate: %s\n", err);
		return 1;
	}
	const struct jv *cal = calibration_cached();
	bool measure = a.force || !cal || (a.trials && jv_num(cal, "trials", 0) != a.trials);
	if (measure) {
		if (calibration_measure(a.trials) < 0)
			return 1;
		cal = calibration_cached();
	}
	if (a.json) {
		struct jbuf b;
		jb_init(&b);
		jb_value(&b, NULL, cal);
		printf("%s\n", b.s ? b.s : "null");
		jb_free(&b);
	} else {
		print_table(cal, path, measure);
	}
	return 0;
}

const struct command command_calibrate = {
	"calibrate", cmd_calibrate,
	"measure page-fault, syscall and page-clearing costs here; cached per host and boot for every record",
};
