/* test_trace.c - the lackey log parser on the line forms valgrind 3.19
 * writes (copied from a real --trace-mem/--trace-syscalls/--trace-sched
 * log), streamed through a pipe in pieces. */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "trace.h"

static const char log_text[] =
	"==19082== Lackey, an example Valgrind tool\n"
	"I  0010924f,5\n"
	" S 1fff000410,8\n"
	" L 0010c008,8\n"
	" M 04a1c010,4\n"
	"**19082** HAKMEM_WL_NOW\n"
	"SYSCALL[19082,1](9) sys_mmap ( 0x0, 8392704, 0, 131106, 4294967295, 0 ) --> [pre-success] Success(0x4a2c000) \n"
	"SYSCALL[19082,1](257) sys_openat ( 4294967196, 0x4034bb0(/usr/lib/x86_64-linux-gnu/libc.so.6), 524288 ) --> [async] ... \n"
	"--19082--   SCHED[1]: releasing lock (VG_(client_syscall)[async]) -> VgTs_WaitSys\n"
	"--19082--   SCHED[2]:  acquired lock (VG_(client_syscall)[async])\n"
	"SYSCALL[19082,1](257) ... [async] --> Success(0x4) \n"
	"SYSCALL[19082,1](158) arch_prctl ( 4098, 4a29740 ) --> [pre-success] Success(0x0) \n"
	"SYSCALL[19082,1](56) sys_clone ( 3d0f00, 0x522bf70, 0x522c990, 0x522c990, 0x522c6c0 ) --> [pre-success] Success(0x4ab9) --19082--   SCHED[3]:  acquired lock (VG_(vg_yield))\n"
	"SYSCALL[19082,1](10) sys_mprotect ( 0x4a16000, 16384, 1 )[sync] --> Failure(0xc) \n"
	"I  00ffff,3"; /* no final newline */

struct seen {
	struct trace_event ev[32];
	int n;
};

static int collect(void *ctx, const struct trace_event *e)
{
	struct seen *s = ctx;
	if (s->n < 32)
		s->ev[s->n++] = *e;
	return 0;
}

int main(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 1;
	if (write(p[1], log_text, sizeof(log_text) - 1) != (ssize_t)(sizeof(log_text) - 1))
		return 1;
	close(p[1]);
	static struct trace_parser parser;
	struct seen s = { .n = 0 };
	CHECK("reads to EOF", trace_read_fd(p[0], &parser, collect, &s) == 0);
	CHECK("13 events", s.n == 13);
	CHECK("instruction", s.ev[0].kind == TR_INSN && s.ev[0].addr == 0x10924f && s.ev[0].size == 5);
	CHECK("store", s.ev[1].kind == TR_STORE && s.ev[1].addr == 0x1fff000410ULL && s.ev[1].size == 8);
	CHECK("load", s.ev[2].kind == TR_LOAD && s.ev[2].addr == 0x10c008);
	CHECK("modify", s.ev[3].kind == TR_MODIFY && s.ev[3].size == 4);
	CHECK("marker", s.ev[4].kind == TR_MARK && strcmp(s.ev[4].text, "HAKMEM_WL_NOW") == 0);
	CHECK("mmap", s.ev[5].kind == TR_SYSCALL && s.ev[5].nr == 9 && s.ev[5].ok && s.ev[5].result == 0x4a2c000 &&
		      s.ev[5].nargs == 6 && trace_arg(&s.ev[5], 1, 0) == 8392704 && trace_arg(&s.ev[5], 3, 0) == 131106);
	CHECK("sched acquired", s.ev[6].kind == TR_SCHED && s.ev[6].tid == 2);
	CHECK("async openat completes with its path", s.ev[7].kind == TR_SYSCALL && s.ev[7].nr == 257 && s.ev[7].result == 4 &&
		      strcmp(s.ev[7].path, "/usr/lib/x86_64-linux-gnu/libc.so.6") == 0);
	CHECK("arch_prctl in bare hex", s.ev[8].nr == 158 && trace_arg(&s.ev[8], 0, 0) == 0x1002 &&
		      trace_arg(&s.ev[8], 1, 16) == 0x4a29740);
	CHECK("clone tls", s.ev[9].nr == 56 && trace_arg(&s.ev[9], 4, 0) == 0x522c6c0 && s.ev[9].result == 0x4ab9);
	CHECK("sched on the same line", s.ev[10].kind == TR_SCHED && s.ev[10].tid == 3);
	CHECK("failure", s.ev[11].kind == TR_SYSCALL && !s.ev[11].ok && s.ev[11].result == 0xc);
	CHECK("last line without newline", s.ev[12].kind == TR_INSN && s.ev[12].addr == 0xffff);
	return check_summary();
}
