/* front.h - the per-thread cache: the hot path of malloc and free.
 *
 * Each thread has one bin per size class: a LIFO singly-linked list of
 * free blocks and the room left under its limit.  malloc pops and gives
 * one unit of room back, free pushes and takes one; the only branches are
 * "bin empty" and "no room left" (room < 0 after the decrement, the sign
 * flag of the subtraction), both unlikely, both going to noinline
 * functions in thread.c.  Nothing is counted here: statistics mode sends
 * every call to those functions instead (see thread.c).
 *
 * The cache lives in initial-exec TLS and starts zero-filled: every bin is
 * empty with room 0.  So a thread's first malloc finds an empty bin and
 * its first free runs out of room; both slow paths initialise the thread.
 * No separate "initialised?" test exists on the hot path (mimalloc's
 * trick).  A thread whose exit destructor ran keeps room 0, so whatever
 * it still frees goes straight back to the slabs.
 *
 * A bin holds only blocks of slabs the thread refilled from: a block of
 * another thread's slab goes home (remote.c); overflow sends blocks back
 * to their own slabs (central.c). */
#ifndef HAKMEM_FRONT_H
#define HAKMEM_FRONT_H

#include "config.h"
#include "guard.h"

struct hk_bin {
	void *head;                 /* offset 0 and 8: the asm below relies on them */
	int64_t room;               /* blocks the bin may still take: limit - length */
};
_Static_assert(offsetof(struct hk_bin, room) == 8 && sizeof(struct hk_bin) == 16, "bin layout used by the asm fast paths");

enum { HK_T_FRESH = 0, HK_T_ACTIVE = 1, HK_T_EXITING = 2 };

struct hk_counted;

struct hk_tcache {
	struct hk_bin bins[HK_NCLS];
	uint64_t token;                  /* tid << HK_OWNER_SHIFT; HK_TOKEN_FRESH before thread_init (superslab.h) */
	uint64_t divc[HK_NCLS];          /* hk_class_divc, a copy free() reads with the token's
	                                  * addressing (no table base to load) */
	struct hk_counted *counted;      /* statistics mode: the real cache and counts */
	struct hk_tcache *next, *prev;   /* live threads (statistics, fork) */
	uint32_t state;
	uint32_t tid;
	uint32_t limit[HK_NCLS];         /* each bin's limit now: room = limit - length (thread.c) */
	uint32_t scale;                  /* the cache scale those limits were set for */
};

extern __thread struct hk_tcache hk_tc __attribute__((tls_model("initial-exec")));

/* Slow paths (thread.c). */
void *hk_bin_refill(unsigned cls);      /* returns a block of class cls, or NULL with ENOMEM */
void hk_bin_overflow(unsigned cls);     /* the bin went over its limit (the block is pushed) */

/* The links in a bin are encoded (guard.h); its head is a plain pointer.
 * malloc checks the link it pops and clears it; free checks that the
 * block's link word (its second, guard.h) is not a link before pushing.
 *
 * On x86-64 the memory operations are written as asm with fixed
 * registers: the bin in %rax in both malloc and free, the block in %rdi
 * (where free receives it).  The compiler otherwise picks different
 * registers in the two functions, and a malloc/free ping-pong ran 3-5%
 * slower on a Zen 4 machine (tiny_hot, interleaved runs; same instruction
 * count).  Why is a guess: the CPU's memory renaming of a store and a
 * later load seems to need them to name the same base register.  The C
 * below is the same thing for other targets. */
#if defined(__x86_64__)
HK_INLINE void *hk_bin_pop(unsigned cls)
{
	struct hk_bin *b = &hk_tc.bins[cls];
	void *p;
	uintptr_t link;
	__asm__ volatile("movq (%1), %0" : "=r"(p) : "a"(b), "m"(b->head));
	if (HK_UNLIKELY(!p))
		return hk_bin_refill(cls);
	__asm__ volatile("movq 8(%1), %0" : "=r"(link) : "D"(p), "m"(((void **)p)[HK_LINK_WORD]));
#if HAKMEM_HARDEN
	uintptr_t next = link ^ hk_guard.key;
	if (HK_UNLIKELY(next >= hk_guard.link_limit))
		hk_link_corrupt(p);
	__asm__ volatile("movq $0, 8(%1)" : "=m"(((void **)p)[HK_LINK_WORD]) : "D"(p));
#else
	uintptr_t next = link;
#endif
	__asm__ volatile("movq %1, (%2)" : "=m"(b->head) : "r"(next), "a"(b));
	__asm__ volatile("addq $1, 8(%1)" : "+m"(b->room) : "a"(b) : "cc");
	return p;
}

/* Push p, known not to be in the bin already. */
HK_INLINE void hk_bin_push_nocheck(unsigned cls, void *p)
{
	struct hk_bin *b = &hk_tc.bins[cls];
	uintptr_t h;
	__asm__ volatile("movq (%1), %0" : "=r"(h) : "a"(b), "m"(b->head));
#if HAKMEM_HARDEN
	h ^= hk_guard.key;
#endif
	__asm__ volatile("movq %1, (%2)" : "=m"(b->head) : "D"(p), "a"(b));
	__asm__ volatile("movq %1, 8(%2)" : "=m"(((void **)p)[HK_LINK_WORD]) : "r"(h), "D"(p));
	__asm__ goto("subq $1, 8(%0)\n\tjs %l[over]" : : "a"(b) : "cc", "memory" : over);
	return;
over:
	hk_bin_overflow(cls);
}
#else
HK_INLINE void *hk_bin_pop(unsigned cls)
{
	struct hk_bin *b = &hk_tc.bins[cls];
	void *p = b->head;
	if (HK_UNLIKELY(!p))
		return hk_bin_refill(cls);
	b->head = hk_link_get(p);
#if HAKMEM_HARDEN
	((void **)p)[HK_LINK_WORD] = NULL;
#endif
	b->room++;
	return p;
}

HK_INLINE void hk_bin_push_nocheck(unsigned cls, void *p)
{
	struct hk_bin *b = &hk_tc.bins[cls];
	hk_link_set(p, b->head);
	b->head = p;
	if (HK_UNLIKELY(--b->room < 0))
		hk_bin_overflow(cls);
}
#endif

/* Push p after checking its link word's top byte: a link's (a double
 * free?) sends it to hk_free_suspect (guard.h).  One byte: a wider load
 * right after the program stored part of the word cannot be forwarded
 * from the store buffer and stalls (an 8-byte load here cost tiny_hot
 * 25%); and in the second word, apart from the bytes a program writes
 * first (guard.h, HK_LINK_WORD). */
HK_INLINE void hk_bin_push(unsigned cls, void *p)
{
	if (HAKMEM_HARDEN && HK_UNLIKELY(((const uint8_t *)p)[HK_LINK_TOP_BYTE] == HK_LINK_TOP)) {
		hk_free_suspect(cls, p);   /* a tail call: no registers saved here */
		return;
	}
	hk_bin_push_nocheck(cls, p);
}

#endif
