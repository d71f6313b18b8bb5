/* sizeclass.h - the size classes and the request -> class lookup.
 *
 * Classes: 16..128 in steps of 16, then four per doubling (160, 192, 224,
 * 256, 320, ... 256 KiB, ... 1.75 MiB): worst-case internal waste 25%, about 10% on
 * uniform sizes, while keeping few enough classes that each one's slabs
 * fill up (random_mixed spreads 16..1040 bytes over 21 classes).
 * Class 0 means "not a small block" (large, or a header unit). */
#ifndef HAKMEM_SIZECLASS_H
#define HAKMEM_SIZECLASS_H

#include "config.h"

/* Class c >= 9 is (128 << g) + (s + 1) * (32 << g) with g = (c-9)/4, s = (c-9)%4. */
#define HK_CLASS_SIZE(c) ((c) == 0 ? 0u : (c) <= 8 ? 16u * (c) \
	: (128u << (((c) - 9) >> 2)) + ((((c) - 9) & 3) + 1u) * (32u << (((c) - 9) >> 2)))
/* ceil(2^64 / size), 0 for class 0 (constant expressions: the thread
 * cache's initialiser uses them too, thread.c) */
#define HK_CLASS_DIVC(c) ((c) == 0 ? (uint64_t)0 : UINT64_MAX / HK_CLASS_SIZE(c) + 1)
#define HK_CLASS_DIVC4(c) HK_CLASS_DIVC(c), HK_CLASS_DIVC(c + 1), HK_CLASS_DIVC(c + 2), HK_CLASS_DIVC(c + 3)
/* The initialiser of a table of every class's multiplier. */
#define HK_CLASS_DIVC_ALL { \
	HK_CLASS_DIVC4(0), HK_CLASS_DIVC4(4), HK_CLASS_DIVC4(8), HK_CLASS_DIVC4(12), \
	HK_CLASS_DIVC4(16), HK_CLASS_DIVC4(20), HK_CLASS_DIVC4(24), HK_CLASS_DIVC4(28), \
	HK_CLASS_DIVC4(32), HK_CLASS_DIVC4(36), HK_CLASS_DIVC4(40), HK_CLASS_DIVC4(44), \
	HK_CLASS_DIVC4(48), HK_CLASS_DIVC4(52), HK_CLASS_DIVC4(56), HK_CLASS_DIVC4(60) }
_Static_assert(HK_NCLS == 64, "HK_CLASS_DIVC_ALL lists 64 classes");

extern const uint32_t hk_class_size[HK_NCLS];
extern const uint8_t hk_class_lut[HK_TINY_MAX / 16 + 1];   /* index (size+15)/16 */
extern const uint8_t hk_class_units[HK_NCLS];              /* 64 KiB units per slab */
/* ceil(2^64 / size) per class, 0 for class 0: the block-start test's
 * multiplier (superslab.h, struct hk_unit). */
extern const uint64_t hk_class_divc[HK_NCLS];

/* Class of a request above HK_TINY_MAX; 0 when it is larger than every class. */
HK_INLINE unsigned hk_class_of_big(size_t size)
{
	if (size > HK_SMALL_MAX)
		return 0;
	size_t w = size - 1;
	unsigned b = 63u - (unsigned)__builtin_clzl(w);        /* b >= 10 here */
	return 21u + (b - 10u) * 4u + (unsigned)((w >> (b - 2u)) & 3u);
}

HK_INLINE unsigned hk_class_of(size_t size)
{
	if (HK_LIKELY(size <= HK_TINY_MAX))
		return hk_class_lut[(size + 15) >> 4];
	return hk_class_of_big(size);
}

#endif
