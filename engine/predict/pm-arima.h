/* pm-arima.h: ARIMA(p,d,q) of small order for one metric of one segment, O(p + q) per sample.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_ARIMA_MAX_P 3
#define PM_ARIMA_MAX_D 1
#define PM_ARIMA_MAX_Q 2

/* With w_t = y_t (d = 0) or y_t − y_{t−1} (d = 1):
 *   w_t = c + Σ φ_i w_{t−i} + ε_t + Σ θ_j ε_{t−j}
 * c is the intercept (the mean is c / (1 − Σ φ_i) when d = 0) or the drift term (d = 1). */
typedef struct
{
  guint    p;
  guint    d;
  guint    q;
  gboolean constant;  /* with c; without, c = 0 */
} PmArimaOrder;

typedef struct _PmArima PmArima;

/* A naive model, ARIMA(0,1,0) without drift (the forecast is the last value), until fitted. */
PmArima  *pm_arima_new               (guint step_s);
void      pm_arima_free              (PmArima *self);
/* Forgets the state (keeps the model). */
void      pm_arima_reset             (PmArima *self);
gsize     pm_arima_get_memory_size   (const PmArima *self);

/* Sets a model by hand (tests, simulation); the state is reset. phi holds order->p values,
 * theta order->q; FALSE for an order out of range. */
gboolean  pm_arima_set_model         (PmArima            *self,
                                      const PmArimaOrder *order,
                                      double              c,
                                      const double       *phi,
                                      const double       *theta);

/* Fits ARIMA(p,d,q), p ≤ 3, q ≤ 2, by conditional least squares and leaves the model warm at
 * the history's last step. d comes from an augmented Dickey–Fuller test (a unit root not
 * rejected at 5%: d = 1): on the conditional likelihood, AIC would often take a stationary AR
 * with a root next to 1 for an integrated series, whose intervals then stop growing and miss
 * at long horizons. p, q and the constant (drift when d = 1, with and without; d = 0 always has
 * its mean) are chosen by AIC among stationary, invertible orders whose AR and MA parts share
 * no factor; within 2 AIC points of the best, the fewest parameters win. values[i] is the
 * sample at start_s + i × step_s, NAN when missing; every order is scored on the same steps
 * (those whose four predecessors are known). FALSE, the model unchanged, when the history
 * holds too few complete stretches. */
gboolean  pm_arima_fit               (PmArima     *self,
                                      const float *values,
                                      gsize        n_values,
                                      gint64       start_s);
/* The same for one given order. */
gboolean  pm_arima_fit_order         (PmArima            *self,
                                      const PmArimaOrder *order,
                                      const float        *values,
                                      gsize               n_values,
                                      gint64              start_s);

void      pm_arima_get_order         (const PmArima *self,
                                      PmArimaOrder  *order);
/* phi: PM_ARIMA_MAX_P values, theta: PM_ARIMA_MAX_Q (zeros past the order); any may be NULL. */
void      pm_arima_get_coefficients  (const PmArima *self,
                                      double        *c,
                                      double        *phi,
                                      double        *theta);
/* Of the last fit: AIC (n log σ̂² + 2 k, k counting σ²), σ̂² = the conditional mean squared
 * one-step error; NAN before any fit. */
double    pm_arima_get_aic           (const PmArima *self);
double    pm_arima_get_fit_variance  (const PmArima *self);

/* Feeds the sample at time_s (NAN: missing). A missing step is filled with its forecast (the
 * conditional expectation, with a zero shock), which keeps every later forecast the correct
 * multi-step one; after a gap of over an hour the state restarts from the next value. A step
 * at or before the last one is rejected (FALSE) and counted. *error (may be NULL) receives the
 * out-of-sample one-step error, NAN when there was no value or no forecast yet. */
gboolean  pm_arima_update            (PmArima *self,
                                      gint64   time_s,
                                      double   y,
                                      double  *error);

/* Forecast h ≥ 1 steps after the last step: mean, and sd = σ (Σ_{j<H} ψ_j²)^½ with ψ the
 * psi-weights of the (integrated) model, σ² the residual variance and H = h + the steps since
 * the last value. NAN before the first value. */
void      pm_arima_forecast          (const PmArima *self,
                                      guint          h,
                                      double        *mean,
                                      double        *sd);
/* h = 1 … n_steps in one pass, O(n_steps (p + q)). */
void      pm_arima_forecast_path     (const PmArima *self,
                                      guint          n_steps,
                                      double        *mean,
                                      double        *sd);

gint64    pm_arima_get_time          (const PmArima *self);
/* σ² of the one-step error, from a running median of |error| (robust; an outage of an hour
 * widens it for about an hour); what the intervals use. NAN before any error. */
double    pm_arima_get_residual_variance (const PmArima *self);
/* The recent mean squared one-step error (half-life 1 h, each error clipped at 3σ): what a
 * choice between models compares. NAN before any error. */
double    pm_arima_get_recent_mse    (const PmArima *self);
guint64   pm_arima_get_n_observed    (const PmArima *self);
guint64   pm_arima_get_n_missing     (const PmArima *self);
guint64   pm_arima_get_n_rejected    (const PmArima *self);
guint     pm_arima_get_steps_since_value (const PmArima *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmArima, pm_arima_free)

G_END_DECLS
