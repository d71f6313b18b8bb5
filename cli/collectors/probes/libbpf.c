/* libbpf.c - libbpf plumbing shared by the probe groups: keep
 * libbpf's messages for error reports instead of spraying them on stderr
 * (a group that cannot load is an expected outcome, reported in the
 * record), and turn a failed step into one line that says what to do. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "probe.h"

static char last_msg[256];
static bool debug;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (debug) {
		va_list copy;
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	size_t n = strlen(last_msg);
	while (n && (last_msg[n - 1] == '\n' || last_msg[n - 1] == ' '))
		last_msg[--n] = '\0';
	return 0;
}

void probes_libbpf_init(void)
{
	const char *d = getenv("HARNESS_PROBES_DEBUG");
	debug = d && *d && strcmp(d, "0") != 0;
	libbpf_set_print(print_fn);
}

void probes_explain(const char *step, int err, char *why, size_t len)
{
	if (err < 0)
		err = -err;
	const char *hint = "";
	if (err == EPERM || err == EACCES)
		hint = geteuid() != 0 ? " (eBPF needs root: run the harness as root)"
				      : " (denied by the kernel: lockdown or a missing capability?)";
	else if (err == ENOENT)
		hint = " (this kernel lacks the tracepoint or symbol)";
	else if (err == ENOSYS || err == EOPNOTSUPP)
		hint = " (this kernel does not support it)";
	const char *detail = strncmp(last_msg, "libbpf: ", 8) == 0 ? last_msg + 8 : last_msg;
	bool not_root = (err == EPERM || err == EACCES) && geteuid() != 0;
	if (detail[0] && !not_root)      /* not root says it all */
		snprintf(why, len, "%s failed: %s%s [libbpf: %s]", step, strerror(err), hint, detail);
	else
		snprintf(why, len, "%s failed: %s%s", step, strerror(err), hint);
	last_msg[0] = '\0';
}
