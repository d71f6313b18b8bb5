/* test_fastmod.c - wl_mod (common.h), the division-free r % d that the
 * lean timed loops use, against the % operator: every divisor up to 2^16
 * with pseudo-random and edge numerators, and edge divisors up to 2^32-1. */
#include "check.h"
#include "../common.h"

static unsigned long long wrong;

static void against_div(uint32_t d, uint32_t r)
{
	if (wl_mod(r, wl_mod_init(d)) != r % d)
		wrong++;
}

int main(void)
{
	static const uint32_t edge_r[] = { 0, 1, 2, 3, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu };
	uint32_t s = 2463534242u;
	for (uint32_t d = 1; d <= 65536; d++) {
		for (unsigned i = 0; i < sizeof(edge_r) / sizeof(edge_r[0]); i++)
			against_div(d, edge_r[i]);
		for (int k = 0; k < 64; k++)
			against_div(d, xorshift32(&s));
		against_div(d, d - 1);
		against_div(d, d);
		against_div(d, 0xFFFFFFFFu - (0xFFFFFFFFu % d));   /* the largest multiple of d */
	}
	CHECK("r % d for every d <= 65536 (72 numerators each)", wrong == 0);

	wrong = 0;
	static const uint32_t edge_d[] = { 8192, 1u << 28, (1u << 28) + 1, 1000003, 0x7FFFFFFFu,
					   0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu };
	for (unsigned j = 0; j < sizeof(edge_d) / sizeof(edge_d[0]); j++) {
		for (unsigned i = 0; i < sizeof(edge_r) / sizeof(edge_r[0]); i++)
			against_div(edge_d[j], edge_r[i]);
		for (int k = 0; k < 100000; k++)
			against_div(edge_d[j], xorshift32(&s));
	}
	CHECK("r % d for large and power-of-two divisors", wrong == 0);
	CHECK("d = 1 gives 0", wl_mod(0xFFFFFFFFu, wl_mod_init(1)) == 0);
	return check_summary();
}
