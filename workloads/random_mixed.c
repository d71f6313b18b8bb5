/* random_mixed.c - the seed report's Random Mixed benchmark, with the exact
 * semantics of ../shared/workloads.md: a working set of `ws` slots; each
 * cycle picks a slot at random and frees it if full, else fills it with a
 * block of 16..1040 bytes.  ops/s = cycles / seconds of the timed part
 * (main cycles + drain).
 *
 * A lean timed loop.  The loop is what the workbench subtracts allocators
 * from, so it does only what the semantics need (issue 10 item 5 measured
 * the old loop at 2.4-3.2 ns per op more than a minimal one, +20-27%):
 *   - `r % ws` without a div: a mask when ws is a power of two (the default
 *     8192), else a multiply-based remainder (wl_mod in common.h);
 *   - the size clamps to [min-size, max-size] only when they can change a
 *     size (16 + (r & 0x3FF) is 16..1039: the defaults never clamp);
 *   - no per-op counters: the allocations and frees of the timed part
 *     follow from the slot occupancy before and after the main cycles
 *     (each cycle either fills an empty slot or empties a full one), and
 *     the drain counts what it frees (ws iterations, not cycles);
 *   - no NULL check after malloc: a failed malloc faults on the write of
 *     the block's first byte, and on_segv says so (exit 1).
 * The four loop variants are one always_inline function instantiated with
 * constant flags, each in its own function.  bench/random_mixed_minimal.c
 * is the hand-written minimal loop this one is compared with (README,
 * "Lean timed loops"). */
#include <signal.h>
#include <ucontext.h>

#include "common.h"

/* A failed malloc.  The loop has no NULL check (it would be the one
 * instruction per cycle the minimal loop does not have, README "Lean timed
 * loops"): a NULL block makes the write of its first byte fault at address
 * 0 in this program's own code.  This handler says so and exits 1; every
 * other fault (a bad address, or a fault inside the allocator) keeps its
 * default action. */
static void on_segv(int sig, siginfo_t *si, void *uctx)
{
	int ours = (uintptr_t)si->si_addr < 4096;
#if defined(__x86_64__)
	extern char __executable_start[], etext[];
	uintptr_t ip = (uintptr_t)((ucontext_t *)uctx)->uc_mcontext.gregs[REG_RIP];
	ours = ours && ip >= (uintptr_t)__executable_start && ip < (uintptr_t)etext;
#else
	(void)uctx;
#endif
	if (ours) {
		static const char msg[] = "random_mixed: malloc failed (it returned NULL: writing the block's "
					  "first byte faulted at address 0)\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
		_exit(1);
	}
	signal(sig, SIG_DFL);   /* returning re-runs the faulting instruction: the default action */
}

static void report_malloc_failure(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
}

struct loop {
	void **slots;
	uint32_t mask;           /* ws - 1 when ws is a power of two */
	struct wl_mod mod;       /* otherwise r % ws by multiplication */
	size_t min_size, max_size;
};

/* One cycle loop, instantiated below with constant pow2/clamp: each
 * variant keeps only the values it uses in registers. */
static inline __attribute__((always_inline)) void cycles_loop(void **slots, uint32_t mask, struct wl_mod mod,
							     size_t lo, size_t hi, unsigned long long cycles,
							     uint32_t seed, const int pow2, const int clamp)
{
	uint32_t s = seed;
	for (unsigned long long i = 0; i < cycles; i++) {
		uint32_t r = xorshift32(&s);
		uint32_t idx = pow2 ? (r & mask) : wl_mod(r, mod);
		if (slots[idx]) {
			free(slots[idx]);
			slots[idx] = NULL;
		} else {
			size_t sz = 16 + (r & 0x3FF);
			if (clamp)
				sz = sz < lo ? lo : sz > hi ? hi : sz;
			unsigned char *p = malloc(sz);
			p[0] = (unsigned char)r;        /* NULL faults here: on_segv */
			slots[idx] = p;
		}
	}
}

static __attribute__((noinline)) void loop_mask(void **slots, uint32_t mask, unsigned long long cycles, uint32_t seed)
{
	cycles_loop(slots, mask, (struct wl_mod){ 0, 1 }, 16, 16 + 0x3FF, cycles, seed, 1, 0);
}

static __attribute__((noinline)) void loop_mask_clamp(void **slots, uint32_t mask, size_t lo, size_t hi,
						      unsigned long long cycles, uint32_t seed)
{
	cycles_loop(slots, mask, (struct wl_mod){ 0, 1 }, lo, hi, cycles, seed, 1, 1);
}

static __attribute__((noinline)) void loop_mod(void **slots, struct wl_mod mod, unsigned long long cycles, uint32_t seed)
{
	cycles_loop(slots, 0, mod, 16, 16 + 0x3FF, cycles, seed, 0, 0);
}

static __attribute__((noinline)) void loop_mod_clamp(void **slots, struct wl_mod mod, size_t lo, size_t hi,
						     unsigned long long cycles, uint32_t seed)
{
	cycles_loop(slots, 0, mod, lo, hi, cycles, seed, 0, 1);
}

static void run_cycles(const struct loop *L, unsigned long long cycles, uint32_t seed)
{
	int pow2 = (L->mod.d & (L->mod.d - 1)) == 0;
	int clamp = L->min_size > 16 || L->max_size < 16 + 0x3FF;
	if (pow2 && !clamp)
		loop_mask(L->slots, L->mask, cycles, seed);
	else if (pow2)
		loop_mask_clamp(L->slots, L->mask, L->min_size, L->max_size, cycles, seed);
	else if (!clamp)
		loop_mod(L->slots, L->mod, cycles, seed);
	else
		loop_mod_clamp(L->slots, L->mod, L->min_size, L->max_size, cycles, seed);
}

/* The timed part: the main cycles, then the drain.  Returns the number of
 * blocks the drain freed. */
TIMED_REGION static unsigned long long timed_region(const struct loop *L, unsigned long long ws,
						    unsigned long long cycles, uint32_t seed)
{
	run_cycles(L, cycles, seed);
	unsigned long long drained = 0;
	void **slots = L->slots;
	for (unsigned long long i = 0; i < ws; i++) {
		if (slots[i]) {
			free(slots[i]);
			slots[i] = NULL;
			drained++;
		}
	}
	return drained;
}

int main(int argc, char **argv)
{
	unsigned long long cycles = 10000000, ws = 8192, seed = 1234567, min_size = 16, max_size = 1040;
	struct wl_option opts[] = {
		{ "cycles", "timed cycles", &cycles, 1, 1ULL << 40 },
		{ "ws", "working-set slots", &ws, 1, 1ULL << 28 },
		{ "seed", "xorshift32 seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
		{ "min-size", "smallest block, bytes", &min_size, 1, 1ULL << 30 },
		{ "max-size", "largest block, bytes", &max_size, 1, 1ULL << 30 },
	};
	wl_parse(argc, argv, "Random Mixed: random malloc/free of 16-1040 byte blocks over a working set.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));
	if (min_size > max_size) {
		fprintf(stderr, "random_mixed: --min-size (%llu) is larger than --max-size (%llu)\n", min_size, max_size);
		return 2;
	}

	report_malloc_failure();
	size_t slots_bytes = ws * sizeof(void *);
	struct loop L = {
		.slots = wl_private_alloc(slots_bytes),      /* zero-filled by mmap */
		.mask = (uint32_t)(ws - 1),
		.mod = wl_mod_init((uint32_t)ws),
		.min_size = min_size,
		.max_size = max_size,
	};

	run_cycles(&L, cycles / 10, (uint32_t)(seed + 0xDEADBEEFULL));    /* warm-up, not timed */
	unsigned long long before = 0;                     /* full slots when the timed part starts */
	for (unsigned long long i = 0; i < ws; i++)
		before += L.slots[i] != NULL;

	double t0 = wl_now();
	unsigned long long after = timed_region(&L, ws, cycles, (uint32_t)seed);
	double secs = wl_now() - t0;

	/* Each main cycle fills an empty slot (an allocation) or empties a full
	 * one (a free): allocs + frees = cycles and allocs - frees = after -
	 * before, where `after` (full slots at the end of the main cycles) is
	 * what the drain freed. */
	unsigned long long allocs = (cycles + after - before) / 2;
	unsigned long long frees = cycles - allocs + after;

	wl_private_free(L.slots, slots_bytes);
	wl_result("random_mixed", (double)cycles, secs, "cycle (one malloc or free)",
		  "\"cycles\":%llu,\"ws\":%llu,\"seed\":%llu,\"min_size\":%llu,\"max_size\":%llu,"
		  "\"allocs\":%llu,\"frees\":%llu,\"warmup_cycles\":%llu",
		  cycles, ws, seed, min_size, max_size, allocs, frees, cycles / 10);
	return 0;
}
