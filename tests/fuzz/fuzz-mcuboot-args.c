/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz mcuboot_args_parse() and mcuboot_args_help() with NUL-separated
 * argument lists, and run mcuboot_sign() (unsigned, small inputs) on every
 * list it accepts: the whole option handling, TLV building, trailer and
 * HEX paths.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileset.h"
#include "lib/mcuboot/mcuboot.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Most bytes of argument text tried. */
#define FUZZ_ARGS_MAX	4096

static const char hexin[] =
    ":10C00000000102030405060708090A0B0C0D0E0F68\n:00000001FF\n";
static const char x25519[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VuAyEAvxvZ76JMQuQ9aGx0Wzi2YUwlF1HTMEODtgDiJELy7xc=\n"
    "-----END PUBLIC KEY-----\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *argv[MCUBOOT_ARGS_MAX];
	struct mcuboot_args *a = NULL;
	struct fileset *in, *out;
	struct mcuboot_result res;
	struct zs_errbuf eb;
	uint8_t body[300];
	size_t i, start = 0;
	int argc = 0;

	if (size > FUZZ_ARGS_MAX)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i <= size && argc < MCUBOOT_ARGS_MAX; i++)
		if (text[i] == '\0') {
			argv[argc++] = text + start;
			start = i + 1;
		}
	(void)mcuboot_args_help(argc, argv);
	if (mcuboot_args_parse(argc, argv, &a, &eb) != 0) {
		free(text);
		return 0;
	}
	in = fileset_new();
	out = fileset_new();
	memset(body, 0, sizeof(body));
	for (i = 64; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 31);
	(void)fileset_add(in, "in.bin", body, sizeof(body));
	(void)fileset_add(in, "in.hex", (const uint8_t *)hexin,
	    sizeof(hexin) - 1);
	(void)fileset_add(in, "e.pem", (const uint8_t *)x25519,
	    sizeof(x25519) - 1);
	if (mcuboot_sign(a, in, NULL, out, &res, &eb) != 0 &&
	    fileset_count(out) != 0)
		abort();	/* a failure must leave no output */
	fileset_free(in);
	fileset_free(out);
	mcuboot_args_free(a);
	free(text);
	return 0;
}
