/* witness.c - libharness_witness.so: proves which library answers malloc.
 *
 * The harness preloads this library after the allocator under test in
 * every run.  Its constructor asks the dynamic linker which object defines
 * the `malloc` that the program's calls bind to (the first definition in the
 * global lookup order: the preloaded allocator, or libc), and writes that
 * object's path to the file descriptor named in HARNESS_WITNESS=FD:PPID.
 * Only a process whose parent is PPID (the harness) writes: that is the
 * workload's process, which the exec stub forked and the harness adopted
 * (its pid is not known when the environment is made).  Children of the
 * workload (a shell running a --cmd, say) inherit the environment but
 * stay silent.
 *
 * It calls nothing that allocates: dlsym/dladdr on RTLD_DEFAULT do not,
 * and the message is built on the stack. */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long parse_long(const char **s)
{
	long v = 0;
	while (**s >= '0' && **s <= '9')
		v = v * 10 + (*(*s)++ - '0');
	return v;
}

__attribute__((constructor)) static void witness_report(void)
{
	const char *spec = getenv("HARNESS_WITNESS");
	if (!spec)
		return;
	long fd = parse_long(&spec);
	if (*spec++ != ':' || parse_long(&spec) != (long)getppid())
		return;

	Dl_info info;
	void *sym = dlsym(RTLD_DEFAULT, "malloc");
	const char *from = (sym && dladdr(sym, &info) && info.dli_fname) ? info.dli_fname : "?";
	char line[4096];
	size_t n = strlen(from);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	memcpy(line, from, n);
	line[n++] = '\n';
	ssize_t w = write((int)fd, line, n);
	(void)w;
	close((int)fd);
	unsetenv("HARNESS_WITNESS");
}
