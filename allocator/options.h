/* options.h - the one table of HAKMEM_* environment knobs.
 *
 * Each row: id, variable, kind, default, accepted values, description.
 * The id and the variable name come from the same macro argument, so they
 * cannot drift apart; knobs.txt lists the same rows (a test checks it).
 * Values are read once, at the first allocation or at load time, whichever
 * comes first.  An invalid value prints one warning naming the variable and
 * the accepted values, then the default is used. */
#ifndef HAKMEM_OPTIONS_H
#define HAKMEM_OPTIONS_H

enum hk_opt_kind { HK_KIND_INT, HK_KIND_CHOICE, HK_KIND_STRING };

enum hk_release { HK_RELEASE_DONTNEED, HK_RELEASE_FREE, HK_RELEASE_KEEP };
enum hk_stats_mode { HK_STATS_OFF, HK_STATS_TEXT, HK_STATS_JSON };

/* X(id, kind, default, accepted, min, max, description)
 * INT: accepted is shown as is, the value must lie in [min, max].
 * CHOICE: accepted is "a|b|c"; the value is the index of the word. */
#define HK_OPTIONS(X) \
	X(THP, HK_KIND_INT, "0", "0|1", 0, 1, \
	  "1: madvise(MADV_HUGEPAGE) on SuperSlabs and large blocks; 0: no madvise, the system THP mode decides") \
	X(PREFAULT, HK_KIND_INT, "0", "0|1", 0, 1, \
	  "1: populate new SuperSlabs and large blocks up front (MADV_POPULATE_WRITE); 0: fault pages lazily") \
	X(RELEASE, HK_KIND_CHOICE, "dontneed", "dontneed|free|keep", 0, 2, \
	  "how empty SuperSlabs beyond the cache go back: MADV_DONTNEED (kernel zeroes lazily), MADV_FREE, or keep them resident") \
	X(SS_CACHE, HK_KIND_INT, "2", "0..1024", 0, 1024, \
	  "empty SuperSlabs kept resident for reuse before the release policy applies") \
	X(LARGE_CACHE, HK_KIND_INT, "64", "0..1024", 0, 1024, \
	  "freed large mappings (> 256 KiB) kept mapped and resident for reuse (0: unmap at once)") \
	X(LARGE_CACHE_MB, HK_KIND_INT, "1024", "0..65536", 0, 65536, \
	  "hard ceiling on the bytes (MiB) held by the large-block cache") \
	X(LARGE_CACHE_PCT, HK_KIND_INT, "150", "0..1000", 0, 1000, \
	  "large cache bound: this percent of the recent peak of live large bytes (at least 32 MiB)") \
	X(SLAB_DIRTY_MB, HK_KIND_INT, "4", "0..65536", 0, 65536, \
	  "empty slab units kept resident inside live SuperSlabs (MiB) before the release policy applies") \
	X(SLAB_DIRTY_PCT, HK_KIND_INT, "25", "0..1000", 0, 1000, \
	  "raise that bound to this percent of the bytes in use") \
	X(DECAY_MS, HK_KIND_INT, "1000", "0..3600000", 0, 3600000, \
	  "free memory (large cache entries, empty slab units) unused this long goes back to the OS") \
	X(DECAY_THREAD, HK_KIND_INT, "1", "0|1", 0, 1, \
	  "1: a background thread, started when free memory is first parked, gives back what decayed while the program is idle; 0: only allocation slow paths do") \
	X(TCACHE, HK_KIND_INT, "100", "1..1000", 1, 1000, \
	  "per-thread cache length, percent of the built-in per-class limits") \
	X(STATS, HK_KIND_CHOICE, "0", "0|1|json", 0, 2, \
	  "print statistics at exit on stderr: 1 a table, json one JSON object") \
	X(STATS_FILE, HK_KIND_STRING, "", "a file path", 0, 0, \
	  "also write the JSON statistics object to this file at exit") \
	X(VERBOSE, HK_KIND_INT, "0", "0|1", 0, 1, \
	  "1: print the option table with the values in effect at start-up")

enum hk_opt_id {
#define HK_OPT_ENUM(id, kind, def, acc, lo, hi, desc) HK_OPT_##id,
	HK_OPTIONS(HK_OPT_ENUM)
#undef HK_OPT_ENUM
	HK_OPT_COUNT
};

struct hk_option {
	const char *name;        /* "HAKMEM_THP" */
	enum hk_opt_kind kind;
	const char *def;
	const char *accepted;
	long lo, hi;
	const char *desc;
	long value;              /* INT, CHOICE */
	const char *str;         /* STRING (points into the environment) */
	int from_env;
};

extern struct hk_option hk_options[HK_OPT_COUNT];

/* Read every knob from the environment (once; later calls do nothing). */
void hk_options_load(void);
#define hk_opt(id) (hk_options[HK_OPT_##id].value)
#define hk_opt_str(id) (hk_options[HK_OPT_##id].str)

/* Print the table (HAKMEM_VERBOSE=1) on fd. */
void hk_options_print(int fd);
/* Write the table in knobs.txt format (NAME\tdefault\taccepted\tdescription). */
void hk_options_write_knobs(int fd);

struct hk_buf;
/* The value in effect, as text (a CHOICE's word, a number, a string). */
void hk_option_value_text(struct hk_buf *b, const struct hk_option *o);

/* getenv that never allocates (works before libc has set environ). */
const char *hk_getenv(const char *name);

#endif
