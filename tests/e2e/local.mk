# SPDX-License-Identifier: Apache-2.0
# End-to-end tests of zsignd: real daemons on temporary Unix sockets
# (tests/e2e/lib.sh), driven with curl; TAP.
DAEMON_E2E_TESTS = \
	tests/e2e/keyholder.sh \
	tests/e2e/daemon-api.sh \
	tests/e2e/daemon-sign.sh \
	tests/e2e/daemon-load.sh \
	tests/e2e/daemon-shutdown.sh \
	tests/e2e/daemon-reuse.sh \
	tests/e2e/daemon-memory.sh \
	tests/e2e/daemon-logsafe.sh \
	tests/e2e/daemon-audit.sh
TESTS += $(DAEMON_E2E_TESTS)
EXTRA_DIST += $(DAEMON_E2E_TESTS) tests/e2e/lib.sh tests/e2e/daemon-api.json \
	tests/e2e/conn-reuse.py tests/e2e/noread.py tests/e2e/zshttp.py

# Key lifetimes (keys[].not_before/not_after) and zsignd --generate-key.
KEYS_E2E_TESTS = tests/e2e/keys-lifecycle.sh tests/e2e/keys-generate.sh \
	tests/e2e/keys-rotation.sh
TESTS += $(KEYS_E2E_TESTS)
EXTRA_DIST += $(KEYS_E2E_TESTS)

# Checks returned images with the engine's verifier.
check_PROGRAMS += tests/e2e/zsd-verify
tests_e2e_zsd_verify_SOURCES = tests/e2e/zsd-verify.c
tests_e2e_zsd_verify_LDADD = libzsign.a $(LIBZSIGN_DEPS)

# Looks into another process's memory and ptrace rights (keyholder.sh).
check_PROGRAMS += tests/e2e/keyscan
tests_e2e_keyscan_SOURCES = tests/e2e/keyscan.c
