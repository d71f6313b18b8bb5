/* knob_probe.c - a small program run under LD_PRELOAD=libhakmem.so by
 * knobs_test.py: it does one allocation pattern and prints what the
 * kernel saw (RSS, AnonHugePages, minor faults) as "key value" lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * 4;
}

static long smaps_kb(const char *key)
{
	char line[256];
	long v = -1;
	size_t n = strlen(key);
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

#define NBLOCKS 200000

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	if (strcmp(mode, "thp") == 0) {
		/* 8 MiB of 256-byte blocks: four SuperSlabs, touched */
		static void *b[32768];
		for (int i = 0; i < 32768; i++) {
			b[i] = malloc(256);
			memset(b[i], 1, 256);
		}
		printf("anon_huge_kb %ld\n", smaps_kb("AnonHugePages"));
		for (int i = 0; i < 32768; i++)
			free(b[i]);
	} else if (strcmp(mode, "prefault") == 0) {
		long before = minflt();
		void *p = malloc(64);          /* maps the first SuperSlab */
		long after = minflt();
		printf("faults_first_malloc %ld\n", after - before);
		before = minflt();
		/* 1 MiB of 64-byte blocks inside that SuperSlab */
		static void *b[16384];
		for (int i = 0; i < 16384; i++) {
			b[i] = malloc(64);
			memset(b[i], 1, 64);
		}
		printf("faults_filling %ld\n", minflt() - before);
		for (int i = 0; i < 16384; i++)
			free(b[i]);
		free(p);
	} else if (strcmp(mode, "release") == 0) {
		/* ~100 MiB in 512-byte blocks, then free everything */
		static void *b[NBLOCKS];
		long start = rss_kb();
		for (int i = 0; i < NBLOCKS; i++) {
			b[i] = malloc(512);
			memset(b[i], 2, 512);
		}
		long peak = rss_kb();
		for (int i = 0; i < NBLOCKS; i++)
			free(b[i]);
		printf("rss_start_kb %ld\nrss_peak_kb %ld\nrss_after_free_kb %ld\n", start, peak, rss_kb());
	} else if (strcmp(mode, "largeloop") == 0) {
		/* alloc, touch, free 16 MiB twenty times */
		long first = 0, rest = 0;
		for (int round = 0; round < 20; round++) {
			long before = minflt();
			char *p = malloc(16 << 20);
			memset(p, round, 16 << 20);
			free(p);
			if (round == 0)
				first = minflt() - before;
			else
				rest += minflt() - before;
		}
		printf("faults_first_round %ld\nfaults_other_rounds %ld\n", first, rest);
	} else if (strcmp(mode, "plain") == 0) {
		void *p = malloc(100);
		free(p);
		printf("ok 1\n");
	} else {
		fprintf(stderr, "usage: %s thp|prefault|release|largeloop|plain\n", argv[0]);
		return 2;
	}
	return 0;
}
