/* trace.h - streaming parser for the log of
 *   valgrind --tool=lackey --trace-mem=yes --trace-syscalls=yes --trace-sched=yes
 * (every instruction and data access, every system call with its result,
 * every thread switch, and the client's VALGRIND_PRINTF markers), read
 * from a pipe in large chunks: no temporary file, one pass.
 *
 * Line forms handled (valgrind 3.19):
 *   "I  0010924f,5"              instruction fetch at address, size
 *   " L 1fff000410,8"            load   (" S" store, " M" modify)
 *   "**PID** text"               VALGRIND_PRINTF from the client
 *   "SYSCALL[pid,tid](nr) sys_mmap ( a, b, ... ) --> [pre-success] Success(0x..)"
 *   "SYSCALL[pid,tid](nr) sys_x ( ... ) --> [async] ... " then later
 *   "SYSCALL[pid,tid](nr) ... [async] --> Success(0x..)"
 *   "--PID--   SCHED[tid]:  acquired lock (...)" (may follow a SYSCALL
 *   result on the same line)
 * Everything else (==PID== banners, unimplemented-syscall notes) is
 * ignored. */
#ifndef TLB_TRACE_H
#define TLB_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum trace_kind { TR_INSN, TR_LOAD, TR_STORE, TR_MODIFY, TR_MARK, TR_SYSCALL, TR_SCHED };

#define TRACE_MAX_ARGS 6
#define TRACE_ARG_LEN 24
#define TRACE_PATH_LEN 256

struct trace_event {
	enum trace_kind kind;
	uint64_t addr;             /* INSN/LOAD/STORE/MODIFY */
	unsigned size;
	int tid;                   /* SYSCALL, SCHED */
	int nr;                    /* SYSCALL number */
	char name[32];             /* SYSCALL: "sys_mmap", "arch_prctl", ... */
	char arg[TRACE_MAX_ARGS][TRACE_ARG_LEN];   /* SYSCALL: raw argument texts */
	int nargs;
	char path[TRACE_PATH_LEN]; /* SYSCALL: the string valgrind shows for a path argument */
	bool ok;                   /* SYSCALL: Success */
	uint64_t result;           /* SYSCALL: Success(x) / Failure(errno) */
	char text[64];             /* MARK: the client's message */
};

#define TRACE_MAX_THREADS 512

struct trace_parser {
	/* async system calls: the first half, per thread, until the result */
	struct trace_event pending[TRACE_MAX_THREADS];
	bool has_pending[TRACE_MAX_THREADS];
	uint64_t lines;
};

/* Parse one line (without its newline).  Fills up to two events (a
 * SYSCALL result and a SCHED note can share a line); returns how many. */
int trace_parse_line(struct trace_parser *p, const char *line, size_t len, struct trace_event ev[2]);

/* An argument as a number: base 0 (0x.. hex, else decimal), or base 16
 * for the arguments valgrind prints in bare hex (clone flags, arch_prctl). */
uint64_t trace_arg(const struct trace_event *e, int i, int base);

/* Read fd to its end in large chunks, calling fn for each event. fn
 * returns 0 to go on, non-zero to stop (returned). Returns 0 at EOF, -1 on
 * a read error (errno set). */
typedef int (*trace_fn)(void *ctx, const struct trace_event *e);
int trace_read_fd(int fd, struct trace_parser *p, trace_fn fn, void *ctx);

#endif
