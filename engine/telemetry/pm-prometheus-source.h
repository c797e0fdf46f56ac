/* pm-prometheus-source.h: latency, jitter and loss read from a Prometheus server's HTTP API.
 *
 * The source URI:
 *
 *   prometheus:http://HOST:PORT[/PATH-PREFIX][?latency=PROMQL&jitter=PROMQL&loss=PROMQL]
 *
 * (https works the same way.) PATH-PREFIX is for a server behind a reverse proxy or started with
 * --web.route-prefix: requests go to BASE/api/v1/query and BASE/api/v1/query_range. Each of the
 * three queries is optional and percent-encoded (a "+" is a plus, not a space); "$step" in a
 * query is replaced by the series store's step in seconds ("10s"). No other parameter is
 * accepted. The defaults:
 *
 *   latency  probe_icmp_duration_seconds{phase="rtt"}
 *   jitter   stddev_over_time(probe_icmp_duration_seconds{phase="rtt"}[5m])
 *   loss     1 - avg_over_time(probe_success[$step])
 *
 * A query of one's own must answer in the same units: latency and jitter in SECONDS (they are
 * stored in milliseconds, ×1000), loss as a RATIO from 0 to 1. Each series is matched to
 * segments by its "instance" label, compared with each segment's "probe" property (which
 * defaults to the segment id); series of other instances, or without one, are counted
 * (PmPrometheusSourceStats.unknown_series) and ignored. Values that are NaN, infinite or
 * impossible become no data.
 *
 * How it asks: the first advance loads the store's whole span with query_range at the store's
 * step, in windows under Prometheus's 11,000-point limit; later advances ask one instant query
 * per new step while at most two steps are new, and query_range for a longer gap (after an
 * outage, the gap is filled from what Prometheus kept). Requests are POSTs with a form body, so
 * long queries never meet a URL length limit, sent synchronously in the thread that advances
 * (the engine's tick thread), 10 s timeout.
 *
 * On failure, advance returns FALSE with a message naming the server and what went wrong, and
 * the source waits (1 s, doubling up to 60 s, in monotonic wall time) before it asks again;
 * meanwhile advance returns the same error without a request. Steps it could not fetch get no
 * sample in the store, never a repeated old one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-topology.h"
#include "pm-prometheus-reply.h"
#include "pm-source.h"

G_BEGIN_DECLS

#define PM_PROMETHEUS_SOURCE_DEFAULT_LATENCY "probe_icmp_duration_seconds{phase=\"rtt\"}"
#define PM_PROMETHEUS_SOURCE_DEFAULT_JITTER                                                       \
  "stddev_over_time(probe_icmp_duration_seconds{phase=\"rtt\"}[5m])"
#define PM_PROMETHEUS_SOURCE_DEFAULT_LOSS    "1 - avg_over_time(probe_success[$step])"

/* Back-off after a failure, doubling from the first to the cap. */
#define PM_PROMETHEUS_SOURCE_BACKOFF_INITIAL_US (1 * G_USEC_PER_SEC)
#define PM_PROMETHEUS_SOURCE_BACKOFF_MAX_US     (60 * G_USEC_PER_SEC)

typedef struct
{
  guint64 requests;        /* HTTP requests sent */
  guint64 failures;        /* of which failed: no answer, an HTTP error, an error or bad reply */
  guint64 unknown_series;  /* series in replies whose instance is no segment's probe, ignored */
  guint64 points;          /* values received for known instances (NaN and ±Inf included) */
} PmPrometheusSourceStats;

#define PM_TYPE_PROMETHEUS_SOURCE (pm_prometheus_source_get_type ())
G_DECLARE_FINAL_TYPE (PmPrometheusSource, pm_prometheus_source, PM, PROMETHEUS_SOURCE, GObject)

/* Parses uri (see above) and makes the source; no request is made until the first advance.
 * A URI of another scheme, without a host, with an unknown or empty parameter, or with a
 * fragment is an error (PM_PROMETHEUS_ERROR_URI) that quotes it. */
PmPrometheusSource *pm_prometheus_source_new       (PmTopology  *topology,
                                                    const char  *uri,
                                                    GError     **error);
/* The server's base URL, as requests are built on it: "http://HOST:PORT[/PATH-PREFIX]". */
const char         *pm_prometheus_source_get_url   (PmPrometheusSource *self);
/* For replaying a past range in virtual time (premirror-eval): history up to end_s is fetched
 * ahead in large query_range windows and advances are served from them, so that a week is
 * tens of requests rather than tens of thousands. The samples are the same as live. */
void                pm_prometheus_source_set_range_end (PmPrometheusSource *self,
                                                        gint64              end_s);
/* The back-off after failures: initial_us doubling up to max_us (0 retries at every advance).
 * For tests; the defaults are PM_PROMETHEUS_SOURCE_BACKOFF_*. */
void                pm_prometheus_source_set_backoff (PmPrometheusSource *self,
                                                      gint64              initial_us,
                                                      gint64              max_us);
const PmPrometheusSourceStats *pm_prometheus_source_get_stats (PmPrometheusSource *self);
/* The distinct instance labels seen that match no segment, sorted (to free). */
char              **pm_prometheus_source_dup_unknown_instances (PmPrometheusSource *self);

G_END_DECLS
