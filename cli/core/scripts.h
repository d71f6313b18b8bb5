/* scripts.h - running the Python report scripts (scripts/, Debian's
 * /usr/bin/python3), which ab, analyze and report hand their results to. */
#ifndef HARNESS_SCRIPTS_H
#define HARNESS_SCRIPTS_H

#define REPORTS_PYTHON "/usr/bin/python3"

/* Run REPORTS_PYTHON <source_dir()>/scripts/<script> args... and wait for
 * it.  Returns its exit status, or -1 (message printed) when it could not
 * be started or was killed. */
int reports_run_script(const char *script, const char *const *args, int nargs);

#endif
