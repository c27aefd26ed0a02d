/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-client's libcurl, loaded only when a run talks https:// (dlopen):
 * the functions zsclient.c and tls-opts.c call, forwarding to the real
 * ones. Linking libcurl made every run map its 35 shared libraries
 * (3 ms of a 10 ms signing over the Unix socket, which needs none).
 */
#include "config.h"

/* These definitions are the functions; no type-checking macros. */
#define CURL_DISABLE_TYPECHECK	1

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include <curl/curl.h>

/* The library's run-time name (Debian's libcurl4, OpenSSL flavour). */
#define CURLDL_SONAME	"libcurl.so.4"

/* The real functions, one entry per name (the table says which). */
static struct {
	CURLcode	(*global_init)(long);
	void		(*global_cleanup)(void);
	CURL		*(*easy_init)(void);
	void		(*easy_cleanup)(CURL *);
	void		(*easy_reset)(CURL *);
	CURLcode	(*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	(*easy_perform)(CURL *);
	CURLcode	(*easy_getinfo)(CURL *, CURLINFO, ...);
	const char	*(*easy_strerror)(CURLcode);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		(*slist_free_all)(struct curl_slist *);
} curldl;

static const struct {
	const char	*name;
	void		**fn;
} curldl_syms[] = {
	{ "curl_global_init",	(void **)&curldl.global_init },
	{ "curl_global_cleanup", (void **)&curldl.global_cleanup },
	{ "curl_easy_init",	(void **)&curldl.easy_init },
	{ "curl_easy_cleanup",	(void **)&curldl.easy_cleanup },
	{ "curl_easy_reset",	(void **)&curldl.easy_reset },
	{ "curl_easy_setopt",	(void **)&curldl.easy_setopt },
	{ "curl_easy_perform",	(void **)&curldl.easy_perform },
	{ "curl_easy_getinfo",	(void **)&curldl.easy_getinfo },
	{ "curl_easy_strerror",	(void **)&curldl.easy_strerror },
	{ "curl_slist_append",	(void **)&curldl.slist_append },
	{ "curl_slist_free_all", (void **)&curldl.slist_free_all },
};

static pthread_once_t curldl_once = PTHREAD_ONCE_INIT;
static int curldl_ok;

static void
curldl_load(void)
{
	void *h;
	size_t i;

	if ((h = dlopen(CURLDL_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "zsign-client: https:// needs libcurl: %s\n",
		    dlerror());
		return;
	}
	for (i = 0; i < sizeof(curldl_syms) / sizeof(curldl_syms[0]); i++) {
		if ((*curldl_syms[i].fn = dlsym(h, curldl_syms[i].name)) ==
		    NULL) {
			fprintf(stderr, "zsign-client: %s: no %s\n",
			    CURLDL_SONAME, curldl_syms[i].name);
			return;
		}
	}
	curldl_ok = 1;
}

CURLcode
curl_global_init(long flags)
{
	pthread_once(&curldl_once, curldl_load);
	return curldl_ok ? curldl.global_init(flags) : CURLE_FAILED_INIT;
}

/* The rest run only after curl_global_init() succeeded. */
void
curl_global_cleanup(void)
{
	if (curldl_ok)
		curldl.global_cleanup();
}

CURL *
curl_easy_init(void)
{
	return curldl_ok ? curldl.easy_init() : NULL;
}

void
curl_easy_cleanup(CURL *h)
{
	if (curldl_ok)
		curldl.easy_cleanup(h);
}

void
curl_easy_reset(CURL *h)
{
	if (curldl_ok)
		curldl.easy_reset(h);
}

/* The argument's type follows from the option's range, as in libcurl. */
CURLcode
curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	CURLcode r;

	if (!curldl_ok)
		return CURLE_FAILED_INIT;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = curldl.easy_setopt(h, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_OFF_T)
		/* Object and function pointers travel alike on this ABI. */
		r = curldl.easy_setopt(h, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_BLOB)
		r = curldl.easy_setopt(h, opt, va_arg(ap, curl_off_t));
	else
		r = curldl.easy_setopt(h, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode
curl_easy_perform(CURL *h)
{
	return curldl_ok ? curldl.easy_perform(h) : CURLE_FAILED_INIT;
}

/* Every CURLINFO takes one pointer. */
CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	CURLcode r;

	if (!curldl_ok)
		return CURLE_FAILED_INIT;
	va_start(ap, info);
	r = curldl.easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

const char *
curl_easy_strerror(CURLcode c)
{
	return curldl_ok ? curldl.easy_strerror(c) : "libcurl not loaded";
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	return curldl_ok ? curldl.slist_append(l, s) : NULL;
}

void
curl_slist_free_all(struct curl_slist *l)
{
	if (curldl_ok)
		curldl.slist_free_all(l);
}
