/* test-chart.c: the detail panel's chart on the demo network, under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "pm-chart.h"
#include "pm-detail-panel.h"
#include "pm-engine.h"
#include "pm-test-util.h"

typedef struct
{
  PmEngine      *engine;
  GtkWindow     *window;
  PmDetailPanel *panel;
} Fixture;

/* As the window does: every snapshot goes to the panel. */
static void
engine_changed_cb (PmEngine      *engine,
                   PmSnapshot    *snapshot,
                   PmDetailPanel *panel)
{
  pm_detail_panel_set_snapshot (panel, snapshot);
}

static void
present_panel (Fixture *fixture)
{
  fixture->window = GTK_WINDOW (gtk_window_new ());
  fixture->panel = pm_detail_panel_new ();
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->panel));
  gtk_window_set_default_size (fixture->window, 380, 960);
  pm_detail_panel_set_engine (fixture->panel, fixture->engine);
  pm_detail_panel_set_snapshot (fixture->panel, pm_engine_get_snapshot (fixture->engine));
  g_signal_connect_object (fixture->engine, "changed", G_CALLBACK (engine_changed_cb),
                           fixture->panel, 0);
  gtk_window_present (fixture->window);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
}

/* The demo engine, started (history loaded, predictor warm) with its clock paused. */
static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  PmEngineOptions options = { .data_dir = data_dir, .start_paused = TRUE };
  g_autoptr(GError) error = NULL;

  fixture->engine = pm_engine_new (&options, &error);
  g_assert_no_error (error);
  if (data == NULL)
    pm_test_engine_start (fixture->engine);
  present_panel (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_object_ref (fixture->panel);
  gtk_window_destroy (fixture->window);
  g_assert_finalize_object (fixture->panel);
  g_assert_finalize_object (fixture->engine);
}

static void
tick (Fixture *fixture,
      int      n,
      gint64   step_s)
{
  for (int i = 0; i < n; i++)
    {
      pm_clock_advance (pm_engine_get_clock (fixture->engine), step_s * G_USEC_PER_SEC);
      pm_engine_tick (fixture->engine);
    }
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
}

static PmChart *
get_chart (Fixture *fixture)
{
  PmChart *chart = pm_detail_panel_get_chart (fixture->panel);

  g_assert_nonnull (chart);
  /* Hidden while nothing is selected: only a shown chart gets drawn. */
  if (gtk_widget_get_mapped (GTK_WIDGET (chart)))
    gtk_test_widget_wait_for_draw (GTK_WIDGET (chart));
  return chart;
}

/* An engine that never started holds no history and no risk: the chart says so, draws, and
 * hovering it does not crash. */
static void
test_chart_no_data (Fixture       *fixture,
                    gconstpointer  data)
{
  PmChart *chart = get_chart (fixture);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  int width;
  g_autofree char *hover = NULL;

  g_assert_cmpstr (pm_chart_get_description (chart), ==, "No data");

  pm_detail_panel_select (fixture->panel, -1, 0);
  chart = get_chart (fixture);
  g_assert_cmpuint (pm_chart_get_n_points (chart), ==, 0);
  g_assert_false (pm_chart_has_forecast (chart));
  pm_test_assert_contains (pm_chart_get_description (chart),
                           pm_topology_get_segment (topology, 0)->id);
  pm_test_assert_contains (pm_chart_get_description (chart), "no data");
  width = gtk_widget_get_width (GTK_WIDGET (chart));
  g_assert_cmpint (width, >, 0);
  hover = pm_chart_describe_at (chart, width * 0.5);
  g_assert_nonnull (hover);
  pm_test_assert_contains (hover, "no data");

  /* Every metric and window draws over the empty history. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "chart.metric", "s", "loss");
  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "chart.span", "u", 7 * 24 * 3600);
  chart = get_chart (fixture);
  g_assert_cmpuint (pm_chart_get_n_points (chart), ==, 0);

  /* A site with no risk yet. */
  pm_detail_panel_select (fixture->panel, 0, -1);
  chart = get_chart (fixture);
  g_assert_cmpuint (pm_chart_get_n_points (chart), ==, 0);
  pm_test_assert_contains (pm_chart_get_description (chart),
                           pm_topology_get_site (topology, 0)->id);
  pm_test_assert_contains (pm_chart_get_description (chart), "no data");
}

/* A real segment of the demo after a few ticks: history, a forecast, hover values, a summary. */
static void
test_chart_demo_segment (Fixture       *fixture,
                         gconstpointer  data)
{
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  const PmSegment *segment = pm_topology_get_segment (topology, 0);
  PmChart *chart;
  g_autofree char *past = NULL;
  g_autofree char *future = NULL;
  int width;

  pm_detail_panel_select (fixture->panel, -1, 0);
  g_assert_cmpint (pm_engine_get_watched_segment (fixture->engine), ==, 0);
  tick (fixture, 3, 60);
  chart = get_chart (fixture);

  g_assert_nonnull (pm_engine_get_snapshot (fixture->engine)->watch);
  g_assert_cmpuint (pm_engine_get_snapshot (fixture->engine)->watch->segment, ==, 0);
  g_assert_cmpuint (pm_chart_get_n_points (chart), >, 0);
  g_assert_true (pm_chart_has_forecast (chart));
  pm_test_assert_contains (pm_chart_get_description (chart), segment->id);
  pm_test_assert_contains (pm_chart_get_description (chart), "Latency of");
  pm_test_assert_contains (pm_chart_get_description (chart), " ms");

  /* Half-way along the axis lies in the history; near the right end, in the forecast. */
  width = gtk_widget_get_width (GTK_WIDGET (chart));
  past = pm_chart_describe_at (chart, width * 0.5);
  g_assert_nonnull (past);
  g_test_message ("hover in the past: %s", past);
  pm_test_assert_contains (past, "UTC");
  pm_test_assert_contains (past, "Latency ");
  pm_test_assert_contains (past, " ms");
  g_assert_null (strstr (past, "no data\n"));
  future = pm_chart_describe_at (chart, width - 12);
  g_assert_nonnull (future);
  g_test_message ("hover in the forecast: %s", future);
  pm_test_assert_contains (future, "forecast");
  pm_test_assert_contains (future, " ms");
  g_assert_null (pm_chart_describe_at (chart, -5));

  /* The loss chart says loss, in percent. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "chart.metric", "s", "loss");
  g_assert_cmpint (pm_chart_get_metric (chart), ==, PM_CHART_LOSS);
  pm_test_assert_contains (pm_chart_get_description (chart), "Loss of");
  pm_test_assert_contains (pm_chart_get_description (chart), "%");

  /* Selecting a site stops the segment's forecast. */
  pm_detail_panel_select (fixture->panel, (int) segment->a, -1);
  tick (fixture, 1, 60);
  g_assert_null (pm_engine_get_snapshot (fixture->engine)->watch);
}

/* The time-window buttons' action changes how much history the chart reads. */
static void
test_chart_window_selector (Fixture       *fixture,
                            gconstpointer  data)
{
  PmChart *chart;
  guint hour, day;

  pm_detail_panel_select (fixture->panel, -1, 1);
  tick (fixture, 1, 60);
  chart = get_chart (fixture);
  g_assert_cmpint (pm_chart_get_span (chart), ==, 6 * 3600);

  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "chart.span", "u", 3600);
  g_assert_cmpint (pm_chart_get_span (chart), ==, 3600);
  hour = pm_chart_get_n_points (chart);
  pm_test_assert_contains (pm_chart_get_description (chart), "over the last 1 h");

  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "chart.span", "u", 24 * 3600);
  day = pm_chart_get_n_points (chart);
  pm_test_assert_contains (pm_chart_get_description (chart), "over the last 24 h");
  g_test_message ("points: %u in 1 h, %u in 24 h", hour, day);
  g_assert_cmpuint (hour, >, 0);
  g_assert_cmpuint (day, >, 4 * hour);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (chart));
}

/* A site's chart is its isolation risk, recorded tick by tick. */
static void
test_chart_site_risk (Fixture       *fixture,
                      gconstpointer  data)
{
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  PmSnapshot *snapshot;
  PmChart *chart;
  int site = -1;
  g_autofree char *hover = NULL;

  tick (fixture, 1, 60);
  snapshot = pm_engine_get_snapshot (fixture->engine);
  for (guint i = 0; i < snapshot->n_sites && site < 0; i++)
    if (!isnan (snapshot->sites[i].isolation))
      site = (int) i;
  g_assert_cmpint (site, >=, 0);

  pm_detail_panel_select (fixture->panel, site, -1);
  tick (fixture, 3, 60);
  chart = get_chart (fixture);
  g_assert_cmpuint (pm_chart_get_n_points (chart), >=, 3);
  pm_test_assert_contains (pm_chart_get_description (chart), "Isolation risk of");
  pm_test_assert_contains (pm_chart_get_description (chart),
                           pm_topology_get_site (topology, (guint) site)->name);
  hover = pm_chart_describe_at (chart, gtk_widget_get_width (GTK_WIDGET (chart)) - 10);
  g_assert_nonnull (hover);
  pm_test_assert_contains (hover, "Isolation risk");
  pm_test_assert_contains (hover, "%");
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  /* Non-NULL data: the engine is not started, so it holds no history. */
  g_test_add ("/chart/no-data", Fixture, "not started", fixture_set_up, test_chart_no_data,
              fixture_tear_down);
  g_test_add ("/chart/demo-segment", Fixture, NULL, fixture_set_up, test_chart_demo_segment,
              fixture_tear_down);
  g_test_add ("/chart/window-selector", Fixture, NULL, fixture_set_up,
              test_chart_window_selector, fixture_tear_down);
  g_test_add ("/chart/site-risk", Fixture, NULL, fixture_set_up, test_chart_site_risk,
              fixture_tear_down);

  return g_test_run ();
}
