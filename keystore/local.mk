# SPDX-License-Identifier: Apache-2.0
# Key stores (PEM files, the key holder, PKCS#11 tokens) and the keystore
# protocol's framing; the programs that serve it are in libexec/.
libzsign_a_SOURCES += \
	keystore/keystore.c keystore/keystore.h \
	keystore/keystore-file.c \
	keystore/keystore-holder.c \
	keystore/helper.c keystore/helper.h \
	keystore/keystore-pkcs11.c \
	keystore/p11-proto.c keystore/p11-proto.h \
	keystore/p11-token.c keystore/p11-token.h
