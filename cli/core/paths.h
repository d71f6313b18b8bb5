/* paths.h - where things are: the source tree and the build tree (the
 * launcher exports HARNESS_SOURCE_DIR and HARNESS_BUILD_DIR; without them,
 * the binary run by hand or by meson test, the paths meson compiled in),
 * and the default results file. */
#ifndef HARNESS_PATHS_H
#define HARNESS_PATHS_H

#include <stddef.h>

const char *source_dir(void);
const char *build_dir(void);

/* results/<UTC stamp>-<name>.jsonl under the source tree, creating
 * results/.  -1 after one error line when the directory cannot be made. */
/* PATH search as execvp does it: the first PATH entry where PROG is
 * executable, written to out.  -1 when none is. */
int find_in_path(const char *prog, char *out, size_t len);

int results_default_path(const char *name, char *out, size_t n);

#endif
