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

int variant_mean_sd(const struct invocation *inv, int variant,
		    double (*get)(const struct run_summary *r, const void *arg), const void *arg,
		    double *mean, double *sd)
{
	double sum = 0, sq = 0;
	int n = 0;
	for (int i = 0; i < inv->n_runs; i++) {
		const struct run_summary *r = &inv->runs[i];
		double x = r->variant == variant && r->ok ? get(r, arg) : NAN;
		if (isnan(x))
			continue;
		sum += x;
		n++;
	}
	*mean = n ? sum / n : NAN;
	for (int i = 0; i < inv->n_runs; i++) {
		const struct run_summary *r = &inv->runs[i];
		double x = r->variant == variant && r->ok ? get(r, arg) : NAN;
		if (!isnan(x))
			sq += (x - *mean) * (x - *mean);
	}
	/* the sample standard deviation (n - 1), as hyperfine; undefined for one run */
	*sd = n > 1 ? sqrt(sq / (n - 1)) : NAN;
	return n;
}
