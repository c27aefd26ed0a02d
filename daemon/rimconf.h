/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rimage configs the server holds: a directory of NAME.toml files that a
 * rimage request names as "-c zsign:NAME", and whether requests may upload
 * their own config instead. Files are read when a request names them.
 */
#ifndef ZS_RIMCONF_H
#define ZS_RIMCONF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/fileset.h"
#include "common/zserr.h"
#include "lib/engine.h"
#include "lib/rimage/rimage.h"

/* The -c prefix that names a config of the server. */
#define RIMCONF_PREFIX		"zsign:"
/* Longest config name (SOF's are platform names such as "tgl-cavs"). */
#define RIMCONF_NAME_MAX	64
/* Longest config directory path. */
#define RIMCONF_DIR_MAX		1024
/* Largest config file read; SOF's TOML configs are a few KiB. */
#define RIMCONF_FILE_MAX	(1024u * 1024)

struct rimconf {
	char	*dir;		/* NULL: the server holds no configs */
	int	 client_configs;	/* may a request upload its config? */
};

/* Defaults: no directory, uploaded configs allowed. */
void	rimconf_init(struct rimconf *rc);
/* Free what rc holds and reset it to the defaults. */
void	rimconf_free(struct rimconf *rc);
/* Set the config directory (an absolute path). */
int	rimconf_set_dir(struct rimconf *rc, const char *dir,
	    struct zs_errbuf *eb);
/* Read the configuration file's "rimage" object (path names the file). */
int	rimconf_load(struct rimconf *rc, json_t *obj, const char *path,
	    struct zs_errbuf *eb);
/* Is name a config name: [A-Za-z0-9._-], no leading dot, capped? */
int	rimconf_name_valid(const char *name);
/* Read <dir>/NAME.toml; *textp is malloc'd. */
int	rimconf_read(const struct rimconf *rc, const char *name,
	    uint8_t **textp, size_t *lenp, struct zs_errbuf *eb);
/*
 * Apply rc to the file arguments refs[0..n) of a request for tool: each
 * config argument (ENGINE_FILE_CONFIG) zsign:NAME is read and added to
 * files under its argument ("zsign:NAME"), and an uploaded config is
 * refused (ZS_ERR_DENIED) when rc forbids them. rc NULL: the defaults.
 */
int	rimconf_resolve_files(const struct rimconf *rc, const char *tool,
	    const struct engine_file *refs, size_t n, struct fileset *files,
	    struct zs_errbuf *eb);
/* rimconf_resolve_files() for parsed rimage arguments. */
int	rimconf_resolve(const struct rimconf *rc,
	    const struct rimage_args *args, struct fileset *files,
	    struct zs_errbuf *eb);

#endif /* ZS_RIMCONF_H */
