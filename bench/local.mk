# SPDX-License-Identifier: Apache-2.0
# Benchmark tools (not tests): bench/run.sh drives zsign-load.
noinst_PROGRAMS += bench/zsign-load
bench_zsign_load_SOURCES = bench/zsign-load.c
bench_zsign_load_LDADD = libzsign.a $(LIBZSIGN_DEPS)
EXTRA_DIST += bench/run.sh bench/state.sh bench/keyholder.sh
