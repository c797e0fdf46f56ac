/* pm-clock.c: wall and virtual clocks.
 *
 * A virtual clock is anchored on the monotonic clock: now = anchor_virtual + (monotonic −
 * anchor_monotonic) × speed. Changing speed or pausing re-anchors, so virtual time never jumps
 * backwards. Tests and evaluation pause the clock and step it with pm_clock_advance().
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-clock.h"

struct _PmClock
{
  GObject     parent_instance;

  PmClockKind kind;
  /* The engine thread reads the clock while the console changes its speed or pauses it: the
   * anchors, the speed and the pause are read and changed together under the lock. */
  GMutex      lock;
  double      speed;
  gboolean    paused;
  gint64      anchor_virtual_us;
  gint64      anchor_monotonic_us;
};

enum
{
  PROP_0,
  PROP_SPEED,
  PROP_PAUSED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_TYPE (PmClock, pm_clock, G_TYPE_OBJECT)

static gint64
now_us_locked (PmClock *self)
{
  if (self->paused)
    return self->anchor_virtual_us;
  return self->anchor_virtual_us
         + (gint64) ((double) (g_get_monotonic_time () - self->anchor_monotonic_us) * self->speed);
}

/* With the lock held. */
static void
reanchor (PmClock *self)
{
  self->anchor_virtual_us = now_us_locked (self);
  self->anchor_monotonic_us = g_get_monotonic_time ();
}

static void
pm_clock_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  PmClock *self = PM_CLOCK (object);

  switch (prop_id)
    {
    case PROP_SPEED:
      g_value_set_double (value, pm_clock_get_speed (self));
      break;
    case PROP_PAUSED:
      g_value_set_boolean (value, pm_clock_get_paused (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_clock_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  PmClock *self = PM_CLOCK (object);

  switch (prop_id)
    {
    case PROP_SPEED:
      pm_clock_set_speed (self, g_value_get_double (value));
      break;
    case PROP_PAUSED:
      pm_clock_set_paused (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_clock_finalize (GObject *object)
{
  PmClock *self = PM_CLOCK (object);

  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (pm_clock_parent_class)->finalize (object);
}

static void
pm_clock_class_init (PmClockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_clock_finalize;
  object_class->get_property = pm_clock_get_property;
  object_class->set_property = pm_clock_set_property;

  properties[PROP_SPEED] =
    g_param_spec_double ("speed", NULL, NULL, 0.0, 1e6, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PAUSED] =
    g_param_spec_boolean ("paused", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pm_clock_init (PmClock *self)
{
  g_mutex_init (&self->lock);
  self->speed = 1.0;
}

PmClock *
pm_clock_new_wall (void)
{
  PmClock *self = g_object_new (PM_TYPE_CLOCK, NULL);

  self->kind = PM_CLOCK_WALL;
  return self;
}

PmClock *
pm_clock_new_virtual (gint64 start_us,
                      double speed)
{
  PmClock *self = g_object_new (PM_TYPE_CLOCK, NULL);

  g_return_val_if_fail (speed >= 0, self);
  self->kind = PM_CLOCK_VIRTUAL;
  self->speed = speed;
  self->anchor_virtual_us = start_us;
  self->anchor_monotonic_us = g_get_monotonic_time ();
  return self;
}

PmClockKind
pm_clock_get_kind (PmClock *self)
{
  return self->kind;
}

/* Thread-safe, as every function here; property notifications come on the thread that made the
 * change. */
gint64
pm_clock_now_us (PmClock *self)
{
  gint64 now;

  g_return_val_if_fail (PM_IS_CLOCK (self), 0);

  if (self->kind == PM_CLOCK_WALL)
    return g_get_real_time ();
  g_mutex_lock (&self->lock);
  now = now_us_locked (self);
  g_mutex_unlock (&self->lock);
  return now;
}

gint64
pm_clock_now_s (PmClock *self)
{
  gint64 us = pm_clock_now_us (self);
  return us >= 0 ? us / G_USEC_PER_SEC : -((-us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

double
pm_clock_get_speed (PmClock *self)
{
  double speed;

  if (self->kind == PM_CLOCK_WALL)
    return 1.0;
  g_mutex_lock (&self->lock);
  speed = self->speed;
  g_mutex_unlock (&self->lock);
  return speed;
}

void
pm_clock_set_speed (PmClock *self,
                    double   speed)
{
  g_return_if_fail (PM_IS_CLOCK (self));
  g_return_if_fail (speed >= 0);

  if (self->kind == PM_CLOCK_WALL)
    return;
  g_mutex_lock (&self->lock);
  if (self->speed == speed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  reanchor (self);
  self->speed = speed;
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
}

gboolean
pm_clock_get_paused (PmClock *self)
{
  gboolean paused;

  g_mutex_lock (&self->lock);
  paused = self->paused;
  g_mutex_unlock (&self->lock);
  return paused;
}

void
pm_clock_set_paused (PmClock *self,
                     gboolean paused)
{
  g_return_if_fail (PM_IS_CLOCK (self));

  paused = !!paused;
  if (self->kind == PM_CLOCK_WALL)
    return;
  g_mutex_lock (&self->lock);
  if (self->paused == paused)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  reanchor (self);
  self->paused = paused;
  g_mutex_unlock (&self->lock);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAUSED]);
}

/* Steps a virtual clock; used by tests and replays, which pause the clock and drive it. */
void
pm_clock_advance (PmClock *self,
                  gint64   delta_us)
{
  g_return_if_fail (PM_IS_CLOCK (self));
  g_return_if_fail (self->kind == PM_CLOCK_VIRTUAL);
  g_return_if_fail (delta_us >= 0);

  g_mutex_lock (&self->lock);
  reanchor (self);
  self->anchor_virtual_us += delta_us;
  g_mutex_unlock (&self->lock);
}

void
pm_clock_set_now (PmClock *self,
                  gint64   now_us)
{
  g_return_if_fail (PM_IS_CLOCK (self));
  g_return_if_fail (self->kind == PM_CLOCK_VIRTUAL);

  g_mutex_lock (&self->lock);
  reanchor (self);
  self->anchor_virtual_us = now_us;
  g_mutex_unlock (&self->lock);
}
