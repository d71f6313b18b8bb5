/* bytes.c - see bytes.h.  Relaxed atomics: any thread's slow path updates
 * the figures without a common lock; the peak is a CAS-max. */
#include "bytes.h"

uint64_t hk_bytes_in_use, hk_bytes_peak;

void hk_bytes_add(uint64_t n)
{
	uint64_t now = __atomic_add_fetch(&hk_bytes_in_use, n, __ATOMIC_RELAXED);
	uint64_t peak = __atomic_load_n(&hk_bytes_peak, __ATOMIC_RELAXED);
	while (now > peak &&
	       !__atomic_compare_exchange_n(&hk_bytes_peak, &peak, now, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

void hk_bytes_sub(uint64_t n)
{
	__atomic_sub_fetch(&hk_bytes_in_use, n, __ATOMIC_RELAXED);
}
