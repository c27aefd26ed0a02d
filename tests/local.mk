# SPDX-License-Identifier: Apache-2.0
# Unit tests (cmocka, TAP output), one binary per module.
UNIT_TESTS = tests/unit/test-common tests/unit/test-keystore
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

tests_unit_test_common_SOURCES = tests/unit/test-common.c
tests_unit_test_common_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_common_LDADD = $(UNIT_LDADD)

tests_unit_test_keystore_SOURCES = tests/unit/test-keystore.c
tests_unit_test_keystore_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_keystore_LDADD = $(UNIT_LDADD)

EXTRA_DIST += tests/keys
