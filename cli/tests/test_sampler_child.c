/* test_sampler_child.c - a program whose RSS is known: it grows by
 * --mib MiB (mmap'd and touched), holds it for --hold-ms, gives it back
 * (munmap), then signals drained (wl_drained) and lingers.  The sampler
 * test checks that the sampler saw the growth and the shrink. */
#include "../../workloads/common.h"

int main(int argc, char **argv)
{
	unsigned long long mib = 64, hold_ms = 300;
	struct wl_option opts[] = {
		{ "mib", "MiB to grow by", &mib, 1, 4096 },
		{ "hold-ms", "how long to hold them", &hold_ms, 0, 60000 },
	};
	wl_parse(argc, argv, "sampler test child: grows to a known size and shrinks back.", opts, 2);
	size_t bytes = mib << 20;
	double t0 = wl_now();
	unsigned char *p = wl_private_alloc(bytes);
	for (size_t i = 0; i < bytes; i += 4096)
		p[i] = 1;
	struct timespec ts = { (time_t)(hold_ms / 1000), (long)(hold_ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
	wl_private_free(p, bytes);
	double secs = wl_now() - t0;
	wl_drained();
	wl_result("sampler_child", 1, secs, "grow and shrink", "\"mib\":%llu", mib);
	return 0;
}
