/* paths.h - where the source tree and the build tree are.  The launcher
 * exports HARNESS_SOURCE_DIR and HARNESS_BUILD_DIR; without them (the binary
 * run by hand or by meson test) the paths meson compiled in are used. */
#ifndef HARNESS_PATHS_H
#define HARNESS_PATHS_H

const char *source_dir(void);
const char *build_dir(void);

#endif
