# SPDX-License-Identifier: Apache-2.0
# PKCS#11 key store and the keystore protocol's framing; their unit test,
# e2e tests and fuzz target (the helper program is in libexec/local.mk).
libzsign_a_SOURCES += \
	keystore/keystore-pkcs11.c \
	keystore/p11-proto.c keystore/p11-proto.h \
	keystore/p11-token.c keystore/p11-token.h

check_PROGRAMS += tests/unit/test-pkcs11
TESTS += tests/unit/test-pkcs11
tests_unit_test_pkcs11_SOURCES = tests/unit/test-pkcs11.c
tests_unit_test_pkcs11_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pkcs11_LDADD = $(UNIT_LDADD)

EXTRA_DIST += scripts/softhsm-setup.sh

# zsignd with token keys, and the reference vectors signed by token keys
# (need zsignd, zsign-client, the vector scripts and softhsm2).
PKCS11_E2E_TESTS = tests/e2e/pkcs11-daemon.sh tests/e2e/pkcs11-vectors.sh
TESTS += $(PKCS11_E2E_TESTS)
EXTRA_DIST += $(PKCS11_E2E_TESTS)

# Reads a token key's CKA_VALUE as an attacker would (keys-generate.sh).
check_PROGRAMS += tests/e2e/p11-attr
tests_e2e_p11_attr_SOURCES = tests/e2e/p11-attr.c
tests_e2e_p11_attr_LDADD = $(P11KIT_LIBS)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-p11-proto
tests_fuzz_fuzz_p11_proto_SOURCES = tests/fuzz/fuzz-p11-proto.c \
	keystore/p11-proto.c
tests_fuzz_fuzz_p11_proto_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_p11_proto_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_p11_proto_LDADD = libzsign.a $(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus/p11-proto

# Signs per second, token keys beside PEM keys (bench/pkcs11.sh).
noinst_PROGRAMS += bench/pkcs11-bench
bench_pkcs11_bench_SOURCES = bench/pkcs11-bench.c
bench_pkcs11_bench_LDADD = libzsign.a $(LIBZSIGN_DEPS)
EXTRA_DIST += bench/pkcs11.sh docs/pkcs11.md
