/* latency_stats.h - percentiles of a latency sample, kept pure (no I/O,
 * no allocation) so that a unit test can check them on a synthetic
 * distribution (tests/test_latency_stats.c).
 *
 * Percentile definition: nearest rank.  For n sorted values and p in
 * (0, 100], the p-th percentile is the value at rank ceil(p/100 * n)
 * (1-based); p = 100 is the maximum.  No interpolation: every reported
 * figure is a latency that was actually observed.
 *
 * The sort is an in-place heapsort: qsort may call malloc, which would put
 * the allocator under test into the bookkeeping. */
#ifndef WORKLOAD_LATENCY_STATS_H
#define WORKLOAD_LATENCY_STATS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

static inline void lat_sift_down(uint64_t *a, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n && a[child + 1] > a[child])
			child++;
		if (a[root] >= a[child])
			return;
		uint64_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

/* Sort ascending, in place. */
static inline void lat_sort(uint64_t *a, size_t n)
{
	if (n < 2)
		return;
	for (size_t i = n / 2; i-- > 0;)
		lat_sift_down(a, i, n);
	for (size_t end = n - 1; end > 0; end--) {
		uint64_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		lat_sift_down(a, 0, end);
	}
}

/* Nearest-rank percentile of an ascending array; 0 when n == 0 (callers
 * report an empty sample as missing, never as this 0). */
static inline uint64_t lat_percentile(const uint64_t *sorted, size_t n, double p)
{
	if (n == 0)
		return 0;
	if (p <= 0)
		return sorted[0];
	double rank = ceil(p / 100.0 * (double)n - 1e-9);   /* 1e-9: 99.9% of 1000 is rank 999, not 1000 */
	size_t r = rank < 1 ? 1 : (size_t)rank;
	if (r > n)
		r = n;
	return sorted[r - 1];
}

/* The timer's step, folded over one more sample: the greatest common
 * divisor of step and every value of a (0 stays 0 only if all are 0).
 * Some TSCs advance in steps of many ticks (AMD Zen: one step of about
 * 10 ns, README "Timing one call"), so every timing is a multiple of the
 * step, and two figures one step apart may differ by anything from
 * nothing to two steps. */
static inline uint64_t lat_step(const uint64_t *a, size_t n, uint64_t step)
{
	for (size_t i = 0; i < n && step != 1; i++) {
		uint64_t x = a[i], y = step;
		while (y) {
			uint64_t t = x % y;
			x = y;
			y = t;
		}
		step = x;
	}
	return step;
}

#endif
