/* sampler.c - placeholder collector: not implemented yet.  It refuses the
 * options that would need it, so that nothing pretends to measure. */
#include <stdio.h>

#include "collector.h"

static int sampler_setup(const struct run_opts *o, void **state, char *err, size_t errlen)
{
	(void)o; (void)err; (void)errlen;
	*state = NULL;
	return 0;
}

const struct collector sampler_collector = {
	.name = "sampler",
	.setup = sampler_setup,
};
