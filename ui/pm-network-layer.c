/* pm-network-layer.c: draws the whole network in one snapshot pass.
 *
 * One ShumatePathLayer per segment would cost a widget each and could not colour per segment
 * cheaply; one marker widget per site name would be laid out again on every pan. Here each frame
 * projects every site once (an affine transform, see pm-map-private.h), strokes all segment
 * casings as one path and the segments as one path per colour bucket, fills the site dots the
 * same way, and places the cached site names greedily so that none overlaps another. Everything
 * that depends only on the snapshot (buckets, draw order, maintenance marks) is computed when the
 * snapshot arrives, into arrays sized once per topology: a frame allocates nothing but its
 * render nodes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-network-layer.h"

#include <glib/gi18n.h>

#include "pm-health-palette.h"
#include "pm-health.h"
#include "pm-map-private.h"

/* Label placement works on a grid of this many pixels a cell. */
#define GRID_CELL 4
/* Pixels beyond the layer's edge in which segments and sites are still drawn (line casings). */
#define CULL_MARGIN 12
/* Pixels of background left and right of a site's name. */
#define LABEL_PAD 3

struct _PmNetworkLayer
{
  ShumateLayer parent_instance;

  PmSnapshot  *snapshot;
  PmTopology  *topology;     /* of the cached arrays below */
  int          selected_segment;
  int          selected_site;
  gboolean     show_events;

  /* The last frame's lines and dots, rasterised: a frame with the same snapshot, selection,
   * size and viewport paints this texture instead of thousands of antialiased strokes again. */
  GdkTexture  *drawn;
  PmMapProjection drawn_projection;
  int          drawn_width;
  int          drawn_height;
  int          drawn_scale;
  guint        drawn_n;      /* n_drawn of that frame */

  /* Per site, sized once per topology. */
  guint        n_sites;
  double      *site_lon;
  double      *site_merc;
  double      *site_x;       /* this frame's pixels */
  double      *site_y;
  guint8      *site_bucket;
  guint       *site_order;   /* dots by bucket, riskiest last (on top) */
  guint       *label_order;  /* names by priority: origin, then most at risk */
  GPtrArray   *site_labels;  /* PangoLayout per site */
  int         *label_width;
  int         *label_height;

  /* Per segment. */
  guint        n_segments;
  guint8      *segment_bucket;
  gboolean    *segment_down;
  gboolean    *segment_maintenance;
  guint       *segment_order; /* by bucket, riskiest then down ones last */

  /* Label placement grid, sized with the layer. */
  guint8      *grid;
  int          grid_width;
  int          grid_height;

  guint        n_drawn;
  guint        n_labelled;
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

/* Whatever the rasterised lines and dots depend on changed. */
static void
forget_drawn (PmNetworkLayer *self)
{
  g_clear_object (&self->drawn);
}

static void
clear_topology_cache (PmNetworkLayer *self)
{
  forget_drawn (self);
  g_clear_pointer (&self->site_lon, g_free);
  g_clear_pointer (&self->site_merc, g_free);
  g_clear_pointer (&self->site_x, g_free);
  g_clear_pointer (&self->site_y, g_free);
  g_clear_pointer (&self->site_bucket, g_free);
  g_clear_pointer (&self->site_order, g_free);
  g_clear_pointer (&self->label_order, g_free);
  g_clear_pointer (&self->site_labels, g_ptr_array_unref);
  g_clear_pointer (&self->label_width, g_free);
  g_clear_pointer (&self->label_height, g_free);
  g_clear_pointer (&self->segment_bucket, g_free);
  g_clear_pointer (&self->segment_down, g_free);
  g_clear_pointer (&self->segment_maintenance, g_free);
  g_clear_pointer (&self->segment_order, g_free);
  self->n_sites = 0;
  self->n_segments = 0;
  self->topology = NULL;
}

/* Site names are laid out once per topology; a frame only positions them. */
static void
build_topology_cache (PmNetworkLayer *self,
                      PmTopology     *topology)
{
  clear_topology_cache (self);
  self->topology = topology;
  self->n_sites = pm_topology_get_n_sites (topology);
  self->n_segments = pm_topology_get_n_segments (topology);
  self->site_lon = g_new (double, self->n_sites);
  self->site_merc = g_new (double, self->n_sites);
  self->site_x = g_new0 (double, self->n_sites);
  self->site_y = g_new0 (double, self->n_sites);
  self->site_bucket = g_new0 (guint8, self->n_sites);
  self->site_order = g_new (guint, self->n_sites);
  self->label_order = g_new (guint, self->n_sites);
  self->label_width = g_new (int, self->n_sites);
  self->label_height = g_new (int, self->n_sites);
  self->site_labels = g_ptr_array_new_full (self->n_sites, g_object_unref);
  for (guint i = 0; i < self->n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), site->name);

      self->site_lon[i] = site->location.lon;
      self->site_merc[i] = _pm_mercator_y (site->location.lat);
      self->site_order[i] = i;
      self->label_order[i] = i;
      pango_layout_get_pixel_size (layout, &self->label_width[i], &self->label_height[i]);
      g_ptr_array_add (self->site_labels, layout);
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

static gboolean
segment_visible (PmNetworkLayer *self,
                 const PmSegment *segment,
                 int             width,
                 int             height)
{
  double ax = self->site_x[segment->a], ay = self->site_y[segment->a];
  double bx = self->site_x[segment->b], by = self->site_y[segment->b];

  return MAX (ax, bx) >= -CULL_MARGIN && MIN (ax, bx) <= width + CULL_MARGIN
         && MAX (ay, by) >= -CULL_MARGIN && MIN (ay, by) <= height + CULL_MARGIN;
}

static gboolean
site_visible (PmNetworkLayer *self,
              guint           site,
              int             width,
              int             height)
{
  double x = self->site_x[site], y = self->site_y[site];
  return x >= -CULL_MARGIN && x <= width + CULL_MARGIN && y >= -CULL_MARGIN
         && y <= height + CULL_MARGIN;
}

static void
draw_weather (PmNetworkLayer *self,
              cairo_t        *cr)
{
  for (guint i = 0; i < self->snapshot->events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (self->snapshot->events, i);
      double alpha = event->severity <= PM_SEVERITY_SEVERE ? 0.30 : 0.17;

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
      cairo_set_source_rgba (cr, 0.45, 0.62, 1.0, 0.85);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
}

static void
add_segment_path (PmNetworkLayer *self,
                  cairo_t        *cr,
                  guint           index)
{
  const PmSegment *segment = pm_topology_get_segment (self->topology, index);

  cairo_move_to (cr, self->site_x[segment->a], self->site_y[segment->a]);
  cairo_line_to (cr, self->site_x[segment->b], self->site_y[segment->b]);
}

static void
draw_segments (PmNetworkLayer *self,
               cairo_t        *cr,
               int             width,
               int             height)
{
  static const double dashes[] = { 9, 5 };
  guint current = G_MAXUINT;
  GdkRGBA down;

  pm_health_palette_down_color (&down);

  /* A dark casing under everything keeps lines legible on light tiles and the dark graticule. */
  for (guint i = 0; i < self->n_segments; i++)
    if (segment_visible (self, pm_topology_get_segment (self->topology, i), width, height))
      {
        add_segment_path (self, cr, i);
        self->n_drawn++;
      }
  cairo_set_source_rgba (cr, 0, 0, 0, 0.65);
  cairo_set_line_width (cr, 6);
  cairo_stroke (cr);

  /* One stroke per colour bucket; the order puts the riskiest on top. */
  cairo_set_line_width (cr, 3.5);
  for (guint k = 0; k < self->n_segments; k++)
    {
      guint i = self->segment_order[k];

      if (self->segment_down[i])
        break;
      if (!segment_visible (self, pm_topology_get_segment (self->topology, i), width, height))
        continue;
      if (self->segment_bucket[i] != current)
        {
          if (current != G_MAXUINT)
            cairo_stroke (cr);
          current = self->segment_bucket[i];
          gdk_cairo_set_source_rgba (cr, pm_health_palette_bucket_color (current));
        }
      add_segment_path (self, cr, i);
    }
  if (current != G_MAXUINT)
    cairo_stroke (cr);

  /* Down now: dark red dashes over a light casing, like barrier tape, whatever the risk says. */
  for (guint k = 0; k < self->n_segments; k++)
    {
      guint i = self->segment_order[k];
      if (self->segment_down[i]
          && segment_visible (self, pm_topology_get_segment (self->topology, i), width, height))
        add_segment_path (self, cr, i);
    }
  cairo_set_source_rgba (cr, 1, 0.92, 0.92, 0.85);
  cairo_set_line_width (cr, 4.5);
  cairo_stroke_preserve (cr);
  cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
  gdk_cairo_set_source_rgba (cr, &down);
  cairo_set_line_width (cr, 4.5);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  if (self->selected_segment >= 0 && (guint) self->selected_segment < self->n_segments)
    {
      add_segment_path (self, cr, (guint) self->selected_segment);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
}

/* A round badge with a spanner in it. */
static void
draw_wrench_badge (cairo_t *cr,
                   double   x,
                   double   y)
{
  cairo_arc (cr, x, y, 9, 0, 2 * G_PI);
  cairo_set_source_rgba (cr, 0.05, 0.25, 0.30, 0.95);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 0.38, 0.86, 0.93);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);

  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_rotate (cr, -G_PI / 4);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, -1.2, -1, 2.4, 7);
  cairo_fill (cr);
  /* The jaw: a ring open at the top. */
  cairo_set_line_width (cr, 2.2);
  cairo_arc (cr, 0, -2.6, 2.6, -G_PI / 2 + 0.7, 3 * G_PI / 2 - 0.7);
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Maintenance: cyan ticks across the segment (hatching) and a spanner badge at its middle. */
static void
draw_maintenance (PmNetworkLayer *self,
                  cairo_t        *cr,
                  int             width,
                  int             height)
{
  for (guint i = 0; i < self->n_segments; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (self->topology, i);
      double ax, ay, bx, by, length, nx, ny;

      if (!self->segment_maintenance[i] || !segment_visible (self, segment, width, height))
        continue;
      ax = self->site_x[segment->a];
      ay = self->site_y[segment->a];
      bx = self->site_x[segment->b];
      by = self->site_y[segment->b];
      length = hypot (bx - ax, by - ay);
      if (length < 1)
        continue;
      nx = -(by - ay) / length;
      ny = (bx - ax) / length;
      for (double d = 6; d < length - 6; d += 9)
        {
          double t = d / length, cx = ax + (bx - ax) * t, cy = ay + (by - ay) * t;
          /* Slanted ticks read as hatching rather than as a railway. */
          double ux = (bx - ax) / length * 3, uy = (by - ay) / length * 3;

          cairo_move_to (cr, cx - nx * 6 - ux, cy - ny * 6 - uy);
          cairo_line_to (cr, cx + nx * 6 + ux, cy + ny * 6 + uy);
        }
      cairo_set_source_rgba (cr, 0.38, 0.86, 0.93, 0.9);
      cairo_set_line_width (cr, 1.6);
      cairo_stroke (cr);
      draw_wrench_badge (cr, (ax + bx) / 2, (ay + by) / 2);
    }
}

static double
site_radius (const PmSite *site)
{
  return site->role == PM_SITE_ROLE_ORIGIN ? 7 : site->role == PM_SITE_ROLE_CORE ? 5.5 : 4.5;
}

static void
draw_sites (PmNetworkLayer *self,
            cairo_t        *cr,
            int             width,
            int             height)
{
  guint current = G_MAXUINT;

  for (guint i = 0; i < self->n_sites; i++)
    if (site_visible (self, i, width, height))
      {
        double r = site_radius (pm_topology_get_site (self->topology, i)) + 1.5;
        cairo_new_sub_path (cr);
        cairo_arc (cr, self->site_x[i], self->site_y[i], r, 0, 2 * G_PI);
      }
  cairo_set_source_rgba (cr, 0, 0, 0, 0.8);
  cairo_fill (cr);

  for (guint k = 0; k < self->n_sites; k++)
    {
      guint i = self->site_order[k];

      if (!site_visible (self, i, width, height))
        continue;
      if (self->site_bucket[i] != current)
        {
          if (current != G_MAXUINT)
            cairo_fill (cr);
          current = self->site_bucket[i];
          gdk_cairo_set_source_rgba (cr, pm_health_palette_bucket_color (current));
        }
      cairo_new_sub_path (cr);
      cairo_arc (cr, self->site_x[i], self->site_y[i],
                 site_radius (pm_topology_get_site (self->topology, i)), 0, 2 * G_PI);
    }
  if (current != G_MAXUINT)
    cairo_fill (cr);

  /* The origin wears a ring; so does the selected site. */
  for (guint i = 0; i < self->n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (self->topology, i);
      if ((site->role == PM_SITE_ROLE_ORIGIN || (int) i == self->selected_site)
          && site_visible (self, i, width, height))
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, self->site_x[i], self->site_y[i], site_radius (site) + 4, 0, 2 * G_PI);
        }
    }
  cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
}

static void
ensure_grid (PmNetworkLayer *self,
             int             width,
             int             height)
{
  int grid_width = (width + GRID_CELL - 1) / GRID_CELL;
  int grid_height = (height + GRID_CELL - 1) / GRID_CELL;

  if (grid_width != self->grid_width || grid_height != self->grid_height)
    {
      g_free (self->grid);
      self->grid = g_new (guint8, (gsize) grid_width * grid_height);
      self->grid_width = grid_width;
      self->grid_height = grid_height;
    }
  memset (self->grid, 0, (gsize) grid_width * grid_height);
}

/* Claims the cells under a rectangle if all are free; a label overlapping another is skipped. */
static gboolean
claim_rect (PmNetworkLayer *self,
            double          x,
            double          y,
            double          w,
            double          h)
{
  int c0 = (int) floor (x / GRID_CELL), c1 = (int) floor ((x + w) / GRID_CELL);
  int r0 = (int) floor (y / GRID_CELL), r1 = (int) floor ((y + h) / GRID_CELL);

  if (c0 < 0 || r0 < 0 || c1 >= self->grid_width || r1 >= self->grid_height)
    return FALSE;
  for (int r = r0; r <= r1; r++)
    for (int c = c0; c <= c1; c++)
      if (self->grid[r * self->grid_width + c])
        return FALSE;
  for (int r = r0; r <= r1; r++)
    memset (&self->grid[r * self->grid_width + c0], 1, (gsize) (c1 - c0 + 1));
  return TRUE;
}

/* Marks the cells under a rectangle, clipped to the grid, whatever was there. */
static void
mark_rect (PmNetworkLayer *self,
           double          x,
           double          y,
           double          w,
           double          h)
{
  int c0 = MAX ((int) floor (x / GRID_CELL), 0);
  int c1 = MIN ((int) floor ((x + w) / GRID_CELL), self->grid_width - 1);
  int r0 = MAX ((int) floor (y / GRID_CELL), 0);
  int r1 = MIN ((int) floor ((y + h) / GRID_CELL), self->grid_height - 1);

  for (int r = r0; r <= r1 && c0 <= c1; r++)
    memset (&self->grid[r * self->grid_width + c0], 1, (gsize) (c1 - c0 + 1));
}

static void
draw_label (GtkSnapshot *snapshot,
            PangoLayout *layout,
            double       x,
            double       y,
            int          w,
            int          h)
{
  static const GdkRGBA background = { 0, 0, 0, 0.62 };
  static const GdkRGBA foreground = { 1, 1, 1, 1 };

  gtk_snapshot_append_color (snapshot, &background,
                             &GRAPHENE_RECT_INIT (x - LABEL_PAD, y, w + 2 * LABEL_PAD, h));
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, &foreground);
  gtk_snapshot_restore (snapshot);
}

/* Tries the right of the dot, then the left, above and below; the first free spot wins. */
static gboolean
place_label (PmNetworkLayer *self,
             guint           site,
             double         *out_x,
             double         *out_y)
{
  double gap = site_radius (pm_topology_get_site (self->topology, site)) + 6;
  double w = self->label_width[site], h = self->label_height[site];
  double sx = self->site_x[site], sy = self->site_y[site];
  const double candidates[4][2] = {
    { sx + gap, sy - h / 2 },
    { sx - gap - w, sy - h / 2 },
    { sx - w / 2, sy - gap - h + 2 },
    { sx - w / 2, sy + gap - 2 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (candidates); c++)
    {
      double x = round (candidates[c][0]), y = round (candidates[c][1]);

      if (claim_rect (self, x - LABEL_PAD, y, w + 2 * LABEL_PAD, h))
        {
          *out_x = x;
          *out_y = y;
          return TRUE;
        }
    }
  return FALSE;
}

/* Names next to their dot, most important first, none overlapping another name or a dot. */
static void
draw_site_labels (PmNetworkLayer *self,
                  GtkSnapshot    *snapshot,
                  int             width,
                  int             height)
{
  ensure_grid (self, width, height);
  /* Dots are claimed first so that no name covers a site. */
  for (guint i = 0; i < self->n_sites; i++)
    if (site_visible (self, i, width, height))
      mark_rect (self, self->site_x[i] - 4, self->site_y[i] - 4, 8, 8);

  for (guint k = 0; k <= self->n_sites; k++)
    {
      /* The selected site's name first, whatever its rank. */
      guint i = k == 0 ? (guint) self->selected_site : self->label_order[k - 1];
      double x, y;

      if (k == 0 && (self->selected_site < 0 || (guint) self->selected_site >= self->n_sites))
        continue;
      if (k > 0 && (int) i == self->selected_site)
        continue;
      if (!site_visible (self, i, width, height))
        continue;
      if (!place_label (self, i, &x, &y))
        continue;
      draw_label (snapshot, g_ptr_array_index (self->site_labels, i), x, y,
                  self->label_width[i], self->label_height[i]);
      self->n_labelled++;
    }
}

static void
pm_network_layer_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  PmNetworkLayer *self = PM_NETWORK_LAYER (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  PmMapProjection projection;
  cairo_surface_t *surface;
  g_autoptr(GBytes) bytes = NULL;
  cairo_t *cr;

  self->n_labelled = 0;
  if (self->snapshot == NULL || width <= 0 || height <= 0)
    {
      self->n_drawn = 0;
      return;
    }

  _pm_map_projection_update (&projection, shumate_layer_get_viewport (SHUMATE_LAYER (self)),
                             widget);
  for (guint i = 0; i < self->n_sites; i++)
    _pm_map_project (&projection, self->site_lon[i], self->site_merc[i], &self->site_x[i],
                     &self->site_y[i]);

  if (self->drawn != NULL && width == self->drawn_width && height == self->drawn_height
      && scale == self->drawn_scale
      && memcmp (&projection, &self->drawn_projection, sizeof projection) == 0)
    {
      self->n_drawn = self->drawn_n;
      gtk_snapshot_append_texture (snapshot, self->drawn,
                                   &GRAPHENE_RECT_INIT (0, 0, width, height));
      draw_site_labels (self, snapshot, width, height);
      return;
    }

  /* Into an image of our own rather than a cairo node: a cairo node is replayed (rasterised
   * again) at every frame the map is redrawn, by either renderer; a texture is not. */
  forget_drawn (self);
  self->n_drawn = 0;
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  /* Every segment ends under a site's dot, so square ends look the same as round ones and cost
   * far less to rasterise. */
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  if (self->show_events)
    draw_weather (self, cr);
  draw_segments (self, cr, width, height);
  if (self->show_events)
    draw_maintenance (self, cr, width, height);
  draw_sites (self, cr, width, height);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  /* Cairo's ARGB32 is premultiplied native-endian 32-bit, which GDK_MEMORY_DEFAULT names. */
  bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (surface),
                                      (gsize) cairo_image_surface_get_stride (surface)
                                        * (gsize) (height * scale),
                                      (GDestroyNotify) cairo_surface_destroy, surface);
  self->drawn = gdk_memory_texture_new (width * scale, height * scale, GDK_MEMORY_DEFAULT, bytes,
                                        (gsize) cairo_image_surface_get_stride (surface));
  self->drawn_projection = projection;
  self->drawn_width = width;
  self->drawn_height = height;
  self->drawn_scale = scale;
  self->drawn_n = self->n_drawn;
  gtk_snapshot_append_texture (snapshot, self->drawn, &GRAPHENE_RECT_INIT (0, 0, width, height));

  draw_site_labels (self, snapshot, width, height);
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
pm_network_layer_finalize (GObject *object)
{
  PmNetworkLayer *self = PM_NETWORK_LAYER (object);

  g_free (self->grid);

  G_OBJECT_CLASS (pm_network_layer_parent_class)->finalize (object);
}

static void
pm_network_layer_class_init (PmNetworkLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = pm_network_layer_constructed;
  object_class->dispose = pm_network_layer_dispose;
  object_class->finalize = pm_network_layer_finalize;
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
  forget_drawn (self);
  if (snapshot == NULL)
    clear_topology_cache (self);
  else
    {
      if (snapshot->topology != self->topology)
        build_topology_cache (self, snapshot->topology);
      update_from_snapshot (self);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
pm_network_layer_set_selection (PmNetworkLayer *self,
                                int             site,
                                int             segment)
{
  g_return_if_fail (PM_IS_NETWORK_LAYER (self));

  self->selected_site = site;
  self->selected_segment = segment;
  forget_drawn (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Weather polygons and maintenance marks on or off; the segments keep their risk colours. */
void
pm_network_layer_set_show_events (PmNetworkLayer *self,
                                  gboolean        show_events)
{
  g_return_if_fail (PM_IS_NETWORK_LAYER (self));

  self->show_events = show_events;
  forget_drawn (self);
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

/* How many segments the last frame drew (those in view); the GUI tests check that the fitted
 * map holds the whole network. */
guint
pm_network_layer_get_n_drawn (PmNetworkLayer *self)
{
  return self->n_drawn;
}

/* How many site names the last frame showed (the others overlapped or were out of view). */
guint
pm_network_layer_get_n_labelled (PmNetworkLayer *self)
{
  return self->n_labelled;
}

/* How many sites have a name ready to draw: every site of the topology. */
guint
pm_network_layer_get_n_site_labels (PmNetworkLayer *self)
{
  return self->site_labels != NULL ? self->site_labels->len : 0;
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
