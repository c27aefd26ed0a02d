/* SPDX-License-Identifier: Apache-2.0 */
/*
 * PKCS#11 tokens inside zsign-pkcs11-helper: p11-kit loads the module and
 * parses RFC 7512 URIs, and we call the module directly. Each token keeps
 * an anchor session (which holds the login) and a pool of idle sessions
 * for concurrent signs; lost sessions, logouts and removed tokens are
 * recovered by re-opening, and if need be by finalize + initialize.
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "common/log.h"
#include "common/xmalloc.h"
#include "keystore/p11-proto.h"
#include "keystore/p11-token.h"

/* Idle sessions kept open per token; more concurrent signs open more. */
#define P11_SESSIONS_MAX	16
/* Most slots looked at when searching for a token. */
#define P11_SLOTS_MAX		256
/* Largest attribute value read from a token (RSA-8192 modulus: 1 KiB). */
#define P11_ATTR_MAX		2048
/* Attempts per operation: as is, after re-opening, after re-initializing. */
#define P11_TRIES		3
/* Least time between two finalize/initialize rounds of one module. */
#define P11_REINIT_MIN_MS	500

struct p11_token {
	struct p11_token	*next;
	P11KitUri		*uri;		/* token attributes to match */
	char			*match;		/* its text, to share tokens */
	char			 label[33];
	int			 present;	/* slot found, anchor open */
	CK_SLOT_ID		 slot;
	CK_SESSION_HANDLE	 anchor;
	int			 logged_in;
	unsigned		 gen;		/* bumps: handles went stale */
	uint8_t			 pin[P11_PIN_MAX];
	size_t			 pinlen;
	int			 pin_ok;	/* pin has logged in once */
	CK_SESSION_HANDLE	 idle[P11_SESSIONS_MAX];
	size_t			 nidle;
};

struct p11_hkey {
	struct p11_hkey		*next;
	uint32_t		 id;
	char			*uristr;
	P11KitUri		*uri;
	struct p11_token	*tok;
	CK_OBJECT_HANDLE	 obj;
	int			 have_obj;
	unsigned		 objgen;	/* tok->gen obj was found in */
	CK_KEY_TYPE		 ktype;
};

struct p11_module {
	CK_FUNCTION_LIST	*f;
	char			*path;
	/* Readers call into the module; the writer finalizes it. */
	pthread_rwlock_t	 rw;
	/* Guards the lists and every token's state. */
	pthread_mutex_t		 lock;
	int			 initialized;
	CK_RV			 init_rv;	/* why it is not */
	unsigned		 gen;
	struct timespec		 last_reinit;
	struct p11_token	*tokens;
	struct p11_hkey		*keys;
};

static const struct {
	CK_RV		 rv;
	const char	*name;
} p11_rvnames[] = {
	{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
	{ CKR_HOST_MEMORY, "CKR_HOST_MEMORY" },
	{ CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID" },
	{ CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD" },
	{ CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID" },
	{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
	{ CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY" },
	{ CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED" },
	{ CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE" },
	{ CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED" },
	{ CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID" },
	{ CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT" },
	{ CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED" },
	{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
	{ CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID" },
	{ CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID" },
	{ CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE" },
	{ CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT" },
	{ CKR_PIN_LOCKED, "CKR_PIN_LOCKED" },
	{ CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED" },
	{ CKR_SESSION_COUNT, "CKR_SESSION_COUNT" },
	{ CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID" },
	{ CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT" },
	{ CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED" },
	{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
	{ CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED" },
	{ CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL" },
	{ CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED" },
};

/* Return values after which re-opening sessions (or the module) may help. */
static const CK_RV p11_recoverable[] = {
	CKR_GENERAL_ERROR, CKR_SLOT_ID_INVALID, CKR_DEVICE_ERROR,
	CKR_DEVICE_REMOVED, CKR_KEY_HANDLE_INVALID, CKR_OBJECT_HANDLE_INVALID,
	CKR_SESSION_CLOSED, CKR_SESSION_HANDLE_INVALID, CKR_TOKEN_NOT_PRESENT,
	CKR_TOKEN_NOT_RECOGNIZED, CKR_USER_NOT_LOGGED_IN,
	CKR_CRYPTOKI_NOT_INITIALIZED, CKR_FUNCTION_FAILED,
};

/* DER DigestInfo prefix for SHA-256 (RFC 8017, section 9.2, note 1). */
static const uint8_t p11_sha256_prefix[] = {
	0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65,
	0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20,
};

/* CKA_EC_PARAMS forms naming the curves we take (DER OIDs and SoftHSM's). */
static const struct {
	const uint8_t	*der;
	size_t		 len;
	const char	*group;		/* OpenSSL name; NULL for Ed25519 */
} p11_curves[] = {
	{ (const uint8_t *)"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07", 10,
	    "prime256v1" },
	{ (const uint8_t *)"\x06\x05\x2b\x81\x04\x00\x22", 7, "secp384r1" },
	{ (const uint8_t *)"\x06\x03\x2b\x65\x70", 5, NULL },
	{ (const uint8_t *)"\x13\x0c" "edwards25519", 14, NULL },
	{ (const uint8_t *)"\x06\x09\x2b\x06\x01\x04\x01\xda\x47\x0f\x01", 11,
	    NULL },
};

static const char *
p11_rvname(CK_RV rv)
{
	static __thread char other[32];
	size_t i;

	for (i = 0; i < sizeof(p11_rvnames) / sizeof(p11_rvnames[0]); i++)
		if (p11_rvnames[i].rv == rv)
			return p11_rvnames[i].name;
	snprintf(other, sizeof(other), "CKR_0x%lx", (unsigned long)rv);
	return other;
}

static int
p11_is_recoverable(CK_RV rv)
{
	size_t i;

	for (i = 0; i < sizeof(p11_recoverable) / sizeof(p11_recoverable[0]);
	    i++)
		if (p11_recoverable[i] == rv)
			return 1;
	return 0;
}

static CK_RV
p11_initialize(CK_FUNCTION_LIST *f)
{
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;

	/* The helper signs from several threads; let the module lock. */
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = f->C_Initialize(&args);
	return rv == CKR_CRYPTOKI_ALREADY_INITIALIZED ? CKR_OK : rv;
}

int
p11_module_open(const char *path, struct p11_module **mp,
    struct zs_errbuf *eb)
{
	struct p11_module *m;
	CK_FUNCTION_LIST *f;
	CK_RV rv;

	/* Unmanaged: finalize/initialize must reach the module itself. */
	f = p11_kit_module_load(path, P11_KIT_MODULE_UNMANAGED |
	    P11_KIT_MODULE_CRITICAL);
	if (f == NULL)
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "cannot load PKCS#11 "
		    "module %s: %s", path, p11_kit_message() ?
		    p11_kit_message() : "unknown error");
	if ((rv = p11_initialize(f)) != CKR_OK) {
		p11_kit_module_release(f);
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "%s: C_Initialize "
		    "failed: %s", path, p11_rvname(rv));
	}
	m = xcalloc(1, sizeof(*m));
	m->f = f;
	m->path = xstrdup(path);
	m->initialized = 1;
	pthread_rwlock_init(&m->rw, NULL);
	pthread_mutex_init(&m->lock, NULL);
	*mp = m;
	return 0;
}

/* Close the token's sessions and forget its slot; handles become stale. */
static void
p11_token_reset(struct p11_module *m, struct p11_token *tok, int close)
{
	size_t i;

	if (close) {
		for (i = 0; i < tok->nidle; i++)
			(void)m->f->C_CloseSession(tok->idle[i]);
		if (tok->present)
			(void)m->f->C_CloseSession(tok->anchor);
	}
	tok->nidle = 0;
	tok->present = 0;
	tok->logged_in = 0;
	tok->gen++;
}

void
p11_module_close(struct p11_module *m)
{
	struct p11_token *tok, *tnext;
	struct p11_hkey *k, *knext;

	if (m == NULL)
		return;
	for (k = m->keys; k != NULL; k = knext) {
		knext = k->next;
		p11_kit_uri_free(k->uri);
		free(k->uristr);
		free(k);
	}
	for (tok = m->tokens; tok != NULL; tok = tnext) {
		tnext = tok->next;
		if (m->initialized)
			p11_token_reset(m, tok, 1);
		p11_kit_uri_free(tok->uri);
		free(tok->match);
		OPENSSL_secure_clear_free(tok, sizeof(*tok));
	}
	if (m->initialized)
		(void)m->f->C_Finalize(NULL);
	p11_kit_module_release(m->f);
	pthread_rwlock_destroy(&m->rw);
	pthread_mutex_destroy(&m->lock);
	free(m->path);
	free(m);
}

/*
 * Finalize and initialize the module again, so that it rescans its slots,
 * unless another thread did so since gen or the last round is too recent.
 */
static void
p11_module_reinit(struct p11_module *m, unsigned gen)
{
	struct p11_token *tok;
	struct timespec now;
	long long ms;

	pthread_rwlock_wrlock(&m->rw);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - m->last_reinit.tv_sec) * 1000 +
	    (now.tv_nsec - m->last_reinit.tv_nsec) / 1000000;
	if (m->gen != gen || (m->last_reinit.tv_sec != 0 &&
	    ms < P11_REINIT_MIN_MS))
		goto out;
	m->last_reinit = now;
	/* C_Finalize closes every session; no handle survives it. */
	for (tok = m->tokens; tok != NULL; tok = tok->next)
		p11_token_reset(m, tok, 0);
	if (m->initialized)
		(void)m->f->C_Finalize(NULL);
	m->init_rv = p11_initialize(m->f);
	m->initialized = m->init_rv == CKR_OK;
	m->gen++;
 out:
	pthread_rwlock_unlock(&m->rw);
}

/* Find the slot holding tok, open the anchor session, log in. */
static int
p11_token_ready(struct p11_module *m, struct p11_token *tok,
    int *reinitp, struct zs_errbuf *eb)
{
	CK_SLOT_ID slots[P11_SLOTS_MAX];
	CK_TOKEN_INFO info;
	CK_ULONG n = P11_SLOTS_MAX, i;
	CK_RV rv;
	int found = 0, need_login = 0;

	if (tok->present && tok->logged_in)
		return 0;
	if (!m->initialized) {
		*reinitp = 1;
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "token '%s' is not "
		    "available: module %s fails to initialize (%s)",
		    tok->label, m->path, p11_rvname(m->init_rv));
	}
	if (!tok->present) {
		rv = m->f->C_GetSlotList(CK_TRUE, slots, &n);
		if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL) {
			*reinitp = 1;
			return zs_errf(eb, ZS_ERR_UNAVAILABLE, "%s: "
			    "C_GetSlotList failed: %s", m->path,
			    p11_rvname(rv));
		}
		if (n > P11_SLOTS_MAX)
			n = P11_SLOTS_MAX;
		for (i = 0; i < n && !found; i++) {
			if (m->f->C_GetTokenInfo(slots[i], &info) != CKR_OK)
				continue;
			if (p11_kit_uri_match_token_info(tok->uri, &info)) {
				found = 1;
				tok->slot = slots[i];
				memcpy(tok->label, info.label,
				    sizeof(info.label));
				tok->label[sizeof(info.label)] = '\0';
				for (n = sizeof(info.label); n > 0 &&
				    tok->label[n - 1] == ' '; n--)
					tok->label[n - 1] = '\0';
			}
		}
		if (!found) {
			*reinitp = 1;
			return zs_errf(eb, ZS_ERR_UNAVAILABLE, "token '%s' is "
			    "not present (module %s)", tok->label, m->path);
		}
		rv = m->f->C_OpenSession(tok->slot, CKF_SERIAL_SESSION,
		    NULL, NULL, &tok->anchor);
		if (rv != CKR_OK)
			return zs_errf(eb, ZS_ERR_UNAVAILABLE, "token '%s': "
			    "C_OpenSession failed: %s", tok->label,
			    p11_rvname(rv));
		tok->present = 1;
		need_login = (info.flags & CKF_LOGIN_REQUIRED) != 0;
	} else if ((rv = m->f->C_GetTokenInfo(tok->slot, &info)) == CKR_OK) {
		need_login = (info.flags & CKF_LOGIN_REQUIRED) != 0;
	} else {
		p11_token_reset(m, tok, 1);
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "token '%s': "
		    "C_GetTokenInfo failed: %s", tok->label, p11_rvname(rv));
	}
	if (!need_login) {
		tok->logged_in = 1;
		return 0;
	}
	if (tok->pinlen == 0)
		return zs_errf(eb, ZS_ERR_KEY, "token '%s' needs a PIN "
		    "(give pin-source=file:PATH in the URI, or a credential)",
		    tok->label);
	rv = m->f->C_Login(tok->anchor, CKU_USER, tok->pin, tok->pinlen);
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED ||
	    rv == CKR_PIN_LEN_RANGE || rv == CKR_PIN_EXPIRED)
		return zs_errf(eb, ZS_ERR_KEY, "token '%s': login refused: "
		    "%s", tok->label, rv == CKR_PIN_INCORRECT ?
		    "wrong PIN (CKR_PIN_INCORRECT)" : p11_rvname(rv));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		p11_token_reset(m, tok, 1);
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "token '%s': C_Login "
		    "failed: %s", tok->label, p11_rvname(rv));
	}
	tok->logged_in = 1;
	tok->pin_ok = 1;
	return 0;
}

/* Read one attribute; *vp is malloc'd. */
static int
p11_attr_get(struct p11_module *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_TYPE type, uint8_t **vp, size_t *lenp)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	uint8_t *v;

	if (m->f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK ||
	    a.ulValueLen == (CK_ULONG)-1 || a.ulValueLen > P11_ATTR_MAX)
		return ZS_ERR_KEY;
	v = xmalloc(a.ulValueLen + 1);
	a.pValue = v;
	if (m->f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK) {
		free(v);
		return ZS_ERR_KEY;
	}
	*vp = v;
	*lenp = a.ulValueLen;
	return 0;
}

/* Find exactly one object matching tmpl. */
static int
p11_find_one(struct p11_module *m, CK_SESSION_HANDLE s, CK_ATTRIBUTE *tmpl,
    CK_ULONG n, CK_OBJECT_HANDLE *objp, CK_RV *rvp)
{
	CK_OBJECT_HANDLE objs[2];
	CK_ULONG found = 0;
	CK_RV rv;

	if ((rv = m->f->C_FindObjectsInit(s, tmpl, n)) != CKR_OK) {
		*rvp = rv;
		return ZS_ERR_UNAVAILABLE;
	}
	rv = m->f->C_FindObjects(s, objs, 2, &found);
	(void)m->f->C_FindObjectsFinal(s);
	*rvp = rv;
	if (rv != CKR_OK)
		return ZS_ERR_UNAVAILABLE;
	if (found == 0)
		return ZS_ERR_NOT_FOUND;
	if (found > 1)
		return ZS_ERR_INVALID;
	*objp = objs[0];
	return 0;
}

/* Make the key's token ready and its object handle current. */
static int
p11_key_ready(struct p11_module *m, struct p11_hkey *k, int *reinitp,
    struct zs_errbuf *eb)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[8], *ua, kt;
	CK_ULONG n = 0, un = 0, i;
	CK_RV rv;
	int r;

	if ((r = p11_token_ready(m, k->tok, reinitp, eb)) != 0)
		return r;
	if (k->have_obj && k->objgen == k->tok->gen)
		return 0;
	ua = p11_kit_uri_get_attributes(k->uri, &un);
	for (i = 0; i < un && n < 7; i++)
		if (ua[i].type != CKA_CLASS)
			tmpl[n++] = ua[i];
	tmpl[n].type = CKA_CLASS;
	tmpl[n].pValue = &cls;
	tmpl[n++].ulValueLen = sizeof(cls);
	r = p11_find_one(m, k->tok->anchor, tmpl, n, &k->obj, &rv);
	if (r == ZS_ERR_UNAVAILABLE) {
		p11_token_reset(m, k->tok, 1);
		return zs_errf(eb, r, "token '%s': C_FindObjects failed: %s",
		    k->tok->label, p11_rvname(rv));
	}
	if (r == ZS_ERR_NOT_FOUND)
		return zs_errf(eb, r, "no private key on token '%s' matches "
		    "%s", k->tok->label, k->uristr);
	if (r != 0)
		return zs_errf(eb, r, "more than one private key on token "
		    "'%s' matches %s; name it by object= and id=",
		    k->tok->label, k->uristr);
	kt.type = CKA_KEY_TYPE;
	kt.pValue = &k->ktype;
	kt.ulValueLen = sizeof(k->ktype);
	if ((rv = m->f->C_GetAttributeValue(k->tok->anchor, k->obj, &kt,
	    1)) != CKR_OK) {
		p11_token_reset(m, k->tok, 1);
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "token '%s': cannot "
		    "read key type: %s", k->tok->label, p11_rvname(rv));
	}
	k->have_obj = 1;
	k->objgen = k->tok->gen;
	return 0;
}

/* Strip a DER OCTET STRING wrapper if p is exactly one. */
static int
p11_der_octets(const uint8_t *p, size_t len, const uint8_t **inp,
    size_t *inlenp)
{
	size_t l, hl;

	if (len < 2 || p[0] != 0x04)
		return ZS_ERR_FORMAT;
	if (p[1] < 0x80) {
		l = p[1];
		hl = 2;
	} else if (p[1] == 0x81 && len >= 3) {
		l = p[2];
		hl = 3;
	} else if (p[1] == 0x82 && len >= 4) {
		l = (size_t)p[2] << 8 | p[3];
		hl = 4;
	} else {
		return ZS_ERR_FORMAT;
	}
	if (hl + l != len)
		return ZS_ERR_FORMAT;
	*inp = p + hl;
	*inlenp = l;
	return 0;
}

/* Build the public key of k: RSA from the private object, EC from its pair. */
static int
p11_key_public(struct p11_module *m, struct p11_hkey *k, EVP_PKEY **pkeyp,
    struct zs_errbuf *eb)
{
	CK_SESSION_HANDLE s = k->tok->anchor;
	CK_OBJECT_CLASS pubcls = CKO_PUBLIC_KEY;
	CK_OBJECT_HANDLE pubobj;
	CK_ATTRIBUTE tmpl[2];
	CK_RV rv;
	uint8_t *id = NULL, *params = NULL, *point = NULL, *mod = NULL,
	    *pubexp = NULL;
	const uint8_t *pt;
	size_t idlen = 0, plen = 0, ptlen = 0, nlen = 0, elen = 0, i;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *prm = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pk = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	const char *group = NULL;
	int r = ZS_ERR_KEY, curve = -1;

	if (k->ktype == CKK_RSA &&
	    p11_attr_get(m, s, k->obj, CKA_MODULUS, &mod, &nlen) == 0 &&
	    p11_attr_get(m, s, k->obj, CKA_PUBLIC_EXPONENT, &pubexp,
	    &elen) == 0)
		goto have_rsa;
	/* The public half: the public key object with the same CKA_ID. */
	if (p11_attr_get(m, s, k->obj, CKA_ID, &id, &idlen) != 0 ||
	    idlen == 0) {
		zs_errf(eb, ZS_ERR_KEY, "token '%s': key %s has no CKA_ID to "
		    "find its public key by", k->tok->label, k->uristr);
		goto out;
	}
	tmpl[0].type = CKA_CLASS;
	tmpl[0].pValue = &pubcls;
	tmpl[0].ulValueLen = sizeof(pubcls);
	tmpl[1].type = CKA_ID;
	tmpl[1].pValue = id;
	tmpl[1].ulValueLen = idlen;
	if (p11_find_one(m, s, tmpl, 2, &pubobj, &rv) != 0) {
		zs_errf(eb, ZS_ERR_KEY, "token '%s': no single public key "
		    "object with the CKA_ID of %s", k->tok->label, k->uristr);
		goto out;
	}
	if (k->ktype == CKK_RSA) {
		free(mod);
		mod = NULL;
		if (p11_attr_get(m, s, pubobj, CKA_MODULUS, &mod, &nlen) != 0 ||
		    p11_attr_get(m, s, pubobj, CKA_PUBLIC_EXPONENT, &pubexp,
		    &elen) != 0) {
			zs_errf(eb, ZS_ERR_KEY, "token '%s': cannot read the "
			    "RSA public key of %s", k->tok->label, k->uristr);
			goto out;
		}
		goto have_rsa;
	}
	if ((k->ktype != CKK_EC && k->ktype != CKK_EC_EDWARDS) ||
	    p11_attr_get(m, s, pubobj, CKA_EC_PARAMS, &params, &plen) != 0 ||
	    p11_attr_get(m, s, pubobj, CKA_EC_POINT, &point, &ptlen) != 0) {
		zs_errf(eb, ZS_ERR_KEY, "token '%s': %s is not an RSA, EC or "
		    "Ed25519 key with a readable public key", k->tok->label,
		    k->uristr);
		goto out;
	}
	for (i = 0; i < sizeof(p11_curves) / sizeof(p11_curves[0]); i++)
		if (p11_curves[i].len == plen &&
		    memcmp(p11_curves[i].der, params, plen) == 0)
			curve = (int)i;
	if (curve < 0 || (k->ktype == CKK_EC) !=
	    (p11_curves[curve].group != NULL)) {
		zs_errf(eb, ZS_ERR_KEY, "token '%s': %s: unsupported curve "
		    "(P-256, P-384 and Ed25519 are)", k->tok->label, k->uristr);
		goto out;
	}
	group = p11_curves[curve].group;
	/* Tokens store the point raw or wrapped in an OCTET STRING. */
	pt = point;
	if (group == NULL) {
		if (ptlen != 32 && (p11_der_octets(point, ptlen, &pt,
		    &ptlen) != 0 || ptlen != 32)) {
			zs_errf(eb, ZS_ERR_KEY, "token '%s': bad Ed25519 "
			    "public key", k->tok->label);
			goto out;
		}
		pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pt,
		    ptlen);
		goto have_pkey;
	}
	if (!(ptlen == 65 || ptlen == 97) || point[0] != 0x04)
		(void)p11_der_octets(point, ptlen, &pt, &ptlen);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    pt, ptlen) ||
	    (prm = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, prm) != 1)
		pk = NULL;
	goto have_pkey;
 have_rsa:
	if ((bn = BN_bin2bn(mod, (int)nlen, NULL)) == NULL ||
	    (be = BN_bin2bn(pubexp, (int)elen, NULL)) == NULL ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (prm = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, prm) != 1)
		pk = NULL;
 have_pkey:
	if (pk == NULL) {
		zs_errf(eb, ZS_ERR_KEY, "token '%s': %s: public key rejected "
		    "by OpenSSL", k->tok->label, k->uristr);
		goto out;
	}
	*pkeyp = pk;
	r = 0;
 out:
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_free(prm);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	free(id);
	free(params);
	free(point);
	free(mod);
	free(pubexp);
	return r;
}

static struct p11_hkey *
p11_key_find(struct p11_module *m, uint32_t keyid)
{
	struct p11_hkey *k;

	for (k = m->keys; k != NULL; k = k->next)
		if (k->id == keyid)
			return k;
	return NULL;
}

/* The token matching uri's token attributes, made on first use. */
static int
p11_token_get(struct p11_module *m, P11KitUri *uri, struct p11_token **tokp,
    struct zs_errbuf *eb)
{
	struct p11_token *tok;
	P11KitUri *turi = p11_kit_uri_new();
	CK_TOKEN_INFO *ti = p11_kit_uri_get_token_info(turi);
	char *match = NULL;
	size_t n;

	/* Only the token attributes: keys with other queries share it. */
	*ti = *p11_kit_uri_get_token_info(uri);
	if (p11_kit_uri_format(turi, P11_KIT_URI_FOR_TOKEN, &match) !=
	    P11_KIT_URI_OK) {
		p11_kit_uri_free(turi);
		return zs_errf(eb, ZS_ERR_INVALID, "cannot format token URI");
	}
	for (tok = m->tokens; tok != NULL; tok = tok->next) {
		if (strcmp(tok->match, match) == 0) {
			free(match);
			p11_kit_uri_free(turi);
			*tokp = tok;
			return 0;
		}
	}
	/* The token holds the PIN: in the locked secure heap. */
	if ((tok = OPENSSL_secure_zalloc(sizeof(*tok))) == NULL)
		fatalx("%s: out of memory", __func__);
	tok->match = xstrdup(match);
	free(match);
	tok->uri = turi;
	/* Messages name the token by label until its slot is found. */
	memcpy(tok->label, ti->label, sizeof(ti->label));
	for (n = strnlen(tok->label, sizeof(ti->label)); n > 0 &&
	    tok->label[n - 1] == ' '; n--)
		;
	tok->label[n] = '\0';
	if (n == 0)
		snprintf(tok->label, sizeof(tok->label), "%.32s", tok->match);
	tok->next = m->tokens;
	m->tokens = tok;
	*tokp = tok;
	return 0;
}

/* Record a new key (or check a repeated load of the same one). */
static int
p11_key_add(struct p11_module *m, uint32_t keyid, const char *uristr,
    struct p11_hkey **kp, struct zs_errbuf *eb)
{
	struct p11_hkey *k;
	P11KitUri *uri;
	CK_ATTRIBUTE *a;
	CK_ULONG n, i;
	int r, named = 0;

	if ((k = p11_key_find(m, keyid)) != NULL) {
		if (strcmp(k->uristr, uristr) != 0)
			return zs_errf(eb, ZS_ERR_INVALID, "key id %u is in "
			    "use for another URI", keyid);
		*kp = k;
		return 0;
	}
	uri = p11_kit_uri_new();
	if ((r = p11_kit_uri_parse(uristr, P11_KIT_URI_FOR_ANY, uri)) !=
	    P11_KIT_URI_OK) {
		p11_kit_uri_free(uri);
		return zs_errf(eb, ZS_ERR_INVALID, "bad PKCS#11 URI: %s",
		    p11_kit_uri_message(r));
	}
	a = p11_kit_uri_get_attributes(uri, &n);
	for (i = 0; i < n; i++) {
		if (a[i].type == CKA_CLASS && (a[i].ulValueLen !=
		    sizeof(CK_OBJECT_CLASS) ||
		    *(CK_OBJECT_CLASS *)a[i].pValue != CKO_PRIVATE_KEY)) {
			p11_kit_uri_free(uri);
			return zs_errf(eb, ZS_ERR_INVALID, "%s: type= must be "
			    "private (the key signs)", uristr);
		}
		if (a[i].type == CKA_LABEL || a[i].type == CKA_ID)
			named = 1;
	}
	if (!named) {
		p11_kit_uri_free(uri);
		return zs_errf(eb, ZS_ERR_INVALID, "%s: name the key with "
		    "object= or id=", uristr);
	}
	k = xcalloc(1, sizeof(*k));
	k->id = keyid;
	k->uri = uri;
	k->uristr = xstrdup(uristr);
	if ((r = p11_token_get(m, uri, &k->tok, eb)) != 0) {
		p11_kit_uri_free(uri);
		free(k->uristr);
		free(k);
		return r;
	}
	k->next = m->keys;
	m->keys = k;
	*kp = k;
	return 0;
}

/* Forget key k (a load that failed). */
static void
p11_key_remove(struct p11_module *m, struct p11_hkey *k)
{
	struct p11_hkey **kp;

	for (kp = &m->keys; *kp != NULL; kp = &(*kp)->next) {
		if (*kp == k) {
			*kp = k->next;
			break;
		}
	}
	p11_kit_uri_free(k->uri);
	free(k->uristr);
	free(k);
}

int
p11_module_load_key(struct p11_module *m, uint32_t keyid, const char *uri,
    const uint8_t *pin, size_t pinlen, uint8_t **spkip, size_t *spkilenp,
    struct zs_errbuf *eb)
{
	struct p11_hkey *k = NULL;
	struct p11_token *tok;
	EVP_PKEY *pk = NULL;
	unsigned char *der = NULL;
	unsigned gen;
	int derlen, r = ZS_ERR_INTERNAL, try, reinit, fresh;

	for (try = 0; try < P11_TRIES; try++) {
		reinit = 0;
		pthread_rwlock_rdlock(&m->rw);
		gen = m->gen;
		pthread_mutex_lock(&m->lock);
		fresh = p11_key_find(m, keyid) == NULL;
		if ((r = p11_key_add(m, keyid, uri, &k, eb)) != 0)
			goto unlock;
		tok = k->tok;
		if (tok->pin_ok && (pinlen != tok->pinlen ||
		    CRYPTO_memcmp(pin, tok->pin, pinlen) != 0)) {
			r = zs_errf(eb, ZS_ERR_KEY, "token '%s' is already "
			    "logged in with a different PIN", tok->label);
			goto unlock;
		}
		if (!tok->pin_ok) {
			OPENSSL_cleanse(tok->pin, sizeof(tok->pin));
			memcpy(tok->pin, pin, pinlen);
			tok->pinlen = pinlen;
		}
		if ((r = p11_key_ready(m, k, &reinit, eb)) == 0)
			r = p11_key_public(m, k, &pk, eb);
 unlock:
		if (r != 0 && k != NULL && fresh)
			p11_key_remove(m, k);
		k = NULL;
		pthread_mutex_unlock(&m->lock);
		pthread_rwlock_unlock(&m->rw);
		if (r != ZS_ERR_UNAVAILABLE || !reinit)
			break;
		p11_module_reinit(m, gen);
	}
	if (r != 0)
		goto out;
	if ((derlen = i2d_PUBKEY(pk, &der)) <= 0 || derlen > P11_SPKI_MAX) {
		r = zs_errf(eb, ZS_ERR_KEY, "cannot encode the public key");
		goto out;
	}
	*spkip = xmalloc((size_t)derlen);
	memcpy(*spkip, der, (size_t)derlen);
	*spkilenp = (size_t)derlen;
 out:
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	return r;
}

/* The label (object=) of uri, which a new key must have; NULL if none. */
static const CK_ATTRIBUTE *
p11_uri_label(P11KitUri *uri)
{
	CK_ATTRIBUTE *a;
	CK_ULONG n, i;

	a = p11_kit_uri_get_attributes(uri, &n);
	for (i = 0; i < n; i++)
		if (a[i].type == CKA_LABEL && a[i].ulValueLen > 0)
			return &a[i];
	return NULL;
}

/* C_GenerateKeyPair on tok (ready, lock held) with the label lab. */
static int
p11_generate_pair(struct p11_module *m, struct p11_token *tok,
    const CK_ATTRIBUTE *lab, enum zs_keytype type, int bits,
    struct zs_errbuf *eb)
{
	static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	static CK_BYTE f4[] = { 0x01, 0x00, 0x01 };
	CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY;
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pubo, privo, old;
	CK_SESSION_HANDLE s;
	CK_ULONG modbits = (CK_ULONG)bits;
	CK_BYTE id[16];
	CK_RV rv;
	size_t curve;
	int r;
	CK_ATTRIBUTE find[] = {
		{ CKA_CLASS, &priv, sizeof(priv) },
		{ CKA_LABEL, lab->pValue, lab->ulValueLen },
	};
	/* The last member is the key type's: curve or modulus. */
	CK_ATTRIBUTE pubt[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_LABEL, lab->pValue, lab->ulValueLen },
		{ CKA_ID, id, sizeof(id) },
		{ CKA_PUBLIC_EXPONENT, f4, sizeof(f4) },
		{ CKA_MODULUS_BITS, &modbits, sizeof(modbits) },
	};
	/* Sensitive and never extractable: the key cannot leave the token. */
	CK_ATTRIBUTE privt[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_DECRYPT, &no, sizeof(no) },
		{ CKA_UNWRAP, &no, sizeof(no) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_EXTRACTABLE, &no, sizeof(no) },
		{ CKA_LABEL, lab->pValue, lab->ulValueLen },
		{ CKA_ID, id, sizeof(id) },
	};
	CK_ULONG npub = sizeof(pubt) / sizeof(pubt[0]);

	switch (type) {
	case ZS_KEY_RSA:
		mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		break;
	case ZS_KEY_EC_P256:
	case ZS_KEY_EC_P384:
	case ZS_KEY_ED25519:
		/* p11_curves: P-256 first, P-384, then Ed25519's OID. */
		curve = type == ZS_KEY_EC_P256 ? 0 : type == ZS_KEY_EC_P384 ?
		    1 : 2;
		if (type == ZS_KEY_ED25519)
			mech.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
		pubt[4].type = CKA_EC_PARAMS;
		pubt[4].pValue = (void *)p11_curves[curve].der;
		pubt[4].ulValueLen = p11_curves[curve].len;
		npub--;
		break;
	default:
		return zs_errf(eb, ZS_ERR_INVALID, "cannot make this key type "
		    "on a token");
	}
	if (RAND_bytes(id, sizeof(id)) != 1)
		return zs_errf(eb, ZS_ERR_CRYPTO, "no random bytes for CKA_ID");
	if ((rv = m->f->C_OpenSession(tok->slot, CKF_SERIAL_SESSION |
	    CKF_RW_SESSION, NULL, NULL, &s)) != CKR_OK)
		return zs_errf(eb, ZS_ERR_UNAVAILABLE, "token '%s': read-write "
		    "C_OpenSession failed: %s", tok->label, p11_rvname(rv));
	r = p11_find_one(m, s, find, 2, &old, &rv);
	if (r != ZS_ERR_NOT_FOUND) {
		r = r == ZS_ERR_UNAVAILABLE ? zs_errf(eb, r, "token '%s': "
		    "C_FindObjects failed: %s", tok->label, p11_rvname(rv)) :
		    zs_errf(eb, ZS_ERR_INVALID, "token '%s' already holds a "
		    "private key with that label", tok->label);
		goto out;
	}
	if ((rv = m->f->C_GenerateKeyPair(s, &mech, pubt, npub, privt,
	    sizeof(privt) / sizeof(privt[0]), &pubo, &privo)) != CKR_OK) {
		r = zs_errf(eb, ZS_ERR_KEY, "token '%s': C_GenerateKeyPair "
		    "failed: %s", tok->label, p11_rvname(rv));
		goto out;
	}
	r = 0;
 out:
	(void)m->f->C_CloseSession(s);
	return r;
}

int
p11_module_generate(struct p11_module *m, const char *uristr,
    enum zs_keytype type, int bits, const uint8_t *pin, size_t pinlen,
    uint8_t **spkip, size_t *spkilenp, struct zs_errbuf *eb)
{
	struct p11_token *tok;
	const CK_ATTRIBUTE *lab;
	P11KitUri *uri = p11_kit_uri_new();
	int r, reinit = 0;

	if (p11_kit_uri_parse(uristr, P11_KIT_URI_FOR_ANY, uri) !=
	    P11_KIT_URI_OK || (lab = p11_uri_label(uri)) == NULL) {
		p11_kit_uri_free(uri);
		return zs_errf(eb, ZS_ERR_INVALID, "%s: a new key needs a "
		    "PKCS#11 URI with token= and object=", uristr);
	}
	if (pinlen > sizeof(tok->pin)) {
		p11_kit_uri_free(uri);
		return zs_errf(eb, ZS_ERR_TOO_LARGE, "PIN too long");
	}
	pthread_rwlock_rdlock(&m->rw);
	pthread_mutex_lock(&m->lock);
	if ((r = p11_token_get(m, uri, &tok, eb)) == 0) {
		memcpy(tok->pin, pin, pinlen);
		tok->pinlen = pinlen;
		if ((r = p11_token_ready(m, tok, &reinit, eb)) == 0)
			r = p11_generate_pair(m, tok, lab, type, bits, eb);
	}
	pthread_mutex_unlock(&m->lock);
	pthread_rwlock_unlock(&m->rw);
	p11_kit_uri_free(uri);
	if (r != 0)
		return r;
	/* Read it back as zsignd will: the public half by the same URI. */
	return p11_module_load_key(m, 1, uristr, pin, pinlen, spkip, spkilenp,
	    eb);
}

/* Set up the mechanism and data for alg; checks the key type. */
static int
p11_mech(CK_KEY_TYPE kt, enum zs_sigalg alg, const uint8_t *tbs,
    size_t tbslen, CK_MECHANISM *mech, CK_RSA_PKCS_PSS_PARAMS *pss,
    uint8_t *di, const uint8_t **datap, size_t *datalenp,
    struct zs_errbuf *eb)
{
	size_t mdlen = 0;
	CK_KEY_TYPE want;

	memset(mech, 0, sizeof(*mech));
	*datap = tbs;
	*datalenp = tbslen;
	switch (alg) {
	case ZS_SIG_RSA_PSS_SHA256:
	case ZS_SIG_RSA_PSS_SHA384:
		want = CKK_RSA;
		mdlen = alg == ZS_SIG_RSA_PSS_SHA256 ? 32 : 48;
		pss->hashAlg = alg == ZS_SIG_RSA_PSS_SHA256 ? CKM_SHA256 :
		    CKM_SHA384;
		pss->mgf = alg == ZS_SIG_RSA_PSS_SHA256 ? CKG_MGF1_SHA256 :
		    CKG_MGF1_SHA384;
		pss->sLen = 32;
		mech->mechanism = CKM_RSA_PKCS_PSS;
		mech->pParameter = pss;
		mech->ulParameterLen = sizeof(*pss);
		break;
	case ZS_SIG_RSA_PKCS1_SHA256:
		want = CKK_RSA;
		mdlen = 32;
		mech->mechanism = CKM_RSA_PKCS;
		/* CKM_RSA_PKCS pads what it is given: wrap the digest. */
		memcpy(di, p11_sha256_prefix, sizeof(p11_sha256_prefix));
		if (tbslen == mdlen)
			memcpy(di + sizeof(p11_sha256_prefix), tbs, tbslen);
		*datap = di;
		*datalenp = sizeof(p11_sha256_prefix) + mdlen;
		break;
	case ZS_SIG_ECDSA_SHA256:
	case ZS_SIG_ECDSA_SHA384:
		want = CKK_EC;
		mdlen = alg == ZS_SIG_ECDSA_SHA256 ? 32 : 48;
		mech->mechanism = CKM_ECDSA;
		break;
	case ZS_SIG_ED25519:
		want = CKK_EC_EDWARDS;
		mech->mechanism = CKM_EDDSA;
		break;
	default:
		return zs_errf(eb, ZS_ERR_INVALID, "unknown algorithm %d",
		    (int)alg);
	}
	if (kt != want)
		return zs_errf(eb, ZS_ERR_KEY, "the token key cannot make "
		    "this kind of signature");
	if (mdlen != 0 && tbslen != mdlen)
		return zs_errf(eb, ZS_ERR_INVALID, "digest length mismatch");
	return 0;
}

int
p11_module_sign(struct p11_module *m, uint32_t keyid, enum zs_sigalg alg,
    const uint8_t *tbs, size_t tbslen, uint8_t *sig, size_t *siglenp,
    struct zs_errbuf *eb)
{
	uint8_t di[sizeof(p11_sha256_prefix) + 64];
	CK_RSA_PKCS_PSS_PARAMS pss;
	CK_MECHANISM mech;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE obj = CK_INVALID_HANDLE;
	CK_SLOT_ID slot = 0;
	CK_ULONG outlen;
	CK_RV rv = CKR_OK;
	struct p11_hkey *k;
	struct p11_token *tok = NULL;
	const uint8_t *data = NULL;
	size_t datalen = 0;
	unsigned gen, tgen = 0;
	int r = ZS_ERR_INTERNAL, try, reinit;

	for (try = 0; try < P11_TRIES; try++) {
		reinit = 0;
		s = CK_INVALID_HANDLE;
		pthread_rwlock_rdlock(&m->rw);
		gen = m->gen;
		pthread_mutex_lock(&m->lock);
		if ((k = p11_key_find(m, keyid)) == NULL) {
			r = zs_errf(eb, ZS_ERR_NOT_FOUND, "key %u is not "
			    "loaded in the helper", keyid);
		} else if ((r = p11_mech(k->ktype, alg, tbs, tbslen, &mech,
		    &pss, di, &data, &datalen, eb)) == 0 &&
		    (r = p11_key_ready(m, k, &reinit, eb)) == 0) {
			tok = k->tok;
			tgen = tok->gen;
			slot = tok->slot;
			obj = k->obj;
			if (tok->nidle > 0)
				s = tok->idle[--tok->nidle];
		}
		pthread_mutex_unlock(&m->lock);
		if (r == 0) {
			rv = CKR_OK;
			if (s == CK_INVALID_HANDLE)
				rv = m->f->C_OpenSession(slot,
				    CKF_SERIAL_SESSION, NULL, NULL, &s);
			if (rv == CKR_OK)
				rv = m->f->C_SignInit(s, &mech, obj);
			outlen = P11_SIG_MAX;
			if (rv == CKR_OK)
				rv = m->f->C_Sign(s, (CK_BYTE *)data, datalen,
				    sig, &outlen);
			pthread_mutex_lock(&m->lock);
			if (rv == CKR_OK && tok->gen == tgen &&
			    tok->nidle < P11_SESSIONS_MAX) {
				tok->idle[tok->nidle++] = s;
			} else if (s != CK_INVALID_HANDLE) {
				(void)m->f->C_CloseSession(s);
			}
			if (rv != CKR_OK && p11_is_recoverable(rv) &&
			    tok->gen == tgen)
				p11_token_reset(m, tok, 1);
			pthread_mutex_unlock(&m->lock);
			if (rv == CKR_OK) {
				*siglenp = outlen;
			} else if (p11_is_recoverable(rv)) {
				r = zs_errf(eb, ZS_ERR_UNAVAILABLE, "token "
				    "'%s': signing failed: %s", tok->label,
				    p11_rvname(rv));
				reinit = try > 0 ||
				    rv == CKR_CRYPTOKI_NOT_INITIALIZED;
			} else {
				r = zs_errf(eb, ZS_ERR_CRYPTO, "token '%s': "
				    "signing failed: %s", tok->label,
				    p11_rvname(rv));
			}
		}
		pthread_rwlock_unlock(&m->rw);
		if (r != ZS_ERR_UNAVAILABLE)
			break;
		if (reinit)
			p11_module_reinit(m, gen);
	}
	return r;
}

int
p11_module_status(struct p11_module *m, uint32_t keyid,
    struct zs_errbuf *eb)
{
	CK_SESSION_INFO si;
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE a = { CKA_KEY_TYPE, &kt, sizeof(kt) };
	struct p11_hkey *k;
	unsigned gen;
	CK_RV rv;
	int r = ZS_ERR_INTERNAL, try, reinit;

	for (try = 0; try < P11_TRIES; try++) {
		reinit = 0;
		pthread_rwlock_rdlock(&m->rw);
		gen = m->gen;
		pthread_mutex_lock(&m->lock);
		if ((k = p11_key_find(m, keyid)) == NULL) {
			r = zs_errf(eb, ZS_ERR_NOT_FOUND, "key %u is not "
			    "loaded in the helper", keyid);
		} else if ((r = p11_key_ready(m, k, &reinit, eb)) == 0) {
			/* Ask the token itself: cached state may be stale. */
			if ((rv = m->f->C_GetSessionInfo(k->tok->anchor,
			    &si)) == CKR_OK)
				rv = m->f->C_GetAttributeValue(k->tok->anchor,
				    k->obj, &a, 1);
			if (rv != CKR_OK) {
				p11_token_reset(m, k->tok, 1);
				r = zs_errf(eb, ZS_ERR_UNAVAILABLE, "token "
				    "'%s': %s", k->tok->label, p11_rvname(rv));
				reinit = try > 0;
			}
		}
		pthread_mutex_unlock(&m->lock);
		pthread_rwlock_unlock(&m->rw);
		if (r != ZS_ERR_UNAVAILABLE)
			break;
		if (reinit)
			p11_module_reinit(m, gen);
	}
	return r;
}
