/* elfinfo.h - the two facts the engine needs from an ELF object on disk:
 * where named dynamic symbols are (the allocator's entry points, HAKMEM's
 * trace hooks) and how much static TLS it adds below the thread pointer. */
#ifndef TLB_ELFINFO_H
#define TLB_ELFINFO_H

#include <stdint.h>

struct elf_info {
	uint64_t first_load_vaddr; /* p_vaddr of the first PT_LOAD (0 for a .so) */
	uint64_t tls_size;         /* PT_TLS p_memsz rounded up to p_align; 0 = none */
	int ok;
};

/* Read path; fills info.  names: NULL-terminated; values[i] = st_value of
 * the defined dynamic symbol names[i], 0 when absent.  Returns 0 or -1. */
int elf_read(const char *path, struct elf_info *info, const char *const *names, uint64_t *values);

#endif
