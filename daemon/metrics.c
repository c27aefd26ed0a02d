/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signing counters, latency histograms and reload outcomes, rendered in
 * the Prometheus text format. One mutex guards everything: updates are a
 * few additions, far cheaper than the signature they count.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "common/log.h"
#include "common/util.h"
#include "common/xmalloc.h"
#include "common/zserr.h"
#include "daemon/acl.h"
#include "daemon/metrics.h"
#include "daemon/policy.h"
#include "keystore/keystore.h"

/* Label value used once METRICS_SERIES_MAX series exist. */
#define METRICS_OVERFLOW	"_other"

/* Histogram upper bounds in seconds: Prometheus' defaults fit signing. */
static const double metrics_buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
#define METRICS_NBUCKETS	(sizeof(metrics_buckets) / sizeof(metrics_buckets[0]))

struct metrics_series {
	char		tool[METRICS_LABEL_MAX + 1];
	char		key[METRICS_LABEL_MAX + 1];
	char		result[METRICS_LABEL_MAX + 1];
	uint64_t	requests;
	uint64_t	bytes;
};

struct metrics_hist {
	char		tool[METRICS_LABEL_MAX + 1];
	uint64_t	buckets[METRICS_NBUCKETS];	/* not cumulative */
	uint64_t	count;
	double		sum;
};

/* Refusals of one reason and wire code (static strings). */
struct metrics_refusals {
	const char	*reason;
	const char	*code;
	uint64_t	 n;
};

struct metrics {
	pthread_mutex_t		 mtx;
	struct metrics_refusals	 refusals[METRICS_REFUSALS_MAX];
	size_t			 nrefusals;
	struct metrics_series	*series;	/* METRICS_SERIES_MAX + 1 */
	size_t			 nseries;
	struct metrics_hist	 hist[METRICS_TOOLS_MAX + 1];
	size_t			 nhist;
	uint64_t		 inflight;
	uint64_t		 reloads_ok;
	uint64_t		 reloads_failed;
	int			 last_reload_ok;
	time_t			 last_reload_success;
	time_t			 start;
};

struct metrics *
metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	if (pthread_mutex_init(&m->mtx, NULL) != 0) {
		free(m);
		return NULL;
	}
	/* One spare slot holds the overflow series. */
	m->series = xcalloc(METRICS_SERIES_MAX + 1, sizeof(*m->series));
	m->start = time(NULL);
	m->last_reload_ok = 1;
	m->last_reload_success = m->start;
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->mtx);
	free(m->series);
	free(m);
}

void
metrics_request_begin(struct metrics *m)
{
	pthread_mutex_lock(&m->mtx);
	m->inflight++;
	pthread_mutex_unlock(&m->mtx);
}

/* Copy a label value, cut to METRICS_LABEL_MAX. */
static void
label_copy(char dst[METRICS_LABEL_MAX + 1], const char *src)
{
	size_t n = strlen(src);

	if (n > METRICS_LABEL_MAX)
		n = METRICS_LABEL_MAX;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Equal after the cut label_copy() makes (stored holds at most the cut)? */
static int
label_eq(const char *stored, const char *s)
{
	return strncmp(stored, s, METRICS_LABEL_MAX) == 0;
}

/* Find or create the series for the labels; caller holds the mutex. */
static struct metrics_series *
series_get(struct metrics *m, const char *tool, const char *key,
    const char *result)
{
	struct metrics_series *s;
	size_t i;

	for (i = 0; i < m->nseries; i++) {
		s = &m->series[i];
		if (label_eq(s->tool, tool) && label_eq(s->key, key) &&
		    label_eq(s->result, result))
			return s;
	}
	if (m->nseries == METRICS_SERIES_MAX) {
		/* The cap keeps memory bounded whatever the labels. */
		s = &m->series[METRICS_SERIES_MAX];
		if (s->tool[0] == '\0') {
			label_copy(s->tool, METRICS_OVERFLOW);
			label_copy(s->key, METRICS_OVERFLOW);
			label_copy(s->result, METRICS_OVERFLOW);
		}
		return s;
	}
	s = &m->series[m->nseries++];
	label_copy(s->tool, tool);
	label_copy(s->key, key);
	label_copy(s->result, result);
	return s;
}

/* Find or create the histogram of tool; caller holds the mutex. */
static struct metrics_hist *
hist_get(struct metrics *m, const char *tool)
{
	struct metrics_hist *h;
	size_t i;

	for (i = 0; i < m->nhist; i++)
		if (label_eq(m->hist[i].tool, tool))
			return &m->hist[i];
	if (m->nhist == METRICS_TOOLS_MAX) {
		h = &m->hist[METRICS_TOOLS_MAX];
		if (h->tool[0] == '\0')
			label_copy(h->tool, METRICS_OVERFLOW);
		return h;
	}
	h = &m->hist[m->nhist++];
	label_copy(h->tool, tool);
	return h;
}

void
metrics_request_end(struct metrics *m, const char *tool, const char *key,
    const char *result, double seconds, uint64_t bytes)
{
	struct metrics_series *s;
	struct metrics_hist *h;
	size_t i;

	if (tool == NULL || *tool == '\0')
		tool = "none";
	if (key == NULL)
		key = "";
	if (seconds < 0)
		seconds = 0;
	pthread_mutex_lock(&m->mtx);
	if (m->inflight > 0)
		m->inflight--;
	s = series_get(m, tool, key, result);
	s->requests++;
	s->bytes += bytes;
	h = hist_get(m, tool);
	for (i = 0; i < METRICS_NBUCKETS; i++)
		if (seconds <= metrics_buckets[i])
			break;
	if (i < METRICS_NBUCKETS)
		h->buckets[i]++;
	h->count++;
	h->sum += seconds;
	pthread_mutex_unlock(&m->mtx);
}

void
metrics_refusal(struct metrics *m, const char *reason, const char *code)
{
	struct metrics_refusals *r = NULL;
	size_t i;

	pthread_mutex_lock(&m->mtx);
	for (i = 0; i < m->nrefusals; i++)
		if (strcmp(m->refusals[i].reason, reason) == 0 &&
		    strcmp(m->refusals[i].code, code) == 0)
			r = &m->refusals[i];
	if (r == NULL) {
		/* refuse.c's table makes fewer pairs: a broken invariant. */
		if (m->nrefusals == METRICS_REFUSALS_MAX)
			fatalx("%s: more than %d refusal series", __func__,
			    METRICS_REFUSALS_MAX);
		r = &m->refusals[m->nrefusals++];
		r->reason = reason;
		r->code = code;
	}
	r->n++;
	pthread_mutex_unlock(&m->mtx);
}

void
metrics_reload(struct metrics *m, int ok)
{
	pthread_mutex_lock(&m->mtx);
	if (ok) {
		m->reloads_ok++;
		m->last_reload_success = time(NULL);
	} else
		m->reloads_failed++;
	m->last_reload_ok = ok;
	pthread_mutex_unlock(&m->mtx);
}

/* Append a label value with the format's escapes (\\, \", \n). */
static void
put_label(struct evbuffer *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*v == '"')
			evbuffer_add(out, "\\\"", 2);
		else if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
}

/* Append one metric's HELP and TYPE lines. */
static void
put_head(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* Append name{l1="v1",...} (labels NULL-terminated pairs) and a value. */
static void
put_sample(struct evbuffer *out, const char *name, const char *const *labels,
    const char *value)
{
	size_t i;

	evbuffer_add_printf(out, "%s", name);
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		evbuffer_add_printf(out, "%s%s=\"", i == 0 ? "{" : ",",
		    labels[i]);
		put_label(out, labels[i + 1]);
		evbuffer_add(out, "\"", 1);
	}
	if (labels != NULL && labels[0] != NULL)
		evbuffer_add(out, "}", 1);
	evbuffer_add_printf(out, " %s\n", value);
}

/* Append an unsigned integer sample. */
static void
put_u64(struct evbuffer *out, const char *name, const char *const *labels,
    uint64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	put_sample(out, name, labels, num);
}

/* Append the histograms; caller holds the mutex. */
static void
render_hist(struct metrics *m, struct evbuffer *out)
{
	const char *labels[5];
	char le[32], num[64];
	uint64_t cum;
	size_t i, j;

	put_head(out, "zsignd_request_duration_seconds", "histogram",
	    "Time from accepting a signing request to its reply, by tool.");
	for (i = 0; i <= METRICS_TOOLS_MAX; i++) {
		const struct metrics_hist *h = &m->hist[i];

		if (h->tool[0] == '\0')
			continue;
		labels[0] = "tool";
		labels[1] = h->tool;
		labels[2] = "le";
		labels[3] = le;
		labels[4] = NULL;
		for (j = 0, cum = 0; j < METRICS_NBUCKETS; j++) {
			cum += h->buckets[j];
			snprintf(le, sizeof(le), "%g", metrics_buckets[j]);
			put_u64(out, "zsignd_request_duration_seconds_bucket",
			    labels, cum);
		}
		snprintf(le, sizeof(le), "+Inf");
		put_u64(out, "zsignd_request_duration_seconds_bucket", labels,
		    h->count);
		labels[2] = NULL;
		snprintf(num, sizeof(num), "%.6f", h->sum);
		put_sample(out, "zsignd_request_duration_seconds_sum", labels,
		    num);
		put_u64(out, "zsignd_request_duration_seconds_count", labels,
		    h->count);
	}
}

/* Append the per-series counters; caller holds the mutex. */
static void
render_series(struct metrics *m, struct evbuffer *out)
{
	const char *labels[7];
	size_t i;

	put_head(out, "zsignd_requests_total", "counter",
	    "Signing requests answered, by tool, key and result.");
	for (i = 0; i <= METRICS_SERIES_MAX; i++) {
		const struct metrics_series *s = &m->series[i];

		if (s->tool[0] == '\0')
			continue;
		labels[0] = "tool";
		labels[1] = s->tool;
		labels[2] = "key";
		labels[3] = s->key;
		labels[4] = "result";
		labels[5] = s->result;
		labels[6] = NULL;
		put_u64(out, "zsignd_requests_total", labels, s->requests);
	}
	put_head(out, "zsignd_signed_bytes_total", "counter",
	    "Bytes of signed output returned, by tool and key.");
	for (i = 0; i <= METRICS_SERIES_MAX; i++) {
		const struct metrics_series *s = &m->series[i];

		if (s->tool[0] == '\0' || strcmp(s->result, "ok") != 0)
			continue;
		labels[0] = "tool";
		labels[1] = s->tool;
		labels[2] = "key";
		labels[3] = s->key;
		labels[4] = NULL;
		put_u64(out, "zsignd_signed_bytes_total", labels, s->bytes);
	}
}

/* Append the refusal counters; caller holds the mutex. */
static void
render_refusals(struct metrics *m, struct evbuffer *out)
{
	const char *labels[5];
	size_t i;

	put_head(out, "zsignd_refusals_total", "counter",
	    "Requests refused (each also audited), by reason and error code.");
	for (i = 0; i < m->nrefusals; i++) {
		labels[0] = "reason";
		labels[1] = m->refusals[i].reason;
		labels[2] = "code";
		labels[3] = m->refusals[i].code;
		labels[4] = NULL;
		put_u64(out, "zsignd_refusals_total", labels,
		    m->refusals[i].n);
	}
}

/* Append one availability sample per key. */
static void
render_keys(const struct keyring *kr, struct evbuffer *out)
{
	const char *labels[7];
	size_t i, n = kr != NULL ? keyring_count(kr) : 0;
	char num[32];

	put_head(out, "zsignd_keys", "gauge", "Keys in the configuration.");
	put_u64(out, "zsignd_keys", NULL, n);
	put_head(out, "zsignd_key_available", "gauge",
	    "1 when the key can sign now (token present, helper alive).");
	for (i = 0; i < n; i++) {
		const struct zs_key *k = keyring_at(kr, i);

		labels[0] = "key";
		labels[1] = zs_key_name(k);
		labels[2] = "backend";
		labels[3] = zs_key_backend(k);
		labels[4] = "type";
		labels[5] = zs_key_type_name(k);
		labels[6] = NULL;
		put_u64(out, "zsignd_key_available", labels,
		    zs_key_status(k) ? 1 : 0);
	}
	put_head(out, "zsignd_key_expiry_seconds", "gauge",
	    "Seconds until the key's not_after (negative once expired).");
	for (i = 0; i < n; i++) {
		const struct zs_key *k = keyring_at(kr, i);

		if (zs_key_not_after(k) == 0)
			continue;
		labels[0] = "key";
		labels[1] = zs_key_name(k);
		labels[2] = NULL;
		snprintf(num, sizeof(num), "%lld",
		    (long long)(zs_key_not_after(k) - time(NULL)));
		put_sample(out, "zsignd_key_expiry_seconds", labels, num);
	}
}

int
metrics_render(struct metrics *m, const struct keyring *kr,
    struct evbuffer *out)
{
	static const char *const version[] = { "version", PACKAGE_VERSION,
	    NULL };
	static const char *const ok[] = { "result", "ok", NULL };
	static const char *const failed[] = { "result", "failed", NULL };

	/* Key availability may ask a token: do it outside the lock. */
	render_keys(kr, out);
	pthread_mutex_lock(&m->mtx);
	put_head(out, "zsignd_build_info", "gauge", "Version of zsignd.");
	put_u64(out, "zsignd_build_info", version, 1);
	put_head(out, "process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch in seconds.");
	put_u64(out, "process_start_time_seconds", NULL,
	    (uint64_t)m->start);
	put_head(out, "zsignd_requests_in_flight", "gauge",
	    "Signing requests being worked on.");
	put_u64(out, "zsignd_requests_in_flight", NULL, m->inflight);
	render_series(m, out);
	render_refusals(m, out);
	render_hist(m, out);
	put_head(out, "zsignd_config_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), by result.");
	put_u64(out, "zsignd_config_reloads_total", ok, m->reloads_ok);
	put_u64(out, "zsignd_config_reloads_total", failed,
	    m->reloads_failed);
	put_head(out, "zsignd_config_last_reload_successful", "gauge",
	    "1 when the last reload was applied, 0 when it was refused.");
	put_u64(out, "zsignd_config_last_reload_successful", NULL,
	    (uint64_t)m->last_reload_ok);
	put_head(out, "zsignd_config_last_reload_success_timestamp_seconds",
	    "gauge", "When the serving configuration was loaded.");
	put_u64(out, "zsignd_config_last_reload_success_timestamp_seconds",
	    NULL, (uint64_t)m->last_reload_success);
	pthread_mutex_unlock(&m->mtx);
	return 0;
}

int
metrics_acl_new(const json_t *allow, struct acl **aclp, struct zs_errbuf *eb)
{
	struct acl *acl = acl_new();
	const json_t *v;
	struct zs_errbuf aeb;
	size_t i;
	int r = ZS_ERR_INVALID;

	if (allow == NULL) {
		/* The default: whoever may reach the Unix socket. */
		(void)acl_add(acl, "unix", eb);
		goto done;
	}
	if (!json_is_array(allow) || json_array_size(allow) > METRICS_ACL_MAX) {
		zs_errf(eb, r, "metrics.allow must be an array of at most %d "
		    "strings", METRICS_ACL_MAX);
		goto out;
	}
	json_array_foreach(allow, i, v) {
		if (!json_is_string(v)) {
			zs_errf(eb, r, "metrics.allow[%zu] must be a string", i);
			goto out;
		}
		if ((r = acl_add(acl, json_string_value(v), &aeb)) != 0) {
			zs_errf(eb, r, "metrics.allow: %s", aeb.msg);
			goto out;
		}
	}
 done:
	*aclp = acl;
	acl = NULL;
	r = 0;
 out:
	acl_free(acl);
	return r;
}
