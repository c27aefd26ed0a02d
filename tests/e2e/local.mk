# SPDX-License-Identifier: Apache-2.0
# End-to-end tests: real daemons (zsignd, PostgreSQL, HAProxy, softhsm2)
# on temporary Unix sockets or 127.0.0.1 (tests/e2e/lib.sh), driven with
# zsign-client and curl; TAP.
DAEMON_E2E_TESTS = \
	tests/e2e/keyholder.sh \
	tests/e2e/daemon-api.sh \
	tests/e2e/daemon-sign.sh \
	tests/e2e/daemon-load.sh \
	tests/e2e/daemon-shutdown.sh \
	tests/e2e/daemon-reuse.sh \
	tests/e2e/daemon-memory.sh \
	tests/e2e/daemon-logsafe.sh \
	tests/e2e/daemon-audit.sh \
	tests/e2e/rimage-server-config.sh \
	tests/e2e/large-body.sh \
	tests/e2e/refusals.sh \
	tests/e2e/holder-stall.sh

# Key lifetimes (keys[].not_before/not_after) and zsignd --generate-key.
KEYS_E2E_TESTS = tests/e2e/keys-lifecycle.sh tests/e2e/keys-generate.sh \
	tests/e2e/keys-rotation.sh

CLIENT_E2E_TESTS = tests/e2e/client-basic.sh tests/e2e/client-curl.sh \
	tests/e2e/client-binary.sh tests/e2e/client-fixtures.sh \
	tests/e2e/raw-sign.sh tests/e2e/readme.sh tests/e2e/client-escape.sh \
	tests/e2e/rimage-west.sh tests/e2e/client-privkey.sh \
	tests/e2e/client-change.sh

OPS_E2E_TESTS = tests/e2e/ops-units.sh tests/e2e/ops-activate.sh \
	tests/e2e/ops-activate-tls.sh tests/e2e/ops-config.sh \
	tests/e2e/ops-install.sh

SECURITY_E2E_TESTS = tests/e2e/security-tls.sh tests/e2e/security-reload.sh \
	tests/e2e/security-reload-policy.sh \
	tests/e2e/soak-tls.sh tests/e2e/limits-tls.sh \
	tests/e2e/security-anon.sh tests/e2e/security-crl.sh \
	tests/e2e/oidc-tls.sh tests/e2e/approvals.sh

# zsignd with token keys, and the reference vectors signed by token keys
# (need softhsm2).
PKCS11_E2E_TESTS = tests/e2e/pkcs11-daemon.sh tests/e2e/pkcs11-vectors.sh

STATE_E2E_TESTS = tests/e2e/state-sqlite.sh tests/e2e/state-replicas.sh

E2E_TESTS = $(DAEMON_E2E_TESTS) $(KEYS_E2E_TESTS) $(CLIENT_E2E_TESTS) \
	$(OPS_E2E_TESTS) $(SECURITY_E2E_TESTS) $(PKCS11_E2E_TESTS) \
	$(STATE_E2E_TESTS)
TESTS += $(E2E_TESTS)
EXTRA_DIST += $(E2E_TESTS) tests/e2e/lib.sh tests/e2e/client-common.sh \
	tests/e2e/security-lib.sh tests/e2e/state-lib.sh tests/e2e/pg-lib.sh \
	tests/e2e/daemon-api.json tests/e2e/conn-reuse.py tests/e2e/noread.py \
	tests/e2e/zshttp.py tests/e2e/evilserver.py tests/e2e/anon-flood.py \
	tests/e2e/mkcrl.py tests/e2e/holdserver.py tests/e2e/zsstub.py

# Helper programs of the scripts: zsd-verify checks returned images with
# the engine's verifier; keyscan looks into another process's memory and
# ptrace rights (keyholder.sh); p11-attr reads a token key's CKA_VALUE as
# an attacker would (keys-generate.sh); jwt-mint is the test OIDC issuer
# of oidc-tls.sh; notify-recv receives sd_notify messages.
check_PROGRAMS += tests/e2e/zsd-verify tests/e2e/keyscan tests/e2e/p11-attr \
	tests/e2e/jwt-mint tests/e2e/notify-recv
tests_e2e_zsd_verify_SOURCES = tests/e2e/zsd-verify.c
tests_e2e_zsd_verify_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_e2e_keyscan_SOURCES = tests/e2e/keyscan.c
tests_e2e_p11_attr_SOURCES = tests/e2e/p11-attr.c
tests_e2e_p11_attr_LDADD = $(P11KIT_LIBS)
tests_e2e_jwt_mint_SOURCES = tests/e2e/jwt-mint.c
tests_e2e_jwt_mint_LDADD = tests/libzstest.a libzsign.a $(LIBZSIGN_DEPS)
tests_e2e_notify_recv_SOURCES = tests/e2e/notify-recv.c
