# SPDX-License-Identifier: Apache-2.0
# The signing state store (state/store.h) and its backends, one file each.
libzsign_a_SOURCES += \
	state/store.c state/store.h state/store-int.h \
	state/sqlite.c \
	state/postgresql.c
