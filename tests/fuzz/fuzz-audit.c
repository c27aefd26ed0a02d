/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the audit-log checker behind `zsignd --verify-audit`
 * (daemon/audit.c: audit_verify_buf, audit_verifier_line): arbitrary bytes
 * must give a verdict, never a crash or an overread.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "daemon/audit.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zs_errbuf eb;
	unsigned long long n;

	(void)audit_verify_buf(data, size, &n, &eb);
	return 0;
}
