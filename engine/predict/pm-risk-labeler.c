/* pm-risk-labeler.c: delayed labels for online training.
 *
 * Each segment keeps the feature vectors recorded at most every `every_s` seconds (one per tick
 * would over-weight quiet hours and cost memory for nothing). A partition that starts at t marks
 * every pending vector recorded in [t − H, t) positive. Once now − H has passed a vector's time,
 * its outcome is final: it trains the model and is dropped. Vectors are not recorded while the
 * segment is cut: "will it partition?" means nothing for a segment that already has.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-risk-labeler.h"

typedef struct
{
  gint64         time_s;
  gboolean       positive;
  PmRiskFeatures features;
} Example;

struct _PmRiskLabeler
{
  guint    n_segments;
  gint64   horizon_s;
  gint64   every_s;
  GArray **pending;      /* per segment, Example, oldest first */
  guint   *head;         /* per segment: pending examples before it are trained */
  gint64  *last_record;  /* per segment */
};

PmRiskLabeler *
pm_risk_labeler_new (guint  n_segments,
                     gint64 horizon_s,
                     gint64 every_s)
{
  PmRiskLabeler *self = g_new0 (PmRiskLabeler, 1);

  self->n_segments = n_segments;
  self->horizon_s = horizon_s;
  self->every_s = every_s;
  self->pending = g_new (GArray *, MAX (n_segments, 1));
  self->head = g_new0 (guint, MAX (n_segments, 1));
  self->last_record = g_new (gint64, MAX (n_segments, 1));
  for (guint i = 0; i < n_segments; i++)
    {
      self->pending[i] = g_array_new (FALSE, FALSE, sizeof (Example));
      self->last_record[i] = G_MININT64;
    }
  return self;
}

void
pm_risk_labeler_free (PmRiskLabeler *self)
{
  if (self == NULL)
    return;
  for (guint i = 0; i < self->n_segments; i++)
    g_array_unref (self->pending[i]);
  g_free (self->pending);
  g_free (self->head);
  g_free (self->last_record);
  g_free (self);
}

void
pm_risk_labeler_record (PmRiskLabeler        *self,
                        guint                 segment,
                        gint64                time_s,
                        const PmRiskFeatures *features)
{
  Example example = { time_s, FALSE, *features };

  g_return_if_fail (segment < self->n_segments);

  if (self->last_record[segment] != G_MININT64
      && time_s - self->last_record[segment] < self->every_s)
    return;
  self->last_record[segment] = time_s;
  g_array_append_val (self->pending[segment], example);
}

void
pm_risk_labeler_partition_started (PmRiskLabeler *self,
                                   guint          segment,
                                   gint64         start_s)
{
  GArray *pending;

  g_return_if_fail (segment < self->n_segments);

  pending = self->pending[segment];
  for (guint i = self->head[segment]; i < pending->len; i++)
    {
      Example *example = &g_array_index (pending, Example, i);
      if (example->time_s < start_s && example->time_s >= start_s - self->horizon_s)
        example->positive = TRUE;
    }
}

/* Trains the model on every example whose outcome is now known; returns how many. */
guint
pm_risk_labeler_train_due (PmRiskLabeler *self,
                           gint64         now_s,
                           PmRiskModel   *model)
{
  guint trained = 0;

  for (guint s = 0; s < self->n_segments; s++)
    {
      GArray *pending = self->pending[s];
      guint due = self->head[s];

      while (due < pending->len
             && g_array_index (pending, Example, due).time_s + self->horizon_s <= now_s)
        {
          const Example *example = &g_array_index (pending, Example, due);
          pm_risk_model_train (model, &example->features, example->positive);
          due++;
        }
      trained += due - self->head[s];
      /* Trained examples go in bulk once they are half of the array: dropping each at once
       * moved the whole horizon's examples every tick. */
      if (due == pending->len)
        {
          g_array_set_size (pending, 0);
          due = 0;
        }
      else if (due > 0 && due >= pending->len - due)
        {
          g_array_remove_range (pending, 0, due);
          due = 0;
        }
      self->head[s] = due;
    }
  return trained;
}

guint
pm_risk_labeler_get_n_pending (PmRiskLabeler *self)
{
  guint n = 0;

  for (guint i = 0; i < self->n_segments; i++)
    n += self->pending[i]->len - self->head[i];
  return n;
}
