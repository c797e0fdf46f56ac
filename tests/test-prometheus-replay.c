/* test-prometheus-replay.c: one recorded scenario read from a CSV file and from a real
 * Prometheus server gives the engine the same samples and the same alerts.
 *
 * The scenario is a simulator export (two days of the Abilene network at 10 s). Its metrics.csv
 * is written as OpenMetrics in the shape blackbox_exporter's ICMP probes have
 * (probe_icmp_duration_seconds{phase="rtt"} in seconds, probe_success), backfilled with promtool
 * into a fresh Prometheus on a loopback port, and read through the default latency and loss
 * queries. The samples are written a second before each step, as real scrapes land between the
 * steps a query asks for: Prometheus 2's range selectors include both ends, so a sample exactly
 * on a step would also count in the next step's loss. The jitter is the recorded one through a
 * query of its own: the default (the standard deviation of latency over 5 min) is computed
 * differently from the simulator's, and test-prometheus-source checks it against Prometheus.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/pm-event-list.h"
#include "telemetry/pm-csv-source.h"
#include "telemetry/pm-prometheus-source.h"
#include "pm-test-prometheus.h"
#include "pm-test-server.h"
#include "pm-test-util.h"

#define STEP_S 10
#define DAY_S  86400
/* One engine tick of premirror-eval's replay. */
#define TICK_S 60

typedef struct
{
  char             *dir;        /* the exported scenario */
  PmTopology       *topology;
  PmTestPrometheus *prometheus;
  char             *source_uri; /* prometheus:URL?jitter=… */
  gint64            first_s;    /* the first row's time */
  gint64            last_s;     /* the last row's time */
} Scenario;

static Scenario scenario;

/* Exports the scenario and serves it; FALSE (with the test skipped) where something it needs is
 * not on this machine. */
static gboolean
scenario_ensure (void)
{
  g_autofree char *topology = NULL;
  g_autofree char *csv_path = NULL;
  g_autofree char *om_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PmCsvSource) csv = NULL;
  g_auto(PmTestRun) exported = { 0 };
  g_autofree char *promtool = NULL;
  g_autofree char *prometheus = NULL;

  if (scenario.prometheus != NULL)
    return TRUE;
  topology = pm_test_shared_data_path ("topologies/abilene.geojson");
  if (topology == NULL)
    {
      g_test_skip ("the shared data (topologies/abilene.geojson) is not here");
      return FALSE;
    }
  promtool = g_find_program_in_path ("promtool");
  prometheus = g_find_program_in_path ("prometheus");
  if (promtool == NULL || prometheus == NULL)
    {
      g_test_skip ("Prometheus (prometheus, promtool) is not installed");
      return FALSE;
    }

  scenario.dir = g_dir_make_tmp ("premirror-prometheus-replay-XXXXXX", &error);
  g_assert_no_error (error);
  pm_test_run_program (&exported, "PM_PREMIRROR_EVAL", "--topology", topology, "--seed", "7",
                       "--days", "1", "--export", scenario.dir, NULL);
  if (exported.status != 0)
    g_error ("premirror-eval --export: %s", exported.err);

  csv_path = g_build_filename (scenario.dir, "metrics.csv", NULL);
  om_path = g_build_filename (scenario.dir, "metrics.om", NULL);
  pm_test_prometheus_write_openmetrics (csv_path, om_path, &error);
  g_assert_no_error (error);
  scenario.prometheus = pm_test_prometheus_start (om_path, &error);
  g_assert_no_error (error);
  scenario.source_uri = g_strdup_printf ("prometheus:%s?jitter=premirror_test_jitter_seconds",
                                         pm_test_prometheus_get_url (scenario.prometheus));

  scenario.topology = pm_topology_new_from_file (topology, &error);
  g_assert_no_error (error);
  csv = pm_csv_source_new (scenario.topology, csv_path, &error);
  g_assert_no_error (error);
  scenario.first_s = pm_csv_source_get_first_time (csv);
  g_assert_true (pm_csv_source_get_last_time (csv, &scenario.last_s, &error));
  return TRUE;
}

static gboolean
same_value (float a,
            float b)
{
  if (isnan (a) || isnan (b))
    return isnan (a) && isnan (b);
  return fabsf (a - b) <= 1e-6f * MAX (1.0f, fabsf (a));
}

/* The stores of both sources hold the same samples, tick after tick of a replay: the history
 * loaded at the first advance, then every step after. */
static void
test_replay_same_samples (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *csv_path = NULL;
  g_autoptr(PmCsvSource) csv = NULL;
  g_autoptr(PmPrometheusSource) prometheus = NULL;
  PmSeriesStore *from_csv, *from_prometheus;
  guint n_segments, compared = 0, no_data = 0;
  gint64 start, end;

  if (!scenario_ensure ())
    return;
  n_segments = pm_topology_get_n_segments (scenario.topology);
  csv_path = g_build_filename (scenario.dir, "metrics.csv", NULL);
  csv = pm_csv_source_new (scenario.topology, csv_path, &error);
  g_assert_no_error (error);
  prometheus = pm_prometheus_source_new (scenario.topology, scenario.source_uri, &error);
  g_assert_no_error (error);
  start = scenario.first_s + DAY_S;
  end = start + 6 * 3600;
  pm_prometheus_source_set_range_end (prometheus, end);
  from_csv = pm_series_store_new (n_segments, STEP_S, DAY_S);
  from_prometheus = pm_series_store_new (n_segments, STEP_S, DAY_S);

  for (gint64 t = start; t <= end; t += TICK_S)
    {
      g_assert_true (pm_source_advance (PM_SOURCE (csv), from_csv, t, &error));
      g_assert_no_error (error);
      g_assert_true (pm_source_advance (PM_SOURCE (prometheus), from_prometheus, t, &error));
      g_assert_no_error (error);

      /* Nothing beyond the tick: a replay must not show the predictor the future. */
      for (guint i = 0; i < n_segments; i++)
        {
          gint64 latest_a = G_MININT64, latest_b = G_MININT64;
          PmSample ignored;

          pm_series_store_latest (from_csv, i, &latest_a, &ignored);
          pm_series_store_latest (from_prometheus, i, &latest_b, &ignored);
          g_assert_cmpint (latest_a, <=, t);
          g_assert_cmpint (latest_b, ==, latest_a);
        }
      /* The first tick compares the whole day of history; later ones the steps just added. */
      for (gint64 s = t == start ? t - DAY_S - 2 * STEP_S : t - TICK_S + STEP_S; s <= t; s += STEP_S)
        for (guint i = 0; i < n_segments; i++)
          {
            PmSample a = PM_SAMPLE_NO_DATA, b = PM_SAMPLE_NO_DATA;
            gboolean in_a = pm_series_store_get (from_csv, i, s, &a);
            gboolean in_b = pm_series_store_get (from_prometheus, i, s, &b);

            if (in_a != in_b || !same_value (a.latency_ms, b.latency_ms)
                || !same_value (a.jitter_ms, b.jitter_ms)
                || !same_value (a.loss_ratio, b.loss_ratio))
              g_error ("segment %s at %" G_GINT64_FORMAT " (tick %" G_GINT64_FORMAT "): CSV "
                       "%s %g/%g/%g, Prometheus %s %g/%g/%g",
                       pm_topology_get_segment (scenario.topology, i)->id, s, t,
                       in_a ? "has" : "lacks", a.latency_ms, a.jitter_ms, a.loss_ratio,
                       in_b ? "has" : "lacks", b.latency_ms, b.jitter_ms, b.loss_ratio);
            compared++;
            no_data += isnan (a.latency_ms);
          }
    }
  g_test_message ("%u samples compared, %u of them without latency", compared, no_data);
  /* The scenario has outages: the comparison covers samples without data too. */
  g_assert_cmpuint (no_data, >, 0);
  g_assert_cmpuint (compared, >=, (guint) (DAY_S / STEP_S) * n_segments);
  pm_series_store_free (from_csv);
  pm_series_store_free (from_prometheus);
}

typedef struct
{
  char  *segment;
  gint64 fired_at;
} FiredAlert;

static void
fired_alert_clear (gpointer data)
{
  g_free (((FiredAlert *) data)->segment);
}

/* premirror-eval's --alerts lines. */
static GArray *
read_alerts (const char *path)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  GArray *alerts = g_array_new (FALSE, FALSE, sizeof (FiredAlert));

  g_array_set_clear_func (alerts, fired_alert_clear);
  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(JsonNode) node = json_from_string (lines[i], &error);
      JsonObject *object;
      FiredAlert alert;

      g_assert_no_error (error);
      object = json_node_get_object (node);
      alert.segment = g_strdup (json_object_get_string_member (object, "segment"));
      alert.fired_at = json_object_get_int_member (object, "fired_at");
      g_array_append_val (alerts, alert);
    }
  return alerts;
}

/* premirror-eval on the CSV folder and on the server, over the same scored day: the same alerts
 * on the same segments, fired at the same times to within one query step. */
static void
test_replay_same_alerts (void)
{
  g_auto(PmTestRun) from_csv = { 0 };
  g_auto(PmTestRun) from_prometheus = { 0 };
  g_autofree char *csv_source = NULL;
  g_autofree char *csv_alerts = NULL;
  g_autofree char *prometheus_alerts = NULL;
  g_autofree char *topology = NULL;
  g_autofree char *truth = NULL;
  g_autofree char *ics = NULL;
  g_autofree char *cap = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autoptr(GArray) a = NULL;
  g_autoptr(GArray) b = NULL;

  if (!scenario_ensure ())
    return;
  csv_source = g_strconcat ("csv:", scenario.dir, NULL);
  csv_alerts = g_build_filename (scenario.dir, "alerts-csv.jsonl", NULL);
  prometheus_alerts = g_build_filename (scenario.dir, "alerts-prometheus.jsonl", NULL);
  topology = g_build_filename (scenario.dir, "topology.geojson", NULL);
  truth = g_build_filename (scenario.dir, "truth.json", NULL);
  ics = g_build_filename (scenario.dir, "maintenance.ics", NULL);
  cap = g_build_filename (scenario.dir, "weather.geojson", NULL);
  /* The range the CSV replay picks by itself: a day after the first row to the minute after
   * the last. */
  from = g_strdup_printf ("%" G_GINT64_FORMAT, scenario.first_s + DAY_S);
  to = g_strdup_printf ("%" G_GINT64_FORMAT, scenario.last_s / 60 * 60 + 60);

  pm_test_run_program (&from_csv, "PM_PREMIRROR_EVAL", "--source", csv_source,
                       "--tune-seeds", "1", "--json", "--alerts", csv_alerts, NULL);
  if (from_csv.status != 0)
    g_error ("CSV replay: %s", from_csv.err);
  pm_test_run_program (&from_prometheus, "PM_PREMIRROR_EVAL", "--topology", topology,
                       "--source", scenario.source_uri, "--truth", truth, "--events", ics,
                       "--events", cap, "--from", from, "--to", to, "--tune-seeds", "1",
                       "--json", "--alerts", prometheus_alerts, NULL);
  if (from_prometheus.status != 0)
    g_error ("Prometheus replay: %s", from_prometheus.err);

  a = read_alerts (csv_alerts);
  b = read_alerts (prometheus_alerts);
  g_test_message ("%u alerts from the CSV, %u from Prometheus", a->len, b->len);
  g_assert_cmpuint (a->len, >, 0);
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const FiredAlert *x = &g_array_index (a, FiredAlert, i);
      const FiredAlert *y = &g_array_index (b, FiredAlert, i);

      g_assert_cmpstr (x->segment, ==, y->segment);
      if (ABS (x->fired_at - y->fired_at) > STEP_S)
        g_error ("alert %u on %s: fired at %" G_GINT64_FORMAT " from the CSV, at %"
                 G_GINT64_FORMAT " from Prometheus", i, x->segment, x->fired_at, y->fired_at);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prometheus-replay/same-samples", test_replay_same_samples);
  g_test_add_func ("/prometheus-replay/same-alerts", test_replay_same_alerts);
  status = g_test_run ();

  g_clear_pointer (&scenario.prometheus, pm_test_prometheus_free);
  g_clear_object (&scenario.topology);
  g_free (scenario.source_uri);
  if (scenario.dir != NULL)
    pm_test_remove_tree (scenario.dir);
  g_free (scenario.dir);
  return status;
}
