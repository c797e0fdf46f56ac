/* test-risk-model.c: the logistic Partition Risk Score model.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "pm-test-util.h"
#include "predict/pm-risk-labeler.h"
#include "predict/pm-risk-model.h"

static void
test_risk_model_no_evidence_is_low (void)
{
  g_autoptr(PmRiskModel) model = pm_risk_model_new ();
  PmRiskFeatures none = { 0 };

  g_assert_cmpfloat (pm_risk_model_predict (model, &none, NULL), <, 0.01);
}

static void
test_risk_model_evidence_passes_through (void)
{
  g_autoptr(PmRiskModel) model = pm_risk_model_new ();
  PmRiskFeatures features = { 0 };
  double contributions[PM_RISK_N_FEATURES];
  double p, z = 0;

  features.x[PM_RISK_FEATURE_MAINTENANCE] = pm_risk_evidence (0.6);
  p = pm_risk_model_predict (model, &features, contributions);
  g_assert_cmpfloat_with_epsilon (p, 0.6, 1e-9);

  /* The explanation adds up to the score. */
  for (guint i = 0; i < PM_RISK_N_FEATURES; i++)
    z += contributions[i];
  z += pm_risk_model_get_bias (model);
  g_assert_cmpfloat_with_epsilon (1 / (1 + exp (-z)), p, 1e-12);
  g_assert_cmpfloat (contributions[PM_RISK_FEATURE_MAINTENANCE], >, 0);
  g_assert_cmpfloat (contributions[PM_RISK_FEATURE_WEATHER], ==, 0);

  /* Two independent pieces of evidence say more than either. */
  features.x[PM_RISK_FEATURE_WEATHER] = pm_risk_evidence (0.3);
  g_assert_cmpfloat (pm_risk_model_predict (model, &features, NULL), >, 0.6);
}

static void
test_risk_model_nan_is_absent (void)
{
  g_autoptr(PmRiskModel) model = pm_risk_model_new ();
  PmRiskFeatures with_nan = { 0 }, without = { 0 };

  with_nan.x[PM_RISK_FEATURE_ANOMALY] = NAN;
  g_assert_cmpfloat (pm_risk_model_predict (model, &with_nan, NULL), ==,
                     pm_risk_model_predict (model, &without, NULL));
  g_assert_cmpfloat (pm_risk_evidence (NAN), ==, 0);
  g_assert_cmpfloat (pm_risk_evidence (0), ==, 0);
  g_assert_true (isfinite (pm_risk_evidence (1.0)));
}

/* Outcomes drawn from a known logistic law in the anomaly score: after online training the
 * model's probabilities match observed frequencies (calibration) within a few points. */
static void
test_risk_model_learns_calibrated (void)
{
  g_autoptr(PmRiskModel) model = pm_risk_model_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  double predicted[5] = { 0 }, observed[5] = { 0 }, count[5] = { 0 };

  for (int i = 0; i < 200000; i++)
    {
      PmRiskFeatures features = { 0 };
      double a = g_rand_double (rand);
      double truth = 1 / (1 + exp (-(-4 + 6 * a)));

      features.x[PM_RISK_FEATURE_LEVEL] = a;
      pm_risk_model_train (model, &features, g_rand_double (rand) < truth);
    }
  g_assert_cmpuint (pm_risk_model_get_n_trained (model), ==, 200000);
  g_assert_cmpfloat_with_epsilon (pm_risk_model_get_weight (model, PM_RISK_FEATURE_LEVEL), 6,
                                  1.0);

  for (int i = 0; i < 50000; i++)
    {
      PmRiskFeatures features = { 0 };
      double a = g_rand_double (rand);
      double truth = 1 / (1 + exp (-(-4 + 6 * a)));
      double p;
      int bucket;

      features.x[PM_RISK_FEATURE_LEVEL] = a;
      p = pm_risk_model_predict (model, &features, NULL);
      bucket = MIN ((int) (p * 5), 4);
      predicted[bucket] += p;
      observed[bucket] += g_rand_double (rand) < truth;
      count[bucket]++;
    }
  for (int b = 0; b < 5; b++)
    if (count[b] > 1000)
      g_assert_cmpfloat_with_epsilon (predicted[b] / count[b], observed[b] / count[b], 0.04);
}

/* Examples become training data exactly one horizon after they were recorded, positive when a
 * partition started within that horizon. */
static void
test_risk_labeler_delays_and_labels (void)
{
  g_autoptr(PmRiskLabeler) labeler = pm_risk_labeler_new (2, 1800, 60);
  g_autoptr(PmRiskModel) model = pm_risk_model_new ();
  PmRiskFeatures signal = { 0 };
  double before;

  signal.x[PM_RISK_FEATURE_ANOMALY] = 1.0;
  before = pm_risk_model_predict (model, &signal, NULL);

  /* One record per minute at most. */
  for (gint64 t = 0; t < 3600; t += 10)
    {
      pm_risk_labeler_record (labeler, 0, t, &signal);
      pm_risk_labeler_record (labeler, 1, t, &signal);
    }
  g_assert_cmpuint (pm_risk_labeler_get_n_pending (labeler), ==, 2 * 60);

  /* Segment 0 partitions at 3600: its records from 1800 on become positive. */
  pm_risk_labeler_partition_started (labeler, 0, 3600);
  g_assert_cmpuint (pm_risk_labeler_train_due (labeler, 1799, model), ==, 0);
  g_assert_cmpuint (pm_risk_labeler_train_due (labeler, 1800, model), ==, 2);
  g_assert_cmpuint (pm_risk_labeler_train_due (labeler, 5400, model), ==, 2 * 60 - 2);
  g_assert_cmpuint (pm_risk_labeler_get_n_pending (labeler), ==, 0);
  g_assert_cmpuint (pm_risk_model_get_n_trained (model), ==, 120);

  /* 30 positives against 90 negatives for a strong signal: the model now trusts it less. */
  g_assert_cmpfloat (pm_risk_model_predict (model, &signal, NULL), !=, before);
}

/* Live use, a record and a training pass every minute with partitions now and then, trains on
 * exactly what a direct replay of the same examples, labelled by hand, trains on, in the same
 * order; partitions label only what is still pending. */
static void
test_risk_labeler_live_matches_direct (void)
{
  const gint64 horizon = 1800, every = 60, end = 6 * 3600;
  const gint64 cuts[] = { 2400, 2460, 7200, 15000 };
  g_autoptr(PmRiskLabeler) labeler = pm_risk_labeler_new (1, horizon, every);
  g_autoptr(PmRiskModel) live = pm_risk_model_new ();
  g_autoptr(PmRiskModel) direct = pm_risk_model_new ();
  gint64 last_trained = -every;

  for (gint64 t = 0; t < end; t += every)
    {
      PmRiskFeatures f = { 0 };

      for (guint c = 0; c < G_N_ELEMENTS (cuts); c++)
        if (cuts[c] == t)
          pm_risk_labeler_partition_started (labeler, 0, t);
      f.x[PM_RISK_FEATURE_LEVEL] = (double) (t % 7) / 3;
      f.x[PM_RISK_FEATURE_ANOMALY] = (double) (t % 11) / 5;
      pm_risk_labeler_record (labeler, 0, t, &f);
      pm_risk_labeler_train_due (labeler, t, live);

      /* By hand: everything recorded at s with s + horizon <= t, in order. */
      for (gint64 s = last_trained + every; s + horizon <= t; s += every)
        {
          PmRiskFeatures g = { 0 };
          gboolean positive = FALSE;

          g.x[PM_RISK_FEATURE_LEVEL] = (double) (s % 7) / 3;
          g.x[PM_RISK_FEATURE_ANOMALY] = (double) (s % 11) / 5;
          for (guint c = 0; c < G_N_ELEMENTS (cuts); c++)
            positive |= s < cuts[c] && s >= cuts[c] - horizon && cuts[c] <= t;
          pm_risk_model_train (direct, &g, positive);
          last_trained = s;
        }
      g_assert_cmpuint (pm_risk_labeler_get_n_pending (labeler), ==,
                        (guint) ((t - last_trained) / every));
    }
  g_assert_cmpuint (pm_risk_model_get_n_trained (live), ==, pm_risk_model_get_n_trained (direct));
  g_assert_cmpfloat (pm_risk_model_get_bias (live), ==, pm_risk_model_get_bias (direct));
  for (guint i = 0; i < PM_RISK_N_FEATURES; i++)
    g_assert_cmpfloat (pm_risk_model_get_weight (live, i), ==, pm_risk_model_get_weight (direct, i));
}

/* Every feature has its own name: the explanations and the API report factors by it. */
static void
test_risk_model_feature_names (void)
{
  for (guint i = 0; i < PM_RISK_N_FEATURES; i++)
    {
      g_assert_cmpstr (pm_risk_feature_name (i), !=, "unknown");
      g_assert_nonnull (pm_risk_feature_name (i));
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (pm_risk_feature_name (i), !=, pm_risk_feature_name (j));
    }
  g_assert_cmpstr (pm_risk_feature_name (PM_RISK_FEATURE_LEVEL), ==, "level");
  g_assert_cmpstr (pm_risk_feature_name (PM_RISK_N_FEATURES), ==, "unknown");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/risk-model/no-evidence-is-low", test_risk_model_no_evidence_is_low);
  g_test_add_func ("/risk-model/evidence-passes-through", test_risk_model_evidence_passes_through);
  g_test_add_func ("/risk-model/nan-is-absent", test_risk_model_nan_is_absent);
  g_test_add_func ("/risk-model/learns-calibrated", test_risk_model_learns_calibrated);
  g_test_add_func ("/risk-model/labeler-delays-and-labels", test_risk_labeler_delays_and_labels);
  g_test_add_func ("/risk-model/labeler-live-matches-direct",
                   test_risk_labeler_live_matches_direct);
  g_test_add_func ("/risk-model/feature-names", test_risk_model_feature_names);

  return g_test_run ();
}
