/* test-arima.c: ARIMA fit (coefficients, order by AIC), psi-weight intervals, gaps.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "pm-test-util.h"
#include "predict/pm-arima.h"

#define STEP 10
#define T0   1767571200
#define N    2160  /* six hours at 10 s: what the forecaster fits ARIMA on */

/* n values of an ARIMA(p,d,q) with unit shocks: w_t = mu + Σ φ (w − mu) + ε + Σ θ ε, then
 * integrated d times from 100. A burn-in lets the start be forgotten. */
static float *
simulate (guint32       seed,
          gsize         n,
          guint         p,
          const double *phi,
          guint         d,
          guint         q,
          const double *theta,
          double        mu)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  float *y = g_new (float, n);
  double w[3] = { 0 }, e[2] = { 0 }, level = 100;

  for (gsize i = 0; i < n + 500; i++)
    {
      double eps = pm_test_gauss (rand), x = eps;

      for (guint k = 0; k < p; k++)
        x += phi[k] * w[k];
      for (guint k = 0; k < q; k++)
        x += theta[k] * e[k];
      w[2] = w[1], w[1] = w[0], w[0] = x;
      e[1] = e[0], e[0] = eps;
      level = d ? level + x : 0;
      if (i >= 500)
        y[i - 500] = (float) (d ? level : mu + x);
    }
  return y;
}

static void
assert_order (const PmArima *arima,
              guint          p,
              guint          d,
              guint          q)
{
  PmArimaOrder order;

  pm_arima_get_order (arima, &order);
  g_test_message ("chosen ARIMA(%u,%u,%u)%s, AIC %.1f (expected ARIMA(%u,%u,%u))", order.p,
                  order.d, order.q, order.constant ? " with constant" : "",
                  pm_arima_get_aic (arima), p, d, q);
  g_assert_cmpuint (order.p, ==, p);
  g_assert_cmpuint (order.d, ==, d);
  g_assert_cmpuint (order.q, ==, q);
}

/* AR(1), φ = 0.7: the order and φ within ±0.05, on several seeds. */
static void
test_ar1 (void)
{
  static const double phi = 0.7;

  for (guint seed = 1; seed <= 5; seed++)
    {
      g_autofree float *y = simulate (seed, N, 1, &phi, 0, 0, NULL, 20);
      g_autoptr(PmArima) arima = pm_arima_new (STEP);
      double c, coef[PM_ARIMA_MAX_P];

      g_assert_true (pm_arima_fit (arima, y, N, T0));
      assert_order (arima, 1, 0, 0);
      pm_arima_get_coefficients (arima, &c, coef, NULL);
      pm_test_assert_between ("phi", coef[0], phi - 0.05, phi + 0.05);
      pm_test_assert_between ("mean", c / (1 - coef[0]), 19.7, 20.3);
      pm_test_assert_between ("sigma^2", pm_arima_get_fit_variance (arima), 0.9, 1.1);
    }
}

typedef struct
{
  const char *name;
  guint       p, d, q;
  double      phi[3];
  double      theta[2];
} Case;

/* Clear cases, ten seeds each: the unit-root test and AIC pick the generating order on most of
 * them (AIC is not consistent: it keeps a small chance of a parameter too many; on 100 seeds
 * each case is right 87–94% of the time). A wrong d is only ever a near-unit-root stand-in.
 * The coefficients are close whenever the order is right. */
static void
test_order_by_aic (void)
{
  typedef struct
  {
    Case  c;
    guint min_right;
  } OrderCase;
  static const OrderCase cases[] = {
    { { "white noise", 0, 0, 0, { 0 }, { 0 } }, 7 },
    { { "AR(2)", 2, 0, 0, { 0.5, 0.3 }, { 0 } }, 7 },
    { { "AR(3)", 3, 0, 0, { 0.4, 0.2, 0.25 }, { 0 } }, 7 },
    { { "MA(1)", 0, 0, 1, { 0 }, { 0.6 } }, 7 },
    { { "MA(2)", 0, 0, 2, { 0 }, { 0.5, 0.4 } }, 7 },
    { { "ARMA(1,1)", 1, 0, 1, { 0.8 }, { -0.5 } }, 7 },
    { { "ARIMA(1,1,0)", 1, 1, 0, { 0.5 }, { 0 } }, 7 },
    { { "ARIMA(0,1,1)", 0, 1, 1, { 0 }, { 0.6 } }, 7 },
    { { "random walk", 0, 1, 0, { 0 }, { 0 } }, 7 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i].c;
      guint right = 0;

      for (guint seed = 1; seed <= 10; seed++)
        {
          g_autofree float *y = simulate (seed * 7 + i, N, c->p, c->phi, c->d, c->q, c->theta,
                                          5);
          g_autoptr(PmArima) arima = pm_arima_new (STEP);
          double phi[PM_ARIMA_MAX_P], theta[PM_ARIMA_MAX_Q];
          PmArimaOrder order;

          g_assert_true (pm_arima_fit (arima, y, N, T0));
          pm_arima_get_order (arima, &order);
          pm_arima_get_coefficients (arima, NULL, phi, theta);
          g_test_message ("%s, seed %u: ARIMA(%u,%u,%u)%s, AIC %.1f", c->name, seed, order.p,
                          order.d, order.q, order.constant ? " with constant" : "",
                          pm_arima_get_aic (arima));
          if (order.d != c->d)
            {
              /* Only a stand-in for a unit root: Σ φ close to 1. */
              g_assert_cmpuint (c->d, ==, 1);
              pm_test_assert_between ("sum of phi of the stand-in", phi[0] + phi[1] + phi[2],
                                      0.95, 1);
              continue;
            }
          if (order.p != c->p || order.q != c->q)
            continue;
          right++;
          for (guint k = 0; k < c->p; k++)
            pm_test_assert_between ("phi", phi[k], c->phi[k] - 0.08, c->phi[k] + 0.08);
          for (guint k = 0; k < c->q; k++)
            pm_test_assert_between ("theta", theta[k], c->theta[k] - 0.08, c->theta[k] + 0.08);
        }
      g_test_message ("%s: right order on %u of 10 seeds", c->name, right);
      g_assert_cmpuint (right, >=, cases[i].min_right);
    }
}

/* A fixed order is fitted as asked. */
static void
test_fit_order (void)
{
  static const double phi = 0.7;
  g_autofree float *y = simulate (11, N, 1, &phi, 0, 0, NULL, 3);
  g_autoptr(PmArima) arima = pm_arima_new (STEP);
  PmArimaOrder order = { 2, 0, 1, TRUE };
  PmArimaOrder got;
  double aic_over;

  g_assert_true (pm_arima_fit_order (arima, &order, y, N, T0));
  pm_arima_get_order (arima, &got);
  g_assert_cmpuint (got.p, ==, 2);
  g_assert_cmpuint (got.q, ==, 1);
  aic_over = pm_arima_get_aic (arima);
  order = (PmArimaOrder) { 1, 0, 0, TRUE };
  g_assert_true (pm_arima_fit_order (arima, &order, y, N, T0));
  /* The true order needs fewer parameters for the same fit. */
  g_assert_cmpfloat (pm_arima_get_aic (arima), <, aic_over);
}

/* Intervals from psi-weights × the residual variance hold 90–99% of outcomes. */
static void
test_coverage (void)
{
  static const Case cases[] = {
    { "AR(1)", 1, 0, 0, { 0.7 }, { 0 } },
    { "ARIMA(1,1,0)", 1, 1, 0, { 0.4 }, { 0 } },
    { "ARMA(1,1)", 1, 0, 1, { 0.8 }, { 0.4 } },
  };
  static const guint horizons[] = { 1, 10, 60 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      const gsize live = 8000;
      g_autofree float *y = simulate (40 + i, N + live + 60, c->p, c->phi, c->d, c->q, c->theta,
                                      0);
      g_autoptr(PmArima) arima = pm_arima_new (STEP);
      guint inside[G_N_ELEMENTS (horizons)] = { 0 }, total = 0;
      double mean[60], sd[60];

      g_assert_true (pm_arima_fit (arima, y, N, T0));
      {
        PmArimaOrder order;
        double phi[PM_ARIMA_MAX_P], theta[PM_ARIMA_MAX_Q], cc;

        pm_arima_get_order (arima, &order);
        pm_arima_get_coefficients (arima, &cc, phi, theta);
        g_test_message ("%s: fitted ARIMA(%u,%u,%u) c %.4f phi %.3f %.3f %.3f theta %.3f %.3f",
                        c->name, order.p, order.d, order.q, cc, phi[0], phi[1], phi[2],
                        theta[0], theta[1]);
      }
      for (gsize t = N; t < N + live; t++)
        {
          if (t % 10 == 0)
            {
              pm_arima_forecast_path (arima, 60, mean, sd);
              for (guint k = 0; k < G_N_ELEMENTS (horizons); k++)
                {
                  guint h = horizons[k];
                  if (fabs (y[t + h - 1] - mean[h - 1]) <= 1.96 * sd[h - 1])
                    inside[k]++;
                }
              total++;
            }
          g_assert_true (pm_arima_update (arima, T0 + (gint64) t * STEP, y[t], NULL));
        }
      for (guint k = 0; k < G_N_ELEMENTS (horizons); k++)
        {
          g_autofree char *what = g_strdup_printf ("%s coverage at h = %u", c->name,
                                                   horizons[k]);
          pm_test_assert_between (what, (double) inside[k] / total, 0.90, 0.99);
        }
    }
}

/* Known models give the textbook forecasts and standard deviations. */
static void
test_psi_weights (void)
{
  g_autoptr(PmArima) arima = pm_arima_new (STEP);
  PmArimaOrder walk = { 0, 1, 0, FALSE }, ar1 = { 1, 0, 0, TRUE };
  double phi = 0.6, mean[20], sd[20], var;

  /* Random walk: sd grows as √h. */
  g_assert_true (pm_arima_set_model (arima, &walk, 0, NULL, NULL));
  for (guint i = 0; i < 100; i++)
    pm_arima_update (arima, T0 + i * STEP, (i % 2) ? 1 : -1, NULL);
  var = pm_arima_get_residual_variance (arima);
  pm_arima_forecast_path (arima, 20, mean, sd);
  for (guint h = 1; h <= 20; h++)
    {
      g_assert_cmpfloat_with_epsilon (mean[h - 1], 1, 1e-12);
      g_assert_cmpfloat_with_epsilon (sd[h - 1], sqrt (var * h), 1e-9);
    }

  /* AR(1) about 10: mean 10 + φ^h (y − 10), var σ² (1 − φ^{2h}) / (1 − φ²). */
  g_assert_true (pm_arima_set_model (arima, &ar1, 10 * (1 - phi), &phi, NULL));
  for (guint i = 0; i < 50; i++)
    pm_arima_update (arima, T0 + i * STEP, 10 + ((i % 3) ? 0.5 : -0.5), NULL);
  pm_arima_update (arima, T0 + 50 * STEP, 14, NULL);
  var = pm_arima_get_residual_variance (arima);
  pm_arima_forecast_path (arima, 20, mean, sd);
  for (guint h = 1; h <= 20; h++)
    {
      g_assert_cmpfloat_with_epsilon (mean[h - 1], 10 + pow (phi, h) * 4, 1e-9);
      g_assert_cmpfloat_with_epsilon (sd[h - 1],
                                      sqrt (var * (1 - pow (phi, 2 * h)) / (1 - phi * phi)),
                                      1e-9);
    }
}

/* Missing values: the fit copes with scattered NAN; in live use a gap is bridged by the
 * conditional expectation, so the next forecast is the multi-step one with its wider
 * interval; long outages restart the state; old samples are refused. */
static void
test_gaps (void)
{
  static const double phi = 0.7;
  g_autofree float *y = simulate (21, N + 400, 1, &phi, 0, 0, NULL, 20);
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autoptr(PmArima) arima = pm_arima_new (STEP);
  double c, coef[PM_ARIMA_MAX_P], mu, mean_gap, sd_gap, mean, sd, var;
  guint64 missing = 0;
  gint64 t_last;

  for (gsize i = 0; i < N; i++)
    if (g_rand_double (rand) < 0.1)
      {
        y[i] = NAN;
        missing++;
      }
  g_assert_true (pm_arima_fit (arima, y, N, T0));
  assert_order (arima, 1, 0, 0);
  pm_arima_get_coefficients (arima, &c, coef, NULL);
  pm_test_assert_between ("phi with 10% missing", coef[0], phi - 0.05, phi + 0.05);
  g_assert_cmpuint (pm_arima_get_n_missing (arima), ==, missing);
  mu = c / (1 - coef[0]);

  /* Feed one value, then 5 missing steps (NAN), then look 1 step ahead: that is a 6-step
   * forecast from the value. */
  t_last = T0 + (gint64) N * STEP;
  g_assert_true (pm_arima_update (arima, t_last, y[N], NULL));
  var = pm_arima_get_residual_variance (arima);
  pm_arima_forecast (arima, 6, &mean_gap, &sd_gap);
  for (guint i = 1; i <= 5; i++)
    g_assert_true (pm_arima_update (arima, t_last + i * STEP, NAN, NULL));
  g_assert_cmpuint (pm_arima_get_steps_since_value (arima), ==, 5);
  g_assert_cmpfloat (pm_arima_get_residual_variance (arima), ==, var);
  pm_arima_forecast (arima, 1, &mean, &sd);
  g_assert_cmpfloat_with_epsilon (mean, mean_gap, 1e-9);
  g_assert_cmpfloat_with_epsilon (sd, sd_gap, 1e-9);
  g_assert_cmpfloat_with_epsilon (mean, mu + pow (coef[0], 6) * (y[N] - mu), 1e-4);

  /* Skipped steps (no call at all) are the same as NAN ones. */
  g_assert_true (pm_arima_update (arima, t_last + 10 * STEP, NAN, NULL));
  g_assert_cmpuint (pm_arima_get_steps_since_value (arima), ==, 10);
  g_assert_cmpuint (pm_arima_get_n_missing (arima), ==, missing + 10);

  /* Refused: the same step, an earlier one. */
  g_assert_false (pm_arima_update (arima, t_last + 10 * STEP, 99, NULL));
  g_assert_false (pm_arima_update (arima, t_last, 99, NULL));
  g_assert_cmpuint (pm_arima_get_n_rejected (arima), ==, 2);

  /* Two hours without data: the state restarts from the next value instead of an
   * extrapolation; the first error after it is NAN, later ones are finite. */
  {
    gint64 t = t_last + 10 * STEP + 2 * 3600;
    double e;

    g_assert_true (pm_arima_update (arima, t, 21, &e));
    g_assert_true (isnan (e));
    g_assert_true (pm_arima_update (arima, t + STEP, 20.5, &e));
    g_assert_true (isfinite (e));
    pm_arima_forecast (arima, 1, &mean, &sd);
    g_assert_true (isfinite (mean) && isfinite (sd));
  }
}

/* Too little data: no fit, the model is unchanged. */
static void
test_too_little (void)
{
  g_autoptr(PmArima) arima = pm_arima_new (STEP);
  float y[40];
  PmArimaOrder order;

  for (guint i = 0; i < G_N_ELEMENTS (y); i++)
    y[i] = i % 3 ? NAN : (float) i;
  g_assert_false (pm_arima_fit (arima, y, G_N_ELEMENTS (y), T0));
  pm_arima_get_order (arima, &order);
  g_assert_cmpuint (order.d, ==, 1);
  g_assert_cmpuint (order.p + order.q, ==, 0);
  g_assert_true (isnan (pm_arima_get_aic (arima)));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/arima/ar1", test_ar1);
  g_test_add_func ("/arima/order-by-aic", test_order_by_aic);
  g_test_add_func ("/arima/fit-order", test_fit_order);
  g_test_add_func ("/arima/coverage", test_coverage);
  g_test_add_func ("/arima/psi-weights", test_psi_weights);
  g_test_add_func ("/arima/gaps", test_gaps);
  g_test_add_func ("/arima/too-little", test_too_little);
  return g_test_run ();
}
