/* pm-alert-layer.c: alert outlines, kept apart from the network layer so that a pulse repaints
 * only them.
 *
 * A firing alert gets a thick outline with a halo that pulses; a pending one, or a firing one
 * the operator has acknowledged or silenced, a steady outline (thinner while pending). The tick
 * callback exists only while something pulses, and never when the desktop turns animations off.
 *
 * The outlines are drawn into two images (the outlines, the halos) in a worker thread when the
 * alerts or the view change; frames paint the last images meanwhile (moved with the map after a
 * pan or zoom), and a pulse frame only paints the halos' image at another opacity, so that
 * hundreds of firing alerts cost a frame no more than a few.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-alert-layer.h"

#include <math.h>

#include "pm-background.h"
#include "pm-map-private.h"

/* One pulse, in microseconds. */
#define PULSE_PERIOD_US 1400000

typedef struct
{
  PmAlertSubject subject;
  guint          index;
  gboolean       firing;
  gboolean       pulse;
} Outline;

/* An outline in pixels, for the drawing thread. */
typedef struct
{
  double   ax, ay, bx, by;
  double   radius;
  gboolean firing;
  gboolean pulse;
} Shape;

typedef struct
{
  PmAlertLayer   *layer;     /* a reference, dropped on the main thread */
  GArray         *shapes;    /* Shape */
  graphene_rect_t bounds;
  PmMapLayerView  view;
  guint           generation;
  cairo_surface_t *steady;   /* results */
  cairo_surface_t *halos;
} Drawing;

struct _PmAlertLayer
{
  ShumateLayer parent_instance;

  PmSnapshot  *snapshot;
  GArray      *outlines;  /* Outline */
  guint        tick_id;

  guint        generation;  /* bumped when the outlines change */

  /* The images on screen and what they were drawn for. */
  GskRenderNode   *steady;
  GskRenderNode   *halos;
  PmMapLayerView   drawn_view;
  guint            drawn_generation;
  gboolean         drawn_valid;
  gboolean         drawing;  /* images are being drawn in a worker thread */
  GQueue           retired;  /* surfaces of past images, see _pm_map_retire_surface() */
};

G_DEFINE_TYPE (PmAlertLayer, pm_alert_layer, SHUMATE_TYPE_LAYER)

static const GdkRGBA outline_color = { 1.0, 0.27, 0.86, 1 };

static gboolean
animations_enabled (PmAlertLayer *self)
{
  gboolean enabled = TRUE;

  g_object_get (gtk_widget_get_settings (GTK_WIDGET (self)), "gtk-enable-animations", &enabled,
                NULL);
  return enabled;
}

static gboolean
pulse_tick_cb (GtkWidget     *widget,
               GdkFrameClock *frame_clock,
               gpointer       user_data)
{
  /* Only the outlines change: a redraw, never a relayout. */
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static gboolean
has_pulse (PmAlertLayer *self)
{
  for (guint i = 0; i < self->outlines->len; i++)
    if (g_array_index (self->outlines, Outline, i).pulse)
      return TRUE;
  return FALSE;
}

static void
update_animation (PmAlertLayer *self)
{
  gboolean wanted = has_pulse (self) && animations_enabled (self);

  if (wanted && self->tick_id == 0)
    self->tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), pulse_tick_cb, NULL, NULL);
  else if (!wanted && self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
animations_changed_cb (GtkSettings *settings,
                       GParamSpec  *pspec,
                       gpointer     user_data)
{
  update_animation (PM_ALERT_LAYER (user_data));
}

/* 0 … 1 … 0 over one period; 1 (the halo hidden) when not animating. */
static double
pulse_phase (PmAlertLayer *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  gint64 now;

  if (self->tick_id == 0 || clock == NULL)
    return 1;
  now = gdk_frame_clock_get_frame_time (clock);
  return 0.5 - 0.5 * cos (2 * G_PI * (double) (now % PULSE_PERIOD_US) / PULSE_PERIOD_US);
}

/* A capsule around the segment: two sides parallel to it, half circles around its ends. */
static void
add_capsule (cairo_t *cr,
             double   ax,
             double   ay,
             double   bx,
             double   by,
             double   radius)
{
  double angle = atan2 (by - ay, bx - ax);

  cairo_new_sub_path (cr);
  cairo_arc (cr, bx, by, radius, angle - G_PI / 2, angle + G_PI / 2);
  cairo_arc (cr, ax, ay, radius, angle + G_PI / 2, angle + 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
outline_ends (PmAlertLayer  *self,
              const Outline *outline,
              double        *ax,
              double        *ay,
              double        *bx,
              double        *by)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  PmTopology *topology = self->snapshot->topology;
  PmLatLon a, b;

  if (outline->subject == PM_ALERT_SEGMENT)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, outline->index);
      a = pm_topology_get_site (topology, segment->a)->location;
      b = pm_topology_get_site (topology, segment->b)->location;
    }
  else
    a = b = pm_topology_get_site (topology, outline->index)->location;
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (self), a.lat, a.lon, ax, ay);
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (self), b.lat, b.lon, bx, by);
}

static void
forget_drawn (PmAlertLayer *self)
{
  g_clear_pointer (&self->steady, gsk_render_node_unref);
  g_clear_pointer (&self->halos, gsk_render_node_unref);
  self->drawn_valid = FALSE;
}

static void
stroke_outline (cairo_t *cr,
                double   line,
                double   alpha)
{
  /* A dark edge keeps the outline visible on light tiles. */
  cairo_set_source_rgba (cr, 0, 0, 0, 0.6 * alpha);
  cairo_set_line_width (cr, line + 2);
  cairo_stroke_preserve (cr);
  cairo_set_source_rgba (cr, outline_color.red, outline_color.green, outline_color.blue, alpha);
  cairo_set_line_width (cr, line);
  cairo_stroke (cr);
}

static cairo_surface_t *
new_surface (const Drawing *drawing,
             cairo_t      **cr)
{
  cairo_surface_t *surface = cairo_image_surface_create (
    CAIRO_FORMAT_ARGB32, (int) drawing->bounds.size.width * drawing->view.scale,
    (int) drawing->bounds.size.height * drawing->view.scale);

  cairo_surface_set_device_scale (surface, drawing->view.scale, drawing->view.scale);
  *cr = cairo_create (surface);
  cairo_translate (*cr, -drawing->bounds.origin.x, -drawing->bounds.origin.y);
  return surface;
}

static void
draw_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Drawing *drawing = task_data;
  cairo_t *steady_cr, *halos_cr;

  drawing->steady = new_surface (drawing, &steady_cr);
  drawing->halos = new_surface (drawing, &halos_cr);
  for (guint i = 0; i < drawing->shapes->len; i++)
    {
      const Shape *shape = &g_array_index (drawing->shapes, Shape, i);

      add_capsule (steady_cr, shape->ax, shape->ay, shape->bx, shape->by, shape->radius);
      if (shape->firing)
        stroke_outline (steady_cr, 3, 1);
      else
        stroke_outline (steady_cr, 1.5, 0.85);
      if (shape->pulse)
        {
          add_capsule (halos_cr, shape->ax, shape->ay, shape->bx, shape->by, shape->radius + 5);
          stroke_outline (halos_cr, 2.5, 1);
        }
    }
  cairo_destroy (steady_cr);
  cairo_destroy (halos_cr);
  cairo_surface_flush (drawing->steady);
  cairo_surface_flush (drawing->halos);
  g_task_return_boolean (task, TRUE);
}

static void
drawing_free (gpointer data)
{
  Drawing *drawing = data;

  g_array_unref (drawing->shapes);
  g_clear_pointer (&drawing->steady, cairo_surface_destroy);
  g_clear_pointer (&drawing->halos, cairo_surface_destroy);
  g_free (drawing);
}

static void
drawn_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(PmAlertLayer) self = user_data;
  Drawing *drawing = g_task_get_task_data (G_TASK (result));
  gboolean any_pulse = FALSE;

  self->drawing = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), NULL) || self->snapshot == NULL)
    return;
  forget_drawn (self);
  for (guint i = 0; i < drawing->shapes->len; i++)
    any_pulse |= g_array_index (drawing->shapes, Shape, i).pulse;
  if (drawing->shapes->len > 0)
    self->steady = _pm_map_node_for_surface (drawing->steady, &drawing->bounds);
  _pm_map_retire_surface (&self->retired, g_steal_pointer (&drawing->steady));
  if (any_pulse)
    self->halos = _pm_map_node_for_surface (drawing->halos, &drawing->bounds);
  _pm_map_retire_surface (&self->retired, g_steal_pointer (&drawing->halos));
  self->drawn_valid = TRUE;
  self->drawn_view = drawing->view;
  self->drawn_generation = drawing->generation;
  /* The next frame paints them, and asks for others if these are already late. */
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
start_drawing (PmAlertLayer         *self,
               const PmMapLayerView *view)
{
  g_autoptr(GTask) task = g_task_new (NULL, NULL, drawn_cb, g_object_ref (self));
  Drawing *drawing = g_new0 (Drawing, 1);
  double x0 = view->width, y0 = view->height, x1 = 0, y1 = 0;

  drawing->shapes = g_array_sized_new (FALSE, FALSE, sizeof (Shape), self->outlines->len);
  drawing->view = *view;
  drawing->generation = self->generation;
  for (guint i = 0; i < self->outlines->len; i++)
    {
      const Outline *outline = &g_array_index (self->outlines, Outline, i);
      Shape shape = {
        .radius = outline->subject == PM_ALERT_SITE ? 11 : 7,
        .firing = outline->firing,
        .pulse = outline->pulse,
      };

      outline_ends (self, outline, &shape.ax, &shape.ay, &shape.bx, &shape.by);
      x0 = MIN (x0, MIN (shape.ax, shape.bx));
      y0 = MIN (y0, MIN (shape.ay, shape.by));
      x1 = MAX (x1, MAX (shape.ax, shape.bx));
      y1 = MAX (y1, MAX (shape.ay, shape.by));
      g_array_append_val (drawing->shapes, shape);
    }
  /* The images cover only the outlines, not the whole map. */
  x0 = MAX (floor (x0) - 24, 0);
  y0 = MAX (floor (y0) - 24, 0);
  x1 = MAX (MIN (ceil (x1) + 24, view->width), x0 + 1);
  y1 = MAX (MIN (ceil (y1) + 24, view->height), y0 + 1);
  drawing->bounds = GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0);

  self->drawing = TRUE;
  g_task_set_source_tag (task, start_drawing);
  g_task_set_task_data (task, drawing, drawing_free);
  pm_background_run_in_thread (task, draw_thread);
}

static void
pm_alert_layer_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  PmAlertLayer *self = PM_ALERT_LAYER (widget);
  PmMapLayerView view;

  if (self->snapshot == NULL || !_pm_map_layer_view_get (SHUMATE_LAYER (self), &view))
    return;
  if (!self->drawing
      && (!self->drawn_valid || self->drawn_generation != self->generation
          || !_pm_map_layer_view_equal (&view, &self->drawn_view)))
    start_drawing (self, &view);
  if (self->steady != NULL)
    _pm_map_append_moved (snapshot, self->steady, &self->drawn_view.projection,
                          &view.projection);
  if (self->halos != NULL)
    {
      /* The halo fades in and out: the outline seems to beat. */
      double phase = pulse_phase (self);

      if (phase < 0.98)
        {
          gtk_snapshot_push_opacity (snapshot, 1 - phase);
          _pm_map_append_moved (snapshot, self->halos, &self->drawn_view.projection,
                                &view.projection);
          gtk_snapshot_pop (snapshot);
        }
    }
}

static void
pm_alert_layer_constructed (GObject *object)
{
  PmAlertLayer *self = PM_ALERT_LAYER (object);

  G_OBJECT_CLASS (pm_alert_layer_parent_class)->constructed (object);

  g_signal_connect_object (shumate_layer_get_viewport (SHUMATE_LAYER (self)), "notify",
                           G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);
}

static void
pm_alert_layer_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (pm_alert_layer_parent_class)->root (widget);

  /* The settings belong to the display, known once the layer is in a window. */
  g_signal_connect_object (gtk_widget_get_settings (widget), "notify::gtk-enable-animations",
                           G_CALLBACK (animations_changed_cb), widget, 0);
  update_animation (PM_ALERT_LAYER (widget));
}

static void
pm_alert_layer_unroot (GtkWidget *widget)
{
  g_signal_handlers_disconnect_by_func (gtk_widget_get_settings (widget), animations_changed_cb,
                                        widget);
  GTK_WIDGET_CLASS (pm_alert_layer_parent_class)->unroot (widget);
}

static void
pm_alert_layer_dispose (GObject *object)
{
  PmAlertLayer *self = PM_ALERT_LAYER (object);

  if (self->tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->tick_id);
      self->tick_id = 0;
    }
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  forget_drawn (self);
  _pm_map_free_retired (&self->retired);

  G_OBJECT_CLASS (pm_alert_layer_parent_class)->dispose (object);
}

static void
pm_alert_layer_finalize (GObject *object)
{
  PmAlertLayer *self = PM_ALERT_LAYER (object);

  g_array_unref (self->outlines);

  G_OBJECT_CLASS (pm_alert_layer_parent_class)->finalize (object);
}

static void
pm_alert_layer_class_init (PmAlertLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = pm_alert_layer_constructed;
  object_class->dispose = pm_alert_layer_dispose;
  object_class->finalize = pm_alert_layer_finalize;
  widget_class->snapshot = pm_alert_layer_snapshot;
  widget_class->root = pm_alert_layer_root;
  widget_class->unroot = pm_alert_layer_unroot;
}

static void
pm_alert_layer_init (PmAlertLayer *self)
{
  self->outlines = g_array_new (FALSE, FALSE, sizeof (Outline));
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
}

PmAlertLayer *
pm_alert_layer_new (ShumateViewport *viewport)
{
  return g_object_new (PM_TYPE_ALERT_LAYER, "viewport", viewport, NULL);
}

void
pm_alert_layer_set_snapshot (PmAlertLayer *self,
                             PmSnapshot   *snapshot)
{
  g_return_if_fail (PM_IS_ALERT_LAYER (self));

  if (snapshot != NULL)
    pm_snapshot_ref (snapshot);
  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  self->snapshot = snapshot;
  g_array_set_size (self->outlines, 0);
  for (guint i = 0; snapshot != NULL && i < snapshot->alerts->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (snapshot->alerts, i);
      guint limit = alert->subject == PM_ALERT_SEGMENT ? snapshot->n_segments : snapshot->n_sites;
      Outline outline = { alert->subject, alert->index, alert->state == PM_ALERT_FIRING, FALSE };

      if (alert->state == PM_ALERT_RESOLVED || alert->index >= limit)
        continue;
      /* Once someone has seen it, it stays outlined but stops calling for attention. */
      outline.pulse = outline.firing && !alert->acknowledged
                      && alert->silenced_until <= snapshot->time_s;
      g_array_append_val (self->outlines, outline);
    }
  /* The last images stay on screen until the new ones are drawn. */
  self->generation++;
  update_animation (self);
}

/* How many segments and sites carry an outline (pending or firing alerts). */
guint
pm_alert_layer_get_n_outlined (PmAlertLayer *self)
{
  return self->outlines->len;
}

gboolean
pm_alert_layer_is_outlined (PmAlertLayer  *self,
                            PmAlertSubject subject,
                            guint          index)
{
  for (guint i = 0; i < self->outlines->len; i++)
    {
      const Outline *outline = &g_array_index (self->outlines, Outline, i);
      if (outline->subject == subject && outline->index == index)
        return TRUE;
    }
  return FALSE;
}

/* Whether the pulse's tick callback runs now. */
gboolean
pm_alert_layer_is_animating (PmAlertLayer *self)
{
  return self->tick_id != 0;
}
