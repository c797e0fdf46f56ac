/* pm-map-view.c: the operator's risk map.
 *
 * Layers, bottom to top: the graticule (visible wherever no tile loaded), the basemap tiles
 * (downloaded from a URL template or read from an offline MBTiles file), the network layer
 * (weather and maintenance, segments by partition risk, sites by isolation risk, site names),
 * the replicas of one resource when asked, and the alert outlines. Over the map: the legend, the
 * zoom and overlay controls, the search (map.find) and the chip of the shown resource.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-map-view.h"

#include <glib/gi18n.h>
#include <math.h>
#include <shumate/shumate.h>

#include "pm-alert-layer.h"
#include "pm-graticule-layer.h"
#include "pm-health-palette.h"
#include "pm-mbtiles-source.h"
#include "pm-replica-layer.h"

/* Pixels around a site or segment that still count as a click on it. */
#define HIT_TOLERANCE_SITE    10.0
#define HIT_TOLERANCE_SEGMENT 7.0
/* The search lists at most this many results. */
#define MAX_RESULTS 40
/* Zoom level a search result is shown at, at least. */
#define RESULT_ZOOM 6.5

typedef enum
{
  RESULT_SITE,
  RESULT_SEGMENT,
  RESULT_RESOURCE,
} ResultKind;

typedef struct
{
  ResultKind kind;
  guint      index;
  guint      rank;   /* 0 exact, 1 prefix, 2 word prefix, 3 anywhere */
} Result;

struct _PmMapView
{
  GtkWidget           parent_instance;

  GtkOverlay         *overlay;
  ShumateMap         *map;
  ShumateScale       *scale;
  ShumateLicense     *license;
  GtkDrawingArea     *legend_scale;
  GtkDrawingArea     *legend_no_data;
  GtkDrawingArea     *legend_down;
  GtkDrawingArea     *legend_weather;
  GtkDrawingArea     *legend_maintenance;
  GtkDrawingArea     *legend_alert;
  GtkRevealer        *search_revealer;
  GtkSearchEntry     *search_entry;
  GtkScrolledWindow  *search_scroller;
  GtkListBox         *search_results;
  GtkWidget          *replicas_chip;
  GtkLabel           *replicas_label;

  GSettings          *settings;
  PmGraticuleLayer   *graticule_layer;
  ShumateMapLayer    *basemap_layer;
  ShumateMapSource   *basemap_source;
  PmNetworkLayer     *network_layer;
  PmReplicaLayer     *replica_layer;
  PmAlertLayer       *alert_layer;
  PmSnapshot         *snapshot;
  PmResources        *resources;
  GArray             *results;       /* Result, in the order of the list's rows */
  int                 shown_resource;
  gboolean            show_events;
  gboolean            fitted;
};

enum
{
  PROP_0,
  PROP_SHOW_EVENTS,
  N_PROPS
};

enum
{
  SELECTED,
  LOCATION_ACTIVATED,
  RESOURCE_ACTIVATED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
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
  /* Ticks at 0, 0.5 and 1, under the labels. */
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6);
  for (int i = 0; i <= 2; i++)
    cairo_rectangle (cr, CLAMP (round (i * (width - 1) / 2.0), 0, width - 1), height - 4, 1, 4);
  cairo_fill (cr);
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
draw_legend_down_cb (GtkDrawingArea *area,
                     cairo_t        *cr,
                     int             width,
                     int             height,
                     gpointer        user_data)
{
  static const double dashes[] = { 6, 4 };
  GdkRGBA color;

  cairo_move_to (cr, 1, height / 2.0);
  cairo_line_to (cr, width - 1, height / 2.0);
  cairo_set_source_rgba (cr, 1, 0.92, 0.92, 0.85);
  cairo_set_line_width (cr, 4.5);
  cairo_stroke_preserve (cr);
  pm_health_palette_down_color (&color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
  cairo_stroke (cr);
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
  cairo_set_source_rgba (cr, 0.45, 0.62, 1.0, 0.9);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
draw_legend_maintenance_cb (GtkDrawingArea *area,
                            cairo_t        *cr,
                            int             width,
                            int             height,
                            gpointer        user_data)
{
  for (double x = 3; x < width - 1; x += 5)
    {
      cairo_move_to (cr, x - 2, height - 1);
      cairo_line_to (cr, x + 2, 1);
    }
  cairo_set_source_rgba (cr, 0.38, 0.86, 0.93, 0.95);
  cairo_set_line_width (cr, 1.4);
  cairo_stroke (cr);
}

static void
draw_legend_alert_cb (GtkDrawingArea *area,
                      cairo_t        *cr,
                      int             width,
                      int             height,
                      gpointer        user_data)
{
  double r = height / 2.0 - 1;

  cairo_new_sub_path (cr);
  cairo_arc (cr, width - 1 - r, height / 2.0, r, -G_PI / 2, G_PI / 2);
  cairo_arc (cr, 1 + r, height / 2.0, r, G_PI / 2, 3 * G_PI / 2);
  cairo_close_path (cr);
  cairo_set_source_rgb (cr, 1.0, 0.27, 0.86);
  cairo_set_line_width (cr, 2);
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

/* The viewport still needs a reference source for its projection and zoom range; this one is
 * never drawn, so it never downloads anything. */
static void
use_graticule_only (PmMapView *self)
{
  g_autoptr(ShumateMapSource) projection = SHUMATE_MAP_SOURCE (
    shumate_raster_renderer_new_full_from_url ("premirror-graticule", _("Graticule"), "", "", 0,
                                               17, 256, SHUMATE_MAP_PROJECTION_MERCATOR,
                                               "file:///dev/null/{z}/{x}/{y}"));
  shumate_map_set_map_source (self->map, projection);
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
      use_graticule_only (self);
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
map_released_cb (GtkGestureClick *gesture,
                  int              n_press,
                  double           x,
                  double           y,
                  gpointer         user_data)
{
  PmMapView *self = PM_MAP_VIEW (user_data);
  ShumateViewport *viewport = shumate_map_get_viewport (self->map);
  int site, segment = -1;
  graphene_point_t point;
  double lat, lon;

  if (self->snapshot == NULL
      || !gtk_widget_compute_point (GTK_WIDGET (self->map), GTK_WIDGET (self->network_layer),
                                    &GRAPHENE_POINT_INIT (x, y), &point))
    return;
  site = pm_network_layer_site_at (self->network_layer, point.x, point.y, HIT_TOLERANCE_SITE);
  if (site < 0)
    segment = pm_network_layer_segment_at (self->network_layer, point.x, point.y,
                                           HIT_TOLERANCE_SEGMENT);
  if (site >= 0 || segment >= 0)
    {
      pm_map_view_select (self, site, segment);
      g_signal_emit (self, signals[SELECTED], 0, site, segment);
      return;
    }
  shumate_viewport_widget_coords_to_location (viewport, GTK_WIDGET (self->map), x, y, &lat, &lon);
  g_signal_emit (self, signals[LOCATION_ACTIVATED], 0, lat, lon);
}

static gboolean
animations_enabled (PmMapView *self)
{
  gboolean enabled = TRUE;

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-enable-animations", &enabled,
                NULL);
  return enabled;
}

/* Centres the map on a point, zooming in at least to zoom; glides there unless the desktop
 * turns animations off. */
static void
go_to (PmMapView *self,
       double     lat,
       double     lon,
       double     zoom)
{
  ShumateViewport *viewport = shumate_map_get_viewport (self->map);

  zoom = MAX (zoom, shumate_viewport_get_zoom_level (viewport));
  if (animations_enabled (self) && gtk_widget_get_mapped (GTK_WIDGET (self)))
    shumate_map_go_to_full (self->map, lat, lon, zoom);
  else
    {
      shumate_map_stop_go_to (self->map);
      shumate_viewport_set_zoom_level (viewport, zoom);
      shumate_map_center_on (self->map, lat, lon);
    }
}

/* Search ----------------------------------------------------------------------------------- */

/* Case-folded, with every kind of dash (and the "--" of segment ids) made one '-', and spaces
 * around dashes dropped, so that "Frankfurt – Zurich", "fra-zrh" and "fra--zrh" meet. */
static char *
normalise (const char *text)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);
  GString *out = g_string_sized_new (strlen (folded));

  for (const char *p = folded; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean dash = c == '-' || c == 0x2013 || c == 0x2014 || c == 0x2212;

      if (dash)
        {
          while (out->len > 0 && out->str[out->len - 1] == ' ')
            g_string_truncate (out, out->len - 1);
          if (out->len == 0 || out->str[out->len - 1] != '-')
            g_string_append_c (out, '-');
          continue;
        }
      if (c == ' ' && out->len > 0 && out->str[out->len - 1] == '-')
        continue;
      g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

/* How well a candidate matches: 0 exact, 1 prefix, 2 a word starts with it, 3 anywhere, or
 * G_MAXUINT when it does not. */
static guint
match_rank (const char *query,
            const char *candidate)
{
  g_autofree char *normalised = NULL;
  const char *found;

  if (candidate == NULL)
    return G_MAXUINT;
  normalised = normalise (candidate);
  found = strstr (normalised, query);
  if (found == NULL)
    return G_MAXUINT;
  if (found == normalised)
    return strcmp (normalised, query) == 0 ? 0 : 1;
  for (const char *p = found; p != NULL; p = strstr (p + 1, query))
    if (!g_unichar_isalnum (g_utf8_get_char (g_utf8_prev_char (p))))
      return 2;
  return 3;
}

static guint
segment_rank (PmTopology *topology,
              guint       index,
              const char *query)
{
  const PmSegment *segment = pm_topology_get_segment (topology, index);
  const PmSite *a = pm_topology_get_site (topology, segment->a);
  const PmSite *b = pm_topology_get_site (topology, segment->b);
  g_autofree char *ids = g_strdup_printf ("%s-%s", a->id, b->id);
  g_autofree char *ids_reversed = g_strdup_printf ("%s-%s", b->id, a->id);
  g_autofree char *names = g_strdup_printf ("%s-%s", a->name, b->name);
  g_autofree char *names_reversed = g_strdup_printf ("%s-%s", b->name, a->name);
  guint rank = match_rank (query, segment->id);

  rank = MIN (rank, match_rank (query, segment->circuit_id));
  /* A segment is found by its ends only when the query names both, or it would drown the sites
   * in every segment attached to them. */
  if (strchr (query, '-') != NULL)
    {
      rank = MIN (rank, match_rank (query, ids));
      rank = MIN (rank, match_rank (query, ids_reversed));
      rank = MIN (rank, match_rank (query, names));
      rank = MIN (rank, match_rank (query, names_reversed));
    }
  return rank;
}

static int
compare_results (gconstpointer a,
                 gconstpointer b)
{
  const Result *x = a, *y = b;

  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  if (x->kind != y->kind)
    return x->kind < y->kind ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

static GtkWidget *
create_result_row (PmMapView    *self,
                   const Result *result)
{
  PmTopology *topology = self->snapshot->topology;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *title, *subtitle, *icon;
  g_autofree char *title_text = NULL;
  g_autofree char *subtitle_text = NULL;
  const char *icon_name;

  switch (result->kind)
    {
    case RESULT_SITE:
      {
        const PmSite *site = pm_topology_get_site (topology, result->index);
        title_text = g_strdup (site->name);
        /* Translators: a search result: the site's id and its role, e.g. "fra · origin site". */
        subtitle_text = g_strdup_printf (_("%s · %s site"), site->id,
                                         pm_site_role_to_string (site->role));
        icon_name = "mark-location-symbolic";
      }
      break;
    case RESULT_SEGMENT:
      {
        const PmSegment *segment = pm_topology_get_segment (topology, result->index);
        title_text = g_strdup_printf ("%s – %s", pm_topology_get_site (topology, segment->a)->name,
                                      pm_topology_get_site (topology, segment->b)->name);
        /* Translators: a search result: the segment's id and its circuit. */
        subtitle_text = segment->circuit_id != NULL
                          ? g_strdup_printf (_("Segment %s · circuit %s"), segment->id,
                                             segment->circuit_id)
                          : g_strdup_printf (_("Segment %s"), segment->id);
        icon_name = "network-wired-symbolic";
      }
      break;
    case RESULT_RESOURCE:
    default:
      {
        const PmResource *resource = pm_resources_get_resource (self->resources, result->index);
        title_text = g_strdup (resource->name);
        /* Translators: a search result: the resource's id and the site it comes from. */
        subtitle_text = g_strdup_printf (_("Resource %s · from %s"), resource->id,
                                         pm_topology_get_site (topology, resource->origin)->name);
        icon_name = "folder-documents-symbolic";
      }
      break;
    }

  icon = gtk_image_new_from_icon_name (icon_name);
  title = gtk_label_new (title_text);
  subtitle = gtk_label_new (subtitle_text);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_box_append (GTK_BOX (text), title);
  gtk_box_append (GTK_BOX (text), subtitle);
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  title_text, GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, subtitle_text,
                                  -1);
  return row;
}

static void
clear_results (PmMapView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->search_results))) != NULL)
    gtk_list_box_remove (self->search_results, child);
  g_array_set_size (self->results, 0);
}

static void
run_search (PmMapView  *self,
            const char *text)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autofree char *query = NULL;
  PmTopology *topology;

  clear_results (self);
  if (self->snapshot == NULL || stripped[0] == '\0')
    {
      gtk_widget_set_visible (GTK_WIDGET (self->search_scroller), FALSE);
      return;
    }
  query = normalise (stripped);
  topology = self->snapshot->topology;
  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      Result result = { RESULT_SITE, i, MIN (match_rank (query, site->id),
                                             match_rank (query, site->name)) };
      if (result.rank != G_MAXUINT)
        g_array_append_val (self->results, result);
    }
  for (guint i = 0; i < pm_topology_get_n_segments (topology); i++)
    {
      Result result = { RESULT_SEGMENT, i, segment_rank (topology, i, query) };
      if (result.rank != G_MAXUINT)
        g_array_append_val (self->results, result);
    }
  for (guint i = 0; self->resources != NULL && i < pm_resources_get_n_resources (self->resources);
       i++)
    {
      const PmResource *resource = pm_resources_get_resource (self->resources, i);
      Result result = { RESULT_RESOURCE, i, MIN (match_rank (query, resource->name),
                                                 match_rank (query, resource->id)) };
      if (result.rank != G_MAXUINT)
        g_array_append_val (self->results, result);
    }
  g_array_sort (self->results, compare_results);
  if (self->results->len > MAX_RESULTS)
    g_array_set_size (self->results, MAX_RESULTS);

  for (guint i = 0; i < self->results->len; i++)
    gtk_list_box_append (self->search_results,
                         create_result_row (self, &g_array_index (self->results, Result, i)));
  gtk_list_box_select_row (self->search_results,
                           gtk_list_box_get_row_at_index (self->search_results, 0));
  gtk_widget_set_visible (GTK_WIDGET (self->search_scroller), self->results->len > 0);
}

static void
search_changed_cb (GtkEditable *editable,
                   PmMapView   *self)
{
  run_search (self, gtk_editable_get_text (editable));
}

static void
close_search (PmMapView *self)
{
  gtk_revealer_set_reveal_child (self->search_revealer, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->map));
}

static void
choose_result (PmMapView *self,
               guint      position)
{
  PmTopology *topology = self->snapshot->topology;
  Result result;

  if (position >= self->results->len)
    return;
  result = g_array_index (self->results, Result, position);
  close_search (self);
  switch (result.kind)
    {
    case RESULT_SITE:
      {
        PmLatLon location = pm_topology_get_site (topology, result.index)->location;
        go_to (self, location.lat, location.lon, RESULT_ZOOM);
        pm_map_view_select (self, (int) result.index, -1);
        g_signal_emit (self, signals[SELECTED], 0, (int) result.index, -1);
      }
      break;
    case RESULT_SEGMENT:
      {
        const PmSegment *segment = pm_topology_get_segment (topology, result.index);
        PmLatLon a = pm_topology_get_site (topology, segment->a)->location;
        PmLatLon b = pm_topology_get_site (topology, segment->b)->location;
        go_to (self, (a.lat + b.lat) / 2, (a.lon + b.lon) / 2, RESULT_ZOOM - 1);
        pm_map_view_select (self, -1, (int) result.index);
        g_signal_emit (self, signals[SELECTED], 0, -1, (int) result.index);
      }
      break;
    case RESULT_RESOURCE:
    default:
      {
        const PmResource *resource = pm_resources_get_resource (self->resources, result.index);
        PmLatLon origin = pm_topology_get_site (topology, resource->origin)->location;
        go_to (self, origin.lat, origin.lon, 0);
        g_signal_emit (self, signals[RESOURCE_ACTIVATED], 0, (int) result.index);
      }
      break;
    }
}

static void
search_activate_cb (GtkSearchEntry *entry,
                    PmMapView      *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->search_results);

  if (row != NULL)
    choose_result (self, (guint) gtk_list_box_row_get_index (row));
}

static void
search_stop_cb (GtkSearchEntry *entry,
                PmMapView      *self)
{
  close_search (self);
}

static void
move_selection (PmMapView *self,
                int        delta)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->search_results);
  int index = row != NULL ? gtk_list_box_row_get_index (row) + delta : 0;
  GtkListBoxRow *next;

  index = CLAMP (index, 0, (int) self->results->len - 1);
  next = gtk_list_box_get_row_at_index (self->search_results, index);
  if (next == NULL)
    return;
  gtk_list_box_select_row (self->search_results, next);
  /* Keep the row in view while the focus stays in the entry. */
  gtk_widget_grab_focus (GTK_WIDGET (next));
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_set_position (GTK_EDITABLE (self->search_entry), -1);
}

static void
search_next_cb (GtkSearchEntry *entry,
                PmMapView      *self)
{
  move_selection (self, 1);
}

static void
search_previous_cb (GtkSearchEntry *entry,
                    PmMapView      *self)
{
  move_selection (self, -1);
}

/* Up and Down walk the results while typing goes on in the entry. */
static gboolean
search_key_pressed_cb (GtkEventControllerKey *controller,
                       guint                  keyval,
                       guint                  keycode,
                       GdkModifierType        state,
                       PmMapView             *self)
{
  switch (keyval)
    {
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      move_selection (self, 1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      move_selection (self, -1);
      return GDK_EVENT_STOP;
    case GDK_KEY_Page_Down:
      move_selection (self, 8);
      return GDK_EVENT_STOP;
    case GDK_KEY_Page_Up:
      move_selection (self, -8);
      return GDK_EVENT_STOP;
    default:
      return GDK_EVENT_PROPAGATE;
    }
}

static void
search_row_activated_cb (GtkListBox    *list,
                         GtkListBoxRow *row,
                         PmMapView     *self)
{
  choose_result (self, (guint) gtk_list_box_row_get_index (row));
}

/* Actions ---------------------------------------------------------------------------------- */

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
find_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  PmMapView *self = PM_MAP_VIEW (widget);

  gtk_revealer_set_reveal_child (self->search_revealer, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

static void
clear_replicas_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  pm_map_view_show_resource (PM_MAP_VIEW (widget), -1, NULL);
}

/* GObject ---------------------------------------------------------------------------------- */

static void
pm_map_view_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  PmMapView *self = PM_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOW_EVENTS:
      g_value_set_boolean (value, self->show_events);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_map_view_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  PmMapView *self = PM_MAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SHOW_EVENTS:
      if (self->show_events != g_value_get_boolean (value))
        {
          self->show_events = g_value_get_boolean (value);
          pm_network_layer_set_show_events (self->network_layer, self->show_events);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_map_view_dispose (GObject *object)
{
  PmMapView *self = PM_MAP_VIEW (object);

  if (self->settings != NULL)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->basemap_source);
  g_clear_object (&self->resources);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_MAP_VIEW);

  G_OBJECT_CLASS (pm_map_view_parent_class)->dispose (object);
}

static void
pm_map_view_finalize (GObject *object)
{
  PmMapView *self = PM_MAP_VIEW (object);

  g_array_unref (self->results);

  G_OBJECT_CLASS (pm_map_view_parent_class)->finalize (object);
}

static void
pm_map_view_class_init (PmMapViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = pm_map_view_get_property;
  object_class->set_property = pm_map_view_set_property;
  object_class->dispose = pm_map_view_dispose;
  object_class->finalize = pm_map_view_finalize;

  /**
   * PmMapView:show-events:
   *
   * Whether weather polygons and maintenance windows are drawn (the map.show-events action).
   */
  properties[PROP_SHOW_EVENTS] =
    g_param_spec_boolean ("show-events", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * PmMapView::selected:
   * @site: the clicked or found site index, or -1
   * @segment: the clicked or found segment index, or -1
   */
  signals[SELECTED] = g_signal_new ("selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                    NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  /**
   * PmMapView::location-activated:
   * @lat: latitude of the clicked point, degrees
   * @lon: longitude of the clicked point, degrees
   *
   * A click on the map away from every site and segment.
   */
  signals[LOCATION_ACTIVATED] =
    g_signal_new ("location-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  /**
   * PmMapView::resource-activated:
   * @resource: the resource index in the #PmResources set with pm_map_view_set_resources()
   *
   * The operator chose a resource in the search.
   */
  signals[RESOURCE_ACTIVATED] =
    g_signal_new ("resource-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);

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
  gtk_widget_class_bind_template_child (widget_class, PmMapView, legend_down);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, legend_weather);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, legend_maintenance);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, legend_alert);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, search_revealer);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, search_scroller);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, search_results);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, replicas_chip);
  gtk_widget_class_bind_template_child (widget_class, PmMapView, replicas_label);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_next_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_previous_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_row_activated_cb);

  gtk_widget_class_install_action (widget_class, "map.zoom-in", NULL, zoom_in_activated);
  gtk_widget_class_install_action (widget_class, "map.zoom-out", NULL, zoom_out_activated);
  gtk_widget_class_install_action (widget_class, "map.fit", NULL, fit_activated);
  gtk_widget_class_install_action (widget_class, "map.find", NULL, find_activated);
  gtk_widget_class_install_action (widget_class, "map.clear-replicas", NULL,
                                   clear_replicas_activated);
  gtk_widget_class_install_property_action (widget_class, "map.show-events", "show-events");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-map-view");
}

static void
pm_map_view_init (PmMapView *self)
{
  ShumateViewport *viewport;
  GtkGesture *click;
  GtkEventController *keys;

  self->show_events = TRUE;
  self->shown_resource = -1;
  self->results = g_array_new (FALSE, FALSE, sizeof (Result));
  gtk_widget_init_template (GTK_WIDGET (self));
  viewport = shumate_map_get_viewport (self->map);
  shumate_viewport_set_min_zoom_level (viewport, 1);
  shumate_viewport_set_max_zoom_level (viewport, 17);
  shumate_scale_set_viewport (self->scale, viewport);
  /* Until pm_map_view_bind_settings() picks a basemap. */
  use_graticule_only (self);

  self->graticule_layer = pm_graticule_layer_new (viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->graticule_layer));
  self->network_layer = pm_network_layer_new (viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->network_layer));
  self->replica_layer = pm_replica_layer_new (viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->replica_layer));
  self->alert_layer = pm_alert_layer_new (viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->alert_layer));

  gtk_drawing_area_set_draw_func (self->legend_scale, draw_legend_scale_cb, NULL, NULL);
  gtk_drawing_area_set_draw_func (self->legend_no_data, draw_legend_no_data_cb, NULL, NULL);
  gtk_drawing_area_set_draw_func (self->legend_down, draw_legend_down_cb, NULL, NULL);
  gtk_drawing_area_set_draw_func (self->legend_weather, draw_legend_weather_cb, NULL, NULL);
  gtk_drawing_area_set_draw_func (self->legend_maintenance, draw_legend_maintenance_cb, NULL,
                                  NULL);
  gtk_drawing_area_set_draw_func (self->legend_alert, draw_legend_alert_cb, NULL, NULL);

  /* Released, not pressed: a drag that pans the map cancels the click and activates nothing. */
  click = gtk_gesture_click_new ();
  gtk_event_controller_set_name (GTK_EVENT_CONTROLLER (click), "pm-map-click");
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  g_signal_connect (click, "released", G_CALLBACK (map_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->map), GTK_EVENT_CONTROLLER (click));

  /* The list follows every keystroke (not the entry's delayed search-changed): matching a few
   * thousand names takes well under a millisecond. */
  g_signal_connect (self->search_entry, "changed", G_CALLBACK (search_changed_cb), self);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (search_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->search_entry), keys);

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
  g_return_if_fail (snapshot != NULL);

  new_topology = self->snapshot == NULL || self->snapshot->topology != snapshot->topology;
  pm_snapshot_ref (snapshot);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  self->snapshot = snapshot;
  pm_network_layer_set_snapshot (self->network_layer, snapshot);
  pm_alert_layer_set_snapshot (self->alert_layer, snapshot);
  if (new_topology)
    {
      pm_map_view_show_resource (self, -1, NULL);
      if (gtk_widget_get_width (GTK_WIDGET (self->map)) > 0)
        fit_network (self);
    }
}

void
pm_map_view_select (PmMapView *self,
                    int        site,
                    int        segment)
{
  g_return_if_fail (PM_IS_MAP_VIEW (self));

  pm_network_layer_set_selection (self->network_layer, site, segment);
}

/* The resources the search finds and pm_map_view_show_resource() refers to by index. */
void
pm_map_view_set_resources (PmMapView   *self,
                           PmResources *resources)
{
  g_return_if_fail (PM_IS_MAP_VIEW (self));

  if (!g_set_object (&self->resources, resources))
    return;
  pm_map_view_show_resource (self, -1, NULL);
}

/* Marks the origin of a resource and every replica of it in replicas (PmReplica, from the
 * catalogue; replicas of other resources are ignored); resource -1 clears the marks. */
void
pm_map_view_show_resource (PmMapView *self,
                           int        resource,
                           GPtrArray *replicas)
{
  g_autoptr(GArray) marks = NULL;
  g_autofree char *text = NULL;
  const PmResource *shown;
  PmTopology *topology;
  PmReplicaMark origin = { 0, TRUE, PM_REPLICA_IN_SYNC };

  g_return_if_fail (PM_IS_MAP_VIEW (self));

  if (resource < 0 || self->resources == NULL || self->snapshot == NULL
      || (guint) resource >= pm_resources_get_n_resources (self->resources))
    {
      self->shown_resource = -1;
      pm_replica_layer_set_marks (self->replica_layer, NULL, NULL, 0);
      gtk_widget_set_visible (self->replicas_chip, FALSE);
      return;
    }

  topology = self->snapshot->topology;
  shown = pm_resources_get_resource (self->resources, (guint) resource);
  marks = g_array_new (FALSE, FALSE, sizeof (PmReplicaMark));
  origin.site = shown->origin;
  g_array_append_val (marks, origin);
  for (guint i = 0; replicas != NULL && i < replicas->len; i++)
    {
      const PmReplica *replica = g_ptr_array_index (replicas, i);
      PmReplicaMark mark = { 0, FALSE, replica->state };
      int site;

      if (g_strcmp0 (replica->resource, shown->id) != 0 || replica->state == PM_REPLICA_GONE)
        continue;
      site = pm_topology_lookup_site (topology, replica->site);
      if (site < 0 || (guint) site == shown->origin)
        continue;
      mark.site = (guint) site;
      g_array_append_val (marks, mark);
    }
  self->shown_resource = resource;
  pm_replica_layer_set_marks (self->replica_layer, topology, (PmReplicaMark *) marks->data,
                              marks->len);
  /* Translators: the chip over the map while one resource's replicas are marked. */
  text = g_strdup_printf (_("Showing replicas of %s"), shown->name);
  gtk_label_set_label (self->replicas_label, text);
  gtk_widget_set_visible (self->replicas_chip, TRUE);
}

/* The resource whose replicas are marked, or -1. */
int
pm_map_view_get_shown_resource (PmMapView *self)
{
  return self->shown_resource;
}

PmNetworkLayer *
pm_map_view_get_network_layer (PmMapView *self)
{
  return self->network_layer;
}

PmAlertLayer *
pm_map_view_get_alert_layer (PmMapView *self)
{
  return self->alert_layer;
}

PmReplicaLayer *
pm_map_view_get_replica_layer (PmMapView *self)
{
  return self->replica_layer;
}

ShumateMap *
pm_map_view_get_map (PmMapView *self)
{
  return self->map;
}

/* Sites with a name ready to show on the map: every site of the topology. */
guint
pm_map_view_get_n_site_markers (PmMapView *self)
{
  return pm_network_layer_get_n_site_labels (self->network_layer);
}

/* The basemap in use, for the header and tests; NULL when only the graticule is shown. */
const char *
pm_map_view_get_basemap_name (PmMapView *self)
{
  return self->basemap_source != NULL ? shumate_map_source_get_name (self->basemap_source) : NULL;
}

GtkEditable *
pm_map_view_get_search_entry (PmMapView *self)
{
  return GTK_EDITABLE (self->search_entry);
}

guint
pm_map_view_get_n_search_results (PmMapView *self)
{
  return self->results->len;
}
