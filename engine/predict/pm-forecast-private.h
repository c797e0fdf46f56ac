/* pm-forecast-private.h: small helpers shared by the forecasting models.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <math.h>

#include "telemetry/pm-step-private.h"

G_BEGIN_DECLS

/* The step a value at time_s falls in, for a model whose last step taken is last_step. Values
 * come one step after another, and then no 64-bit division is needed (otherwise two per value
 * and metric: one per model). */
static inline gint64
_pm_model_step_of (gboolean started,
                   gint64   last_step,
                   gint64   step_s,
                   gint64   time_s)
{
  gint64 next_s;

  if (G_UNLIKELY (!started))
    return _pm_floor_div (time_s, step_s);
  next_s = (last_step + 1) * step_s;
  return G_LIKELY (time_s >= next_s && time_s - next_s < step_s) ? last_step + 1
                                                                 : _pm_floor_div (time_s, step_s);
}

/* The residual scale of a model's one-step errors, in two forms.
 *
 * - For intervals: σ from a running median of |e| (σ = median / 0.6745 for Gaussian errors),
 *   tracked by multiplicative steps of e^{±η}. It is robust, needs no square root, and forgets
 *   in log-space at the rate it learns: an outage of an hour widens the intervals for about an
 *   hour after it, where a mean of squares would remember its errors for half a day.
 * - For choosing a model: the exponentially weighted mean of squared errors clipped at 3σ
 *   (half-life 1 h), a mean that a spike or an outage can inflate nine-fold at most. */
#define _PM_SCALE_ETA            0.005  /* steps e^{±0.005}: 1.0050125…, 0.9950124… below */
#define _PM_SCALE_MSE_HALFLIFE   360.0
#define _PM_SCALE_WARMUP         30
#define _PM_SCALE_MSE_CLIP_SIGMA 3.0
#define _PM_MAD_TO_SIGMA         1.482602218505602  /* 1 / 0.6745 */

typedef struct
{
  float   med_abs;  /* running median of |e| */
  float   mse;      /* clipped mean squared error */
  guint32 n;        /* errors seen, saturating */
} _PmResidualScale;

static inline double
_pm_residual_scale_lambda (void)
{
  return 1.0 - exp2 (-1.0 / _PM_SCALE_MSE_HALFLIFE);
}

/* Folds one out-of-sample one-step error in. */
static inline void
_pm_residual_scale_update (_PmResidualScale *rs,
                           double            lambda,
                           double            error)
{
  double a = fabs (error), e2 = error * error;

  if (rs->n < _PM_SCALE_WARMUP)
    {
      /* Plain means to start: the mean |e| of Gaussian errors is 1.183 × their median. */
      rs->n++;
      rs->med_abs += (float) ((a / 1.1829 - rs->med_abs) / rs->n);
      rs->mse += (float) ((e2 - rs->mse) / rs->n);
      return;
    }
  if (rs->n < G_MAXUINT32)
    rs->n++;
  {
    double sigma = rs->med_abs * _PM_MAD_TO_SIGMA;
    double clip2 = _PM_SCALE_MSE_CLIP_SIGMA * _PM_SCALE_MSE_CLIP_SIGMA * sigma * sigma;

    rs->mse += (float) (lambda * (MIN (e2, clip2) - rs->mse));
  }
  if (a > rs->med_abs)
    rs->med_abs = rs->med_abs > 0 ? rs->med_abs * (float) 1.0050125208594010 : (float) a;
  else
    rs->med_abs *= (float) 0.9950124791926823;
}

/* σ of the one-step error, NAN before any error. */
static inline double
_pm_residual_scale_sigma (const _PmResidualScale *rs)
{
  return rs->n > 0 ? rs->med_abs * _PM_MAD_TO_SIGMA : NAN;
}

/* The clipped mean squared error, NAN before any error. */
static inline double
_pm_residual_scale_mse (const _PmResidualScale *rs)
{
  return rs->n > 0 ? rs->mse : NAN;
}

/* The largest system _pm_solve_spd() takes. */
#define _PM_SOLVE_MAX 16

/* Solves A x = b for a symmetric positive (semi-)definite k × k A (row-major, leading dimension
 * lda) by Cholesky, with a small ridge when A is singular. FALSE if hopeless. */
static inline gboolean
_pm_solve_spd (guint         k,
               const double *a,
               guint         lda,
               const double *b,
               double       *x)
{
  double l[_PM_SOLVE_MAX][_PM_SOLVE_MAX];
  double trace = 0;

  if (k == 0)
    return TRUE;
  g_return_val_if_fail (k <= _PM_SOLVE_MAX, FALSE);
  for (guint i = 0; i < k; i++)
    trace += a[i * lda + i];
  if (!(trace > 0) || !isfinite (trace))
    return FALSE;

  for (double ridge = 0; ridge <= 1e-3 * trace; ridge = ridge == 0 ? 1e-12 * trace : ridge * 100)
    {
      gboolean ok = TRUE;

      for (guint i = 0; i < k && ok; i++)
        for (guint j = 0; j <= i; j++)
          {
            double sum = a[i * lda + j] + (i == j ? ridge : 0);

            for (guint m = 0; m < j; m++)
              sum -= l[i][m] * l[j][m];
            if (i == j)
              {
                if (!(sum > 1e-14 * trace))
                  {
                    ok = FALSE;
                    break;
                  }
                l[i][i] = sqrt (sum);
              }
            else
              {
                l[i][j] = sum / l[j][j];
              }
          }
      if (!ok)
        continue;

      for (guint i = 0; i < k; i++)
        {
          double sum = b[i];
          for (guint m = 0; m < i; m++)
            sum -= l[i][m] * x[m];
          x[i] = sum / l[i][i];
        }
      for (guint i = k; i-- > 0;)
        {
          double sum = x[i];
          for (guint m = i + 1; m < k; m++)
            sum -= l[m][i] * x[m];
          x[i] = sum / l[i][i];
        }
      return TRUE;
    }
  return FALSE;
}

G_END_DECLS
