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

/* The most common value of an ascending array, ignoring zeros (0 if
 * there is none). */
static inline uint64_t lat_mode(const uint64_t *sorted, size_t n)
{
	uint64_t best = 0;
	size_t best_run = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && sorted[j] == sorted[i])
			j++;
		if (sorted[i] != 0 && j - i > best_run) {
			best = sorted[i];
			best_run = j - i;
		}
		i = j;
	}
	return best;
}

/* The timer's step: the largest divisor of `typical` (a timing the timer
 * gives often: the mode of the empty timings) that divides at least
 * 99.9% of the values of the nb arrays; 0 when typical is 0.  Some TSCs
 * advance in steps of many ticks (AMD Zen: 21 ticks, about 10 ns; README
 * "The timer's step"), so a timing is a multiple of the step and two
 * figures one step apart may differ by anything from nothing to two
 * steps.  Not the gcd of all values: under a hypervisor a TSC read next
 * to a VM exit now and then comes back one tick off the grid, and one
 * such timing in a million would make the gcd 1. */
static inline uint64_t lat_step(const uint64_t *const *a, const size_t *n, int nb, uint64_t typical)
{
	size_t total = 0;
	for (int k = 0; k < nb; k++)
		total += n[k];
	for (uint64_t d = typical; d > 1; d--) {
		if (typical % d)
			continue;
		size_t on = 0;
		for (int k = 0; k < nb; k++)
			for (size_t i = 0; i < n[k]; i++)
				on += a[k][i] % d == 0;
		if ((double)on >= 0.999 * (double)total)
			return d;
	}
	return typical ? 1 : 0;
}

#endif
