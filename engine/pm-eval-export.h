/* pm-eval-export.h: `premirror-eval --export DIR`: a simulator scenario written as the files a
 * user would bring from a real network, so that replaying them gives the simulator run's report.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-eval-replay.h"

G_BEGIN_DECLS

/* The files of an exported scenario, in its folder. */
#define PM_EVAL_EXPORT_METRICS     "metrics.csv"
#define PM_EVAL_EXPORT_TRUTH       "truth.json"
#define PM_EVAL_EXPORT_MAINTENANCE "maintenance.ics"
#define PM_EVAL_EXPORT_WEATHER     "weather.geojson"
#define PM_EVAL_EXPORT_TOPOLOGY    "topology.geojson"

typedef struct
{
  guint64 rows;          /* metrics.csv */
  guint   partitions;    /* truth.json */
  guint   maintenance;   /* maintenance.ics */
  guint   weather;       /* weather.geojson */
} PmEvalExportSummary;

/* Writes seed's run of scenario into dir (created if needed):
 * - metrics.csv: every sample from a day before the scored range to its end, in time order;
 * - truth.json: the partitions the run is scored against;
 * - maintenance.ics, weather.geojson: every maintenance notice and weather alert of that time;
 * - topology.geojson: topology_bytes, the topology as read (so that the folder is complete).
 * An existing export is never overwritten: the files are written under temporary names and
 * renamed at the end, metrics.csv last, so that an interrupted export never looks complete. */
gboolean pm_eval_export (const PmEvalScenario *scenario,
                         guint64               seed,
                         GBytes               *topology_bytes,
                         const char           *dir,
                         PmEvalExportSummary  *summary,
                         GError              **error);

G_END_DECLS
