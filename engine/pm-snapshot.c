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
    self->segments[i] = (PmSegmentState) { PM_SAMPLE_NO_DATA, 0, NAN };
  self->n_sites = pm_topology_get_n_sites (topology);
  self->sites = g_new0 (PmSiteState, self->n_sites);
  self->events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
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
