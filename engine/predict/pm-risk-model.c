/* pm-risk-model.c: online logistic regression for the Partition Risk Score.
 *
 * Probability-like inputs (the forecast's crossing probability, event hazards, the segment's own
 * failure rate) enter as evidence: their log-odds above the floor PM_RISK_EVIDENCE_FLOOR. With
 * the prior weights (1 for each evidence feature, a bias at the floor's log-odds) a single piece of
 * evidence passes through unchanged, "maintenance says 0.6" reads as 0.6, and several combine as
 * independent evidence would. Training moves the weights from there with AdaGrad on the log loss,
 * and an L2 pull back towards the prior keeps a model that has seen few partitions sensible.
 * Logistic regression fitted on the log loss is calibrated by construction on the data it sees.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-risk-model.h"

#include <math.h>

/* The smallest probability the model tells apart from "no evidence at all". */
#define PM_RISK_EVIDENCE_FLOOR 0.002
#define LEARNING_RATE          0.05
#define PRIOR_PULL             1e-4
#define ADAGRAD_EPSILON        1e-8

struct _PmRiskModel
{
  GObject parent_instance;

  double  weights[PM_RISK_N_FEATURES];
  double  bias;
  double  prior_weights[PM_RISK_N_FEATURES];
  double  prior_bias;
  double  squared_gradients[PM_RISK_N_FEATURES + 1];
  guint64 n_trained;
};

G_DEFINE_TYPE (PmRiskModel, pm_risk_model, G_TYPE_OBJECT)

static double
logit (double p)
{
  return log (p / (1 - p));
}

static double
sigmoid (double z)
{
  return z >= 0 ? 1 / (1 + exp (-z)) : exp (z) / (1 + exp (z));
}

static void
pm_risk_model_class_init (PmRiskModelClass *klass)
{
}

static void
pm_risk_model_init (PmRiskModel *self)
{
  /* Evidence features pass through; trend-like features start with modest weights that say
   * "a degrading segment is more likely to fail" without claiming how much until trained. */
  static const double priors[PM_RISK_N_FEATURES] = {
    [PM_RISK_FEATURE_FORECAST_CROSSING] = 1.0,
    [PM_RISK_FEATURE_LOSS_TREND] = 0.6,
    [PM_RISK_FEATURE_LATENCY_TREND] = 0.4,
    [PM_RISK_FEATURE_JITTER_LEVEL] = 0.2,
    [PM_RISK_FEATURE_ANOMALY] = 0.5,
    [PM_RISK_FEATURE_LOSS_EXCESS] = 0.5,
    [PM_RISK_FEATURE_MAINTENANCE] = 1.0,
    [PM_RISK_FEATURE_WEATHER] = 1.0,
    [PM_RISK_FEATURE_HISTORY] = 1.0,
    [PM_RISK_FEATURE_LEVEL] = 2.0,
  };

  memcpy (self->prior_weights, priors, sizeof priors);
  memcpy (self->weights, priors, sizeof priors);
  self->prior_bias = self->bias = logit (PM_RISK_EVIDENCE_FLOOR);
}

PmRiskModel *
pm_risk_model_new (void)
{
  return g_object_new (PM_TYPE_RISK_MODEL, NULL);
}

/* Log-odds of a probability above the evidence floor: 0 for "nothing", growing without bound
 * towards certainty (clamped so that 1.0 stays finite). */
double
pm_risk_evidence (double probability)
{
  double p;

  if (isnan (probability) || probability <= PM_RISK_EVIDENCE_FLOOR)
    return 0;
  p = MIN (probability, 1 - 1e-6);
  return logit (p) - logit (PM_RISK_EVIDENCE_FLOOR);
}

/* The probability of partition within the horizon; contributions[i] (when not NULL) receives each
 * feature's share of the log-odds, for the explanation. NAN features count as absent (0): the
 * caller flags missing data separately, it is never read as reassurance here either. */
double
pm_risk_model_predict (PmRiskModel          *self,
                       const PmRiskFeatures *features,
                       double               *contributions)
{
  double z = self->bias;

  for (guint i = 0; i < PM_RISK_N_FEATURES; i++)
    {
      double part = isnan (features->x[i]) ? 0 : self->weights[i] * features->x[i];
      if (contributions != NULL)
        contributions[i] = part;
      z += part;
    }
  return sigmoid (z);
}

void
pm_risk_model_train (PmRiskModel          *self,
                     const PmRiskFeatures *features,
                     gboolean              partitioned)
{
  double error = pm_risk_model_predict (self, features, NULL) - (partitioned ? 1.0 : 0.0);

  for (guint i = 0; i <= PM_RISK_N_FEATURES; i++)
    {
      gboolean is_bias = i == PM_RISK_N_FEATURES;
      double x = is_bias ? 1.0 : (isnan (features->x[i]) ? 0 : features->x[i]);
      double *w = is_bias ? &self->bias : &self->weights[i];
      double prior = is_bias ? self->prior_bias : self->prior_weights[i];
      double gradient = error * x + PRIOR_PULL * (*w - prior);

      self->squared_gradients[i] += gradient * gradient;
      *w -= LEARNING_RATE * gradient / sqrt (self->squared_gradients[i] + ADAGRAD_EPSILON);
    }
  self->n_trained++;
}

double
pm_risk_model_get_weight (PmRiskModel  *self,
                          PmRiskFeature feature)
{
  return self->weights[feature];
}

double
pm_risk_model_get_bias (PmRiskModel *self)
{
  return self->bias;
}

guint64
pm_risk_model_get_n_trained (PmRiskModel *self)
{
  return self->n_trained;
}

const char *
pm_risk_feature_name (PmRiskFeature feature)
{
  static const char *names[PM_RISK_N_FEATURES] = {
    [PM_RISK_FEATURE_FORECAST_CROSSING] = "forecast_crossing",
    [PM_RISK_FEATURE_LOSS_TREND] = "loss_trend",
    [PM_RISK_FEATURE_LATENCY_TREND] = "latency_trend",
    [PM_RISK_FEATURE_JITTER_LEVEL] = "jitter_level",
    [PM_RISK_FEATURE_ANOMALY] = "anomaly",
    [PM_RISK_FEATURE_LOSS_EXCESS] = "loss_excess",
    [PM_RISK_FEATURE_MAINTENANCE] = "maintenance",
    [PM_RISK_FEATURE_WEATHER] = "weather",
    [PM_RISK_FEATURE_HISTORY] = "history",
    [PM_RISK_FEATURE_LEVEL] = "level",
  };
  return (guint) feature < PM_RISK_N_FEATURES ? names[feature] : "unknown";
}
