# SPDX-License-Identifier: Apache-2.0
libzsign_a_SOURCES += \
	keystore/keystore.c keystore/keystore.h \
	keystore/keystore-file.c \
	keystore/keystore-holder.c \
	keystore/helper.c keystore/helper.h
