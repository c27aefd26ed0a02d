/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MCUboot image engine: everything `imgtool sign` (2.4.0) does, byte
 * for byte, plus verify, dumpinfo and getpub. It knows the format and never
 * touches key material: signatures come from zs_key_sign().
 *
 * Options are imgtool's own argument list; file arguments are names that
 * are looked up in (inputs) or added to (outputs) a fileset, so the same
 * parser serves zsign-client (which reads and writes real files) and
 * zsignd (which gets the files inside a request).
 */
#ifndef ZS_MCUBOOT_H
#define ZS_MCUBOOT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/fileset.h"
#include "common/zserr.h"
#include "keystore/keystore.h"

/* Most arguments accepted in one imgtool argument list. */
#define MCUBOOT_ARGS_MAX	512
/* Largest input image (before header/trailer). */
#define MCUBOOT_IMAGE_MAX	(64u * 1024 * 1024)

struct mcuboot_args;

/* What a file argument is for. */
enum mcuboot_file_role {
	MCUBOOT_IN_IMAGE,		/* the positional input (.bin or .hex) */
	MCUBOOT_IN_KEY,			/* -k/--key: resolved to a zs_key by the caller */
	MCUBOOT_IN_ENCKEY,		/* -E/--encrypt recipient (public or private PEM) */
	MCUBOOT_IN_CUSTOM_TLV,		/* --custom-tlv-file TAG FILE */
	MCUBOOT_IN_FIX_SIG,		/* --fix-sig (base64 text) */
	MCUBOOT_IN_FIX_SIG_PUBKEY,	/* --fix-sig-pubkey (PEM) */
	MCUBOOT_OUT_IMAGE,		/* the positional output (.bin or .hex) */
	MCUBOOT_OUT_SIG,		/* --sig-out */
};

struct mcuboot_fileref {
	enum mcuboot_file_role	 role;
	const char		*name;	/* as given in argv (borrowed) */
	int			 argi;	/* index of the name in argv */
};

/*
 * Parse the arguments of `imgtool sign` (argv[0] is the first option, not
 * "sign"), with imgtool's checks of option syntax and ranges. Usage errors
 * return ZS_ERR_USAGE with imgtool's message.
 */
int	mcuboot_args_parse(int argc, char *const argv[],
	    struct mcuboot_args **argsp, struct zs_errbuf *eb);
void	mcuboot_args_free(struct mcuboot_args *args);
/*
 * click's usage error for an unknown option opt: "No such option: OPT",
 * with the long options among longs[0..n) that difflib finds close to it.
 */
int	mcuboot_no_such_option(const char *opt, const char *const *longs,
	    size_t n, struct zs_errbuf *eb);
/* Does a sign argument list ask for -h/--help (where click would see it)? */
int	mcuboot_args_help(int argc, char *const argv[]);
/* The file arguments, in argv order (borrowed from args). */
size_t	mcuboot_args_files(const struct mcuboot_args *args,
	    const struct mcuboot_fileref **refsp);
/*
 * Where the signed image repeats the input's bytes as they are: from input
 * offset *offp on, at image offset *posp (to the input's end); -1 when it
 * does not (encrypted, compressed, HEX, --vector-to-sign). A guess for the
 * client to start the output early; the server's reply says for sure.
 */
int	mcuboot_args_input_place(const struct mcuboot_args *args,
	    unsigned long long *posp, unsigned long long *offp);

/*
 * Lines `imgtool sign` prints on standard output: main.py runs
 * Image.create() twice with --compression, each printing at most two
 * ("sign the payload" for a private --fix-sig-pubkey, then "sign the ..."
 * or "export ..."), with main.py's two size lines between them.
 */
#define MCUBOOT_STDOUT_LINES	6
/* Longest such line with its NUL ("original image size: N bytes"). */
#define MCUBOOT_STDOUT_LEN	64

/* What a successful sign reports besides the output files. */
struct mcuboot_result {
	char	digest_hex[129];	/* image hash TLV value, hex */
	char	version[64];		/* "maj.min.rev+build" */
	int	signed_image;		/* 1 if a signature TLV was made */
	size_t	image_size;		/* header + body + TLVs */
	size_t	output_size;		/* bytes of the output image file */
	size_t	flash_size;		/* bytes it fills in the slot, trailer
					   of --pad/--confirm included */
	char	cid[33];		/* CID TLV (--cid) in hex, "" if none */
	int	has_seccnt;		/* a security counter TLV was written */
	uint32_t seccnt;		/* its value (--security-counter) */
	/* imgtool's stdout, in order, without newlines */
	char	stdout_lines[MCUBOOT_STDOUT_LINES][MCUBOOT_STDOUT_LEN];
	size_t	nstdout;		/* lines used */
};

/*
 * Run `imgtool sign`: inputs are taken from in by the names in args,
 * outputs are added to out under theirs. key (may be NULL) signs; a -k in
 * args is ignored here since the caller resolved it to key. Nothing is
 * added to out on failure; res (may be NULL) is then zeroed but for its
 * stdout lines: what imgtool prints before it fails (a slot too small for
 * the signed image).
 */
int	mcuboot_sign(const struct mcuboot_args *args, const struct fileset *in,
	    struct zs_key *key, struct fileset *out,
	    struct mcuboot_result *res, struct zs_errbuf *eb);

/* imgtool verify's verdict (its VerifyResult). */
enum mcuboot_verdict {
	MCUBOOT_VERIFY_OK,
	MCUBOOT_VERIFY_INVALID_MAGIC,
	MCUBOOT_VERIFY_INVALID_TLV_INFO_MAGIC,
	MCUBOOT_VERIFY_INVALID_HASH,
	MCUBOOT_VERIFY_INVALID_SIGNATURE,
	MCUBOOT_VERIFY_KEY_MISMATCH,
};

/* Parsed view of an image, as verify reports it. */
struct mcuboot_info {
	enum mcuboot_verdict	verdict;
	uint32_t	hdr_size;
	uint32_t	img_size;
	uint32_t	protect_tlv_size;
	uint32_t	flags;
	uint32_t	load_addr;
	uint8_t		ver_major, ver_minor;
	uint16_t	ver_rev;
	uint32_t	ver_build;
	char		digest_hex[129];	/* "" when imgtool prints none */
	char		sig_hex[129];		/* pure signature, else "" */
	int		hash_ok;		/* a hash TLV matched */
	int		sig_ok;			/* signature verified with key */
	int		has_sig;		/* a signature TLV for key */
};

/*
 * Check an image (flat .bin bytes) the way `imgtool verify` does, with
 * key (NULL: the hash only); key_private says whether imgtool would have
 * loaded a private key, which changes the hashes it accepts. Returns 0
 * with info->verdict set, or an error when imgtool itself would have
 * failed (a truncated image, a key type it cannot verify with).
 */
int	mcuboot_verify(const uint8_t *img, size_t len, EVP_PKEY *key,
	    int key_private, struct mcuboot_info *info, struct zs_errbuf *eb);
/* imgtool's line for a verdict ("Image has an invalid hash", ...). */
const char	*mcuboot_verdict_str(enum mcuboot_verdict v);

/* dumpinfo's output formats (-f). */
enum mcuboot_dump_format {
	MCUBOOT_DUMP_HUMAN,
	MCUBOOT_DUMP_YAML,
	MCUBOOT_DUMP_JSON,
};

/*
 * Append `imgtool dumpinfo` of an image to out in format fmt, for a file
 * whose base name is name. *warnp is set when imgtool would print its
 * "trailer magic value is invalid" warning (on stdout, before the dump).
 */
int	mcuboot_dumpinfo(const uint8_t *img, size_t len, const char *name,
	    enum mcuboot_dump_format fmt, struct buf *out, int *warnp,
	    struct zs_errbuf *eb);

/* getpub/getpubhash encodings. */
enum mcuboot_key_encoding {
	MCUBOOT_ENC_LANG_C,
	MCUBOOT_ENC_LANG_RUST,
	MCUBOOT_ENC_PEM,
	MCUBOOT_ENC_RAW,
};

/*
 * Append `imgtool getpub` output for pub to out; suffix ends the C/Rust
 * symbol names (imgtool's --name-suffix, "" for none).
 */
int	mcuboot_getpub(EVP_PKEY *pub, enum mcuboot_key_encoding enc,
	    const char *suffix, struct buf *out, struct zs_errbuf *eb);
/* Append `imgtool getpubhash` (lang-c or raw) output for pub to out. */
int	mcuboot_getpubhash(EVP_PKEY *pub, enum mcuboot_key_encoding enc,
	    const char *suffix, struct buf *out, struct zs_errbuf *eb);
/*
 * Append `imgtool getpriv` output (a C array of the private key DER) to
 * out, a zeroizing buffer; format is "openssl", "pkcs8" or NULL for the
 * key type's default. Usage errors carry imgtool's message.
 */
int	mcuboot_getpriv(EVP_PKEY *key, const char *format, int minimal,
	    struct buf *out, struct zs_errbuf *eb);

#endif /* ZS_MCUBOOT_H */
