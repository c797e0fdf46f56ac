/* pm-anomaly.h: the degradation detector: an incremental anomaly score per series.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every tunable of the detector; the defaults, their ranges and what each means are in the
 * one table at the top of pm-anomaly.c. Time constants are in samples, so the detector behaves
 * the same at any sampling period (NAB's 5 min, the probes' 10 s). */
typedef struct
{
  guint  warmup;        /* samples before any score above 0 */
  double level_alpha;   /* forecast: EWMA weight of the newest sample */
  double scale_alpha;   /* residual scale: EWMA weight of the newest |residual| */
  double clip;          /* residuals enter baselines and sums clipped at clip · scale */
  double scale_floor;   /* residual scale never below this share of the long-run spread */
  double center_alpha;  /* long-run centre and spread of the values: EWMA weight */
  double cusum_k;       /* shift channel: CUSUM slack per sample, in residual scales */
  double drift_k;       /* drift channel: CUSUM slack per sample, in long-run spreads */
  guint  drift_lag;     /* drift channel: judged against its history this many samples ago */
  double memory;        /* samples the rarity of a surprise is judged against */
  double prior;         /* pseudo-count of past samples at least as surprising as any */
  double tail_index;    /* how fast rarity grows beyond the most surprising value seen */
  double w_shift;       /* channel weights against the point channel */
  double w_drift;
  double half_decades;  /* rarity (in decades) that maps to the score 0.5 */
  guint  quiet;         /* samples after a surprise that report only greater ones */
} PmAnomalyParams;

/* Why a sample got the score it got, beyond the number. */
typedef enum
{
  PM_ANOMALY_FLAG_NONE         = 0,
  PM_ANOMALY_FLAG_MISSING      = 1 << 0, /* value NAN: score NAN */
  PM_ANOMALY_FLAG_NOT_FINITE   = 1 << 1, /* value or time ±inf: score NAN */
  PM_ANOMALY_FLAG_OUT_OF_ORDER = 1 << 2, /* time before the previous sample's: score NAN */
  PM_ANOMALY_FLAG_DUPLICATE    = 1 << 3, /* time equal to the previous sample's: scored */
  PM_ANOMALY_FLAG_GAP          = 1 << 4, /* time far after the previous sample: scored */
  PM_ANOMALY_FLAG_WARMUP       = 1 << 5, /* not enough history yet: score 0 */
} PmAnomalyFlags;

/* Which kind of surprise drove the last score (for explanations). */
typedef enum
{
  PM_ANOMALY_CAUSE_NONE,
  PM_ANOMALY_CAUSE_POINT,    /* the sample is far from its one-step forecast */
  PM_ANOMALY_CAUSE_SHIFT,    /* recent samples sit persistently on one side of the forecast */
  PM_ANOMALY_CAUSE_DRIFT,    /* the series keeps moving away from its long-run level */
} PmAnomalyCause;

const char         *pm_anomaly_cause_to_string   (PmAnomalyCause cause);

/* The 9 NAB AWS files the defaults were tuned on (base names, NULL-terminated); the other 8 of
 * the folder are held out. `premirror-eval --nab DIR --nab-tuning-files default` reports both. */
extern const char *const pm_anomaly_nab_tuning_files[];

/* The defaults (the table in pm-anomaly.c): one alarm per surprise, as NAB scores detectors. */
void                pm_anomaly_params_init       (PmAnomalyParams *params);
/* The defaults without the quiet period, for a consumer that reads the score as the current
 * level of surprise (the partition predictor) rather than as alarms: a degradation that
 * persists keeps its score. */
void                pm_anomaly_params_init_probe (PmAnomalyParams *params);
/* By field name, for tuning from the command line; a value outside the table's range is
 * refused with an error naming the parameter. */
gboolean            pm_anomaly_params_set        (PmAnomalyParams *params,
                                                  const char      *name,
                                                  double           value,
                                                  GError         **error);
gboolean            pm_anomaly_params_get        (const PmAnomalyParams *params,
                                                  const char            *name,
                                                  double                *value);
/* NULL-terminated list of the parameter names, in table order. */
const char *const  *pm_anomaly_params_list       (void);

typedef struct _PmAnomalyDetector PmAnomalyDetector;

/* params may be NULL for the defaults; they are copied. */
PmAnomalyDetector *pm_anomaly_detector_new             (const PmAnomalyParams *params);
void               pm_anomaly_detector_free            (PmAnomalyDetector *self);
void               pm_anomaly_detector_reset           (PmAnomalyDetector *self);

/* Feeds one sample; returns its anomaly score in [0, 1) — S / (S + half_decades) for a
 * surprise as rare as one sample in 10^S, 0 within a quiet period unless greater than the
 * period's greatest — or NAN, with a flag, when the sample cannot be judged: missing data is
 * never reported as normal. O(1) time and memory, no allocation. */
double             pm_anomaly_detector_update          (PmAnomalyDetector *self,
                                                        double             time_s,
                                                        double             value);
/* Bytes of state per detector: fixed, whatever the number of samples. */
gsize              pm_anomaly_detector_get_memory_size (PmAnomalyDetector *self);
/* Flags and dominant cause of the last update. */
PmAnomalyFlags     pm_anomaly_detector_get_flags       (PmAnomalyDetector *self);
PmAnomalyCause     pm_anomaly_detector_get_cause       (PmAnomalyDetector *self);
/* One-step forecast of the next value (NAN before the first sample). */
double             pm_anomaly_detector_get_forecast    (PmAnomalyDetector *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmAnomalyDetector, pm_anomaly_detector_free)

G_END_DECLS
