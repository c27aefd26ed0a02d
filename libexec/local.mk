# SPDX-License-Identifier: Apache-2.0
# The programs zsignd starts: the key holder, which alone holds private
# keys, and the PKCS#11 helper it starts per module.
pkglibexec_PROGRAMS += zsign-keyholder zsign-pkcs11-helper
zsign_keyholder_SOURCES = libexec/zsign-keyholder.c
zsign_keyholder_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
zsign_keyholder_LDADD = libzsign.a $(LIBZSIGN_DEPS) $(SECCOMP_LIBS)
zsign_pkcs11_helper_SOURCES = libexec/zsign-pkcs11-helper.c
zsign_pkcs11_helper_LDADD = libzsign.a $(LIBZSIGN_DEPS)
