/* pm-network-layer.c: draws all segments (and the weather overlays of the snapshot) in one
 * snapshot pass. One ShumatePathLayer per segment would cost a widget each and cannot colour
 * per segment cheaply; this layer redraws hundreds of segments in well under a frame.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-network-layer.h"

#include "pm-health-palette.h"
#include "pm-health.h"

#include <math.h>

struct _PmNetworkLayer
{
  ShumateLayer parent_instance;

  PmSnapshot  *snapshot;
  int          selected_segment;
  int          selected_site;
  guint        n_drawn;
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

static void
draw_weather (PmNetworkLayer *self,
              cairo_t        *cr)
{
  for (guint i = 0; i < self->snapshot->events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (self->snapshot->events, i);
      double alpha = event->severity <= PM_SEVERITY_SEVERE ? 0.28 : 0.16;

      if (event->kind != PM_EVENT_WEATHER || event->n_polygon < 3)
        continue;
      for (guint p = 0; p < event->n_polygon; p++)
        {
          double x, y;
          to_widget (self, event->polygon[p], &x, &y);
          if (p == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
        }
      cairo_close_path (cr);
      cairo_set_source_rgba (cr, 0.38, 0.55, 0.95, alpha);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 0.55, 0.70, 1.0, 0.8);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
}

static void
draw_segment (PmNetworkLayer *self,
              cairo_t        *cr,
              guint           index)
{
  PmTopology *topology = self->snapshot->topology;
  const PmSegment *segment = pm_topology_get_segment (topology, index);
  double health = self->snapshot->segments[index].health;
  double risk = self->snapshot->segments[index].risk;
  gboolean selected = (int) index == self->selected_segment;
  double ax, ay, bx, by;
  GdkRGBA color;

  to_widget (self, pm_topology_get_site (topology, segment->a)->location, &ax, &ay);
  to_widget (self, pm_topology_get_site (topology, segment->b)->location, &bx, &by);

  /* A dark casing keeps the line legible over both bright tiles and the dark graticule. */
  cairo_set_dash (cr, NULL, 0, 0);
  cairo_move_to (cr, ax, ay);
  cairo_line_to (cr, bx, by);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.65);
  cairo_set_line_width (cr, selected ? 9 : 6);
  cairo_stroke (cr);

  /* Colour is the predicted risk; a segment that is down already is also dashed. */
  pm_health_palette_color (risk, &color);
  if (pm_health_level (health) == PM_HEALTH_DOWN)
    {
      static const double dashes[] = { 7, 5 };
      cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
    }
  cairo_move_to (cr, ax, ay);
  cairo_line_to (cr, bx, by);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_set_line_width (cr, selected ? 6 : 3.5);
  cairo_stroke (cr);

  if (selected)
    {
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_move_to (cr, ax, ay);
      cairo_line_to (cr, bx, by);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
}

/* Sites as dots: the origin larger with a ring; colour from the site's isolation risk, or, until
 * that is known, from its best attached segment (a site is as reachable as its best link). */
static void
draw_sites (PmNetworkLayer *self,
            cairo_t        *cr)
{
  PmTopology *topology = self->snapshot->topology;

  cairo_set_dash (cr, NULL, 0, 0);
  for (guint i = 0; i < self->snapshot->n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      const PmSiteState *state = &self->snapshot->sites[i];
      gboolean origin = site->role == PM_SITE_ROLE_ORIGIN;
      double radius = origin ? 7 : site->role == PM_SITE_ROLE_CORE ? 5.5 : 4.5;
      double x, y;
      GdkRGBA color;

      pm_health_palette_color (isnan (state->isolation) ? state->best_health : state->isolation,
                               &color);
      to_widget (self, site->location, &x, &y);
      cairo_arc (cr, x, y, radius + 1.5, 0, 2 * G_PI);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.8);
      cairo_fill (cr);
      cairo_arc (cr, x, y, radius, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_fill (cr);
      if (origin || (int) i == self->selected_site)
        {
          cairo_arc (cr, x, y, radius + 4, 0, 2 * G_PI);
          cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
          cairo_set_line_width (cr, 2);
          cairo_stroke (cr);
        }
    }
}

static void
pm_network_layer_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  PmNetworkLayer *self = PM_NETWORK_LAYER (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  self->n_drawn = 0;
  if (self->snapshot == NULL || width <= 0 || height <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  draw_weather (self, cr);
  for (guint i = 0; i < self->snapshot->n_segments; i++)
    if ((int) i != self->selected_segment)
      draw_segment (self, cr, i);
  /* The selected segment last, so that it is never hidden under a crossing one. */
  if (self->selected_segment >= 0 && (guint) self->selected_segment < self->snapshot->n_segments)
    draw_segment (self, cr, (guint) self->selected_segment);
  draw_sites (self, cr);
  self->n_drawn = self->snapshot->n_segments;
  cairo_destroy (cr);
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

  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  self->snapshot = snapshot != NULL ? pm_snapshot_ref (snapshot) : NULL;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pm_network_layer_set_selection (PmNetworkLayer *self,
                                int             site,
                                int             segment)
{
  self->selected_site = site;
  self->selected_segment = segment;
  gtk_widget_queue_draw (GTK_WIDGET (self));
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

/* How many segments the last frame drew; the GUI test checks the map holds the whole network. */
guint
pm_network_layer_get_n_drawn (PmNetworkLayer *self)
{
  return self->n_drawn;
}
