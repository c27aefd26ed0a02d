# SPDX-License-Identifier: Apache-2.0
# The shared base: errors, logging, allocation, buffers, and jsonlift
# (json_loadb() with the base64 files lifted out, for the client's replies
# and the daemon's requests).
libzsign_a_SOURCES += \
	common/zserr.c common/zserr.h \
	common/log.c common/log.h \
	common/xmalloc.c common/xmalloc.h \
	common/buf.c common/buf.h \
	common/util.c common/util.h \
	common/fileset.c common/fileset.h common/delta.c common/delta.h \
	common/digit.c common/digit.h \
	common/harden.c common/harden.h \
	common/jsonlift.c common/jsonlift.h
