/* pm-map-private.h: the map layers' shared projection from latitude/longitude to pixels.
 *
 * Web Mercator under the viewport's pan, zoom and rotation is an affine map of (longitude,
 * Mercator y), so three calls into the viewport per frame give the whole transform; the layers
 * then place thousands of points with a multiply-add each instead of a viewport call each.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <math.h>
#include <string.h>
#include <shumate/shumate.h>

G_BEGIN_DECLS

typedef struct
{
  double xx, xy, x0;
  double yx, yy, y0;
} PmMapProjection;

/* Latitude in degrees to the Mercator ordinate (radians); sites store it once per topology. */
static inline double
_pm_mercator_y (double latitude)
{
  return asinh (tan (latitude * G_PI / 180));
}

static inline void
_pm_map_projection_update (PmMapProjection *projection,
                           ShumateViewport *viewport,
                           GtkWidget       *widget)
{
  const double reference_lat = 10;
  double m = _pm_mercator_y (reference_lat);
  double x0, y0, x1, y1, x2, y2;

  shumate_viewport_location_to_widget_coords (viewport, widget, 0, 0, &x0, &y0);
  shumate_viewport_location_to_widget_coords (viewport, widget, 0, 1, &x1, &y1);
  shumate_viewport_location_to_widget_coords (viewport, widget, reference_lat, 0, &x2, &y2);
  projection->xx = x1 - x0;
  projection->yx = y1 - y0;
  projection->xy = (x2 - x0) / m;
  projection->yy = (y2 - y0) / m;
  projection->x0 = x0;
  projection->y0 = y0;
}

static inline void
_pm_map_project (const PmMapProjection *projection,
                 double                 longitude,
                 double                 mercator_y,
                 double                *x,
                 double                *y)
{
  *x = projection->xx * longitude + projection->xy * mercator_y + projection->x0;
  *y = projection->yx * longitude + projection->yy * mercator_y + projection->y0;
}

/* What a layer's image is drawn for: the projection and the layer's size. */
typedef struct
{
  PmMapProjection projection;
  int             width;
  int             height;
  int             scale;
} PmMapLayerView;

/* The layer's current view; FALSE while it has no size. */
static inline gboolean
_pm_map_layer_view_get (ShumateLayer   *layer,
                        PmMapLayerView *view)
{
  GtkWidget *widget = GTK_WIDGET (layer);

  view->width = gtk_widget_get_width (widget);
  view->height = gtk_widget_get_height (widget);
  view->scale = gtk_widget_get_scale_factor (widget);
  if (view->width <= 0 || view->height <= 0)
    return FALSE;
  _pm_map_projection_update (&view->projection, shumate_layer_get_viewport (layer), widget);
  return TRUE;
}

static inline gboolean
_pm_map_layer_view_equal (const PmMapLayerView *a,
                          const PmMapLayerView *b)
{
  return a->width == b->width && a->height == b->height && a->scale == b->scale
         && memcmp (&a->projection, &b->projection, sizeof a->projection) == 0;
}

/* The affine map from the pixels of one projection to those of another (pixels → longitude and
 * Mercator y → pixels): an image drawn for a past view, moved and scaled with the map. FALSE
 * when the first projection cannot be inverted. */
static inline gboolean
_pm_map_projection_transform (const PmMapProjection *from,
                              const PmMapProjection *to,
                              graphene_matrix_t     *matrix)
{
  double det = from->xx * from->yy - from->xy * from->yx;
  double ixx, ixy, iyx, iyy, ax, bx, ay, by;

  if (fabs (det) < 1e-12)
    return FALSE;
  ixx = from->yy / det;
  ixy = -from->xy / det;
  iyx = -from->yx / det;
  iyy = from->xx / det;
  ax = to->xx * ixx + to->xy * iyx;
  bx = to->xx * ixy + to->xy * iyy;
  ay = to->yx * ixx + to->yy * iyx;
  by = to->yx * ixy + to->yy * iyy;
  graphene_matrix_init_from_2d (matrix, ax, ay, bx, by,
                                to->x0 - (ax * from->x0 + bx * from->y0),
                                to->y0 - (ay * from->x0 + by * from->y0));
  return TRUE;
}

/* Appends a node drawn for the projection `from`, where the projection `to` puts it. */
static inline void
_pm_map_append_moved (GtkSnapshot           *snapshot,
                      GskRenderNode         *node,
                      const PmMapProjection *from,
                      const PmMapProjection *to)
{
  graphene_matrix_t matrix;

  if (memcmp (from, to, sizeof *to) == 0)
    {
      gtk_snapshot_append_node (snapshot, node);
      return;
    }
  if (!_pm_map_projection_transform (from, to, &matrix))
    return;
  gtk_snapshot_save (snapshot);
  gtk_snapshot_transform_matrix (snapshot, &matrix);
  gtk_snapshot_append_node (snapshot, node);
  gtk_snapshot_restore (snapshot);
}

/* Frees image surfaces some images later. The render node made from a surface keeps a
 * copy-on-write snapshot of it, and GTK keeps the node until the frame after the next image: a
 * surface freed while its node lives is first copied whole (milliseconds for a map-sized image,
 * on the main thread). Two images later, the node is gone and freeing is just freeing. */
#define PM_MAP_RETIRED_KEPT 4

static inline void
_pm_map_retire_surface (GQueue          *retired,
                        cairo_surface_t *surface)
{
  if (surface == NULL)
    return;
  g_queue_push_tail (retired, surface);
  while (g_queue_get_length (retired) > PM_MAP_RETIRED_KEPT)
    cairo_surface_destroy (g_queue_pop_head (retired));
}

static inline void
_pm_map_free_retired (GQueue *retired)
{
  g_queue_clear_full (retired, (GDestroyNotify) cairo_surface_destroy);
}

/* A render node that paints an image surface, made once and appended at every frame until the
 * image changes. Not a texture node: GTK's cairo renderer copies a texture's pixels into a new
 * surface at every frame, while this node paints the surface itself; the GL renderer keeps the
 * texture it makes for a node as long as the same node comes back. */
static inline GskRenderNode *
_pm_map_node_for_surface (cairo_surface_t       *surface,
                          const graphene_rect_t *bounds)
{
  GskRenderNode *node = gsk_cairo_node_new (bounds);
  cairo_t *cr = gsk_cairo_node_get_draw_context (node);

  cairo_set_source_surface (cr, surface, bounds->origin.x, bounds->origin.y);
  cairo_paint (cr);
  cairo_destroy (cr);
  return node;
}

G_END_DECLS
