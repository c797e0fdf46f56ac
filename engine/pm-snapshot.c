/* pm-snapshot.c: immutable per-tick state.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-snapshot.h"

G_DEFINE_BOXED_TYPE (PmSnapshot, pm_snapshot, pm_snapshot_ref, pm_snapshot_unref)

static void
snapshot_clear (gpointer data)
{
  PmSnapshot *self = data;

  g_clear_object (&self->topology);
  g_free (self->source_description);
  g_free (self->source_error);
  g_free (self->segments);
  g_free (self->sites);
  g_clear_pointer (&self->events, g_ptr_array_unref);
  g_clear_pointer (&self->feeds, g_ptr_array_unref);
  g_clear_pointer (&self->alerts, g_ptr_array_unref);
  g_clear_pointer (&self->watch, pm_forecast_watch_free);
}

/* A snapshot with every segment and site at "no data"; the engine fills it before publishing. */
PmSnapshot *
pm_snapshot_new (PmTopology *topology)
{
  PmSnapshot *self = g_atomic_rc_box_new0 (PmSnapshot);

  self->topology = g_object_ref (topology);
  self->n_segments = pm_topology_get_n_segments (topology);
  self->segments = g_new (PmSegmentState, self->n_segments);
  for (guint i = 0; i < self->n_segments; i++)
    self->segments[i] = (PmSegmentState) { .sample = PM_SAMPLE_NO_DATA, .health = NAN,
                                           .risk = NAN };
  self->n_sites = pm_topology_get_n_sites (topology);
  self->sites = g_new0 (PmSiteState, self->n_sites);
  for (guint i = 0; i < self->n_sites; i++)
    self->sites[i].isolation = NAN;
  self->events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  self->feeds = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_feed_status_free);
  self->alerts = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_alert_free);
  return self;
}

PmSnapshot *
pm_snapshot_ref (PmSnapshot *self)
{
  return g_atomic_rc_box_acquire (self);
}

void
pm_snapshot_unref (PmSnapshot *self)
{
  g_atomic_rc_box_release_full (self, snapshot_clear);
}

/* One block for all the arrays; every value starts unknown. */
PmForecastWatch *
pm_forecast_watch_new (guint  segment,
                       gint64 start_s,
                       gint64 step_s,
                       guint  n_steps)
{
  PmForecastWatch *watch = g_new0 (PmForecastWatch, 1);
  double *values = g_new (double, (gsize) 2 * PM_WATCH_N_METRICS * MAX (n_steps, 1));

  watch->segment = segment;
  watch->start_s = start_s;
  watch->step_s = step_s;
  watch->n_steps = n_steps;
  for (guint i = 0; i < 2 * PM_WATCH_N_METRICS * n_steps; i++)
    values[i] = NAN;
  for (guint m = 0; m < PM_WATCH_N_METRICS; m++)
    {
      watch->mean[m] = values + (gsize) (2 * m) * n_steps;
      watch->sd[m] = values + (gsize) (2 * m + 1) * n_steps;
    }
  return watch;
}

void
pm_forecast_watch_free (PmForecastWatch *watch)
{
  if (watch == NULL)
    return;
  g_free (watch->mean[0]);  /* the start of the one block */
  g_free (watch);
}

PmAlert *
pm_alert_copy (const PmAlert *alert)
{
  PmAlert *copy = g_memdup2 (alert, sizeof *alert);

  copy->id = g_strdup (alert->id);
  copy->acknowledged_by = g_strdup (alert->acknowledged_by);
  copy->silence_reason = g_strdup (alert->silence_reason);
  return copy;
}

void
pm_alert_free (PmAlert *alert)
{
  if (alert == NULL)
    return;
  g_free (alert->id);
  g_free (alert->acknowledged_by);
  g_free (alert->silence_reason);
  g_free (alert);
}

const char *
pm_alert_state_to_string (PmAlertState state)
{
  switch (state)
    {
    case PM_ALERT_PENDING:
      return "pending";
    case PM_ALERT_FIRING:
      return "firing";
    case PM_ALERT_RESOLVED:
    default:
      return "resolved";
    }
}
