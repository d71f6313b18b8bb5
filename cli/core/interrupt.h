/* interrupt.h - Ctrl-C, SIGTERM and SIGHUP while the harness runs things.
 *
 * The workload runs in its own process group (so that a timeout kills it
 * whole), so a Ctrl-C at the terminal reaches the harness alone, and so
 * does a SIGTERM or SIGHUP sent to the harness.  Whatever runs children
 * (the engine, the report scripts, the calibration) arms these handlers
 * first: a handler only notes the signal and wakes a poll() through a
 * pipe.  The code that waits then kills what it started (the engine: the
 * run's process group), records what it must (the engine: the run, with
 * status "interrupted") and calls interrupt_exit(), which kills and reaps
 * every remaining child of the harness (as a child subreaper it adopts
 * whatever the run left behind), prints what was done and exits with
 * 128 + the signal (130, 143, 129). */
#ifndef HARNESS_INTERRUPT_H
#define HARNESS_INTERRUPT_H

#include <sys/types.h>

/* Install the handlers (once; later calls do nothing). */
void interrupt_arm(void);

/* 0, or the signal that came since interrupt_arm(). */
int interrupt_signal(void);

/* A file descriptor that becomes readable (POLLIN) when a signal comes;
 * -1 before interrupt_arm(). */
int interrupt_fd(void);

/* What the exit line reports: the results file, counted runs done of
 * those planned (total 0: none planned), and what was going on (NULL:
 * nothing to add), e.g. "scripts/ab.py" or "the cachegrind pass". */
void interrupt_progress(const char *results, int done, int total);
void interrupt_stage(const char *stage);

/* waitpid(pid) that, when a signal comes meanwhile, kills pid with
 * SIGKILL and goes on waiting.  Returns waitpid's result. */
pid_t interrupt_waitpid(pid_t pid, int *status);

/* SIGKILL every child of the harness (and the process group of each child
 * that has its own), reap them, and again for those re-parented to the
 * harness meanwhile, until none is left (bounded to a few seconds). */
void interrupt_kill_children(void);

/* Kill and reap every child, print "harness: interrupted by SIGINT after
 * N of M runs; results in FILE" (with the stage when there is one) and
 * exit 128 + the signal. */
_Noreturn void interrupt_exit(void);

#endif
