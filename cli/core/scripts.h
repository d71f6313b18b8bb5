/* scripts.h - running the Python report scripts (scripts/, Debian's
 * /usr/bin/python3), which ab, analyze and report hand their results to. */
#ifndef HARNESS_SCRIPTS_H
#define HARNESS_SCRIPTS_H

#define REPORTS_PYTHON "/usr/bin/python3"

/* Run REPORTS_PYTHON <source_dir()>/scripts/<script> args... and wait for
 * it.  Returns its exit status, or -1 (message printed) when it could not
 * be started or was killed. */
int reports_run_script(const char *script, const char *const *args, int nargs);

/* The value of --margin PCT (the equivalence margin of the verdicts, in
 * percent, handed to ab.py/report.py) must be a number in (0, 100): 0, or
 * -1 after one error line naming the subcommand. */
int reports_margin_check(const char *subcommand, const char *value);

#endif
