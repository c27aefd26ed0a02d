# SPDX-License-Identifier: Apache-2.0
# Security area: audit trail, policy (identities, rules, limits), TLS
# listeners, process hardening; their unit, end-to-end and fuzz tests.
libzsign_a_SOURCES += \
	daemon/audit.c daemon/audit.h \
	daemon/policy.c daemon/policy.h \
	daemon/tls.c daemon/tls.h \
	daemon/security.c daemon/security.h \
	daemon/refagg.c daemon/refagg.h

SECURITY_UNIT_TESTS = tests/unit/test-audit tests/unit/test-policy \
	tests/unit/test-tlsopts
check_PROGRAMS += $(SECURITY_UNIT_TESTS)
TESTS += $(SECURITY_UNIT_TESTS)

tests_unit_test_audit_SOURCES = tests/unit/test-audit.c
tests_unit_test_audit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_audit_LDADD = $(UNIT_LDADD)

tests_unit_test_policy_SOURCES = tests/unit/test-policy.c
tests_unit_test_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_policy_LDADD = $(UNIT_LDADD)

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
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz-policy.c daemon/policy.c
tests_fuzz_fuzz_policy_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_policy_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_policy_LDADD = libzsign.a $(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus/audit tests/fuzz/corpus/policy

# zsign-client's TLS options (linked into zsign-client through libzsign.a).
libzsign_a_SOURCES += client/tls-opts.c client/tls-opts.h

# TLS load generator for bench/tls.sh and tests/e2e/soak-tls.sh.
noinst_PROGRAMS += bench/zsign-tls-load
bench_zsign_tls_load_SOURCES = bench/zsign-tls-load.c
bench_zsign_tls_load_CFLAGS = $(AM_CFLAGS) $(LIBCURL_CFLAGS)
bench_zsign_tls_load_LDADD = libzsign.a $(LIBCURL_LIBS) $(LIBZSIGN_DEPS)
EXTRA_DIST += bench/tls.sh

SECURITY_E2E_TESTS = tests/e2e/security-tls.sh tests/e2e/security-reload.sh \
	tests/e2e/soak-tls.sh tests/e2e/limits-tls.sh \
	tests/e2e/security-anon.sh tests/e2e/security-crl.sh
TESTS += $(SECURITY_E2E_TESTS)
EXTRA_DIST += $(SECURITY_E2E_TESTS) tests/e2e/security-lib.sh docs/SECURITY.md \
	tests/e2e/anon-flood.py tests/e2e/mkcrl.py
