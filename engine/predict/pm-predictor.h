/* pm-predictor.h: the Partition Prediction Engine's per-tick pipeline: from the time series and
 * the event feeds to each segment's risk, expected time and factors in the snapshot.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "model/pm-topology.h"
#include "pm-snapshot.h"
#include "telemetry/pm-series.h"

G_BEGIN_DECLS

#define PM_PREDICTOR_DEFAULT_HORIZON_S (30 * 60)

#define PM_TYPE_PREDICTOR (pm_predictor_get_type ())
G_DECLARE_FINAL_TYPE (PmPredictor, pm_predictor, PM, PREDICTOR, GObject)

PmPredictor *pm_predictor_new         (PmTopology *topology,
                                       gint64      horizon_s);
gint64       pm_predictor_get_horizon (PmPredictor *self);
/* Only from the thread that updates the predictor, never during a warm-up. */
void         pm_predictor_set_horizon (PmPredictor *self,
                                       gint64       horizon_s);
/* The long first step: fits every segment's forecasters on the stored history and walks it up to
 * now_s (training the risk model on the outcomes it holds). It touches only the predictor and
 * reads only the store, so it may run in a worker thread on a copy of the store while nothing
 * else uses the predictor; pm_predictor_update does it itself when it has not been done. */
void         pm_predictor_warm_up     (PmPredictor   *self,
                                       PmSeriesStore *store,
                                       gint64         now_s);
gboolean     pm_predictor_is_warm     (PmPredictor   *self);
void         pm_predictor_update      (PmPredictor     *self,
                                       PmSeriesStore   *store,
                                       const GPtrArray *events,
                                       gint64           now_s,
                                       PmSnapshot      *snapshot);

typedef struct _PmAlertManager PmAlertManager;
PmAlertManager *pm_predictor_get_alert_manager (PmPredictor *self);
typedef struct _PmRiskModel PmRiskModel;
PmRiskModel    *pm_predictor_get_risk_model    (PmPredictor *self);
typedef struct _PmForecaster PmForecaster;
PmForecaster   *pm_predictor_get_forecaster    (PmPredictor *self);

G_END_DECLS
