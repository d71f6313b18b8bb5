/* sizeclass.c - the class tables (constant data, usable before any
 * initialisation: the very first malloc of a process reads them). */
#include "sizeclass.h"

#define CS(c) HK_CLASS_SIZE(c)
#define CS4(c) CS(c), CS(c + 1), CS(c + 2), CS(c + 3)

const uint32_t hk_class_size[HK_NCLS] = {
	CS4(0), CS4(4), CS4(8), CS4(12), CS4(16), CS4(20), CS4(24), CS4(28),
	CS4(32), CS4(36), CS4(40), CS4(44), CS4(48), CS4(52), CS4(56), CS4(60),
};

const uint8_t hk_class_lut[HK_TINY_MAX / 16 + 1] = {
	[0] = 1, [1] = 1, [2] = 2, [3] = 3, [4] = 4, [5] = 5, [6] = 6, [7] = 7, [8] = 8,
	[9 ... 10] = 9, [11 ... 12] = 10, [13 ... 14] = 11, [15 ... 16] = 12,
	[17 ... 20] = 13, [21 ... 24] = 14, [25 ... 28] = 15, [29 ... 32] = 16,
	[33 ... 40] = 17, [41 ... 48] = 18, [49 ... 56] = 19, [57 ... 64] = 20,
};

/* Units per slab: one 64 KiB unit up to 8 KiB blocks (>= 8 blocks), then
 * enough units for about 8 blocks, at most 16 units (1 MiB); mid classes
 * (above 256 KiB, all multiples of 64 KiB) one block of exactly its units. */
#define UN(c) ((c) == 0 ? 0 : CS(c) <= 8192 ? 1 : CS(c) > 262144u ? CS(c) / 65536u \
	: (8u * CS(c) + 65535u) / 65536u > 16u ? 16 : (8u * CS(c) + 65535u) / 65536u)
#define UN4(c) UN(c), UN(c + 1), UN(c + 2), UN(c + 3)

const uint64_t hk_class_divc[HK_NCLS] = HK_CLASS_DIVC_ALL;

_Static_assert(CS(HK_NCLS - 1) == HK_SMALL_MAX && CS(HK_NCLS - 1) / 65536u < HK_UNITS, "the last class fits a SuperSlab");

const uint8_t hk_class_units[HK_NCLS] = {
	UN4(0), UN4(4), UN4(8), UN4(12), UN4(16), UN4(20), UN4(24), UN4(28),
	UN4(32), UN4(36), UN4(40), UN4(44), UN4(48), UN4(52), UN4(56), UN4(60),
};
