# SPDX-License-Identifier: Apache-2.0
# The MCUboot image engine (imgtool sign/verify/dumpinfo/getpub).
libzsign_a_SOURCES += \
	lib/mcuboot/mcuboot.h lib/mcuboot/mcuboot-int.h \
	lib/mcuboot/args.c lib/mcuboot/image.c lib/mcuboot/tlv.c \
	lib/mcuboot/keys.c lib/mcuboot/trailer.c lib/mcuboot/enc.c \
	lib/mcuboot/compress.c lib/mcuboot/verify.c \
	lib/mcuboot/dumpinfo.c lib/mcuboot/getkey.c lib/mcuboot/engine.c
