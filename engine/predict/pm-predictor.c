/* pm-predictor.c: the per-tick prediction pipeline.
 *
 * The predictor walks time in one-minute evaluation points. At each it reads the last minutes of
 * every segment from the store, detects cuts (the outcome its model learns from), feeds every
 * new sample to the segment's forecaster (Holt-Winters with a daily season and ARIMA, per
 * metric: the loss and latency crossing probabilities, and the daily profile that the slopes
 * are taken net of, so that the busy hour's rise is not read as a trend) and each minute's mean
 * latency and loss to a degradation detector each (the anomaly feature, with its cause), keeps
 * a slow baseline of each metric's usual level and variation, builds the risk features, scores
 * them with the logistic model, records them for training once the outcome is known, and trains
 * on the examples whose horizon has passed.
 *
 * The first call fits every segment's forecaster on the stored history (its daily profile is
 * then known for the whole of it), and walks that history the same way, so a console starts
 * with a model trained on the last day rather than on its priors alone; the forecaster itself
 * is then already at the newest step, so during that walk the crossing feature falls back to
 * the linear extrapolation. Afterwards a few segments are refitted per tick, each every
 * REFIT_EVERY_S. Event feeds are evaluated at the current time only: the feeds describe the
 * present and future.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-predictor.h"

#include <math.h>

#include "pm-alerts.h"
#include "pm-anomaly.h"
#include "pm-forecaster.h"
#include "pm-hazard.h"
#include "pm-isolation.h"
#include "pm-risk-labeler.h"
#include "pm-risk-model.h"

#define EVALUATE_EVERY_S    60
#define TREND_WINDOW_S      (10 * 60)
#define LEVEL_WINDOW_S      60
/* Baselines follow the usual level over about two hours, slow enough that a degradation lasting
 * tens of minutes still stands out against them. */
#define BASELINE_ALPHA      (1.0 / 720)
#define BASELINE_WARMUP     60
/* A loss level at which traffic is effectively gone; the forecast asks when it will be reached. */
#define CROSSING_LOSS       0.2
#define MIN_LATENCY_SD_MS   0.05
#define MIN_LOSS_SD         0.0005
#define HISTORY_PRIOR_CUTS  0.2
#define HISTORY_PRIOR_SPANS 50.0
/* Each segment's forecaster is refitted on the stored day this often, a few per tick. */
#define REFIT_EVERY_S       (24 * 3600)
/* The detectors' scores are read as decades of rarity, capped: beyond it, "very rare" is all. */
#define ANOMALY_MAX_DECADES 12.0
/* … and counted from the detectors' own "anomalous" (score 0.5: half_decades). Counting from
 * 2 decades was tried on seeds < 1000: the model gave it weight, and lost warnings (GÉANT 46
 * against 50 of 92) and quiet minutes (800 against 758 high): peak-hour minutes are that rare
 * as often as precursors are. */
/* Latency this many usual deviations above its usual level counts as a crossing. */
#define CROSSING_LATENCY_SD 12.0

/* The detectors per segment, in this order. */
static const PmMetric detector_metrics[] = { PM_METRIC_LATENCY, PM_METRIC_LOSS };
#define N_DETECTORS G_N_ELEMENTS (detector_metrics)

typedef struct
{
  double mean;
  double var;
} Baseline;

typedef struct
{
  gint64   processed_until;  /* samples up to here have been read */
  gboolean down;
  gint64   down_since;
  guint    n_baseline;
  Baseline latency;
  Baseline loss;
  Baseline jitter;
  double   unexplained_cuts;
  double   observed_s;
  /* Degradation detectors (detector_metrics order), fed each minute's mean. */
  PmAnomalyDetector *detectors[N_DETECTORS];
  double   last_score[N_DETECTORS];  /* each one's previous score (NAN: none) */
  double   minute_sum[N_DETECTORS];  /* the current minute's values, not yet fed to them */
  guint    minute_n[N_DETECTORS];
  /* Their largest score since the last evaluation (NAN: none could be judged), its metric and
   * cause; kept until the next one is read. */
  double   anomaly_pending;
  guint    anomaly_pending_metric;
  PmAnomalyCause anomaly_pending_cause;
  double   anomaly;
  guint    anomaly_metric;
  PmAnomalyCause anomaly_cause;
  gint64   forecaster_until;  /* the forecaster's newest step (G_MININT64: never fed) */
  gint64   next_refit_s;
} SegmentState;

typedef struct
{
  double latency_slope;    /* ms per minute */
  double loss_slope;       /* ratio per minute */
  double latency_level;    /* mean over the last minute */
  double loss_level;
  double jitter_level;
  guint  n_valid;
  /* From the forecaster, when it is at this evaluation's time (NAN otherwise). */
  double loss_crossing;    /* P(loss reaches CROSSING_LOSS within the horizon) */
  double latency_crossing; /* P(latency reaches its crossing level within the horizon) */
  double crossing_latency; /* that level */
  guint  loss_first_step;  /* first step the loss forecast reaches it, 0 if none */
} Window;

struct _PmPredictor
{
  GObject          parent_instance;

  PmTopology      *topology;
  gint64           horizon_s;
  guint            n_segments;
  SegmentState    *segments;
  PmSegmentHazard *hazards;
  PmHazardModel   *hazard;
  PmRiskModel     *model;
  PmForecaster    *forecaster;
  gboolean         fitted;
  double           anomaly_half;  /* the detectors' half_decades */
  PmRiskLabeler   *labeler;
  PmIsolation     *isolation;
  PmAlertManager  *alerts;
  double          *risks;
  PmIsolationEstimate *isolation_estimates;
  PmSegmentState  *alert_input;
  gint64           evaluated_until;
};

G_DEFINE_TYPE (PmPredictor, pm_predictor, G_TYPE_OBJECT)

static void
baseline_update (Baseline *b,
                 double    x,
                 guint     n)
{
  /* Plain running mean while warming up, then exponential forgetting. */
  double alpha = n < BASELINE_WARMUP ? 1.0 / (n + 1) : BASELINE_ALPHA;
  double delta = x - b->mean;

  b->mean += alpha * delta;
  b->var = (1 - alpha) * (b->var + alpha * delta * delta);
}

static double
baseline_sd (const Baseline *b,
             double          floor)
{
  return MAX (sqrt (b->var), floor);
}

static gboolean
is_cut (const PmSample *s)
{
  return s->loss_ratio >= 0.99f && isnan (s->latency_ms);
}

/* The Holt-Winters daily profile's slope (per minute) over the last `minutes` before t; 0
 * where the profile is not known yet. */
static double
season_slope (PmPredictor *self,
              guint        index,
              PmMetric     metric,
              gint64       t,
              double       minutes)
{
  const PmHoltWinters *hw = pm_forecaster_get_holt_winters (self->forecaster, index, metric);
  double now = pm_holt_winters_get_season (hw, t);
  double before = pm_holt_winters_get_season (hw, t - (gint64) (minutes * 60));

  return isfinite (now) && isfinite (before) && minutes > 0 ? (now - before) / minutes : 0;
}

static void
detect (SegmentState *state,
        guint         d,
        gint64        t,
        double        value)
{
  double score = pm_anomaly_detector_update (state->detectors[d], (double) t, value);
  double previous = state->last_score[d];

  /* Missing data is not health: an unjudged sample (NAN, or still warming up) adds nothing,
   * and a minute with none leaves the feature NAN rather than 0. */
  if (pm_anomaly_detector_get_flags (state->detectors[d]) & PM_ANOMALY_FLAG_WARMUP)
    score = NAN;
  state->last_score[d] = score;
  if (isnan (score))
    return;
  /* A surprise counts when it lasts: the lesser of two successive scores, so that an isolated
   * spike (the probes' usual false-alarm fodder) does not raise the risk by itself. */
  if (!isnan (previous))
    score = MIN (score, previous);
  if (isnan (state->anomaly_pending) || score > state->anomaly_pending)
    {
      state->anomaly_pending = score;
      state->anomaly_pending_metric = d;
      state->anomaly_pending_cause = pm_anomaly_detector_get_cause (state->detectors[d]);
    }
}

/* The detectors see one value a minute, the mean of its samples (NAN when it had none): a
 * sixth of the per-sample cost, and a single probe's spike is diluted in its minute. */
static void
detect_minute (SegmentState *state,
               gint64        t)
{
  if (t % EVALUATE_EVERY_S != 0)
    return;
  for (guint d = 0; d < N_DETECTORS; d++)
    {
      guint n = state->minute_n[d];

      detect (state, d, t, n > 0 ? state->minute_sum[d] / n : NAN);
      state->minute_sum[d] = 0;
      state->minute_n[d] = 0;
    }
}

/* Reads the samples that arrived since the last call: cut starts and ends, and baselines from
 * samples of a segment that is neither cut nor in a cut's aftermath. */
static void
ingest (PmPredictor   *self,
        PmSeriesStore *store,
        guint          index,
        gint64         until_s)
{
  SegmentState *state = &self->segments[index];
  gint64 step = pm_series_store_get_step (store);
  gint64 from = MAX (state->processed_until + step,
                     until_s - (gint64) pm_series_store_get_capacity (store) * step + step);

  for (gint64 t = from; t <= until_s; t += step)
    {
      PmSample s;

      if (!pm_series_store_get (store, index, t, &s))
        continue;
      state->observed_s += step;
      if (is_cut (&s))
        {
          /* A cut is no data for the models: time moves on, their state is untouched. */
          static const PmSample none = { .latency_ms = NAN, .jitter_ms = NAN, .loss_ratio = NAN };
          if (pm_forecaster_update (self->forecaster, index, t, &none))
            state->forecaster_until = t;
          detect_minute (state, t);
          if (!state->down)
            {
              state->down = TRUE;
              state->down_since = t;
              if (self->hazards[index].maintenance == 0 && self->hazards[index].weather == 0)
                state->unexplained_cuts++;
              pm_hazard_model_observe_partition (self->hazard, index, t);
              pm_risk_labeler_partition_started (self->labeler, index, t);
            }
          continue;
        }
      state->down = FALSE;
      {
        double lat = s.latency_ms, loss = s.loss_ratio, jit = s.jitter_ms;

        /* Before a fit at or after t, the models learn from it (a sample at or before their
         * newest step is refused, harmlessly, during the first history walk). */
        if (pm_forecaster_update (self->forecaster, index, t, &s))
          state->forecaster_until = t;
        if (!isnan (lat))
          state->minute_sum[0] += lat, state->minute_n[0]++;
        if (!isnan (loss))
          state->minute_sum[1] += loss, state->minute_n[1]++;
        detect_minute (state, t);
        if (!isnan (lat))
          baseline_update (&state->latency, lat, state->n_baseline);
        if (!isnan (loss))
          baseline_update (&state->loss, loss, state->n_baseline);
        if (!isnan (jit))
          baseline_update (&state->jitter, jit, state->n_baseline);
      }
      state->n_baseline++;
    }
  state->processed_until = MAX (state->processed_until, until_s);
}

/* Least-squares slopes over the trend window and levels over the last minute. */
static void
read_window (PmPredictor   *self,
             PmSeriesStore *store,
             guint          index,
             gint64         now_s,
             Window        *w)
{
  gint64 step = pm_series_store_get_step (store);
  guint n = (guint) (TREND_WINDOW_S / step);
  double sx = 0, sxx = 0, sl = 0, sxl = 0, sp = 0, sxp = 0, count = 0;
  double level_lat = 0, level_loss = 0, level_jit = 0;
  guint n_lat = 0, n_loss = 0, n_jit = 0;

  memset (w, 0, sizeof *w);
  for (guint i = 0; i < n; i++)
    {
      gint64 t = now_s - (gint64) (n - 1 - i) * step;
      double x = (double) (t - now_s) / 60.0;
      PmSample s;

      if (!pm_series_store_get (store, index, t, &s) || isnan (s.latency_ms)
          || isnan (s.loss_ratio))
        continue;
      sx += x;
      sxx += x * x;
      sl += s.latency_ms;
      sxl += x * s.latency_ms;
      sp += s.loss_ratio;
      sxp += x * s.loss_ratio;
      count++;
      if (now_s - t < LEVEL_WINDOW_S)
        {
          level_lat += s.latency_ms, n_lat++;
          level_loss += s.loss_ratio, n_loss++;
          if (!isnan (s.jitter_ms))
            level_jit += s.jitter_ms, n_jit++;
        }
    }
  w->n_valid = (guint) count;
  if (count >= 3)
    {
      double denominator = count * sxx - sx * sx;
      if (denominator > 0)
        {
          double minutes = (double) (n - 1) * step / 60.0;

          w->latency_slope = (count * sxl - sx * sl) / denominator;
          w->loss_slope = (count * sxp - sx * sp) / denominator;
          /* Seasonally adjusted: the Holt-Winters daily profile's own rise over the window (the
           * busy hour's queueing and loss) is not a trend. Its slope from the window's ends: the
           * profile is smooth at this scale, and two look-ups cost less than one per sample. */
          w->latency_slope -= season_slope (self, index, PM_METRIC_LATENCY, now_s, minutes);
          w->loss_slope -= season_slope (self, index, PM_METRIC_LOSS, now_s, minutes);
        }
    }
  w->latency_level = n_lat > 0 ? level_lat / n_lat : NAN;
  w->loss_level = n_loss > 0 ? level_loss / n_loss : NAN;
  w->jitter_level = n_jit > 0 ? level_jit / n_jit : NAN;
  w->loss_crossing = w->latency_crossing = w->crossing_latency = NAN;
  w->loss_first_step = 0;
}

/* The forecaster's crossing probabilities, when it is at this evaluation's time. */
static void
read_forecasts (PmPredictor *self,
                guint        index,
                gint64       now_s,
                Window      *w)
{
  const SegmentState *state = &self->segments[index];
  guint horizon_steps = (guint) (self->horizon_s / pm_forecaster_get_step (self->forecaster));

  if (state->forecaster_until != now_s || w->n_valid < 3)
    return;
  /* The forecasts are asked only while the metric is rising beyond its daily cycle (a few µs
   * each per tick and segment); otherwise no crossing is in sight: 0, as data is there. */
  w->loss_crossing = w->latency_crossing = 0;
  if (w->loss_slope > 0)
    w->loss_crossing = pm_forecaster_crossing_probability_full (self->forecaster, index,
                                                                PM_METRIC_LOSS, CROSSING_LOSS,
                                                                horizon_steps,
                                                                &w->loss_first_step);
  /* Latency: far above its usual level, in the segment's usual deviations. */
  w->crossing_latency = state->latency.mean
                        + CROSSING_LATENCY_SD * baseline_sd (&state->latency, MIN_LATENCY_SD_MS);
  if (w->latency_slope > 0)
    w->latency_crossing = pm_forecaster_crossing_probability (self->forecaster, index,
                                                              PM_METRIC_LATENCY,
                                                              w->crossing_latency, horizon_steps);
}

static double
clamp (double x,
       double lo,
       double hi)
{
  return isnan (x) ? 0 : x < lo ? lo : x > hi ? hi : x;
}

/* Minutes until the loss, rising at its current slope, reaches CROSSING_LOSS; INFINITY if never. */
static double
minutes_to_crossing (const Window *w)
{
  if (isnan (w->loss_level) || w->loss_slope <= 0)
    return INFINITY;
  if (w->loss_level >= CROSSING_LOSS)
    return 0;
  return (CROSSING_LOSS - w->loss_level) / w->loss_slope;
}

static void
build_features (PmPredictor          *self,
                guint                 index,
                const Window         *w,
                gboolean              with_events,
                PmRiskFeatures       *f)
{
  const SegmentState *state = &self->segments[index];
  double latency_sd = baseline_sd (&state->latency, MIN_LATENCY_SD_MS);
  double loss_sd = baseline_sd (&state->loss, MIN_LOSS_SD);
  double jitter_sd = baseline_sd (&state->jitter, MIN_LATENCY_SD_MS);
  double horizon_min = self->horizon_s / 60.0;
  double crossing = minutes_to_crossing (w);
  double level_sigma, spans;

  memset (f, 0, sizeof *f);
  if (w->n_valid < 3)
    return;

  /* The forecaster's chance that loss (or latency, far above its usual level) crosses within
   * the horizon; where it is not at this time (the first history walk), the linear forecast's:
   * certain when the straight line gets there in half the horizon, fading out to twice it. The
   * larger of the two: either extrapolation seeing the threshold is the warning. */
  {
    double linear = isinf (crossing) ? 0 : clamp (1.5 - crossing / horizon_min, 0, 0.99);
    double forecast = MAX (clamp (w->loss_crossing, 0, 1), clamp (w->latency_crossing, 0, 1));
    f->x[PM_RISK_FEATURE_FORECAST_CROSSING] = pm_risk_evidence (MAX (linear, forecast));
  }
  f->x[PM_RISK_FEATURE_LOSS_TREND] = clamp (w->loss_slope / loss_sd, 0, 10) / 2;
  f->x[PM_RISK_FEATURE_LATENCY_TREND] = clamp (w->latency_slope / latency_sd, 0, 10) / 2;
  f->x[PM_RISK_FEATURE_JITTER_LEVEL] =
    clamp ((w->jitter_level - state->jitter.mean) / jitter_sd, 0, 20) / 4;
  {
    /* A degradation lifts latency, loss and jitter together while their noise is independent:
     * the three deviations' sum (per √3) tells a shift too small for any one of them. */
    double z_lat = clamp ((w->latency_level - state->latency.mean) / latency_sd, -3, 30);
    double z_loss = clamp ((w->loss_level - state->loss.mean) / loss_sd, -3, 30);
    double z_jit = isnan (w->jitter_level)
                     ? 0 : clamp ((w->jitter_level - state->jitter.mean) / jitter_sd, -3, 30);
    level_sigma = MAX (MAX (z_lat, z_loss), (z_lat + z_loss + z_jit) / sqrt (3));
  }
  /* Linear in σ up to a cap: a degradation near its end sits tens of σ above usual, and the model
   * must be able to say "certain" there, which a saturating transform would forbid. */
  f->x[PM_RISK_FEATURE_LEVEL] = clamp (level_sigma, 0, 30) / 6;
  /* The detectors' surprise, in decades of rarity (score s = S / (S + half): S = half·s/(1−s)),
   * beyond the score 0.5 (rarely reached by minute means: the feature mostly stays silent and
   * speaks for strong, lasting surprises). NAN when no minute since the
   * last evaluation could be judged (no data, or a detector still warming up): the model then
   * adds nothing for it rather than reading it as reassurance, and it never becomes a factor. */
  if (isnan (state->anomaly))
    f->x[PM_RISK_FEATURE_ANOMALY] = NAN;
  else
    {
      double decades = self->anomaly_half * state->anomaly / MAX (1 - state->anomaly, 1e-6);
      f->x[PM_RISK_FEATURE_ANOMALY] = clamp (decades - self->anomaly_half, 0,
                                             ANOMALY_MAX_DECADES) / 2;
    }
  /* Where usual loss is itself noisy, σ units hide a loss that is plainly too high. */
  f->x[PM_RISK_FEATURE_LOSS_EXCESS] = clamp ((w->loss_level - state->loss.mean) / 0.03, 0, 10);
  if (with_events)
    {
      f->x[PM_RISK_FEATURE_MAINTENANCE] = pm_risk_evidence (self->hazards[index].maintenance);
      f->x[PM_RISK_FEATURE_WEATHER] = pm_risk_evidence (self->hazards[index].weather);
    }
  spans = state->observed_s / (double) self->horizon_s;
  f->x[PM_RISK_FEATURE_HISTORY] =
    pm_risk_evidence ((state->unexplained_cuts + HISTORY_PRIOR_CUTS) / (spans + HISTORY_PRIOR_SPANS));
}

static void
describe_factor (PmPredictor    *self,
                 guint           index,
                 PmRiskFeature   feature,
                 const Window   *w,
                 char           *text,
                 gsize           size)
{
  const SegmentState *state = &self->segments[index];

  switch (feature)
    {
    case PM_RISK_FEATURE_FORECAST_CROSSING:
      {
        double loss_p = isnan (w->loss_crossing) ? 0 : w->loss_crossing;
        double lat_p = isnan (w->latency_crossing) ? 0 : w->latency_crossing;
        double linear = minutes_to_crossing (w);

        if (lat_p > loss_p && lat_p >= 0.01)
          g_snprintf (text, size, "latency forecast to reach %.1f ms within %.0f min (p %.2f)",
                      w->crossing_latency, self->horizon_s / 60.0, lat_p);
        else if (loss_p >= 0.01 && w->loss_first_step > 0)
          g_snprintf (text, size, "loss forecast to reach %.0f%% in %.0f min (p %.2f)",
                      CROSSING_LOSS * 100,
                      w->loss_first_step * pm_forecaster_get_step (self->forecaster) / 60.0,
                      loss_p);
        else if (loss_p >= 0.01)
          g_snprintf (text, size, "loss forecast to reach %.0f%% within %.0f min (p %.2f)",
                      CROSSING_LOSS * 100, self->horizon_s / 60.0, loss_p);
        else
          g_snprintf (text, size, "loss trend reaches %.0f%% in %.0f min", CROSSING_LOSS * 100,
                      linear);
      }
      break;
    case PM_RISK_FEATURE_LOSS_TREND:
      g_snprintf (text, size, "loss rising %.2f%%/min beyond its daily cycle",
                  w->loss_slope * 100);
      break;
    case PM_RISK_FEATURE_LATENCY_TREND:
      g_snprintf (text, size, "latency rising %.2f ms/min beyond its daily cycle",
                  w->latency_slope);
      break;
    case PM_RISK_FEATURE_JITTER_LEVEL:
      g_snprintf (text, size, "jitter %.2f ms, usually %.2f ms", w->jitter_level,
                  state->jitter.mean);
      break;
    case PM_RISK_FEATURE_ANOMALY:
      g_snprintf (text, size, "%s anomaly score %.2f (%s)",
                  pm_metric_to_string (detector_metrics[state->anomaly_metric]), state->anomaly,
                  pm_anomaly_cause_to_string (state->anomaly_cause));
      break;
    case PM_RISK_FEATURE_LEVEL:
      g_snprintf (text, size, "latency %.1f ms, loss %.2f%%, jitter %.2f ms against usual "
                  "%.1f ms, %.2f%%, %.2f ms", w->latency_level, w->loss_level * 100,
                  w->jitter_level, state->latency.mean, state->loss.mean * 100,
                  state->jitter.mean);
      break;
    case PM_RISK_FEATURE_LOSS_EXCESS:
      g_snprintf (text, size, "loss %.2f%%, usually %.2f%%", w->loss_level * 100,
                  state->loss.mean * 100);
      break;
    case PM_RISK_FEATURE_MAINTENANCE:
      g_strlcpy (text, self->hazards[index].maintenance_text, size);
      break;
    case PM_RISK_FEATURE_WEATHER:
      g_strlcpy (text, self->hazards[index].weather_text, size);
      break;
    case PM_RISK_FEATURE_HISTORY:
    case PM_RISK_N_FEATURES:
    default:
      g_snprintf (text, size, "%.0f unexplained cuts in %.0f h observed", state->unexplained_cuts,
                  state->observed_s / 3600);
      break;
    }
}

static void
explain (PmPredictor    *self,
         guint           index,
         const Window   *w,
         const double   *contributions,
         PmSegmentState *out)
{
  guint order[PM_RISK_N_FEATURES], n = 0;

  /* Only what raised the risk noticeably is an explanation: those, largest first and ties in
   * feature order (a stable sort of the few that qualify), and texts only for the ones kept. */
  for (guint i = 0; i < PM_RISK_N_FEATURES; i++)
    {
      guint j = n;

      if (contributions[i] < 0.1)
        continue;
      for (; j > 0 && contributions[order[j - 1]] < contributions[i]; j--)
        order[j] = order[j - 1];
      order[j] = i;
      n++;
    }
  out->n_factors = 0;
  for (guint i = 0; i < n && out->n_factors < PM_MAX_FACTORS; i++)
    {
      PmRiskFactor *factor = &out->factors[out->n_factors];

      factor->name = pm_risk_feature_name (order[i]);
      factor->weight = contributions[order[i]];
      describe_factor (self, index, order[i], w, factor->text, sizeof factor->text);
      out->n_factors++;
    }
}

static gint64
expected_time (PmPredictor  *self,
               guint         index,
               const Window *w,
               double        risk,
               gint64        now_s)
{
  double crossing = minutes_to_crossing (w);
  gint64 maintenance = self->hazards[index].maintenance_start_s;

  if (risk < 0.5)
    return 0;
  if (self->hazards[index].maintenance > 0 && maintenance > 0)
    return MAX (maintenance, now_s);
  if (w->loss_first_step > 0 && w->loss_crossing >= 0.5)
    return now_s + (gint64) w->loss_first_step * pm_forecaster_get_step (self->forecaster);
  if (!isinf (crossing) && crossing * 60 <= 2 * self->horizon_s)
    return now_s + (gint64) (crossing * 60);
  return now_s + self->horizon_s / 2;
}

/* One evaluation point: features, score, training record; the snapshot is written when given. */
static void
evaluate (PmPredictor   *self,
          PmSeriesStore *store,
          gint64         t,
          gboolean       with_events,
          PmSnapshot    *snapshot)
{
  for (guint i = 0; i < self->n_segments; i++)
    {
      SegmentState *state = &self->segments[i];
      PmRiskFeatures features;
      double contributions[PM_RISK_N_FEATURES];
      Window w;
      double risk;

      ingest (self, store, i, t);
      state->anomaly = state->anomaly_pending;
      state->anomaly_metric = state->anomaly_pending_metric;
      state->anomaly_cause = state->anomaly_pending_cause;
      state->anomaly_pending = NAN;
      if (state->down)
        {
          if (snapshot != NULL)
            {
              PmSegmentState *out = &snapshot->segments[i];
              out->risk = 1.0;
              out->eta_s = state->down_since;
              out->n_factors = 1;
              out->factors[0] = (PmRiskFactor) { .name = "down", .weight = 0 };
              g_snprintf (out->factors[0].text, sizeof out->factors[0].text, "segment down now");
            }
          continue;
        }
      read_window (self, store, i, t, &w);
      read_forecasts (self, i, t, &w);
      build_features (self, i, &w, with_events, &features);
      risk = pm_risk_model_predict (self->model, &features, contributions);
      /* An announced outage is a partition planned for a known window, a storm alert one forecast
       * along a known track: the learned chance that such an event cuts the segment holds from
       * the horizon before it to its end, however little of it falls within the next H (the
       * model, trained on "within H", would spread it thin). */
      if (with_events)
        risk = MAX (risk, MAX (self->hazards[i].maintenance, self->hazards[i].weather));
      /* Only moments with enough data become training examples: a gap teaches nothing. */
      if (w.n_valid >= 3 && t % EVALUATE_EVERY_S == 0)
        pm_risk_labeler_record (self->labeler, i, t, &features);
      if (snapshot != NULL)
        {
          PmSegmentState *out = &snapshot->segments[i];
          /* No recent data is not safety: the score is unknown. */
          out->risk = w.n_valid >= 3 ? risk : NAN;
          out->eta_s = w.n_valid >= 3 ? expected_time (self, i, &w, risk, t) : 0;
          explain (self, i, &w, contributions, out);
        }
    }
  pm_risk_labeler_train_due (self->labeler, t, self->model);
}

static void
pm_predictor_finalize (GObject *object)
{
  PmPredictor *self = PM_PREDICTOR (object);

  g_clear_object (&self->topology);
  g_clear_object (&self->hazard);
  g_clear_object (&self->model);
  g_clear_pointer (&self->labeler, pm_risk_labeler_free);
  g_clear_object (&self->isolation);
  g_clear_object (&self->alerts);
  g_free (self->risks);
  g_free (self->isolation_estimates);
  g_free (self->alert_input);
  for (guint i = 0; i < self->n_segments; i++)
    for (guint d = 0; d < N_DETECTORS; d++)
      g_clear_pointer (&self->segments[i].detectors[d], pm_anomaly_detector_free);
  g_clear_pointer (&self->forecaster, pm_forecaster_free);
  g_free (self->segments);
  g_free (self->hazards);

  G_OBJECT_CLASS (pm_predictor_parent_class)->finalize (object);
}

static void
pm_predictor_class_init (PmPredictorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_predictor_finalize;
}

static void
pm_predictor_init (PmPredictor *self)
{
}

PmPredictor *
pm_predictor_new (PmTopology *topology,
                  gint64      horizon_s)
{
  PmPredictor *self = g_object_new (PM_TYPE_PREDICTOR, NULL);
  PmAnomalyParams anomaly_params;

  self->topology = g_object_ref (topology);
  self->horizon_s = horizon_s > 0 ? horizon_s : PM_PREDICTOR_DEFAULT_HORIZON_S;
  self->n_segments = pm_topology_get_n_segments (topology);
  self->segments = g_new0 (SegmentState, MAX (self->n_segments, 1));
  self->forecaster = pm_forecaster_new (MAX (self->n_segments, 1), NULL);
  /* The score is read as the current level of surprise: a lasting degradation must keep it. */
  pm_anomaly_params_init_probe (&anomaly_params);
  self->anomaly_half = anomaly_params.half_decades;
  for (guint i = 0; i < self->n_segments; i++)
    {
      SegmentState *state = &self->segments[i];

      state->processed_until = G_MININT64 / 2;
      state->forecaster_until = G_MININT64;
      state->anomaly = state->anomaly_pending = NAN;
      for (guint d = 0; d < N_DETECTORS; d++)
        {
          state->detectors[d] = pm_anomaly_detector_new (&anomaly_params);
          state->last_score[d] = NAN;
        }
    }
  self->hazards = g_new0 (PmSegmentHazard, MAX (self->n_segments, 1));
  self->hazard = pm_hazard_model_new (topology);
  self->model = pm_risk_model_new ();
  self->labeler = pm_risk_labeler_new (self->n_segments, self->horizon_s, EVALUATE_EVERY_S);
  self->isolation = pm_isolation_new (topology);
  self->alerts = pm_alert_manager_new (topology, NULL);
  self->risks = g_new (double, MAX (self->n_segments, 1));
  self->isolation_estimates =
    g_new (PmIsolationEstimate, MAX (pm_topology_get_n_sites (topology), 1));
  self->alert_input = g_new (PmSegmentState, MAX (self->n_segments, 1));
  self->evaluated_until = G_MININT64;
  return self;
}

gint64
pm_predictor_get_horizon (PmPredictor *self)
{
  return self->horizon_s;
}

/* The forecasters and the risk model keep what they learned: the features are relative to the
 * horizon. The examples still waiting for their outcome were taken against the old horizon and
 * would be labelled wrongly, so they are dropped; labelling starts afresh. */
void
pm_predictor_set_horizon (PmPredictor *self,
                          gint64       horizon_s)
{
  g_return_if_fail (PM_IS_PREDICTOR (self));
  g_return_if_fail (horizon_s > 0);

  if (horizon_s == self->horizon_s)
    return;
  self->horizon_s = horizon_s;
  g_clear_pointer (&self->labeler, pm_risk_labeler_free);
  self->labeler = pm_risk_labeler_new (self->n_segments, self->horizon_s, EVALUATE_EVERY_S);
}

/* The step the segment's models have reached. */
static gint64
forecaster_time (PmPredictor *self,
                 guint        index)
{
  return pm_holt_winters_get_time (pm_forecaster_get_holt_winters (self->forecaster, index,
                                                                   PM_METRIC_LATENCY));
}

/* Brings the predictor up to now_s and writes risk, expected time and factors of every segment
 * into the snapshot (which the caller has not yet published). */
/* The whole minutes since the last evaluation (or across the stored history), before now_s. */
static void
walk_history (PmPredictor   *self,
              PmSeriesStore *store,
              gint64         now_s)
{
  gint64 span = (gint64) pm_series_store_get_capacity (store) * pm_series_store_get_step (store);
  gint64 first;

  first = self->evaluated_until == G_MININT64 ? now_s - span + self->horizon_s
                                              : self->evaluated_until + EVALUATE_EVERY_S;
  first = first - ((first % EVALUATE_EVERY_S) + EVALUATE_EVERY_S) % EVALUATE_EVERY_S;
  for (gint64 t = MAX (first, now_s - span + self->horizon_s); t < now_s; t += EVALUATE_EVERY_S)
    {
      evaluate (self, store, t, FALSE, NULL);
      self->evaluated_until = t;
    }
}

void
pm_predictor_warm_up (PmPredictor   *self,
                      PmSeriesStore *store,
                      gint64         now_s)
{
  g_return_if_fail (PM_IS_PREDICTOR (self));

  if (self->fitted)
    return;
  for (guint i = 0; i < self->n_segments; i++)
    {
      if (pm_forecaster_fit (self->forecaster, i, store))
        self->segments[i].forecaster_until = forecaster_time (self, i);
      self->segments[i].next_refit_s = now_s + REFIT_EVERY_S
                                       + (gint64) i * REFIT_EVERY_S / self->n_segments;
    }
  self->fitted = TRUE;
  walk_history (self, store, now_s);
}

gboolean
pm_predictor_is_warm (PmPredictor *self)
{
  g_return_val_if_fail (PM_IS_PREDICTOR (self), FALSE);

  return self->fitted;
}

void
pm_predictor_update (PmPredictor     *self,
                     PmSeriesStore   *store,
                     const GPtrArray *events,
                     gint64           now_s,
                     PmSnapshot      *snapshot)
{
  g_return_if_fail (PM_IS_PREDICTOR (self));

  /* The forecasters: fitted on the whole stored history at the first call (unless a warm-up did
   * it), then refitted in turn (a few segments per call, staggered so that they never all come
   * due together). */
  if (!self->fitted)
    {
      pm_predictor_warm_up (self, store, now_s);
    }
  else
    {
      guint budget = MAX (4, self->n_segments / 100);

      for (guint i = 0; i < self->n_segments && budget > 0; i++)
        if (self->segments[i].next_refit_s <= now_s)
          {
            /* The fit leaves the models at the store's newest step: the samples up to it that
             * this call ingests next are refused by them, not fed twice. */
            if (pm_forecaster_fit (self->forecaster, i, store))
              self->segments[i].forecaster_until = forecaster_time (self, i);
            self->segments[i].next_refit_s = now_s + REFIT_EVERY_S;
            budget--;
          }
    }
  walk_history (self, store, now_s);

  pm_hazard_model_evaluate (self->hazard, events, now_s, self->horizon_s, self->hazards);
  evaluate (self, store, now_s, TRUE, snapshot);
  if (now_s % EVALUATE_EVERY_S == 0)
    self->evaluated_until = now_s;
  snapshot->horizon_s = self->horizon_s;

  /* Isolation from the segment risks, then alerts from both. */
  for (guint i = 0; i < self->n_segments; i++)
    self->risks[i] = snapshot->segments[i].risk;
  pm_isolation_compute (self->isolation, self->risks, self->isolation_estimates, NULL);
  for (guint i = 0; i < snapshot->n_sites; i++)
    snapshot->sites[i].isolation = self->isolation_estimates[i].probability;
  /* Alerts are predictions: a segment that is already down raises none. Its risk goes to the
   * alert manager as unknown, which neither fires, clears nor times anything, so an alert that
   * fired before the cut stays firing through it, and the cut itself raises no new one (the map
   * shows it as down). */
  memcpy (self->alert_input, snapshot->segments, sizeof (PmSegmentState) * self->n_segments);
  for (guint i = 0; i < self->n_segments; i++)
    if (self->segments[i].down)
      self->alert_input[i].risk = NAN;
  pm_alert_manager_update_segments (self->alerts, now_s, self->alert_input, self->n_segments);
  pm_alert_manager_update_sites (self->alerts, now_s, snapshot->sites, snapshot->n_sites);
  pm_alert_manager_expire (self->alerts, now_s);
  g_clear_pointer (&snapshot->alerts, g_ptr_array_unref);
  snapshot->alerts = pm_alert_manager_export (self->alerts, now_s);
}

/* The alert manager, for operator actions (acknowledge, silence) and the evaluator's log. */
PmAlertManager *
pm_predictor_get_alert_manager (PmPredictor *self)
{
  return self->alerts;
}

/* The risk model, so that evaluations can report what it learned. */
PmRiskModel *
pm_predictor_get_risk_model (PmPredictor *self)
{
  return self->model;
}

/* The forecasters, for the forecast the console charts; only from the thread that updates the
 * predictor, between updates. */
PmForecaster *
pm_predictor_get_forecaster (PmPredictor *self)
{
  return self->forecaster;
}
