# SPDX-License-Identifier: Apache-2.0
# The engine table (engine.h: one entry per tool, each from its lib/
# directory) and the format readers the engines share: Intel HEX, a Zephyr
# build directory (.config, CMakeCache.txt, devicetree blob) and TOML.
libzsign_a_SOURCES += \
	lib/ihex.c lib/ihex.h \
	lib/zephyr.c lib/zephyr.h lib/kconfig.c lib/cmakecache.c lib/fdt.c \
	lib/toml.c lib/toml.h \
	lib/engine.c lib/engine.h
