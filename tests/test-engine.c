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

/* A carrier's notice of work on fra--ams's circuit, from ten minutes before the simulator's
 * start to an hour after. */
static const char maintenance_ics[] =
  "BEGIN:VCALENDAR\r\n"
  "VERSION:2.0\r\n"
  "PRODID:-//Example Transit Carrier//Maintenance Notices//EN\r\n"
  "BEGIN:VEVENT\r\n"
  "UID:mn-7001@carrier.example\r\n"
  "DTSTAMP:20260101T090000Z\r\n"
  "DTSTART:20260104T235000Z\r\n"
  "DTEND:20260105T010000Z\r\n"
  "SUMMARY:Amplifier swap Frankfurt–Amsterdam\r\n"
  "X-MAINTNOTE-PROVIDER:carrier.example\r\n"
  "X-MAINTNOTE-ACCOUNT:ACME-4711\r\n"
  "X-MAINTNOTE-MAINTENANCE-ID:MN-7001\r\n"
  "X-MAINTNOTE-OBJECT-ID:PMX-FRA-AMS-0001\r\n"
  "X-MAINTNOTE-IMPACT:OUTAGE\r\n"
  "X-MAINTNOTE-STATUS:CONFIRMED\r\n"
  "END:VEVENT\r\n"
  "END:VCALENDAR\r\n";

/* --events: the feed's state rides on every snapshot, and its active window is on the map next
 * to the simulator's own events. */
static void
test_engine_event_feeds (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autofree char *ics = pm_test_write_temp_file ("notices.ics", maintenance_ics);
  const char *feeds[] = { ics, NULL };
  PmEngineOptions options = { .data_dir = data_dir, .source_uri = "sim:?seed=7",
                              .start_paused = TRUE, .event_feeds = feeds };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);
  PmSnapshot *snapshot;
  const PmFeedStatus *feed;
  gboolean found = FALSE;

  g_assert_no_error (error);
  pm_test_engine_start (engine);
  snapshot = pm_engine_get_snapshot (engine);
  g_assert_cmpuint (snapshot->feeds->len, ==, 1);
  feed = g_ptr_array_index (snapshot->feeds, 0);
  g_assert_cmpstr (feed->location, ==, ics);
  g_assert_cmpint (feed->state, ==, PM_FEED_STATE_OK);
  g_assert_true (feed->has_kind);
  g_assert_cmpint (feed->kind, ==, PM_EVENT_FEED_ICALENDAR);
  g_assert_cmpuint (feed->n_events, ==, 1);
  g_assert_null (feed->last_error);
  for (guint i = 0; i < snapshot->events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (snapshot->events, i);

      if (g_strcmp0 (event->circuit_id, "PMX-FRA-AMS-0001") == 0
          && event->kind == PM_EVENT_MAINTENANCE && event->impact == PM_IMPACT_OUTAGE)
        found = TRUE;
    }
  g_assert_true (found);
}

/* A feed file that is missing or not a feed stops the engine where it was given; an address is
 * fetched by the running engine, which shows its state. */
static void
test_engine_event_feeds_refused (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autofree char *missing = g_build_filename (data_dir, "no-such.ics", NULL);
  g_autofree char *bad = pm_test_write_temp_file ("bad.ics", "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n");
  const char *unreachable[] = { "http://127.0.0.1:1/notices.ics", NULL };
  const char *const *refused[] = {
    (const char *[]) { missing, NULL }, (const char *[]) { bad, NULL },
    (const char *[]) { "gopher://example.net/feed", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      PmEngineOptions options = { .data_dir = data_dir, .start_paused = TRUE,
                                  .event_feeds = refused[i] };
      g_autoptr(GError) error = NULL;
      g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);

      g_assert_null (engine);
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      pm_test_assert_contains (error->message, i == 2 ? "gopher" : refused[i][0]);
    }

  {
    PmEngineOptions options = { .data_dir = data_dir, .start_paused = TRUE,
                                .event_feeds = unreachable };
    g_autoptr(GError) error = NULL;
    g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);
    const PmFeedStatus *feed;

    g_assert_no_error (error);
    pm_test_engine_start (engine);
    feed = g_ptr_array_index (pm_engine_get_snapshot (engine)->feeds, 0);
    g_assert_cmpint (feed->state, ==, PM_FEED_STATE_FAILED);
    pm_test_assert_contains (feed->last_error, "127.0.0.1:1");
  }
}

/* csv:FILE in the console: replayed on a virtual clock from its first row (it holds less than a
 * day), its samples on the map, and stale once the clock has passed its last row. */
static void
test_engine_csv_source (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autofree char *csv = pm_test_write_temp_file ("metrics.csv",
    "timestamp,segment,latency_ms,jitter_ms,loss_ratio\n"
    "1767571200,fra--ams,6.5,0.4,0\n"
    "1767571210,fra--ams,6.7,0.5,0.01\n"
    "1767571220,fra--ams,,,1\n");
  g_autofree char *uri = g_strconcat ("csv:", csv, NULL);
  PmEngineOptions options = { .data_dir = data_dir, .source_uri = uri, .start_paused = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);
  PmTopology *topology;
  PmSnapshot *snapshot;
  int fra_ams = -1;

  g_assert_no_error (error);
  pm_test_engine_start (engine);
  topology = pm_engine_get_topology (engine);
  for (guint i = 0; i < pm_topology_get_n_segments (topology); i++)
    if (g_str_equal (pm_topology_get_segment (topology, i)->id, "fra--ams"))
      fra_ams = (int) i;
  g_assert_cmpint (fra_ams, >=, 0);

  snapshot = pm_engine_get_snapshot (engine);
  g_assert_cmpint (snapshot->time_s, ==, 1767571200);
  g_assert_cmpint (pm_clock_get_kind (pm_engine_get_clock (engine)), ==, PM_CLOCK_VIRTUAL);
  pm_test_assert_contains (snapshot->source_description, "metrics.csv");
  g_assert_cmpfloat_with_epsilon (snapshot->segments[fra_ams].sample.latency_ms, 6.5, 1e-4);

  pm_clock_advance (pm_engine_get_clock (engine), 20 * G_USEC_PER_SEC);
  pm_engine_tick (engine);
  snapshot = pm_engine_get_snapshot (engine);
  g_assert_cmpfloat (snapshot->segments[fra_ams].sample.loss_ratio, ==, 1);

  /* Past the last row: no more samples, and after a few steps the map shows no data. */
  pm_clock_advance (pm_engine_get_clock (engine), 120 * G_USEC_PER_SEC);
  pm_engine_tick (engine);
  snapshot = pm_engine_get_snapshot (engine);
  g_assert_cmpint (snapshot->source_state, ==, PM_SOURCE_STATE_STALE);
  g_assert_false (pm_sample_has_data (&snapshot->segments[fra_ams].sample));
  g_assert_true (isnan (snapshot->segments[fra_ams].risk));
}

/* A live Prometheus source follows the wall clock, which runs at one speed only. */
static void
test_engine_prometheus_source (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  PmEngineOptions options = { .data_dir = data_dir, .source_uri = "prometheus:http://127.0.0.1:1",
                              .start_paused = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);
  PmSnapshot *snapshot;

  g_assert_no_error (error);
  g_assert_cmpint (pm_clock_get_kind (pm_engine_get_clock (engine)), ==, PM_CLOCK_WALL);
  pm_test_engine_start (engine);
  snapshot = pm_engine_get_snapshot (engine);
  /* Nothing answers on port 1: failing from the start, with the reason. */
  g_assert_cmpint (snapshot->source_state, ==, PM_SOURCE_STATE_FAILED);
  pm_test_assert_contains (snapshot->source_error, "127.0.0.1:1");

  options.speed = 60;
  g_clear_object (&engine);
  engine = pm_engine_new (&options, &error);
  g_assert_null (engine);
  g_assert_error (error, PM_ENGINE_ERROR, PM_ENGINE_ERROR_SOURCE);
  pm_test_assert_contains (error->message, "wall clock");
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
  g_test_add_func ("/engine/event-feeds", test_engine_event_feeds);
  g_test_add_func ("/engine/event-feeds-refused", test_engine_event_feeds_refused);
  g_test_add_func ("/engine/csv-source", test_engine_csv_source);
  g_test_add_func ("/engine/prometheus-source", test_engine_prometheus_source);
  g_test_add_func ("/engine/health-score", test_health_score);

  return g_test_run ();
}
