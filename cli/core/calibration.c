/* calibration.c - see calibration.h.  The program's stdout goes to a memory
 * file (its JSON is a few KiB); its stderr (one error line when it fails)
 * passes through.  The cache is written to a temporary file and renamed,
 * so a reader never sees half of it. */
#include "calibration.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "interrupt.h"
#include "paths.h"

#define CALIBRATION_MAX_BYTES (1 << 20)

static struct jv *cached;
static int cached_loaded;

static int read_boot_id(char *out, size_t n, char *err, size_t errlen)
{
	const char *path = "/proc/sys/kernel/random/boot_id";
	FILE *f = fopen(path, "r");
	out[0] = '\0';
	if (f) {
		if (!fgets(out, (int)n, f))
			out[0] = '\0';
		fclose(f);
	}
	out[strcspn(out, "\n")] = '\0';
	if (!out[0]) {
		snprintf(err, errlen, "cannot read %s: %s (the calibration cache is per boot)", path,
			 f ? "empty" : strerror(errno));
		return -1;
	}
	return 0;
}

static void hostname_of(char *out, size_t n)
{
	struct utsname u;
	snprintf(out, n, "%s", uname(&u) == 0 ? u.nodename : "unknown");
}

int calibration_cache_path(char *out, size_t n, char *err, size_t errlen)
{
	char boot[128], host[128];
	if (read_boot_id(boot, sizeof(boot), err, errlen) < 0)
		return -1;
	hostname_of(host, sizeof(host));
	for (char *p = host; *p; p++)         /* a file name, whatever the host is called */
		if (*p == '/' || *p == ' ')
			*p = '_';
	snprintf(out, n, "%.3000s/results/calibration/%.100s-%.100s.json", source_dir(), host, boot);
	return 0;
}

/* The object is this host's and this boot's: -1 with the reason if not. */
static int check_host(const struct jv *cal, char *err, size_t errlen)
{
	char boot[128], host[128];
	const char *cb = jv_str(cal, "host.boot_id"), *ch = jv_str(cal, "host.hostname");
	if (read_boot_id(boot, sizeof(boot), err, errlen) < 0)
		return -1;
	hostname_of(host, sizeof(host));
	if (jv_num(cal, "schema", 0) != 1 || jv_type(jv_get(cal, "costs")) != JV_OBJ) {
		snprintf(err, errlen, "not a calibration of schema 1 with \"costs\"");
		return -1;
	}
	if (!cb || strcmp(cb, boot) != 0 || !ch || strcmp(ch, host) != 0) {
		snprintf(err, errlen, "made on %.50s boot %.36s, not on this host (%.50s) and boot (%.36s)",
			 ch ? ch : "?", cb ? cb : "?", host, boot);
		return -1;
	}
	return 0;
}

const struct jv *calibration_cached(void)
{
	if (cached_loaded)
		return cached;
	cached_loaded = 1;
	char path[4096], err[256];
	if (calibration_cache_path(path, sizeof(path), err, sizeof(err)) < 0)
		return NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *text = malloc(CALIBRATION_MAX_BYTES);
	size_t len = text ? fread(text, 1, CALIBRATION_MAX_BYTES - 1, f) : 0;
	fclose(f);
	if (!text)
		return NULL;
	text[len] = '\0';
	cached = jv_parse(text, err, sizeof(err));
	free(text);
	if (cached && check_host(cached, err, sizeof(err)) < 0) {
		jv_free(cached);
		cached = NULL;
	}
	return cached;
}

/* ------------------------------------------------------------ measuring */

/* Run the program with its stdout in a memory file; its text, or NULL
 * after one error line. */
static char *run_program(const char *prog, int trials)
{
	char targ[32];
	char *argv[4] = { (char *)prog, NULL, NULL, NULL };
	if (trials > 0) {
		snprintf(targ, sizeof(targ), "%d", trials);
		argv[1] = (char *)"--trials";
		argv[2] = targ;
	}
	int fd = memfd_create("calibration", MFD_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "harness calibrate: memfd_create: %s\n", strerror(errno));
		return NULL;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "harness calibrate: fork: %s\n", strerror(errno));
		close(fd);
		return NULL;
	}
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		execv(prog, argv);
		fprintf(stderr, "harness calibrate: cannot run %s: %s\n", prog, strerror(errno));
		_exit(127);
	}
	int st;
	interrupt_arm();
	if (interrupt_waitpid(pid, &st) < 0) {
		fprintf(stderr, "harness calibrate: waiting for %s: %s\n", prog, strerror(errno));
		close(fd);
		return NULL;
	}
	if (interrupt_signal())
		interrupt_exit();
	char *text = NULL;
	if (WIFSIGNALED(st))
		fprintf(stderr, "harness calibrate: %s was killed by signal %d\n", prog, WTERMSIG(st));
	else if (WEXITSTATUS(st) != 0)
		fprintf(stderr, "harness calibrate: %s failed with exit status %d (its error is above)\n", prog,
			WEXITSTATUS(st));
	else if (!(text = read_fd_tail(fd, CALIBRATION_MAX_BYTES)))
		fprintf(stderr, "harness calibrate: cannot read the output of %s\n", prog);
	close(fd);
	return text;
}

/* Write text to path through a temporary file and rename. */
static int write_cache(const char *path, const char *text)
{
	char dir[4096], tmp[4200];
	snprintf(dir, sizeof(dir), "%s/results", source_dir());
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/results/calibration", source_dir());
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "harness calibrate: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "harness calibrate: cannot write %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int calibration_measure(int trials)
{
	char prog[4096], path[4096], err[256];
	snprintf(prog, sizeof(prog), "%s/calibrate/calibrate", build_dir());
	if (calibration_cache_path(path, sizeof(path), err, sizeof(err)) < 0) {
		fprintf(stderr, "harness calibrate: %s\n", err);
		return -1;
	}
	if (access(prog, X_OK) != 0) {
		fprintf(stderr, "harness calibrate: %s is not built (%s): run ./harness once to build it\n", prog,
			strerror(errno));
		return -1;
	}
	char *text = run_program(prog, trials);
	if (!text)
		return -1;
	struct jv *cal = jv_parse(text, err, sizeof(err));
	if (!cal || check_host(cal, err, sizeof(err)) < 0) {
		fprintf(stderr, "harness calibrate: %s printed an unusable calibration: %s\n", prog, err);
		jv_free(cal);
		free(text);
		return -1;
	}
	int rc = write_cache(path, text);
	free(text);
	if (rc < 0) {
		jv_free(cal);
		return -1;
	}
	jv_free(cached);
	cached = cal;
	cached_loaded = 1;
	return 0;
}

int calibration_ensure(void)
{
	if (calibration_cached())
		return 0;
	fprintf(stderr, "harness: no calibration for this host and boot yet: measuring the costs first "
			"(./harness calibrate, a few seconds)\n");
	return calibration_measure(0);
}
