/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Child processes that speak the keystore protocol (keystore/p11-proto.h)
 * over socketpairs: the key holder (zsign-keyholder) and the PKCS#11 helper
 * (zsign-pkcs11-helper). The client side starts a child on first use,
 * hands out one channel per request, and kills and restarts a child that
 * dies or hangs; the server side serves each channel from its own thread.
 */
#ifndef ZS_HELPER_H
#define ZS_HELPER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/zserr.h"

struct p11_msg;
struct helper;

/* Most channels (threads) one child serves. */
#define HELPER_CHANNELS_MAX	64
/*
 * How long a key's last outcome still answers helper_key_status() once
 * the child is being asked again: a child silent for longer (hung,
 * stopped) shows its keys as down.
 */
#define HELPER_STATUS_GRACE_MS	1000

/* One channel, held by one request at a time. */
struct helper_chan {
	int		 fd;
	unsigned	 gen;		/* child start the fd belongs to */
	int		 busy;
	int		 idx;
};

/* What to start: a program in the libexec directory and its arguments. */
struct helper_prog {
	const char	*name;		/* "zsign-keyholder" */
	const char	*env;		/* overrides its path (tests) */
	const char	*what;		/* for messages: "key holder" */
	int		 nchan;		/* channels, <= HELPER_CHANNELS_MAX */
	/*
	 * Its requests may wait for a child of its own (the holder for the
	 * PKCS#11 helper): give it twice the time and HELPER_NEST_GRACE_MS,
	 * so the inner child is presumed hung first.
	 */
	int		 nests;
};

/*
 * The child running prog with argument arg (NULL for none), shared by
 * every caller naming the same pair; started on first request. Each get
 * is matched by a helper_put().
 */
struct helper	*helper_get(const struct helper_prog *prog, const char *arg);
/*
 * Where prog is: its environment override, else the installed one, else
 * the one beside the running program (a build tree).
 */
void		 helper_path(const struct helper_prog *prog, char *path,
		    size_t len);
/* Drop a hold; the last one closes the channels and reaps the child. */
void		 helper_put(struct helper *h);
/* A new identifier for an object (a key) inside this child. */
uint32_t	 helper_next_id(struct helper *h);
/* How long one request may take before the child is presumed hung. */
int		 helper_timeout_ms(const struct helper *h);
/*
 * Take a free channel to a running child, starting it if need be; when
 * all are busy, wait for one, or fail with ZS_ERR_LIMIT if !wait.
 */
int		 helper_acquire(struct helper *h, struct helper_chan *chp,
		    int wait, struct zs_errbuf *eb);
/* Give back a channel taken by helper_acquire(). */
void		 helper_release(struct helper *h, const struct helper_chan *ch);
/*
 * Send req on ch and wait for the reply. An OK reply's data is copied to
 * out (at most outmax bytes); an error reply becomes the return value. A
 * child that fails to answer is killed, logged and restarted, and the
 * request fails with ZS_ERR_UNAVAILABLE.
 */
int		 helper_call(struct helper *h, const struct helper_chan *ch,
		    const struct p11_msg *req, uint8_t *out, size_t outmax,
		    size_t *outlenp, int timeout_ms, struct zs_errbuf *eb);

/*
 * An object (a key) the parent opened in a child: opened again with the
 * same request after the child restarts, and remembered as available or
 * not by the outcome of its last request.
 */
struct helper_key {
	struct helper	*h;
	uint32_t	 id;
	const char	*name;		/* for messages (borrowed) */
	/* Fills in the request that opens it in a child (keyid set). */
	void		(*open_req)(void *arg, struct p11_msg *req);
	void		*arg;
	uint8_t		*spki;		/* its public key, to know it again */
	size_t		 spkilen;
	atomic_uint	 opened_gen;	/* child start it is open in */
	atomic_int	 avail;		/* last request's outcome */
	atomic_uint	 checked_gen;	/* ... in that child start */
	atomic_llong	 checked_ms;	/* ... at that time */
	/* helper_key_status()'s queue, under the child's lock. */
	struct helper_key *stat_next;
	int		 stat_queued;
	uint8_t		 stat_type;
	int		 stat_timeout_ms;
	long long	 stat_asked_ms;	/* the question unanswered since */
};

/* Hold the child for prog and arg and open the key there (spki is set). */
int		 helper_key_init(struct helper_key *k,
		    const struct helper_prog *prog, const char *arg,
		    struct zs_errbuf *eb);
/* Close the key in its child if open there, and release the child. */
void		 helper_key_fini(struct helper_key *k, uint8_t close_type);
/*
 * One request about k (its keyid set here) on a free channel, opening it
 * first if the child is new; wait as in helper_acquire().
 */
int		 helper_key_request(struct helper_key *k, struct p11_msg *req,
		    uint8_t *out, size_t outmax, size_t *outlenp, int wait,
		    int timeout_ms, struct zs_errbuf *eb);
/*
 * Is k usable? Answers from the last outcome while younger than ttl_ms
 * and from the running child, else asks it (status_type) without waiting
 * for a busy channel.
 */
int		 helper_key_available(struct helper_key *k, uint8_t status_type,
		    int ttl_ms, int timeout_ms);
/*
 * Is k usable, by what is known now? Never waits for the child (for the
 * event loop): an outcome younger than ttl_ms is the answer; an older one
 * has a thread of the child's ask it (status_type, timeout_ms) in the
 * background and stays the answer meanwhile, for HELPER_STATUS_GRACE_MS:
 * a child asked that long ago without a word since counts as down.
 */
int		 helper_key_status(struct helper_key *k, uint8_t status_type,
		    int ttl_ms, int timeout_ms);

/* A request type a child serves, and its handler (which must reply). */
struct helper_handler {
	uint8_t	  type;
	int	(*handler)(int fd, const struct p11_msg *req,
		    struct zs_errbuf *eb);
};

/* Answer an OK carrying data (may be NULL) on fd. */
int		 helper_reply_ok(int fd, const uint8_t *data, size_t len);
/* Answer an error (code is a ZS_ERR_*, eb->msg the detail) on fd. */
int		 helper_reply_err(int fd, const struct zs_errbuf *eb, int code);
/*
 * In a child: serve nchan channels on fds P11_FD_BASE.. with handlers until
 * the parent closes them all. With refuse set, every request is answered
 * with that error instead (the child could not get ready).
 */
void		 helper_serve(int nchan, const struct helper_handler *handlers,
		    size_t nhandlers, const struct zs_errbuf *refuse);

#endif /* ZS_HELPER_H */
