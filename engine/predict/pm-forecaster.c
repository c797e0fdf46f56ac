/* pm-forecaster.c: both models for every segment and metric, and the choice between them.
 *
 * The choice is made on each model's recent mean squared one-step error (exponentially
 * weighted, half-life 1 h, each error clipped at 3σ so that an outage does not decide it);
 * every error is out of sample, taken before the model sees the value. A model takes over when
 * its error is 5% below the one in use, so that two models of equal skill do not flap.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-forecaster.h"

#include <math.h>
#include <string.h>

#define DEFAULT_ARIMA_WINDOW_S (6 * 3600)
#define SWITCH_RATIO           0.95
#define TREND_MINUTES          5
#define STACK_PATH             512

typedef struct
{
  PmHoltWinters *hw;
  PmArima       *arima;
  guint8         in_use;      /* PmForecastModel */
  float          last_error;
  double         last_var;    /* of the model in use, before the last value: its root is asked
                               * for far less often than values come */
} Series;

struct _PmForecaster
{
  guint              n_segments;
  PmForecasterConfig config;
  Series            *series;  /* n_segments × PM_N_METRICS */
};

static const double sd_floor[PM_N_METRICS] = { 0.01, 0.01, 0.001 };

static Series *
series_of (PmForecaster *self,
           guint         segment,
           PmMetric      metric)
{
  return &self->series[(gsize) segment * PM_N_METRICS + metric];
}

static double
model_variance (const Series   *s,
                PmForecastModel model)
{
  return model == PM_FORECAST_MODEL_HOLT_WINTERS ? pm_holt_winters_get_residual_variance (s->hw)
                                                 : pm_arima_get_residual_variance (s->arima);
}

static double
model_mse (const Series   *s,
           PmForecastModel model)
{
  return model == PM_FORECAST_MODEL_HOLT_WINTERS ? pm_holt_winters_get_recent_mse (s->hw)
                                                 : pm_arima_get_recent_mse (s->arima);
}

static void
choose (Series *s)
{
  double current = model_mse (s, s->in_use);
  double other = model_mse (s, !s->in_use);

  if (other < SWITCH_RATIO * current || (isnan (current) && !isnan (other)))
    s->in_use = !s->in_use;
}

static void
path (const Series *s,
      guint         n,
      double       *mean,
      double       *sd)
{
  if (s->in_use == PM_FORECAST_MODEL_HOLT_WINTERS)
    pm_holt_winters_forecast_path (s->hw, n, mean, sd);
  else
    pm_arima_forecast_path (s->arima, n, mean, sd);
}

void
pm_forecaster_config_init (PmForecasterConfig *config)
{
  config->step_s = PM_HOLT_WINTERS_DEFAULT_STEP_S;
  config->season_period_s = PM_HOLT_WINTERS_DEFAULT_PERIOD_S;
  config->season_slot_s = PM_HOLT_WINTERS_DEFAULT_SLOT_S;
  config->arima_window_s = DEFAULT_ARIMA_WINDOW_S;
}

PmForecaster *
pm_forecaster_new (guint                     n_segments,
                   const PmForecasterConfig *config)
{
  PmForecaster *self = g_new0 (PmForecaster, 1);
  PmHoltWintersConfig hw_config;

  if (config != NULL)
    self->config = *config;
  else
    pm_forecaster_config_init (&self->config);
  hw_config = (PmHoltWintersConfig) { self->config.step_s, self->config.season_period_s,
                                      self->config.season_slot_s };

  self->n_segments = n_segments;
  self->series = g_new0 (Series, MAX ((gsize) n_segments * PM_N_METRICS, 1));
  for (gsize i = 0; i < (gsize) n_segments * PM_N_METRICS; i++)
    {
      Series *s = &self->series[i];

      s->hw = pm_holt_winters_new (&hw_config);
      s->arima = pm_arima_new (self->config.step_s);
      if (s->hw == NULL || s->arima == NULL)
        {
          pm_forecaster_free (self);
          g_return_val_if_reached (NULL);
        }
      /* The naive forecast until there is evidence for the seasonal one. */
      s->in_use = PM_FORECAST_MODEL_ARIMA;
      s->last_error = s->last_var = NAN;
    }
  return self;
}

void
pm_forecaster_free (PmForecaster *self)
{
  if (self == NULL)
    return;
  for (gsize i = 0; i < (gsize) self->n_segments * PM_N_METRICS; i++)
    {
      pm_holt_winters_free (self->series[i].hw);
      pm_arima_free (self->series[i].arima);
    }
  g_free (self->series);
  g_free (self);
}

guint
pm_forecaster_get_n_segments (PmForecaster *self)
{
  return self->n_segments;
}

gint64
pm_forecaster_get_step (PmForecaster *self)
{
  return self->config.step_s;
}

gsize
pm_forecaster_get_memory_per_segment (PmForecaster *self)
{
  gsize bytes = PM_N_METRICS * sizeof (Series);

  if (self->n_segments > 0)
    for (guint m = 0; m < PM_N_METRICS; m++)
      {
        Series *s = series_of (self, 0, m);
        bytes += pm_holt_winters_get_memory_size (s->hw) + pm_arima_get_memory_size (s->arima);
      }
  return bytes;
}

gboolean
pm_forecaster_update (PmForecaster   *self,
                      guint           segment,
                      gint64          time_s,
                      const PmSample *sample)
{
  Series *s;
  gboolean accepted = TRUE;

  g_return_val_if_fail (segment < self->n_segments, FALSE);

  s = series_of (self, segment, 0);
  for (guint m = 0; m < PM_N_METRICS; m++, s++)
    {
      double y = pm_metric_get (sample, m);
      double e_hw, e_arima, var_before = model_variance (s, s->in_use);

      if (!isfinite (y))
        y = NAN;
      accepted &= pm_holt_winters_update (s->hw, time_s, y, &e_hw);
      accepted &= pm_arima_update (s->arima, time_s, y, &e_arima);

      s->last_error = (float) (s->in_use == PM_FORECAST_MODEL_HOLT_WINTERS ? e_hw : e_arima);
      s->last_var = var_before;
      if (!isnan (e_hw) || !isnan (e_arima))
        choose (s);
    }
  return accepted;
}

/* The segment's history of one metric, from its first value on. */
static float *
read_metric (const PmSample *samples,
             guint           n,
             PmMetric        metric,
             guint          *first)
{
  float *values = g_new (float, MAX (n, 1));

  *first = n;
  for (guint i = 0; i < n; i++)
    {
      float v = pm_metric_get (&samples[i], metric);

      values[i] = isfinite (v) ? v : NAN;
      if (*first == n && !isnan (values[i]))
        *first = i;
    }
  return values;
}

gboolean
pm_forecaster_fit (PmForecaster  *self,
                   guint          segment,
                   PmSeriesStore *history)
{
  g_autofree PmSample *samples = NULL;
  guint capacity, window;
  gint64 newest, from;
  PmSample latest;
  gboolean any = FALSE;

  g_return_val_if_fail (segment < self->n_segments, FALSE);
  g_return_val_if_fail (segment < pm_series_store_get_n_segments (history), FALSE);
  g_return_val_if_fail (pm_series_store_get_step (history) == self->config.step_s, FALSE);

  if (!pm_series_store_latest (history, segment, &newest, &latest) && newest == 0)
    return FALSE;
  capacity = pm_series_store_get_capacity (history);
  from = newest - (gint64) (capacity - 1) * self->config.step_s;
  samples = g_new (PmSample, capacity);
  if (pm_series_store_read (history, segment, from, capacity, samples) == 0)
    return FALSE;
  window = MAX (self->config.arima_window_s / self->config.step_s, 1);

  for (guint m = 0; m < PM_N_METRICS; m++)
    {
      Series *s = series_of (self, segment, m);
      guint first, arima_first;
      g_autofree float *values = read_metric (samples, capacity, m, &first);
      double var_hw, var_arima;

      if (first == capacity)
        continue;
      arima_first = MAX (first, capacity > window ? capacity - window : 0);
      any |= pm_holt_winters_fit (s->hw, values + first, capacity - first,
                                  from + (gint64) first * self->config.step_s);
      any |= pm_arima_fit (s->arima, values + arima_first, capacity - arima_first,
                           from + (gint64) arima_first * self->config.step_s);

      /* Start from the model with the smaller error at the end of the history. */
      var_hw = model_mse (s, PM_FORECAST_MODEL_HOLT_WINTERS);
      var_arima = model_mse (s, PM_FORECAST_MODEL_ARIMA);
      if (!isnan (var_hw) || !isnan (var_arima))
        s->in_use = isnan (var_arima) || var_hw <= var_arima ? PM_FORECAST_MODEL_HOLT_WINTERS
                                                             : PM_FORECAST_MODEL_ARIMA;
      s->last_error = s->last_var = NAN;
    }
  return any;
}

gboolean
pm_forecaster_forecast_path (PmForecaster *self,
                             guint         segment,
                             PmMetric      metric,
                             guint         n_steps,
                             double       *mean,
                             double       *sd)
{
  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, FALSE);
  g_return_val_if_fail (n_steps >= 1, FALSE);

  path (series_of (self, segment, metric), n_steps, mean, sd);
  return !isnan (mean[n_steps - 1]);
}

gboolean
pm_forecaster_forecast (PmForecaster *self,
                        guint         segment,
                        PmMetric      metric,
                        guint         h_steps,
                        double       *mean,
                        double       *sd)
{
  Series *s;
  double m, v;

  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, FALSE);
  g_return_val_if_fail (h_steps >= 1, FALSE);

  s = series_of (self, segment, metric);
  if (s->in_use == PM_FORECAST_MODEL_HOLT_WINTERS)
    pm_holt_winters_forecast (s->hw, h_steps, &m, &v);
  else
    pm_arima_forecast (s->arima, h_steps, &m, &v);
  if (mean != NULL)
    *mean = m;
  if (sd != NULL)
    *sd = v;
  return !isnan (m);
}

double
pm_forecaster_crossing_probability_full (PmForecaster *self,
                                         guint         segment,
                                         PmMetric      metric,
                                         double        threshold,
                                         guint         horizon_steps,
                                         guint        *first_step)
{
  double stack_mean[STACK_PATH], stack_sd[STACK_PATH];
  g_autofree double *heap = NULL;
  double *mean = stack_mean, *sd = stack_sd;
  double z_min = INFINITY;
  guint first = 0;

  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, NAN);
  g_return_val_if_fail (horizon_steps >= 1, NAN);

  if (first_step != NULL)
    *first_step = 0;
  if (horizon_steps > STACK_PATH)
    {
      heap = g_new (double, 2 * (gsize) horizon_steps);
      mean = heap;
      sd = heap + horizon_steps;
    }
  path (series_of (self, segment, metric), horizon_steps, mean, sd);
  if (isnan (mean[0]) || isnan (sd[0]))
    return NAN;

  /* The largest tail is at the smallest z = (threshold − mean) / sd. */
  for (guint h = 0; h < horizon_steps; h++)
    {
      double z = (threshold - mean[h]) / MAX (sd[h], sd_floor[metric]);

      if (z < z_min)
        z_min = z;
      if (first == 0 && mean[h] >= threshold)
        first = h + 1;
    }
  if (first_step != NULL)
    *first_step = first;
  return 0.5 * erfc (z_min / G_SQRT2);
}

double
pm_forecaster_crossing_probability (PmForecaster *self,
                                    guint         segment,
                                    PmMetric      metric,
                                    double        threshold,
                                    guint         horizon_steps)
{
  return pm_forecaster_crossing_probability_full (self, segment, metric, threshold,
                                                  horizon_steps, NULL);
}

double
pm_forecaster_get_trend_per_minute (PmForecaster *self,
                                    guint         segment,
                                    PmMetric      metric)
{
  guint steps = CLAMP (TREND_MINUTES * 60 / self->config.step_s, 1, STACK_PATH - 1);
  double mean[STACK_PATH], sd[STACK_PATH];

  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, NAN);

  path (series_of (self, segment, metric), steps + 1, mean, sd);
  return (mean[steps] - mean[0]) / ((double) steps * self->config.step_s / 60.0);
}

PmForecastModel
pm_forecaster_get_model (PmForecaster *self,
                         guint         segment,
                         PmMetric      metric)
{
  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, 0);

  return series_of (self, segment, metric)->in_use;
}

double
pm_forecaster_get_model_error (PmForecaster    *self,
                               guint            segment,
                               PmMetric         metric,
                               PmForecastModel  model)
{
  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, NAN);
  g_return_val_if_fail (model < PM_N_FORECAST_MODELS, NAN);

  return sqrt (model_mse (series_of (self, segment, metric), model));
}

void
pm_forecaster_get_last_residual (PmForecaster *self,
                                 guint         segment,
                                 PmMetric      metric,
                                 double       *error,
                                 double       *sd)
{
  Series *s;

  g_return_if_fail (segment < self->n_segments && metric < PM_N_METRICS);

  s = series_of (self, segment, metric);
  if (error != NULL)
    *error = s->last_error;
  if (sd != NULL)
    *sd = (float) sqrt (s->last_var);
}

guint
pm_forecaster_get_steps_since_value (PmForecaster *self,
                                     guint         segment,
                                     PmMetric      metric)
{
  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, 0);

  return pm_holt_winters_get_steps_since_value (series_of (self, segment, metric)->hw);
}

guint64
pm_forecaster_get_n_missing (PmForecaster *self,
                             guint         segment,
                             PmMetric      metric)
{
  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, 0);

  return pm_holt_winters_get_n_missing (series_of (self, segment, metric)->hw);
}

const PmHoltWinters *
pm_forecaster_get_holt_winters (PmForecaster *self,
                                guint         segment,
                                PmMetric      metric)
{
  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, NULL);

  return series_of (self, segment, metric)->hw;
}

const PmArima *
pm_forecaster_get_arima (PmForecaster *self,
                         guint         segment,
                         PmMetric      metric)
{
  g_return_val_if_fail (segment < self->n_segments && metric < PM_N_METRICS, NULL);

  return series_of (self, segment, metric)->arima;
}

const char *
pm_forecast_model_to_string (PmForecastModel model)
{
  switch (model)
    {
    case PM_FORECAST_MODEL_HOLT_WINTERS:
      return "holt-winters";
    case PM_FORECAST_MODEL_ARIMA:
      return "arima";
    case PM_N_FORECAST_MODELS:
    default:
      return NULL;
    }
}
