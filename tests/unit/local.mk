# SPDX-License-Identifier: Apache-2.0
# Unit tests (cmocka, TAP output), one binary per module. cmocka is needed
# by make check only: without it configure succeeds, and make check stops
# at once and says what is missing.
if HAVE_CMOCKA
UNIT_TESTS = \
	tests/unit/test-common \
	tests/unit/test-keystore \
	tests/unit/test-pkcs11 \
	tests/unit/test-proto \
	tests/unit/test-ihex \
	tests/unit/test-zephyr \
	tests/unit/test-toml \
	tests/unit/test-engine \
	tests/unit/test-handle \
	tests/unit/test-server \
	tests/unit/test-mcuboot \
	tests/unit/test-mcuboot-verify \
	tests/unit/test-rimage \
	tests/unit/test-store \
	tests/unit/test-acl \
	tests/unit/test-audit \
	tests/unit/test-policy \
	tests/unit/test-jwt \
	tests/unit/test-approval \
	tests/unit/test-tlsopts \
	tests/unit/test-rimconf \
	tests/unit/test-refuse \
	tests/unit/test-notify \
	tests/unit/test-metrics \
	tests/unit/test-log \
	tests/unit/test-runtime \
	tests/unit/test-conf \
	tests/unit/test-clientconf \
	tests/unit/test-jsonlift \
	tests/unit/test-conn \
	tests/unit/test-pool
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_common_SOURCES = tests/unit/test-common.c
tests_unit_test_common_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_common_LDADD = $(UNIT_LDADD)
tests_unit_test_keystore_SOURCES = tests/unit/test-keystore.c
tests_unit_test_keystore_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_keystore_LDADD = $(UNIT_LDADD)
tests_unit_test_pkcs11_SOURCES = tests/unit/test-pkcs11.c
tests_unit_test_pkcs11_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pkcs11_LDADD = $(UNIT_LDADD)
tests_unit_test_proto_SOURCES = tests/unit/test-proto.c
tests_unit_test_proto_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_proto_LDADD = $(UNIT_LDADD)
tests_unit_test_ihex_SOURCES = tests/unit/test-ihex.c
tests_unit_test_ihex_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_ihex_LDADD = $(UNIT_LDADD)
tests_unit_test_zephyr_SOURCES = tests/unit/test-zephyr.c
tests_unit_test_zephyr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_zephyr_LDADD = $(UNIT_LDADD)
tests_unit_test_toml_SOURCES = tests/unit/test-toml.c
tests_unit_test_toml_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_toml_LDADD = $(UNIT_LDADD)
tests_unit_test_engine_SOURCES = tests/unit/test-engine.c
tests_unit_test_engine_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_engine_LDADD = $(UNIT_LDADD)
tests_unit_test_handle_SOURCES = tests/unit/test-handle.c
tests_unit_test_handle_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_handle_LDADD = $(UNIT_LDADD)
tests_unit_test_server_SOURCES = tests/unit/test-server.c
tests_unit_test_server_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_server_LDADD = $(UNIT_LDADD)
tests_unit_test_mcuboot_SOURCES = tests/unit/test-mcuboot.c
tests_unit_test_mcuboot_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mcuboot_LDADD = $(UNIT_LDADD)
tests_unit_test_mcuboot_verify_SOURCES = tests/unit/test-mcuboot-verify.c
tests_unit_test_mcuboot_verify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_mcuboot_verify_LDADD = tests/vectors/libvectors.a $(UNIT_LDADD)
tests_unit_test_rimage_SOURCES = tests/unit/test-rimage.c
tests_unit_test_rimage_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rimage_LDADD = $(UNIT_LDADD)
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)
tests_unit_test_acl_SOURCES = tests/unit/test-acl.c
tests_unit_test_acl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_acl_LDADD = $(UNIT_LDADD)
tests_unit_test_audit_SOURCES = tests/unit/test-audit.c
tests_unit_test_audit_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_audit_LDADD = $(UNIT_LDADD)
tests_unit_test_policy_SOURCES = tests/unit/test-policy.c
tests_unit_test_policy_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_policy_LDADD = $(UNIT_LDADD)
tests_unit_test_jwt_SOURCES = tests/unit/test-jwt.c
tests_unit_test_jwt_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_jwt_LDADD = $(UNIT_LDADD)
tests_unit_test_approval_SOURCES = tests/unit/test-approval.c
tests_unit_test_approval_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_approval_LDADD = $(UNIT_LDADD)
tests_unit_test_tlsopts_SOURCES = tests/unit/test-tlsopts.c
tests_unit_test_tlsopts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_tlsopts_LDADD = $(UNIT_LDADD)
tests_unit_test_rimconf_SOURCES = tests/unit/test-rimconf.c
tests_unit_test_rimconf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_rimconf_LDADD = $(UNIT_LDADD)
tests_unit_test_refuse_SOURCES = tests/unit/test-refuse.c
tests_unit_test_refuse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_refuse_LDADD = $(UNIT_LDADD)
tests_unit_test_notify_SOURCES = tests/unit/test-notify.c
tests_unit_test_notify_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_notify_LDADD = $(UNIT_LDADD)
tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(UNIT_LDADD)
tests_unit_test_log_SOURCES = tests/unit/test-log.c
tests_unit_test_log_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_log_LDADD = $(UNIT_LDADD)
tests_unit_test_conf_SOURCES = tests/unit/test-conf.c
tests_unit_test_conf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_LDADD = $(UNIT_LDADD)
tests_unit_test_runtime_SOURCES = tests/unit/test-runtime.c
tests_unit_test_runtime_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_runtime_LDADD = $(UNIT_LDADD)
tests_unit_test_clientconf_SOURCES = tests/unit/test-clientconf.c
tests_unit_test_clientconf_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_clientconf_LDADD = $(UNIT_LDADD)
tests_unit_test_jsonlift_SOURCES = tests/unit/test-jsonlift.c
tests_unit_test_jsonlift_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_jsonlift_LDADD = $(UNIT_LDADD)
tests_unit_test_conn_SOURCES = tests/unit/test-conn.c
tests_unit_test_conn_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conn_LDADD = $(UNIT_LDADD)
tests_unit_test_pool_SOURCES = tests/unit/test-pool.c
tests_unit_test_pool_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_pool_LDADD = $(UNIT_LDADD)
else
# make check stops here, once the programs are built and before any test.
check-am: zs-need-cmocka
zs-need-cmocka:
	@echo "make check needs cmocka >= 1.1 (Debian: libcmocka-dev), which" \
	    "configure did not find: install it and run configure again" >&2
	@exit 1
.PHONY: zs-need-cmocka
endif
EXTRA_DIST += tests/unit/data/ihex
