/* pm-health.h: one number for "how is this segment doing now", from latency and loss.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "model/pm-topology.h"
#include "telemetry/pm-series.h"

G_BEGIN_DECLS

/* Loss at which a segment counts as fully degraded; NOC practice pages well before 5%. */
#define PM_HEALTH_LOSS_DOWN      0.05
/* Latency excess over the fibre baseline, as a fraction of it, at which a segment counts as
 * fully degraded. The floor keeps short metro links from turning red on a few ms of jitter. */
#define PM_HEALTH_LATENCY_DOWN   1.5
#define PM_HEALTH_LATENCY_FLOOR_MS 5.0

typedef enum
{
  PM_HEALTH_NO_DATA,
  PM_HEALTH_GOOD,
  PM_HEALTH_DEGRADED,
  PM_HEALTH_DOWN,
} PmHealthLevel;

double        pm_health_score          (const PmSegment *segment,
                                        const PmSample  *sample);
PmHealthLevel pm_health_level          (double score);
const char   *pm_health_level_to_string (PmHealthLevel level);

G_END_DECLS
