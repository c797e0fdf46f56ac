/* test-prometheus-source.c: the Prometheus source against a real Prometheus serving backfilled
 * probes: history on the first advance with exact values for the default queries, queries of
 * one's own, instances matched to segments' probes, NaN and +Inf, windows under the point
 * limit, error bodies, HTTP errors, refused connections, an outage and its recovery, and
 * replay from windows fetched ahead giving the samples of live polling.
 *
 * The expected values come from a model of the data and of PromQL's rules: Prometheus
 * evaluates at whole steps T0 + 10 j; a probe sample lands 5 s into each step, so an instant
 * selector at step j sees sample j - 1, avg_over_time(…[10s]) sees that one sample (ranges are
 * closed: [t - 10 s, t]), and stddev_over_time(…[5m]) the 30 samples j - 30 … j - 1.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "pm-prometheus-source.h"
#include "pm-test-prometheus.h"
#include "pm-test-server.h"
#include "pm-test-util.h"

#define STEP     PM_SERIES_DEFAULT_STEP_S
#define T0       1767571200   /* 2026-01-05T00:00:00Z */
#define N_RAW    1080         /* three hours of probe samples */
#define NAN_AT   100          /* the sample of series 0 that is NaN */
#define INF_AT   200          /* and the one that is +Inf */
#define JITTER_N 30           /* samples in the default jitter's 5 min */

/* The probes' instance labels: series 0 is segment ams-fra (probe = id), series 1 segment
 * fra-ams (probe property), series 2 no segment at all. Segment ams-lon has no probe data. */
static const char *const instances[] = { "ams-fra", "blackbox-fra-ams", "lon-par" };

static const char topology_json[] =
  "{'type': 'FeatureCollection', 'name': 'prom', 'features': ["
  "{'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [4.9, 52.4]},"
  " 'properties': {'id': 'ams'}},"
  "{'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [8.7, 50.1]},"
  " 'properties': {'id': 'fra'}},"
  "{'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [-0.1, 51.5]},"
  " 'properties': {'id': 'lon'}},"
  "{'type': 'Feature', 'geometry': {'type': 'LineString',"
  " 'coordinates': [[4.9, 52.4], [8.7, 50.1]]},"
  " 'properties': {'id': 'ams-fra', 'a': 'ams', 'b': 'fra'}},"
  "{'type': 'Feature', 'geometry': {'type': 'LineString',"
  " 'coordinates': [[8.7, 50.1], [4.9, 52.4]]},"
  " 'properties': {'id': 'fra-ams', 'a': 'fra', 'b': 'ams', 'probe': 'blackbox-fra-ams'}},"
  "{'type': 'Feature', 'geometry': {'type': 'LineString',"
  " 'coordinates': [[4.9, 52.4], [-0.1, 51.5]]},"
  " 'properties': {'id': 'ams-lon', 'a': 'ams', 'b': 'lon'}}"
  "]}";

/* Model ---------------------------------------------------------------------------------------- */

/* Round-trip time of series s's sample i, in seconds. */
static double
raw_latency (guint  series,
             gint64 i)
{
  if (series == 0 && i == NAN_AT)
    return NAN;
  if (series == 0 && i == INF_AT)
    return INFINITY;
  return 0.010 * (series + 1) + 0.0001 * (double) ((i * 7 + series * 3) % 11);
}

static double
raw_success (guint  series,
             gint64 i)
{
  return (i + series) % 17 == 0 ? 0 : 1;
}

/* What the default queries give at step j (time T0 + STEP j), in the store's units. */
static void
expected_default (guint     series,
                  gint64    j,
                  gint64    n_raw,
                  PmSample *out)
{
  gint64 i = j - 1;
  double sum = 0, squares = 0, mean;
  gboolean finite = TRUE;
  guint n = 0;

  *out = PM_SAMPLE_NO_DATA;
  if (i < 0 || i >= n_raw)
    return;
  out->latency_ms = isfinite (raw_latency (series, i)) ? (float) (raw_latency (series, i) * 1000)
                                                       : NAN;
  out->loss_ratio = (float) (1 - raw_success (series, i));
  for (gint64 k = MAX (0, j - JITTER_N); k <= i; k++)
    {
      finite = finite && isfinite (raw_latency (series, k));
      sum += raw_latency (series, k);
      n++;
    }
  if (!finite)
    return;
  mean = sum / n;
  for (gint64 k = MAX (0, j - JITTER_N); k <= i; k++)
    squares += (raw_latency (series, k) - mean) * (raw_latency (series, k) - mean);
  out->jitter_ms = (float) (sqrt (squares / n) * 1000);
}

/* What the custom queries of test_custom_queries give. */
static void
expected_custom (guint     series,
                 gint64    j,
                 gint64    n_raw,
                 PmSample *out)
{
  gint64 i = j - 1;
  double latency;

  *out = PM_SAMPLE_NO_DATA;
  if (i < 0 || i >= n_raw)
    return;
  latency = raw_latency (series, i);
  out->latency_ms = isfinite (latency) ? (float) (latency / 2 * 1000) : NAN;
  out->jitter_ms = isfinite (latency) ? (float) (latency * 1000) : NAN;
  out->loss_ratio = (float) (0.25 * raw_success (series, i));
}

typedef void (*ExpectedFunc) (guint series, gint64 j, gint64 n_raw, PmSample *out);

static gboolean
field_matches (float got,
               float want)
{
  return (isnan (got) && isnan (want)) || fabsf (got - want) <= 1e-4f;
}

/* Steps first_j … last_j of the first two segments hold what the model says, the third none. */
static void
assert_store (PmSeriesStore *store,
              ExpectedFunc   expected,
              gint64         n_raw,
              gint64         first_j,
              gint64         last_j)
{
  for (gint64 j = first_j; j <= last_j; j++)
    {
      PmSample got;

      for (guint s = 0; s < 2; s++)
        {
          PmSample want;

          expected (s, j, n_raw, &want);
          pm_series_store_get (store, s, T0 + j * STEP, &got);
          if (!field_matches (got.latency_ms, want.latency_ms)
              || !field_matches (got.jitter_ms, want.jitter_ms)
              || !field_matches (got.loss_ratio, want.loss_ratio))
            g_error ("segment %u, step %" G_GINT64_FORMAT ": got %g ms, %g ms, %g; expected %g ms, "
                     "%g ms, %g", s, j, got.latency_ms, got.jitter_ms, got.loss_ratio,
                     want.latency_ms, want.jitter_ms, want.loss_ratio);
        }
      g_assert_false (pm_series_store_get (store, 2, T0 + j * STEP, &got));
    }
}

/* Prometheus ----------------------------------------------------------------------------------- */

static void
append_series (GString    *text,
               const char *labels,
               gint64      n_raw,
               double (*value) (guint, gint64),
               guint       series)
{
  for (gint64 i = 0; i < n_raw; i++)
    {
      char number[G_ASCII_DTOSTR_BUF_SIZE];
      double v = value (series, i);

      const char *text_value = isnan (v)   ? "NaN"
                               : isinf (v) ? "+Inf"
                                           : g_ascii_dtostr (number, sizeof number, v);

      g_string_append_printf (text, "%s %s %" G_GINT64_FORMAT "\n", labels, text_value,
                              (gint64) T0 + i * STEP + 5);
    }
}

static double
resolve_time (guint  series,
              gint64 i)
{
  return 0.5;
}

/* A Prometheus holding n_raw samples of each probe, or NULL after marking the test skipped
 * when it is not installed. */
static PmTestPrometheus *
start_prometheus (gint64 n_raw)
{
  g_autoptr(GString) text = g_string_new ("# TYPE probe_icmp_duration_seconds gauge\n");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  PmTestPrometheus *prometheus;

  for (guint s = 0; s < G_N_ELEMENTS (instances); s++)
    {
      g_autofree char *labels = g_strdup_printf ("probe_icmp_duration_seconds{instance=\"%s\","
                                                 "job=\"blackbox\",phase=\"rtt\"}", instances[s]);

      append_series (text, labels, n_raw, raw_latency, s);
    }
  /* Another phase of the same metric, which the default queries must leave out. */
  append_series (text, "probe_icmp_duration_seconds{instance=\"ams-fra\",phase=\"resolve\"}",
                 n_raw, resolve_time, 0);
  g_string_append (text, "# TYPE probe_success gauge\n");
  for (guint s = 0; s < G_N_ELEMENTS (instances); s++)
    {
      g_autofree char *labels = g_strdup_printf ("probe_success{instance=\"%s\"}", instances[s]);

      append_series (text, labels, n_raw, raw_success, s);
    }
  g_string_append (text, "# EOF\n");
  path = pm_test_write_temp_file ("probes.om", text->str);

  prometheus = pm_test_prometheus_start (path, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  return prometheus;
}

static PmPrometheusSource *
new_source (PmTopology *topology,
            const char *uri)
{
  g_autoptr(GError) error = NULL;
  PmPrometheusSource *source = pm_prometheus_source_new (topology, uri, &error);

  g_assert_no_error (error);
  /* Failures are retried at once: nothing here waits for a clock. */
  pm_prometheus_source_set_backoff (source, 0, 0);
  return source;
}

static PmPrometheusSource *
source_for (PmTopology       *topology,
            PmTestPrometheus *prometheus)
{
  g_autofree char *uri = g_strconcat ("prometheus:", pm_test_prometheus_get_url (prometheus),
                                      NULL);

  return new_source (topology, uri);
}

static void
advance_ok (PmPrometheusSource *source,
            PmSeriesStore      *store,
            gint64              until_s)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (pm_source_advance (PM_SOURCE (source), store, until_s, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pm_source_get_state (PM_SOURCE (source)), ==, PM_SOURCE_STATE_CONNECTED);
}

/* Tests ---------------------------------------------------------------------------------------- */

static void
test_history_and_live (void)
{
  g_autoptr(PmTestPrometheus) prometheus = start_prometheus (N_RAW);
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmPrometheusSource) source = NULL;
  g_autoptr(PmSeriesStore) store = NULL;
  g_auto(GStrv) unknown = NULL;
  g_autofree char *description = NULL;
  g_autofree char *expected_description = NULL;
  const PmPrometheusSourceStats *stats;
  gint64 last_j = N_RAW - 60;
  PmSample sample;

  if (prometheus == NULL)
    return;
  topology = pm_test_topology_from_json (topology_json, "prom");
  source = source_for (topology, prometheus);
  store = pm_series_store_new (3, STEP, PM_SERIES_DEFAULT_SPAN_S);
  stats = pm_prometheus_source_get_stats (source);
  g_assert_cmpint (pm_source_get_state (PM_SOURCE (source)), ==, PM_SOURCE_STATE_CONNECTING);
  description = pm_source_describe (PM_SOURCE (source));
  expected_description = g_strconcat ("Prometheus at ", pm_test_prometheus_get_url (prometheus),
                                      NULL);
  g_assert_cmpstr (description, ==, expected_description);

  /* The first advance, between two steps, loads the day before it in one range query each. */
  advance_ok (source, store, T0 + last_j * STEP + 7);
  g_assert_cmpuint (stats->requests, ==, 3);
  g_assert_cmpuint (stats->failures, ==, 0);
  assert_store (store, expected_default, N_RAW, -10, last_j);
  g_assert_false (pm_series_store_get (store, 0, T0 + (last_j + 1) * STEP, &sample));

  /* Exact values at a few steps, spelled out: 10.3 ms on step 1, the first loss on step 17. */
  g_assert_true (pm_series_store_get (store, 0, T0 + STEP, &sample));
  g_assert_cmpfloat_with_epsilon (sample.latency_ms, 10.0f, 1e-4);
  g_assert_cmpfloat (sample.jitter_ms, ==, 0.0f);
  g_assert_cmpfloat (sample.loss_ratio, ==, 1.0f);
  g_assert_true (pm_series_store_get (store, 0, T0 + 2 * STEP, &sample));
  g_assert_cmpfloat_with_epsilon (sample.latency_ms, 10.7f, 1e-4);
  g_assert_cmpfloat_with_epsilon (sample.jitter_ms, 0.35f, 1e-4);
  g_assert_cmpfloat (sample.loss_ratio, ==, 0.0f);
  g_assert_true (pm_series_store_get (store, 1, T0 + 17 * STEP, &sample));
  g_assert_cmpfloat (sample.loss_ratio, ==, 1.0f);

  /* NaN is no data; +Inf is no data too, counted by the store as an impossible value. */
  g_assert_true (pm_series_store_get (store, 0, T0 + (NAN_AT + 1) * STEP, &sample));
  g_assert_true (isnan (sample.latency_ms) && isnan (sample.jitter_ms));
  g_assert_false (isnan (sample.loss_ratio));
  g_assert_true (pm_series_store_get (store, 0, T0 + (INF_AT + 1) * STEP, &sample));
  g_assert_true (isnan (sample.latency_ms) && isnan (sample.jitter_ms));
  g_assert_cmpuint (pm_series_store_get_quality (store, 0)->invalid_fields, >=, 1);
  /* One sample per step from three queries: never a duplicate. */
  g_assert_cmpuint (pm_series_store_get_quality (store, 0)->duplicates, ==, 0);

  /* The probe of no segment: counted in each of the three replies, never an error. */
  g_assert_cmpuint (stats->unknown_series, ==, 3);
  unknown = pm_prometheus_source_dup_unknown_instances (source);
  g_assert_cmpuint (g_strv_length (unknown), ==, 1);
  g_assert_cmpstr (unknown[0], ==, "lon-par");
  g_assert_cmpuint (stats->points, >, 2 * (guint64) last_j);

  /* Live: one instant query per metric for one or two new steps, a range for more. */
  advance_ok (source, store, T0 + (last_j + 1) * STEP);
  g_assert_cmpuint (stats->requests, ==, 6);
  advance_ok (source, store, T0 + (last_j + 3) * STEP + 9);
  g_assert_cmpuint (stats->requests, ==, 12);
  advance_ok (source, store, T0 + (last_j + 8) * STEP);
  g_assert_cmpuint (stats->requests, ==, 15);
  /* Nothing new: no request. */
  advance_ok (source, store, T0 + (last_j + 8) * STEP + 5);
  g_assert_cmpuint (stats->requests, ==, 15);
  assert_store (store, expected_default, N_RAW, last_j - 5, last_j + 8);
  g_assert_cmpuint (pm_series_store_get_quality (store, 0)->duplicates, ==, 0);
  g_assert_cmpuint (stats->failures, ==, 0);
}

static void
test_custom_queries (void)
{
  g_autoptr(PmTestPrometheus) prometheus = start_prometheus (N_RAW);
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmPrometheusSource) source = NULL;
  g_autoptr(PmSeriesStore) store = NULL;
  g_autofree char *latency = NULL;
  g_autofree char *jitter = NULL;
  g_autofree char *loss = NULL;
  g_autofree char *uri = NULL;

  if (prometheus == NULL)
    return;
  /* Seconds and a ratio, as the defaults; "$step" becomes "10s". A trailing slash on the base
   * is fine. */
  latency = g_uri_escape_string ("probe_icmp_duration_seconds{phase=\"rtt\"} / 2", NULL, FALSE);
  jitter = g_uri_escape_string ("avg_over_time(probe_icmp_duration_seconds{phase=\"rtt\"}[$step])",
                                NULL, FALSE);
  loss = g_uri_escape_string ("0.25 * probe_success", NULL, FALSE);
  uri = g_strdup_printf ("prometheus:%s/?latency=%s&jitter=%s&loss=%s",
                         pm_test_prometheus_get_url (prometheus), latency, jitter, loss);
  topology = pm_test_topology_from_json (topology_json, "prom");
  source = new_source (topology, uri);
  g_assert_cmpstr (pm_prometheus_source_get_url (source), ==,
                   pm_test_prometheus_get_url (prometheus));
  store = pm_series_store_new (3, STEP, PM_SERIES_DEFAULT_SPAN_S);

  advance_ok (source, store, T0 + 500 * STEP);
  advance_ok (source, store, T0 + 501 * STEP);
  assert_store (store, expected_custom, N_RAW, 0, 501);
}

static void
test_uri (void)
{
  static const struct
  {
    const char *uri;
    const char *says;
  } bad[] = {
    { "http://127.0.0.1:9090", "prometheus:" },
    { "prometheus:ftp://127.0.0.1:9090", "http:// or https://" },
    { "prometheus:http:///api", "no host" },
    { "prometheus:http://127.0.0.1:9090?step=10", "unknown parameter “step”" },
    { "prometheus:http://127.0.0.1:9090?latency=", "latency query is empty" },
    { "prometheus:http://127.0.0.1:9090?loss=%zz", "prometheus:http://127.0.0.1:9090?loss=%zz" },
    { "prometheus:http://127.0.0.1:9090#top", "fragment" },
    { "prometheus:http://user:pw@127.0.0.1:9090", "password" },
  };
  g_autoptr(PmTopology) topology = pm_test_topology_from_json (topology_json, "prom");
  g_autoptr(PmPrometheusSource) source = NULL;
  g_autofree char *description = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmPrometheusSource) refused = pm_prometheus_source_new (topology, bad[i].uri,
                                                                         &error);

      g_test_message ("%s: %s", bad[i].uri, error != NULL ? error->message : "accepted");
      g_assert_null (refused);
      g_assert_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_URI);
      pm_test_assert_contains (error->message, bad[i].uri);
      pm_test_assert_contains (error->message, bad[i].says);
    }

  source = new_source (topology, "prometheus:https://prom.example:9443/prom/?latency=up");
  g_assert_cmpstr (pm_prometheus_source_get_url (source), ==, "https://prom.example:9443/prom");
  description = pm_source_describe (PM_SOURCE (source));
  g_assert_cmpstr (description, ==, "Prometheus at https://prom.example:9443/prom");
}

static void
test_bad_query (void)
{
  g_autoptr(PmTestPrometheus) prometheus = start_prometheus (10);
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmPrometheusSource) source = NULL;
  g_autoptr(PmSeriesStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) again = NULL;
  g_autofree char *uri = NULL;
  const PmPrometheusSourceStats *stats;

  if (prometheus == NULL)
    return;
  uri = g_strdup_printf ("prometheus:%s?latency=probe_icmp_duration_seconds%%7B",
                         pm_test_prometheus_get_url (prometheus));
  topology = pm_test_topology_from_json (topology_json, "prom");
  source = new_source (topology, uri);
  stats = pm_prometheus_source_get_stats (source);
  store = pm_series_store_new (3, STEP, PM_SERIES_DEFAULT_SPAN_S);
  /* A minute between attempts: the next advance comes long before. */
  pm_prometheus_source_set_backoff (source, 60 * G_USEC_PER_SEC, 60 * G_USEC_PER_SEC);

  g_assert_false (pm_source_advance (PM_SOURCE (source), store, T0 + 100, &error));
  g_assert_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_SERVER);
  g_test_message ("%s", error->message);
  pm_test_assert_contains (error->message, "Prometheus at http://127.0.0.1:");
  pm_test_assert_contains (error->message, "latency query “probe_icmp_duration_seconds{”");
  pm_test_assert_contains (error->message, "HTTP 400");
  pm_test_assert_contains (error->message, "bad_data");
  pm_test_assert_contains (error->message, "parse error");
  pm_test_assert_contains (error->message, "(retrying in 60 s)");
  g_assert_cmpint (pm_source_get_state (PM_SOURCE (source)), ==, PM_SOURCE_STATE_FAILED);
  g_assert_cmpuint (stats->requests, ==, 1);
  g_assert_cmpuint (stats->failures, ==, 1);

  /* While it waits: the same error, without a request. */
  g_assert_false (pm_source_advance (PM_SOURCE (source), store, T0 + 110, &again));
  g_assert_error (again, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_SERVER);
  g_assert_cmpstr (again->message, ==, error->message);
  g_assert_cmpuint (stats->requests, ==, 1);
  g_assert_cmpint (pm_source_get_state (PM_SOURCE (source)), ==, PM_SOURCE_STATE_FAILED);
}

static void
test_http_error (void)
{
  g_autoptr(PmTestPrometheus) prometheus = start_prometheus (10);
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmPrometheusSource) source = NULL;
  g_autoptr(PmSeriesStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;

  if (prometheus == NULL)
    return;
  /* A wrong path prefix: the server answers, but not as the API. */
  uri = g_strdup_printf ("prometheus:%s/no-such-prefix", pm_test_prometheus_get_url (prometheus));
  topology = pm_test_topology_from_json (topology_json, "prom");
  source = new_source (topology, uri);
  store = pm_series_store_new (3, STEP, PM_SERIES_DEFAULT_SPAN_S);

  g_assert_false (pm_source_advance (PM_SOURCE (source), store, T0 + 100, &error));
  g_test_message ("%s", error->message);
  g_assert_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_HTTP);
  pm_test_assert_contains (error->message, "/no-such-prefix/api/v1/query_range: HTTP 404");
  pm_test_assert_contains (error->message, "path prefix");
  g_assert_cmpint (pm_source_get_state (PM_SOURCE (source)), ==, PM_SOURCE_STATE_FAILED);
}

static void
test_connection_refused (void)
{
  g_autoptr(PmTopology) topology = pm_test_topology_from_json (topology_json, "prom");
  g_autoptr(PmPrometheusSource) source = NULL;
  g_autoptr(PmSeriesStore) store = pm_series_store_new (3, STEP, PM_SERIES_DEFAULT_SPAN_S);
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *expected = NULL;
  guint16 port = pm_test_free_port (FALSE);
  gint64 latest;
  PmSample sample;

  g_assert_cmpuint (port, !=, 0);
  uri = g_strdup_printf ("prometheus:http://127.0.0.1:%u", port);
  source = new_source (topology, uri);
  pm_prometheus_source_set_backoff (source, 4 * G_USEC_PER_SEC, 60 * G_USEC_PER_SEC);

  g_assert_false (pm_source_advance (PM_SOURCE (source), store, T0 + 100, &error));
  g_assert_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_UNREACHABLE);
  expected = g_strdup_printf ("Prometheus at http://127.0.0.1:%u: connection refused "
                              "(retrying in 4 s)", port);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpint (pm_source_get_state (PM_SOURCE (source)), ==, PM_SOURCE_STATE_FAILED);
  g_assert_false (pm_series_store_latest (store, 0, &latest, &sample));
}

static void
test_outage (void)
{
  g_autoptr(PmTestPrometheus) prometheus = start_prometheus (N_RAW);
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmPrometheusSource) source = NULL;
  g_autoptr(PmSeriesStore) store = NULL;
  g_autoptr(GError) error = NULL;
  gint64 j = 400, latest;
  PmSample sample;

  if (prometheus == NULL)
    return;
  topology = pm_test_topology_from_json (topology_json, "prom");
  source = source_for (topology, prometheus);
  store = pm_series_store_new (3, STEP, PM_SERIES_DEFAULT_SPAN_S);
  advance_ok (source, store, T0 + j * STEP);
  advance_ok (source, store, T0 + ++j * STEP);

  /* Down: every advance fails, the state is stale, and the steps get nothing. */
  g_assert_true (pm_test_prometheus_stop (prometheus, &error));
  g_assert_no_error (error);
  for (gint64 k = 1; k <= 3; k++)
    {
      g_autoptr(GError) down = NULL;

      g_assert_false (pm_source_advance (PM_SOURCE (source), store, T0 + (j + k) * STEP, &down));
      g_assert_error (down, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_UNREACHABLE);
      pm_test_assert_contains (down->message, "connection refused");
      pm_test_assert_contains (down->message, pm_test_prometheus_get_url (prometheus));
      g_assert_cmpint (pm_source_get_state (PM_SOURCE (source)), ==, PM_SOURCE_STATE_STALE);
      g_assert_false (pm_series_store_get (store, 0, T0 + (j + k) * STEP, &sample));
      g_assert_true (pm_series_store_latest (store, 0, &latest, &sample));
      g_assert_cmpint (latest, ==, T0 + j * STEP);
    }

  /* Back: the gap is filled from what Prometheus kept, and live polling goes on. */
  g_assert_true (pm_test_prometheus_restart (prometheus, &error));
  g_assert_no_error (error);
  advance_ok (source, store, T0 + (j + 6) * STEP);
  advance_ok (source, store, T0 + (j + 7) * STEP);
  assert_store (store, expected_default, N_RAW, j - 10, j + 7);
  g_assert_true (pm_series_store_latest (store, 0, &latest, &sample));
  g_assert_cmpint (latest, ==, T0 + (j + 7) * STEP);
}

static void
test_window_split (void)
{
  /* Two days at 10 s in the store: 17,280 steps, over the 11,000-point limit. */
  gint64 n_raw = 2 * 8640 + 360;
  g_autoptr(PmTestPrometheus) prometheus = start_prometheus (n_raw);
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmPrometheusSource) source = NULL;
  g_autoptr(PmSeriesStore) store = NULL;
  gint64 last_j = n_raw - 10;
  gint64 capacity;

  if (prometheus == NULL)
    return;
  topology = pm_test_topology_from_json (topology_json, "prom");
  source = source_for (topology, prometheus);
  store = pm_series_store_new (3, STEP, 2 * 86400);
  capacity = pm_series_store_get_capacity (store);

  advance_ok (source, store, T0 + last_j * STEP);
  g_assert_cmpuint (pm_prometheus_source_get_stats (source)->requests, ==, 2 * 3);
  assert_store (store, expected_default, n_raw, last_j - capacity + 1, last_j);
  g_assert_cmpuint (pm_series_store_get_quality (store, 1)->duplicates, ==, 0);
}

/* Equal, NaN included. */
static gboolean
same_sample (const PmSample *a,
             const PmSample *b)
{
  return ((isnan (a->latency_ms) && isnan (b->latency_ms)) || a->latency_ms == b->latency_ms)
         && ((isnan (a->jitter_ms) && isnan (b->jitter_ms)) || a->jitter_ms == b->jitter_ms)
         && ((isnan (a->loss_ratio) && isnan (b->loss_ratio)) || a->loss_ratio == b->loss_ratio);
}

/* The same advances, live and from windows fetched ahead. */
static void
test_replay (void)
{
  static const gint64 advances[] = { 300, 301, 302, 304, 306, 307, 315, 316, 318, 340, 341, 600,
                                     601, 1000 };
  g_autoptr(PmTestPrometheus) prometheus = start_prometheus (N_RAW);
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmPrometheusSource) live = NULL;
  g_autoptr(PmPrometheusSource) replay = NULL;
  g_autoptr(PmSeriesStore) live_store = NULL;
  g_autoptr(PmSeriesStore) replay_store = NULL;
  guint compared = 0;

  if (prometheus == NULL)
    return;
  topology = pm_test_topology_from_json (topology_json, "prom");
  live = source_for (topology, prometheus);
  replay = source_for (topology, prometheus);
  pm_prometheus_source_set_range_end (replay, T0 + N_RAW * STEP);
  live_store = pm_series_store_new (3, STEP, PM_SERIES_DEFAULT_SPAN_S);
  replay_store = pm_series_store_new (3, STEP, PM_SERIES_DEFAULT_SPAN_S);

  for (guint i = 0; i < G_N_ELEMENTS (advances); i++)
    {
      advance_ok (live, live_store, T0 + advances[i] * STEP);
      advance_ok (replay, replay_store, T0 + advances[i] * STEP);
    }
  /* All of it in one window of three range queries, against a query per metric and step. */
  g_assert_cmpuint (pm_prometheus_source_get_stats (replay)->requests, ==, 3);
  g_assert_cmpuint (pm_prometheus_source_get_stats (live)->requests, >, 20);

  for (gint64 j = -10; j <= 1000; j++)
    for (guint s = 0; s < 3; s++)
      {
        PmSample a, b;
        gboolean has_a = pm_series_store_get (live_store, s, T0 + j * STEP, &a);
        gboolean has_b = pm_series_store_get (replay_store, s, T0 + j * STEP, &b);

        g_assert_cmpint (has_a, ==, has_b);
        g_assert_true (same_sample (&a, &b));
        compared += has_a;
      }
  g_assert_cmpuint (compared, ==, 2 * 1000);
  assert_store (replay_store, expected_default, N_RAW, 0, 1000);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prometheus-source/uri", test_uri);
  g_test_add_func ("/prometheus-source/connection-refused", test_connection_refused);
  g_test_add_func ("/prometheus-source/history-and-live", test_history_and_live);
  g_test_add_func ("/prometheus-source/custom-queries", test_custom_queries);
  g_test_add_func ("/prometheus-source/bad-query", test_bad_query);
  g_test_add_func ("/prometheus-source/http-error", test_http_error);
  g_test_add_func ("/prometheus-source/outage", test_outage);
  g_test_add_func ("/prometheus-source/window-split", test_window_split);
  g_test_add_func ("/prometheus-source/replay", test_replay);
  return g_test_run ();
}
