/* pm-series.h: per-segment ring buffers of latency, jitter and loss with a fixed memory budget.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>
#include <math.h>

G_BEGIN_DECLS

/* One measurement step of one segment. Any field may be NAN: "no data" is explicit and never
 * reads as healthy. A probe that got no answer has loss_ratio 1 and NAN latency. */
typedef struct
{
  float latency_ms;
  float jitter_ms;
  float loss_ratio;
} PmSample;

#define PM_SAMPLE_NO_DATA ((PmSample) { NAN, NAN, NAN })

static inline gboolean
pm_sample_has_data (const PmSample *sample)
{
  return !isnan (sample->latency_ms) || !isnan (sample->loss_ratio);
}

/* Bounds beyond which a value is a broken probe or exporter, not a network: a round trip longer
 * than a minute, or jitter beyond that, or a loss ratio outside 0…1. Such fields become no data
 * and are counted, never stored as if measured. */
#define PM_SAMPLE_MAX_LATENCY_MS 60000.0f
#define PM_SAMPLE_MAX_JITTER_MS  60000.0f

/* What a segment's ring has refused or repaired, so that bad input is visible, never silent. */
typedef struct
{
  guint64 invalid_fields;  /* NaN-free but impossible values (negative, absurd) set to no data */
  guint64 duplicates;      /* a second sample for a step that already had one (the later wins) */
  guint64 out_of_order;    /* late samples that filled an older step inside the window */
  guint64 too_old;         /* samples older than the window, dropped */
} PmSeriesQuality;

gboolean pm_sample_sanitize (PmSample *sample);

#define PM_SERIES_DEFAULT_STEP_S 10
#define PM_SERIES_DEFAULT_SPAN_S (24 * 3600)

typedef struct _PmSeriesStore PmSeriesStore;

PmSeriesStore *pm_series_store_new          (guint  n_segments,
                                             gint64 step_s,
                                             gint64 span_s);
void           pm_series_store_free         (PmSeriesStore *self);
/* An independent copy (samples, windows and quality counters): long work on the history runs
 * on a copy in a worker thread while the live store keeps filling. */
PmSeriesStore *pm_series_store_copy         (PmSeriesStore *self);

guint          pm_series_store_get_n_segments (PmSeriesStore *self);
gint64         pm_series_store_get_step     (PmSeriesStore *self);
guint          pm_series_store_get_capacity (PmSeriesStore *self);
gsize          pm_series_store_bytes_per_segment (PmSeriesStore *self);

gboolean       pm_series_store_push         (PmSeriesStore  *self,
                                             guint           segment,
                                             gint64          time_s,
                                             const PmSample *sample);
gboolean       pm_series_store_get          (PmSeriesStore *self,
                                             guint          segment,
                                             gint64         time_s,
                                             PmSample      *out);
gboolean       pm_series_store_latest       (PmSeriesStore *self,
                                             guint          segment,
                                             gint64        *time_s,
                                             PmSample      *out);
const PmSeriesQuality *pm_series_store_get_quality (PmSeriesStore *self,
                                                   guint          segment);
guint          pm_series_store_read         (PmSeriesStore *self,
                                             guint          segment,
                                             gint64         from_s,
                                             guint          n_steps,
                                             PmSample      *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmSeriesStore, pm_series_store_free)

G_END_DECLS
