/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rimage-bench: synthesizes an ACE 1.5 (mtl) SOF build of about SIZE bytes
 * (boot.mod + main.mod, ELF32 as Zephyr lays them out) and either times
 * the rimage engine in process or writes the inputs for bench/rimage.sh,
 * which times the same signature through zsign-client and zsignd.
 *
 * usage: rimage-bench [-s SIZE] [-n COUNT] [-w DIR]
 */
#include "config.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fileset.h"
#include "common/util.h"
#include "keystore/keystore.h"
#include "lib/rimage/rimage.h"

/* Default image size: 1 MiB, the size the daemon target is quoted for. */
#define BENCH_SIZE	(1024u * 1024)
/* Most runs timed. */
#define BENCH_RUNS_MAX	10000
#define VEC		ZS_TOP_SRCDIR "/tests/vectors/rimage/"

struct sec {
	const char	*name;
	uint32_t	 type, flags, addr, size;
	const uint8_t	*data;		/* NULL: pseudo-random */
};

static uint32_t prng_state = 0x2545F491;

static void
fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		prng_state ^= prng_state << 13;
		prng_state ^= prng_state >> 17;
		prng_state ^= prng_state << 5;
		p[i] = (uint8_t)prng_state;
	}
}

/* Write a minimal ELF32 LE file: the sections, then .shstrtab. */
static uint8_t *
mk_elf(const struct sec *s, size_t n, size_t *lenp)
{
	struct buf *b = buf_new(0), *names = buf_new(0);
	uint32_t *offs = calloc(n, sizeof(*offs)), *noff = calloc(n,
	    sizeof(*noff)), shoff, stroff, strnoff;
	uint8_t *p, *out;
	size_t i;

	buf_put_fill(b, 0, sizeof(Elf32_Ehdr));
	buf_put_u8(names, 0);
	for (i = 0; i < n; i++) {
		noff[i] = (uint32_t)buf_len(names);
		buf_put_str(names, s[i].name);
		buf_put_u8(names, 0);
		while (buf_len(b) % 16)
			buf_put_u8(b, 0);
		offs[i] = (uint32_t)buf_len(b);
		if (s[i].type == SHT_NOBITS)
			continue;
		buf_reserve(b, s[i].size, &p);
		if (s[i].data)
			memcpy(p, s[i].data, s[i].size);
		else
			fill(p, s[i].size);
	}
	strnoff = (uint32_t)buf_len(names);
	buf_put_str(names, ".shstrtab");
	buf_put_u8(names, 0);
	stroff = (uint32_t)buf_len(b);
	buf_put(b, buf_ptr(names), buf_len(names));
	while (buf_len(b) % 4)
		buf_put_u8(b, 0);
	shoff = (uint32_t)buf_len(b);
	buf_put_fill(b, 0, sizeof(Elf32_Shdr));
	for (i = 0; i <= n; i++) {
		buf_put_u32(b, i < n ? noff[i] : strnoff, 0);
		buf_put_u32(b, i < n ? s[i].type : SHT_STRTAB, 0);
		buf_put_u32(b, i < n ? s[i].flags : 0, 0);
		buf_put_u32(b, i < n ? s[i].addr : 0, 0);
		buf_put_u32(b, i < n ? offs[i] : stroff, 0);
		buf_put_u32(b, i < n ? s[i].size : (uint32_t)buf_len(names), 0);
		buf_put_u32(b, 0, 0);
		buf_put_u32(b, 0, 0);
		buf_put_u32(b, 4, 0);
		buf_put_u32(b, 0, 0);
	}
	p = buf_mutable_ptr(b);
	memcpy(p, ELFMAG, SELFMAG);
	p[EI_CLASS] = ELFCLASS32;
	p[EI_DATA] = ELFDATA2LSB;
	p[EI_VERSION] = EV_CURRENT;
	zs_set_u16(p + 16, ET_EXEC, 0);
	zs_set_u16(p + 18, EM_XTENSA, 0);
	zs_set_u32(p + 20, EV_CURRENT, 0);
	zs_set_u32(p + 32, shoff, 0);
	zs_set_u16(p + 40, sizeof(Elf32_Ehdr), 0);
	zs_set_u16(p + 46, sizeof(Elf32_Shdr), 0);
	zs_set_u16(p + 48, (uint16_t)(n + 2), 0);
	zs_set_u16(p + 50, (uint16_t)(n + 1), 0);
	out = buf_steal(b, lenp);
	buf_free(b);
	buf_free(names);
	free(offs);
	free(noff);
	return out;
}

/* The 120-byte .module manifest: name, entry point, load type 1, LL. */
static void
mk_module(uint8_t m[120], const char *name, uint32_t entry)
{
	memset(m, 0, 120);
	memcpy(m + 4, name, strlen(name));
	fill(m + 12, 16);
	zs_set_u32(m + 28, 1 | 1 << 5, 0);
	zs_set_u32(m + 64, entry, 0);
	zs_set_u32(m + 72, 3, 0);
}

static void
mk_inputs(size_t size, struct fileset *in)
{
	uint8_t bm[120], mm[120], meta[32], *d;
	uint32_t text = (uint32_t)(size * 7 / 8) & ~0xFFFu;
	uint32_t ro = (uint32_t)(size / 16) & ~0xFu;
	uint32_t data = (uint32_t)(size / 32) & ~0xFu;
	uint32_t ram = 0xA0011000, d0 = ram + ((text + 0xFFF) & ~0xFFFu);
	size_t len;

	mk_module(bm, "BRNGUP", 0xA1048000);
	mk_module(mm, "BASEFW", ram);
	memset(meta, 0, sizeof(meta));
	zs_set_u32(meta, 1, 0);
	zs_set_u32(meta + 4, 32, 0);
	{
		const struct sec boot[] = {
			{ ".imr", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
			    0xA1048000, 0xE40, NULL },
			{ ".imrdata", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
			    0xA1049000, 0x2A0, NULL },
			{ ".module", SHT_PROGBITS, 0, 0, 120, bm },
		};
		const struct sec main[] = {
			{ ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
			    ram, text, NULL },
			{ ".rodata", SHT_PROGBITS, SHF_ALLOC, d0, ro, NULL },
			/* .data linked at the uncached alias, as SOF does. */
			{ ".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
			    ((d0 + ro + 0xFF) & ~0xFFu) - 0x60000000, data,
			    NULL },
			{ ".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE,
			    (d0 + ro + data + 0x1FFF) & ~0xFFFu, 0x6580, NULL },
			{ ".module", SHT_PROGBITS, 0, 0, 120, mm },
			{ ".fw_metadata", SHT_PROGBITS, 0, 0, 32, meta },
		};

		d = mk_elf(boot, sizeof(boot) / sizeof(boot[0]), &len);
		fileset_add_owned(in, "boot.mod", d, len);
		d = mk_elf(main, sizeof(main) / sizeof(main[0]), &len);
		fileset_add_owned(in, "main.mod", d, len);
	}
}

static double
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char *argv[])
{
	const char *rargv[] = { "-o", "zephyr.ri", "-k", "key", "-e", "-f",
	    "2.10.0", "-b", "1", "-c", "mtl.toml", "boot.mod", "main.mod" };
	struct fileset *in = fileset_new(), *out;
	struct rimage_args *args;
	struct zs_key *key;
	struct zs_errbuf eb;
	const char *dir = NULL, *name;
	const uint8_t *d;
	char path[4096];
	double t[BENCH_RUNS_MAX], sum = 0;
	size_t size = BENCH_SIZE, len, i;
	uint8_t *cfg;
	int c, n = 50;

	while ((c = getopt(argc, argv, "s:n:w:")) != -1) {
		switch (c) {
		case 's':
			size = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'w':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: rimage-bench [-s SIZE] "
			    "[-n COUNT] [-w DIR]\n");
			return 2;
		}
	}
	if (n < 1 || n > BENCH_RUNS_MAX || size < 0x10000 ||
	    size > 64u * 1024 * 1024) {
		fprintf(stderr, "rimage-bench: bad -n or -s\n");
		return 2;
	}
	mk_inputs(size, in);
	if (zs_file_read(VEC "configs/mtl-sof.toml", 1u << 20, &cfg,
	    &len) != 0)
		return 1;
	fileset_add_owned(in, "mtl.toml", cfg, len);
	if (dir != NULL) {
		for (i = 0; i < fileset_count(in); i++) {
			fileset_at(in, i, &name, &d, &len);
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (zs_file_write_atomic(path, d, len, 0644) != 0) {
				fprintf(stderr, "cannot write %s\n", path);
				return 1;
			}
		}
		return 0;
	}
	if (zs_key_load("bench", VEC "keys/rsa3072-a.pem", NULL, &key,
	    &eb) != 0 || rimage_args_parse(13, (char *const *)rargv, &args,
	    &eb) != 0) {
		fprintf(stderr, "rimage-bench: %s\n", eb.msg);
		return 1;
	}
	for (c = 0; c < n; c++) {
		out = fileset_new();
		t[c] = now_ms();
		if (rimage_sign(args, in, key, "2024-03-15", out, &eb) != 0) {
			fprintf(stderr, "rimage-bench: %s\n", eb.msg);
			return 1;
		}
		t[c] = now_ms() - t[c];
		sum += t[c];
		fileset_get(out, "zephyr.ri", &d, &len);
		fileset_free(out);
	}
	qsort(t, (size_t)n, sizeof(t[0]), dbl_cmp);
	printf("rimage engine, ACE 1.5 %zu-byte image, %d runs: min %.2f ms, "
	    "median %.2f ms, mean %.2f ms\n", len, n, t[0], t[n / 2],
	    sum / n);
	rimage_args_free(args);
	zs_key_free(key);
	fileset_free(in);
	return 0;
}
