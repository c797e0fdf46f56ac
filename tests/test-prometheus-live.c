/* test-prometheus-live.c: the engine live on a real Prometheus, as `--source prometheus:URL`
 * runs it: on the wall clock, with the default queries, for the demo network. Prometheus serves
 * three hours of blackbox-style probes of every segment, backfilled with promtool: the history
 * is loaded on the first tick, a degraded segment shows its loss, an outage makes the source
 * stale and naming the server, a restart connects it again, and the headless console's
 * /v1/health says "connected".
 *
 * Nothing is scraped, so the probes that must look fresh are written on to a quarter of an hour
 * past the test's start: Prometheus serves what it holds up to the evaluation time, so the
 * newest steps answer as a running prober's would, however long the test takes. One segment's
 * prober went quiet ten minutes before the start, longer than the default latency query's
 * look-back (5 min): its history is there but its newest sample is older than three steps, so
 * the snapshot shows no data for it rather than old good news.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>

#include "pm-demo.h"
#include "pm-engine.h"
#include "telemetry/pm-csv-source.h"
#include "pm-test-prometheus.h"
#include "pm-test-util.h"

#define STEP_S        PM_SERIES_DEFAULT_STEP_S
#define HISTORY_S     (3 * 3600)
#define AHEAD_S       (15 * 60)   /* the fresh probes go on this long past the start */
#define QUIET_S       (10 * 60)   /* the quiet segment's last probe, before the start */
#define DEGRADED      0           /* segment indices */
#define QUIET         1
#define DEGRADED_LOSS 0.3         /* the degraded segment's loss at the start, rising to it */

typedef struct
{
  PmTestPrometheus *prometheus;
  char             *uri;        /* "prometheus:URL" */
  gint64            start_s;    /* wall time the probes were written at */
  guint             n_segments;
} Fixture;

static Fixture fixture;

/* The degraded segment's loss at time t: none three hours ago, DEGRADED_LOSS at the start. */
static double
degraded_loss (gint64 t)
{
  double x = (double) (t - (fixture.start_s - HISTORY_S)) / HISTORY_S;

  return DEGRADED_LOSS * CLAMP (x, 0.0, 1.2);
}

/* Writes the probes as a PmCsvSource file, which the shared writer turns into OpenMetrics. */
static char *
write_probes (PmTopology *topology)
{
  g_autoptr(GString) csv = g_string_new (PM_CSV_SOURCE_HEADER "\n");
  gint64 first = (fixture.start_s - HISTORY_S) / STEP_S * STEP_S;
  g_autoptr(GError) error = NULL;
  g_autofree char *csv_path = NULL;
  char *om_path;

  for (guint s = 0; s < fixture.n_segments; s++)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, s);
      gint64 last = s == QUIET ? fixture.start_s - QUIET_S : fixture.start_s + AHEAD_S;

      for (gint64 t = first; t <= last; t += STEP_S)
        {
          double latency = 5.0 + s % 7 + 0.5 * ((t / STEP_S + s) % 5);
          double loss = s == DEGRADED ? degraded_loss (t) : 0.0;

          g_string_append_printf (csv, "%" G_GINT64_FORMAT ",%s,%.3f,%.3f,%.4f\n", t,
                                  segment->probe, latency, 0.4, loss);
        }
    }
  csv_path = pm_test_write_temp_file ("live.csv", csv->str);
  om_path = g_strconcat (csv_path, ".om", NULL);
  pm_test_prometheus_write_openmetrics (csv_path, om_path, &error);
  g_assert_no_error (error);
  return om_path;
}

/* Starts Prometheus once for all the tests; FALSE (with the test skipped) where it is not
 * installed. */
static gboolean
fixture_ensure (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) topology = NULL;
  g_autofree char *om_path = NULL;

  if (fixture.prometheus != NULL)
    return TRUE;
  topology = pm_demo_load_topology (&error);
  g_assert_no_error (error);
  fixture.n_segments = pm_topology_get_n_segments (topology);
  g_assert_cmpuint (fixture.n_segments, >, QUIET);
  fixture.start_s = g_get_real_time () / G_USEC_PER_SEC;
  om_path = write_probes (topology);

  fixture.prometheus = pm_test_prometheus_start (om_path, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return FALSE;
    }
  g_assert_no_error (error);
  fixture.uri = g_strconcat ("prometheus:", pm_test_prometheus_get_url (fixture.prometheus),
                             NULL);
  return TRUE;
}

static PmEngine *
new_engine (const char *data_dir)
{
  PmEngineOptions options = {
    .source_uri = fixture.uri,
    .data_dir = data_dir,
    .start_paused = TRUE,  /* the wall clock ignores it */
  };
  g_autoptr(GError) error = NULL;
  PmEngine *engine = pm_engine_new (&options, &error);

  g_assert_no_error (error);
  return engine;
}

/* Ticks until the source's state is no longer want_not. On the wall clock the source asks only
 * once a new step (10 s) has begun, and after a failure only once its back-off (1 s at first)
 * is over, so the tick right after an outage or a restart may not ask yet. */
static PmSnapshot *
tick_while (PmEngine     *engine,
            PmSourceState want_not)
{
  gint64 deadline = g_get_monotonic_time () + 90 * G_USEC_PER_SEC;

  for (;;)
    {
      pm_engine_tick (engine);
      if (pm_engine_get_snapshot (engine)->source_state != want_not)
        return pm_engine_get_snapshot (engine);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
}

static void
test_live_engine (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree PmSample *history = NULL;
  PmSnapshot *snapshot;
  gint64 step, from_s;
  guint n_history = HISTORY_S / STEP_S;

  if (!fixture_ensure ())
    return;
  engine = new_engine (data_dir);
  pm_test_engine_start (engine);

  snapshot = pm_engine_get_snapshot (engine);
  g_assert_cmpint (snapshot->source_state, ==, PM_SOURCE_STATE_CONNECTED);
  g_assert_null (snapshot->source_error);
  g_assert_cmpuint (snapshot->n_segments, ==, fixture.n_segments);
  /* The wall clock, not a replay's: the snapshot is of now. */
  g_assert_cmpint (snapshot->time_s, >=, fixture.start_s);
  for (guint s = 0; s < snapshot->n_segments; s++)
    {
      const PmSample *sample = &snapshot->segments[s].sample;

      if (s == QUIET)
        {
          g_assert_false (pm_sample_has_data (sample));
          continue;
        }
      if (!pm_sample_has_data (sample) || isnan (sample->latency_ms))
        g_error ("segment %u has no latency in the snapshot", s);
      g_assert_cmpfloat (sample->latency_ms, >=, 5.0);
      g_assert_cmpfloat (sample->latency_ms, <=, 13.0);
      if (s == DEGRADED)
        pm_test_assert_between ("the degraded segment's loss", sample->loss_ratio, 0.25, 0.37);
      else
        g_assert_cmpfloat (sample->loss_ratio, ==, 0.0);
    }
  /* The health score grows with trouble. */
  g_assert_cmpfloat (snapshot->segments[DEGRADED].health, >,
                     snapshot->segments[DEGRADED + 2].health);

  /* The three hours were loaded on the first tick, the quiet segment's too. */
  step = pm_engine_get_history_step (engine);
  g_assert_cmpint (step, ==, STEP_S);
  from_s = snapshot->time_s - HISTORY_S + 30 * 60;
  history = g_new (PmSample, n_history);
  g_assert_cmpuint (pm_engine_read_history (engine, DEGRADED, from_s, n_history - 360, history),
                    >=, n_history - 360 - 60);
  /* Rising loss: the history's first hour shows less of it than the last. */
  g_assert_cmpfloat (history[0].loss_ratio, <, history[n_history - 400].loss_ratio);
  g_assert_cmpuint (pm_engine_read_history (engine, QUIET, from_s, 360, history), ==, 360);

  /* An outage: the source says it is stale, naming the server. */
  g_assert_true (pm_test_prometheus_stop (fixture.prometheus, &error));
  g_assert_no_error (error);
  snapshot = tick_while (engine, PM_SOURCE_STATE_CONNECTED);
  g_assert_cmpint (snapshot->source_state, ==, PM_SOURCE_STATE_STALE);
  g_assert_nonnull (snapshot->source_error);
  g_assert_nonnull (strstr (snapshot->source_error,
                            pm_test_prometheus_get_url (fixture.prometheus) + strlen ("http://")));
  g_assert_false (pm_sample_has_data (&snapshot->segments[QUIET].sample));

  /* Back: connected again, without an error. */
  g_assert_true (pm_test_prometheus_restart (fixture.prometheus, &error));
  g_assert_no_error (error);
  snapshot = tick_while (engine, PM_SOURCE_STATE_STALE);
  g_assert_cmpint (snapshot->source_state, ==, PM_SOURCE_STATE_CONNECTED);
  g_assert_null (snapshot->source_error);
  g_assert_true (pm_sample_has_data (&snapshot->segments[DEGRADED].sample));
}

/* `premirror --headless --source prometheus:URL`: /v1/health says the source is connected. */
static void
test_live_headless (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *line = NULL;
  g_autofree char *url = NULL;
  g_autofree char *state = NULL;
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  const char *premirror = g_getenv ("PM_PREMIRROR");

  if (!fixture_ensure ())
    return;
  g_assert_nonnull (premirror);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, premirror, "--headless",
                              "--data-dir", data_dir, "--api", "127.0.0.1:0", "--source",
                              fixture.uri, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (line == NULL || !g_str_has_prefix (line, "api: http://127.0.0.1:"))
    g_error ("expected “api: http://127.0.0.1:PORT” first, got “%s”", line);
  url = g_strconcat (line + strlen ("api: "), "/v1/health", NULL);
  soup_session_set_proxy_resolver (session, NULL);

  /* The API may answer before the first tick has asked Prometheus: "connecting" until then. */
  do
    {
      g_autoptr(SoupMessage) message = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = soup_session_send_and_read (session, message, NULL, &error);
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *text = NULL;
      JsonObject *source;

      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (message), ==, SOUP_STATUS_OK);
      text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
      root = json_from_string (text, &error);
      g_assert_no_error (error);
      source = json_object_get_object_member (json_node_get_object (root), "source");
      g_free (state);
      state = g_strdup (json_object_get_string_member (source, "state"));
      if (g_strcmp0 (state, "connecting") == 0)
        {
          g_assert_cmpint (g_get_monotonic_time (), <, deadline);
          g_usleep (100 * 1000);
        }
    }
  while (g_strcmp0 (state, "connecting") == 0);
  g_assert_cmpstr (state, ==, "connected");

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prometheus-live/engine", test_live_engine);
  g_test_add_func ("/prometheus-live/headless", test_live_headless);
  status = g_test_run ();
  g_clear_pointer (&fixture.prometheus, pm_test_prometheus_free);
  g_free (fixture.uri);
  return status;
}
