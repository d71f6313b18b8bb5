/* paths.c - see paths.h. */
#include "paths.h"

#include <stdlib.h>

const char *source_dir(void)
{
	const char *s = getenv("HARNESS_SOURCE_DIR");
	return s && *s ? s : HARNESS_DEFAULT_SOURCE_DIR;
}

const char *build_dir(void)
{
	const char *s = getenv("HARNESS_BUILD_DIR");
	return s && *s ? s : HARNESS_DEFAULT_BUILD_DIR;
}
