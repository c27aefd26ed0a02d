/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Comparison rules of tests/vectors/rimage/README.md: exact files equal,
 * PSS images equal except the signature bytes, which must verify over the
 * signed ranges (stored byte-reversed), error cases fail without output.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "common/util.h"
#include "common/xmalloc.h"
#include "keystore/keystore.h"
#include "tests/vectors/rimage-vectors.h"

/* Largest vector file read. */
#define RV_FILE_MAX	(16u * 1024 * 1024)
/* Largest signed message a case describes. */
#define RV_MSG_MAX	4096
/* Largest RSA signature in the vectors (RSA-3072). */
#define RV_SIG_MAX	512

static int
why_set(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

int
rv_path(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/%s", a, b);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

void
rv_append(char *why, size_t len, const char *msg)
{
	size_t l = strlen(why);

	if (l + 4 < len)
		(void)!snprintf(why + l, len - l, " (%s)", msg);
}

int
rv_load_cases(const char *dir, json_t **rootp)
{
	char path[4096];
	json_error_t err;
	json_t *root;

	snprintf(path, sizeof(path), "%s/cases.json", dir);
	if ((root = json_load_file(path, 0, &err)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err.text);
		return -1;
	}
	*rootp = root;
	return 0;
}

json_t *
rv_find_case(json_t *root, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(root, "cases"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "name")),
		    name) == 0)
			return c;
	return NULL;
}

int
rv_load_inputs(json_t *c, const char *casedir, struct fileset *in)
{
	static const char *const with_file[] = { "-c", "-q" };
	json_t *argv = json_object_get(c, "argv");
	const char *a, *prev = "";
	char path[4096];
	uint8_t *data;
	size_t i, k, len;
	int is_file;

	for (i = 0; i < json_array_size(argv); i++) {
		a = json_string_value(json_array_get(argv, i));
		is_file = a[0] != '-' && strcmp(prev, "-o") != 0 &&
		    strcmp(prev, "-k") != 0 && strcmp(prev, "-f") != 0 &&
		    strcmp(prev, "-b") != 0 && strcmp(prev, "-i") != 0;
		for (k = 0; k < 2; k++)
			if (strcmp(prev, with_file[k]) == 0)
				is_file = 1;
		prev = a;
		if (!is_file)
			continue;
		snprintf(path, sizeof(path), "%s/%s", casedir, a);
		if (zs_file_read(path, RV_FILE_MAX, &data, &len) != 0) {
			fprintf(stderr, "cannot read %s\n", path);
			return -1;
		}
		if (fileset_add_owned(in, a, data, len) != 0)
			return -1;
	}
	return 0;
}

/* Verify the signature of img as described by the case's manifest. */
static int
check_signature(json_t *c, const char *casedir, const uint8_t *img,
    size_t len, char *why, size_t whylen)
{
	json_t *man = json_object_get(c, "manifest"), *rg;
	uint8_t msg[RV_MSG_MAX], sig[RV_SIG_MAX], *pem = NULL;
	const char *hash, *scheme;
	size_t off, n, mlen = 0, i, pemlen, soff, slen;
	EVP_PKEY *pub = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_MD_CTX *mctx = NULL;
	const EVP_MD *md;
	char path[4096];
	int pss, ok = 0;

	hash = json_string_value(json_object_get(man, "hash"));
	scheme = json_string_value(json_object_get(man, "scheme"));
	pss = strstr(scheme, "PSS") != NULL;
	md = strcmp(hash, "sha384") == 0 ? EVP_sha384() : EVP_sha256();
	json_array_foreach(json_object_get(man, "signed_ranges"), i, rg) {
		off = (size_t)json_integer_value(json_array_get(rg, 0));
		n = (size_t)json_integer_value(json_array_get(rg, 1));
		if (off > len || n > len - off || n > sizeof(msg) - mlen)
			return why_set(why, whylen, "signed range outside");
		memcpy(msg + mlen, img + off, n);
		mlen += n;
	}
	soff = (size_t)json_integer_value(json_object_get(man,
	    "signature_offset"));
	slen = (size_t)json_integer_value(json_object_get(man,
	    "signature_length"));
	if (slen > sizeof(sig) || soff > len || slen > len - soff)
		return why_set(why, whylen, "signature outside the image");
	for (i = 0; i < slen; i++)
		sig[i] = img[soff + slen - 1 - i];
	snprintf(path, sizeof(path), "%s/%s", casedir,
	    json_string_value(json_object_get(c, "public_key")));
	if (zs_file_read(path, RV_FILE_MAX, &pem, &pemlen) != 0 ||
	    zs_pkey_from_pem(pem, pemlen, &pub, NULL) != 0) {
		free(pem);
		return why_set(why, whylen, "cannot load %s", path);
	}
	free(pem);
	if ((mctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(mctx, &ctx, md, NULL, pub) != 1)
		goto out;
	if (pss && (EVP_PKEY_CTX_set_rsa_padding(ctx,
	    RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) != 1))
		goto out;
	ok = EVP_DigestVerify(mctx, sig, slen, msg, mlen) == 1;
out:
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pub);
	return ok ? 0 : why_set(why, whylen, "signature does not verify");
}

int
rv_check_case(json_t *c, const char *casedir, int rc,
    const struct fileset *out, const char *prefix, char *why,
    size_t whylen)
{
	json_t *outs, *o, *ex = json_object_get(c, "expect_exit"), *e;
	const char *name, *mode;
	char path[4096], oname[512];
	const uint8_t *got;
	uint8_t *want;
	size_t glen, wlen, soff = 0, slen = 0, i;
	json_t *man = json_object_get(c, "manifest");
	int r;

	if (json_is_string(ex)) {
		if (rc == 0)
			return why_set(why, whylen, "succeeded, must fail");
		json_array_foreach(json_object_get(c, "must_not_create"), i,
		    e) {
			name = strrchr(json_string_value(e), '/');
			name = name ? name + 1 : json_string_value(e);
			snprintf(oname, sizeof(oname), "%s%s", prefix, name);
			if (fileset_get(out, oname, &got, &glen) == 0)
				return why_set(why, whylen, "created %s",
				    oname);
		}
		if (fileset_count(out) != 0)
			return why_set(why, whylen, "failure left outputs");
		return 0;
	}
	if (rc != 0)
		return why_set(why, whylen, "failed (status %d)", rc);
	if (man != NULL) {
		soff = (size_t)json_integer_value(json_object_get(man,
		    "signature_offset"));
		slen = (size_t)json_integer_value(json_object_get(man,
		    "signature_length"));
	}
	outs = json_object_get(c, "outputs");
	json_object_foreach(outs, name, o) {
		mode = json_string_value(json_object_get(o, "compare"));
		snprintf(oname, sizeof(oname), "%s%s", prefix, name);
		if (fileset_get(out, oname, &got, &glen) != 0)
			return why_set(why, whylen, "%s not produced", oname);
		snprintf(path, sizeof(path), "%s/expected/%s", casedir, name);
		if (zs_file_read(path, RV_FILE_MAX, &want, &wlen) != 0)
			return why_set(why, whylen, "cannot read %s", path);
		r = 0;
		if (glen != wlen)
			r = why_set(why, whylen, "%s: %zu bytes, expected %zu",
			    name, glen, wlen);
		else if (strcmp(mode, "exact") == 0) {
			if (memcmp(got, want, glen) != 0)
				r = why_set(why, whylen, "%s differs", name);
		} else if (soff > glen || slen > glen - soff ||
		    memcmp(got, want, soff) != 0 ||
		    memcmp(got + soff + slen, want + soff + slen,
		    glen - soff - slen) != 0)
			r = why_set(why, whylen, "%s differs outside the "
			    "signature", name);
		free(want);
		if (r != 0)
			return r;
		if (strcmp(name, "zephyr.ri") == 0 && man != NULL &&
		    check_signature(c, casedir, got, glen, why, whylen) != 0)
			return -1;
	}
	json_array_foreach(json_object_get(c, "empty_side_outputs"), i, e) {
		snprintf(oname, sizeof(oname), "%s%s", prefix,
		    json_string_value(e));
		if (fileset_get(out, oname, &got, &glen) != 0 || glen != 0)
			return why_set(why, whylen, "%s missing or not empty",
			    oname);
	}
	return 0;
}
