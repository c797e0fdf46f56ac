/* pm-prometheus-reply.h: what a Prometheus server answers to /api/v1/query_range and
 * /api/v1/query, read into series, and how a long history is asked for in windows the server
 * accepts.
 *
 * The reply is {"status": "success", "data": {"resultType": "matrix" | "vector", "result": [...]}}
 * or {"status": "error", "errorType": ..., "error": ...}. Each sample is [TIME, "VALUE"]: the time
 * a JSON number of seconds (with a fraction), the value a string, which may be "NaN", "+Inf" or
 * "-Inf". A vector (instant query) has one "value" per series, a matrix a "values" array.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_PROMETHEUS_ERROR (pm_prometheus_error_quark ())
GQuark pm_prometheus_error_quark (void);

typedef enum
{
  PM_PROMETHEUS_ERROR_SERVER,      /* the server answered "status": "error" */
  PM_PROMETHEUS_ERROR_MALFORMED,   /* not a Prometheus API reply */
  PM_PROMETHEUS_ERROR_UNREACHABLE, /* no answer: refused, timed out, name not resolved */
  PM_PROMETHEUS_ERROR_HTTP,        /* an HTTP error status without a Prometheus error body */
  PM_PROMETHEUS_ERROR_URI,         /* a source URI that cannot be used */
} PmPrometheusError;

/* Prometheus refuses a range query of more points than this per series. */
#define PM_PROMETHEUS_MAX_POINTS 11000

typedef struct
{
  double time_s;   /* Unix seconds, with the fraction the server sent */
  double value;    /* NaN, ±infinity as sent */
} PmPrometheusPoint;

typedef struct
{
  GHashTable *labels;  /* label name → value, both strings; "__name__" where the server sent it */
  GArray     *points;  /* PmPrometheusPoint, in the order sent (time order) */
} PmPrometheusSeries;

void        pm_prometheus_series_free  (PmPrometheusSeries *series);

/* The series of a reply body (PmPrometheusSeries, to free). An error reply gives
 * PM_PROMETHEUS_ERROR_SERVER with the server's errorType and message; anything else that is not
 * a matrix or vector reply, PM_PROMETHEUS_ERROR_MALFORMED naming what is wrong and where
 * (series and sample index). */
GPtrArray  *pm_prometheus_parse_reply  (const char  *body,
                                        gssize       length,
                                        GError     **error);

typedef struct
{
  gint64 start_s;
  gint64 end_s;
} PmPrometheusWindow;

/* The windows (PmPrometheusWindow) that together ask for start_s..end_s at step_s, each of at
 * most max_points points (both ends included, as Prometheus counts them), in time order, the
 * next starting one step after the one before ends so that no point is asked for twice. Empty
 * when end_s < start_s. step_s and max_points must be positive. */
GArray     *pm_prometheus_split_range  (gint64       start_s,
                                        gint64       end_s,
                                        gint64       step_s,
                                        guint        max_points);

G_END_DECLS
