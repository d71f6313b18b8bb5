/* links_probe.c - are free-list links encoded?  A plain program run under
 * LD_PRELOAD: `links_probe encoded` passes under libhakmem.so, `links_probe
 * plain` under the measuring instrument libhakmem_unhardened.so (config.h,
 * HAKMEM_HARDEN).  If the instrument were built with the checks on, ab
 * against it would call the hardening free; this test says so first.
 *
 * Two blocks of one class are freed, b then a, into the thread cache
 * (LIFO): a's link word (its second, allocator/guard.h) then holds the
 * link to b, plain or encoded.
 * Reading a freed block is what the test is about. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "plain") && strcmp(argv[1], "encoded"))) {
		fprintf(stderr, "usage: %s plain|encoded\n", argv[0]);
		return 2;
	}
	int want_plain = strcmp(argv[1], "plain") == 0;
	void *a = malloc(48), *b = malloc(48);
	if (!a || !b) {
		fprintf(stderr, "links_probe: malloc failed\n");
		return 1;
	}
	free(b);
	free(a);
	uintptr_t word = ((volatile uintptr_t *)a)[1];
	int plain = word == (uintptr_t)b;
	printf("link word of the freed block %p: %#jx (the next block is %p): %s link\n", a, (uintmax_t)word, b,
	       plain ? "a plain" : "an encoded");
	if (plain != want_plain) {
		fprintf(stderr, "links_probe: FAIL: expected %s links\n", argv[1]);
		return 1;
	}
	return 0;
}
