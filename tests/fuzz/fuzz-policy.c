/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the configuration reader and the policy built from it, and the
 * bearer-token parser (daemon/conf.c: conf_load_json; daemon/policy.c:
 * policy_new, policy_identity_token, policy_authorize, policy_default_key):
 * any configuration either loads or is refused with a message, and any
 * Authorization header either names a token or is refused. The first byte
 * picks the target.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/conf.h"
#include "daemon/policy.h"

/* A fixed configuration for the token and authorization paths. */
static const char fuzz_conf[] =
    "{\"tokens\": {\"ci\": \"sha256:"
    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"},"
    " \"keys\": [{\"name\": \"k\", \"path\": \"/k.pem\", \"default\": true,"
    "  \"allow\": {\"tokens\": [\"ci\"], \"tools\": [\"imgtool\"]},"
    "  \"rules\": {\"max_per_hour\": 3}}]}";

/* The policy of root, read through conf.c as zsignd reads its file. */
static int
fuzz_policy(json_t *root, struct policy **pp, struct zs_errbuf *eb)
{
	struct conf cfg;
	int r;

	conf_init(&cfg);
	if ((r = conf_load_json(&cfg, root, "fuzz", eb)) == 0)
		r = policy_new(&cfg, pp, eb);
	conf_free(&cfg);
	return r;
}

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_identity id;
	struct zs_errbuf eb;
	struct policy *p;
	const char *key;
	json_t *root;
	char *s;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		root = json_loadb((const char *)data + 1, size - 1, 0, NULL);
		if (root == NULL)
			return 0;
		/* The fuzzer must not make the policy read or write files. */
		if (json_is_object(root)) {
			json_object_del(root, "state_file");
			json_object_del(root, "oidc");
		}
		if (fuzz_policy(root, &p, &eb) == 0)
			policy_free(p);
		json_decref(root);
		return 0;
	}
	root = json_loads(fuzz_conf, 0, NULL);
	if (root == NULL || fuzz_policy(root, &p, &eb) != 0)
		abort();
	s = malloc(size);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	policy_identity_init(&id, "fuzz");
	if (policy_identity_token(p, s, &id, &eb) == 0 &&
	    policy_default_key(p, &id, "imgtool", &key, &eb) == 0)
		(void)policy_authorize(p, &id, key, "imgtool", &eb);
	free(s);
	policy_free(p);
	json_decref(root);
	return 0;
}
