/* test-holt-winters.c: the seasonal Holt-Winters model: fit, forecasts, intervals, gaps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "pm-test-util.h"
#include "predict/pm-holt-winters.h"

#define STEP 10
#define DAY  (24 * 3600)
#define DAY_STEPS (DAY / STEP)
/* A Monday 00:00 UTC; any start works, a fixed one keeps the test deterministic. */
#define T0   1767571200

/* 50 + 10 sin (daily) + N(0, σ²): a daily load cycle well above the noise. */
static double
clean_sine (gsize i)
{
  return 50 + 10 * sin (2 * G_PI * (double) (i % DAY_STEPS) / DAY_STEPS + 1.0);
}

static float *
sine_series (guint32 seed,
             gsize   n,
             double  sigma)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  float *y = g_new (float, n);

  for (gsize i = 0; i < n; i++)
    y[i] = (float) (clean_sine (i) + sigma * pm_test_gauss (rand));
  return y;
}

/* Fitted on two days, the next hours are forecast about as well as the noise allows. */
static void
test_sine_forecast (void)
{
  const double sigma = 1;
  const gsize history = 2 * DAY_STEPS, ahead = 3 * 360;
  g_autofree float *y = sine_series (1, history + ahead, sigma);
  g_autoptr(PmHoltWinters) hw = pm_holt_winters_new (NULL);
  g_autofree double *mean = g_new (double, ahead);
  g_autofree double *sd = g_new (double, ahead);
  PmHoltWintersParams params;
  double se_obs = 0, se_clean = 0;

  g_assert_true (pm_holt_winters_fit (hw, y, history, T0));
  pm_holt_winters_get_params (hw, &params);
  g_test_message ("fitted alpha %.4f beta %.4f gamma %.4f, mse %.4f", params.alpha, params.beta,
                  params.gamma, pm_holt_winters_get_fit_mse (hw));
  g_assert_cmpint (pm_holt_winters_get_time (hw), ==, T0 + (gint64) (history - 1) * STEP);
  g_assert_cmpuint (pm_holt_winters_get_n_unknown_slots (hw), ==, 0);

  pm_holt_winters_forecast_path (hw, ahead, mean, sd);
  for (gsize h = 0; h < ahead; h++)
    {
      se_obs += (mean[h] - y[history + h]) * (mean[h] - y[history + h]);
      se_clean += (mean[h] - clean_sine (history + h)) * (mean[h] - clean_sine (history + h));
    }
  pm_test_assert_between ("RMSE vs outcomes / sigma", sqrt (se_obs / ahead) / sigma, 0.85, 1.25);
  pm_test_assert_between ("RMSE vs noise-free / sigma", sqrt (se_clean / ahead) / sigma, 0, 0.5);
  /* The interval neither collapses nor explodes over three hours. */
  pm_test_assert_between ("sd(1) / sigma", sd[0] / sigma, 0.85, 1.2);
  pm_test_assert_between ("sd(3 h) / sigma", sd[ahead - 1] / sigma, 0.9, 4);
}

/* Over a whole day of live updates, 95% intervals hold 90–99% of the outcomes. */
static void
test_coverage (void)
{
  const double sigma = 2;
  const gsize history = 2 * DAY_STEPS, live = DAY_STEPS;
  static const guint horizons[] = { 1, 30, 180 };
  g_autofree float *y = sine_series (2, history + live + 180, sigma);
  g_autoptr(PmHoltWinters) hw = pm_holt_winters_new (NULL);
  double mean[180], sd[180];
  guint inside[G_N_ELEMENTS (horizons)] = { 0 }, total = 0;

  g_assert_true (pm_holt_winters_fit (hw, y, history, T0));
  for (gsize i = history; i < history + live; i++)
    {
      if ((i - history) % 20 == 0)
        {
          pm_holt_winters_forecast_path (hw, 180, mean, sd);
          for (guint k = 0; k < G_N_ELEMENTS (horizons); k++)
            {
              guint h = horizons[k];
              if (fabs (y[i + h - 1] - mean[h - 1]) <= 1.96 * sd[h - 1])
                inside[k]++;
            }
          total++;
        }
      g_assert_true (pm_holt_winters_update (hw, T0 + (gint64) i * STEP, y[i], NULL));
    }
  for (guint k = 0; k < G_N_ELEMENTS (horizons); k++)
    {
      g_autofree char *what = g_strdup_printf ("coverage at h = %u", horizons[k]);
      pm_test_assert_between (what, (double) inside[k] / total, 0.90, 0.99);
    }
}

/* A local-level series y_t = ℓ_{t−1} + ε_t, ℓ_t = ℓ_{t−1} + α ε_t: the fit finds α. With one
 * slot per period the model is Holt's linear method, whose parameters are then identified. */
static void
test_recover_alpha (void)
{
  PmHoltWintersConfig config = { STEP, 3600, 3600 };

  for (guint seed = 1; seed <= 3; seed++)
    {
      const double alpha = 0.3;
      const gsize n = 4320;
      g_autoptr(GRand) rand = g_rand_new_with_seed (100 + seed);
      g_autoptr(PmHoltWinters) hw = pm_holt_winters_new (&config);
      g_autofree float *y = g_new (float, n);
      PmHoltWintersParams params;
      double level = 20;

      for (gsize i = 0; i < n; i++)
        {
          double e = 0.5 * pm_test_gauss (rand);
          y[i] = (float) (level + e);
          level += alpha * e;
        }
      g_assert_true (pm_holt_winters_fit (hw, y, n, T0));
      pm_holt_winters_get_params (hw, &params);
      g_test_message ("seed %u: alpha %.4f beta %.5f", seed, params.alpha, params.beta);
      pm_test_assert_between ("alpha", params.alpha, alpha - 0.05, alpha + 0.05);
      /* No trend in the data: the trend smoothing stays at its floor. */
      g_assert_cmpfloat (params.beta, <=, 0.03);
    }
}

/* A steady ramp: the trend is the slope; undamped, the forecast extends the line, damped
 * (the default), it bends below it by the damping's share. */
static void
test_trend (void)
{
  PmHoltWintersConfig config = { STEP, 3600, 3600 };
  g_autoptr(PmHoltWinters) hw = pm_holt_winters_new (&config);
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  const gsize n = 4320;
  g_autofree float *y = g_new (float, n);
  PmHoltWintersParams params;
  double mean, line = 10 + 0.01 * (n - 1 + 360), phi;

  for (gsize i = 0; i < n; i++)
    y[i] = (float) (10 + 0.01 * i + 0.1 * pm_test_gauss (rand));

  pm_holt_winters_get_params (hw, &params);
  phi = params.phi;
  g_assert_cmpfloat (phi, <, 1);
  params.phi = 1;
  pm_holt_winters_set_params (hw, &params);
  g_assert_true (pm_holt_winters_fit (hw, y, n, T0));
  pm_test_assert_between ("trend per step", pm_holt_winters_get_trend (hw), 0.008, 0.012);
  pm_holt_winters_forecast (hw, 360, &mean, NULL);
  pm_test_assert_between ("undamped forecast an hour on", mean, line - 0.5, line + 0.5);

  params.phi = phi;
  pm_holt_winters_set_params (hw, &params);
  g_assert_true (pm_holt_winters_fit (hw, y, n, T0));
  pm_holt_winters_forecast (hw, 360, &mean, NULL);
  /* The damped trend adds φ (1 − φ^360) / (1 − φ) steps' worth instead of 360. */
  line = 10 + 0.01 * (n - 1) + 0.01 * phi * (1 - pow (phi, 360)) / (1 - phi);
  pm_test_assert_between ("damped forecast an hour on", mean, line - 0.5, line + 0.5);
}

/* Missing values and skipped steps move time on without corrupting the state: the model fed
 * with gaps stays close to the one fed with everything, and every missing step is counted. */
static void
test_gaps (void)
{
  const double sigma = 1;
  const gsize history = DAY_STEPS, live = DAY_STEPS;
  g_autofree float *y = sine_series (3, history + live, sigma);
  g_autofree float *holed = g_memdup2 (y, (history + live) * sizeof (float));
  g_autoptr(PmHoltWinters) full = pm_holt_winters_new (NULL);
  g_autoptr(PmHoltWinters) gappy = pm_holt_winters_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (4);
  guint64 expected_missing = 0, missing_before;
  double se = 0, mean_full, mean_gappy, sd_before, sd_after;
  gsize n_se = 0;

  /* 10% scattered NAN in the history and the live day, and a 30 min outage in the history. */
  for (gsize i = 0; i < history + live; i++)
    if (g_rand_double (rand) < 0.1 || (i >= 3000 && i < 3180))
      holed[i] = NAN;
  for (gsize i = 0; i < history; i++)
    expected_missing += isnan (holed[i]);

  g_assert_true (pm_holt_winters_fit (full, y, history, T0));
  g_assert_true (pm_holt_winters_fit (gappy, holed, history, T0));
  g_assert_cmpuint (pm_holt_winters_get_n_missing (gappy), ==, expected_missing);
  g_assert_cmpuint (pm_holt_winters_get_n_observed (gappy), ==, history - expected_missing);

  missing_before = pm_holt_winters_get_n_missing (gappy);
  expected_missing = 0;
  for (gsize i = history; i < history + live; i++)
    {
      gint64 t = T0 + (gint64) i * STEP;
      double e;

      g_assert_true (pm_holt_winters_update (full, t, y[i], NULL));
      /* A 20-minute stretch with no samples at all: time simply jumps over it. */
      if (i >= history + 1000 && i < history + 1120)
        {
          expected_missing++;
          continue;
        }
      if (i == history + 1120)
        {
          pm_holt_winters_forecast (gappy, 1, NULL, &sd_after);
          g_assert_true (isfinite (sd_after));
        }
      g_assert_true (pm_holt_winters_update (gappy, t, holed[i], &e));
      if (isnan (holed[i]))
        {
          expected_missing++;
          g_assert_true (isnan (e));
        }
      else if (i > history + 60)
        {
          g_assert_true (isfinite (e));
          se += e * e;
          n_se++;
        }
    }
  g_assert_cmpuint (pm_holt_winters_get_n_missing (gappy) - missing_before, ==, expected_missing);
  pm_test_assert_between ("one-step RMSE with gaps / sigma", sqrt (se / n_se) / sigma, 0.85, 1.25);

  pm_holt_winters_forecast (full, 30, &mean_full, NULL);
  pm_holt_winters_forecast (gappy, 30, &mean_gappy, NULL);
  pm_test_assert_between ("|gappy - full| forecast / sigma",
                          fabs (mean_gappy - mean_full) / sigma, 0, 1);

  /* The interval widens with the steps since the last value. */
  pm_holt_winters_forecast (gappy, 1, NULL, &sd_before);
  g_assert_true (pm_holt_winters_update (gappy, T0 + (gint64) (history + live) * STEP, NAN,
                                         NULL));
  g_assert_cmpuint (pm_holt_winters_get_steps_since_value (gappy), >=, 1);
  pm_holt_winters_forecast (gappy, 1, NULL, &sd_after);
  g_assert_cmpfloat (sd_after, >, sd_before);
}

/* Samples at or before the last step are refused and change nothing. */
static void
test_rejects_old_samples (void)
{
  g_autofree float *y = sine_series (5, DAY_STEPS, 1);
  g_autoptr(PmHoltWinters) hw = pm_holt_winters_new (NULL);
  gint64 last = T0 + (gint64) (DAY_STEPS - 1) * STEP;
  double before, after, e = 0;

  g_assert_true (pm_holt_winters_fit (hw, y, DAY_STEPS, T0));
  pm_holt_winters_forecast (hw, 10, &before, NULL);
  g_assert_false (pm_holt_winters_update (hw, last, 1000, &e));
  g_assert_true (isnan (e));
  g_assert_false (pm_holt_winters_update (hw, last - 3600, 1000, NULL));
  /* Inside the last step (times need not be aligned) is the same step. */
  g_assert_false (pm_holt_winters_update (hw, last + STEP - 1, 1000, NULL));
  pm_holt_winters_forecast (hw, 10, &after, NULL);
  g_assert_cmpfloat (before, ==, after);
  g_assert_cmpuint (pm_holt_winters_get_n_rejected (hw), ==, 3);
  g_assert_true (pm_holt_winters_update (hw, last + STEP, y[0], NULL));
}

/* Without a fit, the model starts from its first value and learns the profile from the data. */
static void
test_unfitted_start (void)
{
  g_autoptr(PmHoltWinters) hw = pm_holt_winters_new (NULL);
  g_autofree float *y = sine_series (6, 3 * DAY_STEPS, 0.5);
  double mean, sd, se = 0;
  gsize n = 0;

  pm_holt_winters_forecast (hw, 1, &mean, &sd);
  g_assert_true (isnan (mean) && isnan (sd));
  /* Leading missing values: no level yet, still no forecast. */
  g_assert_true (pm_holt_winters_update (hw, T0 - 2 * STEP, NAN, NULL));
  g_assert_true (pm_holt_winters_update (hw, T0 - STEP, NAN, NULL));
  pm_holt_winters_forecast (hw, 1, &mean, NULL);
  g_assert_true (isnan (mean));

  for (gsize i = 0; i < 3 * DAY_STEPS; i++)
    {
      double e;

      g_assert_true (pm_holt_winters_update (hw, T0 + (gint64) i * STEP, y[i], &e));
      if (i >= 2 * DAY_STEPS)
        {
          se += e * e;
          n++;
        }
    }
  g_assert_cmpuint (pm_holt_winters_get_n_unknown_slots (hw), ==, 0);
  pm_test_assert_between ("one-step RMSE on day 3 / sigma", sqrt (se / n) / 0.5, 0.9, 1.3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/holt-winters/sine-forecast", test_sine_forecast);
  g_test_add_func ("/holt-winters/coverage", test_coverage);
  g_test_add_func ("/holt-winters/recover-alpha", test_recover_alpha);
  g_test_add_func ("/holt-winters/trend", test_trend);
  g_test_add_func ("/holt-winters/gaps", test_gaps);
  g_test_add_func ("/holt-winters/rejects-old-samples", test_rejects_old_samples);
  g_test_add_func ("/holt-winters/unfitted-start", test_unfitted_start);
  return g_test_run ();
}
