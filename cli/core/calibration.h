/* calibration.h - the measured costs of this machine (README, "Measured
 * costs"): build/calibrate/calibrate prints them as one JSON object, which
 * is cached per host and boot in results/calibration/HOSTNAME-BOOTID.json
 * under the source tree.  Every record's host facts carry the cached object
 * as host.calibration when a cache for this host and boot exists; none is
 * ever made up.  A new boot (or another host) has no cache: the kernel,
 * THP state and memory layout may have changed, so the costs are measured
 * again. */
#ifndef HARNESS_CALIBRATION_H
#define HARNESS_CALIBRATION_H

#include <stddef.h>

#include "json.h"

/* The cache file of this host and boot.  -1 (err filled) when the boot id
 * cannot be read. */
int calibration_cache_path(char *out, size_t n, char *err, size_t errlen);

/* The cached calibration of this host and boot, or NULL (no cache, or a
 * cache of another host/boot, or unreadable).  Read once; owned here. */
const struct jv *calibration_cached(void);

/* Run the calibration program (trials > 0: --trials N), check its JSON
 * against this host and boot, and replace the cache.  Returns 0, or -1
 * after one error line on stderr. */
int calibration_measure(int trials);

/* Measure unless this host and boot has a cache (`analyze`).  Returns 0
 * when a cache exists afterwards, -1 after one error line. */
int calibration_ensure(void);

#endif
