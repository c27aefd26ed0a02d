/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine table: one entry per signing tool ("imgtool", "rimage"), each
 * an adapter over its lib/ directory. The request validator (proto/), the
 * policy's tool lists, the handler (daemon/handle.c) and the client know
 * tools through this table, so a new tool is its lib/ directory plus one
 * entry in engines[] (lib/engine.c): zsignd signs with it and
 * `zsign-client TOOL ARGS...` sends it (client/cli-engine.c) without
 * other changes. Engines know formats and never key material: they sign
 * through the struct zs_key the caller resolved (keystore/keystore.h).
 */
#ifndef ZS_ENGINE_H
#define ZS_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/fileset.h"
#include "common/zserr.h"
#include "keystore/keystore.h"

/* Most engines in the table (a policy allow list keeps a bit for each). */
#define ENGINE_MAX		16
/* Most file arguments of one argument list: imgtool's MCUBOOT_ARGS_MAX. */
#define ENGINE_FILES_MAX	512

/* Room for engine_names() of a full table. */
#define ENGINE_NAMES_MAX	(ENGINE_MAX * 24)

/*
 * The request may carry "west" (west sign's build values): the server then
 * runs west sign's ImgtoolSigner, whose argument list (imgtool's --version,
 * --align, --header-size, --slot-size, IN OUT) the engine must take.
 */
#define ENGINE_F_WEST		0x01
/* The request may carry "date" (a build date stamped into the image). */
#define ENGINE_F_DATE		0x02
/* A result carries the image facts that anti-rollback rules judge. */
#define ENGINE_F_IMAGE_FACTS	0x04

/* What a file argument is for, in the terms a caller needs. */
enum engine_file_kind {
	ENGINE_FILE_IN,		/* an input: uploaded, travels in files */
	ENGINE_FILE_CONFIG,	/* an input the server may hold instead */
	ENGINE_FILE_KEY,	/* the signing key: resolved by the caller */
	ENGINE_FILE_OUT,	/* an output the engine writes */
};

/* One file argument, in argv order. */
struct engine_file {
	enum engine_file_kind	 kind;
	const char		*name;	/* borrowed from argv */
	int			 argi;	/* index of the name in argv */
};

/* Most lines a tool prints on stdout that a reply carries. */
#define ENGINE_STDOUT_LINES	8
/* Longest such line with its NUL. */
#define ENGINE_STDOUT_LEN	128

/* What a sign reports besides the output files (zeroed: nothing). */
struct engine_result {
	char		digest_hex[129];	/* image hash, hex, or "" */
	int		has_image;		/* the fields below are set */
	char		version[64];		/* "maj.min.rev+build" */
	int		signed_image;		/* a signature was made */
	size_t		image_size;		/* header + body + TLVs */
	size_t		flash_size;		/* bytes it fills in a slot */
	char		cid[33];		/* image class, hex, or "" */
	int		has_counter;		/* a security counter ... */
	uint32_t	counter;		/* ... of this value */
	/* the tool's stdout, in order, without newlines */
	char		stdout_lines[ENGINE_STDOUT_LINES][ENGINE_STDOUT_LEN];
	size_t		nstdout;		/* lines used */
};

struct engine_ops {
	const char	*name;		/* the request's "tool" */
	unsigned	 flags;		/* ENGINE_F_* */
	/* Parse the tool's own argument list (argv[0]: first option). */
	int		(*parse)(int argc, char *const argv[], void **argsp,
			    struct zs_errbuf *eb);
	/*
	 * The file arguments in argv order, at most max of them into
	 * files; returns how many there are (borrowed from args).
	 */
	size_t		(*files)(const void *args, struct engine_file *files,
			    size_t max);
	/*
	 * Does signing need a key (else -k is a placeholder the tool
	 * ignores)? It reads only the config inputs (ENGINE_FILE_CONFIG) of
	 * in, which is all the client has at hand; NULL: always.
	 */
	int		(*needs_key)(const void *args, const struct fileset *in,
			    int *needp, struct zs_errbuf *eb);
	/*
	 * Sign: inputs from in, outputs added to out (nothing on failure);
	 * key may be NULL for an unsigned image; date is "YYYY-MM-DD" (UTC)
	 * for ENGINE_F_DATE engines, else NULL. On failure res is left
	 * alone or holds only the stdout lines the tool printed before it
	 * failed.
	 */
	int		(*sign)(const void *args, const struct fileset *in,
			    struct zs_key *key, const char *date,
			    struct fileset *out, struct engine_result *res,
			    struct zs_errbuf *eb);
	void		(*free)(void *args);
	/*
	 * Side files the tool writes beside an output, named after it
	 * (OUTPUT + suffix); NULL-terminated, or NULL for none.
	 */
	const char *const *out_suffixes;
};

/* The engine named name, or NULL. */
const struct engine_ops	*engine_find(const char *name);
/* The engine at index i of the table (0, 1, ...), or NULL past the end. */
const struct engine_ops	*engine_at(size_t i);
/* The index of e in the table, or -1. */
int			 engine_index(const struct engine_ops *e);
/*
 * The table's names as "\"a\", \"b\" or \"c\"", for error messages;
 * flags 0 lists all, else only engines with all of these flags.
 */
const char		*engine_names(unsigned flags, char *buf, size_t len);
/* Does e need a key for args (engine_ops.needs_key, NULL: yes)? */
int			 engine_needs_key(const struct engine_ops *e,
			    const void *args, const struct fileset *in,
			    int *needp, struct zs_errbuf *eb);

/* The entries (lib/<tool>/engine.c). */
extern const struct engine_ops	engine_mcuboot;
extern const struct engine_ops	engine_rimage;

#endif /* ZS_ENGINE_H */
