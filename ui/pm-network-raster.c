/* pm-network-raster.c: the network's lines, dots and names drawn into an image.
 *
 * The map's network layer shows the last image while the next one is drawn here, in a worker
 * thread: thousands of antialiased strokes and a thousand names take tens of milliseconds, which
 * the main loop cannot spare once a second. Segment casings are stroked as one path and the
 * segments as one path per colour bucket, site dots likewise, and site names are placed greedily
 * so that none overlaps another name or a dot.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-network-raster.h"

#include <pango/pangocairo.h>

#include "pm-background.h"
#include "pm-health-palette.h"

/* Label placement works on a grid of this many pixels a cell. */
#define GRID_CELL 4
/* Pixels beyond the image's edge in which segments and sites are still drawn (line casings). */
#define CULL_MARGIN 12
/* Pixels of background left and right of a site's name. */
#define LABEL_PAD 3

struct _PmNetworkLabels
{
  PmTopology           *topology;
  PangoFontDescription *font;
  double                resolution;
  /* Made in the drawing thread on first use: a font map of their own, so that no other thread
   * ever shares it. */
  PangoFontMap         *font_map;
  PangoContext         *context;
  GPtrArray            *layouts;  /* PangoLayout per site */
  int                  *width;
  int                  *height;
};

/* Site names */

PmNetworkLabels *
pm_network_labels_new (PmTopology                 *topology,
                       const PangoFontDescription *font,
                       double                      resolution)
{
  PmNetworkLabels *labels = g_atomic_rc_box_new0 (PmNetworkLabels);

  labels->topology = g_object_ref (topology);
  labels->font = pango_font_description_copy (font);
  labels->resolution = resolution;
  return labels;
}

PmNetworkLabels *
pm_network_labels_ref (PmNetworkLabels *labels)
{
  return g_atomic_rc_box_acquire (labels);
}

static void
labels_clear (PmNetworkLabels *labels)
{
  g_clear_pointer (&labels->layouts, g_ptr_array_unref);
  g_clear_object (&labels->context);
  g_clear_object (&labels->font_map);
  g_clear_pointer (&labels->font, pango_font_description_free);
  g_clear_object (&labels->topology);
  g_free (labels->width);
  g_free (labels->height);
}

void
pm_network_labels_unref (PmNetworkLabels *labels)
{
  g_atomic_rc_box_release_full (labels, (GDestroyNotify) labels_clear);
}

static void
labels_ensure_layouts (PmNetworkLabels *labels)
{
  guint n_sites;

  if (labels->layouts != NULL)
    return;
  n_sites = pm_topology_get_n_sites (labels->topology);
  labels->font_map = pango_cairo_font_map_new ();
  labels->context = pango_font_map_create_context (labels->font_map);
  pango_cairo_context_set_resolution (labels->context, labels->resolution);
  pango_context_set_font_description (labels->context, labels->font);
  labels->layouts = g_ptr_array_new_full (n_sites, g_object_unref);
  labels->width = g_new (int, n_sites);
  labels->height = g_new (int, n_sites);
  for (guint i = 0; i < n_sites; i++)
    {
      PangoLayout *layout = pango_layout_new (labels->context);

      pango_layout_set_text (layout, pm_topology_get_site (labels->topology, i)->name, -1);
      pango_layout_get_pixel_size (layout, &labels->width[i], &labels->height[i]);
      g_ptr_array_add (labels->layouts, layout);
    }
}

/* Frames */

PmNetworkFrame *
pm_network_frame_new (PmSnapshot      *snapshot,
                      PmNetworkLabels *labels)
{
  PmNetworkFrame *frame = g_new0 (PmNetworkFrame, 1);
  PmTopology *topology = snapshot->topology;

  frame->snapshot = pm_snapshot_ref (snapshot);
  frame->labels = pm_network_labels_ref (labels);
  frame->selected_site = -1;
  frame->selected_segment = -1;
  frame->n_sites = pm_topology_get_n_sites (topology);
  frame->site_x = g_new0 (double, frame->n_sites);
  frame->site_y = g_new0 (double, frame->n_sites);
  frame->site_bucket = g_new0 (guint8, frame->n_sites);
  frame->site_order = g_new0 (guint, frame->n_sites);
  frame->label_order = g_new0 (guint, frame->n_sites);
  frame->n_segments = pm_topology_get_n_segments (topology);
  frame->segment_bucket = g_new0 (guint8, frame->n_segments);
  frame->segment_down = g_new0 (gboolean, frame->n_segments);
  frame->segment_maintenance = g_new0 (gboolean, frame->n_segments);
  frame->segment_order = g_new0 (guint, frame->n_segments);
  return frame;
}

void
pm_network_frame_free (PmNetworkFrame *frame)
{
  g_clear_pointer (&frame->snapshot, pm_snapshot_unref);
  g_clear_pointer (&frame->labels, pm_network_labels_unref);
  g_free (frame->site_x);
  g_free (frame->site_y);
  g_free (frame->site_bucket);
  g_free (frame->site_order);
  g_free (frame->label_order);
  g_free (frame->segment_bucket);
  g_free (frame->segment_down);
  g_free (frame->segment_maintenance);
  g_free (frame->segment_order);
  g_free (frame);
}

void
pm_network_image_clear (PmNetworkImage *image)
{
  g_clear_pointer (&image->surface, cairo_surface_destroy);
  image->n_drawn = 0;
  image->n_labelled = 0;
}

/* Drawing */

static gboolean
segment_visible (const PmNetworkFrame *frame,
                 const PmSegment      *segment,
                 int                   width,
                 int                   height)
{
  double ax = frame->site_x[segment->a], ay = frame->site_y[segment->a];
  double bx = frame->site_x[segment->b], by = frame->site_y[segment->b];

  return MAX (ax, bx) >= -CULL_MARGIN && MIN (ax, bx) <= width + CULL_MARGIN
         && MAX (ay, by) >= -CULL_MARGIN && MIN (ay, by) <= height + CULL_MARGIN;
}

static gboolean
site_visible (const PmNetworkFrame *frame,
              guint                 site,
              int                   width,
              int                   height)
{
  double x = frame->site_x[site], y = frame->site_y[site];
  return x >= -CULL_MARGIN && x <= width + CULL_MARGIN && y >= -CULL_MARGIN
         && y <= height + CULL_MARGIN;
}

static void
draw_weather (const PmNetworkFrame *frame,
              cairo_t              *cr)
{
  for (guint i = 0; i < frame->snapshot->events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (frame->snapshot->events, i);
      double alpha = event->severity <= PM_SEVERITY_SEVERE ? 0.30 : 0.17;

      if (event->kind != PM_EVENT_WEATHER || event->n_polygon < 3)
        continue;
      for (guint p = 0; p < event->n_polygon; p++)
        {
          double x, y;
          _pm_map_project (&frame->projection, event->polygon[p].lon,
                           _pm_mercator_y (event->polygon[p].lat), &x, &y);
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
add_segment_path (const PmNetworkFrame *frame,
                  cairo_t              *cr,
                  guint                 index)
{
  const PmSegment *segment = pm_topology_get_segment (frame->snapshot->topology, index);

  cairo_move_to (cr, frame->site_x[segment->a], frame->site_y[segment->a]);
  cairo_line_to (cr, frame->site_x[segment->b], frame->site_y[segment->b]);
}

static void
draw_segments (const PmNetworkFrame *frame,
               cairo_t              *cr,
               int                   width,
               int                   height,
               PmNetworkImage       *image)
{
  static const double dashes[] = { 9, 5 };
  guint current = G_MAXUINT;
  GdkRGBA down;

  pm_health_palette_down_color (&down);

  /* A dark casing under everything keeps lines legible on light tiles and the dark graticule. */
  for (guint i = 0; i < frame->n_segments; i++)
    if (segment_visible (frame, pm_topology_get_segment (frame->snapshot->topology, i), width, height))
      {
        add_segment_path (frame, cr, i);
        image->n_drawn++;
      }
  cairo_set_source_rgba (cr, 0, 0, 0, 0.65);
  cairo_set_line_width (cr, 6);
  cairo_stroke (cr);

  /* One stroke per colour bucket; the order puts the riskiest on top. */
  cairo_set_line_width (cr, 3.5);
  for (guint k = 0; k < frame->n_segments; k++)
    {
      guint i = frame->segment_order[k];

      if (frame->segment_down[i])
        break;
      if (!segment_visible (frame, pm_topology_get_segment (frame->snapshot->topology, i), width, height))
        continue;
      if (frame->segment_bucket[i] != current)
        {
          if (current != G_MAXUINT)
            cairo_stroke (cr);
          current = frame->segment_bucket[i];
          gdk_cairo_set_source_rgba (cr, pm_health_palette_bucket_color (current));
        }
      add_segment_path (frame, cr, i);
    }
  if (current != G_MAXUINT)
    cairo_stroke (cr);

  /* Down now: dark red dashes over a light casing, like barrier tape, whatever the risk says. */
  for (guint k = 0; k < frame->n_segments; k++)
    {
      guint i = frame->segment_order[k];
      if (frame->segment_down[i]
          && segment_visible (frame, pm_topology_get_segment (frame->snapshot->topology, i), width, height))
        add_segment_path (frame, cr, i);
    }
  cairo_set_source_rgba (cr, 1, 0.92, 0.92, 0.85);
  cairo_set_line_width (cr, 4.5);
  cairo_stroke_preserve (cr);
  cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
  gdk_cairo_set_source_rgba (cr, &down);
  cairo_set_line_width (cr, 4.5);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);

  if (frame->selected_segment >= 0 && (guint) frame->selected_segment < frame->n_segments)
    {
      add_segment_path (frame, cr, (guint) frame->selected_segment);
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
draw_maintenance (const PmNetworkFrame *frame,
                  cairo_t              *cr,
                  int                   width,
                  int                   height)
{
  for (guint i = 0; i < frame->n_segments; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (frame->snapshot->topology, i);
      double ax, ay, bx, by, length, nx, ny;

      if (!frame->segment_maintenance[i] || !segment_visible (frame, segment, width, height))
        continue;
      ax = frame->site_x[segment->a];
      ay = frame->site_y[segment->a];
      bx = frame->site_x[segment->b];
      by = frame->site_y[segment->b];
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
draw_sites (const PmNetworkFrame *frame,
            cairo_t              *cr,
            int                   width,
            int                   height)
{
  guint current = G_MAXUINT;

  for (guint i = 0; i < frame->n_sites; i++)
    if (site_visible (frame, i, width, height))
      {
        double r = site_radius (pm_topology_get_site (frame->snapshot->topology, i)) + 1.5;
        cairo_new_sub_path (cr);
        cairo_arc (cr, frame->site_x[i], frame->site_y[i], r, 0, 2 * G_PI);
      }
  cairo_set_source_rgba (cr, 0, 0, 0, 0.8);
  cairo_fill (cr);

  for (guint k = 0; k < frame->n_sites; k++)
    {
      guint i = frame->site_order[k];

      if (!site_visible (frame, i, width, height))
        continue;
      if (frame->site_bucket[i] != current)
        {
          if (current != G_MAXUINT)
            cairo_fill (cr);
          current = frame->site_bucket[i];
          gdk_cairo_set_source_rgba (cr, pm_health_palette_bucket_color (current));
        }
      cairo_new_sub_path (cr);
      cairo_arc (cr, frame->site_x[i], frame->site_y[i],
                 site_radius (pm_topology_get_site (frame->snapshot->topology, i)), 0, 2 * G_PI);
    }
  if (current != G_MAXUINT)
    cairo_fill (cr);

  /* The origin wears a ring; so does the selected site. */
  for (guint i = 0; i < frame->n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (frame->snapshot->topology, i);
      if ((site->role == PM_SITE_ROLE_ORIGIN || (int) i == frame->selected_site)
          && site_visible (frame, i, width, height))
        {
          cairo_new_sub_path (cr);
          cairo_arc (cr, frame->site_x[i], frame->site_y[i], site_radius (site) + 4, 0, 2 * G_PI);
        }
    }
  cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
}

/* Label placement works on a grid of GRID_CELL pixels a cell. */
typedef struct
{
  guint8 *cells;
  int     width;
  int     height;
} LabelGrid;

/* Claims the cells under a rectangle if all are free; a label overlapping another is skipped. */
static gboolean
claim_rect (LabelGrid *grid,
            double     x,
            double     y,
            double     w,
            double     h)
{
  int c0 = (int) floor (x / GRID_CELL), c1 = (int) floor ((x + w) / GRID_CELL);
  int r0 = (int) floor (y / GRID_CELL), r1 = (int) floor ((y + h) / GRID_CELL);

  if (c0 < 0 || r0 < 0 || c1 >= grid->width || r1 >= grid->height)
    return FALSE;
  for (int r = r0; r <= r1; r++)
    for (int c = c0; c <= c1; c++)
      if (grid->cells[r * grid->width + c])
        return FALSE;
  for (int r = r0; r <= r1; r++)
    memset (&grid->cells[r * grid->width + c0], 1, (gsize) (c1 - c0 + 1));
  return TRUE;
}

/* Marks the cells under a rectangle, clipped to the grid, whatever was there. */
static void
mark_rect (LabelGrid *grid,
           double     x,
           double     y,
           double     w,
           double     h)
{
  int c0 = MAX ((int) floor (x / GRID_CELL), 0);
  int c1 = MIN ((int) floor ((x + w) / GRID_CELL), grid->width - 1);
  int r0 = MAX ((int) floor (y / GRID_CELL), 0);
  int r1 = MIN ((int) floor ((y + h) / GRID_CELL), grid->height - 1);

  for (int r = r0; r <= r1 && c0 <= c1; r++)
    memset (&grid->cells[r * grid->width + c0], 1, (gsize) (c1 - c0 + 1));
}

static void
draw_label (cairo_t     *cr,
            PangoLayout *layout,
            double       x,
            double       y,
            int          w,
            int          h)
{
  cairo_rectangle (cr, x - LABEL_PAD, y, w + 2 * LABEL_PAD, h);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.62);
  cairo_fill (cr);
  cairo_move_to (cr, x, y);
  cairo_set_source_rgb (cr, 1, 1, 1);
  pango_cairo_show_layout (cr, layout);
}

/* Tries the right of the dot, then the left, above and below; the first free spot wins. */
static gboolean
place_label (const PmNetworkFrame *frame,
             LabelGrid            *grid,
             guint                 site,
             double               *out_x,
             double               *out_y)
{
  double gap = site_radius (pm_topology_get_site (frame->snapshot->topology, site)) + 6;
  double w = frame->labels->width[site], h = frame->labels->height[site];
  double sx = frame->site_x[site], sy = frame->site_y[site];
  const double candidates[4][2] = {
    { sx + gap, sy - h / 2 },
    { sx - gap - w, sy - h / 2 },
    { sx - w / 2, sy - gap - h + 2 },
    { sx - w / 2, sy + gap - 2 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (candidates); c++)
    {
      double x = round (candidates[c][0]), y = round (candidates[c][1]);

      if (claim_rect (grid, x - LABEL_PAD, y, w + 2 * LABEL_PAD, h))
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
draw_site_labels (const PmNetworkFrame *frame,
                  cairo_t              *cr,
                  int                   width,
                  int                   height,
                  PmNetworkImage       *image)
{
  LabelGrid grid = {
    .width = (width + GRID_CELL - 1) / GRID_CELL,
    .height = (height + GRID_CELL - 1) / GRID_CELL,
  };

  labels_ensure_layouts (frame->labels);
  grid.cells = g_new0 (guint8, (gsize) grid.width * grid.height);
  /* Dots are claimed first so that no name covers a site. */
  for (guint i = 0; i < frame->n_sites; i++)
    if (site_visible (frame, i, width, height))
      mark_rect (&grid, frame->site_x[i] - 4, frame->site_y[i] - 4, 8, 8);

  for (guint k = 0; k <= frame->n_sites; k++)
    {
      /* The selected site's name first, whatever its rank. */
      guint i = k == 0 ? (guint) frame->selected_site : frame->label_order[k - 1];
      double x, y;

      if (k == 0 && (frame->selected_site < 0 || (guint) frame->selected_site >= frame->n_sites))
        continue;
      if (k > 0 && (int) i == frame->selected_site)
        continue;
      if (!site_visible (frame, i, width, height))
        continue;
      if (!place_label (frame, &grid, i, &x, &y))
        continue;
      draw_label (cr, g_ptr_array_index (frame->labels->layouts, i), x, y,
                  frame->labels->width[i], frame->labels->height[i]);
      image->n_labelled++;
    }
  g_free (grid.cells);
}

void
pm_network_raster_draw (const PmNetworkFrame *frame,
                        PmNetworkImage       *image)
{
  int width = frame->width, height = frame->height, scale = frame->scale;
  cairo_surface_t *surface;
  cairo_t *cr;

  pm_network_image_clear (image);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width * scale, height * scale);
  cairo_surface_set_device_scale (surface, scale, scale);
  cr = cairo_create (surface);
  /* Every segment ends under a site's dot, so square ends look the same as round ones and cost
   * far less to rasterise. */
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_BUTT);
  if (frame->show_events)
    draw_weather (frame, cr);
  draw_segments (frame, cr, width, height, image);
  if (frame->show_events)
    draw_maintenance (frame, cr, width, height);
  draw_sites (frame, cr, width, height);
  draw_site_labels (frame, cr, width, height, image);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  image->surface = surface;
}

static void
image_free (gpointer data)
{
  PmNetworkImage *image = data;

  pm_network_image_clear (image);
  g_free (image);
}

static void
raster_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  PmNetworkImage *image = g_new0 (PmNetworkImage, 1);

  pm_network_raster_draw (task_data, image);
  g_task_return_pointer (task, image, image_free);
}

void
pm_network_raster_async (PmNetworkFrame      *frame,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, callback, user_data);

  g_task_set_source_tag (task, pm_network_raster_async);
  g_task_set_task_data (task, frame, (GDestroyNotify) pm_network_frame_free);
  pm_background_run_in_thread (task, raster_thread);
}

gboolean
pm_network_raster_finish (GAsyncResult   *result,
                          PmNetworkImage *image)
{
  PmNetworkImage *done = g_task_propagate_pointer (G_TASK (result), NULL);

  if (done == NULL)
    return FALSE;
  *image = *done;
  g_free (done);
  return TRUE;
}
