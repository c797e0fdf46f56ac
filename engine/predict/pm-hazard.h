/* pm-hazard.h: how much infrastructure events (maintenance windows, weather alerts) threaten each
 * segment within the horizon, with per-segment rates learned from what followed past events.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "model/pm-event.h"
#include "model/pm-topology.h"

G_BEGIN_DECLS

typedef struct
{
  double maintenance;          /* P(partition | the maintenance exposure now), 0 when none */
  double weather;              /* P(partition | the weather exposure now), 0 when none */
  gint64 maintenance_start_s;  /* start of the threatening window, 0 when none */
  char   maintenance_text[96];
  char   weather_text[96];
} PmSegmentHazard;

/* What the model learns a rate for: impacts and severities that differ in how often they cut. */
typedef enum
{
  PM_HAZARD_MAINTENANCE_OUTAGE,   /* a window announced as OUTAGE (or an unknown impact) */
  PM_HAZARD_MAINTENANCE_PARTIAL,  /* REDUCED-REDUNDANCY or DEGRADED: a reroute, rarely a cut */
  PM_HAZARD_WEATHER_SEVERE,       /* CAP severity Extreme or Severe */
  PM_HAZARD_WEATHER_OTHER,        /* Moderate, Minor or Unknown */
  PM_HAZARD_N_CLASSES,
} PmHazardClass;

#define PM_TYPE_HAZARD_MODEL (pm_hazard_model_get_type ())
G_DECLARE_FINAL_TYPE (PmHazardModel, pm_hazard_model, PM, HAZARD_MODEL, GObject)

PmHazardModel *pm_hazard_model_new              (PmTopology *topology);
void           pm_hazard_model_evaluate         (PmHazardModel   *self,
                                                 const GPtrArray *events,
                                                 gint64           now_s,
                                                 gint64           horizon_s,
                                                 PmSegmentHazard *out);
void           pm_hazard_model_observe_partition (PmHazardModel *self,
                                                  guint          segment,
                                                  gint64         start_s);
/* P(partition | exposure to an event of this class) for the segment. */
double         pm_hazard_model_get_rate         (PmHazardModel *self,
                                                 guint          segment,
                                                 PmHazardClass  hazard_class);
int            pm_hazard_model_match_segment    (PmHazardModel *self,
                                                 const PmEvent *event);

G_END_DECLS
