/* guard.c - see guard.h: the region map, the link key, and the slow path
 * of the double-free check. */
#include "guard.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>

#include "central.h"
#include "fmt.h"
#include "os.h"
#include "superslab.h"
#include "remote.h"
#include "thread.h"

struct hk_guard hk_guard = { 0, (uint64_t)1 << HK_USER_BITS };
uint8_t hk_region_map[HK_REGIONS];

#define UNIT_TABLE_BYTES (((size_t)1 << (HK_USER_BITS - HK_UNIT_SHIFT)) * sizeof(struct hk_unit))
static struct hk_unit unit_null;     /* the table before hk_guard_init: free(NULL)'s entry */
char *hk_unit_base = (char *)&unit_null;

/* A random key whose top byte is HK_LINK_TOP, so free() can spot a link
 * by one byte: 0xF5 is never in UTF-8 or ASCII text, and is the top byte
 * of no pointer, no integer of magnitude below 2^59 and no double of
 * magnitude below 10^254. */
static uint64_t draw_key(void)
{
	uint64_t k = 0;
	if (getrandom(&k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
		/* no entropy yet (early boot): the kernel's AT_RANDOM bytes,
		 * mixed with an address ASLR placed */
		const uint64_t *r = (const uint64_t *)getauxval(AT_RANDOM);
		k = (r ? r[0] ^ (r[1] << 1) : 0) ^ (uint64_t)(uintptr_t)&k * 0x9E3779B97F4A7C15ull;
	}
	return (k & ~((uint64_t)0xFF << 56)) | ((uint64_t)HK_LINK_TOP << 56);
}

/* Only the entries of SuperSlabs are made writable, a page at a time (a
 * page holds the entries of 8 SuperSlabs); no huge pages, or a few
 * written entries would keep 2 MiB resident (os.c). */
static void map_unit_table(void)
{
	void *t = hk_os_reserve_readonly(UNIT_TABLE_BYTES);
	if (!t) {
		hk_message("cannot map the unit table, 32 GiB of address space (not memory): ", strerror(errno),
			   " (an address-space limit? raise ulimit -v)");
		abort();
	}
	__atomic_store_n(&hk_unit_base, (char *)t, __ATOMIC_RELEASE);
}

void hk_guard_init(void)
{
	hk_guard.key = HAKMEM_HARDEN ? draw_key() : 0;   /* 0: plain links (config.h) */
	map_unit_table();
}

/* One bit per page of the table: made writable already (a page never
 * goes back to read-only).  A page holds the entries of 8 SuperSlabs,
 * and the kernel places new SuperSlabs next to each other, so without it
 * 7 of 8 new SuperSlabs paid an mprotect that changed nothing. */
static uint8_t units_open[UNIT_TABLE_BYTES / HK_PAGE / 8];

int hk_guard_open_units(const void *ss)
{
	/* a SuperSlab's 512 bytes of entries never straddle a page */
	_Static_assert(HK_PAGE % (HK_UNITS * sizeof(struct hk_unit)) == 0, "one table page per SuperSlab");
	uintptr_t page = (uintptr_t)hk_unit_entry((uintptr_t)ss) & ~(uintptr_t)(HK_PAGE - 1);
	size_t n = (size_t)(page - (uintptr_t)hk_unit_base) / HK_PAGE;
	uint8_t bit = (uint8_t)(1u << (n & 7));
	if (__atomic_load_n(&units_open[n / 8], __ATOMIC_RELAXED) & bit)
		return 0;
	if (hk_os_make_writable((void *)page, HK_PAGE) != 0)
		return -1;
	__atomic_fetch_or(&units_open[n / 8], bit, __ATOMIC_RELAXED);
	return 0;
}

void hk_guard_mark(const void *region, unsigned kind)
{
	uintptr_t t = (uintptr_t)region >> HK_SS_SHIFT;
	if (t < HK_REGIONS)
		__atomic_store_n(&hk_region_map[t], (uint8_t)kind, __ATOMIC_RELAXED);
}

void hk_link_corrupt(const void *b)
{
	hk_fatal("malloc(): corrupted free list: the link in free block", b,
		 "was overwritten (a heap overflow or a write after free)");
}

/* Is link (p's link word decoded, below 2^47) what a free block of class
 * cls holds: the end of a list, or the start of another block of cls?  A
 * live block's link word is 0 until the program writes it (malloc clears
 * it), and no program writes such a value without reading it from a freed
 * block (the key is secret): so this is a free block, in a list this
 * thread cannot walk (another thread's cache). */
static int link_of_class(unsigned cls, uintptr_t link)
{
	if (link == 0)
		return 1;
	if (hk_region_of(link) != HK_REGION_SMALL)
		return 0;
	const struct hk_unit *u = hk_unit_entry(link);
	return u->cls == cls && hk_is_block_start(u, link);
}

void hk_check_not_free(unsigned cls, void *p)
{
	if (hk_bin_has(cls, p) || hk_remote_batch_has(cls, p) || hk_central_slab_has(cls, p))
		hk_fatal("free(): double free of", p, "(block is already free)");
	if (link_of_class(cls, ((const uintptr_t *)p)[HK_LINK_WORD] ^ hk_guard.key))
		hk_fatal("free(): double free of", p, "(block is already free, in another thread's cache)");
}

HK_NOINLINE void hk_free_suspect(unsigned cls, void *p)
{
	if (hk_maybe_free(p))     /* the whole word decodes to a link: look */
		hk_check_not_free(cls, p);
	hk_bin_push_nocheck(cls, p);
}
