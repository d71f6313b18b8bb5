/* real_program.c - real programs as workloads: python3, gcc, sqlite3, perl.
 *
 * One driver, built once per program (-DREAL_PROGRAM_PYTHON, _GCC,
 * _SQLITE, _PERL; see meson.build).  It
 *   1. generates the program's input deterministically (from --scale and
 *      --seed) in a fresh temporary directory,
 *   2. runs the program there (fork + exec; LD_PRELOAD is inherited, so the
 *      allocator under test serves the real program too: that is the point),
 *   3. hashes the program's output (stdout, or the object file gcc wrote)
 *      with FNV-1a 64 into "output_digest".
 * The digest must be identical under every allocator for the same
 * parameters: a difference is an allocator bug (or a non-deterministic
 * program), and `harness suite` flags it.  ops = 1 program run; "seconds"
 * is the program's wall time (fork to reaped); the program's own peak RSS
 * and CPU times come from wait4. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common.h"

#define WL_MAX_ARGV 16

/* ------------------------------------------------------------ file helpers */

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
	char path[2048];
	snprintf(path, sizeof(path), "%s/%.255s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "real_program: cannot create %s: %s\n", path, strerror(errno));
		exit(1);
	}
	while (len) {
		ssize_t w = write(fd, text, len);
		if (w <= 0) {
			fprintf(stderr, "real_program: writing %s failed: %s\n", path, strerror(errno));
			exit(1);
		}
		text += w;
		len -= (size_t)w;
	}
	close(fd);
}

/* FNV-1a 64 of a file; -1 in *bytes when it cannot be read. */
static uint64_t hash_file(const char *path, long long *bytes)
{
	uint64_t h = WL_FNV1A64_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	*bytes = fd < 0 ? -1 : 0;
	if (fd < 0)
		return h;
	char buf[65536];
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		h = wl_fnv1a64(h, buf, (size_t)r);
		*bytes += r;
	}
	close(fd);
	return h;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[2048];
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

/* A growable text buffer for the generators (not timed). */
struct text {
	char *s;
	size_t len, cap;
};

__attribute__((unused, format(printf, 2, 3)))
static void tprintf(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap * 2 + (size_t)(n > 0 ? n : 0) + 4096;
		t->s = wl_check_alloc(realloc(t->s, t->cap), "real_program", "realloc", t->cap);
	}
}

/* ------------------------------------------------------------ the programs */

struct plan {
	const char *name;          /* workload name */
	const char *program;       /* for messages */
	char *argv[WL_MAX_ARGV];
	const char *stdin_file;    /* relative to the temp dir, or NULL */
	const char *digest_file;   /* what is hashed: "stdout" or a file the program writes */
};

#if defined(REAL_PROGRAM_PYTHON)
/* dicts, strings, sorting: word counts, string building, records sorted by
 * several keys.  Everything printed is order-independent of hashing. */
static const char python_script[] =
	"import sys\n"
	"n, seed = int(sys.argv[1]), int(sys.argv[2])\n"
	"x = seed\n"
	"words = []\n"
	"for i in range(n):\n"
	"    x = (x * 1103515245 + 12345) & 0x7fffffff\n"
	"    words.append('w%x_%d' % (x % 50021, x % 7))\n"
	"counts = {}\n"
	"for w in words:\n"
	"    counts[w] = counts.get(w, 0) + 1\n"
	"for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:20]:\n"
	"    print(w, c)\n"
	"parts = sorted(w.upper()[::-1] + str(len(w)) for w in words[: n // 2])\n"
	"s = ','.join(parts)\n"
	"print(len(s), s[:60], s[-60:])\n"
	"recs = [{'id': i, 'name': words[i], 'tags': [words[(i * 7) % n], words[(i * 13) % n]]}\n"
	"        for i in range(n // 4)]\n"
	"recs.sort(key=lambda r: (r['tags'][1], r['name'], r['id']))\n"
	"print(recs[0]['id'], recs[-1]['id'], sum(len(r['tags'][0]) for r in recs))\n"
	"groups = {}\n"
	"for r in recs:\n"
	"    groups.setdefault(r['name'][:3], []).append(r['id'])\n"
	"for k in sorted(groups)[:10]:\n"
	"    v = groups[k]\n"
	"    print(k, len(v), sum(v) % 1000003)\n";

static void generate(const char *dir, unsigned long long scale, unsigned long long seed, struct plan *p)
{
	write_file(dir, "work.py", python_script, sizeof(python_script) - 1);
	static char n[32], s[32];
	snprintf(n, sizeof(n), "%llu", scale);
	snprintf(s, sizeof(s), "%llu", seed);
	/* -I: isolated (no user site, no PYTHON* variables); -S: no site import;
	 * PYTHONHASHSEED is ignored under -I, so hashing is randomised, but the
	 * output above never depends on hash order */
	*p = (struct plan){ .name = "real_python", .program = "/usr/bin/python3",
			    .argv = { "/usr/bin/python3", "-I", "-S", "work.py", n, s, NULL },
			    .digest_file = "stdout" };
}
#define DEFAULT_SCALE 400000
#define REAL_WHAT "python3: dicts, strings and sorting over --scale generated words."

#elif defined(REAL_PROGRAM_GCC)
/* gcc -O2 compiling a generated C file: many functions with loops,
 * switches, structs and inlining candidates; gcc allocates heavily (GC'd
 * trees plus obstacks on malloc).  The digest is of the object file. */
static void generate(const char *dir, unsigned long long scale, unsigned long long seed, struct plan *p)
{
	struct text t = { 0 };
	uint32_t s = (uint32_t)seed | 1u;
	tprintf(&t, "/* generated by real_gcc, scale %llu seed %llu */\n", scale, seed);
	tprintf(&t, "struct pt { int x, y; long w; };\n");
	for (unsigned long long f = 0; f < scale; f++) {
		uint32_t a = xorshift32(&s) % 97 + 1, b = xorshift32(&s) % 31 + 1, c = xorshift32(&s) % 13 + 2;
		tprintf(&t, "static inline int h%llu(int v) { return (v * %u) ^ (v >> %u); }\n", f, a, b % 7 + 1);
		tprintf(&t, "long f%llu(const int *arr, int n, struct pt *q) {\n"
			    "  long acc = %u;\n"
			    "  for (int i = 0; i < n; i++) {\n"
			    "    switch ((arr[i] + i) %% %u) {\n", f, a, c);
		for (uint32_t k = 0; k < c; k++)
			tprintf(&t, "    case %u: acc += h%llu(arr[i]) * %u; q->x += %u; break;\n",
				k, f, xorshift32(&s) % 1000, k);
		tprintf(&t, "    default: acc -= arr[i];\n    }\n"
			    "    if (acc > %u) { acc = (acc >> 1) + q->y; q->w ^= acc; }\n"
			    "  }\n", xorshift32(&s) % 100000);
		if (f > 0)
			tprintf(&t, "  acc += f%llu(arr, n / 2, q);\n", (unsigned long long)(xorshift32(&s) % f));
		tprintf(&t, "  return acc;\n}\n");
	}
	write_file(dir, "gen.c", t.s, t.len);
	free(t.s);
	*p = (struct plan){ .name = "real_gcc", .program = "gcc",
			    .argv = { "gcc", "-O2", "-c", "gen.c", "-o", "gen.o", NULL },
			    .digest_file = "gen.o" };
}
#define DEFAULT_SCALE 200
#define REAL_WHAT "gcc -O2 compiling a generated C file of --scale functions; digest of the object file."

#elif defined(REAL_PROGRAM_SQLITE)
/* sqlite3 running a generated SQL script: bulk insert, index build,
 * group-by, join, string aggregation. */
static void generate(const char *dir, unsigned long long scale, unsigned long long seed, struct plan *p)
{
	struct text t = { 0 };
	tprintf(&t,
		"CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c INTEGER, d REAL);\n"
		"WITH RECURSIVE cnt(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM cnt WHERE x < %llu)\n"
		"  INSERT INTO t SELECT x, printf('name%%d-%%d', (x * %llu) %% 1009, x %% 13), (x * 31) %% 977,\n"
		"                       (x %% 101) * 0.5 FROM cnt;\n"
		"CREATE INDEX tb ON t(b);\n"
		"CREATE INDEX tc ON t(c, d);\n"
		"SELECT b, count(*), sum(c), total(d) FROM t GROUP BY b ORDER BY 2 DESC, 1 LIMIT 10;\n"
		"CREATE TABLE u AS SELECT c, group_concat(b, ';') AS g, count(*) AS n FROM\n"
		"  (SELECT b, c FROM t ORDER BY a) GROUP BY c;\n"
		"SELECT count(*), sum(length(g)), max(n) FROM u;\n"
		"SELECT t.a, u.c, u.n FROM t JOIN u ON t.c = u.c WHERE t.a %% 997 = 0 ORDER BY t.a LIMIT 20;\n"
		"UPDATE t SET b = upper(b) || substr(b, 1, 3) WHERE c %% 3 = 0;\n"
		"DELETE FROM t WHERE c %% 5 = 1;\n"
		"SELECT count(*), sum(length(b)), min(b), max(b) FROM t;\n"
		"SELECT substr(b, 1, 6) AS k, count(DISTINCT c) FROM t GROUP BY k ORDER BY k LIMIT 15;\n",
		scale, seed % 100000 + 7);
	write_file(dir, "work.sql", t.s, t.len);
	free(t.s);
	*p = (struct plan){ .name = "real_sqlite", .program = "sqlite3",
			    .argv = { "sqlite3", "-batch", ":memory:", NULL },
			    .stdin_file = "work.sql", .digest_file = "stdout" };
}
#define DEFAULT_SCALE 300000
#define REAL_WHAT "sqlite3 (in memory): a generated script of --scale rows, indexes, group-by, joins."

#elif defined(REAL_PROGRAM_PERL)
/* perl text processing: regex tokenising, hashes, sort, sprintf, s///. */
static const char perl_script[] =
	"use strict; use warnings;\n"
	"my (%freq, %len, @lines);\n"
	"while (my $l = <STDIN>) {\n"
	"  chomp $l;\n"
	"  push @lines, $l if $. % 7 == 0;\n"
	"  for my $w ($l =~ /([a-z]+\\d*)/g) { $freq{$w}++; $len{length $w}++; }\n"
	"}\n"
	"my @top = (sort { $freq{$b} <=> $freq{$a} or $a cmp $b } keys %freq)[0 .. 19];\n"
	"printf \"%s %d\\n\", $_, $freq{$_} for @top;\n"
	"printf \"len %d: %d\\n\", $_, $len{$_} for sort { $a <=> $b } keys %len;\n"
	"my $joined = join '|', map { my $x = $_; $x =~ s/([aeiou])/uc $1/ge; scalar reverse $x } @lines;\n"
	"printf \"%d %s\\n\", length $joined, substr($joined, 0, 80);\n"
	"my %by; push @{ $by{substr($_, 0, 2)} }, $_ for keys %freq;\n"
	"printf \"%s %d\\n\", $_, scalar @{ $by{$_} } for (sort keys %by)[0 .. 9];\n";

static void generate(const char *dir, unsigned long long scale, unsigned long long seed, struct plan *p)
{
	write_file(dir, "work.pl", perl_script, sizeof(perl_script) - 1);
	static const char *const syll[] = { "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "qua", "bre", "st" };
	struct text t = { 0 };
	uint32_t s = (uint32_t)seed | 1u;
	for (unsigned long long l = 0; l < scale; l++) {
		int words = 4 + (int)(xorshift32(&s) % 10);
		for (int w = 0; w < words; w++) {
			int n = 1 + (int)(xorshift32(&s) % 3);
			for (int k = 0; k < n; k++)
				tprintf(&t, "%s", syll[xorshift32(&s) % 12]);
			if (xorshift32(&s) % 5 == 0)
				tprintf(&t, "%u", xorshift32(&s) % 100);
			tprintf(&t, w + 1 < words ? (xorshift32(&s) % 4 ? " " : ", ") : ".\n");
		}
	}
	write_file(dir, "input.txt", t.s, t.len);
	free(t.s);
	*p = (struct plan){ .name = "real_perl", .program = "perl",
			    .argv = { "perl", "work.pl", NULL },
			    .stdin_file = "input.txt", .digest_file = "stdout" };
}
#define DEFAULT_SCALE 200000
#define REAL_WHAT "perl text processing: word frequencies, regexes, sorting over --scale generated lines."

#else
#error "build with one of -DREAL_PROGRAM_PYTHON, _GCC, _SQLITE, _PERL"
#endif

/* ---------------------------------------------------------------- running */

struct outcome {
	int status;
	struct rusage ru;
};

/* Run the plan in dir: stdin from the plan's file, stdout to dir/stdout.
 * exec failure is exit status 127, as in the shell. */
TIMED_REGION static struct outcome timed_region(const char *dir, const struct plan *p)
{
	struct outcome o = { 0 };
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork failed: %s\n", p->name, strerror(errno));
		exit(1);
	}
	if (pid == 0) {
		char path[2048];
		if (chdir(dir) != 0)
			_exit(126);
		if (p->stdin_file) {
			int in = open(p->stdin_file, O_RDONLY);
			if (in < 0 || dup2(in, 0) < 0)
				_exit(126);
		}
		snprintf(path, sizeof(path), "%s/stdout", dir);
		int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0 || dup2(out, 1) < 0)
			_exit(126);
		execvp(p->argv[0], p->argv);
		fprintf(stderr, "%s: cannot run %s: %s\n", p->name, p->argv[0], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &o.status, 0, &o.ru) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "%s: wait4 failed: %s\n", p->name, strerror(errno));
			exit(1);
		}
	return o;
}

int main(int argc, char **argv)
{
	unsigned long long scale = DEFAULT_SCALE, seed = 12345, keep = 0;
	struct wl_option opts[] = {
		{ "scale", "size of the generated input (see above)", &scale, 1, 1ULL << 32 },
		{ "seed", "seed of the generated input", &seed, 1, 0xFFFFFFFFULL },
		{ "keep", "1 = keep the temporary directory (its path goes to stderr)", &keep, 0, 1 },
	};
	struct plan plan;
	wl_parse(argc, argv, REAL_WHAT " The output digest must be the same under every allocator.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));

	/* The real program must not see the drain pipe: it would keep it open. */
	const char *drain = getenv("HARNESS_DRAIN_FD");
	char drain_copy[32] = "";
	if (drain) {
		snprintf(drain_copy, sizeof(drain_copy), "%s", drain);
		int fd = atoi(drain);
		if (fd > 2)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
		unsetenv("HARNESS_DRAIN_FD");
	}

	const char *tmp = getenv("TMPDIR");
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/harness-real-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "real_program: cannot create a temporary directory %s: %s (set TMPDIR to a writable place)\n",
			dir, strerror(errno));
		return 1;
	}
	generate(dir, scale, seed, &plan);

	double t0 = wl_now();
	struct outcome o = timed_region(dir, &plan);
	double secs = wl_now() - t0;

	char path[2048];
	snprintf(path, sizeof(path), "%s/%.255s", dir, plan.digest_file);
	long long bytes;
	uint64_t digest = hash_file(path, &bytes);
	if (keep)
		fprintf(stderr, "%s: kept %s\n", plan.name, dir);
	else
		remove_tree(dir);

	if (!WIFEXITED(o.status) || WEXITSTATUS(o.status) != 0) {
		if (WIFSIGNALED(o.status))
			fprintf(stderr, "%s: %s was killed by signal %d (%s)\n", plan.name, plan.program,
				WTERMSIG(o.status), strsignal(WTERMSIG(o.status)));
		else
			fprintf(stderr, "%s: %s exited with status %d%s\n", plan.name, plan.program, WEXITSTATUS(o.status),
				WEXITSTATUS(o.status) == 127 ? " (not installed? ./harness installs it)" : "");
		return 1;
	}
	if (bytes <= 0) {
		fprintf(stderr, "%s: %s produced no output in %s\n", plan.name, plan.program, plan.digest_file);
		return 1;
	}
	if (drain_copy[0]) {
		setenv("HARNESS_DRAIN_FD", drain_copy, 1);
		wl_drained();
	}
	wl_result(plan.name, 1, secs, "program run",
		  "\"program\":\"%s\",\"scale\":%llu,\"seed\":%llu,\"output_digest\":\"fnv1a64:%016llx\","
		  "\"output_bytes\":%lld,\"digest_of\":\"%s\",\"program_maxrss_kib\":%ld,"
		  "\"program_user_s\":%.3f,\"program_sys_s\":%.3f,\"program_minflt\":%ld",
		  plan.program, scale, seed, (unsigned long long)digest, bytes, plan.digest_file,
		  o.ru.ru_maxrss, (double)o.ru.ru_utime.tv_sec + o.ru.ru_utime.tv_usec * 1e-6,
		  (double)o.ru.ru_stime.tv_sec + o.ru.ru_stime.tv_usec * 1e-6, o.ru.ru_minflt);
	return 0;
}
