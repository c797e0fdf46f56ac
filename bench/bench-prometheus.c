/* bench-prometheus.c: what the Prometheus source costs against a real Prometheus, wall time.
 *
 * 1. History: the first advance loads the series store's whole span (a day at 10 s) with
 *    query_range. A day of blackbox-style probes of every segment is written as a CSV file and,
 *    through the tests' OpenMetrics writer, backfilled with promtool into a fresh Prometheus on a
 *    loopback port; the reference is the same day read from the CSV file by PmCsvSource in the
 *    same run. Reported: time, requests, samples (segments × steps) per second, and the ratio.
 * 2. Live follow: one advance per new step after that, each one instant query per metric.
 *    Reported: requests and milliseconds per advance (median of N_FOLLOW).
 *
 * For the demo network and for the largest topology of the shared data (skipped with a message
 * when absent). The bytes of the replies are not counted: the source keeps no such figure.
 * The figures are printed, never judged. Skipped when prometheus or promtool is not installed.
 *
 * Usage: bench-prometheus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>

#include "pm-bench-time.h"
#include "pm-demo.h"
#include "pm-test-prometheus.h"
#include "pm-test-server.h"
#include "telemetry/pm-csv-source.h"
#include "telemetry/pm-prometheus-source.h"

#define STEP_S   PM_SERIES_DEFAULT_STEP_S
#define SPAN_S   PM_SERIES_DEFAULT_SPAN_S
#define N_FOLLOW 30

static double
seconds_since (gint64 start_us)
{
  return (double) (g_get_monotonic_time () - start_us) / G_USEC_PER_SEC;
}

/* A day of probes of every segment up to end_s, as a PmCsvSource file in dir. */
static char *
write_csv (PmTopology *topology,
           const char *dir,
           gint64      end_s)
{
  g_autofree char *path = g_build_filename (dir, "metrics.csv", NULL);
  guint n_segments = pm_topology_get_n_segments (topology);
  FILE *out = fopen (path, "w");

  g_assert (out != NULL);
  fputs (PM_CSV_SOURCE_HEADER "\n", out);
  /* Time-major, as an export is: the CSV source streams rows in time order. */
  for (gint64 t = end_s - SPAN_S + STEP_S; t <= end_s; t += STEP_S)
    for (guint s = 0; s < n_segments; s++)
      {
        double latency = 4.0 + s % 17 + 0.25 * ((t / STEP_S + s) % 9);
        double loss = (t / STEP_S + s) % 97 == 0 ? 0.05 : 0.0;

        fprintf (out, "%" G_GINT64_FORMAT ",%s,%.3f,%.3f,%.3f\n", t,
                 pm_topology_get_segment (topology, s)->probe, latency, 0.3, loss);
      }
  g_assert (fclose (out) == 0);
  return g_steal_pointer (&path);
}

static guint
count_samples (PmSeriesStore *store,
               guint          n_segments,
               gint64         end_s)
{
  guint n_steps = SPAN_S / STEP_S;
  g_autofree PmSample *window = g_new (PmSample, n_steps);
  guint n = 0;

  for (guint s = 0; s < n_segments; s++)
    n += pm_series_store_read (store, s, end_s - SPAN_S + STEP_S, n_steps, window);
  return n;
}

static void
bench_topology (const char *name,
                PmTopology *topology)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pm-bench-prometheus-XXXXXX", &error);
  g_autofree char *csv_path = NULL;
  g_autofree char *om_path = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(PmTestPrometheus) prometheus = NULL;
  g_autoptr(PmCsvSource) csv = NULL;
  g_autoptr(PmPrometheusSource) source = NULL;
  PmSeriesStore *csv_store, *store;
  guint n_segments = pm_topology_get_n_segments (topology);
  /* A recent day, ending on a step a few minutes ago. */
  gint64 end_s = (g_get_real_time () / G_USEC_PER_SEC - 300) / STEP_S * STEP_S;
  gint64 start_us;
  double setup_s, csv_s, prom_s, follow_ms[N_FOLLOW], follow_median_ms;
  guint csv_samples, prom_samples;
  guint64 history_requests, follow_requests;
  const PmPrometheusSourceStats *stats;

  g_assert_no_error (error);
  printf ("%s: %u segments, a day at %d s (%d steps)\n", name, n_segments, STEP_S,
          SPAN_S / STEP_S);

  start_us = g_get_monotonic_time ();
  csv_path = write_csv (topology, dir, end_s);
  om_path = g_build_filename (dir, "metrics.om", NULL);
  if (!pm_test_prometheus_write_openmetrics (csv_path, om_path, &error))
    g_error ("%s", error->message);
  prometheus = pm_test_prometheus_start (om_path, &error);
  if (prometheus == NULL)
    g_error ("%s", error->message);
  setup_s = seconds_since (start_us);
  g_unlink (om_path);

  /* The reference: the same day from the CSV file. */
  csv = pm_csv_source_new (topology, csv_path, &error);
  g_assert_no_error (error);
  csv_store = pm_series_store_new (n_segments, STEP_S, SPAN_S);
  start_us = g_get_monotonic_time ();
  if (!pm_source_advance (PM_SOURCE (csv), csv_store, end_s, &error))
    g_error ("%s", error->message);
  csv_s = seconds_since (start_us);
  csv_samples = count_samples (csv_store, n_segments, end_s);

  uri = g_strdup_printf ("prometheus:%s?jitter=premirror_test_jitter_seconds",
                         pm_test_prometheus_get_url (prometheus));
  source = pm_prometheus_source_new (topology, uri, &error);
  g_assert_no_error (error);
  store = pm_series_store_new (n_segments, STEP_S, SPAN_S);
  start_us = g_get_monotonic_time ();
  if (!pm_source_advance (PM_SOURCE (source), store, end_s, &error))
    g_error ("%s", error->message);
  prom_s = seconds_since (start_us);
  stats = pm_prometheus_source_get_stats (source);
  history_requests = stats->requests;
  prom_samples = count_samples (store, n_segments, end_s);

  /* Live: one new step per advance, as the engine's ticks on the wall clock ask. */
  for (guint i = 0; i < N_FOLLOW; i++)
    {
      start_us = g_get_monotonic_time ();
      if (!pm_source_advance (PM_SOURCE (source), store, end_s + (gint64) (i + 1) * STEP_S,
                              &error))
        g_error ("%s", error->message);
      follow_ms[i] = seconds_since (start_us) * 1e3;
    }
  follow_requests = stats->requests - history_requests;
  /* Sorts follow_ms: follow_ms[0] is the fastest after it. */
  follow_median_ms = pm_bench_median (follow_ms, N_FOLLOW);

  printf ("  setup (CSV → OpenMetrics, promtool backfill, server ready): %.1f s\n", setup_s);
  printf ("  history from CSV (PmCsvSource, reference):   %8.3f s   %8u samples   %10.0f samples/s\n",
          csv_s, csv_samples, csv_samples / csv_s);
  printf ("  history from Prometheus (query_range):       %8.3f s   %8u samples   %10.0f samples/s"
          "   %" G_GUINT64_FORMAT " requests   %.1f × CSV\n",
          prom_s, prom_samples, prom_samples / prom_s, history_requests, prom_s / csv_s);
  printf ("  live follow (instant queries, 1 step per advance): %.1f requests, %.2f ms per advance"
          " (median of %u; fastest %.2f ms)\n",
          (double) follow_requests / N_FOLLOW, follow_median_ms, N_FOLLOW, follow_ms[0]);
  if (prom_samples != csv_samples)
    printf ("  note: %u samples from Prometheus, %u from CSV\n", prom_samples, csv_samples);

  pm_series_store_free (csv_store);
  pm_series_store_free (store);
  g_clear_pointer (&prometheus, pm_test_prometheus_free);
  pm_test_remove_tree (dir);
}

/* The largest topology (by file size) in the shared data, or NULL. */
static char *
largest_shared_topology (void)
{
  const char *data = g_getenv ("PM_SHARED_DATA");
  g_autofree char *dir_path = g_build_filename (data != NULL ? data : "/work/shared/data",
                                                "topologies", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  char *best = NULL;
  goffset best_size = -1;
  const char *entry;

  while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, entry, NULL);
      GStatBuf st;

      if (g_str_has_suffix (entry, ".geojson") && g_stat (path, &st) == 0
          && st.st_size > best_size)
        {
          best_size = st.st_size;
          g_free (best);
          best = g_steal_pointer (&path);
        }
    }
  return best;
}

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTopology) demo = NULL;
  g_autofree char *large_path = NULL;
  g_autofree char *prometheus = g_find_program_in_path ("prometheus");
  g_autofree char *promtool = g_find_program_in_path ("promtool");

  if (prometheus == NULL || promtool == NULL)
    {
      printf ("skipped: %s is not installed (the prometheus package)\n",
              prometheus == NULL ? "prometheus" : "promtool");
      return 0;
    }

  demo = pm_demo_load_topology (&error);
  g_assert_no_error (error);
  bench_topology ("demo network", demo);

  large_path = largest_shared_topology ();
  if (large_path == NULL)
    printf ("large topology: skipped, no topologies in the shared data\n");
  else
    {
      g_autoptr(PmTopology) large = pm_topology_new_from_file (large_path, &error);
      g_autofree char *base = g_path_get_basename (large_path);

      g_assert_no_error (error);
      bench_topology (base, large);
    }
  return 0;
}
