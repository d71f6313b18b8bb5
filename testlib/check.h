/* check.h - the project's tiny test helper (header only).
 *
 *   CHECK("malloc(0) is unique", p != q);
 *   return check_summary();     // prints "N checks, M failed"; exit code = failures
 *
 * Each failed check prints its name, file and line. */
#ifndef TESTLIB_CHECK_H
#define TESTLIB_CHECK_H

#include <stdio.h>

static int check_total, check_failed;

#define CHECK(name, expr) do { \
	check_total++; \
	if (!(expr)) { \
		check_failed++; \
		fprintf(stderr, "FAIL %s:%d: %s  (%s)\n", __FILE__, __LINE__, (name), #expr); \
	} \
} while (0)

static inline int check_summary(void)
{
	printf("%d checks, %d failed\n", check_total, check_failed);
	return check_failed > 255 ? 255 : check_failed;
}

#endif
