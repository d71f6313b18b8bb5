/* sampler_series.c - see sampler_series.h. */
#include "sampler_series.h"

void series_init(struct rss_series *s)
{
	s->n = 0;
	s->stride = 1;
	s->seen = 0;
	s->peak = -1;
	s->area = 0;
	s->t_first = s->t_last = s->last = 0;
	s->area_until = s->span_until = 0;
	s->frozen = 0;
}

void series_add(struct rss_series *s, double t, double kib)
{
	if (s->seen == 0)
		s->t_first = t;
	else if (t > s->t_last)
		s->area += s->last * (t - s->t_last);
	if (s->seen == 0 || kib > s->peak)
		s->peak = kib;
	s->t_last = t;
	s->last = kib;
	if (s->seen % s->stride == 0) {
		if (s->n == SERIES_MAX_STORED) {
			/* decimate: keep points 0, 2, 4, ...; from now on store
			 * every 2*stride-th sample, so spacing stays even */
			for (int i = 0; i < s->n / 2; i++) {
				s->t[i] = s->t[2 * i];
				s->kib[i] = s->kib[2 * i];
			}
			s->n /= 2;
			s->stride *= 2;
		}
		if (s->seen % s->stride == 0) {
			s->t[s->n] = t;
			s->kib[s->n] = kib;
			s->n++;
		}
	}
	s->seen++;
}

void series_freeze_mean(struct rss_series *s, double t)
{
	if (s->frozen || s->seen == 0)
		return;
	s->area_until = s->area + (t > s->t_last ? s->last * (t - s->t_last) : 0);
	s->span_until = (t > s->t_last ? t : s->t_last) - s->t_first;
	s->frozen = 1;
}

double series_mean(const struct rss_series *s)
{
	if (s->seen == 0)
		return -1;
	if (s->frozen)
		return s->span_until > 0 ? s->area_until / s->span_until : s->last;
	double span = s->t_last - s->t_first;
	return span > 0 ? s->area / span : s->last;
}
