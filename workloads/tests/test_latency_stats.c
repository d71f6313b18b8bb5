/* test_latency_stats.c - the latency workload's percentile code on
 * synthetic distributions whose percentiles are known exactly. */
#include <stdlib.h>

#include "check.h"
#include "../latency_stats.h"

static int sorted(const uint64_t *a, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (a[i - 1] > a[i])
			return 0;
	return 1;
}

int main(void)
{
	enum { N = 1000 };
	static uint64_t a[N];

	/* 1..1000 shuffled: the p-th percentile (nearest rank) is 10*p */
	for (size_t i = 0; i < N; i++)
		a[i] = i + 1;
	uint32_t s = 12345;
	for (size_t i = N - 1; i > 0; i--) {
		s = s * 1103515245u + 12345u;
		size_t j = (s >> 8) % (i + 1);
		uint64_t t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
	lat_sort(a, N);
	CHECK("heapsort sorts", sorted(a, N));
	CHECK("sort keeps the values", a[0] == 1 && a[N - 1] == N);
	CHECK("p50 of 1..1000 is 500", lat_percentile(a, N, 50) == 500);
	CHECK("p99 of 1..1000 is 990", lat_percentile(a, N, 99) == 990);
	CHECK("p99.9 of 1..1000 is 999", lat_percentile(a, N, 99.9) == 999);
	CHECK("p100 is the max", lat_percentile(a, N, 100) == 1000);
	CHECK("p0 is the min", lat_percentile(a, N, 0) == 1);

	/* a heavy tail: 990 fast ops of 20, 9 of 5000, one 1e6 pause */
	for (size_t i = 0; i < N; i++)
		a[i] = i < 990 ? 20 : i < 999 ? 5000 : 1000000;
	for (size_t i = 0; i < N; i += 7) {         /* scramble deterministically */
		uint64_t t = a[i];
		a[i] = a[N - 1 - i];
		a[N - 1 - i] = t;
	}
	lat_sort(a, N);
	CHECK("tail: p50 is the fast path", lat_percentile(a, N, 50) == 20);
	CHECK("tail: p99 is still fast (990 of 1000)", lat_percentile(a, N, 99) == 20);
	CHECK("tail: p99.9 sees the slow ops", lat_percentile(a, N, 99.9) == 5000);
	CHECK("tail: max is the pause", lat_percentile(a, N, 100) == 1000000);

	/* the step: the largest divisor of the typical timing that divides
	 * 99.9% of them, robust to a rare timing off the grid */
	static uint64_t grid[2000];
	for (size_t i = 0; i < 2000; i++)
		grid[i] = 21 * (1 + i % 3);                   /* 21, 42, 63: AMD Zen's TSC */
	const uint64_t *one_buf[1] = { grid };
	size_t one_n[1] = { 2000 };
	CHECK("the mode ignores zeros and finds the most common value",
	      lat_mode((const uint64_t[]){ 0, 0, 0, 21, 42, 42 }, 6) == 42 && lat_mode((const uint64_t[]){ 0 }, 1) == 0);
	CHECK("multiples of 21: the step is 21", lat_step(one_buf, one_n, 1, 42) == 21);
	grid[7] = 43;                                         /* one read off the grid next to a VM exit */
	CHECK("one value in 2000 off the grid keeps the step", lat_step(one_buf, one_n, 1, 42) == 21);
	for (size_t i = 0; i < 10; i++)
		grid[i * 100] = 22 + i;
	CHECK("ten in 2000 off the grid: no step above 1", lat_step(one_buf, one_n, 1, 42) == 1);
	uint64_t fine[4] = { 38, 39, 40, 41 }, coarse[3] = { 42, 84, 126 };
	const uint64_t *two_bufs[2] = { fine, coarse };
	size_t two_n[2] = { 4, 3 };
	CHECK("1-tick timers (Intel) have step 1", lat_step(two_bufs, two_n, 2, 40) == 1);
	CHECK("every array counts", lat_step(two_bufs + 1, two_n + 1, 1, 42) == 42 && lat_step(two_bufs, two_n, 2, 42) == 1);
	CHECK("no typical timing: no step", lat_step(two_bufs, two_n, 2, 0) == 0);

	/* tiny samples */
	uint64_t one = 42, two[2] = { 9, 3 };
	CHECK("one value: every percentile is it", lat_percentile(&one, 1, 50) == 42 && lat_percentile(&one, 1, 99.9) == 42);
	lat_sort(two, 2);
	CHECK("two values sorted", two[0] == 3 && two[1] == 9);
	CHECK("two values: p50 is the lower", lat_percentile(two, 2, 50) == 3);
	CHECK("two values: p51 is the upper", lat_percentile(two, 2, 51) == 9);
	CHECK("empty sample gives 0 (reported as missing)", lat_percentile(a, 0, 50) == 0);

	/* duplicates and an already sorted, reversed input */
	for (size_t i = 0; i < N; i++)
		a[i] = N - i;
	lat_sort(a, N);
	CHECK("reversed input sorts", sorted(a, N) && a[0] == 1);
	return check_summary();
}
