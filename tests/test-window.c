/* test-window.c: the console window on the demo network, under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "pm-engine.h"
#include "pm-format.h"
#include "pm-test-util.h"
#include "pm-window.h"

typedef struct
{
  PmEngine *engine;
  PmWindow *window;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  PmEngineOptions options = { .data_dir = data_dir, .start_paused = TRUE };
  g_autoptr(GSettings) settings = g_settings_new ("io.github.premirror.Premirror");
  g_autoptr(GError) error = NULL;

  /* No tile server is reachable from a test: draw on the graticule alone. */
  g_settings_set_boolean (settings, "show-basemap", FALSE);

  fixture->engine = pm_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_test_engine_start (fixture->engine);

  fixture->window = pm_window_new (NULL, fixture->engine);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1200, 760);
  gtk_window_present (GTK_WINDOW (fixture->window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_clear_object (&fixture->engine);
}

static void
wait_for_map_frame (PmMapView *map_view)
{
  PmNetworkLayer *layer = pm_map_view_get_network_layer (map_view);

  /* The image is drawn in a worker thread; frames show the last one meanwhile. */
  for (int i = 0; i < 2000 && !pm_network_layer_is_current (layer); i++)
    {
      gtk_test_widget_wait_for_draw (GTK_WIDGET (map_view));
      g_main_context_iteration (NULL, FALSE);
    }
}

static void
test_window_map_holds_network (Fixture       *fixture,
                               gconstpointer  data)
{
  PmMapView *map_view = pm_window_get_map_view (fixture->window);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);

  wait_for_map_frame (map_view);
  g_assert_cmpuint (pm_map_view_get_n_site_markers (map_view), ==,
                    pm_topology_get_n_sites (topology));
  g_assert_cmpuint (pm_network_layer_get_n_drawn (pm_map_view_get_network_layer (map_view)), ==,
                    pm_topology_get_n_segments (topology));
  g_assert_null (pm_map_view_get_basemap_name (map_view));
}

static void
test_window_select_site (Fixture       *fixture,
                         gconstpointer  data)
{
  PmMapView *map_view = pm_window_get_map_view (fixture->window);
  PmNetworkLayer *layer = pm_map_view_get_network_layer (map_view);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  PmDetailPanel *panel = pm_window_get_detail_panel (fixture->window);
  guint origin = (guint) pm_topology_get_origin (topology);
  const PmSite *site = pm_topology_get_site (topology, origin);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (layer));
  double x, y;

  wait_for_map_frame (map_view);
  g_assert_null (pm_detail_panel_get_title (panel));

  /* A click on the origin's dot hits the origin. */
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (layer), site->location.lat,
                                              site->location.lon, &x, &y);
  g_assert_cmpint (pm_network_layer_site_at (layer, x + 2, y - 2, 10), ==, (int) origin);
  g_signal_emit_by_name (map_view, "selected", (int) origin, -1);
  g_assert_cmpstr (pm_detail_panel_get_title (panel), ==, site->name);
  g_assert_cmpstr (pm_detail_panel_get_value (panel, "Region"), ==, site->region);
}

static void
test_window_select_segment_updates_live (Fixture       *fixture,
                                         gconstpointer  data)
{
  PmMapView *map_view = pm_window_get_map_view (fixture->window);
  PmNetworkLayer *layer = pm_map_view_get_network_layer (map_view);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  PmDetailPanel *panel = pm_window_get_detail_panel (fixture->window);
  const PmSegment *segment = pm_topology_get_segment (topology, 0);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (layer));
  PmLatLon a = pm_topology_get_site (topology, segment->a)->location;
  PmLatLon b = pm_topology_get_site (topology, segment->b)->location;
  g_autofree char *clock_before = NULL;
  g_autofree char *expected_clock = NULL;
  g_autofree char *expected_latency = NULL;
  double x, y;

  wait_for_map_frame (map_view);
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (layer), (a.lat + b.lat) / 2,
                                              (a.lon + b.lon) / 2, &x, &y);
  g_assert_cmpint (pm_network_layer_segment_at (layer, x, y, 7), >=, 0);

  g_signal_emit_by_name (map_view, "selected", -1, 0);
  g_assert_nonnull (pm_detail_panel_get_title (panel));
  g_assert_nonnull (pm_detail_panel_get_value (panel, "Latency"));

  clock_before = g_strdup (pm_window_get_clock_text (fixture->window));
  pm_clock_advance (pm_engine_get_clock (fixture->engine), (gint64) 3600 * G_USEC_PER_SEC);
  pm_engine_tick (fixture->engine);
  expected_clock = pm_format_clock (pm_engine_get_snapshot (fixture->engine)->time_s);
  g_assert_cmpstr (pm_window_get_clock_text (fixture->window), !=, clock_before);
  g_assert_cmpstr (pm_window_get_clock_text (fixture->window), ==, expected_clock);
  expected_latency = pm_format_ms (pm_engine_get_snapshot (fixture->engine)->segments[0].sample.latency_ms);
  g_assert_cmpstr (pm_detail_panel_get_value (panel, "Latency"), ==, expected_latency);
}

static void
test_window_pause_action (Fixture       *fixture,
                          gconstpointer  data)
{
  PmClock *clock = pm_engine_get_clock (fixture->engine);

  g_assert_true (pm_clock_get_paused (clock));
  g_action_group_change_action_state (G_ACTION_GROUP (fixture->window), "paused",
                                      g_variant_new_boolean (FALSE));
  g_assert_false (pm_clock_get_paused (clock));
  g_action_group_activate_action (G_ACTION_GROUP (fixture->window), "paused", NULL);
  g_assert_true (pm_clock_get_paused (clock));

  g_action_group_change_action_state (G_ACTION_GROUP (fixture->window), "speed",
                                      g_variant_new_double (600));
  g_assert_cmpfloat (pm_clock_get_speed (clock), ==, 600);
}

/* The alerts list shows exactly the snapshot's alerts, and activating one selects its subject. */
static void
test_window_alerts_list (Fixture       *fixture,
                         gconstpointer  data)
{
  PmAlertsPanel *panel = pm_window_get_alerts_panel (fixture->window);
  PmSnapshot *snapshot;

  /* Demo seed 1 has an announced outage window on fra--zrh around the start. */
  for (int i = 0; i < 6; i++)
    {
      pm_clock_advance (pm_engine_get_clock (fixture->engine), (gint64) 600 * G_USEC_PER_SEC);
      pm_engine_tick (fixture->engine);
    }
  snapshot = pm_engine_get_snapshot (fixture->engine);
  g_assert_cmpuint (pm_alerts_panel_get_n_shown (panel), ==, snapshot->alerts->len);
  if (snapshot->alerts->len > 0)
    {
      const PmAlert *alert = g_ptr_array_index (snapshot->alerts, 0);
      PmDetailPanel *details = pm_window_get_detail_panel (fixture->window);

      g_signal_emit_by_name (panel, "alert-activated",
                             alert->subject == PM_ALERT_SITE ? (int) alert->index : -1,
                             alert->subject == PM_ALERT_SEGMENT ? (int) alert->index : -1);
      g_assert_nonnull (pm_detail_panel_get_title (details));
    }
}

/* A click on an empty spot of the map opens the routing panel for that spot. */
static void
test_window_map_click_fills_routing (Fixture       *fixture,
                                     gconstpointer  data)
{
  PmRoutingPanel *routing = pm_window_get_routing_panel (fixture->window);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  PmResources *resources = pm_engine_get_resources (fixture->engine);
  int paris = pm_topology_lookup_site (topology, "par");

  g_assert_cmpint (paris, >=, 0);
  g_assert_cmpint (pm_routing_panel_get_client_site (routing), ==, -1);
  /* A little off Paris: the spot maps to the nearest site. */
  g_signal_emit_by_name (pm_window_get_map_view (fixture->window), "location-activated", 48.5,
                         2.6);
  g_assert_cmpstr (pm_window_get_visible_panel (fixture->window), ==, "routing");
  g_assert_cmpint (pm_routing_panel_get_client_site (routing), ==, paris);
  for (int i = 0; i < 2000 && pm_routing_panel_is_busy (routing); i++)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (pm_routing_panel_is_busy (routing));
  g_assert_cmpuint (pm_routing_panel_get_n_rows (routing), ==,
                    pm_resources_get_n_resources (resources));
  for (guint r = 0; r < pm_resources_get_n_resources (resources); r++)
    g_assert_nonnull (pm_routing_panel_get_now_text (routing, r));
}

/* Alt+1…Alt+7 go through the side panels. */
static void
test_window_panel_shortcuts (Fixture       *fixture,
                             gconstpointer  data)
{
  static const char *const names[] = { "alerts", "proposals", "jobs", "resources", "routing",
                                       "audit", "details" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_action_group_activate_action (G_ACTION_GROUP (fixture->window), "show-panel",
                                      g_variant_new_string (names[i]));
      g_assert_cmpstr (pm_window_get_visible_panel (fixture->window), ==, names[i]);
    }
  /* An unknown name changes nothing. */
  g_action_group_activate_action (G_ACTION_GROUP (fixture->window), "show-panel",
                                  g_variant_new_string ("nowhere"));
  g_assert_cmpstr (pm_window_get_visible_panel (fixture->window), ==, "details");
}

/* The first widget under root (depth first) with that style class, or NULL. */
static GtkWidget *
find_by_class (GtkWidget  *root,
               const char *css_class)
{
  if (gtk_widget_has_css_class (root, css_class))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_by_class (child, css_class);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The status bar's event feeds button: hidden without feeds; with them, a count that says how
 * many are not up to date, and a popover that lists each with its state and last error. */
static void
test_window_event_feeds (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autofree char *ics = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "data", "feeds",
                                           "maintenance.ics", NULL);
  const char *feeds[] = { ics, "http://127.0.0.1:1/alerts.geojson", NULL };
  PmEngineOptions options = { .data_dir = data_dir, .start_paused = TRUE, .event_feeds = feeds };
  g_autoptr(GError) error = NULL;
  g_autoptr(PmEngine) engine = pm_engine_new (&options, &error);
  PmWindow *window;
  GtkWidget *button, *popover, *row;
  g_autofree char *label = NULL;
  GtkWidget *rows[2] = { NULL, NULL };
  guint n_rows = 0;

  g_assert_no_error (error);
  pm_test_engine_start (engine);
  window = pm_window_new (NULL, engine);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));

  button = find_by_class (GTK_WIDGET (window), "feeds-button");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_visible (button));
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (button)), ==,
                   "2 event feeds · 1 not up to date");
  g_assert_true (gtk_widget_has_css_class (button, "warning"));

  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  gtk_test_widget_wait_for_draw (popover);
  for (row = find_by_class (popover, "boxed-list"), row = gtk_widget_get_first_child (row);
       row != NULL; row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ACTION_ROW (row) && n_rows < G_N_ELEMENTS (rows))
      rows[n_rows++] = row;
  g_assert_cmpuint (n_rows, ==, 2);
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (rows[0])), ==, ics);
  label = g_strdup (adw_action_row_get_subtitle (ADW_ACTION_ROW (rows[0])));
  pm_test_assert_contains (label, "Maintenance calendar · up to date");
  pm_test_assert_contains (adw_action_row_get_subtitle (ADW_ACTION_ROW (rows[1])), "failing");
  pm_test_assert_contains (adw_action_row_get_subtitle (ADW_ACTION_ROW (rows[1])),
                           "http://127.0.0.1:1/alerts.geojson");
  gtk_popover_popdown (GTK_POPOVER (popover));
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/window/event-feeds", test_window_event_feeds);
  g_test_add ("/window/map-holds-network", Fixture, NULL, fixture_set_up,
              test_window_map_holds_network, fixture_tear_down);
  g_test_add ("/window/select-site", Fixture, NULL, fixture_set_up, test_window_select_site,
              fixture_tear_down);
  g_test_add ("/window/select-segment-updates-live", Fixture, NULL, fixture_set_up,
              test_window_select_segment_updates_live, fixture_tear_down);
  g_test_add ("/window/alerts-list", Fixture, NULL, fixture_set_up, test_window_alerts_list,
              fixture_tear_down);
  g_test_add ("/window/pause-action", Fixture, NULL, fixture_set_up, test_window_pause_action,
              fixture_tear_down);
  g_test_add ("/window/map-click-fills-routing", Fixture, NULL, fixture_set_up,
              test_window_map_click_fills_routing, fixture_tear_down);
  g_test_add ("/window/panel-shortcuts", Fixture, NULL, fixture_set_up,
              test_window_panel_shortcuts, fixture_tear_down);

  return g_test_run ();
}
