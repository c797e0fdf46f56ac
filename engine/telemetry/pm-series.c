/* pm-series.c: ring buffers of samples, one per segment, indexed by time step.
 *
 * Each segment owns `capacity` slots; slot k of the ring holds step number s where
 * s % capacity == k. A segment remembers the newest and oldest step it holds, so a read outside
 * that window, or of a gap that was skipped over, is reported as "no data" rather than as stale
 * values from a previous lap of the ring.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-series.h"

#include "pm-step-private.h"

typedef struct
{
  gint64          oldest;  /* step numbers; newest < oldest means empty */
  gint64          newest;
  PmSeriesQuality quality;
} Ring;

struct _PmSeriesStore
{
  guint     n_segments;
  gint64    step_s;
  guint     capacity;
  Ring     *rings;
  PmSample *samples;  /* n_segments × capacity; only slots inside a ring's window are read */
};

static gint64
step_of (PmSeriesStore *self,
         gint64         time_s)
{
  /* Times before 1970 (tests use them) land in the right step too. */
  return _pm_floor_div (time_s, self->step_s);
}

static PmSample *
slot (PmSeriesStore *self,
      guint          segment,
      gint64         step)
{
  gint64 k = step % self->capacity;
  if (k < 0)
    k += self->capacity;
  return &self->samples[(gsize) segment * self->capacity + (gsize) k];
}

PmSeriesStore *
pm_series_store_new (guint  n_segments,
                     gint64 step_s,
                     gint64 span_s)
{
  PmSeriesStore *self;

  g_return_val_if_fail (step_s > 0 && span_s >= step_s, NULL);

  self = g_new0 (PmSeriesStore, 1);
  self->n_segments = n_segments;
  self->step_s = step_s;
  self->capacity = (guint) (span_s / step_s);
  self->rings = g_new (Ring, MAX (n_segments, 1));
  for (guint i = 0; i < n_segments; i++)
    self->rings[i] = (Ring) { .oldest = 0, .newest = -1, .quality = { 0 } };
  /* Not zeroed: pages are only touched as segments fill, and windows guard every read. */
  self->samples = g_malloc_n (MAX ((gsize) n_segments * self->capacity, 1), sizeof (PmSample));
  return self;
}

void
pm_series_store_free (PmSeriesStore *self)
{
  if (self == NULL)
    return;
  g_free (self->samples);
  g_free (self->rings);
  g_free (self);
}

PmSeriesStore *
pm_series_store_copy (PmSeriesStore *self)
{
  PmSeriesStore *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof *self);
  copy->rings = g_memdup2 (self->rings, sizeof (Ring) * MAX (self->n_segments, 1));
  copy->samples = g_memdup2 (self->samples,
                             sizeof (PmSample) * MAX ((gsize) self->n_segments * self->capacity, 1));
  return copy;
}

guint
pm_series_store_get_n_segments (PmSeriesStore *self)
{
  return self->n_segments;
}

gint64
pm_series_store_get_step (PmSeriesStore *self)
{
  return self->step_s;
}

guint
pm_series_store_get_capacity (PmSeriesStore *self)
{
  return self->capacity;
}

gsize
pm_series_store_bytes_per_segment (PmSeriesStore *self)
{
  return (gsize) self->capacity * sizeof (PmSample) + sizeof (Ring);
}

static gboolean
ring_is_empty (const Ring *ring)
{
  return ring->newest < ring->oldest;
}

/* Turns impossible values into no data; returns FALSE when any field had to be dropped. A NAN
 * field is simply missing and does not count as invalid. */
gboolean
pm_sample_sanitize (PmSample *sample)
{
  gboolean valid = TRUE;

  if (sample->latency_ms < 0 || sample->latency_ms > PM_SAMPLE_MAX_LATENCY_MS
      || isinf (sample->latency_ms))
    {
      sample->latency_ms = NAN;
      valid = FALSE;
    }
  if (sample->jitter_ms < 0 || sample->jitter_ms > PM_SAMPLE_MAX_JITTER_MS
      || isinf (sample->jitter_ms))
    {
      sample->jitter_ms = NAN;
      valid = FALSE;
    }
  if (sample->loss_ratio < 0 || sample->loss_ratio > 1)
    {
      sample->loss_ratio = NAN;
      valid = FALSE;
    }
  return valid;
}

/* Stores a sample at its step. Newer steps advance the ring and mark skipped steps as gaps;
 * a late sample inside the window fills its slot; one older than the window is dropped (FALSE). */
gboolean
pm_series_store_push (PmSeriesStore  *self,
                      guint           segment,
                      gint64          time_s,
                      const PmSample *sample)
{
  Ring *ring;
  gint64 step;
  PmSample clean = *sample;

  g_return_val_if_fail (segment < self->n_segments, FALSE);

  ring = &self->rings[segment];
  step = step_of (self, time_s);
  if (!pm_sample_sanitize (&clean))
    ring->quality.invalid_fields++;

  if (ring_is_empty (ring))
    {
      ring->oldest = ring->newest = step;
    }
  else if (step > ring->newest)
    {
      /* Gaps never span more than one lap: older slots fall out of the window anyway. */
      gint64 first_gap = MAX (ring->newest + 1, step - self->capacity + 1);
      for (gint64 s = first_gap; s < step; s++)
        *slot (self, segment, s) = PM_SAMPLE_NO_DATA;
      ring->newest = step;
      ring->oldest = MAX (ring->oldest, step - self->capacity + 1);
    }
  else if (step <= ring->newest - self->capacity)
    {
      ring->quality.too_old++;
      return FALSE;
    }
  else if (step < ring->oldest)
    {
      for (gint64 s = step + 1; s < ring->oldest; s++)
        *slot (self, segment, s) = PM_SAMPLE_NO_DATA;
      ring->oldest = step;
      ring->quality.out_of_order++;
    }
  else if (pm_sample_has_data (slot (self, segment, step)))
    {
      ring->quality.duplicates++;
    }
  else if (step < ring->newest)
    {
      ring->quality.out_of_order++;
    }

  *slot (self, segment, step) = clean;
  return TRUE;
}

gboolean
pm_series_store_get (PmSeriesStore *self,
                     guint          segment,
                     gint64         time_s,
                     PmSample      *out)
{
  const Ring *ring;
  gint64 step;

  g_return_val_if_fail (segment < self->n_segments, FALSE);

  ring = &self->rings[segment];
  step = step_of (self, time_s);
  if (ring_is_empty (ring) || step < ring->oldest || step > ring->newest)
    {
      *out = PM_SAMPLE_NO_DATA;
      return FALSE;
    }
  *out = *slot (self, segment, step);
  return pm_sample_has_data (out);
}

gboolean
pm_series_store_latest (PmSeriesStore *self,
                        guint          segment,
                        gint64        *time_s,
                        PmSample      *out)
{
  const Ring *ring;

  g_return_val_if_fail (segment < self->n_segments, FALSE);

  ring = &self->rings[segment];
  if (ring_is_empty (ring))
    {
      *out = PM_SAMPLE_NO_DATA;
      *time_s = 0;
      return FALSE;
    }
  *time_s = ring->newest * self->step_s;
  *out = *slot (self, segment, ring->newest);
  return pm_sample_has_data (out);
}

const PmSeriesQuality *
pm_series_store_get_quality (PmSeriesStore *self,
                             guint          segment)
{
  g_return_val_if_fail (segment < self->n_segments, NULL);
  return &self->rings[segment].quality;
}

/* Copies n_steps consecutive steps starting at from_s into out, gaps as no data; returns how
 * many of them hold data. */
guint
pm_series_store_read (PmSeriesStore *self,
                      guint          segment,
                      gint64         from_s,
                      guint          n_steps,
                      PmSample      *out)
{
  guint with_data = 0;

  for (guint i = 0; i < n_steps; i++)
    if (pm_series_store_get (self, segment, from_s + (gint64) i * self->step_s, &out[i]))
      with_data++;
  return with_data;
}
