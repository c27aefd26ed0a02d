# SPDX-License-Identifier: Apache-2.0
# Benchmark tools (not tests); the scripts print ratios from one run.
# bench/run.sh drives zsign-load; bench/tls.sh and tests/e2e/soak-tls.sh
# zsign-tls-load; bench/pkcs11.sh pkcs11-bench (token keys beside PEM
# keys); rimage-bench signs a synthesized 1 MiB SOF image in-process.
noinst_PROGRAMS += bench/zsign-load bench/zsign-tls-load bench/pkcs11-bench \
	bench/rimage-bench
bench_zsign_load_SOURCES = bench/zsign-load.c
bench_zsign_load_LDADD = libzsign.a $(LIBZSIGN_DEPS)
bench_zsign_tls_load_SOURCES = bench/zsign-tls-load.c
bench_zsign_tls_load_CFLAGS = $(AM_CFLAGS) $(LIBCURL_CFLAGS)
bench_zsign_tls_load_LDADD = libzsign.a $(LIBCURL_LIBS) $(LIBZSIGN_DEPS)
bench_pkcs11_bench_SOURCES = bench/pkcs11-bench.c
bench_pkcs11_bench_LDADD = libzsign.a $(LIBZSIGN_DEPS)
bench_rimage_bench_SOURCES = bench/rimage-bench.c
bench_rimage_bench_CFLAGS = $(AM_CFLAGS) -DZS_TOP_SRCDIR='"$(abs_top_srcdir)"'
bench_rimage_bench_LDADD = libzsign.a $(LIBZSIGN_DEPS)
EXTRA_DIST += bench/run.sh bench/state.sh bench/keyholder.sh bench/tls.sh \
	bench/pkcs11.sh bench/rimage.sh
