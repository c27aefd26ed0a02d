/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz zsign-client's parser of binary sign replies (client/zsclient.c
 * zsclient_reply_bin) on arbitrary bytes, against a request that sent two
 * files: a reply is refused with a message, or every piece of every file
 * lies inside the reply or a file sent. Seeds: tests/fuzz/corpus/reply.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/zsclient.h"
#include "common/zserr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where the data parts' bytes are summed, so that each is read. */
static volatile unsigned int sink;

/* Whether [p, p+n) lies inside [base, base+len). */
static int
inside(const void *p, size_t n, const void *base, size_t len)
{
	const uint8_t *a = p, *b = base;

	return a >= b && n <= len && (size_t)(a - b) <= len - n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char a[] = "0123456789abcdef", b[] = "xyz";
	json_t *req, *files, *reply = NULL, *fa, *fb, *v;
	struct zs_errbuf eb;
	struct zs_filepiece *pc;
	const char *name;
	uint8_t *copy;
	size_t i, k, n;
	int r;

	req = json_object();
	files = json_object();
	if (req == NULL || files == NULL ||
	    zsclient_files_add(files, "a.bin", (const uint8_t *)a,
	    sizeof(a) - 1) != 0 ||
	    zsclient_files_add(files, "b.bin", (const uint8_t *)b,
	    sizeof(b) - 1) != 0 || json_object_set(req, "files", files) != 0)
		abort();
	fa = json_object_get(files, "a.bin");
	fb = json_object_get(files, "b.bin");
	/* A copy: the pieces of data parts must not point into the input. */
	copy = malloc(size + 1);
	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	zs_errclear(&eb);
	r = zsclient_reply_bin(req, copy, size, &reply, &eb);
	free(copy);
	if (r != 0) {
		if (reply != NULL || eb.msg[0] == '\0')
			abort();
		goto out;
	}
	json_object_foreach(json_object_get(reply, "files"), name, v) {
		if (zsclient_files_pieces(reply, name, &pc, &n, &eb) != 0)
			abort();
		for (i = 0; i < n; i++) {
			/* Both files sent are in memory: so is every piece. */
			if (pc[i].p == NULL)
				abort();
			if (inside(pc[i].p, pc[i].len,
			    json_string_value(fa), json_string_length(fa)) ||
			    inside(pc[i].p, pc[i].len,
			    json_string_value(fb), json_string_length(fb)))
				continue;
			/* A data part: its own string; ASan checks the reads. */
			for (k = 0; k < pc[i].len; k++)
				sink += pc[i].p[k];
		}
		free(pc);
	}
 out:
	json_decref(reply);
	json_decref(files);
	json_decref(req);
	return 0;
}
