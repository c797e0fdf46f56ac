/* pm-snapshot.h: an immutable picture of the engine at one tick, shared read-only with the UI,
 * the CLI and the engine's components. Reference counted; never modified after it is published.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "mirror/pm-catalog.h"
#include "model/pm-event.h"
#include "model/pm-topology.h"
#include "telemetry/pm-series.h"
#include "telemetry/pm-feed-poller.h"
#include "telemetry/pm-source.h"

G_BEGIN_DECLS

#define PM_MAX_FACTORS 6

/* One contribution to a risk score, for the explanation shown to operators. */
typedef struct
{
  const char *name;      /* stable key: "loss_trend", "forecast_crossing", "weather", … */
  double      weight;    /* contribution to the score's log-odds */
  char        text[96];  /* in words: "loss rising 0.4%/min", "storm 'Severe' over segment" */
} PmRiskFactor;

typedef struct
{
  PmSample     sample;       /* the newest sample, NAN fields when none */
  gint64       sample_time;  /* unix seconds of that sample, 0 when none */
  double       health;       /* pm_health_score(); NAN = no data */
  double       risk;         /* P(partition within the horizon); NAN = not computed / no data */
  gint64       eta_s;        /* expected partition time (unix s); 0 = none expected */
  guint        n_factors;
  PmRiskFactor factors[PM_MAX_FACTORS];  /* largest contribution first */
} PmSegmentState;

typedef struct
{
  guint  n_segments;     /* attached segments */
  guint  n_down;         /* of those, down now */
  double best_health;    /* of the attached segments: a site is as reachable as its best link;
                          * NAN when none has data */
  double isolation;      /* P(site loses every path to the origin within the horizon); NAN = unknown */
} PmSiteState;

typedef enum
{
  PM_ALERT_PENDING,
  PM_ALERT_FIRING,
  PM_ALERT_RESOLVED,
} PmAlertState;

typedef enum
{
  PM_ALERT_SEGMENT,
  PM_ALERT_SITE,
} PmAlertSubject;

typedef struct
{
  char          *id;              /* stable: "segment:<id>:<n>" or "site:<id>:<n>" */
  PmAlertSubject subject;
  guint          index;           /* segment or site index in the topology */
  PmAlertState   state;
  double         probability;
  gint64         eta_s;           /* 0 = none */
  gint64         pending_since;
  gint64         fired_at;        /* 0 while pending */
  gint64         resolved_at;     /* 0 while pending or firing */
  gboolean       acknowledged;
  char          *acknowledged_by;
  gint64         silenced_until;  /* 0 = not silenced */
  char          *silence_reason;
  guint          n_factors;
  PmRiskFactor   factors[PM_MAX_FACTORS];
} PmAlert;

PmAlert    *pm_alert_copy        (const PmAlert *alert);
void        pm_alert_free        (PmAlert *alert);
const char *pm_alert_state_to_string (PmAlertState state);

/* The forecast of one watched segment (pm_engine_set_watched_segment), for the console's chart:
 * per metric, in PmMetric order (latency ms, jitter ms, loss ratio), the mean and the standard
 * deviation of the forecast at start_s + (h + 1) × step_s for h = 0 … n_steps - 1. A metric
 * without a forecast has NAN values. */
#define PM_WATCH_N_METRICS 3

typedef struct
{
  guint   segment;
  gint64  start_s;   /* the forecaster's newest step: the forecast begins one step after it */
  gint64  step_s;
  guint   n_steps;   /* covers the risk horizon */
  double *mean[PM_WATCH_N_METRICS];
  double *sd[PM_WATCH_N_METRICS];
} PmForecastWatch;

PmForecastWatch *pm_forecast_watch_new  (guint  segment,
                                         gint64 start_s,
                                         gint64 step_s,
                                         guint  n_steps);
void             pm_forecast_watch_free (PmForecastWatch *watch);

typedef struct _PmSnapshot PmSnapshot;

struct _PmSnapshot
{
  gint64          time_s;
  double          speed;
  gboolean        paused;
  PmTopology     *topology;
  char           *source_description;
  PmSourceState   source_state;
  char           *source_error;     /* NULL unless the source reported one */
  PmCatalogState  catalog_state;    /* whether the catalogue takes decisions now */
  guint           n_segments;
  PmSegmentState *segments;
  guint           n_sites;
  PmSiteState    *sites;
  GPtrArray      *events;           /* PmEvent: infrastructure events active now */
  GPtrArray      *feeds;            /* PmFeedStatus: each --events feed, in the given order */
  gint64          horizon_s;        /* the risk horizon H */
  gboolean        predicting;       /* FALSE while the predictor still learns from the stored
                                     * history: every risk is unknown, no alert is raised */
  GPtrArray      *alerts;           /* PmAlert: pending and firing, then recently resolved */
  PmForecastWatch *watch;          /* the watched segment's forecast; NULL when none */
};

#define PM_TYPE_SNAPSHOT (pm_snapshot_get_type ())
GType       pm_snapshot_get_type (void) G_GNUC_CONST;

PmSnapshot *pm_snapshot_new      (PmTopology *topology);
PmSnapshot *pm_snapshot_ref      (PmSnapshot *self);
void        pm_snapshot_unref    (PmSnapshot *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSnapshot, pm_snapshot_unref)

G_END_DECLS
