/* pm-predictor.c: the per-tick prediction pipeline.
 *
 * The predictor walks time in one-minute evaluation points. At each it reads the last minutes of
 * every segment from the store, detects cuts (the outcome its model learns from), keeps a slow
 * baseline of each metric's usual level and variation, builds the risk features, scores them
 * with the logistic model, records them for training once the outcome is known, and trains on
 * the examples whose horizon has passed. The first call walks the whole stored history the same
 * way, so a console starts with a model trained on the last day rather than on its priors alone.
 * Event feeds are evaluated at the current time only: the feeds describe the present and future.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-predictor.h"

#include <math.h>

#include "pm-alerts.h"
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
} SegmentState;

typedef struct
{
  double latency_slope;    /* ms per minute */
  double loss_slope;       /* ratio per minute */
  double latency_level;    /* mean over the last minute */
  double loss_level;
  double jitter_level;
  guint  n_valid;
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
  PmRiskLabeler   *labeler;
  PmIsolation     *isolation;
  PmAlertManager  *alerts;
  double          *risks;
  PmIsolationEstimate *isolation_estimates;
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
      if (!isnan (s.latency_ms))
        baseline_update (&state->latency, s.latency_ms, state->n_baseline);
      if (!isnan (s.loss_ratio))
        baseline_update (&state->loss, s.loss_ratio, state->n_baseline);
      if (!isnan (s.jitter_ms))
        baseline_update (&state->jitter, s.jitter_ms, state->n_baseline);
      state->n_baseline++;
    }
  state->processed_until = MAX (state->processed_until, until_s);
}

/* Least-squares slopes over the trend window and levels over the last minute. */
static void
read_window (PmSeriesStore *store,
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
          w->latency_slope = (count * sxl - sx * sl) / denominator;
          w->loss_slope = (count * sxp - sx * sp) / denominator;
        }
    }
  w->latency_level = n_lat > 0 ? level_lat / n_lat : NAN;
  w->loss_level = n_loss > 0 ? level_loss / n_loss : NAN;
  w->jitter_level = n_jit > 0 ? level_jit / n_jit : NAN;
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

  /* The linear forecast's chance to cross within the horizon: certain when the straight line gets
   * there in half the horizon, fading out to twice the horizon. */
  f->x[PM_RISK_FEATURE_FORECAST_CROSSING] =
    pm_risk_evidence (isinf (crossing) ? 0 : clamp (1.5 - crossing / horizon_min, 0, 0.99));
  f->x[PM_RISK_FEATURE_LOSS_TREND] = clamp (w->loss_slope / loss_sd, 0, 10) / 2;
  f->x[PM_RISK_FEATURE_LATENCY_TREND] = clamp (w->latency_slope / latency_sd, 0, 10) / 2;
  f->x[PM_RISK_FEATURE_JITTER_LEVEL] =
    clamp ((w->jitter_level - state->jitter.mean) / jitter_sd, 0, 20) / 4;
  level_sigma = MAX ((w->latency_level - state->latency.mean) / latency_sd,
                     (w->loss_level - state->loss.mean) / loss_sd);
  /* Linear in σ up to a cap: a degradation near its end sits tens of σ above usual, and the model
   * must be able to say "certain" there, which a saturating transform would forbid. */
  f->x[PM_RISK_FEATURE_ANOMALY] = clamp (level_sigma, 0, 30) / 6;
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
      g_snprintf (text, size, "loss forecast to reach %.0f%% in %.0f min", CROSSING_LOSS * 100,
                  minutes_to_crossing (w));
      break;
    case PM_RISK_FEATURE_LOSS_TREND:
      g_snprintf (text, size, "loss rising %.2f%%/min", w->loss_slope * 100);
      break;
    case PM_RISK_FEATURE_LATENCY_TREND:
      g_snprintf (text, size, "latency rising %.2f ms/min", w->latency_slope);
      break;
    case PM_RISK_FEATURE_JITTER_LEVEL:
      g_snprintf (text, size, "jitter %.2f ms, usually %.2f ms", w->jitter_level,
                  state->jitter.mean);
      break;
    case PM_RISK_FEATURE_ANOMALY:
      g_snprintf (text, size, "latency %.1f ms and loss %.2f%% against usual %.1f ms, %.2f%%",
                  w->latency_level, w->loss_level * 100, state->latency.mean,
                  state->loss.mean * 100);
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

static int
compare_contributions (gconstpointer a,
                       gconstpointer b,
                       gpointer      data)
{
  const double *contributions = data;
  double ca = contributions[*(const guint *) a], cb = contributions[*(const guint *) b];
  return ca < cb ? 1 : ca > cb ? -1 : 0;
}

static void
explain (PmPredictor    *self,
         guint           index,
         const Window   *w,
         const double   *contributions,
         PmSegmentState *out)
{
  guint order[PM_RISK_N_FEATURES];

  for (guint i = 0; i < PM_RISK_N_FEATURES; i++)
    order[i] = i;
  g_qsort_with_data (order, PM_RISK_N_FEATURES, sizeof (guint), compare_contributions,
                     (gpointer) contributions);
  out->n_factors = 0;
  for (guint i = 0; i < PM_RISK_N_FEATURES && out->n_factors < PM_MAX_FACTORS; i++)
    {
      PmRiskFactor *factor = &out->factors[out->n_factors];

      /* Only what raised the risk noticeably is an explanation. */
      if (contributions[order[i]] < 0.1)
        break;
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
      read_window (store, i, t, &w);
      build_features (self, i, &w, with_events, &features);
      risk = pm_risk_model_predict (self->model, &features, contributions);
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

  self->topology = g_object_ref (topology);
  self->horizon_s = horizon_s > 0 ? horizon_s : PM_PREDICTOR_DEFAULT_HORIZON_S;
  self->n_segments = pm_topology_get_n_segments (topology);
  self->segments = g_new0 (SegmentState, MAX (self->n_segments, 1));
  for (guint i = 0; i < self->n_segments; i++)
    self->segments[i].processed_until = G_MININT64 / 2;
  self->hazards = g_new0 (PmSegmentHazard, MAX (self->n_segments, 1));
  self->hazard = pm_hazard_model_new (topology);
  self->model = pm_risk_model_new ();
  self->labeler = pm_risk_labeler_new (self->n_segments, self->horizon_s, EVALUATE_EVERY_S);
  self->isolation = pm_isolation_new (topology);
  self->alerts = pm_alert_manager_new (topology, NULL);
  self->risks = g_new (double, MAX (self->n_segments, 1));
  self->isolation_estimates =
    g_new (PmIsolationEstimate, MAX (pm_topology_get_n_sites (topology), 1));
  self->evaluated_until = G_MININT64;
  return self;
}

gint64
pm_predictor_get_horizon (PmPredictor *self)
{
  return self->horizon_s;
}

/* Brings the predictor up to now_s and writes risk, expected time and factors of every segment
 * into the snapshot (which the caller has not yet published). */
void
pm_predictor_update (PmPredictor     *self,
                     PmSeriesStore   *store,
                     const GPtrArray *events,
                     gint64           now_s,
                     PmSnapshot      *snapshot)
{
  gint64 span = (gint64) pm_series_store_get_capacity (store) * pm_series_store_get_step (store);
  gint64 first;

  g_return_if_fail (PM_IS_PREDICTOR (self));

  /* The history walk: whole minutes since the last evaluation (or across the stored history). */
  first = self->evaluated_until == G_MININT64 ? now_s - span + self->horizon_s
                                              : self->evaluated_until + EVALUATE_EVERY_S;
  first = first - ((first % EVALUATE_EVERY_S) + EVALUATE_EVERY_S) % EVALUATE_EVERY_S;
  for (gint64 t = MAX (first, now_s - span + self->horizon_s); t < now_s; t += EVALUATE_EVERY_S)
    {
      evaluate (self, store, t, FALSE, NULL);
      self->evaluated_until = t;
    }

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
  pm_alert_manager_update_segments (self->alerts, now_s, snapshot->segments, snapshot->n_segments);
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
