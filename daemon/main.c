/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zsignd: the signing daemon. main() only wires: options, configuration,
 * logging, keys, then the server; torn down in reverse order.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/audit.h"
#include "daemon/conf.h"
#include "common/harden.h"
#include "daemon/notify.h"
#include "daemon/policy.h"
#include "daemon/pool.h"
#include "daemon/runtime.h"
#include "daemon/security.h"
#include "daemon/server.h"
#include "keystore/keystore.h"
#include "state/store.h"

/* Exit status for a bad command line. */
#define EXIT_USAGE	2

/* Long options without a short form (security.c's settings). */
enum {
	OPT_TLS_CERT = 256, OPT_TLS_KEY, OPT_TLS_CLIENT_CA, OPT_AUDIT_LOG,
	OPT_VERIFY_AUDIT, OPT_HASH_TOKEN, OPT_GENERATE_KEY, OPT_RIMAGE_DIR,
	OPT_NO_CLIENT_RIMAGE, OPT_STATE, OPT_INIT_STATE,
	OPT_ALLOW_STATE_ROLLBACK, OPT_AUDIT_KEY, OPT_TLS_CRL,
};

static const struct option longopts[] = {
	{ "config",		required_argument,	NULL, 'c' },
	{ "config-file",	required_argument,	NULL, 'f' },
	{ "listen",		required_argument,	NULL, 'l' },
	{ "key",		required_argument,	NULL, 'k' },
	{ "passphrase-file",	required_argument,	NULL, 'p' },
	{ "workers",		required_argument,	NULL, 'w' },
	{ "debug",		no_argument,		NULL, 'd' },
	{ "foreground",		no_argument,		NULL, 'F' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "check-config",	no_argument,		NULL, 'n' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "tls-cert",		required_argument,	NULL, OPT_TLS_CERT },
	{ "tls-key",		required_argument,	NULL, OPT_TLS_KEY },
	{ "tls-client-ca",	required_argument,	NULL, OPT_TLS_CLIENT_CA },
	{ "tls-crl",		required_argument,	NULL, OPT_TLS_CRL },
	{ "audit-log",		required_argument,	NULL, OPT_AUDIT_LOG },
	{ "audit-key",		required_argument,	NULL, OPT_AUDIT_KEY },
	{ "verify-audit",	required_argument,	NULL, OPT_VERIFY_AUDIT },
	{ "hash-token",		no_argument,		NULL, OPT_HASH_TOKEN },
	{ "generate-key",	required_argument,	NULL, OPT_GENERATE_KEY },
	{ "rimage-config-dir",	required_argument,	NULL, OPT_RIMAGE_DIR },
	{ "no-client-rimage-configs", no_argument,	NULL,
	    OPT_NO_CLIENT_RIMAGE },
	{ "state",		required_argument,	NULL, OPT_STATE },
	{ "init-state",		required_argument,	NULL, OPT_INIT_STATE },
	{ "allow-state-rollback", no_argument,		NULL,
	    OPT_ALLOW_STATE_ROLLBACK },
	{ NULL,			0,			NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: zsignd [-dFnqvV] [-c FILE] [-l unix:PATH|tcp:HOST:PORT]...\n"
"              [-k NAME=KEYFILE]... [-p NAME=PASSFILE]... [-w N]\n"
"              [--tls-cert FILE --tls-key FILE\n"
"               [--tls-client-ca FILE [--tls-crl FILE]]]\n"
"              [--audit-log FILE [--audit-key KEYFILE]]\n"
"              [--rimage-config-dir DIR] [--no-client-rimage-configs]\n"
"              [--state URL [--allow-state-rollback]]\n"
"       zsignd --init-state URL\n"
"       zsignd --verify-audit FILE [-k PUBKEYFILE]\n"
"       zsignd --hash-token < TOKENFILE\n"
"       zsignd --generate-key TYPE FILE|PKCS11-URI [-p PASSFILE]\n"
"  -c, --config FILE            JSON configuration file\n"
"  -f, --config-file FILE       the same as -c\n"
"  -l, --listen unix:PATH       listen there (repeatable; replaces the\n"
"                               file's listeners; default %s)\n"
"  -l, --listen tcp:HOST:PORT   listen there with TLS only\n"
"      --tls-cert FILE          TLS certificate chain (PEM)\n"
"      --tls-key FILE           its private key (PEM)\n"
"      --tls-client-ca FILE     CA bundle for client certificates\n"
"      --tls-crl FILE           their CRLs (PEM): revoked ones refused\n"
"      --audit-log FILE         hash-chained audit log (fail closed)\n"
"      --state URL              where the rules keep their state:\n"
"                               sqlite:PATH or postgresql://...\n"
"      --allow-state-rollback   start although the state store is\n"
"                               behind the audit log (restored copy)\n"
"      --init-state URL         create the state store's tables, and exit\n"
"      --audit-key KEYFILE      sign the audit log's checkpoints with it\n"
"      --verify-audit FILE      check an audit log's chain and exit; with\n"
"                               -k PUBKEYFILE also its signed checkpoints\n"
"      --hash-token             print the configuration form of the\n"
"                               bearer token read from stdin, and exit\n"
"      --generate-key TYPE      make a key (ed25519, ecdsa-p256,\n"
"                               ecdsa-p384, rsa-2048, rsa-3072) in a new\n"
"                               PEM file or on a PKCS#11 token, print\n"
"                               its public key, and exit; -p PASSFILE\n"
"                               encrypts the file or holds the PIN\n"
"  -k, --key NAME=KEYFILE       serve the PEM key (or pkcs11: URI) as NAME\n"
"  -p, --passphrase-file NAME=FILE\n"
"                               read key NAME's passphrase from FILE\n"
"  -w, --workers N              signing threads (default: one per core)\n"
"      --rimage-config-dir DIR  rimage configs requests name as\n"
"                               -c zsign:NAME (DIR/NAME.toml)\n"
"      --no-client-rimage-configs\n"
"                               refuse rimage requests that upload\n"
"                               their config\n"
"  -d, --debug                  log debug messages (to stderr)\n"
"  -F, --foreground             log to stderr even when it is /dev/null\n"
"                               or closed (else syslog then)\n"
"  -v, --verbose                log more (repeatable)\n"
"  -q, --quiet                  log warnings and errors only\n"
"  -n, --check-config           load configuration and keys, then exit\n"
"  -h, --help                   show this help\n"
"  -V, --version                show the version\n", CONF_LISTEN_DEFAULT);
}

/* Command-line settings, applied over the configuration file. */
struct cmdline {
	const char	*config;
	const char	*listen[CONF_LISTEN_MAX];
	size_t		 nlisten;
	char		**keys;		/* -k and -p, in order, tagged */
	size_t		 nkeys;
	unsigned int	 workers;
	int		 level;		/* -1: the file's log_level */
	int		 foreground;
	int		 check;
	struct security_opts sec;
	const char	*verify_audit;
	const char	*init_state;
	int		 hash_token;
	const char	*genkey_type;	/* --generate-key TYPE */
	const char	*genkey_target;
	const char	*rimage_dir;
	int		 no_client_rimage;
};

static void
cmdline_parse(struct cmdline *cl, int argc, char *argv[])
{
	unsigned long long n;
	int ch;

	while ((ch = getopt_long(argc, argv, "c:f:l:k:p:w:dFvqnhV", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
		case 'f':	/* an older spelling of -c, kept */
			cl->config = optarg;
			break;
		case 'l':
			if (cl->nlisten == CONF_LISTEN_MAX) {
				fprintf(stderr, "zsignd: more than %d -l\n",
				    CONF_LISTEN_MAX);
				exit(EXIT_USAGE);
			}
			cl->listen[cl->nlisten++] = optarg;
			break;
		case 'k':
		case 'p':
			cl->keys = xreallocarray(cl->keys, cl->nkeys + 1,
			    sizeof(char *));
			cl->keys[cl->nkeys++] = xasprintf("%c%s", ch, optarg);
			break;
		case 'w':
			if (zs_parse_uint(optarg, CONF_WORKERS_MAX, &n) != 0 ||
			    n == 0) {
				fprintf(stderr, "zsignd: -w: expected 1 "
				    "to %d\n", CONF_WORKERS_MAX);
				exit(EXIT_USAGE);
			}
			cl->workers = (unsigned int)n;
			break;
		case 'd':
			cl->level = ZS_LOG_DEBUG;
			cl->foreground = 1;
			break;
		case 'F':
			cl->foreground = 1;
			break;
		case 'v':
			if (cl->level < 0)
				cl->level = ZS_LOG_INFO;
			if (cl->level < ZS_LOG_DEBUG)
				cl->level++;
			break;
		case 'q':
			cl->level = ZS_LOG_WARN;
			break;
		case 'n':
			cl->check = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("zsignd %s\n", PACKAGE_VERSION);
			exit(0);
		case OPT_TLS_CERT:
			cl->sec.tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			cl->sec.tls_key = optarg;
			break;
		case OPT_TLS_CLIENT_CA:
			cl->sec.tls_client_ca = optarg;
			break;
		case OPT_TLS_CRL:
			cl->sec.tls_crl = optarg;
			break;
		case OPT_AUDIT_LOG:
			cl->sec.audit_path = optarg;
			break;
		case OPT_AUDIT_KEY:
			cl->sec.audit_key = optarg;
			break;
		case OPT_VERIFY_AUDIT:
			cl->verify_audit = optarg;
			break;
		case OPT_HASH_TOKEN:
			cl->hash_token = 1;
			break;
		case OPT_GENERATE_KEY:
			cl->genkey_type = optarg;
			break;
		case OPT_RIMAGE_DIR:
			cl->rimage_dir = optarg;
			break;
		case OPT_NO_CLIENT_RIMAGE:
			cl->no_client_rimage = 1;
			break;
		case OPT_STATE:
			cl->sec.state_url = optarg;
			break;
		case OPT_INIT_STATE:
			cl->init_state = optarg;
			break;
		case OPT_ALLOW_STATE_ROLLBACK:
			cl->sec.allow_state_rollback = 1;
			break;
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	/* --generate-key TYPE TARGET: the one positional argument. */
	if (cl->genkey_type != NULL && optind + 1 == argc)
		cl->genkey_target = argv[optind++];
	if (cl->genkey_type != NULL && cl->genkey_target == NULL) {
		fprintf(stderr, "zsignd: --generate-key TYPE needs a FILE or "
		    "pkcs11: URI\n");
		exit(EXIT_USAGE);
	}
	if (optind != argc) {
		fprintf(stderr, "zsignd: unexpected argument \"%s\"\n",
		    argv[optind]);
		usage(stderr);
		exit(EXIT_USAGE);
	}
}

/*
 * zsignd --verify-audit FILE [-k PUBKEYFILE]: check the chain and, with the
 * audit key's public half (a private PEM gives it too), every checkpoint.
 */
static int
verify_audit(const struct cmdline *cl)
{
	struct zs_errbuf eb;
	EVP_PKEY *pub = NULL;
	uint8_t *pem = NULL;
	size_t len;
	int r;

	if (cl->nkeys > 1 || (cl->nkeys == 1 && cl->keys[0][0] != 'k')) {
		fprintf(stderr, "zsignd: --verify-audit takes one -k PUBKEYFILE\n");
		return EXIT_USAGE;
	}
	zs_errclear(&eb);
	if (cl->nkeys == 1 && ((r = zs_file_read(cl->keys[0] + 1,
	    CONF_FILE_MAX, &pem, &len)) != 0 ||
	    (r = zs_pkey_from_pem(pem, len, &pub, &eb)) != 0)) {
		fprintf(stderr, "zsignd: %s: %s\n", cl->keys[0] + 1,
		    eb.msg[0] != '\0' ? eb.msg : zs_strerror(r));
		free(pem);
		return 1;
	}
	free(pem);
	r = audit_verify_file(cl->verify_audit, pub, stdout, NULL);
	EVP_PKEY_free(pub);
	return r == 0 ? 0 : 1;
}

/* Apply -l, -k, -p, -w and the rimage options over the file's settings. */
static int
cmdline_apply(const struct cmdline *cl, struct conf *cfg,
    struct zs_errbuf *eb)
{
	static const char passes[] = { 'k', 'p' };
	char *name = NULL, *value = NULL;
	size_t i, pass;
	int r = 0;

	if (cl->nlisten > 0)
		conf_clear_listen(cfg);
	for (i = 0; i < cl->nlisten && r == 0; i++)
		r = conf_add_listen(cfg, cl->listen[i], eb);
	/* Keys first, so that -p may name a key given later with -k. */
	for (pass = 0; pass < sizeof(passes) && r == 0; pass++) {
		for (i = 0; i < cl->nkeys && r == 0; i++) {
			if (cl->keys[i][0] != passes[pass])
				continue;
			if ((r = conf_split_assign(cl->keys[i] + 1, &name,
			    &value, eb)) != 0)
				break;
			if (passes[pass] == 'k')
				r = conf_add_key(cfg, name, value, NULL, eb);
			else
				r = conf_set_passfile(cfg, name, value, eb);
			free(name);
			free(value);
		}
	}
	if (cl->workers != 0)
		cfg->workers = cl->workers;
	if (r == 0 && cl->rimage_dir != NULL)
		r = rimconf_set_dir(&cfg->rimage, cl->rimage_dir, eb);
	if (cl->no_client_rimage)
		cfg->rimage.client_configs = 0;
	return r;
}

/* --hash-token: the "sha256:<hex>" a configuration lists for stdin's token. */
static int
hash_token(void)
{
	char tok[POLICY_TOKEN_MAX + 2], out[POLICY_NAME_MAX];
	size_t len;

	len = fread(tok, 1, sizeof(tok) - 1, stdin);
	tok[len] = '\0';
	while (len > 0 && strchr("\r\n\t ", tok[len - 1]) != NULL)
		tok[--len] = '\0';
	if (len == 0 || len > POLICY_TOKEN_MAX || strlen(tok) != len) {
		fprintf(stderr, "zsignd: --hash-token: want one token of at "
		    "most %d bytes on stdin\n", POLICY_TOKEN_MAX);
		explicit_bzero(tok, sizeof(tok));
		return EXIT_USAGE;
	}
	policy_token_hash(tok, len, out);
	explicit_bzero(tok, sizeof(tok));
	printf("%s\n", out);
	return 0;
}

/*
 * --generate-key: make the key, then print its type, fingerprint and
 * where it lives, and its public key (PEM) for verifiers.
 */
static int
generate_key(const struct cmdline *cl)
{
	struct zs_errbuf eb;
	const char *passfile = NULL;
	char fp[ZS_FP_LEN];
	EVP_PKEY *pub = NULL;
	size_t i;

	zs_errclear(&eb);
	for (i = 0; i < cl->nkeys; i++) {
		if (cl->keys[i][0] != 'p' || passfile != NULL) {
			fprintf(stderr, "zsignd: --generate-key takes at most "
			    "one -p PASSFILE and no -k\n");
			return EXIT_USAGE;
		}
		passfile = cl->keys[i] + 1;
	}
	if (zs_key_generate(cl->genkey_type, cl->genkey_target, passfile,
	    &pub, &eb) != 0) {
		fprintf(stderr, "zsignd: --generate-key: %s\n", eb.msg);
		return eb.code == ZS_ERR_USAGE ? EXIT_USAGE : 1;
	}
	if (zs_pkey_fingerprint(pub, fp) != 0)
		snprintf(fp, sizeof(fp), "?");
	/* A URI's query (module path, PIN source) is not for display. */
	printf("%s %s %.*s\n", cl->genkey_type, fp,
	    (int)strcspn(cl->genkey_target, "?"), cl->genkey_target);
	PEM_write_PUBKEY(stdout, pub);
	EVP_PKEY_free(pub);
	return 0;
}

/* Does cfg listen on TCP (and so need TLS)? */
static int
conf_has_tcp(const struct conf *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nlisten; i++)
		if (strncmp(cfg->listen[i], "tcp:", 4) == 0)
			return 1;
	return 0;
}

/*
 * Build a complete configuration generation: the file, the command line
 * over it, the operations settings, the policy (sharing prev's counts)
 * and every key. Start-up, --check-config and SIGHUP all come through
 * here.
 */
static int
build_runtime(void *arg, const struct runtime *prev, struct runtime **rtp,
    struct zs_errbuf *eb)
{
	const struct cmdline *cl = arg;
	struct runtime *rt = runtime_new();
	int r;

	if ((cl->config != NULL &&
	    (r = conf_load_file(&rt->cfg, cl->config, eb)) != 0) ||
	    (r = cmdline_apply(cl, &rt->cfg, eb)) != 0)
		goto out;
	conf_finish(&rt->cfg);
	/* -d, -v and -q win over the file's log_level. */
	if (cl->level >= 0)
		rt->cfg.log_level = cl->level;
	if ((r = runtime_load_policy(rt, prev, eb)) != 0 ||
	    (r = conf_load_keys(&rt->cfg, &rt->kr, eb)) != 0)
		goto out;
	*rtp = rt;
	rt = NULL;
 out:
	runtime_unref(rt);
	return r;
}

/*
 * Does someone read stderr (a terminal, a file, a pipe)? A daemon started
 * detached has it closed or on /dev/null, and then logs to syslog.
 */
static int
stderr_is_kept(void)
{
	struct stat st;

	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return isatty(STDERR_FILENO) || !S_ISCHR(st.st_mode);
}

/* Is any activated socket a TCP one (and so needs TLS)? */
static int
activated_tcp(const struct notify_listener *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (l[i].family != AF_UNIX)
			return 1;
	return 0;
}

int
main(int argc, char *argv[])
{
	struct notify_listener act[NOTIFY_LISTEN_FDS_MAX];
	struct server_params sp;
	struct cmdline cl;
	struct runtime *rt = NULL;
	struct server *srv;
	struct security *sec = NULL;
	struct zs_errbuf eb;
	size_t i, nact = 0;
	int r;

	pool_malloc_tune();
	memset(&cl, 0, sizeof(cl));
	cl.level = -1;
	cmdline_parse(&cl, argc, argv);
	if (cl.verify_audit != NULL) {
		r = verify_audit(&cl);
		for (i = 0; i < cl.nkeys; i++)
			free(cl.keys[i]);
		free(cl.keys);
		return r;
	}
	if (cl.hash_token)
		return hash_token();
	if (cl.init_state != NULL) {
		if (store_init(cl.init_state, &eb) != 0) {
			fprintf(stderr, "zsignd: %s\n", eb.msg);
			return 1;
		}
		printf("state store %s ready\n", cl.init_state);
		return 0;
	}
	if (cl.genkey_type != NULL) {
		r = generate_key(&cl);
		for (i = 0; i < cl.nkeys; i++)
			free(cl.keys[i]);
		free(cl.keys);
		return r;
	}
	log_init("zsignd", cl.foreground || cl.check || stderr_is_kept() ||
	    notify_under_systemd(), cl.level >= 0 ? cl.level : ZS_LOG_INFO);
	/*
	 * Private keys live in the key holder; this process keeps only
	 * their public halves. What it holds still stays out of cores and
	 * ptrace (TLS keys, tokens, requests). -n only checks and exits: it
	 * reads the keys itself, as the holder would, and serves nothing.
	 */
	if (!cl.check) {
		keystore_use_holder(1);
		harden_process();
	}
	zs_errclear(&eb);
	if (!cl.check && notify_listen_fds(act, NOTIFY_LISTEN_FDS_MAX, &nact,
	    &eb) != 0)
		fatalx("%s", eb.msg);
	if (build_runtime(&cl, NULL, &rt, &eb) != 0)
		fatalx("%s", eb.msg);
	if (rt->cfg.log_level >= 0)
		log_setlevel(rt->cfg.log_level);
	cl.sec.need_tls = conf_has_tcp(&rt->cfg) || activated_tcp(act, nact);
	cl.sec.check_only = cl.check;
	if (security_new(&rt->cfg, rt->policy, &cl.sec, &sec, &eb) != 0)
		fatalx("%s", eb.msg);
	if (rt->cfg.nkeys == 0)
		log_warnx("no keys configured: only unsigned images possible");
	if (cl.check) {
		printf("configuration OK: %zu key(s), %zu listener(s), "
		    "%u worker(s)\n", keyring_count(rt->kr), rt->cfg.nlisten,
		    rt->cfg.workers);
		runtime_unref(rt);
		r = 0;
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	sp.rt = rt;
	sp.sec = sec;
	sp.activated = act;
	sp.nactivated = nact;
	sp.rebuild = build_runtime;
	sp.rebuild_arg = &cl;
	if ((srv = server_new(&sp, &eb)) == NULL)
		fatalx("%s", eb.msg);
	r = server_run(srv);
	server_free(srv);
 out:
	security_free(sec);
	for (i = 0; i < cl.nkeys; i++)
		free(cl.keys[i]);
	free(cl.keys);
	return r == 0 ? 0 : 1;
}
