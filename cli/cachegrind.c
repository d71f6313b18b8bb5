/* cachegrind.c - placeholder collector: not implemented yet.  It refuses the
 * options that would need it, so that nothing pretends to measure. */
#include <stdio.h>

#include "collector.h"

static int cachegrind_setup(const struct run_opts *o, void **state, char *err, size_t errlen)
{
	(void)o; (void)err; (void)errlen;
	*state = NULL;
	return 0;
}

const struct collector cachegrind_collector = {
	.name = "cachegrind",
	.setup = cachegrind_setup,
};
