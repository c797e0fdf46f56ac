/* pm-forecaster.h: per segment and metric, Holt-Winters and ARIMA side by side; forecasts from
 * whichever has the smaller recent one-step error.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-arima.h"
#include "pm-holt-winters.h"
#include "pm-metric.h"
#include "telemetry/pm-series.h"

G_BEGIN_DECLS

typedef enum
{
  PM_FORECAST_MODEL_HOLT_WINTERS,
  PM_FORECAST_MODEL_ARIMA,
  PM_N_FORECAST_MODELS
} PmForecastModel;

typedef struct
{
  guint step_s;           /* sample step (10 s) */
  guint season_period_s;  /* Holt-Winters season (a day) */
  guint season_slot_s;    /* its resolution (5 min: 288 slots) */
  guint arima_window_s;   /* history the ARIMA fit reads, the newest part (6 h) */
} PmForecasterConfig;

void             pm_forecaster_config_init   (PmForecasterConfig *config);

typedef struct _PmForecaster PmForecaster;

/* config NULL: pm_forecaster_config_init()'s defaults. Until fitted, Holt-Winters runs with
 * default parameters and learns its profile as the days go by, ARIMA is the naive forecast. */
PmForecaster    *pm_forecaster_new            (guint                     n_segments,
                                               const PmForecasterConfig *config);
void             pm_forecaster_free           (PmForecaster *self);

guint            pm_forecaster_get_n_segments (PmForecaster *self);
gint64           pm_forecaster_get_step       (PmForecaster *self);
/* Bytes per segment: both models for the three metrics and the bookkeeping. */
gsize            pm_forecaster_get_memory_per_segment (PmForecaster *self);

/* Feeds one sample of a segment to both models of each metric, in time order. A NAN (or
 * infinite) field is a missing value for that metric: time moves on, the state is untouched.
 * FALSE when the time is not after the segment's last step (the sample is ignored). */
gboolean         pm_forecaster_update         (PmForecaster   *self,
                                               guint           segment,
                                               gint64          time_s,
                                               const PmSample *sample);

/* Fits both models of every metric of the segment on the history the store holds for it
 * (Holt-Winters on all of it, ARIMA on its newest arima_window_s), and leaves them warm at the
 * store's newest step; later updates continue from there, and the model with the smaller error
 * at the end of the history is in use. The store's step must be the forecaster's. Costly
 * (about 20 ms per segment on 24 h of history, -O2): the engine decides when to refit, for
 * example a few segments per tick. FALSE when no model could be fitted (too little data); a
 * model that could not keeps its previous state. Reads the store and writes only this
 * segment's models: must not run concurrently with a push to the store or an update of the
 * segment. */
gboolean         pm_forecaster_fit            (PmForecaster  *self,
                                               guint          segment,
                                               PmSeriesStore *history);

/* The model in use and its forecast h ≥ 1 steps after the segment's last step: mean and the
 * standard deviation of the forecast error. FALSE (NAN outputs) when there is none yet. */
gboolean         pm_forecaster_forecast       (PmForecaster *self,
                                               guint         segment,
                                               PmMetric      metric,
                                               guint         h_steps,
                                               double       *mean,
                                               double       *sd);
/* The same for h = 1 … n_steps. */
gboolean         pm_forecaster_forecast_path  (PmForecaster *self,
                                               guint         segment,
                                               PmMetric      metric,
                                               guint         n_steps,
                                               double       *mean,
                                               double       *sd);

/* P(the metric reaches threshold (from below) at some step within horizon_steps), taken as the
 * largest Gaussian tail P(Y_h ≥ threshold) over h = 1 … horizon_steps. Forecast errors at
 * successive steps share most of their shocks, so the largest marginal tail is close to the
 * probability of the union; it is a lower bound of it, and never above 1 as a union bound
 * would be. The forecast's sd is floored per metric (0.01 ms, 0.01 ms, 0.001) so that a series
 * that was constant does not give certainties. NAN when there is no forecast. */
double           pm_forecaster_crossing_probability (PmForecaster *self,
                                                     guint         segment,
                                                     PmMetric      metric,
                                                     double        threshold,
                                                     guint         horizon_steps);
/* The same, and *first_step (may be NULL) the first h whose forecast mean reaches the threshold
 * (the expected crossing time in steps), 0 when none does within the horizon. */
double           pm_forecaster_crossing_probability_full (PmForecaster *self,
                                                          guint         segment,
                                                          PmMetric      metric,
                                                          double        threshold,
                                                          guint         horizon_steps,
                                                          guint        *first_step);

/* The slope of the model in use's forecast over the next five minutes, per minute (daily
 * cycle included: "latency rising 0.3 ms/min"). NAN when there is no forecast. */
double           pm_forecaster_get_trend_per_minute (PmForecaster *self,
                                                     guint         segment,
                                                     PmMetric      metric);

PmForecastModel  pm_forecaster_get_model      (PmForecaster *self,
                                               guint         segment,
                                               PmMetric      metric);
/* A model's recent out-of-sample one-step RMSE (exponentially weighted, half-life 1 h, each
 * error clipped at 3σ): what the choice is made on. NAN before any. */
double           pm_forecaster_get_model_error (PmForecaster    *self,
                                                guint            segment,
                                                PmMetric         metric,
                                                PmForecastModel  model);
/* For anomaly scoring: the model in use's one-step error on the newest sample, and the sd it
 * expected before seeing it. NAN when that sample was missing. */
void             pm_forecaster_get_last_residual (PmForecaster *self,
                                                  guint         segment,
                                                  PmMetric      metric,
                                                  double       *error,
                                                  double       *sd);
/* Missing data is not health: steps since the metric last had a value, and how many steps
 * had none since the models started. */
guint            pm_forecaster_get_steps_since_value (PmForecaster *self,
                                                      guint         segment,
                                                      PmMetric      metric);
guint64          pm_forecaster_get_n_missing  (PmForecaster *self,
                                               guint         segment,
                                               PmMetric      metric);

/* The models themselves, for inspection. */
const PmHoltWinters *pm_forecaster_get_holt_winters (PmForecaster *self,
                                                     guint         segment,
                                                     PmMetric      metric);
const PmArima       *pm_forecaster_get_arima        (PmForecaster *self,
                                                     guint         segment,
                                                     PmMetric      metric);

const char      *pm_forecast_model_to_string  (PmForecastModel model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmForecaster, pm_forecaster_free)

G_END_DECLS
