/* pm-metric.h: the three per-segment metrics the prediction engine models, by index.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "telemetry/pm-series.h"

G_BEGIN_DECLS

typedef enum
{
  PM_METRIC_LATENCY,
  PM_METRIC_JITTER,
  PM_METRIC_LOSS,
  PM_N_METRICS
} PmMetric;

/* The metric's value in a sample, NAN when missing. */
static inline float
pm_metric_get (const PmSample *sample,
               PmMetric        metric)
{
  switch (metric)
    {
    case PM_METRIC_LATENCY:
      return sample->latency_ms;
    case PM_METRIC_JITTER:
      return sample->jitter_ms;
    case PM_METRIC_LOSS:
      return sample->loss_ratio;
    case PM_N_METRICS:
    default:
      return NAN;
    }
}

/* A stable key for logs, JSON and factor names. */
static inline const char *
pm_metric_to_string (PmMetric metric)
{
  switch (metric)
    {
    case PM_METRIC_LATENCY:
      return "latency";
    case PM_METRIC_JITTER:
      return "jitter";
    case PM_METRIC_LOSS:
      return "loss";
    case PM_N_METRICS:
    default:
      return NULL;
    }
}

G_END_DECLS
