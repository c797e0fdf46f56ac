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

/* Presses a key on the chart as its key bindings handle it: the chart's shortcut for the key,
 * activated on it. FALSE when the shortcut's action is disabled (the key would go on to the
 * widgets around the chart). */
static gboolean
press_key (PmChart *chart,
           guint    keyval)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (chart));
  g_autoptr(GtkShortcutTrigger) trigger = gtk_keyval_trigger_new (keyval, 0);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);

          if (gtk_shortcut_trigger_equal (gtk_shortcut_get_trigger (shortcut), trigger))
            return gtk_shortcut_action_activate (gtk_shortcut_get_action (shortcut),
                                                 GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                                 GTK_WIDGET (chart),
                                                 gtk_shortcut_get_arguments (shortcut));
        }
    }
  g_error ("the chart has no shortcut for %s", gdk_keyval_name (keyval));
  return FALSE;
}

static gint64
cursor_time (PmChart *chart)
{
  gint64 time_s = 0;

  g_assert_true (pm_chart_get_cursor_time (chart, &time_s));
  return time_s;
}

/* The label's first line: the cursor's time as the chart writes it for windows up to a day. */
static void
assert_describes_time (PmChart *chart,
                       gint64   time_s)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (time_s);
  g_autofree char *expected = g_date_time_format (time, "%H:%M UTC\n");

  g_assert_true (g_str_has_prefix (pm_chart_get_description (chart), expected));
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

/* The keyboard's cursor on a segment with history and a forecast: it appears on the newest
 * point, steps along the drawn points and the forecast's steps, reaches both ends, keeps its time
 * while the chart scrolls, and meanwhile the accessible description reads its values. */
static void
test_chart_cursor_keys (Fixture       *fixture,
                        gconstpointer  data)
{
  PmSnapshot *snapshot;
  PmChart *chart;
  g_autofree char *summary = NULL;
  gint64 now, span, t, start, end, middle;

  pm_detail_panel_select (fixture->panel, -1, 0);
  tick (fixture, 3, 60);
  chart = get_chart (fixture);
  snapshot = pm_engine_get_snapshot (fixture->engine);
  now = snapshot->time_s;
  span = pm_chart_get_span (chart);
  g_assert_true (pm_chart_has_forecast (chart));
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (chart)));
  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (chart)));
  summary = g_strdup (pm_chart_get_description (chart));
  pm_test_assert_contains (summary, "Latency of");

  /* Hidden at first: Escape is left to others. */
  g_assert_false (pm_chart_get_cursor_time (chart, NULL));
  g_assert_false (press_key (chart, GDK_KEY_Escape));

  /* The first move shows it on the newest point; the description says its values. */
  g_assert_true (press_key (chart, GDK_KEY_Left));
  g_assert_cmpint (cursor_time (chart), ==, now);
  assert_describes_time (chart, now);
  pm_test_assert_contains (pm_chart_get_description (chart), "\nLatency ");
  pm_test_assert_contains (pm_chart_get_description (chart), "\nRisk ");
  g_assert_null (strstr (pm_chart_get_description (chart), "Latency of"));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (chart));

  /* Right goes on into the forecast, Left back into the history. */
  g_assert_true (press_key (chart, GDK_KEY_Right));
  t = cursor_time (chart);
  g_assert_cmpint (t, >, now);
  assert_describes_time (chart, t);
  pm_test_assert_contains (pm_chart_get_description (chart), "Latency forecast");
  press_key (chart, GDK_KEY_Left);
  g_assert_cmpint (cursor_time (chart), ==, now);
  press_key (chart, GDK_KEY_Left);
  t = cursor_time (chart);
  g_assert_cmpint (t, <, now);
  /* One step is one drawn point (two pixels or so): a small part of the window. */
  g_test_message ("one step back from the newest point: %" G_GINT64_FORMAT " s", now - t);
  g_assert_cmpint (now - t, <=, span / 50);

  /* Home: the window's first point, and no further. */
  press_key (chart, GDK_KEY_Home);
  start = cursor_time (chart);
  g_test_message ("window %" G_GINT64_FORMAT " … %" G_GINT64_FORMAT ", Home at %" G_GINT64_FORMAT,
                  now - span, now + snapshot->horizon_s, start);
  g_assert_cmpint (start, >, now - span);
  g_assert_cmpint (start, <=, now - span + span / 50);
  press_key (chart, GDK_KEY_Left);
  g_assert_cmpint (cursor_time (chart), ==, start);
  press_key (chart, GDK_KEY_Right);
  g_assert_cmpint (cursor_time (chart), >, start);

  /* End: the forecast's last step, and no further. */
  press_key (chart, GDK_KEY_End);
  end = cursor_time (chart);
  g_assert_cmpint (end, >, now);
  g_assert_cmpint (end, <=, now + snapshot->horizon_s);
  g_assert_cmpint (end, ==, snapshot->watch->start_s
                              + (gint64) snapshot->watch->n_steps * snapshot->watch->step_s);
  press_key (chart, GDK_KEY_Right);
  g_assert_cmpint (cursor_time (chart), ==, end);

  /* Page Up and Page Down: a tenth of the time axis back and on. */
  press_key (chart, GDK_KEY_Page_Up);
  t = cursor_time (chart);
  g_assert_cmpint (end - t, >=, (span + snapshot->horizon_s) / 20);
  g_assert_cmpint (end - t, <=, (span + snapshot->horizon_s) / 5);
  press_key (chart, GDK_KEY_Page_Down);
  middle = cursor_time (chart);
  g_assert_cmpint (middle - t, >=, (span + snapshot->horizon_s) / 20);
  g_assert_cmpint (middle, <=, end);
  for (int i = 0; i < 20; i++)
    press_key (chart, GDK_KEY_Page_Up);
  g_assert_cmpint (cursor_time (chart), ==, start);

  /* A new snapshot scrolls the chart under the cursor: it keeps its time. */
  for (int i = 0; i < 5; i++)
    press_key (chart, GDK_KEY_Page_Down);
  middle = cursor_time (chart);
  g_assert_cmpint (middle, <, now);
  tick (fixture, 1, 60);
  g_assert_cmpint (pm_engine_get_snapshot (fixture->engine)->time_s, >, now);
  g_assert_cmpint (cursor_time (chart), ==, middle);
  assert_describes_time (chart, middle);

  /* …unless the window leaves it behind: then it stays in the window. */
  press_key (chart, GDK_KEY_Home);
  start = cursor_time (chart);
  tick (fixture, 5, 60);
  now = pm_engine_get_snapshot (fixture->engine)->time_s;
  t = cursor_time (chart);
  g_assert_cmpint (t, >, start);
  g_assert_cmpint (t, >, now - span);

  /* Escape hides it, and the description is the summary again. */
  g_assert_true (press_key (chart, GDK_KEY_Escape));
  g_assert_false (pm_chart_get_cursor_time (chart, NULL));
  pm_test_assert_contains (pm_chart_get_description (chart), "Latency of");
  g_assert_false (press_key (chart, GDK_KEY_Escape));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (chart));

  /* The actions are what the keys call. */
  gtk_widget_activate_action (GTK_WIDGET (chart), "chart.cursor-end", NULL);
  end = cursor_time (chart);
  g_assert_cmpint (end, >, now);
  gtk_widget_activate_action (GTK_WIDGET (chart), "chart.cursor-step", "i", -1);
  g_assert_cmpint (cursor_time (chart), <, end);
  gtk_widget_activate_action (GTK_WIDGET (chart), "chart.cursor-hide", NULL);
  g_assert_false (pm_chart_get_cursor_time (chart, NULL));
}

static GtkEventController *
get_motion_controller (PmChart *chart)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (chart));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_MOTION (controller))
        return controller;
    }
  g_error ("the chart does not follow the pointer");
  return NULL;
}

/* The pointer and the keys move one cursor: whichever moved last holds it. */
static void
test_chart_cursor_pointer (Fixture       *fixture,
                           gconstpointer  data)
{
  GtkEventController *motion;
  PmChart *chart;
  g_autofree char *summary = NULL;
  g_autofree char *at_pointer = NULL;
  gint64 now, t, pointer_t;
  int width;

  pm_detail_panel_select (fixture->panel, -1, 0);
  tick (fixture, 3, 60);
  chart = get_chart (fixture);
  motion = get_motion_controller (chart);
  now = pm_engine_get_snapshot (fixture->engine)->time_s;
  width = gtk_widget_get_width (GTK_WIDGET (chart));
  summary = g_strdup (pm_chart_get_description (chart));

  /* The keys show it; the pointer moving takes it over, and the description is the summary. */
  press_key (chart, GDK_KEY_End);
  g_assert_cmpint (cursor_time (chart), >, now);
  g_signal_emit_by_name (motion, "motion", width * 0.5, 100.0);
  pointer_t = cursor_time (chart);
  g_assert_cmpint (pointer_t, <, now);
  g_assert_cmpstr (pm_chart_get_description (chart), ==, summary);
  at_pointer = pm_chart_describe_at (chart, width * 0.5);
  g_assert_nonnull (at_pointer);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (chart));

  /* The keys go on from where the pointer is. */
  press_key (chart, GDK_KEY_Right);
  t = cursor_time (chart);
  g_assert_cmpint (t, >, pointer_t);
  g_assert_cmpint (t - pointer_t, <=, pm_chart_get_span (chart) / 50);
  assert_describes_time (chart, t);

  /* The pointer leaving does not take the keys' cursor with it… */
  g_signal_emit_by_name (motion, "leave");
  g_assert_cmpint (cursor_time (chart), ==, t);

  /* …but it takes its own; over the scales it shows none. */
  g_signal_emit_by_name (motion, "motion", width * 0.5, 100.0);
  g_signal_emit_by_name (motion, "leave");
  g_assert_false (pm_chart_get_cursor_time (chart, NULL));
  g_signal_emit_by_name (motion, "motion", 2.0, 100.0);
  g_assert_false (pm_chart_get_cursor_time (chart, NULL));
  g_assert_null (pm_chart_describe_at (chart, 2.0));
  g_assert_true (press_key (chart, GDK_KEY_Escape));
  g_signal_emit_by_name (motion, "leave");
}

/* A site's chart has no forecast: End is its newest point, Right stops there. */
static void
test_chart_cursor_site (Fixture       *fixture,
                        gconstpointer  data)
{
  PmChart *chart;
  gint64 now;

  pm_detail_panel_select (fixture->panel, 0, -1);
  tick (fixture, 3, 60);
  chart = get_chart (fixture);
  now = pm_engine_get_snapshot (fixture->engine)->time_s;

  press_key (chart, GDK_KEY_End);
  g_assert_cmpint (cursor_time (chart), ==, now);
  press_key (chart, GDK_KEY_Right);
  g_assert_cmpint (cursor_time (chart), ==, now);
  pm_test_assert_contains (pm_chart_get_description (chart), "\nIsolation risk ");
  press_key (chart, GDK_KEY_Page_Up);
  g_assert_cmpint (cursor_time (chart), <, now);

  /* Another subject keeps the cursor's time; nothing selected hides it. */
  pm_detail_panel_select (fixture->panel, 1, -1);
  g_assert_true (pm_chart_get_cursor_time (chart, NULL));
  pm_detail_panel_select (fixture->panel, -1, -1);
  g_assert_false (pm_chart_get_cursor_time (chart, NULL));
}

/* Every key on a chart with nothing selected, then on a segment with no history, in every
 * metric: nothing breaks, and the values read "no data". */
static void
test_chart_cursor_no_data (Fixture       *fixture,
                           gconstpointer  data)
{
  static const guint keys[] = { GDK_KEY_Left, GDK_KEY_Right, GDK_KEY_Page_Up, GDK_KEY_Page_Down,
                                GDK_KEY_Home, GDK_KEY_End, GDK_KEY_KP_Left, GDK_KEY_KP_Right,
                                GDK_KEY_KP_Page_Up, GDK_KEY_KP_Page_Down, GDK_KEY_KP_Home,
                                GDK_KEY_KP_End, GDK_KEY_Escape };
  static const char *metrics[] = { "latency", "jitter", "loss" };
  PmChart *chart = get_chart (fixture);

  /* Nothing selected: the keys are left to focus navigation. */
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_false (press_key (chart, keys[i]));
  g_assert_false (pm_chart_get_cursor_time (chart, NULL));
  g_assert_cmpstr (pm_chart_get_description (chart), ==, "No data");

  pm_detail_panel_select (fixture->panel, -1, 0);
  for (guint m = 0; m < G_N_ELEMENTS (metrics); m++)
    {
      gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "chart.metric", "s", metrics[m]);
      chart = get_chart (fixture);
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          press_key (chart, keys[i]);
          gtk_test_widget_wait_for_draw (GTK_WIDGET (chart));
        }
      g_assert_false (pm_chart_get_cursor_time (chart, NULL));
      press_key (chart, GDK_KEY_Home);
      g_assert_true (pm_chart_get_cursor_time (chart, NULL));
      pm_test_assert_contains (pm_chart_get_description (chart), "no data");
      press_key (chart, GDK_KEY_End);
      press_key (chart, GDK_KEY_Escape);
    }
  press_key (chart, GDK_KEY_End);
  pm_detail_panel_select (fixture->panel, 0, -1);
  chart = get_chart (fixture);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    press_key (chart, keys[i]);
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
  g_test_add ("/chart/cursor-keys", Fixture, NULL, fixture_set_up, test_chart_cursor_keys,
              fixture_tear_down);
  g_test_add ("/chart/cursor-pointer", Fixture, NULL, fixture_set_up, test_chart_cursor_pointer,
              fixture_tear_down);
  g_test_add ("/chart/cursor-site", Fixture, NULL, fixture_set_up, test_chart_cursor_site,
              fixture_tear_down);
  g_test_add ("/chart/cursor-no-data", Fixture, "not started", fixture_set_up,
              test_chart_cursor_no_data, fixture_tear_down);

  return g_test_run ();
}
