/* elfinfo.c - minimal ELF64 reader: program headers and .dynsym. */
#include "elfinfo.h"

#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int elf_read(const char *path, struct elf_info *info, const char *const *names, uint64_t *values)
{
	memset(info, 0, sizeof(*info));
	for (int i = 0; names && names[i]; i++)
		values[i] = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size < sizeof(Elf64_Ehdr)) {
		close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	const unsigned char *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	const Elf64_Ehdr *eh = (const void *)m;
	int rc = -1;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
		goto out;
	if (eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr) > size)
		goto out;
	const Elf64_Phdr *ph = (const void *)(m + eh->e_phoff);
	int seen_load = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !seen_load) {
			info->first_load_vaddr = ph[i].p_vaddr & ~(uint64_t)0xfff;
			seen_load = 1;
		}
		if (ph[i].p_type == PT_TLS) {
			uint64_t a = ph[i].p_align ? ph[i].p_align : 1;
			info->tls_size = (ph[i].p_memsz + a - 1) / a * a;
		}
	}
	const Elf64_Shdr *sh = (const void *)(m + eh->e_shoff);
	for (int i = 0; names && i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
			continue;
		const Elf64_Shdr *strs = &sh[sh[i].sh_link];
		if (sh[i].sh_offset + sh[i].sh_size > size || strs->sh_offset + strs->sh_size > size)
			continue;
		const Elf64_Sym *sym = (const void *)(m + sh[i].sh_offset);
		size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
		const char *str = (const char *)(m + strs->sh_offset);
		for (size_t k = 0; k < n; k++) {
			if (sym[k].st_shndx == SHN_UNDEF || sym[k].st_name >= strs->sh_size || !sym[k].st_value)
				continue;
			int type = ELF64_ST_TYPE(sym[k].st_info);
			if (type != STT_FUNC && type != STT_GNU_IFUNC)
				continue;
			const char *nm = str + sym[k].st_name;
			for (int j = 0; names[j]; j++)
				if (!values[j] && strcmp(nm, names[j]) == 0)
					values[j] = sym[k].st_value;
		}
	}
	info->ok = 1;
	rc = 0;
out:
	munmap((void *)m, size);
	return rc;
}
