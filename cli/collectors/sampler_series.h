/* sampler_series.h - a time series of RSS samples with a bounded memory
 * footprint: every sample counts towards the peak and the time-weighted
 * mean, but only up to SERIES_MAX_STORED (t, value) pairs are kept for the
 * record - when the store fills up it is decimated by 2 (every other
 * point dropped, and from then on only every 2nd, 4th ... sample stored).
 * Pure data structure: no I/O, so a unit test can drive it. */
#ifndef HARNESS_SAMPLER_SERIES_H
#define HARNESS_SAMPLER_SERIES_H

#include <stddef.h>

#define SERIES_MAX_STORED 2000

struct rss_series {
	double t[SERIES_MAX_STORED];
	double kib[SERIES_MAX_STORED];
	int n;                   /* points stored */
	unsigned stride;         /* store every stride-th sample (1, 2, 4, ...) */
	unsigned long long seen; /* samples added */
	double peak;             /* max over every sample, not only stored ones */
	double area;             /* integral of kib dt (step function) up to t_last */
	double t_first, t_last, last;
	double area_until, span_until;   /* the mean's parts, frozen by series_freeze_mean */
	int frozen;
};

void series_init(struct rss_series *s);
void series_add(struct rss_series *s, double t, double kib);
/* From now on the mean stops growing: it is the mean of the work part
 * (the drained signal), not of the lingering that follows. */
void series_freeze_mean(struct rss_series *s, double t);
/* Time-weighted mean: each sample's value holds until the next sample.
 * With one sample, that sample; with none, -1. */
double series_mean(const struct rss_series *s);

#endif
