/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A set of named byte strings: the artifacts a request carries in and the
 * files a signer produces. Engines read inputs and write outputs only
 * through a fileset, so they never touch the filesystem. Their contents
 * (images, configurations) are not secret and are not zeroized: secrets
 * never go into a fileset.
 */
#ifndef ZS_FILESET_H
#define ZS_FILESET_H

#include <stddef.h>
#include <stdint.h>

/* Most files one fileset may hold. */
#define ZS_FILESET_MAX_FILES	64
/* Longest file name in a fileset. */
#define ZS_FILESET_NAME_MAX	255
/* Bytes of a SHA-256 digest. */
#define ZS_FILESET_SHA256_LEN	32

/*
 * A file's flags. FILESET_F_FROM_PRIVATE: a public key the client derived
 * from a private key file (request member from_private); a claim of the
 * client's, so it may change printed lines only, never what is signed.
 */
#define FILESET_F_FROM_PRIVATE	0x1u

struct fileset;

/* Make an empty fileset. */
struct fileset	*fileset_new(void);
/* Free fs and its files; NULL is a no-op. */
void		 fileset_free(struct fileset *fs);
/* Add (or replace) name with a copy of len bytes. */
int		 fileset_add(struct fileset *fs, const char *name,
		    const uint8_t *data, size_t len);
/* Add (or replace) name, taking ownership of the malloc'd data. */
int		 fileset_add_owned(struct fileset *fs, const char *name,
		    uint8_t *data, size_t len);
/*
 * Add (or replace) name with len bytes borrowed from the caller, who keeps
 * them alive and unchanged until fs is freed (a request body's slices).
 */
int		 fileset_add_ref(struct fileset *fs, const char *name,
		    const uint8_t *data, size_t len);
/*
 * Add (or replace) name, taking ownership of the malloc'd data, whose
 * bytes [off, off + srclen) are not written yet: they are to be src's
 * (borrowed). Only in a fileset that allows holes (fileset_allow_holes).
 * Readers of whole files (fileset_get, fileset_at, digests) copy them in
 * first, so they always see the whole file; a file replaced or freed with
 * its hole unread never costs the copy.
 */
int		 fileset_add_owned_hole(struct fileset *fs, const char *name,
		    uint8_t *data, size_t len, size_t off, const uint8_t *src,
		    size_t srclen);
/*
 * Let writers leave holes in fs's files: the caller keeps the bytes they
 * are to be filled from (a request's inputs) alive and unchanged as long
 * as fs.
 */
void		 fileset_allow_holes(struct fileset *fs);
/* May files with holes be added to fs? */
int		 fileset_holes_allowed(const struct fileset *fs);
/*
 * The i-th file as it is, hole left unfilled: only the bytes outside
 * [*holeoffp, *holeoffp + *holelenp) are written (a length of 0: no
 * hole). For readers that need those bytes or the length alone; filling
 * the hole later (fileset_at) keeps *datap valid.
 */
int		 fileset_at_unfilled(const struct fileset *fs, size_t i,
		    const char **namep, const uint8_t **datap, size_t *lenp,
		    size_t *holeoffp, size_t *holelenp);
/* Look up name; data is borrowed from fs. */
int		 fileset_get(const struct fileset *fs, const char *name,
		    const uint8_t **datap, size_t *lenp);
/* Set name's flags (0 when added); ZS_ERR_NOT_FOUND if it is absent. */
int		 fileset_set_flags(struct fileset *fs, const char *name,
		    unsigned int flags);
/* The flags of name, 0 if it is absent. */
unsigned int	 fileset_flags(const struct fileset *fs, const char *name);
/*
 * What the engine that made a file knows of its bytes, so that its
 * readers need not find it out again. Both facts are optional, and
 * dropped when the file is replaced; an engine notes one only when it
 * holds by construction (its unit tests check each against the bytes).
 *
 * The file's SHA-256 (the audit record's digest of an output), when the
 * engine hashed those bytes anyway (MCUboot's image hash covers the start
 * of its output, and the tail is hashed on).
 */
int		 fileset_set_sha256(struct fileset *fs, const char *name,
		    const uint8_t md[ZS_FILESET_SHA256_LEN]);
/* The i-th file's SHA-256 into md: 0 if known, else ZS_ERR_NOT_FOUND. */
int		 fileset_sha256(const struct fileset *fs, size_t i,
		    uint8_t md[ZS_FILESET_SHA256_LEN]);
/*
 * Hash the i-th file and note its SHA-256, unless it is noted already:
 * later readers (the log line, then the audit record) hash it once.
 * ZS_ERR_NOT_FOUND past the end.
 */
int		 fileset_sha256_note(struct fileset *fs, size_t i);
/*
 * The i-th file's SHA-256 in hex: the noted one, else hashed now;
 * ZS_ERR_NOT_FOUND past the end.
 */
int		 fileset_sha256_hex(const struct fileset *fs, size_t i,
		    char out[2 * ZS_FILESET_SHA256_LEN + 1]);
/*
 * name's bytes [outoff, outoff + len) are a copy of input file input's
 * [inoff, inoff + len), and that run ends where the input ends: a binary
 * reply names it instead of searching for it (common/delta.h).
 */
int		 fileset_set_origin(struct fileset *fs, const char *name,
		    const char *input, size_t inoff, size_t outoff,
		    size_t len);
/*
 * The i-th file's noted origin (input borrowed from fs): 0 if known,
 * else ZS_ERR_NOT_FOUND.
 */
int		 fileset_origin(const struct fileset *fs, size_t i,
		    const char **inputp, size_t *inoffp, size_t *outoffp,
		    size_t *lenp);
/* Number of files. */
size_t		 fileset_count(const struct fileset *fs);
/* The i-th file, in insertion order (borrowed). */
int		 fileset_at(const struct fileset *fs, size_t i,
		    const char **namep, const uint8_t **datap, size_t *lenp);
/* Total bytes held. */
size_t		 fileset_bytes(const struct fileset *fs);

#endif /* ZS_FILESET_H */
