/* commands.h - the subcommands main.c dispatches to.  Each returns the
 * process exit status.  A subcommand whose module is not built yet is a
 * weak symbol left NULL; main.c then says so. */
#ifndef HARNESS_COMMANDS_H
#define HARNESS_COMMANDS_H

int cmd_list(int argc, char **argv);       /* cmd_list.c */
int cmd_run(int argc, char **argv);        /* cmd_run.c */
int cmd_test(int argc, char **argv);       /* cmd_test.c */
int cmd_counters(int argc, char **argv);   /* counters: `harness counters list` */
int cmd_suite(int argc, char **argv);      /* cmd_suite.c */
int cmd_ab(int argc, char **argv);         /* cmd_ab.c */
int cmd_analyze(int argc, char **argv);    /* cmd_analyze.c */
int cmd_report(int argc, char **argv);     /* cmd_report.c */

#endif
