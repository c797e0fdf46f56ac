/* pm-api-metrics.c: GET /metrics in the Prometheus text exposition format 0.0.4, so that an
 * existing Prometheus and Alertmanager can page on predicted partitions.
 *
 * Unknown values are exported as NaN rather than left out: a series that vanishes while the
 * predictor has no data would read as "no risk" to an alert rule, and an absent answer must
 * never look like a safe one.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-api-metrics.h"

#include <math.h>

#include "pm-health.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Shortest text that reads back as the same double; the words Prometheus uses otherwise. */
static void
append_value (GString *out,
              double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (value))
    {
      g_string_append (out, "NaN");
      return;
    }
  if (isinf (value))
    {
      g_string_append (out, value > 0 ? "+Inf" : "-Inf");
      return;
    }
  for (int digits = 15; digits <= 17; digits++)
    {
      g_autofree char *format = g_strdup_printf ("%%.%dg", digits);

      g_ascii_formatd (buffer, sizeof buffer, format, value);
      if (digits == 17 || g_ascii_strtod (buffer, NULL) == value)
        break;
    }
  g_string_append (out, buffer);
}

/* Label values escape backslash, double quote and line feed; text that is not UTF-8 is
 * repaired, as the format requires UTF-8. */
static void
append_label (GString    *out,
              const char *name,
              const char *value)
{
  g_autofree char *valid = g_utf8_make_valid (value != NULL ? value : "", -1);

  if (out->str[out->len - 1] != '{')
    g_string_append_c (out, ',');
  g_string_append_printf (out, "%s=\"", name);
  for (const char *p = valid; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        default:
          g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
begin_family (GString    *out,
              const char *name,
              const char *type,
              const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
append_sample (GString    *out,
               const char *name,
               double      value)
{
  g_string_append_printf (out, "%s ", name);
  append_value (out, value);
  g_string_append_c (out, '\n');
}

/* A sample with labels: begin with "name{", add labels, end with the value. */
static void
begin_sample (GString    *out,
              const char *name)
{
  g_string_append_printf (out, "%s{", name);
}

static void
end_sample (GString *out,
            double   value)
{
  g_string_append (out, "} ");
  append_value (out, value);
  g_string_append_c (out, '\n');
}

static void
append_segment_labels (GString    *out,
                       PmSnapshot *snapshot,
                       guint       index)
{
  const PmSegment *segment = pm_topology_get_segment (snapshot->topology, index);

  append_label (out, "segment", segment->id);
  append_label (out, "a", pm_topology_get_site (snapshot->topology, segment->a)->id);
  append_label (out, "b", pm_topology_get_site (snapshot->topology, segment->b)->id);
}

static void
append_snapshot (GString    *out,
                 PmSnapshot *snapshot)
{
  guint n_firing = 0;

  begin_family (out, "premirror_segment_risk", "gauge",
                "Probability that the segment is cut within the risk horizon. NaN while it is "
                "unknown (no data, or the predictor still learning): absent is not safe.");
  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      begin_sample (out, "premirror_segment_risk");
      append_segment_labels (out, snapshot, i);
      end_sample (out, snapshot->segments[i].risk);
    }

  begin_family (out, "premirror_segment_eta_seconds", "gauge",
                "Expected time of the segment's partition (unix seconds); only segments with "
                "a partition expected.");
  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      if (snapshot->segments[i].eta_s == 0)
        continue;
      begin_sample (out, "premirror_segment_eta_seconds");
      append_segment_labels (out, snapshot, i);
      end_sample (out, (double) snapshot->segments[i].eta_s);
    }

  begin_family (out, "premirror_segment_down", "gauge",
                "1 when the segment's latest samples say it is down, 0 when they say it is up; "
                "NaN without data.");
  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      PmHealthLevel level = pm_health_level (snapshot->segments[i].health);

      begin_sample (out, "premirror_segment_down");
      append_segment_labels (out, snapshot, i);
      end_sample (out, level == PM_HEALTH_NO_DATA ? NAN : level == PM_HEALTH_DOWN ? 1 : 0);
    }

  begin_family (out, "premirror_site_isolation", "gauge",
                "Probability that the site loses every path to the origin within the risk "
                "horizon. NaN while it is unknown: absent is not safe.");
  for (guint i = 0; i < snapshot->n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (snapshot->topology, i);

      begin_sample (out, "premirror_site_isolation");
      append_label (out, "site", site->id);
      append_label (out, "region", site->region);
      end_sample (out, snapshot->sites[i].isolation);
    }

  for (guint i = 0; i < snapshot->alerts->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (snapshot->alerts, i);

      if (alert->state == PM_ALERT_FIRING)
        n_firing++;
    }
  begin_family (out, "premirror_alerts_firing", "gauge",
                "Partition alerts firing now, acknowledged or silenced ones included.");
  append_sample (out, "premirror_alerts_firing", n_firing);

  begin_family (out, "premirror_source_up", "gauge",
                "1 while the metric source delivers (connected), 0 while it connects, is late "
                "or failed.");
  append_sample (out, "premirror_source_up",
                 snapshot->source_state == PM_SOURCE_STATE_CONNECTED ? 1 : 0);

  begin_family (out, "premirror_snapshot_time_seconds", "gauge",
                "Engine time of the state these metrics describe (unix seconds).");
  append_sample (out, "premirror_snapshot_time_seconds", (double) snapshot->time_s);
}

static void
append_routing (GString   *out,
                PmRouting *routing)
{
  PmRoutingStats stats = { 0 };

  pm_routing_get_stats (routing, &stats);

  begin_family (out, "premirror_route_decisions_total", "counter",
                "Routing decisions by outcome: a new choice, the last choice kept, or no route.");
  for (guint i = 0; i < PM_ROUTE_N_OUTCOMES; i++)
    {
      begin_sample (out, "premirror_route_decisions_total");
      append_label (out, "outcome", pm_route_outcome_to_string (i));
      end_sample (out, (double) stats.decisions[i]);
    }

  begin_family (out, "premirror_route_table_refresh_seconds", "gauge",
                "Time the last refresh of the routing tables took.");
  append_sample (out, "premirror_route_table_refresh_seconds", stats.last_refresh_s);
  begin_family (out, "premirror_route_table_refreshes_total", "counter",
                "Refreshes of the routing tables.");
  append_sample (out, "premirror_route_table_refreshes_total", (double) stats.n_refreshes);
  begin_family (out, "premirror_route_table_refresh_seconds_total", "counter",
                "Time spent refreshing the routing tables.");
  append_sample (out, "premirror_route_table_refresh_seconds_total", stats.total_refresh_s);
}

static void
append_http (GString     *out,
             PmApiServer *server)
{
  PmApiHistogram histogram;
  guint64 counts[PM_API_N_STATUS];

  pm_api_server_get_status_counts (server, counts);
  begin_family (out, "premirror_http_requests_total", "counter",
                "API answers by HTTP status code.");
  for (guint i = 0; i < PM_API_N_STATUS; i++)
    {
      char code[8];

      if (counts[i] == 0)
        continue;
      g_snprintf (code, sizeof code, "%u", i + PM_API_MIN_STATUS);
      begin_sample (out, "premirror_http_requests_total");
      append_label (out, "code", code);
      end_sample (out, (double) counts[i]);
    }

  pm_api_server_get_latency_histogram (server, &histogram);
  begin_family (out, "premirror_http_request_duration_seconds", "histogram",
                "Time from routing an API request to its handler's return.");
  for (guint i = 0; i < PM_API_LATENCY_N_BUCKETS; i++)
    {
      char bound[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (bound, sizeof bound, "%g", histogram.bounds[i]);
      begin_sample (out, "premirror_http_request_duration_seconds_bucket");
      append_label (out, "le", bound);
      end_sample (out, (double) histogram.cumulative[i]);
    }
  begin_sample (out, "premirror_http_request_duration_seconds_bucket");
  append_label (out, "le", "+Inf");
  end_sample (out, (double) histogram.count);
  append_sample (out, "premirror_http_request_duration_seconds_sum", histogram.sum_s);
  append_sample (out, "premirror_http_request_duration_seconds_count", (double) histogram.count);
}

static void
metrics_cb (PmApiServer        *server,
            const PmApiRequest *request,
            gpointer            user_data)
{
  PmRouting *routing = user_data;
  GString *out = g_string_sized_new (16 * 1024);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (request->message);
  gsize length;

  /* Before the engine's first tick there is nothing to predict yet: only the counters. */
  if (request->snapshot != NULL)
    append_snapshot (out, request->snapshot);
  if (routing != NULL)
    append_routing (out, routing);
  append_http (out, server);

  length = out->len;
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (request->message, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (request->message, CONTENT_TYPE, SOUP_MEMORY_TAKE,
                                    g_string_free (out, FALSE), length);
}

void
pm_api_metrics_register (PmApiServer *server,
                         PmRouting   *routing)
{
  g_return_if_fail (PM_IS_API_SERVER (server));

  pm_api_server_add_handler (server, "GET", "/metrics", metrics_cb, routing, NULL);
}
