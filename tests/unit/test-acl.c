/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the access-list module (daemon/acl.c): which entries
 * parse, and which identities each matches, as one table for keys' allow
 * lists and metrics.allow alike; the certificate whose CN is mallory and
 * whose email and URI SANs say release.ci.example.com is not the host
 * release.ci.example.com.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "daemon/acl.h"
#include "daemon/policy.h"

/* Identities of the table: a name and the credential behind it. */
enum { ID_UID1000, ID_GROUP27, ID_HOST, ID_HOST_UPPER, ID_MALLORY,
    ID_EMAIL, ID_URI, ID_TOKEN, ID_OIDC, ID_NONE, ID_COUNT };

static struct policy_identity ids[ID_COUNT];

static void
cert(struct policy_identity *id, const char *cn, const char *dns,
    const char *email, const char *uri)
{
	const char *names[] = { cn, dns, email, uri };
	const int types[] = { POLICY_CERTNAME_CN, POLICY_CERTNAME_DNS,
	    POLICY_CERTNAME_EMAIL, POLICY_CERTNAME_URI };
	size_t i;

	memset(id, 0, sizeof(*id));
	id->auth = POLICY_AUTH_CERT;
	for (i = 0; i < 4; i++) {
		if (names[i] == NULL)
			continue;
		snprintf(id->certnames[id->ncertnames], POLICY_NAME_MAX, "%s",
		    names[i]);
		id->certtypes[id->ncertnames++] = (uint8_t)types[i];
	}
}

static int
setup(void **state)
{
	(void)state;
	memset(ids, 0, sizeof(ids));
	ids[ID_UID1000].auth = POLICY_AUTH_UNIX;
	ids[ID_UID1000].uid = 1000;
	ids[ID_UID1000].gid = 1000;
	ids[ID_GROUP27].auth = POLICY_AUTH_UNIX;
	ids[ID_GROUP27].uid = 1001;
	ids[ID_GROUP27].gid = 100;
	ids[ID_GROUP27].groups[0] = 27;
	ids[ID_GROUP27].ngroups = 1;
	cert(&ids[ID_HOST], "ci-runner", "release.ci.example.com", NULL, NULL);
	cert(&ids[ID_HOST_UPPER], "RELEASE.CI.EXAMPLE.COM", NULL, NULL, NULL);
	cert(&ids[ID_MALLORY], "mallory", NULL, "release.ci.example.com",
	    "release.ci.example.com");
	cert(&ids[ID_EMAIL], "alice", NULL, "Alice@example.com", NULL);
	cert(&ids[ID_URI], "svc", NULL, NULL,
	    "spiffe://example.com/release");
	ids[ID_TOKEN].auth = POLICY_AUTH_TOKEN;
	snprintf(ids[ID_TOKEN].token, POLICY_NAME_MAX, "ci");
	ids[ID_OIDC].auth = POLICY_AUTH_OIDC;
	ids[ID_OIDC].oidc.n = 2;
	snprintf(ids[ID_OIDC].oidc.name[0], OIDC_CLAIM_NAME_MAX, "repository");
	snprintf(ids[ID_OIDC].oidc.value[0], OIDC_CLAIM_VALUE_MAX,
	    "acme/firmware");
	snprintf(ids[ID_OIDC].oidc.name[1], OIDC_CLAIM_NAME_MAX, "ref");
	snprintf(ids[ID_OIDC].oidc.value[1], OIDC_CLAIM_VALUE_MAX,
	    "refs/tags/v1.2");
	ids[ID_NONE].auth = POLICY_AUTH_NONE;
	return 0;
}

/* An entry and the identities it admits (bit per ID_*). */
static const struct {
	const char	*entry;
	unsigned	 admits;
} cases[] = {
	{ "any", (1u << ID_COUNT) - 1 - (1u << ID_NONE) },
	{ "unix", 1u << ID_UID1000 | 1u << ID_GROUP27 },
	{ "uid:1000", 1u << ID_UID1000 },
	{ "gid:27", 1u << ID_GROUP27 },
	{ "gid:100", 1u << ID_GROUP27 },
	{ "token:ci", 1u << ID_TOKEN },
	/* Untyped (legacy): a CN or DNS name, any case; never email/URI. */
	{ "cert:release.ci.example.com", 1u << ID_HOST | 1u << ID_HOST_UPPER },
	{ "cert:mallory", 1u << ID_MALLORY },
	{ "cert:dns:release.ci.example.com", 1u << ID_HOST },
	{ "cert:DNS:Release.CI.example.com", 1u << ID_HOST },
	{ "cert:cn:release.ci.example.com", 1u << ID_HOST_UPPER },
	{ "cert:cn:ci-runner", 1u << ID_HOST },
	/* Typed email and URI entries match exactly that SAN. */
	{ "cert:email:release.ci.example.com", 1u << ID_MALLORY },
	{ "cert:uri:release.ci.example.com", 1u << ID_MALLORY },
	{ "cert:email:Alice@example.com", 1u << ID_EMAIL },
	{ "cert:email:alice@example.com", 0 },
	{ "cert:alice@example.com", 0 },
	{ "cert:uri:spiffe://example.com/release", 1u << ID_URI },
	{ "cert:uri:spiffe://example.com/Release", 0 },
	/* OIDC claim globs: '*' spans '/'; claim names are exact. */
	{ "oidc:repository:acme/*", 1u << ID_OIDC },
	{ "oidc:ref:refs/tags/v*", 1u << ID_OIDC },
	{ "oidc:ref:refs/heads/*", 0 },
	{ "oidc:Repository:acme/*", 0 },
	{ "oidc:repository:acme/firmware", 1u << ID_OIDC },
	/* A token entry never matches a certificate or OIDC identity. */
	{ "token:mallory", 0 },
};

static void
test_matching(void **state)
{
	struct zs_errbuf eb;
	struct acl *a;
	size_t i;
	int j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = acl_new();
		if (acl_add(a, cases[i].entry, &eb) != 0)
			fail_msg("%s: %s", cases[i].entry, eb.msg);
		for (j = 0; j < ID_COUNT; j++)
			if ((unsigned)acl_allows(a, &ids[j]) !=
			    ((cases[i].admits >> j) & 1))
				fail_msg("%s: identity %d: %s", cases[i].entry,
				    j, acl_allows(a, &ids[j]) ? "allowed" :
				    "refused");
		acl_free(a);
	}
}

/* A key's allow lists give values of one kind: the same rules apply. */
static void
test_kinds(void **state)
{
	struct zs_errbuf eb;
	struct acl *a = acl_new();
	json_t *v;

	(void)state;
	v = json_integer(1000);
	assert_int_equal(acl_add_kind(a, ACL_UID, v, &eb), 0);
	json_decref(v);
	v = json_string("release.ci.example.com");
	assert_int_equal(acl_add_kind(a, ACL_CERT, v, &eb), 0);
	json_decref(v);
	assert_int_equal(acl_count(a), 2);
	assert_true(acl_allows(a, &ids[ID_UID1000]));
	assert_true(acl_allows(a, &ids[ID_HOST]));
	assert_false(acl_allows(a, &ids[ID_MALLORY]));
	assert_false(acl_allows(a, &ids[ID_GROUP27]));
	v = json_integer(-1);
	assert_int_equal(acl_add_kind(a, ACL_UID, v, &eb), ZS_ERR_INVALID);
	json_decref(v);
	v = json_true();
	assert_int_equal(acl_add_kind(a, ACL_CERT, v, &eb), ZS_ERR_INVALID);
	assert_non_null(strstr(eb.msg, "malformed"));
	json_decref(v);
	acl_free(a);
	/* An empty list allows nobody. */
	a = acl_new();
	assert_false(acl_allows(a, &ids[ID_UID1000]));
	acl_free(a);
	assert_false(acl_allows(NULL, &ids[ID_UID1000]));
	/* OIDC entries of a key's "oidc" list, by the same rules. */
	a = acl_new();
	v = json_string("repository:acme/*");
	assert_int_equal(acl_add_kind(a, ACL_OIDC, v, &eb), 0);
	json_decref(v);
	v = json_string("no-colon");
	assert_int_equal(acl_add_kind(a, ACL_OIDC, v, &eb), ZS_ERR_INVALID);
	json_decref(v);
	assert_true(acl_allows(a, &ids[ID_OIDC]));
	assert_false(acl_allows(a, &ids[ID_TOKEN]));
	acl_free(a);
}

/* The members of a key's allow object come from the kinds table. */
static void
test_lists(void **state)
{
	static const struct {
		const char	*list;
		enum acl_kind	 kind;
	} lists[] = {
		{ "uids", ACL_UID }, { "groups", ACL_GID },
		{ "certs", ACL_CERT }, { "tokens", ACL_TOKEN },
		{ "oidc", ACL_OIDC },
	};
	enum acl_kind k;
	char names[80];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		assert_int_equal(acl_list_kind(lists[i].list, &k), 0);
		assert_int_equal(k, lists[i].kind);
	}
	assert_int_equal(acl_list_kind("tools", &k), ZS_ERR_NOT_FOUND);
	assert_int_equal(acl_list_kind("any", &k), ZS_ERR_NOT_FOUND);
	acl_list_names(names, sizeof(names));
	assert_string_equal(names, "uids, groups, certs, tokens, oidc");
}

static void
test_bad_entries(void **state)
{
	static const char *bad[] = {
		"", "unixx", "any:x", "uid:", "uid:no-such-user-zsign",
		"gid:no-such-group-zsign", "cert:", "cert:dns:", "token:",
		"host:x", "uid:99999999999", "oidc:", "oidc:repository",
		"oidc::x", "oidc:repo sitory:x", "oidc:repository:",
	};
	struct zs_errbuf eb;
	struct acl *a = acl_new();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (acl_add(a, bad[i], &eb) != ZS_ERR_INVALID)
			fail_msg("\"%s\" accepted", bad[i]);
	assert_int_equal(acl_count(a), 0);
	acl_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_bad_entries),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
