/* pm-graticule-layer.c: background and lat/lon grid.
 *
 * Lines are found by sampling the viewport's corners, so the layer works at any zoom without
 * knowing the projection; the spacing halves as the visible span shrinks to keep 4–12 lines.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-graticule-layer.h"

#include <math.h>

struct _PmGraticuleLayer
{
  ShumateLayer parent_instance;
};

G_DEFINE_TYPE (PmGraticuleLayer, pm_graticule_layer, SHUMATE_TYPE_LAYER)

static double
grid_spacing (double span_degrees)
{
  static const double steps[] = { 30, 20, 10, 5, 2, 1, 0.5, 0.25, 0.1 };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (span_degrees / steps[i] >= 4)
      return steps[i];
  return steps[G_N_ELEMENTS (steps) - 1];
}

static void
draw_label (cairo_t    *cr,
            double      x,
            double      y,
            const char *text)
{
  cairo_move_to (cr, x, y);
  cairo_show_text (cr, text);
}

static void
pm_graticule_layer_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (widget));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  double north, west, south, east, spacing;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  shumate_viewport_widget_coords_to_location (viewport, widget, 0, 0, &north, &west);
  shumate_viewport_widget_coords_to_location (viewport, widget, width, height, &south, &east);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_source_rgb (cr, 0.075, 0.090, 0.118);
  cairo_paint (cr);

  cairo_set_line_width (cr, 1);
  cairo_select_font_face (cr, "Cantarell", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10);

  spacing = grid_spacing (MAX (fabs (east - west), fabs (north - south)));
  for (double lon = floor (MIN (west, east) / spacing) * spacing; lon <= MAX (west, east);
       lon += spacing)
    {
      double x, y;
      char label[32];

      shumate_viewport_location_to_widget_coords (viewport, widget, (north + south) / 2, lon, &x,
                                                  &y);
      cairo_set_source_rgba (cr, 0.45, 0.55, 0.70, fmod (lon, spacing * 2) == 0 ? 0.30 : 0.16);
      cairo_move_to (cr, round (x) + 0.5, 0);
      cairo_line_to (cr, round (x) + 0.5, height);
      cairo_stroke (cr);
      g_snprintf (label, sizeof label, "%g°%s", fabs (lon), lon < 0 ? "W" : lon > 0 ? "E" : "");
      cairo_set_source_rgba (cr, 0.60, 0.68, 0.80, 0.7);
      draw_label (cr, x + 3, height - 6, label);
    }
  for (double lat = floor (MIN (north, south) / spacing) * spacing; lat <= MAX (north, south);
       lat += spacing)
    {
      double x, y;
      char label[32];

      if (lat < -85 || lat > 85)
        continue;
      shumate_viewport_location_to_widget_coords (viewport, widget, lat, (west + east) / 2, &x,
                                                  &y);
      cairo_set_source_rgba (cr, 0.45, 0.55, 0.70, fmod (lat, spacing * 2) == 0 ? 0.30 : 0.16);
      cairo_move_to (cr, 0, round (y) + 0.5);
      cairo_line_to (cr, width, round (y) + 0.5);
      cairo_stroke (cr);
      g_snprintf (label, sizeof label, "%g°%s", fabs (lat), lat < 0 ? "S" : lat > 0 ? "N" : "");
      cairo_set_source_rgba (cr, 0.60, 0.68, 0.80, 0.7);
      draw_label (cr, 4, y - 3, label);
    }
  cairo_destroy (cr);
}

static void
pm_graticule_layer_constructed (GObject *object)
{
  G_OBJECT_CLASS (pm_graticule_layer_parent_class)->constructed (object);

  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (object)), "notify",
                           G_CALLBACK (gtk_widget_queue_draw), object, G_CONNECT_SWAPPED);
}

static void
pm_graticule_layer_class_init (PmGraticuleLayerClass *klass)
{
  G_OBJECT_CLASS (klass)->constructed = pm_graticule_layer_constructed;
  GTK_WIDGET_CLASS (klass)->snapshot = pm_graticule_layer_snapshot;
}

static void
pm_graticule_layer_init (PmGraticuleLayer *self)
{
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

PmGraticuleLayer *
pm_graticule_layer_new (ShumateViewport *viewport)
{
  return g_object_new (PM_TYPE_GRATICULE_LAYER, "viewport", viewport, NULL);
}
