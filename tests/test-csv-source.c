/* test-csv-source.c: the CSV metric source: streaming into the store, history on the first
 * advance, missing and impossible values, rows out of order, and errors naming file:line and
 * the field.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "pm-csv-source.h"
#include "pm-test-util.h"

#define STEP PM_SERIES_DEFAULT_STEP_S
#define T0   1767571200

static const char tiny_geojson[] =
  "{'type': 'FeatureCollection', 'name': 'tiny', 'features': ["
  "{'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [4.9, 52.4]},"
  " 'properties': {'id': 'ams'}},"
  "{'type': 'Feature', 'geometry': {'type': 'Point', 'coordinates': [8.7, 50.1]},"
  " 'properties': {'id': 'fra'}},"
  "{'type': 'Feature', 'geometry': {'type': 'LineString',"
  " 'coordinates': [[4.9, 52.4], [8.7, 50.1]]},"
  " 'properties': {'id': 'ams-fra', 'a': 'ams', 'b': 'fra'}},"
  "{'type': 'Feature', 'geometry': {'type': 'LineString',"
  " 'coordinates': [[8.7, 50.1], [4.9, 52.4]]},"
  " 'properties': {'id': 'fra-ams', 'a': 'fra', 'b': 'ams'}}"
  "]}";

static PmSeriesStore *
new_store (void)
{
  return pm_series_store_new (2, STEP, PM_SERIES_DEFAULT_SPAN_S);
}

static PmCsvSource *
source_from_text (PmTopology *topology,
                  const char *text,
                  char      **path_out,
                  GError    **error)
{
  g_autofree char *path = pm_test_write_temp_file ("metrics.csv", text);
  PmCsvSource *source = pm_csv_source_new (topology, path, error);

  if (path_out != NULL)
    *path_out = g_steal_pointer (&path);
  return source;
}

static void
test_csv_source_streams (void)
{
  g_autoptr(PmTopology) topology = pm_test_topology_from_json (tiny_geojson, "tiny");
  g_autoptr(PmSeriesStore) store = new_store ();
  g_autoptr(GString) text = g_string_new (PM_CSV_SOURCE_HEADER "\r\n");
  g_autoptr(PmCsvSource) source = NULL;
  g_autoptr(GError) error = NULL;
  const PmCsvSourceStats *stats;
  gint64 last;
  PmSample sample;

  /* A row two days before the rest: beyond the store's span at the first advance. */
  g_string_append_printf (text, "%d,ams-fra,1,0.1,0\n", T0 - 2 * 86400);
  for (int i = 0; i < 30; i++)
    g_string_append_printf (text, "%d,ams-fra,%d.5,0.25,0.01\n%d,fra-ams,,,1\n\n",
                            T0 + i * STEP, 10 + i, T0 + i * STEP);
  source = source_from_text (topology, text->str, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (PM_IS_SOURCE (source));
  g_assert_cmpint (pm_csv_source_get_first_time (source), ==, T0 - 2 * 86400);
  g_assert_true (pm_csv_source_get_last_time (source, &last, &error));
  g_assert_no_error (error);
  g_assert_cmpint (last, ==, T0 + 29 * STEP);

  /* Only what is due: nothing after the time advanced to. */
  g_assert_true (pm_source_advance (PM_SOURCE (source), store, T0 + 5 * STEP, &error));
  g_assert_no_error (error);
  g_assert_true (pm_series_store_get (store, 0, T0 + 5 * STEP, &sample));
  g_assert_cmpfloat (sample.latency_ms, ==, 15.5f);
  g_assert_cmpfloat (sample.jitter_ms, ==, 0.25f);
  g_assert_cmpfloat (sample.loss_ratio, ==, 0.01f);
  g_assert_false (pm_series_store_get (store, 0, T0 + 6 * STEP, &sample));
  g_assert_cmpint (pm_source_get_state (PM_SOURCE (source)), ==, PM_SOURCE_STATE_CONNECTED);

  /* Empty fields stay missing: a probe without answer, never a healthy zero. */
  g_assert_true (pm_series_store_get (store, 1, T0 + 5 * STEP, &sample));
  g_assert_true (isnan (sample.latency_ms));
  g_assert_true (isnan (sample.jitter_ms));
  g_assert_cmpfloat (sample.loss_ratio, ==, 1.0f);

  g_assert_true (pm_source_advance (PM_SOURCE (source), store, T0 + 3600, &error));
  g_assert_no_error (error);
  g_assert_true (pm_series_store_get (store, 0, T0 + 29 * STEP, &sample));
  g_assert_cmpfloat (sample.latency_ms, ==, 39.5f);
  g_assert_cmpint (pm_source_get_state (PM_SOURCE (source)), ==, PM_SOURCE_STATE_STALE);

  stats = pm_csv_source_get_stats (source);
  g_assert_cmpuint (stats->rows, ==, 61);
  g_assert_cmpuint (stats->rows_before_history, ==, 1);
  g_assert_cmpuint (stats->rows_backwards, ==, 0);
  g_assert_cmpuint (pm_series_store_get_quality (store, 0)->too_old, ==, 0);
}

static void
test_csv_source_values (void)
{
  g_autoptr(PmTopology) topology = pm_test_topology_from_json (tiny_geojson, "tiny");
  g_autoptr(PmSeriesStore) store = new_store ();
  g_autoptr(PmCsvSource) source = NULL;
  g_autoptr(GError) error = NULL;
  PmSample sample;

  /* NaN, negative, absurd and out-of-range values become no data, counted by the store. */
  source = source_from_text (topology, PM_CSV_SOURCE_HEADER "\n"
                             "1767571200,ams-fra,nan,-1,1.5\n"
                             "1767571210,ams-fra,1e300,70000,0.5\n"
                             "1767571220, ams-fra , 12.25 ,,\n", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pm_source_advance (PM_SOURCE (source), store, T0 + 20, &error));
  g_assert_no_error (error);

  g_assert_false (pm_series_store_get (store, 0, T0, &sample));
  g_assert_true (isnan (sample.latency_ms) && isnan (sample.jitter_ms)
                 && isnan (sample.loss_ratio));
  g_assert_true (pm_series_store_get (store, 0, T0 + 10, &sample));
  g_assert_true (isnan (sample.latency_ms) && isnan (sample.jitter_ms));
  g_assert_cmpfloat (sample.loss_ratio, ==, 0.5f);
  g_assert_true (pm_series_store_get (store, 0, T0 + 20, &sample));
  g_assert_cmpfloat (sample.latency_ms, ==, 12.25f);
  g_assert_true (isnan (sample.loss_ratio));
  g_assert_cmpuint (pm_series_store_get_quality (store, 0)->invalid_fields, ==, 2);
}

static void
test_csv_source_out_of_order (void)
{
  g_autoptr(PmTopology) topology = pm_test_topology_from_json (tiny_geojson, "tiny");
  g_autoptr(PmSeriesStore) store = new_store ();
  g_autoptr(PmCsvSource) source = NULL;
  g_autoptr(GError) error = NULL;
  const PmCsvSourceStats *stats;
  PmSample sample;

  source = source_from_text (topology, PM_CSV_SOURCE_HEADER "\n"
                             "1767571200,ams-fra,10,1,0\n"
                             "1767571220,ams-fra,12,1,0\n"
                             "1767571210,ams-fra,11,1,0\n"   /* line 4: back in time */
                             "1767571220,ams-fra,13,1,0\n"   /* a duplicate: the later wins */
                             "1767571230,ams-fra,14,1,0\n", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pm_source_advance (PM_SOURCE (source), store, T0 + 60, &error));
  g_assert_no_error (error);

  stats = pm_csv_source_get_stats (source);
  g_assert_cmpuint (stats->rows_backwards, ==, 1);
  g_assert_cmpuint (stats->first_backwards_line, ==, 4);
  g_assert_cmpuint (pm_series_store_get_quality (store, 0)->out_of_order, ==, 1);
  g_assert_cmpuint (pm_series_store_get_quality (store, 0)->duplicates, ==, 1);
  g_assert_true (pm_series_store_get (store, 0, T0 + 10, &sample));
  g_assert_cmpfloat (sample.latency_ms, ==, 11.0f);
  g_assert_true (pm_series_store_get (store, 0, T0 + 20, &sample));
  g_assert_cmpfloat (sample.latency_ms, ==, 13.0f);
}

static void
assert_csv_error (PmTopology *topology,
                  const char *text,
                  gboolean    on_open,
                  const char *expected)
{
  g_autoptr(PmSeriesStore) store = new_store ();
  g_autoptr(PmCsvSource) source = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;

  source = source_from_text (topology, text, &path, &error);
  if (!on_open)
    {
      g_assert_no_error (error);
      g_assert_false (pm_source_advance (PM_SOURCE (source), store, T0 + 86400, &error));
    }
  else
    g_assert_null (source);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  message = g_strdup_printf ("%s:%s", path, expected);
  pm_test_assert_contains (error->message, message);
}

static void
test_csv_source_errors (void)
{
  g_autoptr(PmTopology) topology = pm_test_topology_from_json (tiny_geojson, "tiny");
  g_autoptr(GError) error = NULL;

  assert_csv_error (topology, "time,segment,latency_ms,jitter_ms,loss_ratio\n1,ams-fra,1,1,0\n",
                    TRUE, "1: expected the header “" PM_CSV_SOURCE_HEADER "”");
  assert_csv_error (topology, "", TRUE, "1: expected the header");
  assert_csv_error (topology, PM_CSV_SOURCE_HEADER "\n", TRUE, "1: no data rows");
  assert_csv_error (topology, PM_CSV_SOURCE_HEADER "\n1767571200,ams-fra,1,1\n", TRUE,
                    "2: expected 5 fields");
  assert_csv_error (topology, PM_CSV_SOURCE_HEADER "\n2026-01-05,ams-fra,1,1,0\n", TRUE,
                    "2: field “timestamp”: “2026-01-05” is not whole unix seconds");
  /* Errors further down show when the source reaches them, with their line. */
  assert_csv_error (topology, PM_CSV_SOURCE_HEADER "\n1767571200,ams-fra,1,1,0\n"
                    "1767571210,ams-fra,1.2.3,1,0\n", FALSE,
                    "3: field “latency_ms”: “1.2.3” is not a number");
  assert_csv_error (topology, PM_CSV_SOURCE_HEADER "\n1767571200,ams-fra,1,1,0\n\n"
                    "1767571210,ams-fra,1,1,lost\n", FALSE,
                    "4: field “loss_ratio”: “lost” is not a number");
  assert_csv_error (topology, PM_CSV_SOURCE_HEADER "\n1767571200,ams-fra,1,1,0\n"
                    "1767571210,ams-ber,1,1,0\n", FALSE,
                    "3: field “segment”: unknown segment “ams-ber” (not in topology “tiny”)");

  g_assert_null (pm_csv_source_new (topology, "/nowhere/metrics.csv", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/csv-source/streams", test_csv_source_streams);
  g_test_add_func ("/csv-source/values", test_csv_source_values);
  g_test_add_func ("/csv-source/out-of-order", test_csv_source_out_of_order);
  g_test_add_func ("/csv-source/errors", test_csv_source_errors);
  return g_test_run ();
}
