/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Flash geometry of a Zephyr build, read from a devicetree blob with libfdt
 * in the order and with the messages of west's sign.py (edt_flash_params),
 * with upstream's slot1-else-slot0 slot size.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "common/buf.h"
#include "common/zserr.h"
#include "lib/zephyr.h"

/* Header of a version 17 blob: big-endian fields at these offsets. */
#define DT_HDR_MAGIC		0
#define DT_HDR_TOTALSIZE	4
#define DT_HDR_OFF_STRUCT	8
#define DT_HDR_OFF_STRINGS	12
#define DT_HDR_OFF_RSVMAP	16
#define DT_HDR_VERSION		20
#define DT_HDR_LAST_COMP	24
#define DT_HDR_SIZE_STRINGS	32
#define DT_HDR_SIZE_STRUCT	36
#define DT_V17_HEADER_SIZE	40

/* Most cells a number may have here: two make a 64-bit value. */
#define DT_MAX_NUM_CELLS	2
/* Cell counts edtlib assumes when #address-cells/#size-cells are absent. */
#define DT_DEFAULT_ADDR_CELLS	2
#define DT_DEFAULT_SIZE_CELLS	1

static const char dt_slot0[] = "slot0_partition";
static const char dt_slot1[] = "slot1_partition";

/* The first reg entry of a partition. */
struct dt_reg {
	uint64_t	addr;
	uint64_t	size;
};

static uint64_t
dt_read_num(const fdt32_t *p, int ncells)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < ncells; i++)
		v = v << 32 | fdt32_to_cpu(p[i]);
	return v;
}

/*
 * A NUL-terminated string property of node, or NULL. fdt_check_full()
 * does not promise that property values are terminated, so check here.
 */
static const char *
dt_getprop_str(const void *fdt, int node, const char *name)
{
	const char *s;
	int len;

	s = fdt_getprop(fdt, node, name, &len);
	if (s == NULL || len <= 0 || memchr(s, '\0', (size_t)len) == NULL)
		return NULL;
	return s;
}

/*
 * #address-cells or #size-cells of node, def when absent (edtlib's
 * defaults); -1 when malformed or too wide for this code.
 */
static int
dt_cells(const void *fdt, int node, const char *name, int def)
{
	const fdt32_t *p;
	uint32_t v;
	int len;

	if (node < 0)
		return def;
	if ((p = fdt_getprop(fdt, node, name, &len)) == NULL)
		return def;
	if (len != 4)
		return -1;
	v = fdt32_to_cpu(*p);
	return v > DT_MAX_NUM_CELLS ? -1 : (int)v;
}

/*
 * Accept only what dtc writes today (version 17 layout, aligned blocks
 * inside the blob) before libfdt looks at it: libfdt 1.6.1's
 * fdt_check_full() dereferences NULL on some blobs of older versions.
 */
static int
dt_check_header(const uint8_t *p, size_t len)
{
	uint64_t total, rsv, st, sts, str, strs;

	if (len < DT_V17_HEADER_SIZE ||
	    zs_get_u32(p + DT_HDR_MAGIC, 1) != FDT_MAGIC)
		return -FDT_ERR_BADMAGIC;
	if (zs_get_u32(p + DT_HDR_VERSION, 1) < 17 ||
	    zs_get_u32(p + DT_HDR_LAST_COMP, 1) > 17)
		return -FDT_ERR_BADVERSION;
	total = zs_get_u32(p + DT_HDR_TOTALSIZE, 1);
	st = zs_get_u32(p + DT_HDR_OFF_STRUCT, 1);
	str = zs_get_u32(p + DT_HDR_OFF_STRINGS, 1);
	rsv = zs_get_u32(p + DT_HDR_OFF_RSVMAP, 1);
	strs = zs_get_u32(p + DT_HDR_SIZE_STRINGS, 1);
	sts = zs_get_u32(p + DT_HDR_SIZE_STRUCT, 1);
	if (total > len || total < DT_V17_HEADER_SIZE)
		return -FDT_ERR_TRUNCATED;
	if (rsv % 8 != 0 || st % 4 != 0 || rsv < DT_V17_HEADER_SIZE ||
	    st < DT_V17_HEADER_SIZE || str < DT_V17_HEADER_SIZE ||
	    rsv > total || st + sts > total || str + strs > total)
		return -FDT_ERR_BADLAYOUT;
	return 0;
}

/* Name of node for messages. */
static const char *
dt_name(const void *fdt, int node)
{
	const char *s = fdt_get_name(fdt, node, NULL);

	return s != NULL ? s : "?";
}

/*
 * Translate addr of a child of node "parent" up the tree through "ranges",
 * as edtlib's _translate() does; a missing "ranges" stops the walk, an
 * empty one maps one-to-one.
 */
static int
dt_translate(const void *fdt, int parent, uint64_t *addrp, const char *what,
    struct zs_errbuf *eb)
{
	const fdt32_t *rp;
	uint64_t addr = *addrp, caddr = 0, paddr = 0, clen;
	int len, grand, cac, pac, csc, ent, i;

	while (parent >= 0 &&
	    (rp = fdt_getprop(fdt, parent, "ranges", &len)) != NULL) {
		grand = fdt_parent_offset(fdt, parent);
		if (len == 0) {
			parent = grand;
			continue;
		}
		cac = dt_cells(fdt, parent, "#address-cells",
		    DT_DEFAULT_ADDR_CELLS);
		csc = dt_cells(fdt, parent, "#size-cells",
		    DT_DEFAULT_SIZE_CELLS);
		pac = dt_cells(fdt, grand, "#address-cells",
		    DT_DEFAULT_ADDR_CELLS);
		ent = cac + pac + csc;
		if (cac < 0 || csc < 0 || pac < 0 || ent == 0 ||
		    len % (4 * ent) != 0)
			return zs_errf(eb, ZS_ERR_BUILD, "%s: malformed ranges "
			    "property in %s", what, dt_name(fdt, parent));
		for (i = 0; i < len / (4 * ent); i++) {
			caddr = dt_read_num(rp + i * ent, cac);
			paddr = dt_read_num(rp + i * ent + cac, pac);
			clen = dt_read_num(rp + i * ent + cac + pac, csc);
			if (caddr <= addr && addr - caddr < clen)
				break;
		}
		/* An address outside every range is left as it is. */
		if (i == len / (4 * ent))
			break;
		addr = paddr + (addr - caddr);
		parent = grand;
	}
	*addrp = addr;
	return 0;
}

/*
 * First reg entry of partition node, in the cells of its parent (the
 * partitions node). *havep is 0 when the node has no reg entries.
 */
static int
dt_first_reg(const void *fdt, int node, int parent, const char *label,
    struct dt_reg *rg, int *havep, struct zs_errbuf *eb)
{
	const fdt32_t *p;
	int len, ac, sc;

	ac = dt_cells(fdt, parent, "#address-cells", DT_DEFAULT_ADDR_CELLS);
	sc = dt_cells(fdt, parent, "#size-cells", DT_DEFAULT_SIZE_CELLS);
	if (ac < 0 || sc < 0)
		return zs_errf(eb, ZS_ERR_BUILD, "DT zephyr,flash partitions "
		    "node has unsupported #address-cells/#size-cells");
	p = fdt_getprop(fdt, node, "reg", &len);
	if (p == NULL || len == 0) {
		*havep = 0;
		return 0;
	}
	if (ac + sc == 0 || len % (4 * (ac + sc)) != 0)
		return zs_errf(eb, ZS_ERR_BUILD, "%s flash partition has a "
		    "malformed reg property", label);
	rg->addr = dt_read_num(p, ac);
	rg->size = dt_read_num(p + ac, sc);
	*havep = 1;
	return dt_translate(fdt, parent, &rg->addr, label, eb);
}

/*
 * Find the node labelled label among the direct children of partitions,
 * through /__symbols__ (the only place dtc -@ keeps labels). Returns the
 * node offset or -1.
 */
static int
dt_find_slot(const void *fdt, int symbols, int partitions, const char *label)
{
	const char *path;
	int node;

	if ((path = dt_getprop_str(fdt, symbols, label)) == NULL)
		return -1;
	if ((node = fdt_path_offset(fdt, path)) < 0)
		return -1;
	/* Labels elsewhere (another flash device) do not count. */
	if (fdt_parent_offset(fdt, node) != partitions)
		return -1;
	return node;
}

int
zephyr_flash_params(const void *dtb, size_t len, struct zephyr_flash *fl,
    struct zs_errbuf *eb)
{
	struct zephyr_flash f;
	struct dt_reg r0, r1;
	const fdt32_t *wbs;
	const char *chosen, *slot_key;
	const char *name;
	void *fdt = NULL;
	int r = ZS_ERR_INTERNAL, node, flash, parts, symbols, s0, s1, have0;
	int have1, plen, err;

	memset(&f, 0, sizeof(f));
	memset(&r0, 0, sizeof(r0));
	memset(&r1, 0, sizeof(r1));
	if (len > ZEPHYR_DTB_MAX) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE, "devicetree blob is larger "
		    "than %u bytes", ZEPHYR_DTB_MAX);
		goto out;
	}
	/* libfdt wants an aligned blob; callers' buffers may not be. */
	if ((fdt = malloc(len > 0 ? len : 1)) == NULL) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(fdt, dtb, len);
	if ((err = dt_check_header(fdt, len)) != 0 ||
	    (err = fdt_check_full(fdt, len)) != 0) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "devicetree blob is malformed: "
		    "%s", fdt_strerror(err));
		goto out;
	}

	node = fdt_path_offset(fdt, "/chosen");
	chosen = node >= 0 ? dt_getprop_str(fdt, node, "zephyr,flash") : NULL;
	if (chosen == NULL) {
		r = zs_errf(eb, ZS_ERR_BUILD, "devicetree has no chosen "
		    "zephyr,flash node; can't infer flash write block or "
		    "slot0_partition slot sizes");
		goto out;
	}
	if ((flash = fdt_path_offset(fdt, chosen)) < 0) {
		r = zs_errf(eb, ZS_ERR_BUILD, "devicetree chosen zephyr,flash "
		    "path %.200s does not exist", chosen);
		goto out;
	}
	if (fdt_get_path(fdt, flash, f.flash_path, sizeof(f.flash_path)) !=
	    0) {
		r = zs_errf(eb, ZS_ERR_BUILD, "devicetree zephyr,flash path is "
		    "longer than %zu bytes", sizeof(f.flash_path) - 1);
		goto out;
	}

	/*
	 * Exactly "partitions": libfdt's fdt_subnode_offset() would also
	 * match "partitions@0", which edtlib's children dict does not.
	 */
	parts = -1;
	fdt_for_each_subnode(node, fdt, flash) {
		name = fdt_get_name(fdt, node, NULL);
		if (name != NULL && strcmp(name, "partitions") == 0) {
			parts = node;
			break;
		}
	}
	if (parts < 0) {
		r = zs_errf(eb, ZS_ERR_BUILD, "DT zephyr,flash chosen node has "
		    "no partitions, can't find partitions for MCUboot slots");
		goto out;
	}

	if ((symbols = fdt_path_offset(fdt, "/__symbols__")) < 0) {
		r = zs_errf(eb, ZS_ERR_BUILD, "devicetree blob has no "
		    "/__symbols__ node (compile it with dtc -@), can't find "
		    "slot0_partition");
		goto out;
	}
	s0 = dt_find_slot(fdt, symbols, parts, dt_slot0);
	s1 = dt_find_slot(fdt, symbols, parts, dt_slot1);
	if (s0 < 0) {
		r = zs_errf(eb, ZS_ERR_BUILD, "DT zephyr,flash chosen node has "
		    "no slot0_partition partition, can't determine its "
		    "address");
		goto out;
	}

	if ((wbs = fdt_getprop(fdt, flash, "write-block-size", &plen)) ==
	    NULL) {
		r = zs_errf(eb, ZS_ERR_BUILD, "DT zephyr,flash node has no "
		    "write-block-size; can't determine imgtool write "
		    "alignment");
		goto out;
	}
	if (plen != 4) {
		r = zs_errf(eb, ZS_ERR_BUILD, "DT zephyr,flash node "
		    "write-block-size is not a single cell");
		goto out;
	}
	f.write_block_size = fdt32_to_cpu(*wbs);
	if (f.write_block_size == 0) {
		r = zs_errf(eb, ZS_ERR_BUILD, "expected nonzero flash "
		    "alignment, but got DT flash device write-block-size 0");
		goto out;
	}

	/* Upstream's fix: slot1's size when it exists, for swap-move. */
	slot_key = s1 >= 0 ? dt_slot1 : dt_slot0;
	if ((r = dt_first_reg(fdt, s0, parts, dt_slot0, &r0, &have0,
	    eb)) != 0)
		goto out;
	have1 = 0;
	if (s1 >= 0 && (r = dt_first_reg(fdt, s1, parts, dt_slot1, &r1,
	    &have1, eb)) != 0)
		goto out;
	/* sign.py checks slot_key's reg first, then reads slot0's address. */
	if ((s1 >= 0 && !have1) || !have0) {
		r = zs_errf(eb, ZS_ERR_BUILD, "%s flash partition has no regs "
		    "property; can't determine size of slot",
		    s1 >= 0 && !have1 ? slot_key : dt_slot0);
		goto out;
	}
	if ((s1 >= 0 ? r1.size : r0.size) == 0) {
		r = zs_errf(eb, ZS_ERR_BUILD, "expected nonzero slot size for "
		    "%s", slot_key);
		goto out;
	}
	f.slot0_offset = r0.addr;
	f.slot0_size = r0.size;
	f.have_slot1 = s1 >= 0;
	f.slot1_size = r1.size;
	*fl = f;
	r = 0;
out:
	free(fdt);
	return r;
}
