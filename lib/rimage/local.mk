# SPDX-License-Identifier: Apache-2.0
# The rimage engine (SOF audio-DSP images).
libzsign_a_SOURCES += \
	lib/rimage/rimage.h lib/rimage/rimage-int.h \
	lib/rimage/args.c lib/rimage/config.c lib/rimage/elf.c \
	lib/rimage/modules.c lib/rimage/css.c lib/rimage/manifest.c \
	lib/rimage/simple.c lib/rimage/xman.c lib/rimage/rimage.c \
	lib/rimage/engine.c
