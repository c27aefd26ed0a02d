/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rimage engine: SOF audio-DSP images built and signed natively, byte
 * for byte as SOF's rimage (v2.14) builds them. Knows the formats (CSE/CSS
 * manifests, extended manifest, i.MX) and never touches key material.
 */
#ifndef ZS_RIMAGE_H
#define ZS_RIMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/fileset.h"
#include "common/zserr.h"
#include "keystore/keystore.h"

/* Most arguments accepted in one rimage argument list. */
#define RIMAGE_ARGS_MAX		128

struct rimage_args;

enum rimage_file_role {
	RIMAGE_IN_MODULE,	/* positional ELF modules, in order */
	RIMAGE_IN_CONFIG,	/* -c TOML */
	RIMAGE_IN_KEY,		/* -k: resolved to a zs_key by the caller */
	RIMAGE_IN_RESIGN,	/* -q existing image */
	RIMAGE_OUT_IMAGE,	/* -o; side files are named after it */
};

struct rimage_fileref {
	enum rimage_file_role	 role;
	const char		*name;	/* borrowed from argv */
	int			 argi;
};

/* Parse rimage's own argument list (argv[0] is the first option). */
int	rimage_args_parse(int argc, char *const argv[],
	    struct rimage_args **argsp, struct zs_errbuf *eb);
void	rimage_args_free(struct rimage_args *args);
/* The file arguments in argv order (borrowed). */
size_t	rimage_args_files(const struct rimage_args *args,
	    const struct rimage_fileref **refsp);

/*
 * Build (and for manifest families sign) the image. date is the CSS date
 * "YYYY-MM-DD" (UTC). Outputs go to out under the -o name and the side
 * names (.met, .uns, .xman, .rom) as rimage writes them; west sign's xman
 * prefix is the caller's business. key may be NULL only for unsigned
 * families. Nothing is added to out on failure.
 */
int	rimage_sign(const struct rimage_args *args, const struct fileset *in,
	    struct zs_key *key, const char *date, struct fileset *out,
	    struct zs_errbuf *eb);

/*
 * Does the config (TOML text) describe a signed format (versions 1.8,
 * 2.5, 3.0) rather than the unsigned i.MX one (1.0)? Lets a caller skip
 * resolving -k, which rimage requires but the i.MX format never reads.
 */
int	rimage_config_needs_key(const uint8_t *toml, size_t len, int *needp,
	    struct zs_errbuf *eb);
/*
 * rimage_config_needs_key() for the config args names in the fileset in;
 * re-signing (-q) always needs a key.
 */
int	rimage_args_needs_key(const struct rimage_args *args,
	    const struct fileset *in, int *needp, struct zs_errbuf *eb);
/*
 * West sign's step after "rimage -e": replace out[name] with
 * out[name.xman] followed by out[name]; the .xman file is kept.
 */
int	rimage_prefix_xman(struct fileset *out, const char *name,
	    struct zs_errbuf *eb);

#endif /* ZS_RIMAGE_H */
