/* test-map.c: the risk map on the demo network, under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <math.h>
#include <stdlib.h>

#include "pm-engine.h"
#include "pm-health-palette.h"
#include "pm-map-private.h"
#include "pm-map-view.h"
#include "pm-network-raster.h"
#include "pm-test-util.h"

typedef struct
{
  PmEngine  *engine;
  GtkWindow *window;
  PmMapView *map_view;
} Fixture;

static void
set_animations (gboolean enabled)
{
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", enabled, NULL);
}

static void
wait_for_map_frame (Fixture *fixture)
{
  PmNetworkLayer *layer = pm_map_view_get_network_layer (fixture->map_view);

  /* The image is drawn in a worker thread; frames show the last one meanwhile. */
  for (int i = 0; i < 2000 && !pm_network_layer_is_current (layer); i++)
    {
      gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->map_view));
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_cmpuint (pm_network_layer_get_n_drawn (layer), >, 0);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  PmEngineOptions options = { .data_dir = data_dir, .start_paused = TRUE };
  g_autoptr(GError) error = NULL;

  set_animations (TRUE);
  fixture->engine = pm_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_test_engine_start (fixture->engine);

  /* No basemap: no tile server is reachable from a test. */
  fixture->window = GTK_WINDOW (gtk_window_new ());
  fixture->map_view = pm_map_view_new ();
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->map_view));
  gtk_window_set_default_size (fixture->window, 1000, 700);
  pm_map_view_set_resources (fixture->map_view, pm_engine_get_resources (fixture->engine));
  pm_map_view_set_snapshot (fixture->map_view, pm_engine_get_snapshot (fixture->engine));
  gtk_window_present (fixture->window);
  wait_for_map_frame (fixture);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (fixture->window);
  g_clear_object (&fixture->engine);
  set_animations (TRUE);
}

/* A snapshot of the engine's topology with nothing in it, for the tests to fill. */
static PmSnapshot *
blank_snapshot (Fixture *fixture)
{
  PmSnapshot *snapshot = pm_snapshot_new (pm_engine_get_topology (fixture->engine));

  snapshot->time_s = 1700000000;
  return snapshot;
}

static void
add_alert (PmSnapshot    *snapshot,
           PmAlertSubject subject,
           guint          index,
           PmAlertState   state)
{
  PmAlert *alert = g_new0 (PmAlert, 1);

  alert->id = g_strdup_printf ("test:%u:%u", subject, index);
  alert->subject = subject;
  alert->index = index;
  alert->state = state;
  alert->probability = 0.9;
  g_ptr_array_add (snapshot->alerts, alert);
}

static void
assert_color (double      score,
              const char *expected)
{
  GdkRGBA color, wanted;

  g_assert_true (gdk_rgba_parse (&wanted, expected));
  pm_health_palette_color (score, &color);
  g_assert_cmpfloat_with_epsilon (color.red, wanted.red, 1e-6);
  g_assert_cmpfloat_with_epsilon (color.green, wanted.green, 1e-6);
  g_assert_cmpfloat_with_epsilon (color.blue, wanted.blue, 1e-6);
  g_assert_cmpfloat (color.alpha, ==, 1);
}

static double
luminance (const GdkRGBA *c)
{
  return 0.2126 * c->red + 0.7152 * c->green + 0.0722 * c->blue;
}

static void
test_map_palette (void)
{
  GdkRGBA previous;

  assert_color (0, PM_PALETTE_LOW);
  assert_color (0.5, PM_PALETTE_MIDDLE);
  assert_color (0.75, PM_PALETTE_HIGH);
  assert_color (1, PM_PALETTE_TOP);
  assert_color (NAN, PM_PALETTE_NO_DATA);
  assert_color (-3, PM_PALETTE_LOW);
  assert_color (7, PM_PALETTE_TOP);
  /* Past yellow the scale only darkens: risk reads from lightness without hue. */
  pm_health_palette_color (0.5, &previous);
  for (double s = 0.55; s <= 1.0001; s += 0.05)
    {
      GdkRGBA color;
      pm_health_palette_color (s, &color);
      g_assert_cmpfloat (luminance (&color), <, luminance (&previous));
      previous = color;
    }
  /* The map's bucket table agrees with the function. */
  g_assert_cmpfloat_with_epsilon (pm_health_palette_bucket_color (pm_health_palette_bucket (1))->red,
                                  0xe0 / 255.0, 1e-6);
  g_assert_cmpuint (pm_health_palette_bucket (NAN), ==, PM_PALETTE_N_BUCKETS);
}

/* The layers' shared affine projection gives the viewport's own answer. */
static void
test_map_projection (Fixture       *fixture,
                     gconstpointer  data)
{
  PmNetworkLayer *layer = pm_map_view_get_network_layer (fixture->map_view);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (layer));
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  PmMapProjection projection;

  _pm_map_projection_update (&projection, viewport, GTK_WIDGET (layer));
  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    {
      PmLatLon p = pm_topology_get_site (topology, i)->location;
      double x, y, ex, ey;

      _pm_map_project (&projection, p.lon, _pm_mercator_y (p.lat), &x, &y);
      shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (layer), p.lat, p.lon, &ex,
                                                  &ey);
      g_assert_cmpfloat_with_epsilon (x, ex, 0.01);
      g_assert_cmpfloat_with_epsilon (y, ey, 0.01);
    }
}

static void
test_map_alert_outlines (Fixture       *fixture,
                         gconstpointer  data)
{
  PmAlertLayer *layer = pm_map_view_get_alert_layer (fixture->map_view);
  g_autoptr(PmSnapshot) firing = blank_snapshot (fixture);
  g_autoptr(PmSnapshot) pending = blank_snapshot (fixture);
  g_autoptr(PmSnapshot) resolved = blank_snapshot (fixture);

  add_alert (firing, PM_ALERT_SEGMENT, 3, PM_ALERT_FIRING);
  add_alert (firing, PM_ALERT_SITE, 5, PM_ALERT_PENDING);
  pm_map_view_set_snapshot (fixture->map_view, firing);
  g_assert_cmpuint (pm_alert_layer_get_n_outlined (layer), ==, 2);
  g_assert_true (pm_alert_layer_is_outlined (layer, PM_ALERT_SEGMENT, 3));
  g_assert_true (pm_alert_layer_is_outlined (layer, PM_ALERT_SITE, 5));
  g_assert_false (pm_alert_layer_is_outlined (layer, PM_ALERT_SEGMENT, 4));
  g_assert_true (pm_alert_layer_is_animating (layer));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->map_view));

  /* The pulse stops when the desktop turns animations off; the outline stays. */
  set_animations (FALSE);
  g_assert_false (pm_alert_layer_is_animating (layer));
  g_assert_cmpuint (pm_alert_layer_get_n_outlined (layer), ==, 2);
  set_animations (TRUE);
  g_assert_true (pm_alert_layer_is_animating (layer));

  /* Pending only: a steady outline, no tick callback. */
  add_alert (pending, PM_ALERT_SEGMENT, 3, PM_ALERT_PENDING);
  pm_map_view_set_snapshot (fixture->map_view, pending);
  g_assert_cmpuint (pm_alert_layer_get_n_outlined (layer), ==, 1);
  g_assert_false (pm_alert_layer_is_animating (layer));

  add_alert (resolved, PM_ALERT_SEGMENT, 3, PM_ALERT_RESOLVED);
  pm_map_view_set_snapshot (fixture->map_view, resolved);
  g_assert_cmpuint (pm_alert_layer_get_n_outlined (layer), ==, 0);
}

static void
test_map_events (Fixture       *fixture,
                 gconstpointer  data)
{
  PmNetworkLayer *layer = pm_map_view_get_network_layer (fixture->map_view);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  g_autoptr(PmSnapshot) snapshot = blank_snapshot (fixture);
  g_autoptr(PmSnapshot) calm = blank_snapshot (fixture);
  PmEvent *weather = g_new0 (PmEvent, 1);
  PmEvent *maintenance = g_new0 (PmEvent, 1);
  PmEvent *unlocated = g_new0 (PmEvent, 1);
  gboolean shown = TRUE;

  weather->id = g_strdup ("storm");
  weather->kind = PM_EVENT_WEATHER;
  weather->title = g_strdup ("Severe thunderstorm");
  weather->severity = PM_SEVERITY_SEVERE;
  weather->n_polygon = 4;
  weather->polygon = g_new (PmLatLon, 4);
  weather->polygon[0] = (PmLatLon) { 48, 6 };
  weather->polygon[1] = (PmLatLon) { 48, 10 };
  weather->polygon[2] = (PmLatLon) { 51, 10 };
  weather->polygon[3] = (PmLatLon) { 51, 6 };
  g_ptr_array_add (snapshot->events, weather);

  g_assert_nonnull (pm_topology_get_segment (topology, 0)->circuit_id);
  maintenance->id = g_strdup ("mw");
  maintenance->kind = PM_EVENT_MAINTENANCE;
  maintenance->title = g_strdup ("Fibre repair");
  maintenance->circuit_id = g_strdup (pm_topology_get_segment (topology, 0)->circuit_id);
  maintenance->impact = PM_IMPACT_OUTAGE;
  g_ptr_array_add (snapshot->events, maintenance);

  unlocated->id = g_strdup ("nowhere");
  unlocated->kind = PM_EVENT_WEATHER;
  g_ptr_array_add (snapshot->events, unlocated);

  pm_map_view_set_snapshot (fixture->map_view, calm);
  g_assert_cmpuint (pm_network_layer_get_n_weather_polygons (layer), ==, 0);
  g_assert_cmpuint (pm_network_layer_get_n_maintenance_segments (layer), ==, 0);
  pm_map_view_set_snapshot (fixture->map_view, snapshot);
  g_assert_cmpuint (pm_network_layer_get_n_weather_polygons (layer), ==, 1);
  g_assert_cmpuint (pm_network_layer_get_n_maintenance_segments (layer), ==, 1);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->map_view));

  /* The overlay toggle is a stateful widget action. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->map_view), "map.show-events",
                                             NULL));
  g_object_get (fixture->map_view, "show-events", &shown, NULL);
  g_assert_false (shown);
}

static PmReplica *
replica_new (const char     *resource,
             const char     *site,
             PmReplicaState  state)
{
  PmReplica *replica = g_new0 (PmReplica, 1);

  replica->resource = g_strdup (resource);
  replica->site = g_strdup (site);
  replica->state = state;
  return replica;
}

static void
test_map_replicas (Fixture       *fixture,
                   gconstpointer  data)
{
  PmResources *resources = pm_engine_get_resources (fixture->engine);
  PmReplicaLayer *layer = pm_map_view_get_replica_layer (fixture->map_view);
  const PmResource *resource = pm_resources_get_resource (resources, 0);
  const PmResource *other = pm_resources_get_resource (resources, 1);
  g_autoptr(GPtrArray) replicas = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_replica_free);

  g_assert_nonnull (other);
  g_ptr_array_add (replicas, replica_new (resource->id, "ams", PM_REPLICA_IN_SYNC));
  g_ptr_array_add (replicas, replica_new (resource->id, "mad", PM_REPLICA_COPYING));
  g_ptr_array_add (replicas, replica_new (resource->id, "hel", PM_REPLICA_STALE));
  g_ptr_array_add (replicas, replica_new (resource->id, "ath", PM_REPLICA_FAILED));
  g_ptr_array_add (replicas, replica_new (resource->id, "rom", PM_REPLICA_GONE));
  g_ptr_array_add (replicas, replica_new (resource->id, "no-such-site", PM_REPLICA_IN_SYNC));
  g_ptr_array_add (replicas, replica_new (other->id, "bru", PM_REPLICA_IN_SYNC));

  pm_map_view_show_resource (fixture->map_view, 0, replicas);
  g_assert_cmpint (pm_map_view_get_shown_resource (fixture->map_view), ==, 0);
  g_assert_cmpuint (pm_replica_layer_get_n_replicas (layer), ==, 4);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->map_view));

  /* The chip's close button clears the marks. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->map_view),
                                             "map.clear-replicas", NULL));
  g_assert_cmpint (pm_map_view_get_shown_resource (fixture->map_view), ==, -1);
  g_assert_cmpuint (pm_replica_layer_get_n_replicas (layer), ==, 0);
}

static void
selected_cb (PmMapView *map_view,
             int        site,
             int        segment,
             int       *out)
{
  out[0] = site;
  out[1] = segment;
}

static void
resource_activated_cb (PmMapView *map_view,
                       int        resource,
                       int       *out)
{
  *out = resource;
}

static void
test_map_search (Fixture       *fixture,
                 gconstpointer  data)
{
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  PmResources *resources = pm_engine_get_resources (fixture->engine);
  ShumateViewport *viewport = shumate_map_get_viewport (pm_map_view_get_map (fixture->map_view));
  GtkEditable *entry = pm_map_view_get_search_entry (fixture->map_view);
  int vienna = pm_topology_lookup_site (topology, "vie");
  int segment = pm_topology_lookup_segment (topology, "fra--ams");
  const PmResource *resource = pm_resources_get_resource (resources, 0);
  g_autofree char *partial = g_utf8_substring (resource->name, 0, 5);
  PmLatLon location;
  int selected[2] = { -2, -2 };
  int activated = -1;

  g_assert_cmpint (vienna, >=, 0);
  g_assert_cmpint (segment, >=, 0);
  g_signal_connect (fixture->map_view, "selected", G_CALLBACK (selected_cb), selected);
  g_signal_connect (fixture->map_view, "resource-activated", G_CALLBACK (resource_activated_cb),
                    &activated);
  /* Without animations the map jumps, so the test need not wait for a glide. */
  set_animations (FALSE);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->map_view), "map.find", NULL));
  gtk_editable_set_text (entry, "nowhere at all");
  g_assert_cmpuint (pm_map_view_get_n_search_results (fixture->map_view), ==, 0);
  gtk_editable_set_text (entry, "ienn");
  g_assert_cmpuint (pm_map_view_get_n_search_results (fixture->map_view), >=, 1);
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpint (selected[0], ==, vienna);
  g_assert_cmpint (selected[1], ==, -1);
  location = pm_topology_get_site (topology, (guint) vienna)->location;
  g_assert_cmpfloat_with_epsilon (shumate_location_get_latitude (SHUMATE_LOCATION (viewport)),
                                  location.lat, 0.01);
  g_assert_cmpfloat_with_epsilon (shumate_location_get_longitude (SHUMATE_LOCATION (viewport)),
                                  location.lon, 0.01);

  /* Segments by id, by their ends with any dash, and by circuit. */
  gtk_editable_set_text (entry, "Frankfurt – Amsterdam");
  g_assert_cmpuint (pm_map_view_get_n_search_results (fixture->map_view), >=, 1);
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpint (selected[0], ==, -1);
  g_assert_cmpint (selected[1], ==, segment);
  gtk_editable_set_text (entry, pm_topology_get_segment (topology, (guint) segment)->circuit_id);
  g_assert_cmpuint (pm_map_view_get_n_search_results (fixture->map_view), ==, 1);
  gtk_editable_set_text (entry, "ams-fra");
  g_assert_cmpuint (pm_map_view_get_n_search_results (fixture->map_view), >=, 1);

  /* Resources by name. */
  gtk_editable_set_text (entry, partial);
  g_assert_cmpuint (pm_map_view_get_n_search_results (fixture->map_view), >=, 1);
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpint (activated, ==, 0);
}

/* Finds the click gesture the map view put on the map. */
static GtkGestureClick *
find_click_gesture (Fixture *fixture)
{
  g_autoptr(GListModel) controllers =
    gtk_widget_observe_controllers (GTK_WIDGET (pm_map_view_get_map (fixture->map_view)));

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) controller = g_list_model_get_item (controllers, i);
      if (g_strcmp0 (gtk_event_controller_get_name (controller), "pm-map-click") == 0)
        return GTK_GESTURE_CLICK (controller);
    }
  g_assert_not_reached ();
}

static void
location_activated_cb (PmMapView *map_view,
                       double     lat,
                       double     lon,
                       double    *out)
{
  out[0] = lat;
  out[1] = lon;
}

static void
test_map_click (Fixture       *fixture,
                gconstpointer  data)
{
  PmNetworkLayer *layer = pm_map_view_get_network_layer (fixture->map_view);
  ShumateMap *map = pm_map_view_get_map (fixture->map_view);
  ShumateViewport *viewport = shumate_map_get_viewport (map);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);
  GtkGestureClick *click = find_click_gesture (fixture);
  const PmSite *origin = pm_topology_get_site (topology,
                                               (guint) pm_topology_get_origin (topology));
  double location[2] = { NAN, NAN };
  int selected[2] = { -2, -2 };
  double x = -1, y = -1, lat, lon;

  g_signal_connect (fixture->map_view, "location-activated", G_CALLBACK (location_activated_cb),
                    location);
  g_signal_connect (fixture->map_view, "selected", G_CALLBACK (selected_cb), selected);

  /* An empty spot: far from every site and segment. */
  for (double py = 40; py < gtk_widget_get_height (GTK_WIDGET (map)) && x < 0; py += 20)
    for (double px = 40; px < gtk_widget_get_width (GTK_WIDGET (map)) && x < 0; px += 20)
      if (pm_network_layer_site_at (layer, px, py, 30) < 0
          && pm_network_layer_segment_at (layer, px, py, 30) < 0)
        {
          x = px;
          y = py;
        }
  g_assert_cmpfloat (x, >=, 0);
  shumate_viewport_widget_coords_to_location (viewport, GTK_WIDGET (map), x, y, &lat, &lon);
  g_signal_emit_by_name (click, "released", 1, x, y);
  g_assert_cmpfloat_with_epsilon (location[0], lat, 1e-6);
  g_assert_cmpfloat_with_epsilon (location[1], lon, 1e-6);
  g_assert_cmpint (selected[0], ==, -2);

  /* A click on a site selects it and activates no location. */
  location[0] = NAN;
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (map), origin->location.lat,
                                              origin->location.lon, &x, &y);
  g_signal_emit_by_name (click, "released", 1, x + 2, y - 1);
  g_assert_cmpint (selected[0], ==, pm_topology_get_origin (topology));
  g_assert_cmpint (selected[1], ==, -1);
  g_assert_true (isnan (location[0]));
}

/* The live demo: whatever the snapshot holds is drawn, every site has a name ready and none of
 * the names shown overlap (the layer drops those that would). */
static void
test_map_demo_snapshot (Fixture       *fixture,
                        gconstpointer  data)
{
  PmNetworkLayer *layer = pm_map_view_get_network_layer (fixture->map_view);
  PmTopology *topology = pm_engine_get_topology (fixture->engine);

  for (int i = 0; i < 6; i++)
    {
      pm_clock_advance (pm_engine_get_clock (fixture->engine), (gint64) 600 * G_USEC_PER_SEC);
      pm_engine_tick (fixture->engine);
    }
  pm_map_view_set_snapshot (fixture->map_view, pm_engine_get_snapshot (fixture->engine));
  g_assert_false (pm_network_layer_is_current (layer));
  wait_for_map_frame (fixture);
  g_assert_cmpuint (pm_map_view_get_n_site_markers (fixture->map_view), ==,
                    pm_topology_get_n_sites (topology));
  g_assert_cmpuint (pm_network_layer_get_n_drawn (layer), ==, pm_topology_get_n_segments (topology));
  g_assert_cmpuint (pm_network_layer_get_n_labelled (layer), >, 0);
  g_assert_cmpuint (pm_network_layer_get_n_labelled (layer), <=, pm_topology_get_n_sites (topology));
}


/* The image drawn for a frame: every segment in view, a dot of its risk colour at each site, and
 * names; drawn here in the test's thread, as the worker thread draws it. */
static void
test_map_raster_pixels (Fixture       *fixture,
                        gconstpointer  data)
{
  PmSnapshot *snapshot = pm_engine_get_snapshot (fixture->engine);
  PmTopology *topology = snapshot->topology;
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Sans 10");
  PmNetworkLabels *labels = pm_network_labels_new (topology, font, 96);
  g_autoptr(PmNetworkFrame) frame = pm_network_frame_new (snapshot, labels);
  PmNetworkImage image = { 0 };
  double min_lon = G_MAXDOUBLE, max_lon = -G_MAXDOUBLE, min_y = G_MAXDOUBLE, max_y = -G_MAXDOUBLE;
  const guint32 *pixels;
  int stride;
  guint checked = 0;

  pm_network_labels_unref (labels);
  for (guint i = 0; i < frame->n_sites; i++)
    {
      PmLatLon location = pm_topology_get_site (topology, i)->location;
      min_lon = MIN (min_lon, location.lon);
      max_lon = MAX (max_lon, location.lon);
      min_y = MIN (min_y, _pm_mercator_y (location.lat));
      max_y = MAX (max_y, _pm_mercator_y (location.lat));
    }
  /* The whole network in 800 × 600 pixels, 50 pixels from the edges, north up. */
  frame->width = 800;
  frame->height = 600;
  frame->scale = 1;
  frame->show_events = TRUE;
  frame->projection.xx = 700 / (max_lon - min_lon);
  frame->projection.x0 = 50 - frame->projection.xx * min_lon;
  frame->projection.yy = -500 / (max_y - min_y);
  frame->projection.y0 = 50 - frame->projection.yy * max_y;
  for (guint i = 0; i < frame->n_sites; i++)
    {
      PmLatLon location = pm_topology_get_site (topology, i)->location;
      _pm_map_project (&frame->projection, location.lon, _pm_mercator_y (location.lat),
                       &frame->site_x[i], &frame->site_y[i]);
      frame->site_bucket[i] = (guint8) pm_health_palette_bucket (snapshot->sites[i].isolation);
      frame->site_order[i] = i;
      frame->label_order[i] = i;
    }
  for (guint i = 0; i < frame->n_segments; i++)
    {
      frame->segment_bucket[i] = (guint8) pm_health_palette_bucket (snapshot->segments[i].risk);
      frame->segment_order[i] = i;
    }

  pm_network_raster_draw (frame, &image);
  g_assert_nonnull (image.surface);
  g_assert_cmpint (cairo_image_surface_get_format (image.surface), ==, CAIRO_FORMAT_ARGB32);
  g_assert_cmpint (cairo_image_surface_get_width (image.surface), ==, 800);
  g_assert_cmpint (cairo_image_surface_get_height (image.surface), ==, 600);
  g_assert_cmpuint (image.n_drawn, ==, frame->n_segments);
  g_assert_cmpuint (image.n_labelled, >, 0);
  g_assert_cmpuint (image.n_labelled, <=, frame->n_sites);

  /* Native-endian premultiplied ARGB: opaque pixels hold their colour as is. */
  pixels = (const guint32 *) cairo_image_surface_get_data (image.surface);
  stride = cairo_image_surface_get_stride (image.surface) / 4;
  for (guint i = 0; i < frame->n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      const GdkRGBA *colour = pm_health_palette_bucket_color (frame->site_bucket[i]);
      guint32 pixel = pixels[(int) round (frame->site_y[i]) * stride
                            + (int) round (frame->site_x[i])];
      int r = (pixel >> 16) & 0xff, g = (pixel >> 8) & 0xff, b = pixel & 0xff;

      /* A dot's centre is its colour, unless another site's dot or the origin's ring is on it. */
      if (site->role == PM_SITE_ROLE_ORIGIN)
        continue;
      if (abs (r - (int) round (colour->red * 255)) <= 2
          && abs (g - (int) round (colour->green * 255)) <= 2
          && abs (b - (int) round (colour->blue * 255)) <= 2 && (pixel >> 24) == 0xff)
        checked++;
    }
  g_test_message ("%u of %u site dots have their colour at their centre", checked, frame->n_sites);
  g_assert_cmpuint (checked, >=, frame->n_sites * 3 / 4);
  /* Far from every site and segment: transparent. */
  g_assert_cmpuint (pixels[3 * stride + 3] >> 24, ==, 0);
  pm_network_image_clear (&image);
}

/* A pan shows the last image moved with the map at once, and the image for the new view after
 * the drawing thread has made it. */
static void
test_map_raster_follows_view (Fixture       *fixture,
                              gconstpointer  data)
{
  PmNetworkLayer *layer = pm_map_view_get_network_layer (fixture->map_view);
  ShumateViewport *viewport = shumate_map_get_viewport (pm_map_view_get_map (fixture->map_view));
  guint drawn = pm_network_layer_get_n_drawn (layer);

  g_assert_true (pm_network_layer_is_current (layer));
  shumate_location_set_location (SHUMATE_LOCATION (viewport),
                                 shumate_location_get_latitude (SHUMATE_LOCATION (viewport)) + 0.5,
                                 shumate_location_get_longitude (SHUMATE_LOCATION (viewport)));
  g_assert_false (pm_network_layer_is_current (layer));
  /* Until the new image arrives, the old one (and what it holds) is what the map shows. */
  g_assert_cmpuint (pm_network_layer_get_n_drawn (layer), ==, drawn);
  wait_for_map_frame (fixture);
  g_assert_true (pm_network_layer_is_current (layer));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/map/palette", test_map_palette);
  g_test_add ("/map/projection", Fixture, NULL, fixture_set_up, test_map_projection,
              fixture_tear_down);
  g_test_add ("/map/alert-outlines", Fixture, NULL, fixture_set_up, test_map_alert_outlines,
              fixture_tear_down);
  g_test_add ("/map/events", Fixture, NULL, fixture_set_up, test_map_events, fixture_tear_down);
  g_test_add ("/map/replicas", Fixture, NULL, fixture_set_up, test_map_replicas,
              fixture_tear_down);
  g_test_add ("/map/search", Fixture, NULL, fixture_set_up, test_map_search, fixture_tear_down);
  g_test_add ("/map/click", Fixture, NULL, fixture_set_up, test_map_click, fixture_tear_down);
  g_test_add ("/map/raster-pixels", Fixture, NULL, fixture_set_up, test_map_raster_pixels,
              fixture_tear_down);
  g_test_add ("/map/raster-follows-view", Fixture, NULL, fixture_set_up,
              test_map_raster_follows_view, fixture_tear_down);
  g_test_add ("/map/demo-snapshot", Fixture, NULL, fixture_set_up, test_map_demo_snapshot,
              fixture_tear_down);

  return g_test_run ();
}
