/* test_tlb.c - known answers of the TLB model itself (no tracer): uniform
 * random accesses over N pages miss a level with probability close to
 * 1 - entries/N once N exceeds its reach and almost never below it; a
 * loop over a working set that fits misses only on its first pass; 2 MiB
 * pages cover the same bytes with 512 times fewer entries; invalidation
 * forgets; custom: syntax and bad input. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "tlb.h"

static uint32_t rng = 2463534242u;
static uint32_t xs(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

struct rates { double l1, walk; };

/* Uniform random accesses over `pages` pages of `size` starting at base:
 * warm up, then measure. */
static struct rates random_chase(const char *model, uint64_t pages, enum tlb_page size, uint64_t steps)
{
	struct tlb_geom g;
	struct tlb t;
	char err[200];
	tlb_geom_parse(model, &g, err, sizeof(err));
	tlb_init(&t, &g, err, sizeof(err));
	uint64_t base = 0x7f0000000000ULL, l1 = 0, walks = 0;
	for (uint64_t i = 0; i < 4 * steps; i++) {
		uint64_t p = xs() % pages;
		enum tlb_outcome o = tlb_access(&t, base + (p << TLB_PAGE_SHIFT(size)) + (xs() & 0xff8), size);
		if (i >= 3 * steps) {
			l1 += o != TLB_L1_HIT;
			walks += o == TLB_WALK;
		}
	}
	tlb_free(&t);
	return (struct rates){ (double)l1 / (double)steps, (double)walks / (double)steps };
}

static double expect(unsigned entries, uint64_t pages)
{
	return pages > entries ? 1.0 - (double)entries / (double)pages : 0.0;
}

#define NEAR(a, b) ((a) > (b) - 0.03 && (a) < (b) + 0.03)

int main(void)
{
	struct tlb_geom g;
	char err[200];

	/* Golden Cove: 96 L1 entries for 4 KiB, 2048 in the STLB */
	struct rates r = random_chase("goldencove", 48, TLB_4K, 200000);
	printf("goldencove  48 pages: l1 %.4f walk %.4f (expect 0, 0)\n", r.l1, r.walk);
	CHECK("below the L1 reach: no L1 misses", r.l1 < 0.001 && r.walk < 0.001);
	r = random_chase("goldencove", 512, TLB_4K, 200000);
	printf("goldencove 512 pages: l1 %.4f walk %.4f (expect %.4f, 0)\n", r.l1, r.walk, expect(96, 512));
	CHECK("between L1 and L2 reach: L1 misses = 1 - 96/512", NEAR(r.l1, expect(96, 512)));
	CHECK("between L1 and L2 reach: no walks", r.walk < 0.001);
	r = random_chase("goldencove", 8192, TLB_4K, 200000);
	printf("goldencove 8192 pages: l1 %.4f walk %.4f (expect %.4f, %.4f)\n", r.l1, r.walk, expect(96, 8192), expect(2048, 8192));
	CHECK("above the L2 reach: walks = 1 - 2048/8192", NEAR(r.walk, expect(2048, 8192)));
	CHECK("above the L2 reach: L1 misses = 1 - 96/8192", NEAR(r.l1, expect(96, 8192)));

	/* Zen 4: 72 fully associative, 3072 24-way */
	r = random_chase("zen4", 256, TLB_4K, 200000);
	printf("zen4 256 pages: l1 %.4f walk %.4f (expect %.4f, 0)\n", r.l1, r.walk, expect(72, 256));
	CHECK("zen4: L1 misses = 1 - 72/256", NEAR(r.l1, expect(72, 256)) && r.walk < 0.001);
	r = random_chase("zen4", 12288, TLB_4K, 200000);
	printf("zen4 12288 pages: walk %.4f (expect %.4f)\n", r.walk, expect(3072, 12288));
	CHECK("zen4: walks = 1 - 3072/12288", NEAR(r.walk, expect(3072, 12288)));

	/* The same bytes (8192 x 4 KiB = 32 MiB) on 2 MiB pages: 16 pages */
	r = random_chase("goldencove", 16, TLB_2M, 200000);
	printf("goldencove 16 huge pages: l1 %.4f walk %.4f (expect 0, 0)\n", r.l1, r.walk);
	CHECK("32 MiB on 2 MiB pages fits the 32-entry 2M L1", r.l1 < 0.001 && r.walk < 0.001);
	r = random_chase("goldencove", 128, TLB_2M, 200000);
	printf("goldencove 128 huge pages: l1 %.4f walk %.4f (expect %.4f, 0)\n", r.l1, r.walk, expect(32, 128));
	CHECK("2 MiB pages use the 32-entry 2M L1 array", NEAR(r.l1, expect(32, 128)) && r.walk < 0.001);

	/* A loop over a working set that fits: compulsory misses only */
	struct tlb t;
	tlb_geom_parse("zen4", &g, err, sizeof(err));
	tlb_init(&t, &g, err, sizeof(err));
	uint64_t walks = 0, l1 = 0;
	for (int pass = 0; pass < 100; pass++)
		for (uint64_t p = 0; p < 64; p++) {
			enum tlb_outcome o = tlb_access(&t, 0x10000000 + p * 4096 + 64, TLB_4K);
			walks += o == TLB_WALK;
			l1 += o != TLB_L1_HIT;
		}
	CHECK("a 64-page loop: 64 walks, the first pass only", walks == 64 && l1 == 64);
	tlb_invalidate(&t, 0x10000000, 0x10000000 + 8 * 4096);
	walks = 0;
	for (uint64_t p = 0; p < 64; p++)
		walks += tlb_access(&t, 0x10000000 + p * 4096, TLB_4K) == TLB_WALK;
	CHECK("invalidating 8 pages costs exactly 8 walks", walks == 8);
	tlb_free(&t);

	/* Determinism of the model: two identical streams, identical counts */
	rng = 7;
	struct rates a = random_chase("goldencove", 3000, TLB_4K, 50000);
	rng = 7;
	struct rates b = random_chase("goldencove", 3000, TLB_4K, 50000);
	CHECK("same stream, same counts", memcmp(&a, &b, sizeof(a)) == 0);

	/* Geometry parsing */
	CHECK("custom parses", tlb_geom_parse("custom:l1=64x4,l1_2m=32x4,l2=1536x12", &g, err, sizeof(err)) == 0 &&
			       g.l1.n == 2 && g.l1.arr[1].entries == 32 && g.l2.n == 1 && g.l2.arr[0].ways == 12);
	CHECK("custom full", tlb_geom_parse("custom:l1=8xfull,l2=64x4", &g, err, sizeof(err)) == 0 && g.l1.arr[0].ways == 8);
	r = random_chase("custom:l1=8xfull,l2=64x4", 32, TLB_4K, 100000);
	CHECK("custom geometry is used: 1 - 8/32 L1 misses, no walks", NEAR(r.l1, expect(8, 32)) && r.walk < 0.001);
	CHECK("unknown model fails with a message", tlb_geom_parse("pentium", &g, err, sizeof(err)) < 0 && strstr(err, "pentium"));
	CHECK("entries not a multiple of ways", tlb_geom_parse("custom:l1=10x4,l2=64x4", &g, err, sizeof(err)) < 0);
	CHECK("missing l2", tlb_geom_parse("custom:l1=64x4", &g, err, sizeof(err)) < 0 && strstr(err, "l2"));
	CHECK("bad key", tlb_geom_parse("custom:l3=64x4,l1=8x8,l2=8x8", &g, err, sizeof(err)) < 0 && strstr(err, "l3"));
	return check_summary();
}
