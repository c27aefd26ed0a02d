# SPDX-License-Identifier: Apache-2.0
# A test OIDC issuer (JWKS, minted tokens) shared by the unit and
# end-to-end tests, and the unit tests' temporary directories (zstest.h);
# the test keys and fixtures; the Debian packaging test (run by
# scripts/test.sh, not make check: it is slow).
check_LIBRARIES += tests/libzstest.a
tests_libzstest_a_SOURCES = tests/jwtmint.c tests/jwtmint.h tests/zstest.c \
	tests/zstest.h
EXTRA_DIST += tests/keys tests/fixtures/zephyr tests/deb/packages.sh
