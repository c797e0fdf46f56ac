/* pm-risk-model.h: the Partition Risk Score's logistic model: features in, a calibrated
 * probability of partition within the horizon out, with each feature's contribution kept for the
 * explanation; trained online as outcomes become known.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  PM_RISK_FEATURE_FORECAST_CROSSING, /* evidence: P(forecast crosses the partition threshold) */
  PM_RISK_FEATURE_LOSS_TREND,        /* loss slope, in units of the segment's usual variation */
  PM_RISK_FEATURE_LATENCY_TREND,     /* latency slope, likewise */
  PM_RISK_FEATURE_JITTER_LEVEL,      /* jitter above its usual level */
  PM_RISK_FEATURE_ANOMALY,           /* the degradation detector's surprise (decades of rarity) */
  PM_RISK_FEATURE_LOSS_EXCESS,       /* loss above usual in absolute terms (per 3 points) */
  PM_RISK_FEATURE_MAINTENANCE,       /* evidence: maintenance hazard */
  PM_RISK_FEATURE_WEATHER,           /* evidence: weather hazard */
  PM_RISK_FEATURE_HISTORY,           /* evidence: the segment's own unexplained failure rate */
  PM_RISK_FEATURE_LEVEL,             /* latency/loss/jitter level above usual, in usual variation */
  PM_RISK_N_FEATURES
} PmRiskFeature;

typedef struct
{
  double x[PM_RISK_N_FEATURES];
} PmRiskFeatures;

#define PM_TYPE_RISK_MODEL (pm_risk_model_get_type ())
G_DECLARE_FINAL_TYPE (PmRiskModel, pm_risk_model, PM, RISK_MODEL, GObject)

PmRiskModel *pm_risk_model_new            (void);
double       pm_risk_model_predict        (PmRiskModel          *self,
                                           const PmRiskFeatures *features,
                                           double               *contributions);
void         pm_risk_model_train          (PmRiskModel          *self,
                                           const PmRiskFeatures *features,
                                           gboolean              partitioned);
double       pm_risk_model_get_weight     (PmRiskModel  *self,
                                           PmRiskFeature feature);
double       pm_risk_model_get_bias       (PmRiskModel *self);
guint64      pm_risk_model_get_n_trained  (PmRiskModel *self);

double       pm_risk_evidence             (double probability);
const char  *pm_risk_feature_name         (PmRiskFeature feature);

G_END_DECLS
