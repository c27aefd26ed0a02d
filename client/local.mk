# SPDX-License-Identifier: Apache-2.0
# zsign-client: the protocol client (zsclient.c over transport.c) and the
# command line; all but main() lives in libzsign.a.
libzsign_a_SOURCES += \
	client/transport.c client/transport.h \
	client/zsclient.c client/zsclient.h \
	client/cli.c client/cli.h client/cli-raw.c \
	client/clientconf.c client/clientconf.h \
	client/cli-imgtool.c client/cli-west.c client/cli-approve.c \
	client/cli-rimage.c client/cli-west-rimage.c client/cli-engine.c \
	client/imgtool-help.c client/imgtool-help.h \
	client/tls-opts.c client/tls-opts.h

bin_PROGRAMS += zsign-client
zsign_client_SOURCES = client/zsign-client.c
# --as-needed: the client loads only the libraries it calls into (no
# p11-kit, libfdt or liblzma), which is most of its start-up time.
zsign_client_LDFLAGS = $(AM_LDFLAGS) -Wl,--as-needed
zsign_client_LDADD = libzsign.a $(HTTP_PARSER_LIBS) $(LIBZSIGN_DEPS)
