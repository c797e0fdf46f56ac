/* pm-risk-history.c: ring buffers of risk and isolation, one slot per step.
 *
 * All rows are written at once (one snapshot holds every segment and site), so the rings share
 * one array of step numbers: a slot whose step is not the one asked for is unknown, which is
 * how gaps (the engine paused, a virtual clock jumping ahead) read as NAN, never as old values.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-risk-history.h"

#include <math.h>

struct _PmRiskHistory
{
  GMutex  lock;        /* guards steps and values: the tick writes, the console reads */
  guint   n_segments;
  guint   n_sites;
  gint64  step_s;
  guint   capacity;    /* slots per row */
  gint64 *steps;       /* the step number each slot holds, G_MININT64 for none */
  float  *values;      /* rows: segments first, then sites; capacity slots each */
};

PmRiskHistory *
pm_risk_history_new (guint  n_segments,
                     guint  n_sites,
                     gint64 step_s,
                     gint64 span_s)
{
  PmRiskHistory *self = g_new0 (PmRiskHistory, 1);
  gsize n_values;

  g_return_val_if_fail (step_s > 0 && span_s >= step_s, NULL);

  g_mutex_init (&self->lock);
  self->n_segments = n_segments;
  self->n_sites = n_sites;
  self->step_s = step_s;
  self->capacity = (guint) (span_s / step_s);
  self->steps = g_new (gint64, self->capacity);
  for (guint i = 0; i < self->capacity; i++)
    self->steps[i] = G_MININT64;
  n_values = (gsize) (n_segments + n_sites) * self->capacity;
  self->values = g_new (float, MAX (n_values, 1));
  for (gsize i = 0; i < n_values; i++)
    self->values[i] = NAN;
  return self;
}

void
pm_risk_history_free (PmRiskHistory *self)
{
  if (self == NULL)
    return;
  g_mutex_clear (&self->lock);
  g_free (self->steps);
  g_free (self->values);
  g_free (self);
}

gint64
pm_risk_history_get_step (PmRiskHistory *self)
{
  return self->step_s;
}

/* Floor division: step numbers of times before 1970 (tests) still order correctly. */
static gint64
step_of (PmRiskHistory *self,
         gint64         time_s)
{
  return time_s >= 0 ? time_s / self->step_s : -((-time_s + self->step_s - 1) / self->step_s);
}

static guint
slot_of (PmRiskHistory *self,
         gint64         step)
{
  gint64 slot = step % (gint64) self->capacity;

  return (guint) (slot < 0 ? slot + self->capacity : slot);
}

static void
keep_larger (float *slot,
             double value)
{
  if (!isnan (value) && (isnan (*slot) || value > *slot))
    *slot = (float) value;
}

void
pm_risk_history_record (PmRiskHistory    *self,
                        const PmSnapshot *snapshot)
{
  gint64 step = step_of (self, snapshot->time_s);
  guint slot = slot_of (self, step);
  guint n_segments = MIN (self->n_segments, snapshot->n_segments);
  guint n_sites = MIN (self->n_sites, snapshot->n_sites);

  g_mutex_lock (&self->lock);
  if (self->steps[slot] != step)
    {
      /* A new step (or a clock gone back): this slot of every row starts unknown. */
      for (guint row = 0; row < self->n_segments + self->n_sites; row++)
        self->values[(gsize) row * self->capacity + slot] = NAN;
      self->steps[slot] = step;
    }
  for (guint i = 0; i < n_segments; i++)
    keep_larger (&self->values[(gsize) i * self->capacity + slot], snapshot->segments[i].risk);
  for (guint i = 0; i < n_sites; i++)
    keep_larger (&self->values[(gsize) (self->n_segments + i) * self->capacity + slot],
                 snapshot->sites[i].isolation);
  g_mutex_unlock (&self->lock);
}

guint
pm_risk_history_read (PmRiskHistory *self,
                      gboolean       site,
                      guint          index,
                      gint64         from_s,
                      guint          n_steps,
                      double        *out)
{
  gint64 first = step_of (self, from_s);
  const float *row;
  guint known = 0;

  g_return_val_if_fail (index < (site ? self->n_sites : self->n_segments), 0);

  row = &self->values[(gsize) (site ? self->n_segments + index : index) * self->capacity];
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < n_steps; i++)
    {
      gint64 step = first + i;
      guint slot = slot_of (self, step);

      out[i] = self->steps[slot] == step ? row[slot] : NAN;
      known += !isnan (out[i]);
    }
  g_mutex_unlock (&self->lock);
  return known;
}
