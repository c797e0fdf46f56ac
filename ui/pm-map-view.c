/* pm-map-view.c: the live network map.
 *
 * Layers, bottom to top: the graticule (visible wherever no tile loaded), the basemap tiles
 * (downloaded from a URL template or read from an offline MBTiles file), the network layer
 * (weather overlays, segments, site dots) and one marker per site carrying its name.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-map-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <shumate/shumate.h>

#include "pm-graticule-layer.h"
#include "pm-health-palette.h"
#include "pm-mbtiles-source.h"

/* Pixels around a site or segment that still count as a click on it. */
#define HIT_TOLERANCE_SITE    10.0
#define HIT_TOLERANCE_SEGMENT 7.0

struct _PmMapView
{
  GtkWidget           parent_instance;

  GtkOverlay         *overlay;
  ShumateMap         *map;
  ShumateScale       *scale;
  ShumateLicense     *license;
  GtkDrawingArea     *legend_scale;
  GtkDrawingArea     *legend_no_data;
  GtkDrawingArea     *legend_weather;

  GSettings          *settings;
  PmGraticuleLayer   *graticule_layer;
  ShumateMapLayer    *basemap_layer;
  ShumateMapSource   *basemap_source;
  PmNetworkLayer     *network_layer;
  ShumateMarkerLayer *marker_layer;
  PmSnapshot         *snapshot;
  gboolean            fitted;
};

enum
{
  SELECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (PmMapView, pm_map_view, GTK_TYPE_WIDGET)

static void
draw_legend_scale_cb (GtkDrawingArea *area,
                      cairo_t        *cr,
                      int             width,
                      int             height,
                      gpointer        user_data)
{
  for (int x = 0; x < width; x++)
    {
      GdkRGBA color;
      pm_health_palette_color ((double) x / MAX (width - 1, 1), &color);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_rectangle (cr, x, 0, 1, height);
      cairo_fill (cr);
    }
}

static void
draw_legend_no_data_cb (GtkDrawingArea *area,
                        cairo_t        *cr,
                        int             width,
                        int             height,
                        gpointer        user_data)
{
  GdkRGBA color;

  pm_health_palette_color (NAN, &color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_rectangle (cr, 0, height / 2.0 - 2, width, 4);
  cairo_fill (cr);
}

static void
draw_legend_weather_cb (GtkDrawingArea *area,
                        cairo_t        *cr,
                        int             width,
                        int             height,
                        gpointer        user_data)
{
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0.38, 0.55, 0.95, 0.35);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 0.55, 0.70, 1.0, 0.9);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

/* The basemap follows the settings live: none, an offline MBTiles file, or a URL template. When
 * the MBTiles file cannot be read the map falls back to the URL and says why on the console. */
static ShumateMapSource *
create_basemap_source (PmMapView *self)
{
  g_autofree char *mbtiles = g_settings_get_string (self->settings, "mbtiles-path");
  g_autofree char *url = g_settings_get_string (self->settings, "tile-url-template");

  if (!g_settings_get_boolean (self->settings, "show-basemap"))
    return NULL;
  if (mbtiles[0] != '\0')
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PmMbtilesSource) source = pm_mbtiles_source_new (mbtiles, &error);
      if (source != NULL)
        return pm_mbtiles_source_create_map_source (source);
      g_message ("Offline basemap unavailable, using %s instead: %s", url, error->message);
    }
  if (url[0] == '\0')
    return NULL;
  return SHUMATE_MAP_SOURCE (shumate_raster_renderer_new_full_from_url (
    "premirror-basemap", _("OpenStreetMap"), "© OpenStreetMap contributors",
    "https://www.openstreetmap.org/copyright", 0, 19, 256, SHUMATE_MAP_PROJECTION_MERCATOR, url));
}

static void
reload_basemap (PmMapView *self)
{
  if (self->basemap_layer != NULL)
    {
      shumate_map_remove_layer (self->map, SHUMATE_LAYER (self->basemap_layer));
      self->basemap_layer = NULL;
    }
  if (self->basemap_source != NULL)
    shumate_license_remove_map_source (self->license, self->basemap_source);
  g_clear_object (&self->basemap_source);

  self->basemap_source = create_basemap_source (self);
  if (self->basemap_source == NULL)
    {
      /* The viewport still needs a reference source for its projection and zoom range; this one
       * is never drawn, so it never downloads anything. */
      g_autoptr(ShumateMapSource) projection = SHUMATE_MAP_SOURCE (
        shumate_raster_renderer_new_full_from_url ("premirror-graticule", _("Graticule"), "", "",
                                                   0, 17, 256, SHUMATE_MAP_PROJECTION_MERCATOR,
                                                   "file:///dev/null/{z}/{x}/{y}"));
      shumate_map_set_map_source (self->map, projection);
      return;
    }
  shumate_map_set_map_source (self->map, self->basemap_source);
  self->basemap_layer =
    shumate_map_layer_new (self->basemap_source, shumate_map_get_viewport (self->map));
  gtk_widget_add_css_class (GTK_WIDGET (self->basemap_layer), "basemap");
  /* Above the graticule, which stays visible wherever a tile is missing. */
  shumate_map_insert_layer_above (self->map, SHUMATE_LAYER (self->basemap_layer),
                                  SHUMATE_LAYER (self->graticule_layer));
  shumate_license_append_map_source (self->license, self->basemap_source);
}

static void
basemap_setting_changed_cb (GSettings  *settings,
                            const char *key,
                            gpointer    user_data)
{
  reload_basemap (PM_MAP_VIEW (user_data));
}

static void
fit_network (PmMapView *self)
{
  ShumateViewport *viewport = shumate_map_get_viewport (self->map);
  PmTopology *topology;
  double north = -90, south = 90, west = 180, east = -180;
  double width = gtk_widget_get_width (GTK_WIDGET (self->map));
  double height = gtk_widget_get_height (GTK_WIDGET (self->map));
  double zoom_x, zoom_y, lat_span;

  if (self->snapshot == NULL || width <= 0 || height <= 0)
    return;
  topology = self->snapshot->topology;
  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    {
      PmLatLon p = pm_topology_get_site (topology, i)->location;
      north = MAX (north, p.lat);
      south = MIN (south, p.lat);
      west = MIN (west, p.lon);
      east = MAX (east, p.lon);
    }
  /* Web Mercator: 256 × 2^z pixels span 360° of longitude; latitude is stretched by
   * 1/cos(lat), so the vertical span is measured in projected degrees. */
  lat_span = (asinh (tan (north * G_PI / 180)) - asinh (tan (south * G_PI / 180))) * 180 / G_PI;
  zoom_x = log2 (width * 0.85 * 360 / (256 * MAX (east - west, 0.01)));
  zoom_y = log2 (height * 0.85 * 360 / (256 * MAX (lat_span, 0.01)));
  shumate_viewport_set_zoom_level (viewport, CLAMP (MIN (zoom_x, zoom_y), 1.0, 17.0));
  shumate_map_center_on (self->map, (north + south) / 2, (west + east) / 2);
  self->fitted = TRUE;
}

/* The map has no size until it is first laid out; fit the network once it has one. */
static gboolean
fit_when_allocated_cb (GtkWidget     *widget,
                       GdkFrameClock *frame_clock,
                       gpointer       user_data)
{
  PmMapView *self = PM_MAP_VIEW (widget);

  if (self->snapshot == NULL || gtk_widget_get_width (GTK_WIDGET (self->map)) <= 0)
    return G_SOURCE_CONTINUE;
  fit_network (self);
  return G_SOURCE_REMOVE;
}

static void
create_site_markers (PmMapView  *self,
                     PmTopology *topology)
{
  shumate_marker_layer_remove_all (self->marker_layer);
  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      ShumateMarker *marker = shumate_marker_new ();
      GtkWidget *label = gtk_label_new (site->name);

      /* The marker is centred on the site; the top margin puts the name just below the dot. */
      gtk_widget_add_css_class (label, "site-label");
      gtk_widget_set_margin_top (label, 30);
      gtk_widget_set_can_target (GTK_WIDGET (marker), FALSE);
      shumate_location_set_location (SHUMATE_LOCATION (marker), site->location.lat,
                                     site->location.lon);
      shumate_marker_set_child (marker, label);
      shumate_marker_layer_add_marker (self->marker_layer, marker);
    }
}

static void
map_pressed_cb (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                gpointer         user_data)
{
  PmMapView *self = PM_MAP_VIEW (user_data);
  int site, segment = -1;
  graphene_point_t point;

  if (!gtk_widget_compute_point (GTK_WIDGET (self->map), GTK_WIDGET (self->network_layer),
                                 &GRAPHENE_POINT_INIT (x, y), &point))
    return;
  site = pm_network_layer_site_at (self->network_layer, point.x, point.y, HIT_TOLERANCE_SITE);
  if (site < 0)
    segment = pm_network_layer_segment_at (self->network_layer, point.x, point.y,
                                           HIT_TOLERANCE_SEGMENT);
  pm_map_view_select (self, site, segment);
  g_signal_emit (self, signals[SELECTED], 0, site, segment);
}

static void
zoom_in_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  shumate_map_zoom_in (PM_MAP_VIEW (widget)->map);
}

static void
zoom_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  shumate_map_zoom_out (PM_MAP_VIEW (widget)->map);
}

static void
fit_activated (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  fit_network (PM_MAP_VIEW (widget));
}

static void
pm_map_view_dispose (GObject *object)
{
  PmMapView *self = PM_MAP_VIEW (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->basemap_source);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_MAP_VIEW);

  G_OBJECT_CLASS (pm_map_view_parent_class)->dispose (object);
}

static void
pm_map_view_class_init (PmMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_map_view_dispose;

  /**
   * PmMapView::selected:
   * @site: the clicked site index, or -1
   * @segment: the clicked segment index, or -1
   */
  signals[SELECTED] = g_signal_new ("selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);

  g_type_ensure (SHUMATE_TYPE_MAP);
  g_type_ensure (SHUMATE_TYPE_SCALE);
  g_type_ensure (SHUMATE_TYPE_LICENSE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/pm-map-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PmMapView, overlay);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, map);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, scale);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, license);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, legend_scale);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, legend_no_data);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, legend_weather);

  gtk_widget_class_install_action (widget_class, "map.zoom-in", NULL, zoom_in_activated);
  gtk_widget_class_install_action (widget_class, "map.zoom-out", NULL, zoom_out_activated);
  gtk_widget_class_install_action (widget_class, "map.fit", NULL, fit_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-map-view");
}

static void
pm_map_view_init (PmMapView *self)
{
  ShumateViewport *viewport;
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));
  viewport = shumate_map_get_viewport (self->map);
  shumate_viewport_set_min_zoom_level (viewport, 1);
  shumate_viewport_set_max_zoom_level (viewport, 17);
  shumate_scale_set_viewport (self->scale, viewport);

  self->graticule_layer = pm_graticule_layer_new (viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->graticule_layer));
  self->network_layer = pm_network_layer_new (viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->network_layer));
  self->marker_layer = shumate_marker_layer_new (viewport);
  gtk_widget_set_can_target (GTK_WIDGET (self->marker_layer), FALSE);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->marker_layer));

  gtk_drawing_area_set_draw_func (self->legend_scale, draw_legend_scale_cb, NULL, NULL);
  gtk_drawing_area_set_draw_func (self->legend_no_data, draw_legend_no_data_cb, NULL, NULL);
  gtk_drawing_area_set_draw_func (self->legend_weather, draw_legend_weather_cb, NULL, NULL);

  click = gtk_gesture_click_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "pressed", G_CALLBACK (map_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->map), GTK_EVENT_CONTROLLER (click));

  gtk_widget_add_tick_callback (GTK_WIDGET (self), fit_when_allocated_cb, NULL, NULL);
}

PmMapView *
pm_map_view_new (void)
{
  return g_object_new (PM_TYPE_MAP_VIEW, NULL);
}

void
pm_map_view_bind_settings (PmMapView *self,
                           GSettings *settings)
{
  g_return_if_fail (PM_IS_MAP_VIEW (self));

  g_set_object (&self->settings, settings);
  g_signal_connect (settings, "changed::tile-url-template",
                    G_CALLBACK (basemap_setting_changed_cb), self);
  g_signal_connect (settings, "changed::mbtiles-path", G_CALLBACK (basemap_setting_changed_cb),
                    self);
  g_signal_connect (settings, "changed::show-basemap", G_CALLBACK (basemap_setting_changed_cb),
                    self);
  reload_basemap (self);
}

void
pm_map_view_set_snapshot (PmMapView  *self,
                          PmSnapshot *snapshot)
{
  gboolean new_topology;

  g_return_if_fail (PM_IS_MAP_VIEW (self));

  new_topology = self->snapshot == NULL || self->snapshot->topology != snapshot->topology;
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  self->snapshot = pm_snapshot_ref (snapshot);
  if (new_topology)
    {
      create_site_markers (self, snapshot->topology);
      if (gtk_widget_get_width (GTK_WIDGET (self->map)) > 0)
        fit_network (self);
    }
  pm_network_layer_set_snapshot (self->network_layer, snapshot);
}

void
pm_map_view_select (PmMapView *self,
                    int        site,
                    int        segment)
{
  pm_network_layer_set_selection (self->network_layer, site, segment);
}

PmNetworkLayer *
pm_map_view_get_network_layer (PmMapView *self)
{
  return self->network_layer;
}

guint
pm_map_view_get_n_site_markers (PmMapView *self)
{
  g_autoptr(GList) markers = shumate_marker_layer_get_markers (self->marker_layer);
  return g_list_length (markers);
}

/* The basemap in use, for the header and tests; NULL when only the graticule is shown. */
const char *
pm_map_view_get_basemap_name (PmMapView *self)
{
  return self->basemap_source != NULL ? shumate_map_source_get_name (self->basemap_source) : NULL;
}
