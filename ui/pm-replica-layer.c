/* pm-replica-layer.c: a badge above each site that holds the shown resource, its shape telling
 * the replica's state so that it reads without colour: in sync filled, copying or verifying a
 * ring, stale hollow, failed a cross, planned dotted; the origin a square. Each badge carries a
 * label with the site and the state, laid out once when the marks change.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-replica-layer.h"

#include <glib/gi18n.h>
#include <math.h>

#define BADGE_RADIUS 6.5
/* The badge sits above the site's dot, leaving the dot's risk colour visible. */
#define BADGE_OFFSET 17

typedef struct
{
  PmReplicaMark mark;
  PmLatLon      location;
  PangoLayout  *label;
} Mark;

struct _PmReplicaLayer
{
  ShumateLayer parent_instance;

  GArray      *marks;  /* Mark */
  guint        n_replicas;
};

G_DEFINE_TYPE (PmReplicaLayer, pm_replica_layer, SHUMATE_TYPE_LAYER)

static const GdkRGBA badge_color = { 0.60, 0.76, 0.95, 1 };
static const GdkRGBA failed_color = { 1.0, 0.48, 0.39, 1 };

static void
clear_mark (gpointer data)
{
  Mark *mark = data;
  g_clear_object (&mark->label);
}

const char *
pm_replica_state_to_label (PmReplicaState state)
{
  switch (state)
    {
    case PM_REPLICA_PLANNED: return _("planned");
    case PM_REPLICA_COPYING: return _("copying");
    case PM_REPLICA_VERIFYING: return _("verifying");
    case PM_REPLICA_IN_SYNC: return _("in sync");
    case PM_REPLICA_STALE: return _("stale");
    case PM_REPLICA_RETIRING: return _("retiring");
    case PM_REPLICA_GONE: return _("gone");
    case PM_REPLICA_FAILED: return _("failed");
    default: return _("unknown");
    }
}

static void
draw_badge (cairo_t         *cr,
            const PmReplicaMark *mark,
            double           x,
            double           y)
{
  static const double dots[] = { 1.5, 2.5 };
  static const double dashes[] = { 3, 2 };
  double r = BADGE_RADIUS;

  /* Shadow: a dark disc, so that hollow shapes still read on light tiles. */
  cairo_arc (cr, x, y, r + 2.5, 0, 2 * G_PI);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.55);
  cairo_fill (cr);

  gdk_cairo_set_source_rgba (cr, &badge_color);
  if (mark->origin)
    {
      cairo_rectangle (cr, x - r, y - r, 2 * r, 2 * r);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      return;
    }
  switch (mark->state)
    {
    case PM_REPLICA_IN_SYNC:
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      cairo_fill (cr);
      break;
    case PM_REPLICA_COPYING:
    case PM_REPLICA_VERIFYING:
      cairo_set_line_width (cr, 3);
      cairo_arc (cr, x, y, r - 1.5, 0, 2 * G_PI);
      cairo_stroke (cr);
      /* Verifying: a dot in the ring, the copy has arrived. */
      if (mark->state == PM_REPLICA_VERIFYING)
        {
          cairo_arc (cr, x, y, 1.8, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      break;
    case PM_REPLICA_STALE:
    case PM_REPLICA_RETIRING:
      cairo_set_line_width (cr, 1.5);
      if (mark->state == PM_REPLICA_RETIRING)
        cairo_set_dash (cr, dashes, G_N_ELEMENTS (dashes), 0);
      cairo_arc (cr, x, y, r - 0.75, 0, 2 * G_PI);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      break;
    case PM_REPLICA_FAILED:
      gdk_cairo_set_source_rgba (cr, &failed_color);
      cairo_set_line_width (cr, 3);
      cairo_move_to (cr, x - r + 1.5, y - r + 1.5);
      cairo_line_to (cr, x + r - 1.5, y + r - 1.5);
      cairo_move_to (cr, x + r - 1.5, y - r + 1.5);
      cairo_line_to (cr, x - r + 1.5, y + r - 1.5);
      cairo_stroke (cr);
      break;
    case PM_REPLICA_PLANNED:
    case PM_REPLICA_GONE:
    default:
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, dots, G_N_ELEMENTS (dots), 0);
      cairo_arc (cr, x, y, r - 0.75, 0, 2 * G_PI);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      break;
    }
}

static void
pm_replica_layer_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  static const GdkRGBA label_background = { 0.05, 0.12, 0.25, 0.85 };
  static const GdkRGBA label_foreground = { 1, 1, 1, 1 };
  PmReplicaLayer *self = PM_REPLICA_LAYER (widget);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (self->marks->len == 0 || width <= 0 || height <= 0)
    return;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (guint i = 0; i < self->marks->len; i++)
    {
      const Mark *mark = &g_array_index (self->marks, Mark, i);
      double x, y;

      shumate_viewport_location_to_widget_coords (viewport, widget, mark->location.lat,
                                                  mark->location.lon, &x, &y);
      /* A short stem ties the badge to its site. */
      cairo_move_to (cr, x, y - 6);
      cairo_line_to (cr, x, y - BADGE_OFFSET + BADGE_RADIUS);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.8);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
      draw_badge (cr, &mark->mark, x, y - BADGE_OFFSET);
    }
  cairo_destroy (cr);

  /* Labels above the badges, centred. */
  for (guint i = 0; i < self->marks->len; i++)
    {
      const Mark *mark = &g_array_index (self->marks, Mark, i);
      double x, y;
      int w, h;

      shumate_viewport_location_to_widget_coords (viewport, widget, mark->location.lat,
                                                  mark->location.lon, &x, &y);
      pango_layout_get_pixel_size (mark->label, &w, &h);
      x = round (x - w / 2.0);
      y = round (y - BADGE_OFFSET - BADGE_RADIUS - 4 - h);
      gtk_snapshot_append_color (snapshot, &label_background,
                                 &GRAPHENE_RECT_INIT (x - 4, y, w + 8, h));
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
      gtk_snapshot_append_layout (snapshot, mark->label, &label_foreground);
      gtk_snapshot_restore (snapshot);
    }
}

static void
pm_replica_layer_constructed (GObject *object)
{
  PmReplicaLayer *self = PM_REPLICA_LAYER (object);

  G_OBJECT_CLASS (pm_replica_layer_parent_class)->constructed (object);

  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
}

static void
pm_replica_layer_finalize (GObject *object)
{
  PmReplicaLayer *self = PM_REPLICA_LAYER (object);

  g_array_unref (self->marks);

  G_OBJECT_CLASS (pm_replica_layer_parent_class)->finalize (object);
}

static void
pm_replica_layer_class_init (PmReplicaLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = pm_replica_layer_constructed;
  object_class->finalize = pm_replica_layer_finalize;
  widget_class->snapshot = pm_replica_layer_snapshot;
}

static void
pm_replica_layer_init (PmReplicaLayer *self)
{
  self->marks = g_array_new (FALSE, TRUE, sizeof (Mark));
  g_array_set_clear_func (self->marks, clear_mark);
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

PmReplicaLayer *
pm_replica_layer_new (ShumateViewport *viewport)
{
  return g_object_new (PM_TYPE_REPLICA_LAYER, "viewport", viewport, NULL);
}

/* Replaces the marks; n_marks 0 clears them. Sites out of the topology are skipped. */
void
pm_replica_layer_set_marks (PmReplicaLayer      *self,
                            PmTopology          *topology,
                            const PmReplicaMark *marks,
                            guint                n_marks)
{
  g_return_if_fail (PM_IS_REPLICA_LAYER (self));

  g_array_set_size (self->marks, 0);
  self->n_replicas = 0;
  for (guint i = 0; i < n_marks; i++)
    {
      const PmSite *site;
      g_autofree char *text = NULL;
      Mark mark = { marks[i] };

      if (topology == NULL || marks[i].site >= pm_topology_get_n_sites (topology))
        continue;
      site = pm_topology_get_site (topology, marks[i].site);
      /* Translators: a site's name and what it holds of the shown resource. */
      text = g_strdup_printf (_("%s · %s"), site->name,
                              marks[i].origin ? _("origin")
                                              : pm_replica_state_to_label (marks[i].state));
      mark.location = site->location;
      mark.label = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
      g_array_append_val (self->marks, mark);
      self->n_replicas += !marks[i].origin;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* How many replica sites (not counting the origin) are marked. */
guint
pm_replica_layer_get_n_replicas (PmReplicaLayer *self)
{
  return self->n_replicas;
}
