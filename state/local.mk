# SPDX-License-Identifier: Apache-2.0
# The signing state store (state/store.h) and its backends, one file each.
libzsign_a_SOURCES += \
	state/store.c state/store.h state/store-int.h \
	state/sqlite.c \
	state/postgresql.c

check_PROGRAMS += tests/unit/test-store
TESTS += tests/unit/test-store
tests_unit_test_store_SOURCES = tests/unit/test-store.c
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)

STATE_E2E_TESTS = tests/e2e/state-sqlite.sh tests/e2e/state-replicas.sh
TESTS += $(STATE_E2E_TESTS)
EXTRA_DIST += $(STATE_E2E_TESTS) tests/e2e/state-lib.sh tests/e2e/pg-lib.sh \
	docs/deploy-replicas.md
