/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsign-pkcs11-helper MODULE NCHAN: the only zsign process that loads a
 * PKCS#11 module. zsignd starts one per module and talks to it over NCHAN
 * socketpairs on fds 3.., one thread per channel, so that a vendor module
 * that crashes or hangs takes down this process and not the daemon.
 */
#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "keystore/p11-proto.h"
#include "keystore/p11-token.h"

/* Most channels (threads) one helper serves. */
#define HELPER_CHANNELS_MAX	64

struct helper_chan {
	int		 fd;
	pthread_t	 thread;
};

static struct p11_module *helper_module;
/* Why the module could not be loaded; every request is answered with it. */
static struct zs_errbuf helper_openerr;

/* Answer m on fd; the reply frame is zeroized on free. */
static int
helper_reply(int fd, const struct p11_msg *m)
{
	struct buf *out = buf_new(P11_FRAME_MAX + 4);
	int r;

	if ((r = p11_msg_encode(m, out)) == 0)
		r = p11_frame_write(fd, out, -1);
	buf_free(out);
	return r;
}

static int
helper_reply_err(int fd, const struct zs_errbuf *eb, int code)
{
	struct p11_msg m;

	memset(&m, 0, sizeof(m));
	m.type = P11_MSG_ERR;
	m.code = code < 0 && code > -ZS_ERR_COUNT ? code : ZS_ERR_INTERNAL;
	m.text = eb->msg;
	m.textlen = strnlen(eb->msg, P11_TEXT_MAX);
	return helper_reply(fd, &m);
}

static int
handle_load(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	struct p11_msg rep;
	uint8_t *spki = NULL;
	size_t spkilen = 0;
	char *uri;
	int r;

	uri = xmalloc(req->urilen + 1);
	memcpy(uri, req->uri, req->urilen);
	uri[req->urilen] = '\0';
	r = p11_module_load_key(helper_module, req->keyid, uri, req->pin,
	    req->pinlen, &spki, &spkilen, eb);
	free(uri);
	if (r != 0)
		return helper_reply_err(fd, eb, r);
	memset(&rep, 0, sizeof(rep));
	rep.type = P11_MSG_OK;
	rep.data = spki;
	rep.datalen = spkilen;
	r = helper_reply(fd, &rep);
	free(spki);
	return r;
}

static int
handle_sign(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	struct p11_msg rep;
	uint8_t sig[P11_SIG_MAX];
	size_t siglen = 0;
	int r;

	if ((r = p11_module_sign(helper_module, req->keyid,
	    (enum zs_sigalg)req->alg, req->data, req->datalen, sig, &siglen,
	    eb)) != 0)
		return helper_reply_err(fd, eb, r);
	memset(&rep, 0, sizeof(rep));
	rep.type = P11_MSG_OK;
	rep.data = sig;
	rep.datalen = siglen;
	return helper_reply(fd, &rep);
}

static int
handle_status(int fd, const struct p11_msg *req, struct zs_errbuf *eb)
{
	struct p11_msg rep;
	int r;

	if ((r = p11_module_status(helper_module, req->keyid, eb)) != 0)
		return helper_reply_err(fd, eb, r);
	memset(&rep, 0, sizeof(rep));
	rep.type = P11_MSG_OK;
	return helper_reply(fd, &rep);
}

static const struct {
	uint8_t	type;
	int	(*handler)(int, const struct p11_msg *, struct zs_errbuf *);
} helper_handlers[] = {
	{ P11_MSG_LOAD, handle_load },
	{ P11_MSG_SIGN, handle_sign },
	{ P11_MSG_STATUS, handle_status },
};

/* Serve one channel until the daemon closes it or breaks the protocol. */
static void *
helper_serve(void *arg)
{
	struct helper_chan *ch = arg;
	struct buf *body = buf_new(P11_FRAME_MAX);
	struct zs_errbuf eb;
	struct p11_msg req;
	size_t i, n = sizeof(helper_handlers) / sizeof(helper_handlers[0]);
	int r;

	for (;;) {
		zs_errclear(&eb);
		if (p11_frame_read(ch->fd, -1, body, &eb) != 0)
			break;
		if (p11_msg_decode(buf_ptr(body), buf_len(body), &req,
		    &eb) != 0) {
			log_warnx("closing channel: %s", eb.msg);
			break;
		}
		for (i = 0; i < n && helper_handlers[i].type != req.type; i++)
			;
		if (i == n) {
			log_warnx("closing channel: unexpected message %u",
			    req.type);
			break;
		}
		if (helper_module == NULL)
			r = helper_reply_err(ch->fd, &helper_openerr,
			    helper_openerr.code);
		else
			r = helper_handlers[i].handler(ch->fd, &req, &eb);
		buf_reset(body);
		if (r != 0)
			break;
	}
	buf_free(body);
	close(ch->fd);
	return NULL;
}

int
main(int argc, char *argv[])
{
	struct helper_chan chans[HELPER_CHANNELS_MAX];
	unsigned long long n;
	size_t i;

	log_init("zsign-pkcs11-helper", 1, ZS_LOG_INFO);
	if (argc != 3 || zs_parse_uint(argv[2], HELPER_CHANNELS_MAX, &n) != 0 ||
	    n == 0)
		fatalx("usage: zsign-pkcs11-helper MODULE NCHANNELS (started "
		    "by zsignd, not by hand)");
	/* The daemon going away shows as EOF, not as a signal. */
	signal(SIGPIPE, SIG_IGN);
	zs_errclear(&helper_openerr);
	if (p11_module_open(argv[1], &helper_module, &helper_openerr) != 0)
		log_warnx("%s", helper_openerr.msg);
	for (i = 0; i < n; i++) {
		chans[i].fd = P11_FD_BASE + (int)i;
		if (pthread_create(&chans[i].thread, NULL, helper_serve,
		    &chans[i]) != 0)
			fatalx("cannot start channel thread");
	}
	for (i = 0; i < n; i++)
		pthread_join(chans[i].thread, NULL);
	p11_module_close(helper_module);
	return 0;
}
