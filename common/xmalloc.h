/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation wrappers that abort on exhaustion, and zeroizing free. */
#ifndef ZS_XMALLOC_H
#define ZS_XMALLOC_H

#include <stddef.h>

/* malloc(), exiting via fatalx() when memory is exhausted. */
void	*xmalloc(size_t);
/* calloc() with overflow check, exiting when memory is exhausted. */
void	*xcalloc(size_t, size_t);
/* realloc() of nmemb*size with overflow check. */
void	*xreallocarray(void *, size_t, size_t);
/* strdup() that never returns NULL. */
char	*xstrdup(const char *);
/* strndup() that never returns NULL. */
char	*xstrndup(const char *, size_t);
/* asprintf() that never fails. */
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Zeroize len bytes of p (which may be NULL), then free it. */
void	 freezero(void *p, size_t len);
/* Zeroize a NUL-terminated string (which may be NULL), then free it. */
void	 freezero_str(char *s);

#endif /* ZS_XMALLOC_H */
