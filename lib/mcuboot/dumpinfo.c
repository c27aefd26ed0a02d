/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `imgtool dumpinfo`: the image read the way imgtool 2.4.0's dumpinfo.py
 * reads it (header, the protected area when the header says it has one,
 * the TLV area, the trailer when bytes follow the TLVs), then written as
 * its human text, its YAML (PyYAML's dump) or its JSON (json.dump).
 * Where imgtool would stop on a Python exception this returns an error.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "lib/mcuboot/mcuboot-int.h"

/* Width of the human frames (_LINE_LENGTH). */
#define DUMP_WIDTH	60
/* Bytes per line of a human TLV dump. */
#define DUMP_PER_LINE	8
/* Header bytes dumpinfo unpacks ('IIHHIIBBHI'). */
#define DUMP_HDR_READ	28
/* Base64 characters per line of a YAML !!binary (base64.encodebytes). */
#define B64_LINE	76
/* dumpinfo's "invalid" initial value of the trailer fields. */
#define TRAILER_UNSET	0x99

static const char hashes[] =
    "############################################################";
static const char dashes[] = "---------------------------------------------";

struct dump_tlv {
	unsigned	 type;
	size_t		 len;		/* the length field */
	const uint8_t	*data;
	size_t		 dlen;		/* bytes present (a Python slice) */
};

struct dump_area {
	int		 present;
	unsigned	 magic, tot;
	struct dump_tlv	*tlvs;
	size_t		 n;
};

struct dump {
	const char	*name;
	uint32_t	 magic, load_addr, hdr_size, prot_size, img_size, flags;
	char		 version[48];
	struct dump_area prot, area;
	int		 has_trailer, has_fields, has_keylen;
	const uint8_t	*tmagic;
	unsigned	 image_ok, copy_done, swap_info;
	uint32_t	 swap_size;
	size_t		 key_field_len;
};

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

static void
area_free(struct dump_area *a)
{
	free(a->tlvs);
	a->tlvs = NULL;
}

/* Read the TLV info at *offp and the records up to its end. */
static int
read_area(const uint8_t *img, size_t len, size_t *offp, struct dump_area *a,
    struct zs_errbuf *eb)
{
	size_t off = *offp, end, cap = 0;
	struct dump_tlv *t;

	if (off > len || len - off < MCUBOOT_TLV_INFO_LEN)
		return zs_errf(eb, ZS_ERR_FORMAT, "no TLV info at 0x%zx", off);
	a->present = 1;
	a->magic = zs_get_u16(img + off, 0);
	a->tot = zs_get_u16(img + off + 2, 0);
	end = off + a->tot;
	for (off += MCUBOOT_TLV_INFO_LEN; off < end; ) {
		if (off > len || len - off < MCUBOOT_TLV_HDR_LEN)
			return zs_errf(eb, ZS_ERR_FORMAT, "truncated TLV at "
			    "0x%zx", off);
		if (a->n == MCUBOOT_TLVS_MAX)
			return zs_errf(eb, ZS_ERR_FORMAT, "more than %d TLVs",
			    MCUBOOT_TLVS_MAX);
		if (a->n == cap) {
			cap = cap ? cap * 2 : 8;
			a->tlvs = xreallocarray(a->tlvs, cap, sizeof(*t));
		}
		t = &a->tlvs[a->n++];
		t->type = zs_get_u16(img + off, 0);
		t->len = zs_get_u16(img + off + 2, 0);
		off += MCUBOOT_TLV_HDR_LEN;
		t->data = img + off;
		t->dlen = len - off < t->len ? len - off : t->len;
		off += t->len;
	}
	/* The next area starts where this walk ended, as in dumpinfo.py. */
	*offp = off;
	return 0;
}

/* Python's b[len + rel] for a negative rel; an IndexError is an error. */
static int
byte_at(const uint8_t *img, size_t len, long long rel, unsigned *vp,
    struct zs_errbuf *eb)
{
	if (rel < -(long long)len)
		return zs_errf(eb, ZS_ERR_FORMAT, "trailer field outside the "
		    "image");
	*vp = img[(size_t)((long long)len + rel)];
	return 0;
}

static int
read_trailer(const uint8_t *img, size_t len, struct dump *d,
    struct zs_errbuf *eb)
{
	long long off = -MCUBOOT_MAGIC_LEN, max_align;
	uint8_t want[MCUBOOT_MAGIC_LEN];
	size_t start, i;
	unsigned b;
	int r;

	d->has_trailer = 1;
	d->tmagic = img + len - MCUBOOT_MAGIC_LEN;
	/* BOOT_MAGIC, else a u16 max-align and BOOT_MAGIC_2. */
	mcuboot_boot_magic(MCUBOOT_MAX_ALIGN_DEF, 0, want);
	if (memcmp(d->tmagic, want, MCUBOOT_MAGIC_LEN) == 0)
		max_align = MCUBOOT_MAX_ALIGN_DEF;
	else {
		mcuboot_boot_magic(2 * MCUBOOT_MAX_ALIGN_DEF, 0, want);
		if (memcmp(d->tmagic + 2, want + 2, MCUBOOT_MAGIC_LEN - 2) != 0)
			return 0;
		max_align = zs_get_u16(d->tmagic, 0);
	}
	if (max_align > MCUBOOT_MAGIC_LEN)
		off -= max_align - MCUBOOT_MAGIC_LEN;
	off -= max_align;
	if ((r = byte_at(img, len, off, &d->image_ok, eb)) != 0)
		return r;
	off -= max_align;
	if ((r = byte_at(img, len, off, &d->copy_done, eb)) != 0)
		return r;
	off -= max_align;
	if ((r = byte_at(img, len, off, &d->swap_info, eb)) != 0)
		return r;
	off -= max_align;
	/* int.from_bytes(b[off:off + 4]): a slice, short at the end. */
	if (off < -(long long)len)
		return zs_errf(eb, ZS_ERR_FORMAT, "trailer field outside the "
		    "image");
	start = (size_t)((long long)len + off);
	d->swap_size = 0;
	for (i = 0; i < 4 && start + i < len; i++) {
		b = img[start + i];
		d->swap_size |= (uint32_t)b << (8 * i);
	}
	d->has_fields = 1;
	if (d->flags & (MCUBOOT_F_ENCRYPTED_AES128 |
	    MCUBOOT_F_ENCRYPTED_AES256)) {
		/* align_up() asserts a power of two. */
		if (max_align == 0 || (max_align & (max_align - 1)) != 0)
			return zs_errf(eb, ZS_ERR_FORMAT, "max-align %lld is "
			    "not a power of two", max_align);
		d->key_field_len = (size_t)((16 + max_align - 1) /
		    max_align * max_align) * 2;
		d->has_keylen = 1;
	}
	return 0;
}

static int
dump_read(const uint8_t *img, size_t len, struct dump *d, int *warnp,
    struct zs_errbuf *eb)
{
	size_t off, end;
	int r;

	if (len < DUMP_HDR_READ)
		return zs_errf(eb, ZS_ERR_FORMAT, "image shorter than its "
		    "header");
	d->magic = zs_get_u32(img, 0);
	d->load_addr = zs_get_u32(img + 4, 0);
	d->hdr_size = zs_get_u16(img + 8, 0);
	d->prot_size = zs_get_u16(img + 10, 0);
	d->img_size = zs_get_u32(img + 12, 0);
	d->flags = zs_get_u32(img + 16, 0);
	snprintf(d->version, sizeof(d->version), "%u.%u.%u+%u", img[20],
	    img[21], zs_get_u16(img + 22, 0), zs_get_u32(img + 24, 0));
	off = (size_t)d->hdr_size + d->img_size;
	if (d->prot_size != 0 && (r = read_area(img, len, &off, &d->prot,
	    eb)) != 0)
		return r;
	end = off;
	if ((r = read_area(img, len, &off, &d->area, eb)) != 0)
		return r;
	end += d->area.tot;
	*warnp = 0;
	if (end != len) {
		if ((r = read_trailer(img, len, d, eb)) != 0)
			return r;
		*warnp = !d->has_fields;
	}
	return 0;
}

/* Append "0x12 " for byte v (a hot loop: no printf). */
static int
put_byte(struct buf *out, uint8_t v)
{
	static const char hex[] = "0123456789abcdef";
	char s[5] = { '0', 'x', hex[v >> 4], hex[v & 15], ' ' };

	return buf_put(out, s, sizeof(s));
}

/* "#### title ####...", DUMP_WIDTH wide. */
static int
human_row(struct buf *out, const char *title)
{
	int n = 5 + (int)strlen(title) + 1;

	return buf_printf(out, "#### %s %.*s\n", title,
	    n < DUMP_WIDTH ? DUMP_WIDTH - n : 0, hashes);
}

static int
human_tlvs(struct buf *out, const struct dump_area *a)
{
	const struct dump_tlv *t;
	const char *name;
	size_t i, j;
	int r = 0;

	for (i = 0; i < a->n && r == 0; i++) {
		t = &a->tlvs[i];
		name = mcuboot_tlv_name(t->type);
		r = buf_printf(out, "        %s\n        type: %s (0x%x)\n"
		    "        len:  0x%zx\n        data: ", dashes,
		    name != NULL ? name : "UNKNOWN", t->type, t->len);
		for (j = 0; j < t->dlen && r == 0; j++) {
			r = put_byte(out, t->data[j]);
			if (r == 0 && (j + 1) % DUMP_PER_LINE == 0 &&
			    j + 1 != t->dlen)
				r = buf_put_str(out, "\n              ");
		}
		if (r == 0 && i + 1 < a->n)
			r = buf_put_str(out, "\n");
	}
	/* print("\n".join(lines)): one newline, even for no TLVs. */
	return r != 0 ? r : buf_put_str(out, "\n");
}

static int
human_area(struct buf *out, const char *title, const struct dump_area *a)
{
	int r;

	if ((r = human_row(out, title)) != 0 ||
	    (r = buf_printf(out, "magic:     0x%x\narea size: 0x%x\n",
	    a->magic, a->tot)) != 0 ||
	    (r = human_tlvs(out, a)) != 0)
		return r;
	return buf_printf(out, "%s\n", hashes);
}

/* parse_status(): the swap states dumpinfo names. */
static const char *
trailer_status(unsigned v)
{
	switch (v) {
	case 1:
		return "SET";
	case 2:
		return "BAD";
	case 3:
		return "UNSET";
	case 4:
		return "ANY";
	}
	return "INVALID";
}

static int
human_trailer(struct buf *out, const struct dump *d)
{
	static const char *const names[] = { "swap_info:  ", "copy_done:  ",
	    "image_ok:   " };
	unsigned v[3];
	size_t i;
	int r;

	if ((r = human_row(out, "Image trailer (offset: unknown)")) != 0 ||
	    (r = buf_put_str(out, "(Note: some fields may not be used, "
	    "depending on the update \nstrategy)\n\nswap status: (len: "
	    "unknown)\n")) != 0)
		return r;
	r = d->has_keylen ? buf_printf(out, "enc. keys:   (len: 0x%zx, if "
	    "BOOT_SWAP_SAVE_ENCTLV is unset)\n", d->key_field_len) :
	    buf_put_str(out, "enc. keys:   Image not encrypted\n");
	if (r == 0 && d->has_fields) {
		r = d->swap_size == 0xffffffffu ?
		    buf_put_str(out, "swap size:   unknown\n") :
		    buf_printf(out, "swap size:   0x%x octal: %u\n",
		    d->swap_size, d->swap_size);
		v[0] = d->swap_info;
		v[1] = d->copy_done;
		v[2] = d->image_ok;
		for (i = 0; i < 3 && r == 0; i++)
			r = buf_printf(out, "%s %s (0x%x)\n", names[i],
			    trailer_status(v[i]), v[i]);
	}
	if (r == 0)
		r = buf_put_str(out, "boot magic:  ");
	for (i = 0; i < MCUBOOT_MAGIC_LEN && r == 0; i++) {
		r = put_byte(out, d->tmagic[i]);
		if (r == 0 && i == MCUBOOT_MAGIC_LEN / 2 - 1)
			r = buf_printf(out, "\n%13s", "");
	}
	return r != 0 ? r : buf_put_str(out, "\n\n");
}

static int
write_human(struct buf *out, const struct dump *d)
{
	char title[80], fw[64];
	size_t i, n = 0;
	int r, pad;

	r = buf_printf(out, "Printing content of signed image: %s \n\n",
	    d->name);
	if (r == 0)
		r = human_row(out, "Image header (offset: 0x0)");
	if (r == 0)
		r = buf_printf(out, "magic:              0x%x\n"
		    "load_addr:          0x%x\nhdr_size:           0x%x\n"
		    "protected_tlv_size: 0x%x\nimg_size:           0x%x\n"
		    "flags:              ", d->magic, d->load_addr, d->hdr_size,
		    d->prot_size, d->img_size);
	/* One flag a line, continuation lines under the first. */
	for (i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]) && r == 0;
	    i++)
		if (d->flags & flag_names[i].bit)
			r = buf_printf(out, "%s%s (0x%x)", n++ ? "\n"
			    "                    " : "", flag_names[i].name,
			    flag_names[i].bit);
	if (r == 0 && d->flags == 0)
		r = buf_put_str(out, "0x0");
	if (r == 0)
		r = buf_printf(out, "\nversion:            %s\n%s\n",
		    d->version, hashes);
	snprintf(title, sizeof(title), "Payload (offset: 0x%x)", d->hdr_size);
	snprintf(fw, sizeof(fw), "FW image (size: 0x%x Bytes)", d->img_size);
	/* The content centred as dumpinfo.py does it. */
	pad = (DUMP_WIDTH - (int)strlen(fw)) / 2 - 1;
	if (r == 0)
		r = human_row(out, title);
	if (r == 0)
		r = buf_printf(out, "|%58s|\n|%*s%s%*s|\n|%58s|\n%s\n", "",
		    pad, "", fw, DUMP_WIDTH - 2 - pad - (int)strlen(fw), "",
		    "", hashes);
	if (r == 0 && d->prot_size != 0) {
		snprintf(title, sizeof(title), "Protected TLV area (offset: "
		    "0x%zx)", (size_t)d->hdr_size + d->img_size);
		r = human_area(out, title, &d->prot);
	}
	if (r == 0) {
		snprintf(title, sizeof(title), "TLV area (offset: 0x%zx)",
		    (size_t)d->hdr_size + d->img_size + d->prot_size);
		r = human_area(out, title, &d->area);
	}
	if (r == 0 && d->has_trailer)
		r = human_trailer(out, d);
	if (r == 0)
		r = human_row(out, "End of Image ");
	return r;
}

/* Python's base64.encodebytes() lines, each indented and ended. */
static int
yaml_binary(struct buf *out, const uint8_t *p, size_t len, int indent)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char line[B64_LINE + 1];	/* and its newline */
	size_t i, k = 0;
	uint32_t v;
	int r = 0;

	if (len == 0)
		return buf_put_str(out, " !!binary \"\"\n");
	if ((r = buf_put_str(out, " !!binary |\n")) != 0)
		return r;
	for (i = 0; i < len && r == 0; i += 3) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		line[k++] = b64[v >> 18 & 63];
		line[k++] = b64[v >> 12 & 63];
		line[k++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		line[k++] = i + 2 < len ? b64[v & 63] : '=';
		if (k == B64_LINE || i + 3 >= len) {
			line[k++] = '\n';
			if ((r = buf_put_fill(out, ' ', (size_t)indent)) == 0)
				r = buf_put(out, line, k);
			k = 0;
		}
	}
	return r;
}

/* Decode one UTF-8 character at *pp; -1 for a malformed one. */
static long
utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	long cp;
	int n, i;

	if (*p < 0x80) {
		*pp = p + 1;
		return *p;
	}
	n = (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 :
	    (*p & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0)
		goto bad;
	cp = *p & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto bad;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*pp = p + n;
	return cp;
 bad:
	*pp = p + 1;
	return -1;
}

/*
 * Would PyYAML write s as a plain scalar? Printable ASCII that does not
 * start with an indicator, holds no ": " or " #", and cannot read back as
 * another type; anything that looks like a number or a date is quoted
 * (a superset of PyYAML's resolvers, for file names of digits).
 */
static int
yaml_plain(const char *s)
{
	static const char *const words[] = { "y", "Y", "yes", "Yes", "YES",
	    "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
	    "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", "null",
	    "Null", "NULL", "~", "<<", "=", ".inf", ".Inf", ".INF", "-.inf",
	    "-.Inf", "-.INF", "+.inf", "+.Inf", "+.INF", ".nan", ".NaN",
	    ".NAN" };
	size_t i, n = strlen(s);

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ' || s[n - 1] == ':' ||
	    strchr("?:,[]{}#&*!|>'\"%@`", s[0]) != NULL ||
	    (s[0] == '-' && (n == 1 || s[1] == ' ')) ||
	    strstr(s, ": ") != NULL || strstr(s, " #") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return 0;
	return strspn(s, "0123456789+-._:eExXoObBaAcCdDfF") != n ||
	    strpbrk(s, "0123456789") == NULL;
}

/* A string as PyYAML's dump writes it (allow_unicode off). */
static int
yaml_str(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long cp;
	int r = 0;

	if (yaml_plain(s))
		return buf_put_str(out, s);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			break;
	if (*p == '\0') {
		r = buf_put_str(out, "'");
		for (p = (const unsigned char *)s; *p != '\0' && r == 0; p++)
			r = *p == '\'' ? buf_put_str(out, "''") :
			    buf_put_u8(out, *p);
		return r != 0 ? r : buf_put_str(out, "'");
	}
	r = buf_put_str(out, "\"");
	for (p = (const unsigned char *)s; *p != '\0' && r == 0; ) {
		cp = utf8_next(&p);
		if (cp == '"' || cp == '\\')
			r = buf_printf(out, "\\%c", (int)cp);
		else if (cp == '\t')
			r = buf_put_str(out, "\\t");
		else if (cp == '\n')
			r = buf_put_str(out, "\\n");
		else if (cp == '\r')
			r = buf_put_str(out, "\\r");
		else if (cp >= 0x20 && cp < 0x7f)
			r = buf_put_u8(out, (uint8_t)cp);
		else if (cp < 0)
			r = buf_printf(out, "\\uDC%02X", p[-1]);
		else if (cp <= 0xff)
			r = buf_printf(out, "\\x%02X", (unsigned)cp);
		else if (cp <= 0xffff)
			r = buf_printf(out, "\\u%04lX", cp);
		else
			r = buf_printf(out, "\\U%08lX", cp);
	}
	return r != 0 ? r : buf_put_str(out, "\"");
}

static int
yaml_area(struct buf *out, const char *hname, const char *lname,
    const struct dump_area *a)
{
	const struct dump_tlv *t;
	const char *name;
	size_t i;
	int r;

	r = a->present ? buf_printf(out, "  %s:\n    magic: %u\n    tlv_tot: "
	    "%u\n", hname, a->magic, a->tot) : buf_printf(out, "  %s: {}\n",
	    hname);
	if (r == 0)
		r = buf_printf(out, "  %s:%s\n", lname, a->n ? "" : " []");
	for (i = 0; i < a->n && r == 0; i++) {
		t = &a->tlvs[i];
		name = mcuboot_tlv_name(t->type);
		r = buf_printf(out, "  - type: %u\n    type_name: %s\n    len: "
		    "%zu\n    data:", t->type, name ? name : "UNKNOWN", t->len);
		if (r == 0)
			r = yaml_binary(out, t->data, t->dlen, 6);
	}
	return r;
}

static int
yaml_trailer(struct buf *out, const struct dump *d)
{
	int r;

	if (!d->has_trailer)
		return buf_put_str(out, "trailer: {}\n");
	if ((r = buf_put_str(out, "trailer:\n  magic:")) != 0 ||
	    (r = yaml_binary(out, d->tmagic, MCUBOOT_MAGIC_LEN, 4)) != 0)
		return r;
	if (d->has_fields && (r = buf_printf(out, "  image_ok: %u\n  "
	    "copy_done: %u\n  swap_info: %u\n  swap_size: %u\n", d->image_ok,
	    d->copy_done, d->swap_info, d->swap_size)) != 0)
		return r;
	if (d->has_keylen)
		r = buf_printf(out, "  key_field_len: %zu\n", d->key_field_len);
	return r;
}

static int
write_yaml(struct buf *out, const struct dump *d)
{
	int r;

	if ((r = buf_put_str(out, "filename: ")) != 0 ||
	    (r = yaml_str(out, d->name)) != 0 ||
	    (r = buf_printf(out, "\nheader:\n  magic: %u\n  load_addr: %u\n"
	    "  hdr_size: %u\n  protected_tlv_size: %u\n  img_size: %u\n"
	    "  flags: %u\n  version: %s\ntlv_area:\n", d->magic, d->load_addr,
	    d->hdr_size, d->prot_size, d->img_size, d->flags,
	    d->version)) != 0 ||
	    (r = yaml_area(out, "tlv_hdr_prot", "tlvs_prot", &d->prot)) != 0 ||
	    (r = yaml_area(out, "tlv_hdr", "tlvs", &d->area)) != 0)
		return r;
	return yaml_trailer(out, d);
}

/* A string as json.dump writes it (ensure_ascii). */
static int
json_str(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long cp;
	int r;

	r = buf_put_str(out, "\"");
	while (*p != '\0' && r == 0) {
		cp = utf8_next(&p);
		if (cp == '"' || cp == '\\')
			r = buf_printf(out, "\\%c", (int)cp);
		else if (cp == '\n')
			r = buf_put_str(out, "\\n");
		else if (cp == '\r')
			r = buf_put_str(out, "\\r");
		else if (cp == '\t')
			r = buf_put_str(out, "\\t");
		else if (cp == '\b')
			r = buf_put_str(out, "\\b");
		else if (cp == '\f')
			r = buf_put_str(out, "\\f");
		else if (cp >= 0x20 && cp < 0x7f)
			r = buf_put_u8(out, (uint8_t)cp);
		else if (cp < 0)
			r = buf_printf(out, "\\udc%02x", p[-1]);
		else if (cp > 0xffff)
			r = buf_printf(out, "\\u%04lx\\u%04lx",
			    0xd800 + ((cp - 0x10000) >> 10),
			    0xdc00 + ((cp - 0x10000) & 0x3ff));
		else
			r = buf_printf(out, "\\u%04lx", cp);
	}
	return r != 0 ? r : buf_put_str(out, "\"");
}

/* The two lower-case hex digits of v in pair. */
static const char *
put_hex_pair(uint8_t v, char pair[2])
{
	static const char hex[] = "0123456789abcdef";

	pair[0] = hex[v >> 4];
	pair[1] = hex[v & 15];
	return pair;
}

static int
json_hex(struct buf *out, const uint8_t *p, size_t len)
{
	char pair[2];
	size_t i;
	int r;

	r = buf_put_str(out, "\"");
	for (i = 0; i < len && r == 0; i++)
		r = buf_put(out, put_hex_pair(p[i], pair), 2);
	return r != 0 ? r : buf_put_str(out, "\"");
}

static int
json_area(struct buf *out, const char *hname, const char *lname,
    const struct dump_area *a, int last)
{
	const struct dump_tlv *t;
	const char *name;
	size_t i;
	int r;

	r = a->present ? buf_printf(out, "    \"%s\": {\n      \"magic\": %u,\n"
	    "      \"tlv_tot\": %u\n    },\n", hname, a->magic, a->tot) :
	    buf_printf(out, "    \"%s\": {},\n", hname);
	if (r == 0)
		r = buf_printf(out, "    \"%s\": [%s", lname, a->n ? "\n" : "");
	for (i = 0; i < a->n && r == 0; i++) {
		t = &a->tlvs[i];
		name = mcuboot_tlv_name(t->type);
		r = buf_printf(out, "      {\n        \"type\": %u,\n        "
		    "\"type_name\": \"%s\",\n        \"len\": %zu,\n        "
		    "\"data\": ", t->type, name ? name : "UNKNOWN", t->len);
		if (r == 0)
			r = json_hex(out, t->data, t->dlen);
		if (r == 0)
			r = buf_printf(out, "\n      }%s\n", i + 1 < a->n ?
			    "," : "");
	}
	if (r == 0)
		r = buf_printf(out, "%s]%s\n", a->n ? "    " : "",
		    last ? "" : ",");
	return r;
}

static int
write_json(struct buf *out, const struct dump *d)
{
	int r;

	if ((r = buf_put_str(out, "{\n  \"filename\": ")) != 0 ||
	    (r = json_str(out, d->name)) != 0 ||
	    (r = buf_printf(out, ",\n  \"header\": {\n    \"magic\": %u,\n"
	    "    \"load_addr\": %u,\n    \"hdr_size\": %u,\n"
	    "    \"protected_tlv_size\": %u,\n    \"img_size\": %u,\n"
	    "    \"flags\": %u,\n    \"version\": \"%s\"\n  },\n"
	    "  \"tlv_area\": {\n", d->magic, d->load_addr, d->hdr_size,
	    d->prot_size, d->img_size, d->flags, d->version)) != 0 ||
	    (r = json_area(out, "tlv_hdr_prot", "tlvs_prot", &d->prot,
	    0)) != 0 ||
	    (r = json_area(out, "tlv_hdr", "tlvs", &d->area, 1)) != 0 ||
	    (r = buf_put_str(out, "  },\n  \"trailer\": {")) != 0)
		return r;
	if (!d->has_trailer)
		return buf_put_str(out, "}\n}");
	if ((r = buf_put_str(out, "\n    \"magic\": ")) != 0 ||
	    (r = json_hex(out, d->tmagic, MCUBOOT_MAGIC_LEN)) != 0)
		return r;
	if (d->has_fields && (r = buf_printf(out, ",\n    \"image_ok\": %u,\n"
	    "    \"copy_done\": %u,\n    \"swap_info\": %u,\n"
	    "    \"swap_size\": %u", d->image_ok, d->copy_done, d->swap_info,
	    d->swap_size)) != 0)
		return r;
	if (d->has_keylen && (r = buf_printf(out, ",\n    \"key_field_len\": "
	    "%zu", d->key_field_len)) != 0)
		return r;
	return buf_put_str(out, "\n  }\n}");
}

int
mcuboot_dumpinfo(const uint8_t *img, size_t len, const char *name,
    enum mcuboot_dump_format fmt, struct buf *out, int *warnp,
    struct zs_errbuf *eb)
{
	struct dump d;
	int r, warn = 0;

	memset(&d, 0, sizeof(d));
	d.name = name;
	d.image_ok = d.copy_done = d.swap_info = TRAILER_UNSET;
	if ((r = dump_read(img, len, &d, &warn, eb)) != 0)
		goto out;
	switch (fmt) {
	case MCUBOOT_DUMP_HUMAN:
		r = write_human(out, &d);
		break;
	case MCUBOOT_DUMP_YAML:
		r = write_yaml(out, &d);
		break;
	case MCUBOOT_DUMP_JSON:
		r = write_json(out, &d);
		break;
	default:
		r = ZS_ERR_INTERNAL;
		break;
	}
	if (r != 0) {
		zs_errf(eb, r, "dump too large");
		goto out;
	}
	*warnp = warn;
 out:
	area_free(&d.prot);
	area_free(&d.area);
	return r;
}
