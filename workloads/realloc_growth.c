/* realloc_growth.c - buffers grown by realloc from a few bytes to MiBs, as
 * string builders and vectors do.
 *
 * `builders` buffers grow at the same time (interleaved, so a buffer's
 * neighbour is usually live and growth in place is not free), each by
 * appending chunks of 1..max-chunk bytes until it reaches max-size bytes;
 * then it is freed and starts again from empty.  Two growth policies, as
 * real code has both:
 *   --policy 0  exact: realloc to the new length on every append
 *               (naive string builders; the allocator's in-place growth
 *               and size-class slack decide the cost);
 *   --policy 1  doubling: realloc only when full, to twice the capacity
 *               (vectors; few reallocs, large copies or mremap).
 * Every appended byte is written, so copies move real data; the content is
 * checked at the end of each buffer's life.  ops = realloc calls. */
#include "common.h"

struct builder {
	unsigned char *p;
	size_t len, cap;
	uint32_t fill;           /* the byte pattern is a function of the position */
};

static inline unsigned char pattern(size_t pos, uint32_t fill)
{
	return (unsigned char)((pos * 131) ^ fill);
}

struct stats {
	unsigned long long reallocs, moves, bytes_appended, buffers_done, bad;
};

static void finish_buffer(struct builder *b, struct stats *st)
{
	/* spot-check the content (every 4099th byte and the last): a lost
	 * copy in realloc shows up here */
	for (size_t i = 0; i < b->len; i += 4099)
		if (b->p[i] != pattern(i, b->fill))
			st->bad++;
	if (b->len && b->p[b->len - 1] != pattern(b->len - 1, b->fill))
		st->bad++;
	free(b->p);
	st->buffers_done++;
	b->p = NULL;
	b->len = b->cap = 0;
	b->fill++;
}

TIMED_REGION static void timed_region(struct builder *bs, unsigned long long nb, unsigned long long rounds,
				      unsigned long long max_size, unsigned long long max_chunk,
				      unsigned long long policy, uint32_t seed, struct stats *st)
{
	/* counters in a local copy (registers), stored back once; the
	 * remainder without a div (wl_mod) */
	struct stats acc = *st;
	const struct wl_mod chunk = wl_mod_init((uint32_t)max_chunk);
	uint32_t s = seed;
	for (unsigned long long r = 0; r < rounds; r++) {
		for (unsigned long long k = 0; k < nb; k++) {
			struct builder *b = &bs[k];
			size_t add = 1 + wl_mod(xorshift32(&s), chunk);
			size_t need = b->len + add;
			if (need > b->cap) {
				size_t ncap = policy == 0 ? need : (b->cap ? b->cap * 2 : 16);
				while (ncap < need)
					ncap *= 2;
				unsigned char *np = wl_check_alloc(realloc(b->p, ncap), "realloc_growth", "realloc", ncap);
				acc.reallocs++;
				if (np != b->p && b->p)
					acc.moves++;
				b->p = np;
				b->cap = ncap;
			}
			for (size_t i = b->len; i < need; i++)
				b->p[i] = pattern(i, b->fill);
			b->len = need;
			acc.bytes_appended += add;
			if (b->len >= max_size)
				finish_buffer(b, &acc);
		}
	}
	*st = acc;
}

int main(int argc, char **argv)
{
	unsigned long long builders = 4, rounds = 2000000, max_size = 4 << 20, max_chunk = 64, policy = 0, seed = 5;
	struct wl_option opts[] = {
		{ "builders", "buffers growing at the same time", &builders, 1, 1 << 16 },
		{ "rounds", "appends per buffer", &rounds, 1, 1ULL << 40 },
		{ "max-size", "a buffer is freed and restarted at this length, bytes", &max_size, 1, 1ULL << 36 },
		{ "max-chunk", "largest append, bytes (uniform 1..N)", &max_chunk, 1, 1 << 24 },
		{ "policy", "0 = realloc to exact length on every append, 1 = double when full", &policy, 0, 1 },
		{ "seed", "PRNG seed (non-zero)", &seed, 1, 0xFFFFFFFFULL },
	};
	wl_parse(argc, argv, "realloc growth: string builders / vectors grown by realloc from bytes to MiBs.",
		 opts, (int)(sizeof(opts) / sizeof(opts[0])));

	size_t bbytes = builders * sizeof(struct builder);
	struct builder *bs = wl_private_alloc(bbytes);
	for (unsigned long long k = 0; k < builders; k++)
		bs[k].fill = (uint32_t)k * 7919u;
	struct stats st = { 0 };

	double t0 = wl_now();
	timed_region(bs, builders, rounds, max_size, max_chunk, policy, (uint32_t)seed, &st);
	double secs = wl_now() - t0;

	long long peak = wl_peak_rss_kib();
	for (unsigned long long k = 0; k < builders; k++)
		if (bs[k].p)
			finish_buffer(&bs[k], &st);
	wl_private_free(bs, bbytes);
	if (st.bad) {
		fprintf(stderr, "realloc_growth: %llu checked bytes had the wrong value after realloc\n", st.bad);
		return 1;
	}
	wl_drained();
	wl_result("realloc_growth", (double)st.reallocs, secs, "realloc call",
		  "\"builders\":%llu,\"rounds\":%llu,\"max_size\":%llu,\"max_chunk\":%llu,\"policy\":\"%s\","
		  "\"seed\":%llu,\"bytes_appended\":%llu,\"moves\":%llu,\"moved_fraction\":%.6f,"
		  "\"buffers_completed\":%llu,\"appended_mib_per_sec\":%.3f,\"peak_rss_kib\":%lld",
		  builders, rounds, max_size, max_chunk, policy ? "doubling" : "exact", seed, st.bytes_appended,
		  st.moves, st.reallocs ? (double)st.moves / (double)st.reallocs : 0.0, st.buffers_done,
		  secs > 0 ? (double)st.bytes_appended / 1048576.0 / secs : 0.0, peak);
	return 0;
}
