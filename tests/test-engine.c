/* test-engine.c: the PmEngine facade on the demo and on bad options.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-engine.h"
#include "pm-health.h"
#include "pm-test-util.h"
#include "telemetry/pm-simulator.h"

static PmEngine *
start_demo_engine (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  PmEngineOptions options = { .data_dir = data_dir, .source_uri = "sim:?seed=7",
                              .start_paused = TRUE };
  g_autoptr(GError) error = NULL;
  PmEngine *engine = pm_engine_new (&options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (engine);
  pm_test_engine_start (engine);
  return engine;
}

static void
test_engine_demo_snapshot (void)
{
  g_autoptr(PmEngine) engine = start_demo_engine ();
  PmSnapshot *snapshot = pm_engine_get_snapshot (engine);
  PmTopology *topology = pm_engine_get_topology (engine);
  guint with_data = 0;

  g_assert_cmpint (snapshot->time_s, ==, PM_SIMULATOR_DEFAULT_START);
  g_assert_cmpuint (snapshot->n_segments, ==, pm_topology_get_n_segments (topology));
  g_assert_cmpuint (snapshot->n_sites, ==, pm_topology_get_n_sites (topology));
  g_assert_cmpstr (snapshot->source_description, !=, NULL);
  g_assert_cmpint (snapshot->source_state, ==, PM_SOURCE_STATE_CONNECTED);
  for (guint i = 0; i < snapshot->n_segments; i++)
    if (!isnan (snapshot->segments[i].health))
      {
        with_data++;
        g_assert_cmpfloat (snapshot->segments[i].health, >=, 0);
        g_assert_cmpfloat (snapshot->segments[i].health, <=, 1);
      }
  /* Most segments are up at any moment; a cut segment still has data (loss 1). */
  g_assert_cmpuint (with_data, ==, snapshot->n_segments);
  g_assert_nonnull (pm_engine_get_resources (engine));
}

/* The predictor learns from the stored day in a worker thread: start returns at once with a map
 * of live data and unknown risks, and the first tick after the warm-up predicts. */
static void
test_engine_warm_up_in_background (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  PmEngineOptions options = { .data_dir = data_dir, .source_uri = "sim:?seed=7",
                              .start_paused = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);
  PmSnapshot *snapshot;
  guint with_risk = 0;

  g_assert_no_error (error);
  g_assert_true (pm_engine_start (engine, &error));
  g_assert_no_error (error);
  /* Whatever the worker has done, its result is taken on this thread's next iteration. */
  g_assert_false (pm_engine_is_predicting (engine));
  snapshot = pm_engine_get_snapshot (engine);
  g_assert_false (snapshot->predicting);
  g_assert_cmpint (snapshot->horizon_s, >, 0);
  g_assert_cmpuint (snapshot->alerts->len, ==, 0);
  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      g_assert_true (isnan (snapshot->segments[i].risk));
      g_assert_false (isnan (snapshot->segments[i].health));
    }

  while (!pm_engine_is_predicting (engine))
    g_main_context_iteration (NULL, TRUE);
  /* Done with the timer running: the engine ticked at once, with risks. */
  snapshot = pm_engine_get_snapshot (engine);
  g_assert_true (snapshot->predicting);
  for (guint i = 0; i < snapshot->n_segments; i++)
    with_risk += !isnan (snapshot->segments[i].risk);
  g_assert_cmpuint (with_risk, ==, snapshot->n_segments);
  pm_engine_stop (engine);
}

static void
changed_cb (PmEngine   *engine,
            PmSnapshot *snapshot,
            gpointer    user_data)
{
  PmSnapshot **last = user_data;

  g_clear_pointer (last, pm_snapshot_unref);
  *last = pm_snapshot_ref (snapshot);
}

static void
test_engine_tick_advances (void)
{
  g_autoptr(PmEngine) engine = start_demo_engine ();
  g_autoptr(PmSnapshot) first = pm_snapshot_ref (pm_engine_get_snapshot (engine));
  g_autoptr(PmSnapshot) last = NULL;
  PmSample history[60];
  guint n;

  g_signal_connect (engine, "changed", G_CALLBACK (changed_cb), &last);
  pm_clock_advance (pm_engine_get_clock (engine), (gint64) 600 * G_USEC_PER_SEC);
  pm_engine_tick (engine);

  g_assert_nonnull (last);
  g_assert_true (last == pm_engine_get_snapshot (engine));
  g_assert_cmpint (last->time_s, ==, first->time_s + 600);
  /* The first snapshot is immutable: the later tick did not touch it. */
  g_assert_cmpint (first->time_s, ==, PM_SIMULATOR_DEFAULT_START);

  /* History covers the day before the start and the ten minutes since. */
  n = pm_engine_read_history (engine, 0, last->time_s - 590, 60, history);
  g_assert_cmpuint (n, >=, 55);
  n = pm_engine_read_history (engine, 0, first->time_s - 23 * 3600, 60, history);
  g_assert_cmpuint (n, >=, 55);
}

static void
test_engine_demo_edges (void)
{
  g_autoptr(PmEngine) engine = start_demo_engine ();
  PmTopology *topology = pm_engine_get_topology (engine);
  int origin = pm_topology_get_origin (topology);
  g_autofree char *edge = g_build_filename (pm_engine_get_data_dir (engine), "edges",
                                            pm_topology_get_site (topology, (guint) origin)->id,
                                            NULL);

  g_assert_true (g_file_test (edge, G_FILE_TEST_IS_DIR));
}

static void
test_engine_bad_topology (void)
{
  g_autofree char *path = pm_test_write_temp_file ("broken.geojson", "{\"type\": \"Feature\"}");
  PmEngineOptions options = { .topology_path = path };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);

  g_assert_null (engine);
  g_assert_error (error, PM_TOPOLOGY_ERROR, PM_TOPOLOGY_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, path));
}

static void
test_engine_unknown_source (void)
{
  PmEngineOptions options = { .source_uri = "carrier-pigeon:coop" };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);

  g_assert_null (engine);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_SOURCE);
  g_assert_nonnull (strstr (error->message, "carrier-pigeon:coop"));
}

static void
test_engine_bad_sim_uri (void)
{
  PmEngineOptions options = { .source_uri = "sim:?seed=banana" };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);

  g_assert_null (engine);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "seed"));
}

static void
test_health_score (void)
{
  PmSegment segment = { .length_km = 500 };
  PmSample good = { pm_segment_baseline_rtt_ms (&segment), 0.1f, 0 };
  PmSample lossy = { pm_segment_baseline_rtt_ms (&segment), 0.1f, 0.02f };
  PmSample cut = { NAN, NAN, 1 };
  PmSample none = PM_SAMPLE_NO_DATA;

  g_assert_cmpfloat_with_epsilon (pm_health_score (&segment, &good), 0, 1e-6);
  g_assert_cmpint (pm_health_level (pm_health_score (&segment, &lossy)), ==, PM_HEALTH_DEGRADED);
  g_assert_cmpint (pm_health_level (pm_health_score (&segment, &cut)), ==, PM_HEALTH_DOWN);
  g_assert_true (isnan (pm_health_score (&segment, &none)));
  g_assert_cmpint (pm_health_level (NAN), ==, PM_HEALTH_NO_DATA);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/demo-snapshot", test_engine_demo_snapshot);
  g_test_add_func ("/engine/tick-advances", test_engine_tick_advances);
  g_test_add_func ("/engine/warm-up-in-background", test_engine_warm_up_in_background);
  g_test_add_func ("/engine/demo-edges", test_engine_demo_edges);
  g_test_add_func ("/engine/bad-topology", test_engine_bad_topology);
  g_test_add_func ("/engine/unknown-source", test_engine_unknown_source);
  g_test_add_func ("/engine/bad-sim-uri", test_engine_bad_sim_uri);
  g_test_add_func ("/engine/health-score", test_health_score);

  return g_test_run ();
}
