/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading images: a bounds-checked parser of header and TLV areas for
 * untrusted bytes, and on top of it `imgtool verify`, `imgtool dumpinfo`
 * (same text layout) and `imgtool getpub`.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "lib/mcuboot/mcuboot-int.h"

/* Width of dumpinfo's frames. */
#define DUMP_WIDTH	60
/* Bytes per line in dumpinfo and getpub arrays. */
#define DUMP_PER_LINE	8

static const char hashes[] =
    "############################################################";

static int
walk_area(const uint8_t *img, size_t len, size_t off, int prot,
    struct mcuboot_parsed *p, size_t *endp, struct zs_errbuf *eb)
{
	size_t tot, end;

	tot = zs_get_u16(img + off + 2, 0);
	if (tot < MCUBOOT_TLV_INFO_LEN || tot > len - off)
		return zs_errf(eb, ZS_ERR_FORMAT, "TLV area at 0x%zx: bad size "
		    "0x%zx", off, tot);
	end = off + tot;
	for (off += MCUBOOT_TLV_INFO_LEN; off < end; ) {
		struct mcuboot_tlvref *t;

		if (end - off < MCUBOOT_TLV_HDR_LEN)
			return zs_errf(eb, ZS_ERR_FORMAT, "truncated TLV at "
			    "0x%zx", off);
		if (p->ntlvs == MCUBOOT_TLVS_MAX)
			return zs_errf(eb, ZS_ERR_FORMAT, "more than %d TLVs",
			    MCUBOOT_TLVS_MAX);
		t = &p->tlvs[p->ntlvs];
		t->type = zs_get_u16(img + off, 0);
		t->len = zs_get_u16(img + off + 2, 0);
		t->prot = prot;
		t->off = off + MCUBOOT_TLV_HDR_LEN;
		if (t->len > end - t->off)
			return zs_errf(eb, ZS_ERR_FORMAT, "TLV 0x%x at 0x%zx "
			    "runs past its area", t->type, off);
		off = t->off + t->len;
		p->ntlvs++;
	}
	*endp = end;
	return 0;
}

int
mcuboot_parse(const uint8_t *img, size_t len, struct mcuboot_parsed *p,
    struct zs_errbuf *eb)
{
	size_t off, end;
	int r;

	memset(p, 0, sizeof(*p));
	if (len < MCUBOOT_HDR_LEN || zs_get_u32(img, 0) != MCUBOOT_IMAGE_MAGIC)
		return zs_errf(eb, ZS_ERR_FORMAT, "Invalid image magic; is "
		    "this an MCUboot image?");
	p->load_addr = zs_get_u32(img + 4, 0);
	p->hdr_size = zs_get_u16(img + 8, 0);
	p->prot_size = zs_get_u16(img + 10, 0);
	p->img_size = zs_get_u32(img + 12, 0);
	p->flags = zs_get_u32(img + 16, 0);
	p->vmaj = img[20];
	p->vmin = img[21];
	p->vrev = zs_get_u16(img + 22, 0);
	p->vbuild = zs_get_u32(img + 24, 0);
	/* Like imgtool: a protected area is found by its magic. */
	off = (size_t)p->hdr_size + p->img_size;
	if (off > len || len - off < MCUBOOT_TLV_INFO_LEN)
		return zs_errf(eb, ZS_ERR_FORMAT, "image shorter than header "
		    "+ body (0x%zx)", off);
	if (zs_get_u16(img + off, 0) == MCUBOOT_TLV_PROT_MAGIC) {
		p->prot_off = off;
		if ((r = walk_area(img, len, off, 1, p, &end, eb)) != 0)
			return r;
		off = end;
		if (len - off < MCUBOOT_TLV_INFO_LEN)
			return zs_errf(eb, ZS_ERR_FORMAT, "no TLV area after "
			    "the protected one");
	}
	if (zs_get_u16(img + off, 0) != MCUBOOT_TLV_MAGIC)
		return zs_errf(eb, ZS_ERR_FORMAT, "Invalid TLV info magic at "
		    "0x%zx", off);
	p->tlv_off = off;
	if ((r = walk_area(img, len, off, 0, p, &end, eb)) != 0)
		return r;
	p->tlv_size = end - off;
	p->end = end;
	return 0;
}

int
mcuboot_verify(const uint8_t *img, size_t len, EVP_PKEY *pub,
    struct mcuboot_info *info, struct zs_errbuf *eb)
{
	struct mcuboot_parsed *p = xcalloc(1, sizeof(*p));
	const struct mcuboot_hash *h = NULL;
	const struct mcuboot_keytype *kt = NULL;
	const struct mcuboot_tlvref *dig = NULL;
	uint8_t md[MCUBOOT_DIGEST_MAX];
	size_t i, hashed;
	int pure = 0, r;

	memset(info, 0, sizeof(*info));
	if ((r = mcuboot_parse(img, len, p, eb)) != 0)
		goto out;
	info->hdr_size = p->hdr_size;
	info->img_size = p->img_size;
	info->protect_tlv_size = p->prot_size;
	info->flags = p->flags;
	info->load_addr = p->load_addr;
	info->ver_major = p->vmaj;
	info->ver_minor = p->vmin;
	info->ver_rev = p->vrev;
	info->ver_build = p->vbuild;
	/* The hashed range ends where the unprotected area starts. */
	hashed = p->tlv_off;
	for (i = 0; i < p->ntlvs; i++) {
		if (p->tlvs[i].prot)
			continue;
		if (p->tlvs[i].type == TLV_SIG_PURE)
			pure = 1;
		if (dig == NULL && (h = mcuboot_hash_by_tlv(p->tlvs[i].type)) !=
		    NULL)
			dig = &p->tlvs[i];
	}
	if (dig == NULL) {
		r = zs_errf(eb, ZS_ERR_VERIFY, "image has no hash TLV");
		goto out;
	}
	if (dig->len == h->len) {
		zs_hex_encode(img + dig->off, h->len, info->digest_hex);
		if (mcuboot_hash_data(h, img, hashed, md) != 0) {
			r = zs_errf(eb, ZS_ERR_CRYPTO, "hashing failed");
			goto out;
		}
		info->hash_ok = memcmp(md, img + dig->off, h->len) == 0;
	}
	if (pub != NULL && (kt = mcuboot_keytype_of(pub)) == NULL) {
		r = zs_errf(eb, ZS_ERR_KEY, "key type cannot verify images");
		goto out;
	}
	for (i = 0; kt != NULL && i < p->ntlvs && !info->sig_ok; i++) {
		const struct mcuboot_tlvref *t = &p->tlvs[i];

		if (t->prot || t->type != kt->sig_tlv)
			continue;
		info->has_sig = 1;
		info->sig_ok = info->hash_ok && mcuboot_sig_verify(kt, pub,
		    pure ? img : img + dig->off, pure ? hashed : dig->len,
		    img + t->off, t->len) == 0;
	}
	if (!info->hash_ok)
		r = zs_errf(eb, ZS_ERR_VERIFY, "Image has an invalid hash");
	else if (pub != NULL && !info->sig_ok)
		r = zs_errf(eb, ZS_ERR_VERIFY, "%s", info->has_sig ?
		    "Image has an invalid signature" :
		    "No signature found for the given key");
	else
		r = 0;
 out:
	free(p);
	return r;
}

/* "#### title ####...", DUMP_WIDTH wide. */
static int
frame(struct buf *out, const char *title)
{
	int n = 5 + (int)strlen(title) + 1, r;

	if ((r = buf_printf(out, "#### %s ", title)) != 0)
		return r;
	return buf_printf(out, "%.*s\n", n < DUMP_WIDTH ? DUMP_WIDTH - n : 0,
	    hashes);
}

/* A line of DUMP_WIDTH '#'. */
static int
rule(struct buf *out)
{
	return buf_printf(out, "%.*s\n", DUMP_WIDTH, hashes);
}

/* Bytes as "0x12 " groups, DUMP_PER_LINE a line, continuation indented. */
static int
hexbytes(struct buf *out, const uint8_t *p, size_t len, int indent)
{
	size_t i;
	int r = 0;

	for (i = 0; i < len && r == 0; i++) {
		r = buf_printf(out, "0x%02x ", p[i]);
		if (r == 0 && (i + 1) % DUMP_PER_LINE == 0 && i + 1 != len)
			r = buf_printf(out, "\n%*s", indent, "");
	}
	return r != 0 ? r : buf_put_str(out, "\n");
}

static const struct {
	uint32_t	 bit;
	const char	*name;
} flag_names[] = {
	{ MCUBOOT_F_PIC, "PIC" },
	{ MCUBOOT_F_ENCRYPTED_AES128, "ENCRYPTED_AES128" },
	{ MCUBOOT_F_ENCRYPTED_AES256, "ENCRYPTED_AES256" },
	{ MCUBOOT_F_NON_BOOTABLE, "NON_BOOTABLE" },
	{ MCUBOOT_F_RAM_LOAD, "RAM_LOAD" },
	{ MCUBOOT_F_ROM_FIXED, "ROM_FIXED" },
	{ MCUBOOT_F_COMPRESSED_LZMA1, "COMPRESSED_LZMA1" },
	{ MCUBOOT_F_COMPRESSED_LZMA2, "COMPRESSED_LZMA2" },
	{ MCUBOOT_F_COMPRESSED_ARM_THUMB, "COMPRESSED_ARM_THUMB" },
};

static int
dump_area(struct buf *out, const uint8_t *img,
    const struct mcuboot_parsed *p, int prot, size_t off)
{
	char title[64];
	size_t i;
	int r;

	snprintf(title, sizeof(title), "%sTLV area (offset: 0x%zx)",
	    prot ? "Protected " : "", off);
	if ((r = frame(out, title)) != 0 ||
	    (r = buf_printf(out, "magic:     0x%x\narea size: 0x%x\n",
	    zs_get_u16(img + off, 0), zs_get_u16(img + off + 2, 0))) != 0)
		return r;
	for (i = 0; i < p->ntlvs; i++) {
		const struct mcuboot_tlvref *t = &p->tlvs[i];
		const char *name = mcuboot_tlv_name(t->type);

		if (t->prot != prot)
			continue;
		if ((r = buf_printf(out, "        %.45s\n        type: %s "
		    "(0x%x)\n        len:  0x%zx\n        data: ",
		    "---------------------------------------------",
		    name != NULL ? name : "UNKNOWN", t->type, t->len)) != 0 ||
		    (r = hexbytes(out, img + t->off, t->len, 14)) != 0)
			return r;
	}
	return rule(out);
}

/* dumpinfo's reading of the trailer at the end of a padded image. */
static int
dump_trailer(struct buf *out, const uint8_t *img, size_t len,
    const struct mcuboot_parsed *p)
{
	const uint8_t *m = img + len - MCUBOOT_MAGIC_LEN;
	uint8_t want[MCUBOOT_MAGIC_LEN];
	size_t max_align = 0, off, magic_area, cand;
	uint32_t swap_size;
	uint8_t v;
	int r, i;

	if ((r = frame(out, "Image trailer (offset: unknown)")) != 0 ||
	    (r = buf_put_str(out, "(Note: some fields may not be used, "
	    "depending on the update \nstrategy)\n\nswap status: (len: "
	    "unknown)\n")) != 0)
		return r;
	for (cand = 8; cand <= 32 && len - p->end >= MCUBOOT_MAGIC_LEN;
	    cand *= 2) {
		mcuboot_boot_magic((unsigned)cand, 0, want);
		if (memcmp(m, want, MCUBOOT_MAGIC_LEN) == 0)
			max_align = cand;
	}
	magic_area = max_align > MCUBOOT_MAGIC_LEN ? max_align :
	    MCUBOOT_MAGIC_LEN;
	if (max_align == 0 || len - p->end < magic_area + 4 * max_align)
		return buf_put_str(out, "boot magic:  INVALID\n\n");
	if (p->flags & (MCUBOOT_F_ENCRYPTED_AES128 |
	    MCUBOOT_F_ENCRYPTED_AES256))
		r = buf_printf(out, "enc. keys:   (len: 0x%zx, if "
		    "BOOT_SWAP_SAVE_ENCTLV is unset)\n",
		    2 * ((16 + max_align - 1) / max_align * max_align));
	else
		r = buf_put_str(out, "enc. keys:   Image not encrypted\n");
	off = len - magic_area - 4 * max_align;
	swap_size = zs_get_u32(img + off, 0);
	if (r == 0)
		r = swap_size == 0xffffffffu ?
		    buf_put_str(out, "swap size:   unknown\n") :
		    buf_printf(out, "swap size:   0x%x octal: %o\n", swap_size,
		    swap_size);
	/* swap_info, copy_done, image_ok: one max_align field each. */
	for (i = 0; i < 3 && r == 0; i++) {
		static const char *const names[] = { "swap_info:  ",
		    "copy_done:  ", "image_ok:   " };

		v = img[off + (size_t)(i + 1) * max_align];
		r = buf_printf(out, "%s %s (0x%x)\n", names[i],
		    v == 1 && i > 0 ? "SET" : "INVALID", v);
	}
	if (r == 0 && (r = buf_put_str(out, "boot magic:  ")) == 0)
		r = hexbytes(out, m, MCUBOOT_MAGIC_LEN, 13);
	return r != 0 ? r : buf_put_str(out, "\n");
}

int
mcuboot_dumpinfo(const uint8_t *img, size_t len, struct buf *out,
    struct zs_errbuf *eb)
{
	struct mcuboot_parsed *p = xcalloc(1, sizeof(*p));
	char title[64], fw[64], flags[256];
	size_t i, n = 0;
	int r, pad;

	if ((r = mcuboot_parse(img, len, p, eb)) != 0)
		goto out;
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (p->flags & flag_names[i].bit)
			n += (size_t)snprintf(flags + n, sizeof(flags) - n,
			    "%s%s", n ? " | " : "", flag_names[i].name);
	if (n > 0)
		snprintf(flags + n, sizeof(flags) - n, " (0x%x)", p->flags);
	else
		snprintf(flags, sizeof(flags), "0x%x", p->flags);
	snprintf(title, sizeof(title), "Payload (offset: 0x%x)", p->hdr_size);
	snprintf(fw, sizeof(fw), "FW image (size: 0x%x Bytes)", p->img_size);
	/* Python's str.center(58). */
	pad = 58 - (int)strlen(fw);
	r = frame(out, "Image header (offset: 0x0)");
	if (r == 0)
		r = buf_printf(out, "magic:              0x%x\n"
		    "load_addr:          0x%x\nhdr_size:           0x%x\n"
		    "protected_tlv_size: 0x%x\nimg_size:           0x%x\n"
		    "flags:              %s\nversion:            %u.%u.%u+%u\n"
		    "%.*s\n", MCUBOOT_IMAGE_MAGIC, p->load_addr, p->hdr_size,
		    p->prot_size, p->img_size, flags, p->vmaj, p->vmin,
		    p->vrev, p->vbuild, DUMP_WIDTH, hashes);
	if (r == 0)
		r = frame(out, title);
	if (r == 0)
		r = buf_printf(out, "|%58s|\n|%*s%s%*s|\n|%58s|\n%.*s\n", "",
		    pad / 2, "", fw, pad - pad / 2, "", "", DUMP_WIDTH, hashes);
	if (r == 0 && p->prot_off != 0)
		r = dump_area(out, img, p, 1, p->prot_off);
	if (r == 0)
		r = dump_area(out, img, p, 0, p->tlv_off);
	if (r == 0 && len > p->end)
		r = dump_trailer(out, img, len, p);
	if (r == 0)
		r = frame(out, "End of Image ");
	if (r != 0)
		zs_errf(eb, r, "dump too large");
 out:
	free(p);
	return r;
}

/* imgtool's _emit(): "0x12," bytes, DUMP_PER_LINE a line. */
static int
emit_array(struct buf *out, const char *header, const char *trailer,
    const uint8_t *p, size_t len)
{
	size_t i;
	int r;

	if ((r = buf_printf(out, "/* Autogenerated by imgtool.py, do not "
	    "edit. */\n%s", header)) != 0)
		return r;
	for (i = 0; i < len && r == 0; i++)
		r = buf_printf(out, "%s0x%02x,", i % DUMP_PER_LINE == 0 ?
		    "\n    " : " ", p[i]);
	return r != 0 ? r : buf_printf(out, "\n%s\n", trailer);
}

int
mcuboot_getpub(EVP_PKEY *pub, const char *encoding, struct buf *out,
    struct zs_errbuf *eb)
{
	const char *sn = mcuboot_key_shortname(pub);
	char hdr[96], up[16];
	uint8_t *kb = NULL;
	size_t kblen = 0, i;
	BIO *bio = NULL;
	char *pem;
	long pemlen;
	int r;

	if (sn == NULL)
		return zs_errf(eb, ZS_ERR_KEY, "unsupported key type");
	if ((r = mcuboot_pubkey_bytes(pub, &kb, &kblen, eb)) != 0)
		return r;
	if (strcmp(encoding, "pem") == 0) {
		if ((bio = BIO_new(BIO_s_mem())) == NULL ||
		    PEM_write_bio_PUBKEY(bio, pub) != 1 ||
		    (pemlen = BIO_get_mem_data(bio, &pem)) <= 0) {
			r = zs_errf(eb, ZS_ERR_CRYPTO, "cannot write PEM");
			goto out;
		}
		r = buf_put(out, pem, (size_t)pemlen);
	} else if (strcmp(encoding, "raw") == 0)
		r = buf_put(out, kb, kblen);
	else if (strcmp(encoding, "c") == 0 ||
	    strcmp(encoding, "lang-c") == 0) {
		snprintf(hdr, sizeof(hdr), "const unsigned char %s_pub_key[] = "
		    "{", sn);
		if ((r = emit_array(out, hdr, "};", kb, kblen)) == 0)
			r = buf_printf(out, "const unsigned int %s_pub_key_len "
			    "= %zu;\n", sn, kblen);
	} else if (strcmp(encoding, "rust") == 0 ||
	    strcmp(encoding, "lang-rust") == 0) {
		for (i = 0; sn[i] != '\0' && i + 1 < sizeof(up); i++)
			up[i] = (char)(sn[i] >= 'a' && sn[i] <= 'z' ?
			    sn[i] - 'a' + 'A' : sn[i]);
		up[i] = '\0';
		snprintf(hdr, sizeof(hdr), "static %s_PUB_KEY: &[u8] = &[", up);
		r = emit_array(out, hdr, "];", kb, kblen);
	} else {
		r = zs_errf(eb, ZS_ERR_USAGE, "Invalid value for '-e' / "
		    "'--encoding': '%.40s' is not one of 'lang-c', "
		    "'lang-rust', 'pem', 'raw'.", encoding);
		goto out;
	}
	if (r != 0)
		zs_errf(eb, r, "output too large");
 out:
	ERR_clear_error();
	BIO_free(bio);
	free(kb);
	return r;
}
