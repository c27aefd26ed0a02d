/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Check an MCUboot image the daemon returned, with the engine's own
 * verifier (mcuboot_verify): `zsd-verify IMAGE PUBKEY.pem|-`. Intel HEX
 * images (.hex) are flattened first. Prints the version and the image
 * digest; exits 0 only when hash (and signature, given a key) verify.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/util.h"
#include "common/zserr.h"
#include "keystore/keystore.h"
#include "lib/ihex.h"
#include "lib/mcuboot/mcuboot.h"

int
main(int argc, char *argv[])
{
	struct mcuboot_info info;
	struct zs_errbuf eb;
	EVP_PKEY *pub = NULL;
	uint8_t *data, *img = NULL, *pem;
	size_t len, imglen, pemlen, n;
	uint32_t base;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: zsd-verify IMAGE PUBKEY.pem|-\n");
		return 2;
	}
	zs_errclear(&eb);
	if (zs_file_read(argv[1], ZS_FILE_MAX, &data, &len) != 0) {
		fprintf(stderr, "zsd-verify: cannot read %s\n", argv[1]);
		return 2;
	}
	n = strlen(argv[1]);
	if (n > 4 && strcmp(argv[1] + n - 4, ".hex") == 0) {
		if (ihex_read((const char *)data, len, 0xff, &base, &img,
		    &imglen, &eb) != 0) {
			fprintf(stderr, "zsd-verify: %s: %s\n", argv[1],
			    eb.msg);
			return 1;
		}
		free(data);
	} else {
		img = data;
		imglen = len;
	}
	if (strcmp(argv[2], "-") != 0) {
		if (zs_file_read(argv[2], ZS_FILE_MAX, &pem, &pemlen) != 0 ||
		    zs_pkey_from_pem(pem, pemlen, &pub, &eb) != 0) {
			fprintf(stderr, "zsd-verify: %s: cannot load key\n",
			    argv[2]);
			return 2;
		}
		free(pem);
	}
	memset(&info, 0, sizeof(info));
	r = mcuboot_verify(img, imglen, pub, 0, &info, &eb);
	if (r == 0 && info.verdict != MCUBOOT_VERIFY_OK)
		r = zs_errf(&eb, ZS_ERR_VERIFY, "%s",
		    mcuboot_verdict_str(info.verdict));
	printf("version=%u.%u.%u+%u hash=%s sig=%s digest=%s\n",
	    info.ver_major, info.ver_minor, info.ver_rev, info.ver_build,
	    info.hash_ok ? "ok" : "bad", !info.has_sig ? "none" :
	    info.sig_ok ? "ok" : "bad", info.digest_hex);
	if (r != 0)
		fprintf(stderr, "zsd-verify: %s\n", eb.msg);
	EVP_PKEY_free(pub);
	free(img);
	return r == 0 ? 0 : 1;
}
