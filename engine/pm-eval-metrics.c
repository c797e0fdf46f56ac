/* pm-eval-metrics.c: precision, recall, lead time, false alerts and duty cycle of segment alerts
 * against ground truth; the definitions are in pm-eval-metrics.h.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-eval-metrics.h"

#include <math.h>
#include <stdlib.h>

#define DAY_S 86400.0

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return (x > y) - (x < y);
}

static gboolean
alert_hits (const PmEvalAlert *alert,
            const PmPartition *partition,
            gint64             horizon_s)
{
  return alert->segment == partition->segment
         && alert->fired_at < partition->start_s
         && partition->start_s - alert->fired_at <= 4 * horizon_s
         && (alert->resolved_at == 0 || alert->resolved_at > partition->start_s);
}

static double
ratio (guint64 num,
       guint64 den)
{
  return den == 0 ? NAN : (double) num / (double) den;
}

void
pm_eval_tally_init (PmEvalTally *tally)
{
  *tally = (PmEvalTally) { 0 };
  tally->leads_s = g_array_new (FALSE, FALSE, sizeof (double));
}

void
pm_eval_tally_clear (PmEvalTally *tally)
{
  g_clear_pointer (&tally->leads_s, g_array_unref);
}

void
pm_eval_tally_add (PmEvalTally  *tally,
                   const GArray *alerts,
                   const GArray *truth,
                   guint         n_segments,
                   gint64        from_s,
                   gint64        to_s,
                   gint64        horizon_s)
{
  g_return_if_fail (tally != NULL && tally->leads_s != NULL);
  g_return_if_fail (alerts != NULL && truth != NULL);
  g_return_if_fail (to_s >= from_s);

  for (guint a = 0; a < alerts->len; a++)
    {
      const PmEvalAlert *alert = &g_array_index (alerts, PmEvalAlert, a);
      gint64 end = alert->resolved_at == 0 ? to_s : MIN (alert->resolved_at, to_s);
      gboolean hit = FALSE;

      /* Time under alert inside the period counts whenever the alert fired. */
      tally->firing_seconds += (double) MAX (end - MAX (alert->fired_at, from_s), 0);
      if (alert->fired_at < from_s || alert->fired_at >= to_s)
        continue;
      tally->alerts++;
      for (guint p = 0; p < truth->len && !hit; p++)
        {
          const PmPartition *partition = &g_array_index (truth, PmPartition, p);

          hit = partition->start_s >= from_s && partition->start_s < to_s
                && alert_hits (alert, partition, horizon_s);
        }
      tally->hitting_alerts += hit;
    }

  for (guint p = 0; p < truth->len; p++)
    {
      const PmPartition *partition = &g_array_index (truth, PmPartition, p);
      gint64 earliest = G_MAXINT64;

      if (partition->start_s < from_s || partition->start_s >= to_s)
        continue;
      for (guint a = 0; a < alerts->len; a++)
        {
          const PmEvalAlert *alert = &g_array_index (alerts, PmEvalAlert, a);

          if (alert->fired_at >= from_s && alert_hits (alert, partition, horizon_s))
            earliest = MIN (earliest, alert->fired_at);
        }
      tally->partitions++;
      tally->partitions_hit += earliest != G_MAXINT64;
      if (partition->foreseeable)
        {
          tally->foreseeable++;
          if (earliest != G_MAXINT64)
            {
              double lead = (double) (partition->start_s - earliest);

              tally->foreseeable_hit++;
              g_array_append_val (tally->leads_s, lead);
            }
        }
    }

  tally->segment_seconds += (double) n_segments * (double) (to_s - from_s);
}

void
pm_eval_tally_merge (PmEvalTally       *tally,
                     const PmEvalTally *other)
{
  tally->alerts += other->alerts;
  tally->hitting_alerts += other->hitting_alerts;
  tally->partitions += other->partitions;
  tally->partitions_hit += other->partitions_hit;
  tally->foreseeable += other->foreseeable;
  tally->foreseeable_hit += other->foreseeable_hit;
  tally->segment_seconds += other->segment_seconds;
  tally->firing_seconds += other->firing_seconds;
  g_array_append_vals (tally->leads_s, other->leads_s->data, other->leads_s->len);
}

double
pm_eval_quantile (const GArray *values,
                  double        q)
{
  g_autoptr(GArray) sorted = NULL;
  double position;
  guint below;

  if (values == NULL || values->len == 0)
    return NAN;
  sorted = g_array_sized_new (FALSE, FALSE, sizeof (double), values->len);
  g_array_append_vals (sorted, values->data, values->len);
  qsort (sorted->data, sorted->len, sizeof (double), compare_doubles);
  position = CLAMP (q, 0.0, 1.0) * (sorted->len - 1);
  below = (guint) floor (position);
  if (below + 1 >= sorted->len)
    return g_array_index (sorted, double, sorted->len - 1);
  return g_array_index (sorted, double, below)
         + (position - below) * (g_array_index (sorted, double, below + 1)
                                 - g_array_index (sorted, double, below));
}

void
pm_eval_tally_compute (const PmEvalTally *tally,
                       PmEvalMetrics     *metrics)
{
  double p = ratio (tally->hitting_alerts, tally->alerts);
  double rf = ratio (tally->foreseeable_hit, tally->foreseeable);
  double segment_days = tally->segment_seconds / DAY_S;

  metrics->precision = p;
  metrics->recall = ratio (tally->partitions_hit, tally->partitions);
  metrics->recall_foreseeable = rf;
  if (isnan (p) || isnan (rf))
    metrics->f1 = NAN;
  else
    metrics->f1 = p + rf > 0 ? 2 * p * rf / (p + rf) : 0.0;
  metrics->lead_median_s = pm_eval_quantile (tally->leads_s, 0.5);
  metrics->lead_p10_s = pm_eval_quantile (tally->leads_s, 0.1);
  metrics->false_alerts_per_segment_day =
    segment_days > 0 ? (double) (tally->alerts - tally->hitting_alerts) / segment_days : NAN;
  metrics->duty_cycle = tally->segment_seconds > 0
                          ? tally->firing_seconds / tally->segment_seconds : NAN;
}

void
pm_eval_append_cell (GString *out,
                     double   value,
                     int      width,
                     int      precision)
{
  if (isfinite (value))
    g_string_append_printf (out, "%*.*f", width, precision, value);
  else
    g_string_append_printf (out, "%*s", width + 2, "—");  /* the dash is 3 bytes, 1 column */
}
