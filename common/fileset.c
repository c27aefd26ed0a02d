/* SPDX-License-Identifier: Apache-2.0 */
/* Named byte strings, kept in insertion order. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "common/fileset.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"

struct fileent {
	char	*name;
	uint8_t	*data;
	size_t	 len;
	int	 borrowed;	/* data is not ours to free */
	unsigned int flags;	/* FILESET_F_* */
	int	 has_sha256;
	uint8_t	 sha256[ZS_FILESET_SHA256_LEN];
	char	*origin;	/* input a run is copied from, or NULL */
	size_t	 inoff, outoff, runlen;
	const uint8_t *hole;	/* bytes [holeoff, +holelen) still to copy */
	size_t	 holeoff, holelen;
};

struct fileset {
	struct fileent	ents[ZS_FILESET_MAX_FILES];
	size_t		n;
	int		holes;		/* fileset_allow_holes() */
};

static struct fileent	*fileset_find(const struct fileset *, const char *);

/*
 * Copy e's hole in. The fileset is the caller's, never a const object:
 * readers see whole files, as if the hole had never been.
 */
static const struct fileent *
fileset_fill(const struct fileent *ce)
{
	struct fileent *e = (struct fileent *)(uintptr_t)ce;

	if (e->hole != NULL) {
		memcpy(e->data + e->holeoff, e->hole, e->holelen);
		e->hole = NULL;
		e->holelen = 0;
	}
	return ce;
}

struct fileset *
fileset_new(void)
{
	return xcalloc(1, sizeof(struct fileset));
}

void
fileset_free(struct fileset *fs)
{
	size_t i;

	if (fs == NULL)
		return;
	for (i = 0; i < fs->n; i++) {
		free(fs->ents[i].name);
		free(fs->ents[i].origin);
		if (!fs->ents[i].borrowed)
			free(fs->ents[i].data);
	}
	free(fs);
}

/* Add or replace name; data is freed with fs unless borrowed. */
static int
fileset_put(struct fileset *fs, const char *name, uint8_t *data, size_t len,
    int borrowed)
{
	struct fileent *e;
	size_t i;

	if (name[0] == '\0' || strlen(name) > ZS_FILESET_NAME_MAX) {
		if (!borrowed)
			free(data);
		return ZS_ERR_INVALID;
	}
	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->ents[i].name, name) == 0)
			break;
	if (i == ZS_FILESET_MAX_FILES) {
		if (!borrowed)
			free(data);
		return ZS_ERR_TOO_LARGE;
	}
	e = &fs->ents[i];
	if (i < fs->n) {
		if (!e->borrowed)
			free(e->data);
	} else {
		e->name = xstrdup(name);
		fs->n++;
	}
	e->data = data;
	e->len = len;
	e->borrowed = borrowed;
	e->flags = 0;
	/* What was known of the old bytes says nothing of the new. */
	e->hole = NULL;
	e->holeoff = e->holelen = 0;
	e->has_sha256 = 0;
	free(e->origin);
	e->origin = NULL;
	return 0;
}

int
fileset_add_owned(struct fileset *fs, const char *name, uint8_t *data,
    size_t len)
{
	return fileset_put(fs, name, data, len, 0);
}

int
fileset_add_owned_hole(struct fileset *fs, const char *name, uint8_t *data,
    size_t len, size_t off, const uint8_t *src, size_t srclen)
{
	struct fileent *e;
	int r;

	if (!fs->holes || off > len || srclen > len - off) {
		free(data);
		return ZS_ERR_INVALID;
	}
	if ((r = fileset_put(fs, name, data, len, 0)) != 0)
		return r;
	e = fileset_find(fs, name);
	if (srclen > 0) {
		e->hole = src;
		e->holeoff = off;
		e->holelen = srclen;
	}
	return 0;
}

void
fileset_allow_holes(struct fileset *fs)
{
	fs->holes = 1;
}

int
fileset_holes_allowed(const struct fileset *fs)
{
	return fs->holes;
}

int
fileset_at_unfilled(const struct fileset *fs, size_t i, const char **namep,
    const uint8_t **datap, size_t *lenp, size_t *holeoffp, size_t *holelenp)
{
	if (i >= fs->n)
		return ZS_ERR_NOT_FOUND;
	*namep = fs->ents[i].name;
	*datap = fs->ents[i].data;
	*lenp = fs->ents[i].len;
	*holeoffp = fs->ents[i].holeoff;
	*holelenp = fs->ents[i].holelen;
	return 0;
}

int
fileset_add_ref(struct fileset *fs, const char *name, const uint8_t *data,
    size_t len)
{
	/* Never written through: fileset_get() hands out const pointers. */
	return fileset_put(fs, name, (uint8_t *)(uintptr_t)data, len, 1);
}

int
fileset_add(struct fileset *fs, const char *name, const uint8_t *data,
    size_t len)
{
	uint8_t *copy = xmalloc(len + 1);

	if (len > 0)
		memcpy(copy, data, len);
	copy[len] = '\0';
	return fileset_add_owned(fs, name, copy, len);
}

int
fileset_get(const struct fileset *fs, const char *name,
    const uint8_t **datap, size_t *lenp)
{
	const struct fileent *e;

	if ((e = fileset_find(fs, name)) == NULL)
		return ZS_ERR_NOT_FOUND;
	*datap = fileset_fill(e)->data;
	*lenp = e->len;
	return 0;
}

/* The entry named name, or NULL. */
static struct fileent *
fileset_find(const struct fileset *fs, const char *name)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->ents[i].name, name) == 0)
			return (struct fileent *)(uintptr_t)&fs->ents[i];
	return NULL;
}

int
fileset_set_flags(struct fileset *fs, const char *name, unsigned int flags)
{
	struct fileent *e;

	if ((e = fileset_find(fs, name)) == NULL)
		return ZS_ERR_NOT_FOUND;
	e->flags = flags;
	return 0;
}

unsigned int
fileset_flags(const struct fileset *fs, const char *name)
{
	const struct fileent *e = fileset_find(fs, name);

	return e != NULL ? e->flags : 0;
}

int
fileset_set_sha256(struct fileset *fs, const char *name,
    const uint8_t md[ZS_FILESET_SHA256_LEN])
{
	struct fileent *e;

	if ((e = fileset_find(fs, name)) == NULL)
		return ZS_ERR_NOT_FOUND;
	memcpy(e->sha256, md, sizeof(e->sha256));
	e->has_sha256 = 1;
	return 0;
}

int
fileset_sha256(const struct fileset *fs, size_t i,
    uint8_t md[ZS_FILESET_SHA256_LEN])
{
	if (i >= fs->n || !fs->ents[i].has_sha256)
		return ZS_ERR_NOT_FOUND;
	memcpy(md, fs->ents[i].sha256, sizeof(fs->ents[i].sha256));
	return 0;
}

int
fileset_sha256_note(struct fileset *fs, size_t i)
{
	struct fileent *e;

	if (i >= fs->n)
		return ZS_ERR_NOT_FOUND;
	e = &fs->ents[i];
	if (!e->has_sha256) {
		SHA256(fileset_fill(e)->data, e->len, e->sha256);
		e->has_sha256 = 1;
	}
	return 0;
}

int
fileset_sha256_hex(const struct fileset *fs, size_t i,
    char out[2 * ZS_FILESET_SHA256_LEN + 1])
{
	uint8_t md[ZS_FILESET_SHA256_LEN];

	if (i >= fs->n)
		return ZS_ERR_NOT_FOUND;
	if (fileset_sha256(fs, i, md) == 0)
		zs_hex_encode(md, sizeof(md), out);
	else
		zs_sha256_hex(fileset_fill(&fs->ents[i])->data,
		    fs->ents[i].len, out);
	return 0;
}

int
fileset_set_origin(struct fileset *fs, const char *name, const char *input,
    size_t inoff, size_t outoff, size_t len)
{
	struct fileent *e;

	if ((e = fileset_find(fs, name)) == NULL)
		return ZS_ERR_NOT_FOUND;
	if (outoff > e->len || len > e->len - outoff)
		return ZS_ERR_INVALID;
	free(e->origin);
	e->origin = xstrdup(input);
	e->inoff = inoff;
	e->outoff = outoff;
	e->runlen = len;
	return 0;
}

int
fileset_origin(const struct fileset *fs, size_t i, const char **inputp,
    size_t *inoffp, size_t *outoffp, size_t *lenp)
{
	const struct fileent *e;

	if (i >= fs->n || fs->ents[i].origin == NULL)
		return ZS_ERR_NOT_FOUND;
	e = &fs->ents[i];
	*inputp = e->origin;
	*inoffp = e->inoff;
	*outoffp = e->outoff;
	*lenp = e->runlen;
	return 0;
}

size_t
fileset_count(const struct fileset *fs)
{
	return fs->n;
}

int
fileset_at(const struct fileset *fs, size_t i, const char **namep,
    const uint8_t **datap, size_t *lenp)
{
	if (i >= fs->n)
		return ZS_ERR_NOT_FOUND;
	*namep = fs->ents[i].name;
	*datap = fileset_fill(&fs->ents[i])->data;
	*lenp = fs->ents[i].len;
	return 0;
}

size_t
fileset_bytes(const struct fileset *fs)
{
	size_t i, t = 0;

	for (i = 0; i < fs->n; i++)
		t += fs->ents[i].len;
	return t;
}
