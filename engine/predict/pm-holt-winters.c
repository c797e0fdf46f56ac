/* pm-holt-winters.c: additive seasonal Holt-Winters with a damped trend (ETS(A,Ad,A) in
 * error-correction form), made robust for network metrics.
 *
 * Per sample, with ŷ = ℓ + φ b + s(t) and e = y − ŷ:
 *   ℓ ← ℓ + φ b + α e,   b ← φ b + α β e,   s(t) ← s(t) + γ e (deferred, see below).
 * φ damps the trend: an h-step forecast adds b (φ + … + φ^h), which follows a ramp over the
 * next half hour yet never extrapolates a trend learnt from noise for hours (undamped, the
 * trend a degradation needs would put a 3-hour forecast several σ off).
 *
 * The seasonal profile has one value per slot (5 min by default), read by linear interpolation
 * between slot centres so that a smooth daily cycle shows no steps. A sample's error is shared
 * between the two slots it was read from, in proportion to their weights; each slot collects a
 * weighted mean of the errors around it and applies γ × that mean when the day's reading has
 * moved past it. Deferring the update keeps γ a weight per period, as in the textbook model
 * with one observation per season position (slot_s == step_s is exactly that model), and means
 * an error never feeds back into the profile it is read from the same day: for horizons
 * shorter than a period the forecast variance is the ETS(A,Ad,A) one without its γ term.
 * Once per period the profile is re-centred (its mean moved into the level) so that level and
 * profile cannot drift against each other. Slots never seen yet hold NAN and read as their
 * neighbour (or 0, a typical slot); the first period of data fills them.
 *
 * What makes it robust, each explained where it is defined:
 * - the profile a fit starts from is cleaned of outages (clean_profile());
 * - errors reach the profile clipped at 3σ (SEASON_CLIP_SIGMA);
 * - a tracking signal raises α while the errors keep one sign (adaptive_alpha()), so that a
 *   degradation is followed even though the fit, on a quiet history, chose a slow level;
 * - σ comes from a running median of |e| (pm-forecast-private.h), which an outage does not
 *   inflate for longer than it lasted.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-holt-winters.h"

#include <math.h>
#include <string.h>

#include "pm-forecast-private.h"

/* Fewer values than an hour of 10 s steps say nothing about the smoothing parameters. */
#define MIN_FIT_VALUES     360
/* After a gap longer than this, the level restarts from the next value instead of trusting an
 * extrapolation of the trend across the gap. */
#define RESTART_GAP_S      3600
/* One-step errors of the first minutes after the (robust) start are left out of the fit. */
#define FIT_BURN_IN_STEPS  30
/* Squared errors beyond this many robust σ count as this many: one outage in the history must
 * not choose the smoothing parameters (it would pick whatever follows a cliff fastest). */
#define FIT_CLIP_SIGMA     5.0
#define FIT_MAX_NM_EVALS   24
/* The fit stops when the simplex's errors agree to this share: closer is noise. */
#define FIT_TOLERANCE      1e-4
/* Lower bounds of the fitted smoothing. On a quiet history the best one-step fit is a level
 * that never moves (α → 0), which would then not see a degradation coming: the level must
 * forget within ~50 steps (8 min at 10 s) and the trend must be able to follow a ramp. On
 * white noise these floors cost about 1% of one-step error. */
#define MIN_ALPHA          0.02
#define MIN_BETA           0.02

/* The tracking signal: its smoothing (a time constant of 20 steps), the value under which the
 * errors count as noise (white noise stays under it 99% of the time), the most the level
 * smoothing is raised to, and the clip of the errors it reads. */
#define TRACK_LAMBDA       0.05
#define TRACK_ONSET        0.5
#define TRACK_MAX_ALPHA    0.5
#define TRACK_CLIP_SIGMA   5.0

/* The initial profile: its smooth curve has this many daily harmonics (features down to ~2 h),
 * and is fitted when this share of the slots has data. */
#define PROFILE_HARMONICS  6
#define PROFILE_COVERAGE   0.8
/* Errors enter the profile clipped at this many σ: an outage today must not become a
 * "daily pattern" tomorrow (robust Holt-Winters, after Gelper, Fried and Croux). */
#define SEASON_CLIP_SIGMA  3.0

#define DEFAULT_ALPHA 0.1
#define DEFAULT_BETA  0.02
#define DEFAULT_GAMMA 0.3
/* Trend damping per step: the trend's weight halves every 139 steps (23 min) of
 * extrapolation, its whole reach is 199 steps' worth, and a forecast 30 min ahead carries 2/3
 * of the undamped trend. */
#define DEFAULT_PHI   0.995

struct _PmHoltWinters
{
  /* Configuration */
  guint               step_s;
  guint               slot_s;
  guint               n_slots;
  guint               steps_per_slot;
  guint               steps_per_period;
  gint64              restart_gap;     /* steps */
  double              inv_steps_per_slot;
  double              lambda;          /* of the recent mean squared error */

  PmHoltWintersParams params;
  double              fit_mse;

  /* State */
  gboolean            started;         /* step and pos are known */
  gboolean            has_level;
  gint64              step;            /* the last step the model advanced to */
  guint               pos;             /* step mod steps_per_period */
  guint               lo;              /* lower slot of the interpolation at pos */
  double              level;
  double              trend;           /* per step, before damping */
  float               track_mean;      /* tracking signal: mean and mean absolute clipped error */
  float               track_abs;
  _PmResidualScale    rs;
  float               acc_num[2];      /* pending profile corrections of slots lo and lo + 1 */
  float               acc_den[2];
  guint               since_value;
  guint               n_unknown;
  guint64             n_observed;
  guint64             n_missing;
  guint64             n_rejected;
  float               profile[];       /* n_slots; NAN = not learnt yet */
};

/* Helpers -------------------------------------------------------------------------------------- */

static gsize
model_size (guint n_slots)
{
  return sizeof (PmHoltWinters) + (gsize) n_slots * sizeof (float);
}

static guint
pos_of (const PmHoltWinters *self,
        gint64               step)
{
  gint64 pos = step % self->steps_per_period;

  return (guint) (pos < 0 ? pos + self->steps_per_period : pos);
}

/* Where pos reads the profile: slot lo and the next one, with weight w on the next one. */
static inline guint
locate (const PmHoltWinters *self,
        guint                pos,
        double              *w)
{
  double u = ((double) pos + 0.5) * self->inv_steps_per_slot - 0.5;
  guint lo;

  if (u < 0)
    u += self->n_slots;
  lo = (guint) u;
  if (G_UNLIKELY (lo >= self->n_slots))
    lo = self->n_slots - 1;
  *w = u - lo;
  return lo;
}

/* φ + φ² + … + φ^h: how many steps of the current trend an h-step forecast adds. */
static inline double
damped_steps (double phi,
              double h)
{
  return phi >= 1 ? h : phi * (1 - pow (phi, h)) / (1 - phi);
}

static inline guint
next_slot (const PmHoltWinters *self,
           guint                slot)
{
  return slot + 1 == self->n_slots ? 0 : slot + 1;
}

static inline double
season_at (const PmHoltWinters *self,
           guint                lo,
           double               w)
{
  double a = self->profile[lo];
  double b = self->profile[next_slot (self, lo)];

  if (G_UNLIKELY (self->n_unknown > 0))
    {
      if (isnan (a))
        a = isnan (b) ? 0 : b;
      if (isnan (b))
        b = a;
    }
  return a + w * (b - a);
}

static void
flush_slot (PmHoltWinters *self,
            guint          slot,
            float          num,
            float          den)
{
  float mean;

  if (den <= 0)
    return;
  mean = num / den;
  if (isnan (self->profile[slot]))
    {
      /* First sight of this slot: take what the level could not explain, whole. */
      self->profile[slot] = mean;
      self->n_unknown--;
    }
  else
    {
      self->profile[slot] += (float) self->params.gamma * mean;
    }
}

/* Moves the profile's mean into the level: the forecast is unchanged. */
static void
recentre (PmHoltWinters *self)
{
  double sum = 0;
  guint n = 0;

  for (guint k = 0; k < self->n_slots; k++)
    if (!isnan (self->profile[k]))
      {
        sum += self->profile[k];
        n++;
      }
  if (n == 0)
    return;
  sum /= n;
  for (guint k = 0; k < self->n_slots; k++)
    self->profile[k] -= (float) sum;
  if (self->has_level)
    self->level += sum;
}

/* Moves the season position to new_step (after self->step), applying the profile corrections
 * of slots the reading has left behind; returns the interpolation weight at the new position. */
static inline double
advance_position (PmHoltWinters *self,
                  gint64         new_step)
{
  gint64 gap = new_step - self->step;
  gboolean wrapped;
  guint new_pos, new_lo;
  double w;

  if (G_LIKELY (gap < (gint64) (self->steps_per_period - self->pos)))
    {
      new_pos = self->pos + (guint) gap;
      wrapped = FALSE;
    }
  else
    {
      new_pos = pos_of (self, new_step);
      wrapped = TRUE;
    }

  new_lo = locate (self, new_pos, &w);
  if (new_lo != self->lo)
    {
      flush_slot (self, self->lo, self->acc_num[0], self->acc_den[0]);
      if (new_lo == next_slot (self, self->lo) && !(wrapped && gap >= self->steps_per_period))
        {
          self->acc_num[0] = self->acc_num[1];
          self->acc_den[0] = self->acc_den[1];
        }
      else
        {
          flush_slot (self, next_slot (self, self->lo), self->acc_num[1], self->acc_den[1]);
          self->acc_num[0] = self->acc_den[0] = 0;
        }
      self->acc_num[1] = self->acc_den[1] = 0;
      self->lo = new_lo;
    }
  if (wrapped)
    recentre (self);

  self->pos = new_pos;
  self->step = new_step;
  return w;
}

static void
start_at (PmHoltWinters *self,
          gint64         step)
{
  double w;

  self->started = TRUE;
  self->step = step;
  self->pos = pos_of (self, step);
  self->lo = locate (self, self->pos, &w);
  self->acc_num[0] = self->acc_num[1] = self->acc_den[0] = self->acc_den[1] = 0;
}

/* Trigg and Leach's tracking signal |mean error| ÷ mean |error| (errors clipped at 5σ, so one
 * spike counts little) stays well under TRACK_ONSET while the errors are noise, and tends to 1
 * when they all have one sign: the model is falling behind a change. Beyond the onset the
 * level (and with it the trend) smoothing rises linearly towards TRACK_MAX_ALPHA, so that a
 * degradation is followed within a minute or two instead of the fitted α's time constant. */
static inline double
adaptive_alpha (PmHoltWinters *self,
                double         e,
                double         sd)
{
  double ec = e, signal;

  if (sd > 0)
    ec = CLAMP (e, -TRACK_CLIP_SIGMA * sd, TRACK_CLIP_SIGMA * sd);
  self->track_mean += (float) (TRACK_LAMBDA * (ec - self->track_mean));
  self->track_abs += (float) (TRACK_LAMBDA * (fabs (ec) - self->track_abs));
  if (!(self->track_abs > 0))
    return self->params.alpha;
  signal = fabsf (self->track_mean) / self->track_abs;
  if (signal <= TRACK_ONSET)
    return self->params.alpha;
  return self->params.alpha
         + MAX (TRACK_MAX_ALPHA - self->params.alpha, 0)
             * MIN ((signal - TRACK_ONSET) / (1 - TRACK_ONSET), 1);
}

/* One sample at a step after self->step; the body of update and of every fit evaluation. */
static inline double
advance (PmHoltWinters *self,
         gint64         new_step,
         double         y)
{
  gint64 gap = new_step - self->step;
  double phi = self->params.phi, w, s, e, es, sd, alpha;

  w = advance_position (self, new_step);

  self->n_missing += (guint64) (gap - 1);
  self->since_value += (guint) MIN (gap - 1, (gint64) G_MAXUINT / 2);
  if (self->has_level && gap > self->restart_gap)
    self->has_level = FALSE;

  /* Time moves the level along the damped trend, one step or several. */
  if (G_LIKELY (gap == 1))
    {
      self->trend *= phi;
      self->level += self->trend;
    }
  else
    {
      self->level += self->trend * damped_steps (phi, (double) gap);
      self->trend *= pow (phi, (double) gap);
    }

  if (isnan (y))
    {
      self->n_missing++;
      self->since_value++;
      /* An hour without a value: no forecast rather than a stale one. */
      if (self->since_value > self->restart_gap)
        self->has_level = FALSE;
      return NAN;
    }

  s = season_at (self, self->lo, w);
  self->n_observed++;
  self->since_value = 0;

  if (G_UNLIKELY (!self->has_level))
    {
      self->has_level = TRUE;
      self->level = y - s;
      self->trend = 0;
      return NAN;
    }

  e = y - (self->level + s);
  sd = self->rs.n >= _PM_SCALE_WARMUP ? _pm_residual_scale_sigma (&self->rs) : 0;
  alpha = adaptive_alpha (self, e, sd);
  self->level += alpha * e;
  self->trend += alpha * self->params.beta * e;

  es = sd > 0 ? CLAMP (e, -SEASON_CLIP_SIGMA * sd, SEASON_CLIP_SIGMA * sd) : e;
  self->acc_num[0] += (float) ((1 - w) * es);
  self->acc_den[0] += (float) (1 - w);
  self->acc_num[1] += (float) (w * es);
  self->acc_den[1] += (float) w;

  _pm_residual_scale_update (&self->rs, self->lambda, e);
  return e;
}

/* Quickselect median; reorders a. */
static float
median_float (float *a,
              gsize  n)
{
  gsize lo = 0, hi = n - 1, k = n / 2;

  while (lo < hi)
    {
      float pivot = a[(lo + hi) / 2];
      gsize i = lo, j = hi;

      while (i <= j)
        {
          while (a[i] < pivot)
            i++;
          while (a[j] > pivot)
            j--;
          if (i <= j)
            {
              float t = a[i];
              a[i] = a[j];
              a[j] = t;
              i++;
              if (j == 0)
                break;
              j--;
            }
        }
      if (k <= j)
        hi = j;
      else if (k >= i)
        lo = i;
      else
        break;
    }
  return a[k];
}

/* Lifecycle ------------------------------------------------------------------------------------ */

PmHoltWinters *
pm_holt_winters_new (const PmHoltWintersConfig *config)
{
  PmHoltWintersConfig def = { PM_HOLT_WINTERS_DEFAULT_STEP_S, PM_HOLT_WINTERS_DEFAULT_PERIOD_S,
                              PM_HOLT_WINTERS_DEFAULT_SLOT_S };
  PmHoltWinters *self;
  guint n_slots;

  if (config == NULL)
    config = &def;
  g_return_val_if_fail (config->step_s > 0 && config->slot_s >= config->step_s, NULL);
  g_return_val_if_fail (config->slot_s % config->step_s == 0, NULL);
  g_return_val_if_fail (config->period_s >= config->slot_s, NULL);
  g_return_val_if_fail (config->period_s % config->slot_s == 0, NULL);

  n_slots = config->period_s / config->slot_s;
  self = g_malloc0 (model_size (n_slots));
  self->step_s = config->step_s;
  self->slot_s = config->slot_s;
  self->n_slots = n_slots;
  self->steps_per_slot = config->slot_s / config->step_s;
  self->steps_per_period = config->period_s / config->step_s;
  self->restart_gap = MAX (RESTART_GAP_S / (gint64) config->step_s, 1);
  self->inv_steps_per_slot = 1.0 / self->steps_per_slot;
  self->lambda = _pm_residual_scale_lambda ();
  self->params = (PmHoltWintersParams) { DEFAULT_ALPHA, DEFAULT_BETA, DEFAULT_GAMMA,
                                          DEFAULT_PHI };
  pm_holt_winters_reset (self);
  return self;
}

void
pm_holt_winters_free (PmHoltWinters *self)
{
  g_free (self);
}

/* Forgets the state (keeps configuration and parameters). */
void
pm_holt_winters_reset (PmHoltWinters *self)
{
  self->fit_mse = NAN;
  self->started = FALSE;
  self->has_level = FALSE;
  self->step = 0;
  self->pos = 0;
  self->lo = 0;
  self->level = 0;
  self->trend = 0;
  self->track_mean = self->track_abs = 0;
  self->rs = (_PmResidualScale) { 0 };
  self->acc_num[0] = self->acc_num[1] = self->acc_den[0] = self->acc_den[1] = 0;
  self->since_value = 0;
  self->n_unknown = self->n_slots;
  self->n_observed = self->n_missing = self->n_rejected = 0;
  for (guint k = 0; k < self->n_slots; k++)
    self->profile[k] = NAN;
}

void
pm_holt_winters_get_config (const PmHoltWinters *self,
                            PmHoltWintersConfig *config)
{
  config->step_s = self->step_s;
  config->slot_s = self->slot_s;
  config->period_s = self->slot_s * self->n_slots;
}

gsize
pm_holt_winters_get_memory_size (const PmHoltWinters *self)
{
  return model_size (self->n_slots);
}

void
pm_holt_winters_get_params (const PmHoltWinters *self,
                            PmHoltWintersParams *params)
{
  *params = self->params;
}

void
pm_holt_winters_set_params (PmHoltWinters             *self,
                            const PmHoltWintersParams *params)
{
  self->params.alpha = CLAMP (params->alpha, 0.0, 1.0);
  self->params.beta = CLAMP (params->beta, 0.0, 1.0);
  self->params.gamma = CLAMP (params->gamma, 0.0, 1.0);
  self->params.phi = CLAMP (params->phi, 0.0, 1.0);
}

/* Update and forecast -------------------------------------------------------------------------- */

gboolean
pm_holt_winters_update (PmHoltWinters *self,
                        gint64         time_s,
                        double         y,
                        double        *error)
{
  gint64 step = _pm_model_step_of (self->started, self->step, (gint64) self->step_s, time_s);
  double e;

  if (G_UNLIKELY (!self->started))
    start_at (self, step - 1);
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

/* 1 + Σ_{j=1}^{n} c_j² with c_j = α (1 + β (φ + … + φ^j)), the ETS(A,Ad,A) variance factor of
 * an (n + 1)-step forecast (without the γ term, which only acts a period later). */
static double
horizon_variance_factor (const PmHoltWintersParams *params,
                         guint                      n)
{
  double sum = 0, d = 0, pj = 1;

  for (guint j = 1; j <= n; j++)
    {
      double c;

      pj *= params->phi;
      d += pj;
      c = params->alpha * (1 + params->beta * d);
      sum += c * c;
    }
  return 1 + sum;
}

void
pm_holt_winters_forecast (const PmHoltWinters *self,
                          guint                h,
                          double              *mean,
                          double              *sd)
{
  double w, var;
  guint pos, lo;

  g_return_if_fail (h >= 1);

  if (!self->has_level)
    {
      if (mean != NULL)
        *mean = NAN;
      if (sd != NULL)
        *sd = NAN;
      return;
    }

  pos = (guint) (((guint64) self->pos + h) % self->steps_per_period);
  lo = locate (self, pos, &w);
  if (mean != NULL)
    *mean = self->level + self->trend * damped_steps (self->params.phi, h)
            + season_at (self, lo, w);
  if (sd != NULL)
    {
      var = (_pm_residual_scale_sigma (&self->rs) * _pm_residual_scale_sigma (&self->rs));
      *sd = sqrt (var * horizon_variance_factor (&self->params, h + self->since_value - 1));
    }
}

void
pm_holt_winters_forecast_path (const PmHoltWinters *self,
                               guint                n_steps,
                               double              *mean,
                               double              *sd)
{
  const PmHoltWintersParams *params = &self->params;
  double var = (_pm_residual_scale_sigma (&self->rs) * _pm_residual_scale_sigma (&self->rs));
  double sum = 0, d = 0, pj = 1, damped = 0, ph = 1;
  guint pos;

  if (!self->has_level)
    {
      for (guint i = 0; i < n_steps; i++)
        mean[i] = sd[i] = NAN;
      return;
    }

  /* The steps since the last value come first in the variance: H = h + since_value. */
  for (guint j = 1; j <= self->since_value; j++)
    {
      double c;

      pj *= params->phi;
      d += pj;
      c = params->alpha * (1 + params->beta * d);
      sum += c * c;
    }
  pos = self->pos;
  for (guint h = 1; h <= n_steps; h++)
    {
      double w;
      guint lo;

      pos = pos + 1 == self->steps_per_period ? 0 : pos + 1;
      lo = locate (self, pos, &w);
      ph *= params->phi;
      damped += ph;
      mean[h - 1] = self->level + self->trend * damped + season_at (self, lo, w);
      if (h > 1)
        {
          double c;

          pj *= params->phi;
          d += pj;
          c = params->alpha * (1 + params->beta * d);
          sum += c * c;
        }
      sd[h - 1] = sqrt (var * (1 + sum));
    }
}

/* Fit ------------------------------------------------------------------------------------------ */

typedef struct
{
  PmHoltWinters *base;     /* the initial state every evaluation starts from */
  PmHoltWinters *scratch;
  gsize          size;
  const float   *values;
  gsize          n_values;
  gint64         start_step;
  double         clip2;
  gboolean       fit_gamma;
  guint          evals;
} Fit;

static double
run (Fit                       *fit,
     const PmHoltWintersParams *params)
{
  PmHoltWinters *m = fit->scratch;
  double sse = 0;
  gsize n = 0;

  memcpy (m, fit->base, fit->size);
  m->params = *params;
  for (gsize i = 0; i < fit->n_values; i++)
    {
      double e = advance (m, fit->start_step + (gint64) i, fit->values[i]);

      if (i >= FIT_BURN_IN_STEPS && !isnan (e))
        {
          sse += MIN (e * e, fit->clip2);
          n++;
        }
    }
  fit->evals++;
  return n > 0 ? sse / n : INFINITY;
}

/* The optimiser works on x = (log α, log (β + 0.001), log (γ + 0.01)): steps of a constant
 * ratio suit parameters whose useful values span three decades. */
static void
params_from_x (const double        *x,
               const Fit           *fit,
               PmHoltWintersParams *params)
{
  params->alpha = CLAMP (exp (x[0]), MIN_ALPHA, 0.99);
  params->beta = CLAMP (exp (x[1]) - 0.001, MIN_BETA, 1.0);
  params->gamma = fit->fit_gamma ? CLAMP (exp (x[2]) - 0.01, 0.0, 1.0) : fit->base->params.gamma;
  params->phi = fit->base->params.phi;
}

static void
x_from_params (const PmHoltWintersParams *params,
               double                    *x)
{
  x[0] = log (MAX (params->alpha, MIN_ALPHA));
  x[1] = log (params->beta + 0.001);
  x[2] = log (params->gamma + 0.01);
}

static double
objective (Fit          *fit,
           const double *x)
{
  PmHoltWintersParams params;

  params_from_x (x, fit, &params);
  return run (fit, &params);
}

/* Nelder–Mead over d ≤ 3 coordinates, from x (updated in place) with initial step `step`. */
static double
nelder_mead (Fit    *fit,
             guint   d,
             double *x,
             double  fx,
             double  step,
             guint   max_evals)
{
  double simplex[4][3], f[4];
  guint first_eval = fit->evals;

  for (guint i = 0; i <= d; i++)
    {
      memcpy (simplex[i], x, sizeof simplex[i]);
      if (i > 0)
        simplex[i][i - 1] += step;
      f[i] = i == 0 ? fx : objective (fit, simplex[i]);
    }

  while (fit->evals - first_eval < max_evals)
    {
      guint best = 0, worst = 0, second = 0;
      double centroid[3] = { 0 }, xr[3], xe[3], xc[3], fr, fe, fc;

      for (guint i = 1; i <= d; i++)
        {
          if (f[i] < f[best])
            best = i;
          if (f[i] > f[worst])
            worst = i;
        }
      second = best;
      for (guint i = 0; i <= d; i++)
        if (i != worst && f[i] > f[second])
          second = i;
      if (f[worst] - f[best] <= FIT_TOLERANCE * fabs (f[best]) + 1e-300)
        break;

      for (guint i = 0; i <= d; i++)
        if (i != worst)
          for (guint j = 0; j < d; j++)
            centroid[j] += simplex[i][j] / d;
      memcpy (xr, x, sizeof xr);
      for (guint j = 0; j < d; j++)
        xr[j] = centroid[j] + (centroid[j] - simplex[worst][j]);
      fr = objective (fit, xr);

      if (fr < f[best])
        {
          memcpy (xe, xr, sizeof xe);
          for (guint j = 0; j < d; j++)
            xe[j] = centroid[j] + 2 * (centroid[j] - simplex[worst][j]);
          fe = objective (fit, xe);
          if (fe < fr)
            memcpy (simplex[worst], xe, sizeof xe), f[worst] = fe;
          else
            memcpy (simplex[worst], xr, sizeof xr), f[worst] = fr;
          continue;
        }
      if (fr < f[second])
        {
          memcpy (simplex[worst], xr, sizeof xr);
          f[worst] = fr;
          continue;
        }
      memcpy (xc, x, sizeof xc);
      for (guint j = 0; j < d; j++)
        xc[j] = centroid[j] + 0.5 * (simplex[worst][j] - centroid[j]);
      fc = objective (fit, xc);
      if (fc < f[worst])
        {
          memcpy (simplex[worst], xc, sizeof xc);
          f[worst] = fc;
          continue;
        }
      for (guint i = 0; i <= d; i++)
        if (i != best)
          {
            for (guint j = 0; j < d; j++)
              simplex[i][j] = simplex[best][j] + 0.5 * (simplex[i][j] - simplex[best][j]);
            f[i] = objective (fit, simplex[i]);
          }
    }

  {
    guint best = 0;
    for (guint i = 1; i <= d; i++)
      if (f[i] < f[best])
        best = i;
    memcpy (x, simplex[best], sizeof simplex[best]);
    return f[best];
  }
}

/* Robust σ of the noise: MAD of first differences ÷ √2 (a smooth level cancels out). */
static double
robust_noise_sigma (const float *values,
                    gsize        n)
{
  g_autofree float *d = g_new (float, MAX (n, 1));
  gsize m = 0;
  double med, sigma, ss = 0;

  for (gsize i = 1; i < n; i++)
    if (!isnan (values[i]) && !isnan (values[i - 1]))
      d[m++] = values[i] - values[i - 1];
  if (m < 2)
    return 0;
  for (gsize i = 0; i < m; i++)
    ss += (double) d[i] * d[i];
  med = median_float (d, m);
  for (gsize i = 0; i < m; i++)
    d[i] = fabsf (d[i] - (float) med);
  sigma = 1.4826 * median_float (d, m) / G_SQRT2;
  if (sigma <= 0)
    sigma = sqrt (ss / m / 2);
  return sigma;
}

/* Cleans the profile of per-slot medians: a smooth daily curve (harmonics 1…PROFILE_HARMONICS,
 * fitted robustly: Huber, then Tukey's bisquare) stands in for slots far off it, and for slots
 * with no data when most have some. One day of history cannot tell a daily pattern from an
 * outage that happened that day; an outage is sharp and large, a load cycle is smooth, and a
 * sharp feature that does recur is learnt by the daily updates. Returns the slots known. */
static guint
clean_profile (PmHoltWinters *self)
{
  enum { K = 1 + 2 * PROFILE_HARMONICS };
  guint n = self->n_slots, known = 0;
  g_autofree double *curve = NULL, *res = NULL, *basis = NULL;
  double beta[K] = { 0 }, scale = 0;

  for (guint k = 0; k < n; k++)
    known += !isnan (self->profile[k]);
  if (n < 4 * PROFILE_HARMONICS || known < PROFILE_COVERAGE * n)
    return known;

  curve = g_new (double, n);
  res = g_new (double, n);
  basis = g_new (double, (gsize) n * K);
  for (guint k = 0; k < n; k++)
    {
      double phase = 2 * G_PI * (k + 0.5) / n, *z = basis + (gsize) k * K;

      z[0] = 1;
      for (guint h = 1; h <= PROFILE_HARMONICS; h++)
        {
          z[2 * h - 1] = cos (h * phase);
          z[2 * h] = sin (h * phase);
        }
    }
  for (guint iter = 0; iter < 12; iter++)
    {
      double a[K * K] = { 0 }, b[K] = { 0 };
      g_autofree float *abs_res = g_new (float, n);
      guint m = 0;

      /* Residuals of the current curve (a constant at first), and their robust scale. */
      for (guint k = 0; k < n; k++)
        if (!isnan (self->profile[k]))
          {
            res[k] = self->profile[k] - (iter == 0 ? 0 : curve[k]);
            abs_res[m++] = (float) res[k];
          }
      if (iter == 0)
        {
          double med = median_float (abs_res, m);
          for (guint k = 0, j = 0; k < n; k++)
            if (!isnan (self->profile[k]))
              {
                res[k] -= med;
                abs_res[j++] = (float) fabs (res[k]);
              }
        }
      else
        {
          for (guint j = 0; j < m; j++)
            abs_res[j] = fabsf (abs_res[j]);
        }
      scale = 1.4826 * median_float (abs_res, m);
      if (!(scale > 0))
        scale = 1e-12;

      for (guint k = 0; k < n; k++)
        {
          const double *z = basis + (gsize) k * K;
          double u, wt;

          if (isnan (self->profile[k]))
            continue;
          u = res[k] / scale;
          if (iter < 6)
            {
              wt = fabs (u) <= 1.345 ? 1 : 1.345 / fabs (u);
            }
          else
            {
              double v = 1 - (u / 4.685) * (u / 4.685);
              wt = v > 0 ? v * v : 0;
            }
          for (guint i = 0; i < K; i++)
            {
              for (guint j = 0; j <= i; j++)
                a[i * K + j] += wt * z[i] * z[j];
              b[i] += wt * z[i] * self->profile[k];
            }
        }
      for (guint i = 0; i < K; i++)
        for (guint j = i + 1; j < K; j++)
          a[i * K + j] = a[j * K + i];
      if (!_pm_solve_spd (K, a, K, b, beta))
        return known;
      for (guint k = 0; k < n; k++)
        {
          const double *z = basis + (gsize) k * K;

          curve[k] = 0;
          for (guint i = 0; i < K; i++)
            curve[k] += beta[i] * z[i];
        }
    }

  for (guint k = 0; k < n; k++)
    if (isnan (self->profile[k]) || fabs (self->profile[k] - curve[k]) >= 4.685 * scale)
      self->profile[k] = (float) curve[k];
  return n;
}

/* The initial state: profile from per-slot medians of values[0, n_init), level from the first
 * values, no trend, positioned just before the first value. */
static void
initialise (PmHoltWinters *self,
            const float   *values,
            gsize          n_values,
            gsize          n_init,
            gint64         start_step)
{
  g_autofree guint *count = g_new0 (guint, self->n_slots + 1);
  g_autofree float *bucket = g_new (float, MAX (n_init, 1));
  g_autofree float *first = NULL;
  guint *offset = count;  /* reused as running offsets after the prefix sum */
  double centre = 0;
  guint known = 0;
  gsize n_first = 0;
  guint start_pos = pos_of (self, start_step);

  pm_holt_winters_reset (self);

  /* Counting sort of the values by the slot they fall in. */
  for (gsize i = 0; i < n_init; i++)
    if (!isnan (values[i]))
      count[((start_pos + i) % self->steps_per_period) / self->steps_per_slot + 1]++;
  for (guint k = 1; k <= self->n_slots; k++)
    count[k] += count[k - 1];
  {
    g_autofree guint *fill = g_memdup2 (count, (self->n_slots + 1) * sizeof (guint));
    for (gsize i = 0; i < n_init; i++)
      if (!isnan (values[i]))
        bucket[fill[((start_pos + i) % self->steps_per_period) / self->steps_per_slot]++] =
          values[i];
  }
  for (guint k = 0; k < self->n_slots; k++)
    {
      guint n = offset[k + 1] - offset[k];

      if (n > 0)
        self->profile[k] = median_float (bucket + offset[k], n);
    }
  known = clean_profile (self);

  /* Centred on the median slot, so that a slot still unknown (read as 0) reads as a typical
   * one. */
  {
    g_autofree float *sorted = g_new (float, MAX (known, 1));
    guint m = 0;

    for (guint k = 0; k < self->n_slots; k++)
      if (!isnan (self->profile[k]))
        sorted[m++] = self->profile[k];
    centre = m > 0 ? median_float (sorted, m) : 0;
  }
  for (guint k = 0; k < self->n_slots; k++)
    self->profile[k] -= (float) centre;
  self->n_unknown = self->n_slots - known;

  start_at (self, start_step - 1);

  /* Level: median of the first deseasonalised values. */
  first = g_new (float, self->steps_per_slot * 2);
  for (gsize i = 0; i < n_values && n_first < self->steps_per_slot * 2; i++)
    if (!isnan (values[i]))
      {
        double w;
        guint lo = locate (self, (start_pos + (guint) (i % self->steps_per_period))
                                   % self->steps_per_period, &w);
        first[n_first++] = values[i] - (float) season_at (self, lo, w);
      }
  if (n_first > 0)
    {
      self->level = median_float (first, n_first);
      self->has_level = TRUE;
    }
}

gboolean
pm_holt_winters_fit (PmHoltWinters *self,
                     const float   *values,
                     gsize          n_values,
                     gint64         start_s)
{
  static const double alphas[] = { MIN_ALPHA, 0.06, 0.2, 0.5 };
  static const double betas[] = { MIN_BETA, 0.1 };
  static const double gammas[] = { 0.1, 0.4 };
  Fit fit = { 0 };
  gsize n_finite = 0;
  PmHoltWintersParams best = self->params, p;
  double best_f = INFINITY, x[3], sigma;
  guint n_gammas;

  for (gsize i = 0; i < n_values; i++)
    if (!isnan (values[i]))
      n_finite++;
  if (n_finite < MIN_FIT_VALUES)
    return FALSE;

  fit.size = model_size (self->n_slots);
  fit.base = g_memdup2 (self, fit.size);
  fit.scratch = g_malloc (fit.size);
  fit.values = values;
  fit.n_values = n_values;
  fit.start_step = _pm_floor_div (start_s, self->step_s);
  fit.fit_gamma = n_values >= 2 * (gsize) self->steps_per_period;
  sigma = robust_noise_sigma (values, n_values);
  fit.clip2 = sigma > 0 ? (FIT_CLIP_SIGMA * sigma) * (FIT_CLIP_SIGMA * sigma) : INFINITY;

  initialise (fit.base, values, n_values,
              fit.fit_gamma ? self->steps_per_period : n_values, fit.start_step);

  n_gammas = fit.fit_gamma ? G_N_ELEMENTS (gammas) : 1;
  for (guint i = 0; i < G_N_ELEMENTS (alphas); i++)
    for (guint j = 0; j < G_N_ELEMENTS (betas); j++)
      for (guint k = 0; k < n_gammas; k++)
        {
          double f;

          p = (PmHoltWintersParams) { alphas[i], betas[j],
                                      fit.fit_gamma ? gammas[k] : self->params.gamma,
                                      self->params.phi };
          f = run (&fit, &p);
          if (f < best_f)
            {
              best_f = f;
              best = p;
            }
        }

  x_from_params (&best, x);
  best_f = nelder_mead (&fit, fit.fit_gamma ? 3 : 2, x, best_f, log (2.5), FIT_MAX_NM_EVALS);
  params_from_x (x, &fit, &best);

  /* The final run leaves the model warm at the history's last step. */
  run (&fit, &best);
  memcpy (self, fit.scratch, fit.size);
  self->fit_mse = best_f;

  g_free (fit.base);
  g_free (fit.scratch);
  return TRUE;
}

double
pm_holt_winters_get_fit_mse (const PmHoltWinters *self)
{
  return self->fit_mse;
}

/* Accessors ------------------------------------------------------------------------------------ */

gint64
pm_holt_winters_get_time (const PmHoltWinters *self)
{
  return self->step * self->step_s;
}

double
pm_holt_winters_get_level (const PmHoltWinters *self)
{
  return self->has_level ? self->level : NAN;
}

double
pm_holt_winters_get_trend (const PmHoltWinters *self)
{
  return self->has_level ? self->trend : NAN;
}

double
pm_holt_winters_get_season (const PmHoltWinters *self,
                            gint64               time_s)
{
  double w;
  guint lo = locate (self, pos_of (self, _pm_floor_div (time_s, self->step_s)), &w);

  return season_at (self, lo, w);
}

double
pm_holt_winters_get_recent_mse (const PmHoltWinters *self)
{
  return _pm_residual_scale_mse (&self->rs);
}

double
pm_holt_winters_get_residual_variance (const PmHoltWinters *self)
{
  return (_pm_residual_scale_sigma (&self->rs) * _pm_residual_scale_sigma (&self->rs));
}

guint64
pm_holt_winters_get_n_observed (const PmHoltWinters *self)
{
  return self->n_observed;
}

guint64
pm_holt_winters_get_n_missing (const PmHoltWinters *self)
{
  return self->n_missing;
}

guint64
pm_holt_winters_get_n_rejected (const PmHoltWinters *self)
{
  return self->n_rejected;
}

guint
pm_holt_winters_get_steps_since_value (const PmHoltWinters *self)
{
  return self->since_value;
}

guint
pm_holt_winters_get_n_unknown_slots (const PmHoltWinters *self)
{
  return self->n_unknown;
}
