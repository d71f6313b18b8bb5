/* init.h - the process life cycle: one-time initialisation (options,
 * statistics, fork handlers), the load-time constructor and the exit-time
 * destructor, fork.  The top of the layer stack below the API: it calls
 * into every layer, none calls into it. */
#ifndef HAKMEM_INIT_H
#define HAKMEM_INIT_H

#include "config.h"

extern int hk_init_done;
void hk_init_slow(void);

/* Make sure the options are read and the process hooks installed. */
HK_INLINE void hk_init(void)
{
	if (HK_LIKELY(__atomic_load_n(&hk_init_done, __ATOMIC_ACQUIRE)))
		return;
	hk_init_slow();
}

#endif
