/* test-routing-panel.c: the routing panel on the demo engine, in a window of its own at the
 * width of the console's side panel, under Xvfb: the empty state, one row per resource with a
 * "Now" target and the what-if line once a location is set, the same answers as the engine
 * gives, a location at sea mapped to the nearest site, refreshes on ticks coalesced, and a
 * target's activation naming its site.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <math.h>

#include "model/pm-geo.h"
#include "pm-engine.h"
#include "pm-routing-panel.h"
#include "pm-test-util.h"

typedef struct
{
  PmEngine       *engine;
  GtkWindow      *window;
  PmRoutingPanel *panel;
} Fixture;

/* One engine for every test: its warm-up is the slow part, and the panel only reads it. Its
 * data folder outlives the tests, so it is not a per-test temporary one. */
static PmEngine *shared_engine;
static char     *shared_data_dir;

static void
remove_tree (GFile *file)
{
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children (
    file, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children != NULL &&
         g_file_enumerator_iterate (children, &info, NULL, NULL, NULL) && info != NULL)
    {
      g_autoptr(GFile) child = g_file_get_child (file, g_file_info_get_name (info));

      remove_tree (child);
    }
  g_file_delete (file, NULL, NULL);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  if (shared_engine == NULL)
    {
      PmEngineOptions options = { .start_paused = TRUE };
      g_autoptr(GError) error = NULL;

      shared_data_dir = g_dir_make_tmp ("premirror-test-XXXXXX", &error);
      g_assert_no_error (error);
      options.data_dir = shared_data_dir;
      shared_engine = pm_engine_new (&options, &error);
      g_assert_no_error (error);
      pm_test_engine_start (shared_engine);
      pm_engine_tick (shared_engine);
    }
  fixture->engine = g_object_ref (shared_engine);

  fixture->panel = pm_routing_panel_new ();
  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 380, 900);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->panel));
  g_signal_connect_object (fixture->engine, "changed",
                           G_CALLBACK (pm_routing_panel_set_snapshot), fixture->panel,
                           G_CONNECT_SWAPPED);
  gtk_window_present (fixture->window);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
}

static void
wait_until_idle (PmRoutingPanel *panel)
{
  while (pm_routing_panel_is_busy (panel))
    g_main_context_iteration (NULL, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  wait_until_idle (fixture->panel);
  g_object_add_weak_pointer (G_OBJECT (fixture->panel), (gpointer *) &fixture->panel);
  gtk_window_destroy (fixture->window);
  g_assert_null (fixture->panel);
  g_clear_object (&fixture->engine);
}

static const char *
visible_child_name (PmRoutingPanel *panel)
{
  GtkWidget *stack = gtk_widget_get_first_child (GTK_WIDGET (panel));

  return gtk_stack_get_visible_child_name (GTK_STACK (stack));
}

/* The visible button under widget whose label is text, or NULL. */
static GtkButton *
find_button (GtkWidget  *widget,
             const char *text)
{
  if (!gtk_widget_get_visible (widget))
    return NULL;
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), text) == 0)
    return GTK_BUTTON (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *found = find_button (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
assert_rows_answered (Fixture *fixture,
                      guint    client_site)
{
  PmRouting *routing = pm_engine_get_routing (fixture->engine);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  guint n_resources = pm_resources_get_n_resources (pm_engine_get_resources (fixture->engine));

  g_assert_cmpuint (pm_routing_panel_get_n_rows (fixture->panel), ==, n_resources);
  for (guint r = 0; r < n_resources; r++)
    {
      g_autoptr(PmRouteAnswer) now = pm_routing_route_full (routing, client_site, r,
                                                            PM_ROUTE_FLAG_PEEK);
      g_autoptr(PmRouteAnswer) what_if = pm_routing_route_assuming_predicted (routing,
                                                                              client_site, r);
      const char *now_text = pm_routing_panel_get_now_text (fixture->panel, r);
      const char *what_if_text = pm_routing_panel_get_what_if_text (fixture->panel, r);

      g_assert_nonnull (now_text);
      g_assert_nonnull (what_if_text);
      /* The demo serves every resource somewhere today. */
      g_assert_cmpint (now->site, >=, 0);
      pm_test_assert_contains (now_text, pm_topology_get_site (topology, (guint) now->site)->id);
      pm_test_assert_contains (now_text, " ms");
      g_assert_cmpint (pm_routing_panel_get_what_if_site (fixture->panel, r), ==, what_if->site);
      if (what_if->site >= 0)
        pm_test_assert_contains (what_if_text,
                                 pm_topology_get_site (topology, (guint) what_if->site)->id);
      else
        g_assert_cmpstr (what_if_text, ==, "No route");
    }
}

static void
test_empty (Fixture       *fixture,
            gconstpointer  data)
{
  g_assert_cmpstr (visible_child_name (fixture->panel), ==, "empty");
  g_assert_cmpint (pm_routing_panel_get_client_site (fixture->panel), ==, -1);
  g_assert_cmpuint (pm_routing_panel_get_n_rows (fixture->panel), ==, 0);
  /* A location without an engine shows where it is, and nothing is asked. */
  pm_routing_panel_set_location (fixture->panel, 48.85, 2.35);
  g_assert_cmpstr (visible_child_name (fixture->panel), ==, "routes");
  g_assert_false (pm_routing_panel_is_busy (fixture->panel));
  pm_routing_panel_clear_location (fixture->panel);
  g_assert_cmpstr (visible_child_name (fixture->panel), ==, "empty");

  pm_routing_panel_set_engine (fixture->panel, fixture->engine);
  g_assert_cmpstr (visible_child_name (fixture->panel), ==, "empty");
  g_assert_false (pm_routing_panel_is_busy (fixture->panel));
}

static void
test_location_rows (Fixture       *fixture,
                    gconstpointer  data)
{
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  int par = pm_topology_lookup_site (topology, "par");

  g_assert_cmpint (par, >=, 0);
  pm_routing_panel_set_engine (fixture->panel, fixture->engine);
  pm_routing_panel_set_location (fixture->panel, 48.85, 2.35);
  g_assert_cmpstr (visible_child_name (fixture->panel), ==, "routes");
  g_assert_cmpint (pm_routing_panel_get_client_site (fixture->panel), ==, par);
  g_assert_true (pm_routing_panel_is_busy (fixture->panel));
  wait_until_idle (fixture->panel);
  assert_rows_answered (fixture, (guint) par);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));

  /* Ticks refresh the answers; several in a row make one refresh after the running one. */
  for (int i = 0; i < 5; i++)
    {
      pm_clock_advance (pm_engine_get_clock (fixture->engine), (gint64) 60 * G_USEC_PER_SEC);
      pm_engine_tick (fixture->engine);
      g_assert_true (pm_routing_panel_is_busy (fixture->panel));
    }
  wait_until_idle (fixture->panel);
  assert_rows_answered (fixture, (guint) par);

  pm_routing_panel_clear_location (fixture->panel);
  g_assert_cmpstr (visible_child_name (fixture->panel), ==, "empty");
  pm_engine_tick (fixture->engine);
  g_assert_false (pm_routing_panel_is_busy (fixture->panel));
}

/* The middle of the Bay of Biscay and of the North Atlantic: no site is there, the nearest one
 * serves. */
static void
test_location_at_sea (Fixture       *fixture,
                      gconstpointer  data)
{
  static const PmLatLon at_sea[] = { { 45.5, -5.0 }, { 40.0, -40.0 } };
  PmTopology *topology = pm_engine_get_topology (fixture->engine);

  pm_routing_panel_set_engine (fixture->panel, fixture->engine);
  for (guint i = 0; i < G_N_ELEMENTS (at_sea); i++)
    {
      guint nearest = 0;

      for (guint s = 1; s < pm_topology_get_n_sites (topology); s++)
        if (pm_geo_distance_km (at_sea[i], pm_topology_get_site (topology, s)->location) <
            pm_geo_distance_km (at_sea[i], pm_topology_get_site (topology, nearest)->location))
          nearest = s;
      pm_routing_panel_set_location (fixture->panel, at_sea[i].lat, at_sea[i].lon);
      g_assert_cmpint (pm_routing_panel_get_client_site (fixture->panel), ==, (int) nearest);
      wait_until_idle (fixture->panel);
      assert_rows_answered (fixture, nearest);
    }
}

static void
site_activated_cb (PmRoutingPanel *panel,
                   guint           site,
                   int            *out)
{
  *out = (int) site;
}

/* Activating the "Now" target of a row names its site, for the map to centre on. */
static void
test_site_activated (Fixture       *fixture,
                     gconstpointer  data)
{
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  int activated = -1;
  const char *now_text;
  GtkButton *button;
  g_auto(GStrv) parts = NULL;

  pm_routing_panel_set_engine (fixture->panel, fixture->engine);
  pm_routing_panel_set_location (fixture->panel, 51.5, -0.12);
  wait_until_idle (fixture->panel);
  g_signal_connect (fixture->panel, "site-activated", G_CALLBACK (site_activated_cb),
                    &activated);
  now_text = pm_routing_panel_get_now_text (fixture->panel, 0);
  button = find_button (GTK_WIDGET (fixture->panel), now_text);
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_focusable (GTK_WIDGET (button)));
  /* Activation (Enter, Space) clicks once the button's press animation is over. */
  gtk_widget_activate (GTK_WIDGET (button));
  while (activated < 0)
    g_main_context_iteration (NULL, TRUE);
  parts = g_strsplit (now_text, " · ", 2);
  g_assert_cmpint (activated, ==, pm_topology_lookup_site (topology, parts[0]));
}

/* Another engine: rows for its resources; the answers to the old one are not shown. */
static void
test_engine_replaced (Fixture       *fixture,
                      gconstpointer  data)
{
  pm_routing_panel_set_engine (fixture->panel, fixture->engine);
  pm_routing_panel_set_location (fixture->panel, 50.1, 8.7);
  pm_routing_panel_set_engine (fixture->panel, NULL);
  g_assert_cmpuint (pm_routing_panel_get_n_rows (fixture->panel), ==, 0);
  wait_until_idle (fixture->panel);
  pm_routing_panel_set_engine (fixture->panel, fixture->engine);
  wait_until_idle (fixture->panel);
  assert_rows_answered (fixture, (guint) pm_routing_panel_get_client_site (fixture->panel));
}

int
main (int   argc,
      char *argv[])
{
  int status;

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/routing-panel/empty", Fixture, NULL, fixture_set_up, test_empty,
              fixture_tear_down);
  g_test_add ("/routing-panel/location-rows", Fixture, NULL, fixture_set_up, test_location_rows,
              fixture_tear_down);
  g_test_add ("/routing-panel/location-at-sea", Fixture, NULL, fixture_set_up,
              test_location_at_sea, fixture_tear_down);
  g_test_add ("/routing-panel/site-activated", Fixture, NULL, fixture_set_up,
              test_site_activated, fixture_tear_down);
  g_test_add ("/routing-panel/engine-replaced", Fixture, NULL, fixture_set_up,
              test_engine_replaced, fixture_tear_down);
  status = g_test_run ();
  g_clear_object (&shared_engine);
  if (shared_data_dir != NULL)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (shared_data_dir);

      remove_tree (folder);
      g_free (shared_data_dir);
    }
  return status;
}
