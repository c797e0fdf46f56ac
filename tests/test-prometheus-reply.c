/* test-prometheus-reply.c: Prometheus API replies, as the server writes them, read into series;
 * range queries split under the server's point limit.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>
#include <string.h>

#include "pm-prometheus-reply.h"

/* A query_range reply in the shape Prometheus 2.x writes: two probes, float times, string
 * values with NaN and +Inf among them. */
static const char matrix_reply[] =
  "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
  "{\"metric\":{\"__name__\":\"probe_icmp_duration_seconds\",\"instance\":\"par--fra\","
  "\"job\":\"blackbox\",\"phase\":\"rtt\"},"
  "\"values\":[[1767225600,\"0.0043\"],[1767225660.5,\"NaN\"],[1767225720,\"+Inf\"],"
  "[1767225780,\"-Inf\"],[1767225840,\"1e-3\"]]},"
  "{\"metric\":{\"instance\":\"lon--par\"},\"values\":[]}]}}";

static void
test_prometheus_reply_matrix (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) series = pm_prometheus_parse_reply (matrix_reply, -1, &error);
  PmPrometheusSeries *first;

  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, 2);
  first = g_ptr_array_index (series, 0);
  g_assert_cmpstr (g_hash_table_lookup (first->labels, "instance"), ==, "par--fra");
  g_assert_cmpstr (g_hash_table_lookup (first->labels, "__name__"), ==,
                   "probe_icmp_duration_seconds");
  g_assert_cmpuint (first->points->len, ==, 5);
  g_assert_cmpfloat (g_array_index (first->points, PmPrometheusPoint, 0).time_s, ==, 1767225600);
  g_assert_cmpfloat_with_epsilon (g_array_index (first->points, PmPrometheusPoint, 0).value,
                                  0.0043, 1e-12);
  g_assert_cmpfloat (g_array_index (first->points, PmPrometheusPoint, 1).time_s, ==,
                     1767225660.5);
  g_assert_true (isnan (g_array_index (first->points, PmPrometheusPoint, 1).value));
  g_assert_true (isinf (g_array_index (first->points, PmPrometheusPoint, 2).value));
  g_assert_cmpfloat (g_array_index (first->points, PmPrometheusPoint, 2).value, >, 0);
  g_assert_cmpfloat (g_array_index (first->points, PmPrometheusPoint, 3).value, <, 0);
  g_assert_cmpfloat_with_epsilon (g_array_index (first->points, PmPrometheusPoint, 4).value,
                                  0.001, 1e-15);
  g_assert_cmpuint (((PmPrometheusSeries *) g_ptr_array_index (series, 1))->points->len, ==, 0);
}

static void
test_prometheus_reply_vector (void)
{
  static const char reply[] =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
    "{\"metric\":{\"instance\":\"par--fra\"},\"value\":[1767225600.123,\"1\"]},"
    "{\"metric\":{\"instance\":\"lon--par\"},\"value\":[1767225600.123,\"0\"]}]}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) series = pm_prometheus_parse_reply (reply, -1, &error);
  PmPrometheusSeries *second;

  g_assert_no_error (error);
  g_assert_cmpuint (series->len, ==, 2);
  second = g_ptr_array_index (series, 1);
  g_assert_cmpstr (g_hash_table_lookup (second->labels, "instance"), ==, "lon--par");
  g_assert_cmpuint (second->points->len, ==, 1);
  g_assert_cmpfloat_with_epsilon (g_array_index (second->points, PmPrometheusPoint, 0).time_s,
                                  1767225600.123, 1e-6);
  g_assert_cmpfloat (g_array_index (second->points, PmPrometheusPoint, 0).value, ==, 0);
}

static void
test_prometheus_reply_server_error (void)
{
  static const char reply[] =
    "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"exceeded maximum resolution "
    "of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) series = pm_prometheus_parse_reply (reply, -1, &error);

  g_assert_null (series);
  g_assert_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_SERVER);
  g_assert_nonnull (strstr (error->message, "bad_data"));
  g_assert_nonnull (strstr (error->message, "11,000 points"));
}

static void
test_prometheus_reply_malformed (void)
{
  static const struct
  {
    const char *body;
    const char *says;
  } cases[] = {
    { "", "empty" },
    { "<html>502 Bad Gateway</html>", "not JSON" },
    { "[1, 2]", "not a JSON object" },
    { "{\"status\":\"maybe\"}", "status" },
    { "{\"status\":\"success\"}", "data" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"2\"]}}",
      "scalar" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\"}}", "result" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"values\":[]}]}}",
      "series 0 has no “metric”" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
      "{\"metric\":{\"instance\":3},\"values\":[]}]}}", "label “instance”" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
      "{\"metric\":{},\"value\":[1,\"1\"]}]}}", "no “values”" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
      "{\"metric\":{},\"values\":[[1,\"1\"],[2,1]]}]}}", "series 0, sample 1" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
      "{\"metric\":{},\"values\":[[1,\"1\"],[\"2\",\"1\"]]}]}}", "time is not a number" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
      "{\"metric\":{},\"values\":[[1,\"12abc\"]]}]}}", "value is not a number" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
      "{\"metric\":{},\"values\":[[1]]}]}}", "pair" },
    { "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
      "{\"metric\":{},\"value\":[1,\"\"]}]}}", "value is not a number" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) series = pm_prometheus_parse_reply (cases[i].body, -1, &error);

      g_test_message ("case %u: %s", i, cases[i].body);
      g_assert_null (series);
      g_assert_error (error, PM_PROMETHEUS_ERROR, PM_PROMETHEUS_ERROR_MALFORMED);
      g_test_message ("error: %s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
}

/* The windows cover the range exactly, without a point asked for twice or left out, and none
 * holds more points than allowed. */
static void
check_windows (gint64 start,
               gint64 end,
               gint64 step,
               guint  max_points,
               guint  expected_windows)
{
  g_autoptr(GArray) windows = pm_prometheus_split_range (start, end, step, max_points);
  gint64 expected_start = start;
  guint64 points = 0;

  g_assert_cmpuint (windows->len, ==, expected_windows);
  for (guint i = 0; i < windows->len; i++)
    {
      const PmPrometheusWindow *w = &g_array_index (windows, PmPrometheusWindow, i);
      guint64 n = (guint64) ((w->end_s - w->start_s) / step) + 1;

      g_assert_cmpint (w->start_s, ==, expected_start);
      g_assert_cmpint (w->end_s, >=, w->start_s);
      g_assert_cmpint (w->end_s, <=, end);
      g_assert_cmpuint (n, <=, max_points);
      points += n;
      expected_start = w->end_s + step;
    }
  if (windows->len > 0)
    g_assert_cmpint (g_array_index (windows, PmPrometheusWindow, windows->len - 1).end_s, >,
                     end - step);
  g_assert_cmpuint (points, ==, end >= start ? (guint64) ((end - start) / step) + 1 : 0);
}

static void
test_prometheus_split_range (void)
{
  /* A day at one minute: 1,441 points, one window. */
  check_windows (0, 86400, 60, PM_PROMETHEUS_MAX_POINTS, 1);
  /* Exactly the limit, then one point over it. */
  check_windows (0, 10999, 1, PM_PROMETHEUS_MAX_POINTS, 1);
  check_windows (0, 11000, 1, PM_PROMETHEUS_MAX_POINTS, 2);
  /* Seven days at 15 s: 40,321 points, four windows. */
  check_windows (1767225600, 1767225600 + 7 * 86400, 15, PM_PROMETHEUS_MAX_POINTS, 4);
  /* An end between two steps, a single point, an empty range. */
  check_windows (0, 1000, 7, 10, 15);
  check_windows (5, 5, 60, PM_PROMETHEUS_MAX_POINTS, 1);
  check_windows (10, 5, 60, PM_PROMETHEUS_MAX_POINTS, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/prometheus-reply/matrix", test_prometheus_reply_matrix);
  g_test_add_func ("/prometheus-reply/vector", test_prometheus_reply_vector);
  g_test_add_func ("/prometheus-reply/server-error", test_prometheus_reply_server_error);
  g_test_add_func ("/prometheus-reply/malformed", test_prometheus_reply_malformed);
  g_test_add_func ("/prometheus-reply/split-range", test_prometheus_split_range);
  return g_test_run ();
}
