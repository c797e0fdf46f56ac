/* pm-health.c: segment health score.
 *
 * The score is 0 for a segment at its fibre baseline with no loss, 1 for a segment that is down
 * or fully degraded, and NAN when there is no data: the map shows grey rather than guessing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-health.h"

static double
clamp01 (double x)
{
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

double
pm_health_score (const PmSegment *segment,
                 const PmSample  *sample)
{
  double loss_part = 0, latency_part = 0;

  if (!pm_sample_has_data (sample))
    return NAN;
  if (!isnan (sample->loss_ratio))
    {
      if (sample->loss_ratio >= 1.0f)
        return 1.0;
      loss_part = clamp01 (sample->loss_ratio / PM_HEALTH_LOSS_DOWN);
    }
  if (!isnan (sample->latency_ms))
    {
      double baseline = pm_segment_baseline_rtt_ms (segment);
      double excess = (sample->latency_ms - baseline) / MAX (baseline, PM_HEALTH_LATENCY_FLOOR_MS);
      latency_part = clamp01 (excess / PM_HEALTH_LATENCY_DOWN);
    }
  return MAX (loss_part, latency_part);
}

PmHealthLevel
pm_health_level (double score)
{
  if (isnan (score))
    return PM_HEALTH_NO_DATA;
  if (score >= 0.999)
    return PM_HEALTH_DOWN;
  if (score >= 0.35)
    return PM_HEALTH_DEGRADED;
  return PM_HEALTH_GOOD;
}

const char *
pm_health_level_to_string (PmHealthLevel level)
{
  switch (level)
    {
    case PM_HEALTH_GOOD:
      return "good";
    case PM_HEALTH_DEGRADED:
      return "degraded";
    case PM_HEALTH_DOWN:
      return "down";
    case PM_HEALTH_NO_DATA:
    default:
      return "no data";
    }
}
