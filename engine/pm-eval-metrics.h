/* pm-eval-metrics.h: premirror-eval's prediction metrics (issue 3, item 8), from segment alerts
 * and ground-truth partitions, pooled over any number of replays.
 *
 * Definitions, for a scored period [from, to) and a horizon H:
 * - an alert hits a partition of its segment if it fired before the partition started, at most
 *   4·H before, and was still firing when it started (resolved after the start, or never);
 *   an alert that fires while its segment is already cut fired after the start: it hits nothing;
 * - scored partitions are those that start inside the period; scored alerts those that fired
 *   inside it;
 * - precision = hitting alerts / alerts; recall = hit partitions / partitions, and
 *   recall_foreseeable the same over foreseeable partitions; F1 from precision and
 *   recall_foreseeable;
 * - lead time of a hit partition = its start − the firing time of the earliest alert that hits
 *   it; median and 10th percentile (linear interpolation between order statistics) over hit
 *   foreseeable partitions;
 * - false alerts per segment-day = non-hitting alerts / (segments × days);
 * - duty cycle = time under alert (firing) inside the period, summed over segments, whenever
 *   the alert fired / (segments × period).
 * A figure whose denominator is empty is NAN (null in JSON).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "model/pm-truth.h"

G_BEGIN_DECLS

/* One segment alert, as the alert manager's log records it. */
typedef struct
{
  guint  segment;
  gint64 fired_at;
  gint64 resolved_at;  /* 0 = still firing at the end of the replay */
} PmEvalAlert;

/* Counts pooled over replays; figures come from these only. */
typedef struct
{
  guint64 alerts;
  guint64 hitting_alerts;
  guint64 partitions;
  guint64 partitions_hit;
  guint64 foreseeable;
  guint64 foreseeable_hit;
  double  segment_seconds;  /* segments × period length */
  double  firing_seconds;   /* time under alert inside the period */
  GArray *leads_s;          /* double: lead of each hit foreseeable partition */
} PmEvalTally;

typedef struct
{
  double precision;
  double recall;
  double recall_foreseeable;
  double f1;
  double lead_median_s;
  double lead_p10_s;
  double false_alerts_per_segment_day;
  double duty_cycle;
} PmEvalMetrics;

void   pm_eval_tally_init     (PmEvalTally *tally);
void   pm_eval_tally_clear    (PmEvalTally *tally);
/* Adds one replay: alerts (PmEvalAlert, any order) and truth (PmPartition) of a network of
 * n_segments scored over [from_s, to_s) with horizon horizon_s. */
void   pm_eval_tally_add      (PmEvalTally  *tally,
                               const GArray *alerts,
                               const GArray *truth,
                               guint         n_segments,
                               gint64        from_s,
                               gint64        to_s,
                               gint64        horizon_s);
void   pm_eval_tally_merge    (PmEvalTally       *tally,
                               const PmEvalTally *other);
void   pm_eval_tally_compute  (const PmEvalTally *tally,
                               PmEvalMetrics     *metrics);

/* The q-quantile (0…1) of values, linear between order statistics; NAN when empty. */
double pm_eval_quantile       (const GArray *values,
                               double        q);

/* Appends value right-aligned in width columns with precision decimals, or a dash when it is
 * undefined (not finite): the cells of premirror-eval's tables. */
void   pm_eval_append_cell    (GString      *out,
                               double        value,
                               int           width,
                               int           precision);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PmEvalTally, pm_eval_tally_clear)

G_END_DECLS
