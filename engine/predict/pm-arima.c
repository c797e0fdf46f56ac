/* pm-arima.c: ARIMA(p,d,q), p ≤ 3, d ≤ 1, q ≤ 2: conditional least squares, AIC, O(p + q)
 * update.
 *
 * Fitting. All orders are scored on one set of steps: those whose value and four predecessors
 * are known (four = the deepest lag, p + d). On that set:
 * - q = 0: ordinary least squares of w_t on its lags, which is the exact CSS estimate.
 * - q > 0: Hannan–Rissanen (a long AR gives proxy shocks, then least squares on lags of w and
 *   of the proxies) as a start, then Gauss–Newton on the CSS objective for the orders whose
 *   start is close to the best one (by AIC), with step halving that keeps the AR part
 *   stationary and the MA part invertible. Orders whose AR and MA parts share a factor are
 *   ruled out (they are a lower order in disguise).
 * d is chosen first, by an augmented Dickey–Fuller test; then p, q and the constant by the
 * smallest AIC, and among orders within 2 of it, the one with fewest parameters.
 * The CSS shocks ε_t are 0 at steps outside the set (their expectation), the same for all
 * orders, so that the AIC values compare.
 *
 * The live state is the last y, the last three w and the last two shocks, plus the one-step
 * forecast for the next step.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-arima.h"

#include <complex.h>
#include <math.h>
#include <string.h>

#include "pm-forecast-private.h"

#define DEEPEST_LAG     4   /* PM_ARIMA_MAX_P + PM_ARIMA_MAX_D */
#define LONG_AR_ORDER   8   /* Hannan–Rissanen's first stage */
#define MIN_FIT_STEPS   60  /* complete steps needed to fit anything */
/* Orders with MA terms get Gauss–Newton when their start is within REFINE_MARGIN of the best
 * start, at most MAX_REFINED of them. */
#define REFINE_MARGIN   4.0
#define MAX_REFINED     8
#define GN_MAX_ITER     12
#define RESTART_GAP_S   3600
/* Roots this close to the unit circle count as on it. */
#define AR_LIMIT        0.9995
#define MA_LIMIT        0.995
/* An AR and an MA factor whose roots are this close cancel: the model is a lower order one in
 * disguise, and the likelihood it gains on the ridge of equivalent fits is spurious. */
#define COMMON_FACTOR   0.1
#define AIC_TIE         2.0
/* 5% critical value of the Dickey–Fuller t statistic with an intercept, large samples. */
#define ADF_CRITICAL    (-2.86)

#define MAX_PARAMS (1 + PM_ARIMA_MAX_P + PM_ARIMA_MAX_Q)

struct _PmArima
{
  guint          step_s;
  gint64         restart_gap;  /* steps */
  double         lambda;

  PmArimaOrder   order;
  double         c;
  double         phi[PM_ARIMA_MAX_P];
  double         theta[PM_ARIMA_MAX_Q];
  double         aic;
  double         fit_var;

  gboolean       started;
  gboolean       has_state;
  gint64         step;
  double         y_last;
  double         w[PM_ARIMA_MAX_P];      /* newest first */
  double         e[PM_ARIMA_MAX_Q];      /* newest first */
  double         pred;                   /* forecast of the next step */
  _PmResidualScale rs;
  guint          since_value;
  guint64        n_observed;
  guint64        n_missing;
  guint64        n_rejected;
};

/* Polynomials --------------------------------------------------------------------------------- */

/* Is 1 − a_1 z − … − a_k z^k free of roots on or inside the unit circle? Step-down (reverse
 * Levinson): every reflection coefficient must be inside (−limit, limit). */
static gboolean
ar_stationary (const double *coef,
               guint         k,
               double        limit)
{
  double a[PM_ARIMA_MAX_P + 1];

  memcpy (a, coef, k * sizeof (double));
  for (guint m = k; m >= 1; m--)
    {
      double r = a[m - 1], b[PM_ARIMA_MAX_P + 1];

      if (!(fabs (r) < limit))
        return FALSE;
      for (guint i = 1; i < m; i++)
        b[i - 1] = (a[i - 1] + r * a[m - i - 1]) / (1 - r * r);
      memcpy (a, b, (m - 1) * sizeof (double));
    }
  return TRUE;
}

static gboolean
ma_invertible (const double *theta,
               guint         q)
{
  double neg[PM_ARIMA_MAX_Q];

  for (guint j = 0; j < q; j++)
    neg[j] = -theta[j];
  return ar_stationary (neg, q, MA_LIMIT);
}

/* The roots of x^k + a_1 x^{k−1} + … + a_k (k ≤ 3) by Durand–Kerner. */
static void
monic_roots (const double   *a,
             guint           k,
             double complex *roots)
{
  for (guint i = 0; i < k; i++)
    roots[i] = cpow (0.4 + 0.9 * I, i);
  for (guint iter = 0; iter < 200; iter++)
    {
      double change = 0;

      for (guint i = 0; i < k; i++)
        {
          double complex x = roots[i], num = 1, den = 1;

          for (guint j = 0; j < k; j++)
            num = num * x + a[j];
          for (guint j = 0; j < k; j++)
            if (j != i)
              den *= x - roots[j];
          if (cabs (den) < 1e-300)
            den = 1e-300;
          roots[i] = x - num / den;
          change += cabs (num / den);
        }
      if (change < 1e-12)
        break;
    }
}

/* Do the AR factors (1 − a B) and the MA factors (1 − m B) share a root (nearly)? */
static gboolean
common_factor (const double *phi,
               guint         p,
               const double *theta,
               guint         q)
{
  double a[PM_ARIMA_MAX_P], b[PM_ARIMA_MAX_Q];
  double complex ar[PM_ARIMA_MAX_P], ma[PM_ARIMA_MAX_Q];

  if (p == 0 || q == 0)
    return FALSE;
  /* 1 − Σ φ_i B^i = Π (1 − a B): the a are the roots of x^p − φ_1 x^{p−1} − … − φ_p. */
  for (guint i = 0; i < p; i++)
    a[i] = -phi[i];
  /* 1 + Σ θ_j B^j = Π (1 − m B): the m are the roots of x^q + θ_1 x^{q−1} + … + θ_q. */
  for (guint j = 0; j < q; j++)
    b[j] = theta[j];
  monic_roots (a, p, ar);
  monic_roots (b, q, ma);
  for (guint i = 0; i < p; i++)
    for (guint j = 0; j < q; j++)
      if (cabs (ar[i] - ma[j]) < COMMON_FACTOR)
        return TRUE;
  return FALSE;
}

/* Model state ---------------------------------------------------------------------------------- */

static inline double
next_forecast (const PmArima *self)
{
  double f = self->c;

  for (guint i = 0; i < self->order.p; i++)
    f += self->phi[i] * self->w[i];
  for (guint j = 0; j < self->order.q; j++)
    f += self->theta[j] * self->e[j];
  return self->order.d ? self->y_last + f : f;
}

static inline void
push_state (PmArima *self,
            double   y,
            double   shock)
{
  double w = self->order.d ? y - self->y_last : y;

  self->w[2] = self->w[1];
  self->w[1] = self->w[0];
  self->w[0] = w;
  self->e[1] = self->e[0];
  self->e[0] = shock;
  self->y_last = y;
  self->pred = next_forecast (self);
}

static void
start_state (PmArima *self,
             double   y)
{
  double mean_w = 0, sum_phi = 0;

  if (self->order.d)
    {
      for (guint i = 0; i < self->order.p; i++)
        sum_phi += self->phi[i];
      mean_w = self->c / (1 - sum_phi);
    }
  else
    {
      mean_w = y;
    }
  for (guint i = 0; i < PM_ARIMA_MAX_P; i++)
    self->w[i] = mean_w;
  self->e[0] = self->e[1] = 0;
  self->y_last = y;
  self->pred = next_forecast (self);
  self->has_state = TRUE;
}

/* One sample at a step after self->step. */
static inline double
advance (PmArima *self,
         gint64   new_step,
         double   y)
{
  gint64 gap = new_step - self->step;
  double err;

  self->step = new_step;
  self->n_missing += (guint64) (gap - 1);
  self->since_value += (guint) MIN (gap - 1, (gint64) G_MAXUINT / 2);
  if (self->has_state)
    {
      if (gap > self->restart_gap)
        self->has_state = FALSE;
      else
        for (gint64 i = 1; i < gap; i++)
          push_state (self, self->pred, 0);
    }

  if (isnan (y))
    {
      self->n_missing++;
      self->since_value++;
      /* An hour without a value: no forecast rather than a stale one. */
      if (self->since_value > self->restart_gap)
        self->has_state = FALSE;
      if (self->has_state)
        push_state (self, self->pred, 0);
      return NAN;
    }

  self->n_observed++;
  self->since_value = 0;
  if (G_UNLIKELY (!self->has_state))
    {
      start_state (self, y);
      return NAN;
    }
  err = y - self->pred;
  push_state (self, y, err);
  _pm_residual_scale_update (&self->rs, self->lambda, err);
  return err;
}

/* Lifecycle ------------------------------------------------------------------------------------ */

PmArima *
pm_arima_new (guint step_s)
{
  PmArima *self;

  g_return_val_if_fail (step_s > 0, NULL);

  self = g_new0 (PmArima, 1);
  self->step_s = step_s;
  self->restart_gap = MAX (RESTART_GAP_S / (gint64) step_s, 1);
  self->lambda = _pm_residual_scale_lambda ();
  self->order = (PmArimaOrder) { 0, 1, 0, FALSE };
  self->aic = NAN;
  self->fit_var = NAN;
  pm_arima_reset (self);
  return self;
}

void
pm_arima_free (PmArima *self)
{
  g_free (self);
}

void
pm_arima_reset (PmArima *self)
{
  self->started = FALSE;
  self->has_state = FALSE;
  self->step = 0;
  self->y_last = 0;
  memset (self->w, 0, sizeof self->w);
  memset (self->e, 0, sizeof self->e);
  self->pred = NAN;
  self->rs = (_PmResidualScale) { 0 };
  self->since_value = 0;
  self->n_observed = self->n_missing = self->n_rejected = 0;
}

gsize
pm_arima_get_memory_size (const PmArima *self)
{
  return sizeof (PmArima);
}

static gboolean
order_valid (const PmArimaOrder *order)
{
  return order->p <= PM_ARIMA_MAX_P && order->d <= PM_ARIMA_MAX_D && order->q <= PM_ARIMA_MAX_Q;
}

static void
set_model (PmArima            *self,
           const PmArimaOrder *order,
           double              c,
           const double       *phi,
           const double       *theta)
{
  self->order = *order;
  self->c = order->constant ? c : 0;
  memset (self->phi, 0, sizeof self->phi);
  memset (self->theta, 0, sizeof self->theta);
  for (guint i = 0; i < order->p; i++)
    self->phi[i] = phi[i];
  for (guint j = 0; j < order->q; j++)
    self->theta[j] = theta[j];
}

gboolean
pm_arima_set_model (PmArima            *self,
                    const PmArimaOrder *order,
                    double              c,
                    const double       *phi,
                    const double       *theta)
{
  g_return_val_if_fail (order_valid (order), FALSE);

  set_model (self, order, c, phi, theta);
  self->aic = self->fit_var = NAN;
  pm_arima_reset (self);
  return TRUE;
}

/* Fit ------------------------------------------------------------------------------------------ */

typedef struct
{
  gsize    n;
  double  *y;        /* centred: the mean of the known values removed */
  double   shift;
  guint8  *ok;       /* ok[t]: y[t − DEEPEST_LAG … t] known */
  gsize    n_ok;
  double  *w[2];     /* by d; NAN where unknown */
  double  *proxy[2]; /* Hannan–Rissanen proxy shocks by d; 0 where unknown */
  double  *eps;      /* scratch: CSS shocks */
} Data;

typedef struct
{
  PmArimaOrder order;
  double       c;
  double       phi[PM_ARIMA_MAX_P];
  double       theta[PM_ARIMA_MAX_Q];
  double       rss;
  double       aic;
  gboolean     usable;     /* stationary, invertible, finite */
  gboolean     redundant;  /* AR and MA share a factor: not a candidate for the choice */
  gboolean     refined;
} Candidate;

static void
data_clear (Data *data)
{
  g_free (data->y);
  g_free (data->ok);
  for (guint d = 0; d < 2; d++)
    {
      g_free (data->w[d]);
      g_free (data->proxy[d]);
    }
  g_free (data->eps);
}

static gboolean
data_prepare (Data        *data,
              const float *values,
              gsize        n)
{
  double sum = 0;
  gsize known = 0;

  memset (data, 0, sizeof *data);
  data->n = n;
  data->y = g_new (double, MAX (n, 1));
  data->ok = g_new0 (guint8, MAX (n, 1));
  data->eps = g_new0 (double, MAX (n, 1));
  for (gsize t = 0; t < n; t++)
    if (!isnan (values[t]))
      {
        sum += values[t];
        known++;
      }
  if (known == 0)
    return FALSE;
  data->shift = sum / known;
  for (gsize t = 0; t < n; t++)
    data->y[t] = (double) values[t] - data->shift;

  for (gsize t = DEEPEST_LAG; t < n; t++)
    {
      data->ok[t] = TRUE;
      for (gsize i = 0; i <= DEEPEST_LAG; i++)
        if (isnan (data->y[t - i]))
          {
            data->ok[t] = FALSE;
            break;
          }
      data->n_ok += data->ok[t];
    }

  for (guint d = 0; d < 2; d++)
    {
      data->w[d] = g_new (double, MAX (n, 1));
      data->proxy[d] = g_new0 (double, MAX (n, 1));
      for (gsize t = 0; t < n; t++)
        data->w[d][t] = d == 0 ? data->y[t] : (t > 0 ? data->y[t] - data->y[t - 1] : NAN);
    }
  return data->n_ok >= MIN_FIT_STEPS;
}

/* Hannan–Rissanen's first stage: an AR(LONG_AR_ORDER) with intercept by least squares on w;
 * its residuals are the proxy shocks (0 where they cannot be computed). */
static void
long_ar_proxies (Data *data,
                 guint d)
{
  enum { K = LONG_AR_ORDER + 1 };
  const double *w = data->w[d];
  double s[K + 1][K + 1] = { { 0 } };
  double a[K * K], b[K], beta[K];
  double *proxy = data->proxy[d];

  for (gsize t = LONG_AR_ORDER; t < data->n; t++)
    {
      double z[K + 1];
      gboolean known = !isnan (w[t]);

      z[0] = 1;
      for (guint i = 1; i <= LONG_AR_ORDER && known; i++)
        {
          z[i] = w[t - i];
          known = !isnan (z[i]);
        }
      if (!known)
        continue;
      z[K] = w[t];
      for (guint i = 0; i <= K; i++)
        for (guint j = 0; j <= i; j++)
          s[i][j] += z[i] * z[j];
    }
  for (guint i = 0; i < K; i++)
    {
      for (guint j = 0; j < K; j++)
        a[i * K + j] = i >= j ? s[i][j] : s[j][i];
      b[i] = s[K][i];
    }
  if (!_pm_solve_spd (K, a, K, b, beta))
    return;

  for (gsize t = LONG_AR_ORDER; t < data->n; t++)
    {
      double f = beta[0];
      gboolean known = !isnan (w[t]);

      for (guint i = 1; i <= LONG_AR_ORDER && known; i++)
        {
          known = !isnan (w[t - i]);
          f += beta[i] * w[t - i];
        }
      proxy[t] = known ? w[t] - f : 0;
    }
}

/* The CSS shocks of a candidate over the common step set: rss, and with jacobian set the
 * Gauss–Newton normal equations (Σ D Dᵀ, Σ D ε) in the parameter order
 * [c (if constant), φ_1…φ_p, θ_1…θ_q]. */
static double
css (const Data      *data,
     const Candidate *cand,
     double          *jtj,
     double          *jte)
{
  const PmArimaOrder *o = &cand->order;
  const double *w = data->w[o->d];
  guint k = (o->constant ? 1 : 0) + o->p + o->q;
  double dprev[PM_ARIMA_MAX_Q][MAX_PARAMS] = { { 0 } };
  double eprev[PM_ARIMA_MAX_Q] = { 0 };
  double rss = 0;

  if (jtj != NULL)
    {
      memset (jtj, 0, sizeof (double) * k * k);
      memset (jte, 0, sizeof (double) * k);
    }

  for (gsize t = 0; t < data->n; t++)
    {
      double eps, dcur[MAX_PARAMS];

      if (!data->ok[t])
        {
          eps = 0;
          memset (dcur, 0, sizeof dcur);
        }
      else
        {
          guint m = 0;

          eps = w[t] - cand->c;
          for (guint i = 0; i < o->p; i++)
            eps -= cand->phi[i] * w[t - 1 - i];
          for (guint j = 0; j < o->q; j++)
            eps -= cand->theta[j] * eprev[j];
          rss += eps * eps;

          if (jtj != NULL)
            {
              if (o->constant)
                dcur[m++] = -1;
              for (guint i = 0; i < o->p; i++)
                dcur[m++] = -w[t - 1 - i];
              for (guint j = 0; j < o->q; j++)
                dcur[m++] = -eprev[j];
              for (guint i = 0; i < k; i++)
                for (guint j = 0; j < o->q; j++)
                  dcur[i] -= cand->theta[j] * dprev[j][i];
              for (guint i = 0; i < k; i++)
                {
                  for (guint j = 0; j <= i; j++)
                    jtj[i * k + j] += dcur[i] * dcur[j];
                  jte[i] += dcur[i] * eps;
                }
            }
        }

      if (o->q > 0)
        {
          eprev[1] = eprev[0];
          eprev[0] = eps;
          if (jtj != NULL)
            {
              memcpy (dprev[1], dprev[0], sizeof dprev[0]);
              memcpy (dprev[0], dcur, sizeof dcur);
            }
        }
    }

  if (jtj != NULL)
    for (guint i = 0; i < k; i++)
      for (guint j = i + 1; j < k; j++)
        jtj[i * k + j] = jtj[j * k + i];
  return rss;
}

static guint
n_params (const Candidate *cand)
{
  return (cand->order.constant ? 1 : 0) + cand->order.p + cand->order.q;
}

static void
score (const Data *data,
       Candidate  *cand,
       double      rss)
{
  guint k = n_params (cand) + 1;
  double n = (double) data->n_ok;
  /* A floor keeps a constant series (loss at exactly 0 for hours) from scoring −∞. */
  double var = MAX (rss / n, 1e-20);

  cand->rss = rss;
  cand->aic = n * log (var) + 2.0 * k;
  cand->usable = isfinite (cand->aic) && ar_stationary (cand->phi, cand->order.p, AR_LIMIT)
                 && ma_invertible (cand->theta, cand->order.q);
  cand->redundant = common_factor (cand->phi, cand->order.p, cand->theta, cand->order.q);
}

static void
params_get (const Candidate *cand,
            double          *x)
{
  guint m = 0;

  if (cand->order.constant)
    x[m++] = cand->c;
  for (guint i = 0; i < cand->order.p; i++)
    x[m++] = cand->phi[i];
  for (guint j = 0; j < cand->order.q; j++)
    x[m++] = cand->theta[j];
}

static void
params_set (Candidate    *cand,
            const double *x)
{
  guint m = 0;

  cand->c = cand->order.constant ? x[m++] : 0;
  for (guint i = 0; i < cand->order.p; i++)
    cand->phi[i] = x[m++];
  for (guint j = 0; j < cand->order.q; j++)
    cand->theta[j] = x[m++];
}

/* Least squares of w_t on [1?, w lags 1…p, proxy lags 1…q] over the common step set. With
 * q = 0 this is the CSS estimate itself. */
static gboolean
least_squares (const Data *data,
               Candidate  *cand)
{
  const PmArimaOrder *o = &cand->order;
  const double *w = data->w[o->d], *proxy = data->proxy[o->d];
  guint k = (o->constant ? 1 : 0) + o->p + o->q;
  double a[MAX_PARAMS * MAX_PARAMS] = { 0 }, b[MAX_PARAMS] = { 0 }, x[MAX_PARAMS] = { 0 };

  for (gsize t = DEEPEST_LAG; t < data->n; t++)
    {
      double z[MAX_PARAMS];
      guint m = 0;

      if (!data->ok[t])
        continue;
      if (o->constant)
        z[m++] = 1;
      for (guint i = 0; i < o->p; i++)
        z[m++] = w[t - 1 - i];
      for (guint j = 0; j < o->q; j++)
        z[m++] = proxy[t - 1 - j];
      for (guint i = 0; i < k; i++)
        {
          for (guint j = 0; j <= i; j++)
            a[i * k + j] += z[i] * z[j];
          b[i] += z[i] * w[t];
        }
    }
  for (guint i = 0; i < k; i++)
    for (guint j = i + 1; j < k; j++)
      a[i * k + j] = a[j * k + i];
  if (!_pm_solve_spd (k, a, k, b, x))
    return FALSE;
  params_set (cand, x);

  /* A start outside the invertible region would make the CSS recursion explode: pull it in. */
  for (guint tries = 0; tries < 50 && !ma_invertible (cand->theta, o->q); tries++)
    for (guint j = 0; j < o->q; j++)
      cand->theta[j] *= 0.9;
  return TRUE;
}

/* Gauss–Newton on the CSS objective from the candidate's current parameters. */
static void
refine (const Data *data,
        Candidate  *cand)
{
  guint k = (cand->order.constant ? 1 : 0) + cand->order.p + cand->order.q;
  double jtj[MAX_PARAMS * MAX_PARAMS], jte[MAX_PARAMS], x[MAX_PARAMS], delta[MAX_PARAMS];
  double rss = css (data, cand, jtj, jte);

  for (guint iter = 0; iter < GN_MAX_ITER; iter++)
    {
      double step = 1, neg[MAX_PARAMS];
      gboolean improved = FALSE;
      Candidate trial = *cand;

      for (guint i = 0; i < k; i++)
        neg[i] = -jte[i];
      if (!_pm_solve_spd (k, jtj, k, neg, delta))
        break;
      params_get (cand, x);

      for (guint halvings = 0; halvings < 12; halvings++, step *= 0.5)
        {
          double xt[MAX_PARAMS], rt;

          for (guint i = 0; i < k; i++)
            xt[i] = x[i] + step * delta[i];
          params_set (&trial, xt);
          if (!ar_stationary (trial.phi, trial.order.p, AR_LIMIT)
              || !ma_invertible (trial.theta, trial.order.q))
            continue;
          rt = css (data, &trial, NULL, NULL);
          if (rt < rss)
            {
              improved = rss - rt > 1e-7 * rss;
              *cand = trial;
              rss = rt;
              break;
            }
        }
      if (!improved)
        break;
      rss = css (data, cand, jtj, jte);
    }
  score (data, cand, rss);
}

static gboolean
fit_candidate (const Data *data,
               Candidate  *cand)
{
  if (!least_squares (data, cand))
    {
      cand->usable = FALSE;
      return FALSE;
    }
  score (data, cand, css (data, cand, NULL, NULL));
  return cand->usable;
}

/* Installs the chosen candidate and replays the history through it. */
static void
install (PmArima         *self,
         const Data      *data,
         const Candidate *cand,
         const float     *values,
         gsize            n_values,
         gint64           start_s)
{
  double c = cand->c;
  double sum_phi = 0;

  for (guint i = 0; i < cand->order.p; i++)
    sum_phi += cand->phi[i];
  /* The data were centred; an intercept of the levels (d = 0) carries the shift back. */
  if (cand->order.d == 0)
    c += data->shift * (1 - sum_phi);
  set_model (self, &cand->order, c, cand->phi, cand->theta);
  self->aic = cand->aic;
  self->fit_var = cand->rss / (double) data->n_ok;

  pm_arima_reset (self);
  for (gsize i = 0; i < n_values; i++)
    pm_arima_update (self, start_s + (gint64) i * self->step_s, values[i], NULL);
}

/* The augmented Dickey–Fuller test with intercept and PM_ARIMA_MAX_P lagged differences, on
 * the common step set: TRUE when a unit root is rejected at 5% (t < −2.86). */
static gboolean
unit_root_rejected (const Data *data)
{
  enum { K = 2 + PM_ARIMA_MAX_P };
  const double *w = data->w[1];
  double a[K * K] = { 0 }, b[K] = { 0 }, beta[K], e1[K] = { 0, 1 }, v[K], rss = 0;
  gsize n = 0;

  for (gsize t = DEEPEST_LAG; t < data->n; t++)
    {
      double z[K] = { 1, data->y[t - 1], w[t - 1], w[t - 2], w[t - 3] };

      if (!data->ok[t])
        continue;
      for (guint i = 0; i < K; i++)
        {
          for (guint j = 0; j < K; j++)
            a[i * K + j] += z[i] * z[j];
          b[i] += z[i] * w[t];
        }
      n++;
    }
  if (n <= K || !_pm_solve_spd (K, a, K, b, beta) || !_pm_solve_spd (K, a, K, e1, v))
    return FALSE;
  for (gsize t = DEEPEST_LAG; t < data->n; t++)
    {
      double z[K] = { 1, data->y[t - 1], w[t - 1], w[t - 2], w[t - 3] }, f = 0;

      if (!data->ok[t])
        continue;
      for (guint i = 0; i < K; i++)
        f += beta[i] * z[i];
      rss += (w[t] - f) * (w[t] - f);
    }
  if (!(rss > 0) || !(v[1] > 0))
    return TRUE;  /* an exact fit (a constant series): no unit root to speak of */
  return beta[1] / sqrt (rss / (double) (n - K) * v[1]) < ADF_CRITICAL;
}

gboolean
pm_arima_fit_order (PmArima            *self,
                    const PmArimaOrder *order,
                    const float        *values,
                    gsize               n_values,
                    gint64              start_s)
{
  Data data;
  Candidate cand = { 0 };
  gboolean ok;

  g_return_val_if_fail (order_valid (order), FALSE);

  ok = data_prepare (&data, values, n_values);
  if (ok)
    {
      cand.order = *order;
      if (order->d == 0)
        cand.order.constant = TRUE;
      if (order->q > 0)
        long_ar_proxies (&data, order->d);
      ok = least_squares (&data, &cand);
      if (ok && order->q > 0)
        refine (&data, &cand);
      else if (ok)
        score (&data, &cand, css (&data, &cand, NULL, NULL));
      ok = ok && cand.usable;
    }
  if (ok)
    install (self, &data, &cand, values, n_values, start_s);
  data_clear (&data);
  return ok;
}

gboolean
pm_arima_fit (PmArima     *self,
              const float *values,
              gsize        n_values,
              gint64       start_s)
{
  Candidate cands[2 * (PM_ARIMA_MAX_P + 1) * (PM_ARIMA_MAX_Q + 1)];
  guint n_cands = 0;
  Candidate *best = NULL;
  double best_start = INFINITY;
  Data data;
  guint d;

  if (!data_prepare (&data, values, n_values))
    {
      data_clear (&data);
      return FALSE;
    }

  /* d by the unit-root test; a mean always with d = 0, a drift or none with d = 1. */
  d = unit_root_rejected (&data) ? 0 : 1;
  long_ar_proxies (&data, d);
  for (guint constant = d == 0 ? 1 : 0; constant <= 1; constant++)
    for (guint q = 0; q <= PM_ARIMA_MAX_Q; q++)
      for (guint p = 0; p <= PM_ARIMA_MAX_P; p++)
        {
          Candidate *cand = &cands[n_cands++];

          *cand = (Candidate) { .order = { p, d, q, constant } };
          fit_candidate (&data, cand);
        }

  /* Refine the most promising orders with moving-average terms: the Hannan–Rissanen start
   * ranks them only roughly, so every one close to the best start gets its Gauss–Newton. */
  for (guint r = 0; r < MAX_REFINED; r++)
    {
      Candidate *pick = NULL;

      for (guint i = 0; i < n_cands; i++)
        if (cands[i].order.q > 0 && cands[i].usable && !cands[i].refined
            && (pick == NULL || cands[i].aic < pick->aic))
          pick = &cands[i];
      if (pick == NULL)
        break;
      if (r == 0)
        best_start = pick->aic;
      else if (pick->aic > best_start + REFINE_MARGIN)
        break;
      refine (&data, pick);
      pick->refined = TRUE;
    }
  /* An unrefined start is not a CSS estimate: it does not compete. */
  for (guint i = 0; i < n_cands; i++)
    if (cands[i].order.q > 0 && !cands[i].refined)
      cands[i].usable = FALSE;

  for (guint i = 0; i < n_cands; i++)
    if (cands[i].usable && !cands[i].redundant && (best == NULL || cands[i].aic < best->aic))
      best = &cands[i];
  /* AIC overfits by one parameter about one time in six; an order within AIC_TIE of the best
   * is as well supported, and the one with fewer parameters wins among those. */
  if (best != NULL)
    {
      double floor_aic = best->aic;

      for (guint i = 0; i < n_cands; i++)
        if (cands[i].usable && !cands[i].redundant && cands[i].aic <= floor_aic + AIC_TIE
            && (n_params (&cands[i]) < n_params (best)
                || (n_params (&cands[i]) == n_params (best) && cands[i].aic < best->aic)))
          best = &cands[i];
    }
  if (best != NULL)
    install (self, &data, best, values, n_values, start_s);
  data_clear (&data);
  return best != NULL;
}

/* Accessors, update, forecast ------------------------------------------------------------------ */

void
pm_arima_get_order (const PmArima *self,
                    PmArimaOrder  *order)
{
  *order = self->order;
}

void
pm_arima_get_coefficients (const PmArima *self,
                           double        *c,
                           double        *phi,
                           double        *theta)
{
  if (c != NULL)
    *c = self->c;
  if (phi != NULL)
    memcpy (phi, self->phi, sizeof self->phi);
  if (theta != NULL)
    memcpy (theta, self->theta, sizeof self->theta);
}

double
pm_arima_get_aic (const PmArima *self)
{
  return self->aic;
}

double
pm_arima_get_fit_variance (const PmArima *self)
{
  return self->fit_var;
}

gboolean
pm_arima_update (PmArima *self,
                 gint64   time_s,
                 double   y,
                 double  *error)
{
  gint64 step = _pm_model_step_of (self->started, self->step, (gint64) self->step_s, time_s);
  double e;

  if (G_UNLIKELY (!self->started))
    {
      self->started = TRUE;
      self->step = step - 1;
    }
  else if (G_UNLIKELY (step <= self->step))
    {
      self->n_rejected++;
      if (error != NULL)
        *error = NAN;
      return FALSE;
    }

  e = advance (self, step, y);
  if (error != NULL)
    *error = e;
  return TRUE;
}

/* φ*(B) = φ(B) (1 − B)^d, the AR polynomial of the levels. */
static guint
integrated_ar (const PmArima *self,
               double        *phistar)
{
  guint p = self->order.p;

  if (self->order.d == 0)
    {
      memcpy (phistar, self->phi, p * sizeof (double));
      return p;
    }
  phistar[0] = 1 + (p > 0 ? self->phi[0] : 0);
  for (guint i = 1; i < p; i++)
    phistar[i] = self->phi[i] - self->phi[i - 1];
  if (p > 0)
    phistar[p] = -self->phi[p - 1];
  return p + 1;
}

void
pm_arima_forecast_path (const PmArima *self,
                        guint          n_steps,
                        double        *mean,
                        double        *sd)
{
  double phistar[PM_ARIMA_MAX_P + 1], psi[PM_ARIMA_MAX_P + 1] = { 0 };  /* psi[0] = ψ_{j−1} … */
  guint np = integrated_ar (self, phistar);
  double var = (_pm_residual_scale_sigma (&self->rs) * _pm_residual_scale_sigma (&self->rs));
  guint total = n_steps + self->since_value;
  double cum = 0;
  PmArima state;

  if (!self->has_state)
    {
      for (guint i = 0; i < n_steps; i++)
        mean[i] = sd[i] = NAN;
      return;
    }

  /* Means: the recursion run forward with zero shocks. */
  state = *self;
  for (guint h = 0; h < n_steps; h++)
    {
      mean[h] = state.pred;
      push_state (&state, state.pred, 0);
    }

  /* Σ ψ_j², j < H for H = since_value + 1 … since_value + n_steps. */
  for (guint j = 0; j < total; j++)
    {
      double p = j == 0 ? 1 : (j <= self->order.q ? self->theta[j - 1] : 0);

      for (guint i = 0; i < np && i < j; i++)
        p += phistar[i] * psi[i];
      /* Shifted in place: a memmove call per step cost more than the few moves. */
      for (guint i = PM_ARIMA_MAX_P; i > 0; i--)
        psi[i] = psi[i - 1];
      psi[0] = p;
      cum += p * p;
      if (j >= self->since_value)
        sd[j - self->since_value] = sqrt (var * cum);
    }
}

void
pm_arima_forecast (const PmArima *self,
                   guint          h,
                   double        *mean,
                   double        *sd)
{
  double stack[2 * 256];
  g_autofree double *heap = NULL;
  double *m = stack, *s = stack + 256;

  g_return_if_fail (h >= 1);

  if (h > 256)
    {
      heap = g_new (double, 2 * (gsize) h);
      m = heap;
      s = heap + h;
    }
  pm_arima_forecast_path (self, h, m, s);
  if (mean != NULL)
    *mean = m[h - 1];
  if (sd != NULL)
    *sd = s[h - 1];
}

gint64
pm_arima_get_time (const PmArima *self)
{
  return self->step * self->step_s;
}

double
pm_arima_get_recent_mse (const PmArima *self)
{
  return _pm_residual_scale_mse (&self->rs);
}

double
pm_arima_get_residual_variance (const PmArima *self)
{
  return (_pm_residual_scale_sigma (&self->rs) * _pm_residual_scale_sigma (&self->rs));
}

guint64
pm_arima_get_n_observed (const PmArima *self)
{
  return self->n_observed;
}

guint64
pm_arima_get_n_missing (const PmArima *self)
{
  return self->n_missing;
}

guint64
pm_arima_get_n_rejected (const PmArima *self)
{
  return self->n_rejected;
}

guint
pm_arima_get_steps_since_value (const PmArima *self)
{
  return self->since_value;
}
