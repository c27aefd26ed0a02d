/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small strict TOML parser for the subset rimage configurations use:
 * tables, arrays of tables, dotted keys, basic and literal strings,
 * integers, booleans and (nested) arrays. Debian ships no C TOML library,
 * so this one is ours. Every node remembers whether a consumer read it, so
 * that "any key rimage does not consume is an error" can be enforced.
 */
#ifndef ZS_TOML_H
#define ZS_TOML_H

#include <stddef.h>
#include <stdint.h>

#include "common/zserr.h"

/* Largest document accepted. */
#define TOML_TEXT_MAX		(1024u * 1024)
/* Most nodes (tables, arrays, values) in one document. */
#define TOML_NODES_MAX		65536
/* Deepest nesting of tables and arrays. */
#define TOML_DEPTH_MAX		32
/* Longest string value or key, in bytes after unescaping. */
#define TOML_STR_MAX		4096

enum toml_kind {
	TOML_TABLE,
	TOML_ARRAY,
	TOML_STRING,
	TOML_INT,
	TOML_BOOL,
};

struct toml_node;

/* Parse len bytes of TOML text into a tree rooted at a table. */
int			 toml_parse(const char *text, size_t len,
			    struct toml_node **rootp, struct zs_errbuf *eb);
/* Free a tree; NULL is a no-op. */
void			 toml_free(struct toml_node *root);
enum toml_kind		 toml_kind(const struct toml_node *n);
/* Source line where the node was defined (1-based). */
unsigned		 toml_line(const struct toml_node *n);
/* The key this node has in its parent table ("" for array elements). */
const char		*toml_key(const struct toml_node *n);
/* Look up key in a table and mark it consumed; NULL if absent. */
struct toml_node	*toml_table_get(struct toml_node *tbl, const char *key);
/* Number of elements of an array or entries of a table. */
size_t			 toml_len(const struct toml_node *n);
/* The i-th element of an array (or entry of a table), marked consumed. */
struct toml_node	*toml_at(struct toml_node *n, size_t i);
/* Value accessors; the caller checks toml_kind() first. */
const char		*toml_string(const struct toml_node *n);
int64_t			 toml_int(const struct toml_node *n);
int			 toml_bool(const struct toml_node *n);
/*
 * Find the first node under root that nobody consumed; write its dotted
 * path to path and return 1, or return 0 when everything was consumed.
 */
int			 toml_find_unused(const struct toml_node *root,
			    char *path, size_t pathlen);

#endif /* ZS_TOML_H */
