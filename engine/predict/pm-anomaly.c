/* pm-anomaly.c: the degradation detector.
 *
 * Five kinds of surprise ("channels") are measured on every sample, each against baselines
 * that forget slowly:
 *
 *   point     |z|: the one-step residual (sample minus an EWMA forecast) over a robust residual
 *             scale. Spikes, drops, the first sample of a step.
 *   level     |x − centre| over the long-run spread: a sample outside the range the series
 *             normally lives in. Level shifts, values never seen before.
 *   shift     a two-sided CUSUM of the clipped z: residuals that keep the same sign.
 *   variance  an EWMA of the clipped z²: jitter growing while the mean holds.
 *   drift     a two-sided CUSUM of the clipped deviation from the long-run centre: the series
 *             keeps moving away from where it usually is. Creeping degradation, long before
 *             any single sample is extreme.
 *
 * Real series are not Gaussian — CPU and traffic counters spike daily, disk writes are zero
 * then huge — so a fixed z threshold is either blind on calm series or screaming on bursty
 * ones. Each channel's value is therefore judged by its rarity for this series: a decayed
 * log-scale histogram of the channel's past values (memory ~ `memory` samples) gives the share
 * of recent samples at least as surprising. Beyond the most surprising value seen, rarity keeps
 * growing as a power law (`tail_index`), so "three times the worst spike this week" counts for
 * more than "the worst spike this week again". A value counts only as rare as both its own
 * history and Gaussian noise say it is: on a calm series an alarm still needs a genuinely
 * improbable value, on a bursty one a burst bigger than the usual ones. The drift channel is
 * judged against its history as of `drift_lag` samples ago: a slow excursion must not become
 * its own reference.
 *
 * The score is the rarest channel, weighted, in decades: S = −log10(tail), reported as
 * S / (S + half_decades) so that 0.5 means "about one in 10^half_decades" and scores never
 * saturate (NAB's threshold sweep needs them ordered).
 *
 * Everything is O(1) per sample: a few EWMAs, four CUSUM sums and five 64-bin histograms kept
 * as Fenwick trees (6 steps per query or update) whose decay is applied lazily through a
 * growing weight. About 3.5 KB per detector and 150–250 ns per sample.
 *
 * Tuning. The parameters were tuned on 9 of the 17 NAB AWS files, the even-numbered ones in
 * sorted order (chosen by that rule before any scoring): ec2_cpu_utilization_24ae8d, _5f5533,
 * _825cc2, _c6585a, ec2_disk_write_bytes_1ef3de, ec2_network_in_257a54,
 * elb_request_count_8c0756, iio_us-east-1_i-a2eb1cd9_NetworkIn, rds_cpu_utilization_e47b3b.
 * The other 8 are held out. NAB standard profile, threshold optimised as NAB does: 86.0 on the
 * 9, 37.9 on the 8 (35.0 at the threshold chosen on the 9), 58.4 on all 17. Nothing depends on
 * a file. Reproduce with `premirror-eval --nab DIR [--nab-files …] [--detector-param N=V]`.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-anomaly.h"

#include <gio/gio.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

typedef struct
{
  const char *name;
  gsize       offset;
  gboolean    is_uint;
  double      value;
  double      min;
  double      max;
} ParamSpec;

#define PARAM(field, def, lo, hi) \
  { #field, offsetof (PmAnomalyParams, field), FALSE, def, lo, hi }
#define PARAM_UINT(field, def, lo, hi) \
  { #field, offsetof (PmAnomalyParams, field), TRUE, def, lo, hi }

#define MAX_DRIFT_LAG 64

/* The defaults: the one place they live. */
static const ParamSpec param_table[] = {
  /* Samples before any score above 0; the baselines settle in the first half, the histograms
   * fill in the second. */
  PARAM_UINT (warmup, 100, 10, 1e6),
  /* Forecast = EWMA of the series with this weight: high, so the residual is "what changed
   * in the last few samples" and a step is seen on its first sample. */
  PARAM (level_alpha, 0.25, 1e-4, 1),
  /* Residual scale: EWMA of |residual| (robust, clipped); slow, so that one burst does not
   * at once teach the detector that bursts are normal. */
  PARAM (scale_alpha, 0.003, 1e-5, 1),
  /* Residuals enter the forecast, the scale and the sums clipped at clip · scale: one spike
   * must not drag the baselines along. */
  PARAM (clip, 6, 1, 100),
  /* The residual scale never goes below this share of the long-run spread: a series that sat
   * still for hours does not turn its first wobble into a 1000-σ event. */
  PARAM (scale_floor, 0.05, 0, 10),
  /* Long-run centre and spread of the values (level and drift channels): ~500 samples. */
  PARAM (center_alpha, 0.002, 1e-5, 1),
  /* Shift channel: residual drifts below k · scale per sample are not accumulated. */
  PARAM (cusum_k, 0.5, 0.01, 10),
  /* Variance channel: EWMA weight of z² (about 1/alpha samples of memory). */
  PARAM (var_alpha, 0.05, 1e-4, 1),
  /* Drift channel: deviations from the long-run centre below k spreads are not accumulated. */
  PARAM (drift_k, 1, 0.01, 100),
  /* Drift channel: its rarity is judged against its own values up to this many samples ago. */
  PARAM_UINT (drift_lag, 20, 0, MAX_DRIFT_LAG),
  /* Samples a surprise's rarity is judged against (exponential forgetting). */
  PARAM (memory, 3000, 10, 1e7),
  /* Pseudo-count of past samples at least as surprising as anything: the rarest a value can
   * be without exceeding every past value is about prior / memory. */
  PARAM (prior, 0.5, 1e-3, 100),
  /* Beyond the decayed record, rarity shrinks as (record / value)^tail_index: a heavy tail,
   * because real series have them. */
  PARAM (tail_index, 1.5, 0, 20),
  /* Channel weights against the point channel (a channel's rarity is divided by its weight).
   * The level channel counts half: a high value is usually seen by the point channel first. */
  PARAM (w_level, 0.5, 0, 100),
  PARAM (w_shift, 1, 0, 100),
  PARAM (w_variance, 1, 0, 100),
  PARAM (w_drift, 1, 0, 100),
  /* Rarity in decades that maps to the score 0.5. */
  PARAM (half_decades, 5, 0.1, 100),
};

#undef PARAM
#undef PARAM_UINT

static const char *param_names[G_N_ELEMENTS (param_table) + 1];

enum
{
  CHANNEL_POINT,
  CHANNEL_LEVEL,
  CHANNEL_SHIFT,
  CHANNEL_VARIANCE,
  CHANNEL_DRIFT,
  N_CHANNELS
};

/* A decayed histogram of one channel's values on a log2 scale: 64 half-octave bins from 2^-8
 * to 2^24, from quantisation noise to the first burst of a disk that sat idle. Decay is lazy:
 * each new sample weighs 1/decay times the previous one, and everything is rescaled before the
 * weights leave float range. "How many at or above" is a Fenwick tree over the bins in reverse
 * order: six additions instead of sixty-four, and no cancellation. Floats keep a detector at
 * about 3 KB. */
#define N_BINS 64
#define BIN_LOG2_MIN (-8)
#define RESCALE_ABOVE 1e30

typedef struct
{
  float  above[N_BINS + 1]; /* Fenwick tree over reversed bins, 1-based */
  float  bins[N_BINS];
  double total;
  double weight;            /* weight the next sample will get */
  double record;            /* decayed maximum */
  gboolean never_moved;     /* every value so far was 0 */
  gboolean flat_is_rare;    /* then anything above 0 is as rare as can be (value channels) */
} Rarity;

/* Where a channel value falls: its bin, and its position in the bin (0 at the lower edge,
 * 1 at the upper). bin −1: below every bin (never rare); N_BINS: above every bin. */
typedef struct
{
  int    bin;
  double fraction;
} Slot;

struct _PmAnomalyDetector
{
  PmAnomalyParams p;
  double          decay;       /* 1 − 1/memory */

  PmAnomalyFlags  flags;
  PmAnomalyCause  cause;
  guint64         n;           /* samples admitted so far */
  double          last_t;
  double          period;      /* EWMA of the sampling interval, for gap flags */

  double          level;       /* one-step forecast */
  double          scale;       /* EWMA of |residual|, clipped */
  double          center;      /* long-run EWMA of the values */
  double          spread;      /* long-run EWMA of |value − centre| */
  double          shift_up;
  double          shift_down;
  double          var;         /* EWMA of clipped z² */
  double          drift_up;
  double          drift_down;
  double          drift_delay[MAX_DRIFT_LAG];
  Rarity          rarity[N_CHANNELS];
};

static const char *cause_names[] = {
  [PM_ANOMALY_CAUSE_NONE] = "none",
  [PM_ANOMALY_CAUSE_POINT] = "point",
  [PM_ANOMALY_CAUSE_LEVEL] = "level",
  [PM_ANOMALY_CAUSE_SHIFT] = "shift",
  [PM_ANOMALY_CAUSE_VARIANCE] = "variance",
  [PM_ANOMALY_CAUSE_DRIFT] = "drift",
};

const char *
pm_anomaly_cause_to_string (PmAnomalyCause cause)
{
  return (guint) cause < G_N_ELEMENTS (cause_names) ? cause_names[cause] : "unknown";
}

static const ParamSpec *
find_param (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (param_table); i++)
    if (strcmp (param_table[i].name, name) == 0)
      return &param_table[i];
  return NULL;
}

void
pm_anomaly_params_init (PmAnomalyParams *params)
{
  g_return_if_fail (params != NULL);

  memset (params, 0, sizeof *params);
  for (guint i = 0; i < G_N_ELEMENTS (param_table); i++)
    pm_anomaly_params_set (params, param_table[i].name, param_table[i].value, NULL);
}

gboolean
pm_anomaly_params_set (PmAnomalyParams *params,
                       const char      *name,
                       double           value,
                       GError         **error)
{
  const ParamSpec *spec;
  char *field;

  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  spec = find_param (name);
  if (spec == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "no detector parameter is named “%s”", name);
      return FALSE;
    }
  if (!(value >= spec->min && value <= spec->max)
      || (spec->is_uint && value != floor (value)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "detector parameter “%s”: %g is not %s in [%g, %g]", name, value,
                   spec->is_uint ? "a whole number" : "a number", spec->min, spec->max);
      return FALSE;
    }
  field = (char *) params + spec->offset;
  if (spec->is_uint)
    *(guint *) (void *) field = (guint) value;
  else
    *(double *) (void *) field = value;
  return TRUE;
}

gboolean
pm_anomaly_params_get (const PmAnomalyParams *params,
                       const char            *name,
                       double                *value)
{
  const ParamSpec *spec;
  const char *field;

  g_return_val_if_fail (params != NULL, FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  spec = find_param (name);
  if (spec == NULL)
    return FALSE;
  field = (const char *) params + spec->offset;
  *value = spec->is_uint ? *(const guint *) (const void *) field
                         : *(const double *) (const void *) field;
  return TRUE;
}

const char *const *
pm_anomaly_params_list (void)
{
  if (param_names[0] == NULL)
    for (guint i = 0; i < G_N_ELEMENTS (param_table); i++)
      param_names[i] = param_table[i].name;
  return param_names;
}

static double
ewma (double old,
      double x,
      double alpha)
{
  return old + alpha * (x - old);
}

/* The half-octave slot of x without a logarithm: the IEEE 754 exponent gives the octave, one
 * comparison of the mantissa the half. */
static Slot
locate (double x)
{
  Slot slot = { -1, 0.0 };
  guint64 bits;
  double mantissa, lower;
  int exponent;
  gboolean upper_half;

  if (!(x > 0))
    return slot;
  memcpy (&bits, &x, sizeof bits);
  exponent = (int) ((bits >> 52) & 0x7ff) - 1023;
  bits = (bits & G_GUINT64_CONSTANT (0x000fffffffffffff)) | G_GUINT64_CONSTANT (0x3ff0000000000000);
  memcpy (&mantissa, &bits, sizeof mantissa); /* x = mantissa · 2^exponent, mantissa in [1, 2) */
  upper_half = mantissa >= G_SQRT2;
  lower = upper_half ? G_SQRT2 : 1.0;
  slot.bin = 2 * (exponent - BIN_LOG2_MIN) + upper_half;
  slot.fraction = (mantissa - lower) / (lower * (G_SQRT2 - 1));
  if (slot.bin < 0)
    slot.bin = -1;
  else if (slot.bin >= N_BINS)
    {
      slot.bin = N_BINS;
      slot.fraction = 1.0;
    }
  return slot;
}

/* Sum of the bins strictly above bin. */
static double
sum_above (const Rarity *r,
           int           bin)
{
  double sum = 0;

  for (int i = N_BINS - 1 - bin; i > 0; i -= i & -i)
    sum += r->above[i];
  return sum;
}

/* Share of recent samples at least as surprising as x (in slot), the prior included; beyond
 * the record it keeps shrinking as a power law. */
static double
rarity_tail (const Rarity          *r,
             double                 x,
             Slot                   slot,
             const PmAnomalyParams *p)
{
  double at_or_above, tail;

  if (r->total <= 0 || slot.bin < 0)
    return 1.0;
  if (slot.bin >= N_BINS)
    at_or_above = 0;
  else /* values in x's own bin are taken as spread evenly over it */
    at_or_above = sum_above (r, slot.bin) + (1.0 - slot.fraction) * r->bins[slot.bin];
  tail = (at_or_above / r->weight + p->prior) / (r->total / r->weight + p->prior);
  if (x > r->record && r->record > 0)
    tail *= pow (r->record / x, p->tail_index);
  else if (x > r->record && r->never_moved && r->flat_is_rare)
    /* A series that never moved (a flat line) has the histogram's resolution as its record:
     * its first movement is as surprising as anything can be. */
    tail *= pow (ldexp (1.0, BIN_LOG2_MIN) / x, p->tail_index);
  return MIN (tail, 1.0);
}

static void
rarity_add (Rarity *r,
            double  x,
            Slot    slot,
            double  decay)
{
  int bin = CLAMP (slot.bin, 0, N_BINS - 1);

  if (r->weight == 0)
    r->weight = 1;
  r->bins[bin] += (float) r->weight;
  for (int i = N_BINS - bin; i <= N_BINS; i += i & -i)
    r->above[i] += (float) r->weight;
  r->total += r->weight;
  r->weight /= decay;
  if (r->weight > RESCALE_ABOVE)
    {
      for (int i = 0; i < N_BINS; i++)
        {
          r->bins[i] = (float) (r->bins[i] / r->weight);
          r->above[i + 1] = (float) (r->above[i + 1] / r->weight);
        }
      r->total /= r->weight;
      r->weight = 1;
    }
  r->record = MAX (x, r->record * decay);
  r->never_moved = r->record == 0;
}

/* What a channel's value would be worth on Gaussian noise. A CUSUM with slack k on unit
 * increments is about exponential with rate 2k; an EWMA of z² with weight α has mean 1 and
 * sd √(2α / (2 − α)). */
static double
null_tail (const PmAnomalyDetector *self,
           guint                    channel,
           double                   value)
{
  const PmAnomalyParams *p = &self->p;

  switch (channel)
    {
    case CHANNEL_POINT:
    case CHANNEL_LEVEL:
      return erfc (value / G_SQRT2);
    case CHANNEL_SHIFT:
      return exp (-2 * p->cusum_k * value);
    case CHANNEL_DRIFT:
      return exp (-2 * p->drift_k * value);
    case CHANNEL_VARIANCE:
      return 0.5 * erfc (MAX (0.0, value - 1) / sqrt (2 * p->var_alpha / (2 - p->var_alpha))
                         / G_SQRT2);
    default:
      g_assert_not_reached ();
    }
}

PmAnomalyDetector *
pm_anomaly_detector_new (const PmAnomalyParams *params)
{
  PmAnomalyDetector *self = g_new0 (PmAnomalyDetector, 1);

  if (params != NULL)
    self->p = *params;
  else
    pm_anomaly_params_init (&self->p);
  pm_anomaly_detector_reset (self);
  return self;
}

void
pm_anomaly_detector_free (PmAnomalyDetector *self)
{
  g_free (self);
}

void
pm_anomaly_detector_reset (PmAnomalyDetector *self)
{
  PmAnomalyParams p;

  g_return_if_fail (self != NULL);

  p = self->p;
  memset (self, 0, sizeof *self);
  self->p = p;
  self->p.drift_lag = MIN (p.drift_lag, MAX_DRIFT_LAG);
  self->decay = 1.0 - 1.0 / MAX (p.memory, 2.0);
  self->last_t = -INFINITY;
  self->level = NAN;
  self->var = 1;
  /* A sum with slack is 0 most of the time, so only the value channels read "never moved"
   * as "flat". */
  self->rarity[CHANNEL_POINT].flat_is_rare = TRUE;
  self->rarity[CHANNEL_LEVEL].flat_is_rare = TRUE;
}

PmAnomalyFlags
pm_anomaly_detector_get_flags (PmAnomalyDetector *self)
{
  g_return_val_if_fail (self != NULL, PM_ANOMALY_FLAG_NONE);

  return self->flags;
}

PmAnomalyCause
pm_anomaly_detector_get_cause (PmAnomalyDetector *self)
{
  g_return_val_if_fail (self != NULL, PM_ANOMALY_CAUSE_NONE);

  return self->cause;
}

double
pm_anomaly_detector_get_forecast (PmAnomalyDetector *self)
{
  g_return_val_if_fail (self != NULL, NAN);

  return self->level;
}

/* Checks the sample's time and value; FALSE when it cannot be judged (the flags say why), in
 * which case nothing else changes. */
static gboolean
admit (PmAnomalyDetector *self,
       double             time_s,
       double             value)
{
  double dt;

  self->flags = PM_ANOMALY_FLAG_NONE;
  self->cause = PM_ANOMALY_CAUSE_NONE;
  if (isnan (value))
    {
      self->flags = PM_ANOMALY_FLAG_MISSING;
      return FALSE;
    }
  if (!isfinite (value) || !isfinite (time_s))
    {
      self->flags = PM_ANOMALY_FLAG_NOT_FINITE;
      return FALSE;
    }
  if (time_s < self->last_t)
    {
      self->flags = PM_ANOMALY_FLAG_OUT_OF_ORDER;
      return FALSE;
    }

  dt = time_s - self->last_t;
  if (dt == 0)
    self->flags |= PM_ANOMALY_FLAG_DUPLICATE;
  else if (self->period > 0 && dt > 5 * self->period)
    self->flags |= PM_ANOMALY_FLAG_GAP;
  /* A gap must not stretch the period estimate, or the next gap would go unflagged. */
  if (dt > 0 && isfinite (dt))
    self->period = self->period > 0 ? ewma (self->period, MIN (dt, 5 * self->period), 0.05)
                                    : dt;
  self->last_t = time_s;
  return TRUE;
}

/* The drift channel's value as it was drift_lag samples ago (the current one with no lag). */
static double
delayed_drift (PmAnomalyDetector *self,
               double             drift)
{
  guint slot;
  double old;

  if (self->p.drift_lag == 0)
    return drift;
  slot = (guint) (self->n % self->p.drift_lag);
  old = self->drift_delay[slot];
  self->drift_delay[slot] = drift;
  return old;
}

double
pm_anomaly_detector_update (PmAnomalyDetector *self,
                            double             time_s,
                            double             value)
{
  const PmAnomalyParams *p;
  double channel[N_CHANNELS], weight[N_CHANNELS], tail[N_CHANNELS];
  Slot slot[N_CHANNELS];
  double r, sigma, tiny, z, zc, dev, dc, warm, best = 1.0, decades;
  gboolean judged, learning;

  g_return_val_if_fail (self != NULL, NAN);

  if (!admit (self, time_s, value))
    return NAN;
  p = &self->p;

  if (self->n == 0)
    {
      self->n = 1;
      self->level = value;
      self->center = value;
      self->flags |= PM_ANOMALY_FLAG_WARMUP;
      return 0.0;
    }

  judged = self->n >= p->warmup;
  learning = self->n >= p->warmup / 2;

  /* Surprise, against the baselines as they were before this sample. The tiny absolute term
   * only keeps a perfectly flat series from dividing by zero. */
  tiny = 1e-9 * (fabs (self->center) + 1e-3);
  r = value - self->level;
  sigma = MAX (1.2533 * self->scale, p->scale_floor * 1.2533 * self->spread);
  sigma = MAX (sigma, tiny);
  z = r / sigma;
  zc = CLAMP (z, -p->clip, p->clip);
  dev = (value - self->center) / MAX (1.2533 * self->spread, tiny);
  dc = CLAMP (dev, -p->clip, p->clip);

  /* Before the scale has settled z means little: the sums start once the histograms do. */
  if (learning)
    {
      self->shift_up = MAX (0.0, self->shift_up + zc - p->cusum_k);
      self->shift_down = MAX (0.0, self->shift_down - zc - p->cusum_k);
      self->var = ewma (self->var, zc * zc, p->var_alpha);
      self->drift_up = MAX (0.0, self->drift_up + dc - p->drift_k);
      self->drift_down = MAX (0.0, self->drift_down - dc - p->drift_k);
    }

  channel[CHANNEL_POINT] = fabs (z);
  channel[CHANNEL_LEVEL] = fabs (dev);
  channel[CHANNEL_SHIFT] = MAX (self->shift_up, self->shift_down);
  channel[CHANNEL_VARIANCE] = self->var;
  channel[CHANNEL_DRIFT] = MAX (self->drift_up, self->drift_down);
  weight[CHANNEL_POINT] = 1;
  weight[CHANNEL_LEVEL] = p->w_level;
  weight[CHANNEL_SHIFT] = p->w_shift;
  weight[CHANNEL_VARIANCE] = p->w_variance;
  weight[CHANNEL_DRIFT] = p->w_drift;

  for (guint c = 0; c < N_CHANNELS; c++)
    slot[c] = locate (channel[c]);
  if (judged)
    {
      for (guint c = 0; c < N_CHANNELS; c++)
        tail[c] = weight[c] > 0
                  ? rarity_tail (&self->rarity[c], channel[c], slot[c], p) / weight[c]
                  : INFINITY;
      /* A channel is never rarer than Gaussian noise would make it; that bound only matters
       * for a channel that could be the rarest, so it is computed only for those. */
      for (guint c = 0; c < N_CHANNELS; c++)
        if (tail[c] < best)
          {
            tail[c] = MAX (tail[c], null_tail (self, c, channel[c]) / weight[c]);
            if (tail[c] < best)
              {
                best = tail[c];
                self->cause = PM_ANOMALY_CAUSE_POINT + c;
              }
          }
    }

  if (learning)
    {
      double drift = delayed_drift (self, channel[CHANNEL_DRIFT]);

      for (guint c = 0; c < N_CHANNELS; c++)
        if (c != CHANNEL_DRIFT)
          rarity_add (&self->rarity[c], channel[c], slot[c], self->decay);
      rarity_add (&self->rarity[CHANNEL_DRIFT], drift,
                  drift == channel[CHANNEL_DRIFT] ? slot[CHANNEL_DRIFT] : locate (drift),
                  self->decay);
    }

  /* The baselines learn from clipped residuals, with faster weights at the start so that they
   * settle within the warm-up. */
  warm = 1.0 / (self->n + 1);
  self->level += p->level_alpha * (judged ? zc * sigma : r);
  self->scale = ewma (self->scale, judged ? MIN (fabs (r), p->clip * sigma) : fabs (r),
                      MAX (warm, p->scale_alpha));
  self->center = ewma (self->center, value, MAX (warm, p->center_alpha));
  self->spread = ewma (self->spread, fabs (value - self->center), MAX (warm, p->center_alpha));
  self->n++;

  if (!judged)
    {
      self->flags |= PM_ANOMALY_FLAG_WARMUP;
      return 0.0;
    }
  decades = MAX (-log10 (MAX (best, 1e-300)), 0.0);
  return decades / (decades + p->half_decades);
}
