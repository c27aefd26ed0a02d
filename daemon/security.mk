# SPDX-License-Identifier: Apache-2.0
# Security area: audit trail, policy (identities, rules, limits), TLS
# listeners, process hardening; their unit, end-to-end and fuzz tests.
libzsign_a_SOURCES += \
	daemon/audit.c daemon/audit.h \
	daemon/acl.c daemon/acl.h \
	daemon/policy.c daemon/policy.h \
	daemon/tls.c daemon/tls.h \
	daemon/security.c daemon/security.h \
	daemon/refagg.c daemon/refagg.h \
	daemon/jwt.c daemon/jwt.h \
	daemon/oidc.c daemon/oidc.h \
	daemon/approval.c daemon/approval.h

SECURITY_UNIT_TESTS = tests/unit/test-acl tests/unit/test-audit \
	tests/unit/test-policy tests/unit/test-tlsopts tests/unit/test-jwt \
	tests/unit/test-approval
check_PROGRAMS += $(SECURITY_UNIT_TESTS)
TESTS += $(SECURITY_UNIT_TESTS)

tests_unit_test_acl_SOURCES = tests/unit/test-acl.c
tests_unit_test_acl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_acl_LDADD = $(UNIT_LDADD)

tests_unit_test_audit_SOURCES = tests/unit/test-audit.c
tests_unit_test_audit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_audit_LDADD = $(UNIT_LDADD)

tests_unit_test_policy_SOURCES = tests/unit/test-policy.c tests/jwtmint.c \
	tests/jwtmint.h
tests_unit_test_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_policy_LDADD = $(UNIT_LDADD)

# A test OIDC issuer (JWKS, minted tokens) for the unit and e2e tests.
tests_unit_test_jwt_SOURCES = tests/unit/test-jwt.c tests/jwtmint.c \
	tests/jwtmint.h
tests_unit_test_jwt_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_jwt_LDADD = $(UNIT_LDADD)

tests_unit_test_approval_SOURCES = tests/unit/test-approval.c
tests_unit_test_approval_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_approval_LDADD = $(UNIT_LDADD)

tests_unit_test_tlsopts_SOURCES = tests/unit/test-tlsopts.c
tests_unit_test_tlsopts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tlsopts_LDADD = $(UNIT_LDADD)

if ENABLE_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz-audit
# audit.c is compiled in again so that it carries the fuzzer coverage.
tests_fuzz_fuzz_audit_SOURCES = tests/fuzz/fuzz-audit.c daemon/audit.c
tests_fuzz_fuzz_audit_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_audit_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_audit_LDADD = libzsign.a $(LIBZSIGN_DEPS)
noinst_PROGRAMS += tests/fuzz/fuzz-policy
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz-policy.c daemon/policy.c \
	daemon/acl.c
tests_fuzz_fuzz_policy_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_policy_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_policy_LDADD = libzsign.a $(LIBZSIGN_DEPS)
noinst_PROGRAMS += tests/fuzz/fuzz-jwt
tests_fuzz_fuzz_jwt_SOURCES = tests/fuzz/fuzz-jwt.c daemon/jwt.c \
	daemon/oidc.c
tests_fuzz_fuzz_jwt_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_jwt_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_jwt_LDADD = libzsign.a $(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus/audit tests/fuzz/corpus/policy \
	tests/fuzz/corpus/jwt

# The test OIDC issuer of tests/e2e/oidc-tls.sh.
check_PROGRAMS += tests/e2e/jwt-mint
tests_e2e_jwt_mint_SOURCES = tests/e2e/jwt-mint.c tests/jwtmint.c \
	tests/jwtmint.h
tests_e2e_jwt_mint_LDADD = libzsign.a $(LIBZSIGN_DEPS)

# zsign-client's TLS options (linked into zsign-client through libzsign.a).
libzsign_a_SOURCES += client/tls-opts.c client/tls-opts.h

# TLS load generator for bench/tls.sh and tests/e2e/soak-tls.sh.
noinst_PROGRAMS += bench/zsign-tls-load
bench_zsign_tls_load_SOURCES = bench/zsign-tls-load.c
bench_zsign_tls_load_CFLAGS = $(AM_CFLAGS) $(LIBCURL_CFLAGS)
bench_zsign_tls_load_LDADD = libzsign.a $(LIBCURL_LIBS) $(LIBZSIGN_DEPS)
EXTRA_DIST += bench/tls.sh

SECURITY_E2E_TESTS = tests/e2e/security-tls.sh tests/e2e/security-reload.sh \
	tests/e2e/security-reload-policy.sh \
	tests/e2e/soak-tls.sh tests/e2e/limits-tls.sh \
	tests/e2e/security-anon.sh tests/e2e/security-crl.sh \
	tests/e2e/oidc-tls.sh tests/e2e/approvals.sh
TESTS += $(SECURITY_E2E_TESTS)
EXTRA_DIST += $(SECURITY_E2E_TESTS) tests/e2e/security-lib.sh docs/SECURITY.md \
	tests/e2e/anon-flood.py tests/e2e/mkcrl.py
