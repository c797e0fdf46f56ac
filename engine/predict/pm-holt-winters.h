/* pm-holt-winters.h: additive seasonal Holt-Winters for one metric of one segment, O(1) per sample.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The season is one period (a day) sampled at a coarser resolution than the samples: at 10 s
 * steps a day is 8640 steps, but 5-minute slots (288 per day) describe a daily load cycle as
 * well, in 1.2 KB instead of 35 KB per segment and metric. Level and trend still move every
 * sample; the seasonal term is interpolated linearly between slot centres. */
typedef struct
{
  guint step_s;    /* sample step; divides slot_s */
  guint period_s;  /* season length; a multiple of slot_s */
  guint slot_s;    /* seasonal resolution; slot_s == step_s is the textbook model */
} PmHoltWintersConfig;

#define PM_HOLT_WINTERS_DEFAULT_STEP_S   10
#define PM_HOLT_WINTERS_DEFAULT_PERIOD_S 86400
#define PM_HOLT_WINTERS_DEFAULT_SLOT_S   300

/* Smoothing parameters, each in [0, 1]: alpha for the level, beta for the trend (the trend moves
 * by alpha × beta × error, the classic form), gamma for the seasonal profile as a weight per
 * period: a slot moves by gamma × the mean one-step error seen around it that period; phi
 * damps the trend per step (1: undamped). The fit chooses alpha, beta and gamma; phi is set. */
typedef struct
{
  double alpha;
  double beta;
  double gamma;
  double phi;
} PmHoltWintersParams;

typedef struct _PmHoltWinters PmHoltWinters;

/* config NULL: 10 s steps, a daily season, 5-minute slots. NULL when the config is
 * inconsistent (slot_s not a multiple of step_s, period_s not one of slot_s). */
PmHoltWinters *pm_holt_winters_new             (const PmHoltWintersConfig *config);
void           pm_holt_winters_free            (PmHoltWinters *self);
void           pm_holt_winters_reset           (PmHoltWinters *self);

void           pm_holt_winters_get_config      (const PmHoltWinters *self,
                                                PmHoltWintersConfig *config);
/* Bytes one model holds (its profile included). */
gsize          pm_holt_winters_get_memory_size (const PmHoltWinters *self);

void           pm_holt_winters_get_params      (const PmHoltWinters *self,
                                                PmHoltWintersParams *params);
void           pm_holt_winters_set_params      (PmHoltWinters             *self,
                                                const PmHoltWintersParams *params);

/* Feeds the sample at time_s (NAN: missing). A step after the last one advances the model: a
 * missing value, or steps skipped over, move time on (the level follows its trend) without
 * touching the state, and are counted. A step at or before the last one is rejected (FALSE)
 * and counted. *error (may be NULL) receives the out-of-sample one-step error y − ŷ, NAN when
 * there was no value or no forecast yet. */
gboolean       pm_holt_winters_update          (PmHoltWinters *self,
                                                gint64         time_s,
                                                double         y,
                                                double        *error);

/* Fits alpha, beta (and gamma when the history spans two periods or more: with less, a
 * profile update cannot show in the history's own errors, and gamma keeps its value) by
 * minimising the mean squared one-step error over the history (each squared error capped at
 * (5 σ)², σ the robust noise level, so that an outage does not choose them), with alpha and
 * beta at least 0.02 so that the model can still follow a degradation; a coarse grid, then
 * Nelder–Mead. phi keeps its value. The profile starts from per-slot medians of the history
 * (its first period when it spans two), cleaned of outages. The model is then left warm at the
 * history's last step. values[i] is the sample at start_s + i × step_s, NAN when missing.
 * Returns FALSE, the model unchanged, when the history holds fewer than 360 values. */
gboolean       pm_holt_winters_fit             (PmHoltWinters *self,
                                                const float   *values,
                                                gsize          n_values,
                                                gint64         start_s);
/* The mean squared one-step error of the last fit, NAN before any. */
double         pm_holt_winters_get_fit_mse     (const PmHoltWinters *self);

/* Forecast h ≥ 1 steps after the model's last step: mean ℓ + b (φ + … + φ^h) + s, and the
 * standard deviation of the forecast error, σ² (1 + Σ_{j=1}^{H−1} α² (1 + β (φ + … + φ^j))²)
 * with H = h + the steps since the last value (the ETS(A,Ad,A) variance for horizons shorter
 * than the period; the profile's own uncertainty is left out). O(h). Either output may be
 * NULL; both are NAN before the first value and after an hour without one. */
void           pm_holt_winters_forecast        (const PmHoltWinters *self,
                                                guint                h,
                                                double              *mean,
                                                double              *sd);
/* The forecasts for h = 1 … n_steps in one pass. */
void           pm_holt_winters_forecast_path   (const PmHoltWinters *self,
                                                guint                n_steps,
                                                double              *mean,
                                                double              *sd);

gint64         pm_holt_winters_get_time        (const PmHoltWinters *self);
double         pm_holt_winters_get_level       (const PmHoltWinters *self);
/* Per step; the deseasonalised local slope (before damping). */
double         pm_holt_winters_get_trend       (const PmHoltWinters *self);
/* The seasonal term at time_s (0 where the profile is not known yet). */
double         pm_holt_winters_get_season      (const PmHoltWinters *self,
                                                gint64               time_s);
/* σ² of the one-step error, from a running median of |error| (robust; an outage of an hour
 * widens it for about an hour); what the intervals use. NAN before any error. */
double         pm_holt_winters_get_residual_variance (const PmHoltWinters *self);
/* The recent mean squared one-step error (half-life 1 h, each error clipped at 3σ): what a
 * choice between models compares. NAN before any error. */
double         pm_holt_winters_get_recent_mse  (const PmHoltWinters *self);

guint64        pm_holt_winters_get_n_observed  (const PmHoltWinters *self);
/* Steps with no value (NAN or skipped over) since the model started. */
guint64        pm_holt_winters_get_n_missing   (const PmHoltWinters *self);
/* Samples refused for being at or before the last step. */
guint64        pm_holt_winters_get_n_rejected  (const PmHoltWinters *self);
/* Steps since the last value: 0 right after one. */
guint          pm_holt_winters_get_steps_since_value (const PmHoltWinters *self);
/* Profile slots never learnt (no value seen around them yet). */
guint          pm_holt_winters_get_n_unknown_slots (const PmHoltWinters *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmHoltWinters, pm_holt_winters_free)

G_END_DECLS
