/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Intel HEX: a strict reader that flattens records into one byte image, and
 * a writer whose text is byte-identical to Python intelhex 2.3's
 * write_hex_file(), the library imgtool writes its .hex outputs with.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/digit.h"
#include "common/zserr.h"
#include "lib/ihex.h"

/* Data bytes in one written record: intelhex's default byte_count. */
#define IHEX_WRITE_RECLEN	16
/* Bytes of a record after the colon: count, address (2), type, checksum. */
#define IHEX_REC_OVERHEAD	5

enum ihex_rectype {
	IHEX_DATA = 0x00,
	IHEX_EOF = 0x01,
	IHEX_EXT_SEGMENT = 0x02,
	IHEX_START_SEGMENT = 0x03,
	IHEX_EXT_LINEAR = 0x04,
	IHEX_START_LINEAR = 0x05,
};

/* A contiguous run found while reading; data lives in the reader's pool. */
struct ihex_run {
	uint64_t	addr;
	size_t		off;	/* into the pool */
	size_t		len;
	size_t		line;	/* first line, for overlap messages */
};

struct ihex_reader {
	uint8_t		*pool;	/* every data byte, in file order */
	size_t		 poollen;
	struct ihex_run	*runs;
	size_t		 nruns;
	size_t		 runcap;
};

/* Record data bytes at addr, extending the last run when contiguous. */
static int
ihex_add_data(struct ihex_reader *rd, uint64_t addr, const uint8_t *p,
    size_t len, size_t line)
{
	struct ihex_run *r, *nr;
	size_t ncap;

	if (len == 0)
		return 0;
	memcpy(rd->pool + rd->poollen, p, len);
	if (rd->nruns > 0) {
		r = &rd->runs[rd->nruns - 1];
		if (r->addr + r->len == addr && r->off + r->len == rd->poollen) {
			r->len += len;
			rd->poollen += len;
			return 0;
		}
	}
	if (rd->nruns == rd->runcap) {
		ncap = rd->runcap ? rd->runcap * 2 : 16;
		nr = reallocarray(rd->runs, ncap, sizeof(*nr));
		if (nr == NULL)
			return ZS_ERR_NOMEM;
		rd->runs = nr;
		rd->runcap = ncap;
	}
	r = &rd->runs[rd->nruns++];
	r->addr = addr;
	r->off = rd->poollen;
	r->len = len;
	r->line = line;
	rd->poollen += len;
	return 0;
}

static int
ihex_run_cmp(const void *a, const void *b)
{
	const struct ihex_run *ra = a, *rb = b;

	if (ra->addr != rb->addr)
		return ra->addr < rb->addr ? -1 : 1;
	return 0;
}

/*
 * Decode one line (without its line end) into rec, which must hold
 * IHEX_REC_OVERHEAD + 255 bytes; *reclenp gets the decoded length.
 */
static int
ihex_decode_line(const char *s, size_t n, size_t line, uint8_t *rec,
    size_t *reclenp, struct zs_errbuf *eb)
{
	size_t i, nbytes;
	uint8_t sum;
	int hi, lo;

	if (s[0] != ':')
		return zs_errf(eb, ZS_ERR_FORMAT,
		    "HEX line %zu: record does not start with ':'", line);
	if ((n - 1) % 2 != 0)
		return zs_errf(eb, ZS_ERR_FORMAT,
		    "HEX line %zu: odd number of hex digits", line);
	nbytes = (n - 1) / 2;
	if (nbytes < IHEX_REC_OVERHEAD)
		return zs_errf(eb, ZS_ERR_FORMAT,
		    "HEX line %zu: record too short", line);
	/* The count byte allows at most 255 data bytes. */
	if (nbytes > IHEX_REC_OVERHEAD + 255)
		return zs_errf(eb, ZS_ERR_FORMAT,
		    "HEX line %zu: record too long", line);
	for (i = 0; i < nbytes; i++) {
		hi = zs_digit_value(s[1 + 2 * i], 16);
		lo = zs_digit_value(s[2 + 2 * i], 16);
		if (hi < 0 || lo < 0)
			return zs_errf(eb, ZS_ERR_FORMAT,
			    "HEX line %zu: invalid hex digit", line);
		rec[i] = (uint8_t)(hi << 4 | lo);
	}
	if ((size_t)rec[0] + IHEX_REC_OVERHEAD != nbytes)
		return zs_errf(eb, ZS_ERR_FORMAT,
		    "HEX line %zu: byte count %u does not match record length",
		    line, rec[0]);
	sum = 0;
	for (i = 0; i < nbytes; i++)
		sum += rec[i];
	if (sum != 0)
		return zs_errf(eb, ZS_ERR_FORMAT,
		    "HEX line %zu: bad checksum 0x%02X (expected 0x%02X)",
		    line, rec[nbytes - 1],
		    (uint8_t)(rec[nbytes - 1] - sum));
	*reclenp = nbytes;
	return 0;
}

/* Walk the text record by record, collecting data runs into rd. */
static int
ihex_scan(const char *text, size_t textlen, struct ihex_reader *rd,
    struct zs_errbuf *eb)
{
	uint8_t rec[IHEX_REC_OVERHEAD + 255];
	size_t pos, end, n, line, reclen, cnt;
	uint64_t offset, addr;
	unsigned int type, raddr;
	int r, seen_eof;

	offset = 0;
	seen_eof = 0;
	line = 0;
	for (pos = 0; pos < textlen; pos = end + 1) {
		line++;
		if (seen_eof) {
			for (; pos < textlen; pos++)
				if (strchr(" \t\r\n", text[pos]) == NULL ||
				    text[pos] == '\0')
					return zs_errf(eb, ZS_ERR_FORMAT,
					    "HEX line %zu: data after the "
					    "end-of-file record", line);
			break;
		}
		for (end = pos; end < textlen && text[end] != '\n'; end++)
			if (end - pos > IHEX_LINE_MAX)
				return zs_errf(eb, ZS_ERR_FORMAT,
				    "HEX line %zu: longer than %d characters",
				    line, IHEX_LINE_MAX);
		n = end - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > IHEX_LINE_MAX)
			return zs_errf(eb, ZS_ERR_FORMAT,
			    "HEX line %zu: longer than %d characters",
			    line, IHEX_LINE_MAX);
		/* Blank lines are skipped, as intelhex does. */
		if (n == 0)
			continue;
		if ((r = ihex_decode_line(text + pos, n, line, rec, &reclen,
		    eb)) != 0)
			return r;
		cnt = rec[0];
		raddr = (unsigned int)rec[1] << 8 | rec[2];
		type = rec[3];
		switch (type) {
		case IHEX_DATA:
			addr = offset + raddr;
			if (addr + cnt > (uint64_t)UINT32_MAX + 1)
				return zs_errf(eb, ZS_ERR_FORMAT,
				    "HEX line %zu: data beyond the 4 GiB "
				    "address space", line);
			if ((r = ihex_add_data(rd, addr, rec + 4, cnt,
			    line)) != 0)
				return r;
			break;
		case IHEX_EOF:
			if (cnt != 0)
				return zs_errf(eb, ZS_ERR_FORMAT,
				    "HEX line %zu: end-of-file record with "
				    "data", line);
			seen_eof = 1;
			break;
		case IHEX_EXT_SEGMENT:
		case IHEX_EXT_LINEAR:
			if (cnt != 2 || raddr != 0)
				return zs_errf(eb, ZS_ERR_FORMAT,
				    "HEX line %zu: malformed extended address "
				    "record", line);
			offset = (uint64_t)rec[4] << 8 | rec[5];
			offset <<= type == IHEX_EXT_LINEAR ? 16 : 4;
			break;
		case IHEX_START_SEGMENT:
		case IHEX_START_LINEAR:
			/* The entry point means nothing to a signer. */
			if (cnt != 4 || raddr != 0)
				return zs_errf(eb, ZS_ERR_FORMAT,
				    "HEX line %zu: malformed start address "
				    "record", line);
			break;
		default:
			return zs_errf(eb, ZS_ERR_FORMAT,
			    "HEX line %zu: unknown record type 0x%02X", line,
			    type);
		}
	}
	if (!seen_eof)
		return zs_errf(eb, ZS_ERR_FORMAT,
		    "HEX text has no end-of-file record");
	return 0;
}

int
ihex_read(const char *text, size_t textlen, uint8_t fill, uint32_t *basep,
    uint8_t **imgp, size_t *lenp, struct zs_errbuf *eb)
{
	struct ihex_reader rd;
	struct ihex_run *a, *b;
	uint64_t lo, hi, span;
	uint8_t *img = NULL;
	size_t i;
	int r = ZS_ERR_INTERNAL;

	memset(&rd, 0, sizeof(rd));
	/* Every data byte takes two characters, so this bounds the pool. */
	if ((rd.pool = malloc(textlen / 2 + 1)) == NULL) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory reading HEX");
		goto out;
	}
	if ((r = ihex_scan(text, textlen, &rd, eb)) != 0) {
		if (r == ZS_ERR_NOMEM)
			zs_errf(eb, r, "out of memory reading HEX");
		goto out;
	}
	if (rd.nruns == 0) {
		r = zs_errf(eb, ZS_ERR_FORMAT, "HEX text holds no data");
		goto out;
	}
	qsort(rd.runs, rd.nruns, sizeof(*rd.runs), ihex_run_cmp);
	for (i = 1; i < rd.nruns; i++) {
		a = &rd.runs[i - 1];
		b = &rd.runs[i];
		if (a->addr + a->len > b->addr) {
			r = zs_errf(eb, ZS_ERR_FORMAT,
			    "HEX data overlaps at address 0x%08llX (lines %zu "
			    "and %zu)", (unsigned long long)b->addr,
			    a->line < b->line ? a->line : b->line,
			    a->line < b->line ? b->line : a->line);
			goto out;
		}
	}
	lo = rd.runs[0].addr;
	hi = 0;
	for (i = 0; i < rd.nruns; i++)
		if (rd.runs[i].addr + rd.runs[i].len > hi)
			hi = rd.runs[i].addr + rd.runs[i].len;
	span = hi - lo;
	if (span > IHEX_IMAGE_MAX) {
		r = zs_errf(eb, ZS_ERR_TOO_LARGE,
		    "HEX image spans %llu bytes (0x%08llX-0x%08llX), more "
		    "than the %u allowed", (unsigned long long)span,
		    (unsigned long long)lo, (unsigned long long)hi - 1,
		    IHEX_IMAGE_MAX);
		goto out;
	}
	if ((img = malloc(span)) == NULL) {
		r = zs_errf(eb, ZS_ERR_NOMEM, "out of memory reading HEX");
		goto out;
	}
	memset(img, fill, span);
	for (i = 0; i < rd.nruns; i++)
		memcpy(img + (rd.runs[i].addr - lo), rd.pool + rd.runs[i].off,
		    rd.runs[i].len);
	*basep = (uint32_t)lo;
	*imgp = img;
	*lenp = span;
	img = NULL;
	r = 0;
out:
	free(img);
	free(rd.pool);
	free(rd.runs);
	return r;
}

/* Emit one record: count, 16-bit address, type, data, checksum. */
static int
ihex_put_record(struct buf *out, unsigned int addr, unsigned int type,
    const uint8_t *data, size_t len)
{
	static const char hexd[] = "0123456789ABCDEF";
	uint8_t rec[IHEX_REC_OVERHEAD + IHEX_WRITE_RECLEN];
	char line[1 + 2 * sizeof(rec) + 1];
	size_t i, n;
	uint8_t sum;

	rec[0] = (uint8_t)len;
	rec[1] = (uint8_t)(addr >> 8);
	rec[2] = (uint8_t)addr;
	rec[3] = (uint8_t)type;
	memcpy(rec + 4, data, len);
	n = 4 + len;
	sum = 0;
	for (i = 0; i < n; i++)
		sum += rec[i];
	rec[n++] = (uint8_t)-sum;
	line[0] = ':';
	for (i = 0; i < n; i++) {
		line[1 + 2 * i] = hexd[rec[i] >> 4];
		line[2 + 2 * i] = hexd[rec[i] & 0xf];
	}
	line[1 + 2 * n] = '\n';
	return buf_put(out, line, 2 + 2 * n);
}

int
ihex_write(const struct ihex_segment *segs, size_t nsegs, struct buf *out,
    struct zs_errbuf *eb)
{
	uint8_t data[IHEX_WRITE_RECLEN], ext[2];
	size_t start = buf_len(out), si, off, n;
	uint64_t end, maxaddr, cur, prevend;
	uint32_t high;
	int r = ZS_ERR_INTERNAL, need_ext, have_high;

	maxaddr = 0;
	prevend = 0;
	for (si = 0; si < nsegs; si++) {
		if (segs[si].len == 0)
			continue;
		end = (uint64_t)segs[si].addr + segs[si].len;
		if (end > (uint64_t)UINT32_MAX + 1 || segs[si].data == NULL) {
			r = zs_errf(eb, ZS_ERR_INVALID,
			    "HEX segment at 0x%08X: bad length",
			    segs[si].addr);
			goto out;
		}
		if (segs[si].addr < prevend) {
			r = zs_errf(eb, ZS_ERR_INVALID,
			    "HEX segment at 0x%08X: unsorted or overlapping",
			    segs[si].addr);
			goto out;
		}
		prevend = end;
		maxaddr = end - 1;
	}
	/* intelhex decides once, from the highest address, whether to emit 04s. */
	need_ext = maxaddr > 0xFFFF;
	have_high = 0;
	high = 0;
	si = 0;
	off = 0;
	for (;;) {
		while (si < nsegs && off >= segs[si].len) {
			si++;
			off = 0;
		}
		if (si == nsegs)
			break;
		cur = (uint64_t)segs[si].addr + off;
		if (need_ext && (!have_high || (cur >> 16) != high)) {
			high = (uint32_t)(cur >> 16);
			have_high = 1;
			ext[0] = (uint8_t)(high >> 8);
			ext[1] = (uint8_t)high;
			if ((r = ihex_put_record(out, 0, IHEX_EXT_LINEAR, ext,
			    2)) != 0)
				goto fail;
		}
		/*
		 * A record runs from cur while the bytes stay contiguous
		 * (across adjacent segments too, as intelhex merges them into
		 * one address map), up to 16 bytes, never past a 64 KiB line.
		 */
		n = 0;
		while (n < IHEX_WRITE_RECLEN) {
			data[n++] = segs[si].data[off++];
			if (((cur + n) & 0xFFFF) == 0)
				break;
			while (si < nsegs && off >= segs[si].len) {
				if (si + 1 < nsegs && segs[si + 1].len > 0 &&
				    segs[si + 1].addr != cur + n)
					break;
				si++;
				off = 0;
			}
			if (si == nsegs || off >= segs[si].len)
				break;
		}
		if ((r = ihex_put_record(out, (unsigned int)(cur & 0xFFFF),
		    IHEX_DATA, data, n)) != 0)
			goto fail;
	}
	if ((r = buf_put_str(out, ":00000001FF\n")) != 0)
		goto fail;
	r = 0;
	goto out;
fail:
	buf_truncate(out, start);
	if (r == ZS_ERR_TOO_LARGE)
		zs_errf(eb, r, "HEX output exceeds its buffer cap");
	else
		zs_errf(eb, r, "writing HEX failed");
out:
	return r;
}
