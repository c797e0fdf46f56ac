/* pm-chart.h: history, forecast and risk of the selected segment, or a site's isolation risk.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-engine.h"

G_BEGIN_DECLS

/* In the order of PmForecastWatch's metrics. */
typedef enum
{
  PM_CHART_LATENCY,
  PM_CHART_JITTER,
  PM_CHART_LOSS,
} PmChartMetric;

#define PM_TYPE_CHART (pm_chart_get_type ())
G_DECLARE_FINAL_TYPE (PmChart, pm_chart, PM, CHART, GtkWidget)

PmChart       *pm_chart_new             (void);
void           pm_chart_set_engine      (PmChart    *self,
                                         PmEngine   *engine);
/* A segment (site -1), a site (segment -1), or nothing (both -1). */
void           pm_chart_set_subject     (PmChart    *self,
                                         int         site,
                                         int         segment);
/* The time window shown, in seconds before the snapshot's time. */
void           pm_chart_set_span        (PmChart    *self,
                                         gint64      span_s);
gint64         pm_chart_get_span        (PmChart    *self);
void           pm_chart_set_metric      (PmChart      *self,
                                         PmChartMetric metric);
PmChartMetric  pm_chart_get_metric      (PmChart    *self);
void           pm_chart_set_snapshot    (PmChart    *self,
                                         PmSnapshot *snapshot);

/* What the chart holds and says, for tests and assistive technologies. */
guint          pm_chart_get_n_points    (PmChart    *self);
gboolean       pm_chart_has_forecast    (PmChart    *self);
const char    *pm_chart_get_description (PmChart    *self);
char          *pm_chart_describe_at     (PmChart    *self,
                                         double      x);

/* The cursor the pointer or the keys (the chart.cursor-* actions) move: whether it is shown,
 * and the time it marks, in seconds since the epoch. While the keys hold it, the accessible
 * description is its label's text. */
gboolean       pm_chart_get_cursor_time (PmChart    *self,
                                         gint64     *time_s);

G_END_DECLS
