/* pm-network-layer.c: the whole network as one map layer.
 *
 * One ShumatePathLayer per segment would cost a widget each and could not colour per segment
 * cheaply; one marker widget per site name would be laid out again on every pan. Here the lines,
 * dots and names are drawn into one image (pm-network-raster.c) in a worker thread, and a frame
 * paints that image. Everything that depends only on the snapshot (buckets, draw order,
 * maintenance marks) is computed when the snapshot arrives, into arrays sized once per topology.
 *
 * While the next image is being drawn, the last one stays on screen: after a new snapshot it is
 * at most one drawing late; after a pan or zoom it is moved and scaled with the map (the
 * projection is affine, see pm-map-private.h) until the image for the new view arrives. The
 * main thread thus never waits for thousands of antialiased strokes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-network-layer.h"

#include <glib/gi18n.h>

#include "pm-health-palette.h"
#include "pm-health.h"
#include "pm-map-private.h"
#include "pm-network-raster.h"

struct _PmNetworkLayer
{
  ShumateLayer parent_instance;

  PmSnapshot  *snapshot;
  PmTopology  *topology;     /* of the cached arrays below */
  int          selected_segment;
  int          selected_site;
  gboolean     show_events;
  guint        generation;   /* bumped whenever what the image shows changes, but the view */

  /* The image on screen, its node, and what it was drawn for. */
  PmNetworkImage  drawn;
  GskRenderNode  *drawn_node;
  GQueue          retired;   /* surfaces of past images, see _pm_map_retire_surface() */
  PmMapLayerView  drawn_view;
  guint           drawn_generation;
  gboolean        drawing;   /* an image is being drawn in a worker thread */

  /* Per topology: the site names, shaped in the drawing thread. */
  PmNetworkLabels *labels;

  /* Per site, sized once per topology. */
  guint        n_sites;
  double      *site_lon;
  double      *site_merc;
  guint8      *site_bucket;
  guint       *site_order;   /* dots by bucket, riskiest last (on top) */
  guint       *label_order;  /* names by priority: origin, then most at risk */

  /* Per segment. */
  guint        n_segments;
  guint8      *segment_bucket;
  gboolean    *segment_down;
  gboolean    *segment_maintenance;
  guint       *segment_order; /* by bucket, riskiest then down ones last */

  guint        n_weather;
  guint        n_maintenance;
};

G_DEFINE_TYPE (PmNetworkLayer, pm_network_layer, SHUMATE_TYPE_LAYER)

static void
to_widget (PmNetworkLayer *self,
           PmLatLon        location,
           double         *x,
           double         *y)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (self), location.lat,
                                              location.lon, x, y);
}

/* What the image shows changed: draw it again (the old one stays until then). */
static void
invalidate (PmNetworkLayer *self)
{
  self->generation++;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
clear_topology_cache (PmNetworkLayer *self)
{
  g_clear_pointer (&self->drawn_node, gsk_render_node_unref);
  pm_network_image_clear (&self->drawn);
  _pm_map_free_retired (&self->retired);
  g_clear_pointer (&self->labels, pm_network_labels_unref);
  g_clear_pointer (&self->site_lon, g_free);
  g_clear_pointer (&self->site_merc, g_free);
  g_clear_pointer (&self->site_bucket, g_free);
  g_clear_pointer (&self->site_order, g_free);
  g_clear_pointer (&self->label_order, g_free);
  g_clear_pointer (&self->segment_bucket, g_free);
  g_clear_pointer (&self->segment_down, g_free);
  g_clear_pointer (&self->segment_maintenance, g_free);
  g_clear_pointer (&self->segment_order, g_free);
  self->n_sites = 0;
  self->n_segments = 0;
  self->topology = NULL;
}

static void
build_topology_cache (PmNetworkLayer *self,
                      PmTopology     *topology)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));

  clear_topology_cache (self);
  self->topology = topology;
  self->labels = pm_network_labels_new (topology, pango_context_get_font_description (context),
                                        pango_cairo_context_get_resolution (context));
  self->n_sites = pm_topology_get_n_sites (topology);
  self->n_segments = pm_topology_get_n_segments (topology);
  self->site_lon = g_new (double, self->n_sites);
  self->site_merc = g_new (double, self->n_sites);
  self->site_bucket = g_new0 (guint8, self->n_sites);
  self->site_order = g_new (guint, self->n_sites);
  self->label_order = g_new (guint, self->n_sites);
  for (guint i = 0; i < self->n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);

      self->site_lon[i] = site->location.lon;
      self->site_merc[i] = _pm_mercator_y (site->location.lat);
      self->site_order[i] = i;
      self->label_order[i] = i;
    }
  self->segment_bucket = g_new0 (guint8, self->n_segments);
  self->segment_down = g_new0 (gboolean, self->n_segments);
  self->segment_maintenance = g_new0 (gboolean, self->n_segments);
  self->segment_order = g_new (guint, self->n_segments);
  for (guint i = 0; i < self->n_segments; i++)
    self->segment_order[i] = i;
}

static double
site_risk (PmNetworkLayer *self,
           guint           site)
{
  double isolation = self->snapshot->sites[site].isolation;
  return isnan (isolation) ? -1 : isolation;
}

static int
compare_label_priority (gconstpointer a,
                        gconstpointer b,
                        gpointer      user_data)
{
  PmNetworkLayer *self = user_data;
  guint i = *(const guint *) a, j = *(const guint *) b;
  PmSiteRole role_i = pm_topology_get_site (self->topology, i)->role;
  PmSiteRole role_j = pm_topology_get_site (self->topology, j)->role;
  double risk_i = site_risk (self, i), risk_j = site_risk (self, j);

  if ((role_i == PM_SITE_ROLE_ORIGIN) != (role_j == PM_SITE_ROLE_ORIGIN))
    return role_i == PM_SITE_ROLE_ORIGIN ? -1 : 1;
  if (risk_i != risk_j)
    return risk_i > risk_j ? -1 : 1;
  if (role_i != role_j)
    return role_i < role_j ? -1 : 1;
  return i < j ? -1 : i > j;
}

/* Counting sort by bucket: stable, no allocation, and the riskiest colours end up on top. */
static void
order_by_bucket (const guint8 *buckets,
                 const gboolean *last,
                 guint         n,
                 guint        *order)
{
  guint start[PM_PALETTE_N_BUCKETS + 3] = { 0 };

  for (guint i = 0; i < n; i++)
    {
      /* No data first (under everything), then 0 … 1, then whatever must be last. */
      guint key = last != NULL && last[i] ? PM_PALETTE_N_BUCKETS + 1
                  : buckets[i] == PM_PALETTE_N_BUCKETS ? 0 : buckets[i] + 1u;
      start[key + 1]++;
    }
  for (guint k = 1; k < G_N_ELEMENTS (start); k++)
    start[k] += start[k - 1];
  for (guint i = 0; i < n; i++)
    {
      guint key = last != NULL && last[i] ? PM_PALETTE_N_BUCKETS + 1
                  : buckets[i] == PM_PALETTE_N_BUCKETS ? 0 : buckets[i] + 1u;
      order[start[key]++] = i;
    }
}

static gboolean
maintenance_applies (const PmEvent   *event,
                     const PmSegment *segment)
{
  return event->kind == PM_EVENT_MAINTENANCE && event->circuit_id != NULL
         && segment->circuit_id != NULL && g_strcmp0 (event->circuit_id, segment->circuit_id) == 0;
}

static void
update_from_snapshot (PmNetworkLayer *self)
{
  PmSnapshot *snapshot = self->snapshot;

  self->n_weather = 0;
  self->n_maintenance = 0;
  for (guint i = 0; i < snapshot->events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (snapshot->events, i);
      self->n_weather += event->kind == PM_EVENT_WEATHER && event->n_polygon >= 3;
    }
  for (guint i = 0; i < self->n_segments; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (self->topology, i);
      const PmSegmentState *state = &snapshot->segments[i];

      self->segment_bucket[i] = (guint8) pm_health_palette_bucket (state->risk);
      self->segment_down[i] = pm_health_level (state->health) == PM_HEALTH_DOWN;
      self->segment_maintenance[i] = FALSE;
      for (guint e = 0; e < snapshot->events->len; e++)
        if (maintenance_applies (g_ptr_array_index (snapshot->events, e), segment))
          {
            self->segment_maintenance[i] = TRUE;
            self->n_maintenance++;
            break;
          }
    }
  order_by_bucket (self->segment_bucket, self->segment_down, self->n_segments,
                   self->segment_order);
  for (guint i = 0; i < self->n_sites; i++)
    self->site_bucket[i] = (guint8) pm_health_palette_bucket (snapshot->sites[i].isolation);
  order_by_bucket (self->site_bucket, NULL, self->n_sites, self->site_order);
  g_qsort_with_data (self->label_order, (int) self->n_sites, sizeof (guint),
                     compare_label_priority, self);
}

/* The inputs of an image for the current snapshot and view. */
static PmNetworkFrame *
make_frame (PmNetworkLayer       *self,
            const PmMapLayerView *view)
{
  const PmMapProjection *projection = &view->projection;
  PmNetworkFrame *frame = pm_network_frame_new (self->snapshot, self->labels);

  frame->projection = *projection;
  frame->width = view->width;
  frame->height = view->height;
  frame->scale = view->scale;
  frame->show_events = self->show_events;
  frame->selected_site = self->selected_site;
  frame->selected_segment = self->selected_segment;
  for (guint i = 0; i < self->n_sites; i++)
    _pm_map_project (projection, self->site_lon[i], self->site_merc[i], &frame->site_x[i],
                     &frame->site_y[i]);
  memcpy (frame->site_bucket, self->site_bucket, self->n_sites * sizeof *self->site_bucket);
  memcpy (frame->site_order, self->site_order, self->n_sites * sizeof *self->site_order);
  memcpy (frame->label_order, self->label_order, self->n_sites * sizeof *self->label_order);
  memcpy (frame->segment_bucket, self->segment_bucket,
          self->n_segments * sizeof *self->segment_bucket);
  memcpy (frame->segment_down, self->segment_down,
          self->n_segments * sizeof *self->segment_down);
  memcpy (frame->segment_maintenance, self->segment_maintenance,
          self->n_segments * sizeof *self->segment_maintenance);
  memcpy (frame->segment_order, self->segment_order,
          self->n_segments * sizeof *self->segment_order);
  return frame;
}

typedef struct
{
  PmNetworkLayer *layer;  /* a reference, dropped on the main thread */
  PmMapLayerView  view;
  guint           generation;
} Drawing;

static void
drawn_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Drawing *drawing = user_data;
  PmNetworkLayer *self = drawing->layer;
  PmNetworkImage image = { 0 };

  self->drawing = FALSE;
  if (pm_network_raster_finish (result, &image) && self->topology != NULL)
    {
      g_clear_pointer (&self->drawn_node, gsk_render_node_unref);
      _pm_map_retire_surface (&self->retired, g_steal_pointer (&self->drawn.surface));
      self->drawn = image;
      self->drawn_node = _pm_map_node_for_surface (
        image.surface, &GRAPHENE_RECT_INIT (0, 0, drawing->view.width, drawing->view.height));
      self->drawn_view = drawing->view;
      self->drawn_generation = drawing->generation;
      /* The next frame paints it, and asks for another image if this one is already late. */
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else
    pm_network_image_clear (&image);
  g_object_unref (drawing->layer);
  g_free (drawing);
}

static void
start_drawing (PmNetworkLayer       *self,
               const PmMapLayerView *view)
{
  Drawing *drawing = g_new0 (Drawing, 1);

  drawing->layer = g_object_ref (self);
  drawing->view = *view;
  drawing->generation = self->generation;
  self->drawing = TRUE;
  pm_network_raster_async (make_frame (self, view), drawn_cb, drawing);
}

/* The inputs of the image for the current snapshot and view (NULL without a snapshot or size):
 * what the drawing thread gets, for benchmarks that time the drawing itself. */
PmNetworkFrame *
pm_network_layer_new_frame (PmNetworkLayer *self)
{
  PmMapLayerView view;

  g_return_val_if_fail (PM_IS_NETWORK_LAYER (self), NULL);

  if (self->snapshot == NULL || !_pm_map_layer_view_get (SHUMATE_LAYER (self), &view))
    return NULL;
  return make_frame (self, &view);
}

static gboolean
drawn_is_current (PmNetworkLayer       *self,
                  const PmMapLayerView *view)
{
  return self->drawn_node != NULL && self->drawn_generation == self->generation
         && _pm_map_layer_view_equal (view, &self->drawn_view);
}

static void
pm_network_layer_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  PmNetworkLayer *self = PM_NETWORK_LAYER (widget);
  PmMapLayerView view;

  if (self->snapshot == NULL || !_pm_map_layer_view_get (SHUMATE_LAYER (self), &view))
    return;
  if (self->drawn_node != NULL)
    _pm_map_append_moved (snapshot, self->drawn_node, &self->drawn_view.projection,
                          &view.projection);
  if (!self->drawing && !drawn_is_current (self, &view))
    start_drawing (self, &view);
}

static void
pm_network_layer_constructed (GObject *object)
{
  PmNetworkLayer *self = PM_NETWORK_LAYER (object);

  G_OBJECT_CLASS (pm_network_layer_parent_class)->constructed (object);

  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
}

static void
pm_network_layer_dispose (GObject *object)
{
  PmNetworkLayer *self = PM_NETWORK_LAYER (object);

  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  clear_topology_cache (self);

  G_OBJECT_CLASS (pm_network_layer_parent_class)->dispose (object);
}

static void
pm_network_layer_class_init (PmNetworkLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = pm_network_layer_constructed;
  object_class->dispose = pm_network_layer_dispose;
  widget_class->snapshot = pm_network_layer_snapshot;
}

static void
pm_network_layer_init (PmNetworkLayer *self)
{
  self->selected_segment = -1;
  self->selected_site = -1;
  self->show_events = TRUE;
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

PmNetworkLayer *
pm_network_layer_new (ShumateViewport *viewport)
{
  return g_object_new (PM_TYPE_NETWORK_LAYER, "viewport", viewport, NULL);
}

void
pm_network_layer_set_snapshot (PmNetworkLayer *self,
                               PmSnapshot     *snapshot)
{
  g_return_if_fail (PM_IS_NETWORK_LAYER (self));

  if (snapshot != NULL)
    pm_snapshot_ref (snapshot);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  self->snapshot = snapshot;
  if (snapshot == NULL)
    clear_topology_cache (self);
  else
    {
      if (snapshot->topology != self->topology)
        build_topology_cache (self, snapshot->topology);
      update_from_snapshot (self);
    }
  invalidate (self);
}

void
pm_network_layer_set_selection (PmNetworkLayer *self,
                                int             site,
                                int             segment)
{
  g_return_if_fail (PM_IS_NETWORK_LAYER (self));

  self->selected_site = site;
  self->selected_segment = segment;
  invalidate (self);
}

/* Weather polygons and maintenance marks on or off; the segments keep their risk colours. */
void
pm_network_layer_set_show_events (PmNetworkLayer *self,
                                  gboolean        show_events)
{
  g_return_if_fail (PM_IS_NETWORK_LAYER (self));

  self->show_events = show_events;
  invalidate (self);
}

/* The site nearest to a point in layer coordinates within tolerance pixels, or -1. */
int
pm_network_layer_site_at (PmNetworkLayer *self,
                          double          x,
                          double          y,
                          double          tolerance)
{
  int best = -1;
  double best_distance = tolerance;

  if (self->snapshot == NULL)
    return -1;
  for (guint i = 0; i < self->snapshot->n_sites; i++)
    {
      double sx, sy, d;

      to_widget (self, pm_topology_get_site (self->snapshot->topology, i)->location, &sx, &sy);
      d = hypot (sx - x, sy - y);
      if (d <= best_distance)
        {
          best_distance = d;
          best = (int) i;
        }
    }
  return best;
}

static double
distance_to_line (double px,
                  double py,
                  double ax,
                  double ay,
                  double bx,
                  double by)
{
  double dx = bx - ax, dy = by - ay;
  double length2 = dx * dx + dy * dy;
  double t = length2 > 0 ? CLAMP (((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0) : 0;
  double cx = ax + t * dx - px, cy = ay + t * dy - py;

  return sqrt (cx * cx + cy * cy);
}

/* The segment nearest to a point in layer coordinates within tolerance pixels, or -1. */
int
pm_network_layer_segment_at (PmNetworkLayer *self,
                             double          x,
                             double          y,
                             double          tolerance)
{
  PmTopology *topology;
  int best = -1;
  double best_distance = tolerance;

  if (self->snapshot == NULL)
    return -1;
  topology = self->snapshot->topology;
  for (guint i = 0; i < self->snapshot->n_segments; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, i);
      double ax, ay, bx, by, d;

      to_widget (self, pm_topology_get_site (topology, segment->a)->location, &ax, &ay);
      to_widget (self, pm_topology_get_site (topology, segment->b)->location, &bx, &by);
      d = distance_to_line (x, y, ax, ay, bx, by);
      if (d <= best_distance)
        {
          best_distance = d;
          best = (int) i;
        }
    }
  return best;
}

/* Whether the image on screen shows the current snapshot, selection and view; the GUI tests
 * wait for this before they look at what it holds. */
gboolean
pm_network_layer_is_current (PmNetworkLayer *self)
{
  PmMapLayerView view;

  return self->snapshot != NULL && _pm_map_layer_view_get (SHUMATE_LAYER (self), &view)
         && drawn_is_current (self, &view);
}

/* How many segments the image on screen holds (those in view); the GUI tests check that the
 * fitted map holds the whole network. */
guint
pm_network_layer_get_n_drawn (PmNetworkLayer *self)
{
  return self->drawn.n_drawn;
}

/* How many site names the image on screen shows (the others overlapped or were out of view). */
guint
pm_network_layer_get_n_labelled (PmNetworkLayer *self)
{
  return self->drawn.n_labelled;
}

/* How many sites the layer names: every site of the topology. */
guint
pm_network_layer_get_n_site_labels (PmNetworkLayer *self)
{
  return self->labels != NULL ? self->n_sites : 0;
}

/* Weather polygons in the current snapshot (drawn while events are shown). */
guint
pm_network_layer_get_n_weather_polygons (PmNetworkLayer *self)
{
  return self->n_weather;
}

/* Segments under a maintenance window in the current snapshot. */
guint
pm_network_layer_get_n_maintenance_segments (PmNetworkLayer *self)
{
  return self->n_maintenance;
}
