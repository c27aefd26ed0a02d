/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the keystore protocol codec (keystore/p11-proto.c):
 * p11_frame_len on the 4-byte header and p11_msg_decode on the body; what
 * decodes must encode back to the very same bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "keystore/p11-proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zs_errbuf eb;
	struct p11_msg m;
	struct buf *b;
	size_t len;

	if (size < 4 || p11_frame_len(data, &len) != 0 || len != size - 4)
		return 0;
	if (p11_msg_decode(data + 4, len, &m, &eb) != 0)
		return 0;
	b = buf_new(0);
	/* The encoding is canonical: a decoded frame re-encodes exactly. */
	if (p11_msg_encode(&m, b) != 0 || buf_len(b) != size ||
	    memcmp(buf_ptr(b), data, size) != 0)
		abort();
	buf_free(b);
	return 0;
}
