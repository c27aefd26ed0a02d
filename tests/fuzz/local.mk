# SPDX-License-Identifier: Apache-2.0
# libFuzzer targets (--enable-fuzzing), one per parser; each file's header
# names the code it exercises. With fuzzing on, configure builds all of
# libzsign.a with coverage counters and ASan, so a target links the
# instrumented library and compiles only its own file.
if ENABLE_FUZZING
FUZZ_TARGETS = \
	tests/fuzz/fuzz-request \
	tests/fuzz/fuzz-audit \
	tests/fuzz/fuzz-policy \
	tests/fuzz/fuzz-jwt \
	tests/fuzz/fuzz-ihex \
	tests/fuzz/fuzz-kconfig \
	tests/fuzz/fuzz-fdt \
	tests/fuzz/fuzz-mcuboot-image \
	tests/fuzz/fuzz-mcuboot-args \
	tests/fuzz/fuzz-elf \
	tests/fuzz/fuzz-toml \
	tests/fuzz/fuzz-rimage-manifest \
	tests/fuzz/fuzz-p11-proto \
	tests/fuzz/fuzz-jsonlift \
	tests/fuzz/fuzz-reply
noinst_PROGRAMS += $(FUZZ_TARGETS)
tests_fuzz_fuzz_request_SOURCES = tests/fuzz/fuzz-request.c
tests_fuzz_fuzz_request_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_request_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_request_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_audit_SOURCES = tests/fuzz/fuzz-audit.c
tests_fuzz_fuzz_audit_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_audit_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_audit_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz-policy.c
tests_fuzz_fuzz_policy_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_policy_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_policy_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_jwt_SOURCES = tests/fuzz/fuzz-jwt.c
tests_fuzz_fuzz_jwt_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_jwt_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_jwt_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_ihex_SOURCES = tests/fuzz/fuzz-ihex.c
tests_fuzz_fuzz_ihex_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_ihex_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_ihex_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_kconfig_SOURCES = tests/fuzz/fuzz-kconfig.c
tests_fuzz_fuzz_kconfig_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_kconfig_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_kconfig_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_fdt_SOURCES = tests/fuzz/fuzz-fdt.c
tests_fuzz_fuzz_fdt_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_fdt_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_fdt_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_mcuboot_image_SOURCES = tests/fuzz/fuzz-mcuboot-image.c
tests_fuzz_fuzz_mcuboot_image_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_mcuboot_image_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_mcuboot_image_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_mcuboot_args_SOURCES = tests/fuzz/fuzz-mcuboot-args.c
tests_fuzz_fuzz_mcuboot_args_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_mcuboot_args_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_mcuboot_args_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_elf_SOURCES = tests/fuzz/fuzz-elf.c
tests_fuzz_fuzz_elf_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_elf_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_elf_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_toml_SOURCES = tests/fuzz/fuzz-toml.c
tests_fuzz_fuzz_toml_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_toml_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_toml_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_rimage_manifest_SOURCES = tests/fuzz/fuzz-rimage-manifest.c
tests_fuzz_fuzz_rimage_manifest_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS) \
	-DZS_TOP_SRCDIR='"$(abs_top_srcdir)"'
tests_fuzz_fuzz_rimage_manifest_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rimage_manifest_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_p11_proto_SOURCES = tests/fuzz/fuzz-p11-proto.c
tests_fuzz_fuzz_p11_proto_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_p11_proto_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_p11_proto_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_jsonlift_SOURCES = tests/fuzz/fuzz-jsonlift.c
tests_fuzz_fuzz_jsonlift_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_jsonlift_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_jsonlift_LDADD = libzsign.a $(LIBZSIGN_DEPS)
tests_fuzz_fuzz_reply_SOURCES = tests/fuzz/fuzz-reply.c
tests_fuzz_fuzz_reply_CFLAGS = $(AM_CFLAGS) $(FUZZ_CFLAGS)
tests_fuzz_fuzz_reply_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_reply_LDADD = libzsign.a $(HTTP_PARSER_LIBS) $(LIBZSIGN_DEPS)
endif
EXTRA_DIST += tests/fuzz/corpus
