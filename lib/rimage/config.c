/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rimage's TOML configuration schema (versions 1.0, 1.8, 2.5 and 3.0):
 * defaults, types and strictness as rimage applies them. "hex" keys are
 * strings read like strtoul(s, 0, 0) but must be consumed whole; any key
 * rimage does not read is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/digit.h"
#include "common/xmalloc.h"
#include "lib/rimage/rimage-int.h"
#include "lib/toml.h"

/* Length of a module name and of a UUID string "8-4-4-4-12". */
#define MOD_NAME_LEN		8
#define UUID_STR_LEN		36
/* Values per pin and per module config in the flat TOML arrays. */
#define PIN_WORDS		6
#define MOD_CFG_WORDS		11
/* Bytes of an $AE1 module block header, a pin, a sched caps entry. */
#define XMAN_MOD_HDR_LEN	40
#define XMAN_PIN_LEN		24
#define XMAN_SCHED_LEN		4

struct cfgctx {
	struct zs_errbuf	*eb;
	const char		*where;	/* table being parsed, for messages */
};

static int
cfg_err(struct cfgctx *c, const char *key, const char *what)
{
	return zs_errf(c->eb, ZS_ERR_FORMAT, "rimage config: %s%s%s: %s",
	    c->where, *c->where ? "." : "", key, what);
}

/* A required or optional sub-table. */
static int
get_table(struct cfgctx *c, struct toml_node *t, const char *key, int req,
    struct toml_node **out)
{
	struct toml_node *n = toml_table_get(t, key);

	*out = NULL;
	if (n == NULL)
		return req ? cfg_err(c, key, "missing table") : 0;
	if (toml_kind(n) != TOML_TABLE)
		return cfg_err(c, key, "must be a table");
	*out = n;
	return 0;
}

/* An array of tables with between min and max elements. */
static int
get_aot(struct cfgctx *c, struct toml_node *t, const char *key, size_t min,
    size_t max, struct toml_node **out)
{
	struct toml_node *n = toml_table_get(t, key);
	size_t i;

	*out = NULL;
	if (n == NULL) {
		if (min == 0)
			return 0;
		return cfg_err(c, key, "missing array of tables");
	}
	if (toml_kind(n) != TOML_ARRAY || toml_len(n) < min ||
	    toml_len(n) > max)
		return cfg_err(c, key, "wrong array type or length");
	for (i = 0; i < toml_len(n); i++)
		if (toml_kind(toml_at(n, i)) != TOML_TABLE)
			return cfg_err(c, key, "elements must be tables");
	*out = n;
	return 0;
}

/* Parse strtoul(s, 0, 0) style, but the whole string, no sign, u32. */
static int
hex_value(const char *s, uint32_t *v)
{
	unsigned long long x;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || end == s || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

/* A "hex" key: a string number; req 1 means no default. */
static int
get_hex(struct cfgctx *c, struct toml_node *t, const char *key, int req,
    uint32_t def, uint32_t max, uint32_t *out)
{
	struct toml_node *n = toml_table_get(t, key);
	uint32_t v;

	if (n == NULL) {
		if (req)
			return cfg_err(c, key, "missing");
		*out = def;
		return 0;
	}
	if (toml_kind(n) != TOML_STRING)
		return cfg_err(c, key, "must be a string holding a number");
	if (hex_value(toml_string(n), &v) != 0 || v > max)
		return cfg_err(c, key, "not a number in range");
	*out = v;
	return 0;
}

/* An "int" key: a TOML integer between 0 and max. */
static int
get_int(struct cfgctx *c, struct toml_node *t, const char *key, int req,
    uint32_t def, uint32_t max, uint32_t *out)
{
	struct toml_node *n = toml_table_get(t, key);

	if (n == NULL) {
		if (req)
			return cfg_err(c, key, "missing");
		*out = def;
		return 0;
	}
	if (toml_kind(n) != TOML_INT)
		return cfg_err(c, key, "must be an integer");
	if (toml_int(n) < 0 || (uint64_t)toml_int(n) > max)
		return cfg_err(c, key, "out of range");
	*out = (uint32_t)toml_int(n);
	return 0;
}

/* A required name copied into a fixed array, zero padded, no NUL needed. */
static int
get_name(struct cfgctx *c, struct toml_node *t, const char *key,
    uint8_t *dst, size_t cap)
{
	struct toml_node *n = toml_table_get(t, key);
	size_t len;

	if (n == NULL)
		return cfg_err(c, key, "missing");
	if (toml_kind(n) != TOML_STRING)
		return cfg_err(c, key, "must be a string");
	len = strlen(toml_string(n));
	if (len > cap)
		return cfg_err(c, key, "too long");
	memset(dst, 0, cap);
	memcpy(dst, toml_string(n), len);
	return 0;
}

/*
 * An optional array of integers; *np is the count (0 when absent, and
 * present is set). Values are returned as int64 for the caller to narrow.
 */
static int
get_int_array(struct cfgctx *c, struct toml_node *t, const char *key,
    size_t max, int64_t *vals, size_t *np, int *present)
{
	struct toml_node *n = toml_table_get(t, key), *e;
	size_t i;

	*np = 0;
	*present = n != NULL;
	if (n == NULL)
		return 0;
	if (toml_kind(n) != TOML_ARRAY)
		return cfg_err(c, key, "must be an array of integers");
	if (toml_len(n) > max)
		return cfg_err(c, key, "array too long");
	for (i = 0; i < toml_len(n); i++) {
		e = toml_at(n, i);
		if (toml_kind(e) != TOML_INT)
			return cfg_err(c, key, "must be an array of integers");
		vals[i] = toml_int(e);
	}
	*np = toml_len(n);
	return 0;
}

/* As get_int_array(), into a malloc'd array sized to the input. */
static int
get_int_array_alloc(struct cfgctx *c, struct toml_node *t, const char *key,
    size_t max, int64_t **valsp, size_t *np, int *present)
{
	struct toml_node *n = toml_table_get(t, key);
	size_t len = n != NULL ? toml_len(n) : 0;
	int r;

	*valsp = xcalloc(len ? len : 1, sizeof(**valsp));
	if ((r = get_int_array(c, t, key, max, *valsp, np, present)) != 0) {
		free(*valsp);
		*valsp = NULL;
	}
	return r;
}

/* Map rimage's memory zone names to their block type index. */
static int
zone_index(const char *name)
{
	static const struct {
		const char	*name;
		int		 idx;
	} zones[] = {
		{ "START", 0 }, { "RSRVD0", 0 }, { "IRAM", 1 }, { "DRAM", 2 },
		{ "SRAM", 3 }, { "ROM", 4 }, { "IMR", 5 }, { "HP-SRAM", 6 },
		{ "LP-SRAM", 7 }, { "RSRVD8", 8 }, { "RSRVD9", 9 },
		{ "RSRVD10", 10 }, { "RSRVD11", 11 }, { "RSRVD12", 12 },
		{ "RSRVD13", 13 }, { "RSRVD14", 14 },
	};
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strcmp(name, zones[i].name) == 0)
			return zones[i].idx;
	return -1;
}

static int
parse_adsp(struct cfgctx *c, struct toml_node *root, struct rimage_cfg *cfg)
{
	struct toml_node *adsp, *arr, *t, *n;
	uint32_t v, exec = 0, base;
	int r, idx, have_mask;
	size_t i;

	if ((r = get_table(c, root, "adsp", 1, &adsp)) != 0)
		return r;
	c->where = "adsp";
	n = toml_table_get(adsp, "name");
	if (n == NULL || toml_kind(n) != TOML_STRING)
		return cfg_err(c, "name", "missing or not a string");
	if ((r = get_hex(c, adsp, "image_size", 0, 0, RIMAGE_IMAGE_MAX,
	    &cfg->image_size)) != 0 ||
	    (r = get_int(c, adsp, "exec_boot_ldr", 0, 0, UINT32_MAX,
	    &exec)) != 0)
		return r;
	if (exec != 0)
		return cfg_err(c, "exec_boot_ldr", "executable boot loader "
		    "images (sue) are not supported");
	have_mask = toml_table_get(adsp, "alias_mask") != NULL;
	if ((r = get_hex(c, adsp, "alias_mask", 0, 0, UINT32_MAX,
	    &cfg->alias_mask)) != 0)
		return r;
	if (have_mask) {
		if ((r = get_aot(c, adsp, "mem_alias", 2, 2, &arr)) != 0)
			return r;
		for (i = 0; i < 2; i++) {
			t = toml_at(arr, i);
			n = toml_table_get(t, "type");
			if (n == NULL || toml_kind(n) != TOML_STRING)
				return cfg_err(c, "mem_alias.type", "missing");
			if ((r = get_hex(c, t, "base", 1, 0, UINT32_MAX,
			    &base)) != 0)
				return r;
			if (strcmp(toml_string(n), "cached") == 0)
				cfg->alias_cached = base & cfg->alias_mask;
			else if (strcmp(toml_string(n), "uncached") != 0)
				return cfg_err(c, "mem_alias.type", "must be "
				    "\"cached\" or \"uncached\"");
		}
	}
	if ((r = get_aot(c, adsp, "mem_zone", 1, 16, &arr)) != 0)
		return r;
	for (i = 0; i < toml_len(arr); i++) {
		t = toml_at(arr, i);
		n = toml_table_get(t, "type");
		if (n == NULL || toml_kind(n) != TOML_STRING ||
		    (idx = zone_index(toml_string(n))) < 0)
			return cfg_err(c, "mem_zone.type", "missing or "
			    "unknown");
		if ((r = get_hex(c, t, "base", 1, 0, UINT32_MAX,
		    &cfg->zones[idx].base)) != 0 ||
		    (r = get_hex(c, t, "host_offset", 0, 0, UINT32_MAX,
		    &cfg->zones[idx].host_offset)) != 0 ||
		    (r = get_hex(c, t, "size", 1, 0, UINT32_MAX, &v)) != 0)
			return r;
		cfg->zones[idx].size = v;
	}
	return 0;
}

static int
parse_cse(struct cfgctx *c, struct toml_node *root, struct rimage_cfg *cfg)
{
	struct toml_node *cse, *arr, *t;
	uint32_t v;
	size_t i;
	int r;

	if ((r = get_table(c, root, "cse", 1, &cse)) != 0)
		return r;
	c->where = "cse";
	if ((r = get_int(c, cse, "header_version", 0,
	    cfg->family == RIMAGE_FAM_CAVS18 ? 1 : 2, 0xFF, &v)) != 0)
		return r;
	cfg->cse_hdr_version = (uint8_t)v;
	if ((r = get_int(c, cse, "entry_version", 0, 1, 0xFF, &v)) != 0)
		return r;
	cfg->cse_entry_version = (uint8_t)v;
	if ((r = get_name(c, cse, "partition_name", cfg->cse_name, 4)) != 0 ||
	    (r = get_aot(c, cse, "entry", 3, 3, &arr)) != 0)
		return r;
	for (i = 0; i < 3; i++) {
		t = toml_at(arr, i);
		if ((r = get_name(c, t, "name", cfg->cse_entry[i].name,
		    12)) != 0 ||
		    (r = get_hex(c, t, "offset", 1, 0, UINT32_MAX,
		    &cfg->cse_entry[i].offset)) != 0 ||
		    (r = get_hex(c, t, "length", 1, 0, UINT32_MAX,
		    &cfg->cse_entry[i].length)) != 0)
			return r;
	}
	return 0;
}

static int
parse_css(struct cfgctx *c, struct toml_node *root, struct rimage_cfg *cfg)
{
	int v18 = cfg->family == RIMAGE_FAM_CAVS18;
	struct toml_node *css;
	int r;

	if ((r = get_table(c, root, "css", 1, &css)) != 0)
		return r;
	c->where = "css";
	if ((r = get_int(c, css, "header_type", 0, 4, UINT32_MAX,
	    &cfg->css_header_type)) != 0 ||
	    (r = get_int(c, css, "header_len", 0, v18 ? 161 : 225, UINT32_MAX,
	    &cfg->css_header_len)) != 0 ||
	    (r = get_hex(c, css, "header_version", 0,
	    v18 ? 0x10000 : 0x21000, UINT32_MAX,
	    &cfg->css_header_version)) != 0 ||
	    (r = get_hex(c, css, "module_vendor", 0, 0x8086, UINT32_MAX,
	    &cfg->css_vendor)) != 0 ||
	    (r = get_int(c, css, "size", 0, v18 ? 222 : 281, UINT32_MAX,
	    &cfg->css_size)) != 0 ||
	    (r = get_int(c, css, "svn", 0, 0, UINT32_MAX,
	    &cfg->css_svn)) != 0 ||
	    (r = get_int(c, css, "modulus_size", 0, v18 ? 64 : 96, UINT32_MAX,
	    &cfg->css_modulus_size)) != 0 ||
	    (r = get_int(c, css, "exponent_size", 0, 1, UINT32_MAX,
	    &cfg->css_exponent_size)) != 0)
		return r;
	return 0;
}

static int
parse_signed_pkg(struct cfgctx *c, struct toml_node *root,
    const struct rimage_args *args, struct rimage_cfg *cfg)
{
	int ace = cfg->family == RIMAGE_FAM_ACE15;
	int v18 = cfg->family == RIMAGE_FAM_CAVS18;
	struct toml_node *sp, *arr, *t;
	int64_t bitmap[16];
	size_t n, i;
	uint32_t v;
	int r, present;

	if ((r = get_table(c, root, "signed_pkg", 1, &sp)) != 0)
		return r;
	c->where = "signed_pkg";
	if ((r = get_name(c, sp, "name", cfg->spkg_name, 4)) != 0 ||
	    (r = get_int(c, sp, "vcn", 0, 0, UINT32_MAX,
	    &cfg->spkg_vcn)) != 0 ||
	    (r = get_int(c, sp, "svn", 0, 0, UINT32_MAX,
	    &cfg->spkg_svn)) != 0)
		return r;
	if ((r = get_hex(c, sp, "fw_type", 0, 0, 0xFF, &v)) != 0)
		return r;
	cfg->spkg_fw_type = (uint8_t)v;
	if ((r = get_hex(c, sp, "fw_sub_type", 0, 0, 0xFF, &v)) != 0)
		return r;
	cfg->spkg_fw_sub_type = (uint8_t)v;
	if (!ace) {
		if ((r = get_int_array(c, sp, "bitmap", 16, bitmap, &n,
		    &present)) != 0)
			return r;
		if (!present)
			cfg->spkg_bitmap[4] = args->imr_type == 4 ? 0x10 : 0x08;
		for (i = 0; i < n; i++) {
			if (bitmap[i] < 0 || bitmap[i] > 0xFF)
				return cfg_err(c, "bitmap", "values must be "
				    "bytes");
			cfg->spkg_bitmap[i] = (uint8_t)bitmap[i];
		}
	}
	if ((r = get_aot(c, sp, "module", 1, 1, &arr)) != 0)
		return r;
	t = toml_at(arr, 0);
	c->where = "signed_pkg.module";
	if ((r = get_name(c, t, "name", cfg->spkg_mod_name, 12)) != 0)
		return r;
	if ((r = get_hex(c, t, "type", 0, 3, 0xFF, &v)) != 0)
		return r;
	cfg->spkg_mod_type = (uint8_t)v;
	if ((r = get_hex(c, t, "hash_algo", 0, v18 ? 2 : 0, 0xFF, &v)) != 0)
		return r;
	cfg->spkg_mod_hash_algo = (uint8_t)v;
	if (!ace) {
		if ((r = get_hex(c, t, "hash_size", 0, v18 ? 0x20 : 0x30,
		    0xFFFF, &v)) != 0)
			return r;
		cfg->spkg_mod_hash_size = (uint16_t)v;
	}
	return get_int(c, t, "meta_size", 0, v18 ? 96 : 112, UINT32_MAX,
	    &cfg->spkg_mod_meta_size);
}

static int
parse_partition_info(struct cfgctx *c, struct toml_node *root,
    struct rimage_cfg *cfg)
{
	struct toml_node *pi, *arr, *t;
	uint32_t v;
	int r;

	if ((r = get_table(c, root, "partition_info", 1, &pi)) != 0)
		return r;
	c->where = "partition_info";
	if ((r = get_name(c, pi, "name", cfg->pinfo_name, 4)) != 0 ||
	    (r = get_int(c, pi, "vcn", 0, 0, UINT32_MAX, &v)) != 0 ||
	    (r = get_hex(c, pi, "part_version", 0, 0x10000000, UINT32_MAX,
	    &cfg->pinfo_part_version)) != 0 ||
	    (r = get_hex(c, pi, "fmt_version", 0, 0, UINT32_MAX,
	    &cfg->pinfo_fmt_version)) != 0 ||
	    (r = get_int(c, pi, "instance_id", 0, 1, UINT32_MAX,
	    &cfg->pinfo_instance_id)) != 0 ||
	    (r = get_int(c, pi, "part_flags", 0, 0, UINT32_MAX,
	    &cfg->pinfo_part_flags)) != 0 ||
	    (r = get_aot(c, pi, "module", 1, 1, &arr)) != 0)
		return r;
	cfg->pinfo_nmod = 1;
	t = toml_at(arr, 0);
	c->where = "partition_info.module";
	if ((r = get_name(c, t, "name", cfg->pinfo_mod_name, 12)) != 0 ||
	    (r = get_int(c, t, "meta_size", 0, 96, UINT32_MAX,
	    &cfg->pinfo_mod_meta_size)) != 0 ||
	    (r = get_hex(c, t, "type", 0, 3, 0xFF, &v)) != 0)
		return r;
	cfg->pinfo_mod_type = (uint8_t)v;
	return 0;
}

static int
parse_adsp_file(struct cfgctx *c, struct toml_node *root,
    struct rimage_cfg *cfg)
{
	struct toml_node *af, *arr, *t;
	int64_t attr[4];
	size_t n, i;
	int r, present;

	if ((r = get_table(c, root, "adsp_file", 1, &af)) != 0)
		return r;
	c->where = "adsp_file";
	if ((r = get_hex(c, af, "imr_type", 0, 3, UINT32_MAX,
	    &cfg->meta_imr_type)) != 0 ||
	    (r = get_aot(c, af, "comp", 1, 1, &arr)) != 0)
		return r;
	t = toml_at(arr, 0);
	c->where = "adsp_file.comp";
	if ((r = get_int(c, t, "version", 0, 0, UINT32_MAX,
	    &cfg->comp_version)) != 0 ||
	    (r = get_hex(c, t, "base_offset", 0, RIMAGE_DESC_OFF, UINT32_MAX,
	    &cfg->comp_base_offset)) != 0 ||
	    (r = get_int_array(c, t, "attributes", 4, attr, &n,
	    &present)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		if (attr[i] < 0 || attr[i] > UINT32_MAX)
			return cfg_err(c, "attributes", "out of range");
		cfg->comp_attributes[i] = (uint32_t)attr[i];
	}
	return 0;
}

static int
parse_fw_desc(struct cfgctx *c, struct toml_node *root,
    struct rimage_cfg *cfg)
{
	struct toml_node *fd, *h;
	int r;

	if ((r = get_table(c, root, "fw_desc", 1, &fd)) != 0 ||
	    (r = get_table(c, fd, "header", 1, &h)) != 0)
		return r;
	c->where = "fw_desc.header";
	if ((r = get_name(c, h, "name", cfg->desc_name, 8)) != 0 ||
	    (r = get_int(c, h, "preload_page_count", 0, 0, UINT32_MAX,
	    &cfg->desc_preload)) != 0 ||
	    (r = get_hex(c, h, "fw_image_flags", 0, 0, UINT32_MAX,
	    &cfg->desc_flags)) != 0 ||
	    (r = get_hex(c, h, "feature_mask", 0, 0xFFFF, UINT32_MAX,
	    &cfg->desc_features)) != 0 ||
	    (r = get_hex(c, h, "hw_buf_base_addr", 0, 0, UINT32_MAX,
	    &cfg->desc_hw_buf_base)) != 0 ||
	    (r = get_hex(c, h, "hw_buf_length", 0, 0, UINT32_MAX,
	    &cfg->desc_hw_buf_len)) != 0 ||
	    (r = get_hex(c, h, "load_offset", 1, 0, UINT32_MAX,
	    &cfg->desc_load_offset)) != 0)
		return r;
	return 0;
}

/* Parse "8-4-4-4-12" hex into rimage's in-memory GUID layout. */
static int
parse_uuid(const char *s, uint8_t out[16])
{
	static const int dash[] = { 8, 13, 18, 23 };
	uint8_t raw[16];
	int i, j = 0, hi, lo;

	if (strlen(s) != UUID_STR_LEN)
		return -1;
	for (i = 0; i < 4; i++)
		if (s[dash[i]] != '-')
			return -1;
	for (i = 0; i < UUID_STR_LEN; ) {
		if (s[i] == '-') {
			i++;
			continue;
		}
		if ((hi = zs_digit_value(s[i], 16)) < 0 ||
		    (lo = zs_digit_value(s[i + 1], 16)) < 0)
			return -1;
		raw[j++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	/* d0 (u32), d1, d2 (u16) little-endian; the last 8 bytes as written. */
	out[0] = raw[3]; out[1] = raw[2]; out[2] = raw[1]; out[3] = raw[0];
	out[4] = raw[5]; out[5] = raw[4];
	out[6] = raw[7]; out[7] = raw[6];
	memcpy(out + 8, raw + 8, 8);
	return 0;
}

static int
parse_mod_entry(struct cfgctx *c, struct toml_node *t, struct rimage_cfg *cfg,
    struct rimage_modentry *m, size_t *cfg_cap)
{
	struct toml_node *n;
	int64_t sched[2], *vals = NULL;
	uint32_t aff, inst, dom, load, init, autos, idx, mtype, type;
	size_t nsched, nv, i, npins = 0, ncfg;
	int r, has_sched, present;
	uint8_t *x, *p;

	memcpy(m->ame, "$AME", 4);
	if ((r = get_name(c, t, "name", m->ame + 4, MOD_NAME_LEN)) != 0)
		return r;
	n = toml_table_get(t, "uuid");
	if (n == NULL || toml_kind(n) != TOML_STRING ||
	    parse_uuid(toml_string(n), m->ame + 12) != 0)
		return cfg_err(c, "uuid", "missing or not 8-4-4-4-12 hex");
	if ((r = get_hex(c, t, "affinity_mask", 0, 1, UINT32_MAX, &aff)) != 0 ||
	    (r = get_hex(c, t, "instance_count", 0, 1, 0xFFFF, &inst)) != 0 ||
	    (r = get_hex(c, t, "domain_types", 0, 0, UINT32_MAX, &dom)) != 0 ||
	    (r = get_hex(c, t, "load_type", 0, 1, UINT32_MAX, &load)) != 0 ||
	    (r = get_hex(c, t, "init_config", 0, 0, UINT32_MAX, &init)) != 0 ||
	    (r = get_hex(c, t, "auto_start", 0, 1, UINT32_MAX, &autos)) != 0 ||
	    (r = get_int(c, t, "index", 0, 1, UINT32_MAX, &idx)) != 0 ||
	    (r = get_hex(c, t, "module_type", 0, 1, UINT32_MAX, &mtype)) != 0)
		return r;
	/* The C bit-fields keep the low bits of each value. */
	type = (load & 0xF) | (autos & 1) << 4 |
	    (dom == 0 ? 1u << 5 : 1u << 6) | (init & 0xF) << 8;
	zs_set_u32(m->ame + 28, type, 0);
	zs_set_u32(m->ame + 72, aff, 0);
	zs_set_u16(m->ame + 76, (uint16_t)inst, 0);

	if ((r = get_int_array(c, t, "sched_caps", 2, sched, &nsched,
	    &has_sched)) != 0)
		return r;
	if (has_sched && nsched != 2)
		return cfg_err(c, "sched_caps", "needs exactly 2 integers");
	if ((r = get_int_array_alloc(c, t, "pin", TOML_NODES_MAX, &vals, &nv,
	    &present)) != 0)
		goto out;
	if (nv % PIN_WORDS != 0) {
		r = cfg_err(c, "pin", "needs 6 values per pin");
		goto out;
	}
	npins = nv / PIN_WORDS;
	m->xman_len = XMAN_MOD_HDR_LEN + (has_sched ? XMAN_SCHED_LEN : 0) +
	    npins * XMAN_PIN_LEN;
	x = m->xman = xcalloc(1, m->xman_len);
	zs_set_u32(x, (uint32_t)m->xman_len, 0);
	memcpy(x + 4, m->ame + 12, 16);
	zs_set_u16(x + 20, 2, 0);
	zs_set_u16(x + 22, 5, 0);
	zs_set_u32(x + 28, mtype, 0);
	zs_set_u16(x + 36, has_sched ? 1 : 0, 0);
	zs_set_u16(x + 38, (uint16_t)npins, 0);
	p = x + XMAN_MOD_HDR_LEN;
	if (has_sched) {
		zs_set_u16(p, (uint16_t)sched[0], 0);
		zs_set_u16(p + 2, (uint16_t)sched[1], 0);
		p += XMAN_SCHED_LEN;
	}
	for (i = 0; i < npins; i++, p += XMAN_PIN_LEN) {
		/* rimage truncates caps and sample size to 16 bits. */
		zs_set_u32(p, (uint16_t)vals[i * 6], 0);
		zs_set_u32(p + 4, (uint32_t)vals[i * 6 + 1], 0);
		zs_set_u32(p + 8, (uint32_t)vals[i * 6 + 2], 0);
		zs_set_u32(p + 12, (uint16_t)vals[i * 6 + 3], 0);
		zs_set_u32(p + 16, (uint32_t)vals[i * 6 + 4], 0);
		zs_set_u32(p + 20, (uint32_t)vals[i * 6 + 5], 0);
	}

	free(vals);
	if ((r = get_int_array_alloc(c, t, "mod_cfg", TOML_NODES_MAX, &vals,
	    &nv, &present)) != 0)
		goto out;
	if (nv % MOD_CFG_WORDS != 0) {
		r = cfg_err(c, "mod_cfg", "needs 11 values per config");
		goto out;
	}
	ncfg = nv / MOD_CFG_WORDS;
	if (ncfg > 0xFFFF || cfg->nmod_cfg > 0xFFFF) {
		r = cfg_err(c, "mod_cfg", "too many configs");
		goto out;
	}
	zs_set_u16(m->ame + 68, present ? (uint16_t)cfg->nmod_cfg : 0, 0);
	zs_set_u16(m->ame + 70, (uint16_t)ncfg, 0);
	if (cfg->nmod_cfg * MOD_CFG_WORDS + nv > *cfg_cap) {
		*cfg_cap = (cfg->nmod_cfg * MOD_CFG_WORDS + nv) * 2;
		cfg->mod_cfg = xreallocarray(cfg->mod_cfg, *cfg_cap,
		    sizeof(*cfg->mod_cfg));
	}
	for (i = 0; i < nv; i++)
		cfg->mod_cfg[cfg->nmod_cfg * MOD_CFG_WORDS + i] =
		    (uint32_t)vals[i];
	cfg->nmod_cfg += ncfg;
	r = 0;
out:
	free(vals);
	return r;
}

static int
parse_modules(struct cfgctx *c, struct toml_node *root,
    struct rimage_cfg *cfg)
{
	struct toml_node *mod, *arr;
	size_t i, cap = 0;
	uint32_t count;
	int r;

	if ((r = get_table(c, root, "module", 0, &mod)) != 0 || mod == NULL)
		return r;
	c->where = "module";
	if ((r = get_int(c, mod, "count", 0, 2, RIMAGE_MOD_ENTRIES_MAX,
	    &count)) != 0 ||
	    (r = get_aot(c, mod, "entry", count, count, &arr)) != 0)
		return r;
	if (arr == NULL)
		return cfg_err(c, "entry", "missing");
	cfg->has_modules = 1;
	cfg->mods = xcalloc(count, sizeof(*cfg->mods));
	cfg->nmods = count;
	c->where = "module.entry";
	for (i = 0; i < count; i++)
		if ((r = parse_mod_entry(c, toml_at(arr, i), cfg,
		    &cfg->mods[i], &cap)) != 0)
			return r;
	return 0;
}

void
rimage_cfg_free(struct rimage_cfg *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nmods; i++)
		free(cfg->mods[i].xman);
	free(cfg->mods);
	free(cfg->mod_cfg);
	free(cfg);
}

uint32_t
rimage_cfg_cached(const struct rimage_cfg *cfg, uint32_t addr)
{
	return (addr & ~cfg->alias_mask) | cfg->alias_cached;
}

static int
parse_version(struct cfgctx *c, struct toml_node *root,
    enum rimage_family *fam)
{
	static const struct {
		int			 major, minor;
		enum rimage_family	 fam;
	} versions[] = {
		{ 1, 0, RIMAGE_FAM_SIMPLE }, { 1, 8, RIMAGE_FAM_CAVS18 },
		{ 2, 5, RIMAGE_FAM_CAVS25 }, { 3, 0, RIMAGE_FAM_ACE15 },
	};
	int64_t v[2];
	size_t n, i;
	int r, present;

	if ((r = get_int_array(c, root, "version", 2, v, &n, &present)) != 0)
		return r;
	if (n != 2)
		return cfg_err(c, "version", "needs [major, minor]");
	for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (v[0] == versions[i].major && v[1] == versions[i].minor) {
			*fam = versions[i].fam;
			return 0;
		}
	return zs_errf(c->eb, ZS_ERR_FORMAT, "rimage config: unsupported "
	    "config version %lld.%lld (1.0, 1.8, 2.5 and 3.0 are supported)",
	    (long long)v[0], (long long)v[1]);
}

int
rimage_config_needs_key(const uint8_t *text, size_t len, int *needp,
    struct zs_errbuf *eb)
{
	struct toml_node *root = NULL;
	struct cfgctx c = { eb, "" };
	enum rimage_family fam;
	int r;

	if ((r = toml_parse((const char *)text, len, &root, eb)) != 0)
		return r;
	if ((r = parse_version(&c, root, &fam)) == 0)
		*needp = fam != RIMAGE_FAM_SIMPLE;
	toml_free(root);
	return r;
}

int
rimage_cfg_parse(const uint8_t *text, size_t len,
    const struct rimage_args *args, struct rimage_cfg **cfgp,
    struct zs_errbuf *eb)
{
	struct toml_node *root = NULL;
	struct rimage_cfg *cfg;
	struct cfgctx c = { eb, "" };
	char path[128];
	int r;

	cfg = xcalloc(1, sizeof(*cfg));
	if ((r = toml_parse((const char *)text, len, &root, eb)) != 0)
		goto fail;
	if ((r = parse_version(&c, root, &cfg->family)) != 0 ||
	    (r = parse_adsp(&c, root, cfg)) != 0)
		goto fail;
	if (cfg->family != RIMAGE_FAM_SIMPLE) {
		c.where = "";
		if ((r = parse_cse(&c, root, cfg)) != 0 ||
		    (r = parse_css(&c, root, cfg)) != 0 ||
		    (r = parse_signed_pkg(&c, root, args, cfg)) != 0 ||
		    (cfg->family == RIMAGE_FAM_CAVS18 &&
		    (r = parse_partition_info(&c, root, cfg)) != 0) ||
		    (r = parse_adsp_file(&c, root, cfg)) != 0 ||
		    (r = parse_fw_desc(&c, root, cfg)) != 0)
			goto fail;
		if (cfg->family != RIMAGE_FAM_CAVS18 &&
		    (r = parse_modules(&c, root, cfg)) != 0)
			goto fail;
	}
	if (toml_find_unused(root, path, sizeof(path))) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "rimage config: key '%s' is not "
		    "used by this config version", path);
		goto fail;
	}
	toml_free(root);
	*cfgp = cfg;
	return 0;
fail:
	toml_free(root);
	rimage_cfg_free(cfg);
	return r;
}
