/* stats.c - median and range of a variant's counted, successful runs. */
#include <math.h>
#include <stdlib.h>

#include "summary.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int variant_stat(const struct invocation *inv, int variant,
		 double (*get)(const struct run_summary *r, const void *arg), const void *arg,
		 double *median, double *min, double *max)
{
	double *v = malloc(sizeof(double) * (size_t)(inv->n_runs ? inv->n_runs : 1));
	int n = 0;
	if (!v)
		return 0;
	for (int i = 0; i < inv->n_runs; i++) {
		const struct run_summary *r = &inv->runs[i];
		if (r->variant != variant || !r->ok)
			continue;
		double x = get(r, arg);
		if (!isnan(x))
			v[n++] = x;
	}
	*median = *min = *max = NAN;
	if (n > 0) {
		qsort(v, (size_t)n, sizeof(double), cmp_double);
		*median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
		*min = v[0];
		*max = v[n - 1];
	}
	free(v);
	return n;
}
