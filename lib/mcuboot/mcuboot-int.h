/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the MCUboot engine's files: the parsed argument
 * list, the hash and key-type tables, the TLV area writer, the trailer
 * arithmetic and the crypto helpers. Not part of the engine's contract.
 */
#ifndef ZS_MCUBOOT_INT_H
#define ZS_MCUBOOT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/zserr.h"
#include "keystore/keystore.h"
#include "lib/mcuboot/mcuboot.h"

#define MCUBOOT_IMAGE_MAGIC	0x96f3b83du	/* header word 0 */
#define MCUBOOT_HDR_LEN		32	/* fixed part of the image header */
#define MCUBOOT_HDR_MIN		32	/* smallest -H imgtool accepts */
#define MCUBOOT_TLV_INFO_LEN	4	/* u16 magic, u16 tlv_tot */
#define MCUBOOT_TLV_HDR_LEN	4	/* u16 type, u16 len */
#define MCUBOOT_TLV_PROT_MAGIC	0x6908	/* protected TLV area */
#define MCUBOOT_TLV_MAGIC	0x6907	/* unprotected TLV area */
#define MCUBOOT_TLV_AREA_MAX	0xffffu	/* tlv_tot is a u16 */
#define MCUBOOT_MAGIC_LEN	16	/* boot magic at the end of a slot */
#define MCUBOOT_MAX_SECTORS	128	/* imgtool's default -M */
#define MCUBOOT_MAX_ALIGN_DEF	8	/* imgtool's DEFAULT_MAX_ALIGN */
#define MCUBOOT_SW_TYPE_MAX	12	/* --boot-record length limit */
#define MCUBOOT_CUSTOM_MIN	0x00a0	/* TLV_VENDOR_RES_MIN */
#define MCUBOOT_CUSTOM_MAX	0xfffe	/* TLV_VENDOR_RES_MAX */
/* Most -d dependencies and --custom-tlv(-file) options in one run. */
#define MCUBOOT_DEPS_MAX	64
#define MCUBOOT_CUSTOM_TLVS_MAX	64
/* Most file arguments one argument list can name. */
#define MCUBOOT_FILEREFS_MAX	16
/* Largest --fix-sig / custom TLV / key file accepted. */
#define MCUBOOT_SMALLFILE_MAX	(64u * 1024)
#define MCUBOOT_DIGEST_MAX	64	/* SHA-512 */
#define MCUBOOT_AES_KEY_MAX	32	/* AES-256 */

/* Header flags. */
#define MCUBOOT_F_PIC			0x00000001u
#define MCUBOOT_F_ENCRYPTED_AES128	0x00000004u
#define MCUBOOT_F_ENCRYPTED_AES256	0x00000008u
#define MCUBOOT_F_NON_BOOTABLE		0x00000010u
#define MCUBOOT_F_RAM_LOAD		0x00000020u
#define MCUBOOT_F_ROM_FIXED		0x00000100u
#define MCUBOOT_F_COMPRESSED_LZMA1	0x00000200u
#define MCUBOOT_F_COMPRESSED_LZMA2	0x00000400u
#define MCUBOOT_F_COMPRESSED_ARM_THUMB	0x00000800u

/* TLV type ids. */
enum {
	TLV_KEYHASH = 0x01, TLV_PUBKEY = 0x02,
	TLV_SHA256 = 0x10, TLV_SHA384 = 0x11, TLV_SHA512 = 0x12,
	TLV_RSA2048 = 0x20, TLV_ECDSASIG = 0x22, TLV_RSA3072 = 0x23,
	TLV_ED25519 = 0x24, TLV_SIG_PURE = 0x25,
	TLV_ENCRSA2048 = 0x30, TLV_ENCKW = 0x31, TLV_ENCEC256 = 0x32,
	TLV_ENCX25519 = 0x33, TLV_ENCX25519_SHA512 = 0x34,
	TLV_DEPENDENCY = 0x40, TLV_SEC_CNT = 0x50, TLV_BOOT_RECORD = 0x60,
	TLV_DECOMP_SIZE = 0x70, TLV_DECOMP_SHA = 0x71,
	TLV_DECOMP_SIGNATURE = 0x72, TLV_COMP_DEC_SIZE = 0x73,
	TLV_UUID_VID = 0x74, TLV_UUID_CID = 0x75,
};

/* Name of a predefined TLV id, NULL for custom/unknown ones. */
const char	*mcuboot_tlv_name(unsigned type);

/* A version as the regex gave it; fields are range-checked when packed. */
struct mcuboot_version {
	unsigned long long	major, minor, revision, build;
};

struct mcuboot_dep {
	unsigned long long	id;
	struct mcuboot_version	ver;
};

struct mcuboot_custom {
	const char	*tagstr;	/* the tag as given (borrowed) */
	int		 is_file;
	const char	*value;		/* value or file name (borrowed) */
};

enum mcuboot_sha { SHA_AUTO, SHA_256, SHA_384, SHA_512 };
enum mcuboot_vector { VEC_NONE, VEC_PAYLOAD, VEC_DIGEST };
enum mcuboot_comp { COMP_NONE, COMP_LZMA2, COMP_LZMA2_ARMTHUMB };

struct mcuboot_args {
	struct mcuboot_version	ver;
	unsigned long long	hdr_size, slot_size;
	unsigned long long	load_addr, rom_fixed, hex_addr;
	int			has_hex_addr;
	int			has_version, has_hdr, has_slot;
	int			pad_header, pad, confirm, test, overwrite_only;
	int			non_bootable, save_enctlv, clear, pad_sig, pure;
	int			align;
	int			max_align;	/* 0: default */
	unsigned long long	max_sectors;
	int			has_max_sectors;
	int			erased_val;
	int			big_endian;
	int			seccnt_mode;	/* 0 none, 1 value, 2 auto */
	unsigned long long	seccnt;
	const char		*boot_record;
	struct mcuboot_dep	deps[MCUBOOT_DEPS_MAX];
	size_t			ndeps;
	int			has_deps;
	const char		*vid, *cid;
	int			sha, hmac_sha;	/* enum mcuboot_sha */
	int			keylen;		/* 128 or 256 */
	int			pubkey_full;
	int			vector;		/* enum mcuboot_vector */
	int			comp;		/* enum mcuboot_comp */
	struct mcuboot_custom	custom[MCUBOOT_CUSTOM_TLVS_MAX];
	size_t			ncustom;
	const char		*infile, *outfile, *key, *enc;
	const char		*fix_sig, *fix_sig_pubkey, *sig_out;
	struct mcuboot_fileref	refs[MCUBOOT_FILEREFS_MAX];
	size_t			nrefs;
};

/* Parse MAJOR[.MINOR[.REVISION[+BUILD]]] exactly as imgtool's regex does. */
int	mcuboot_version_parse(const char *s, struct mcuboot_version *v);
/* Parse a -d list like "(0, 1.0.0+7), (2, 2.3.4+5)". */
int	mcuboot_deps_parse(const char *s, struct mcuboot_dep *deps,
	    size_t max, size_t *np, struct zs_errbuf *eb);
/*
 * Python int(s, 0) for the non-negative values imgtool can pack (spaces,
 * '+', '_' and 0x/0o/0b allowed); a valid literal too large for 64 bits
 * saturates so that packing refuses it. Negative literals are refused here
 * since packing them would crash imgtool.
 */
int	mcuboot_parse_pyint(const char *s, unsigned long long *v);
/*
 * Does imgtool take name for an Intel HEX file (its extension test,
 * os.path.splitext(name)[1] == ".hex", any case)?
 */
int	mcuboot_is_hex_name(const char *name);
/* Is tag one of the predefined TLV ids (a custom tag may not be)? */
int	mcuboot_tlv_predefined(unsigned tag);

/* The hash algorithms imgtool offers. */
struct mcuboot_hash {
	enum mcuboot_sha	 sha;
	const char		*name;		/* "SHA256" as in CBOR */
	uint8_t			 tlv;
	size_t			 len;
	const EVP_MD		*(*md)(void);
};
/* The row for sha (SHA_AUTO: SHA-256). */
const struct mcuboot_hash	*mcuboot_hash_get(enum mcuboot_sha sha);
/* The row whose digest TLV id is tlv, or NULL. */
const struct mcuboot_hash	*mcuboot_hash_by_tlv(unsigned tlv);
/* Digest p with h into out (h->len bytes). */
int	mcuboot_hash_data(const struct mcuboot_hash *h, const uint8_t *p,
	    size_t len, uint8_t *out);

/* One row per signing key type imgtool knows. */
struct mcuboot_keytype {
	enum zs_keytype		 type;
	int			 bits;		/* RSA modulus size, else 0 */
	const char		*sig_type;	/* imgtool's key.sig_type() */
	const char		*cls;		/* imgtool class, private key */
	const char		*pub_cls;	/* imgtool class, public key */
	uint8_t			 sig_tlv;
	enum mcuboot_sha	 allowed[3];	/* first is the default */
	enum mcuboot_sha	 pub_allowed[3];
	enum mcuboot_sha	 pure_sha;	/* SHA_AUTO: --pure refused */
	enum zs_sigalg		 sigalg;
	int			 sign_message;	/* Ed25519: tbs = message */
	size_t			 pad_sig_len;	/* --pad-sig target, 0: none */
	size_t			 sig_len;	/* fixed length, 0: DER */
	/* Which -E recipient types a key of this type may encrypt for. */
	int			 enc_any;
	enum zs_keytype		 enc_type;
};
/* The row for pub (NULL when imgtool cannot sign with its type). */
const struct mcuboot_keytype	*mcuboot_keytype_of(EVP_PKEY *pub);
/* The bytes imgtool embeds for pub: SPKI DER, PKCS#1 for RSA (malloc'd). */
int	mcuboot_pubkey_bytes(EVP_PKEY *pub, uint8_t **outp, size_t *lenp,
	    struct zs_errbuf *eb);
/* imgtool's C/Rust short name of a key ("rsa", "ecdsa", ...). */
const char	*mcuboot_key_shortname(EVP_PKEY *pub);
/*
 * Check a signature TLV value over msg (the digest, or the payload for a
 * message-signing key) with pub. Returns 0 or ZS_ERR_VERIFY.
 */
int	mcuboot_sig_verify(const struct mcuboot_keytype *kt, EVP_PKEY *pub,
	    const uint8_t *msg, size_t msglen, const uint8_t *sig,
	    size_t siglen);

/* A TLV area being written. */
struct mcuboot_tlvs {
	struct buf	*b;		/* entries, without the info header */
	int		 be;
	unsigned	 count;
};
/* Start an empty area; be selects big-endian numbers. */
int	mcuboot_tlvs_init(struct mcuboot_tlvs *t, int be);
/* Release the area's buffer. */
void	mcuboot_tlvs_free(struct mcuboot_tlvs *t);
/* Add an entry; custom types are a full u16, predefined are "<id> 00". */
int	mcuboot_tlvs_add(struct mcuboot_tlvs *t, unsigned type, int custom,
	    const uint8_t *val, size_t len, struct zs_errbuf *eb);
/* Size of the whole area with its info header (0 for an empty area). */
size_t	mcuboot_tlvs_size(const struct mcuboot_tlvs *t, int always);
/* Append the area (info header + entries) to out. */
int	mcuboot_tlvs_emit(const struct mcuboot_tlvs *t, uint16_t magic,
	    struct buf *out, struct zs_errbuf *eb);

/* CBOR boot record (PSA SW component) as cbor2 writes it. */
int	mcuboot_boot_record(const char *sw_type,
	    const struct mcuboot_version *v, const char *hash_name,
	    size_t digest_len, const uint8_t *signer, size_t signer_len,
	    struct buf *out);
/*
 * imgtool 2.4.0's parse_uuid(): 8-4-4-4-12 or 32 hex digits (any case) are
 * the UUID, any other printable text a UUIDv5 name in namespace ns.
 */
int	mcuboot_uuid_parse(const uint8_t *ns, const char *value,
	    uint8_t out[16], struct zs_errbuf *eb);
/* RFC 4122 name-based UUID (version 5, SHA-1). */
int	mcuboot_uuid5(const uint8_t ns[16], const char *name, uint8_t out[16]);
/* The DNS namespace UUID (RFC 4122 appendix C). */
extern const uint8_t mcuboot_uuid_ns_dns[16];

/* Trailer geometry for one set of options. */
struct mcuboot_trailer {
	unsigned	align, max_align, magic_area;
	size_t		size;
	uint8_t		magic[MCUBOOT_MAGIC_LEN];
};
/* The boot magic for max_align (8: the classic one). */
void	mcuboot_boot_magic(unsigned max_align, int be,
	    uint8_t magic[MCUBOOT_MAGIC_LEN]);
/* Compute the trailer as imgtool's _trailer_size() and boot magic do. */
int	mcuboot_trailer_compute(const struct mcuboot_args *a, int encrypted,
	    size_t enctlv_len, struct mcuboot_trailer *t);
/* The bytes after the image in a padded binary: fill + trailer. */
int	mcuboot_trailer_append(const struct mcuboot_args *a,
	    const struct mcuboot_trailer *t, size_t image_len, struct buf *out);

/* Encrypt len bytes in place with AES-CTR, zero initial counter. */
int	mcuboot_aes_ctr(const uint8_t *key, size_t keylen, uint8_t *p,
	    size_t len);
/*
 * Wrap the AES key for recipient rcpt; *tlvp gets the TLV id (0 when
 * imgtool writes no key TLV for that recipient type).
 */
int	mcuboot_enc_wrap(EVP_PKEY *rcpt, enum mcuboot_sha hmac_sha,
	    const uint8_t *aeskey, size_t keylen, unsigned *tlvp,
	    uint8_t **outp, size_t *lenp, struct zs_errbuf *eb);
/* Unwrap an encryption TLV with the recipient's private key. */
int	mcuboot_enc_unwrap(EVP_PKEY *priv, unsigned tlv, const uint8_t *val,
	    size_t len, size_t keylen, uint8_t *aeskey, struct zs_errbuf *eb);

/* Raw LZMA2 (optionally ARM-Thumb BCJ first) as Python's lzma does it. */
int	mcuboot_lzma_compress(enum mcuboot_comp comp, const uint8_t *in,
	    size_t len, struct buf *out, struct zs_errbuf *eb);
/* The 2-byte header before the stream: dict size code, lc/lp/pb. */
void	mcuboot_lzma_header(uint8_t hdr[2]);

/* Parsed TLV location inside an image. */
struct mcuboot_tlvref {
	unsigned	 type;
	int		 prot;
	size_t		 off;		/* of the value */
	size_t		 len;
};
#define MCUBOOT_TLVS_MAX	256	/* most TLVs a parsed image may list */
struct mcuboot_parsed {
	uint32_t		hdr_size, img_size, flags, load_addr;
	uint16_t		prot_size;
	uint8_t			vmaj, vmin;
	uint16_t		vrev;
	uint32_t		vbuild;
	size_t			prot_off, tlv_off, tlv_size, end;
	struct mcuboot_tlvref	tlvs[MCUBOOT_TLVS_MAX];
	size_t			ntlvs;
};
/* Parse header and TLV areas of a little-endian image; any bytes are safe. */
int	mcuboot_parse(const uint8_t *img, size_t len, struct mcuboot_parsed *p,
	    struct zs_errbuf *eb);

#endif /* ZS_MCUBOOT_INT_H */
