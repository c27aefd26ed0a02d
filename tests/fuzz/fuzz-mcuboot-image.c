/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the MCUboot image reader: mcuboot_parse(), mcuboot_verify() (with
 * and without a key) and mcuboot_dumpinfo() on arbitrary bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "lib/mcuboot/mcuboot-int.h"
#include "lib/mcuboot/mcuboot.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *pub;
	static const uint8_t seed[32] = { 1 };
	struct mcuboot_parsed *p = malloc(sizeof(*p));
	struct mcuboot_info info;
	struct zs_errbuf eb;
	struct buf *out = buf_new_plain(0);
	int fmt, warn;

	if (pub == NULL)
		pub = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
		    sizeof(seed));
	if (p == NULL || out == NULL || pub == NULL)
		abort();
	if (mcuboot_parse(data, size, p, &eb) == 0 && p->end > size)
		abort();
	(void)mcuboot_verify(data, size, NULL, 0, &info, &eb);
	if (mcuboot_verify(data, size, pub, 1, &info, &eb) == 0 &&
	    info.verdict == MCUBOOT_VERIFY_OK && !info.sig_ok)
		abort();
	for (fmt = MCUBOOT_DUMP_HUMAN; fmt <= MCUBOOT_DUMP_JSON; fmt++) {
		(void)mcuboot_dumpinfo(data, size, "f.bin", fmt, out, &warn,
		    &eb);
		buf_reset(out);
	}
	buf_free(out);
	free(p);
	return 0;
}
