/* pm-api-read.c: the read endpoints over the engine's snapshot. They run on the API thread and
 * read nothing but the snapshot, which is immutable, and the server's fixed settings.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-api-read.h"

#include "pm-api-json.h"
#include "pm-health.h"

static const char *
health_state_to_string (double health)
{
  /* Machine-readable words; the console's wording ("no data") is for people. */
  switch (pm_health_level (health))
    {
    case PM_HEALTH_GOOD:
      return "good";
    case PM_HEALTH_DEGRADED:
      return "degraded";
    case PM_HEALTH_DOWN:
      return "down";
    case PM_HEALTH_NO_DATA:
    default:
      return "no_data";
    }
}

/* The API as a whole: "failed" when the engine runs blind, "degraded" while its data is late. */
static const char *
overall_status (PmSourceState source_state)
{
  switch (source_state)
    {
    case PM_SOURCE_STATE_CONNECTED:
      return "ok";
    case PM_SOURCE_STATE_CONNECTING:
    case PM_SOURCE_STATE_STALE:
      return "degraded";
    case PM_SOURCE_STATE_FAILED:
    default:
      return "failed";
    }
}

static const char *
alert_subject_to_string (PmAlertSubject subject)
{
  return subject == PM_ALERT_SITE ? "site" : "segment";
}

/* Answers 503 and returns FALSE before the engine's first tick, when there is nothing to read. */
static gboolean
check_ready (const PmApiRequest *request)
{
  if (request->snapshot != NULL)
    return TRUE;
  pm_api_json_respond_error (request, SOUP_STATUS_SERVICE_UNAVAILABLE, "not_ready",
                             "The engine has not published its first state yet; retry shortly");
  return FALSE;
}

static void
add_factors (JsonBuilder        *builder,
             const PmRiskFactor *factors,
             guint               n_factors)
{
  json_builder_set_member_name (builder, "factors");
  json_builder_begin_array (builder);
  for (guint i = 0; i < MIN (n_factors, PM_MAX_FACTORS); i++)
    {
      g_autofree char *text = g_strndup (factors[i].text, sizeof factors[i].text);

      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "name", factors[i].name);
      pm_api_json_add_number (builder, "weight", factors[i].weight);
      pm_api_json_add_string (builder, "text", text);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

/* "feeds": [{"location", "kind", "state", "events", "unlocated", "last_success", "error"}] */
static void
add_feeds (JsonBuilder *builder,
           GPtrArray   *feeds)
{
  json_builder_set_member_name (builder, "feeds");
  json_builder_begin_array (builder);
  for (guint i = 0; i < feeds->len; i++)
    {
      const PmFeedStatus *feed = g_ptr_array_index (feeds, i);

      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "location", feed->location);
      pm_api_json_add_string (builder, "kind", feed->has_kind
                                                 ? pm_event_feed_kind_to_string (feed->kind)
                                                 : NULL);
      pm_api_json_add_string (builder, "state", pm_feed_state_to_string (feed->state));
      pm_api_json_add_integer (builder, "events", feed->n_events);
      pm_api_json_add_integer (builder, "unlocated", feed->n_unlocated);
      pm_api_json_add_time (builder, "last_success", MAX (feed->last_success_s, 0));
      pm_api_json_add_string (builder, "error", feed->last_error);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
health_cb (PmApiServer        *server,
           const PmApiRequest *request,
           gpointer            user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  PmSnapshot *snapshot = request->snapshot;

  if (!check_ready (request))
    return;

  builder = pm_api_json_begin (request);
  pm_api_json_add_string (builder, "status", overall_status (snapshot->source_state));
  pm_api_json_add_string (builder, "version", PACKAGE_VERSION);
  json_builder_set_member_name (builder, "source");
  json_builder_begin_object (builder);
  pm_api_json_add_string (builder, "state", pm_source_state_to_string (snapshot->source_state));
  pm_api_json_add_string (builder, "description", snapshot->source_description);
  pm_api_json_add_string (builder, "error", snapshot->source_error);
  json_builder_end_object (builder);
  add_feeds (builder, snapshot->feeds);
  pm_api_json_add_string (builder, "catalog",
                          pm_catalog_state_to_string (snapshot->catalog_state));
  pm_api_json_add_string (builder, "dns_zone", pm_api_server_get_dns_zone (server));
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

static void
topology_cb (PmApiServer        *server,
             const PmApiRequest *request,
             gpointer            user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  PmSnapshot *snapshot = request->snapshot;

  if (!check_ready (request))
    return;

  builder = pm_api_json_begin (request);
  pm_api_json_add_string (builder, "name", pm_topology_get_name (snapshot->topology));

  json_builder_set_member_name (builder, "sites");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->n_sites; i++)
    {
      const PmSite *site = pm_topology_get_site (snapshot->topology, i);

      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "id", site->id);
      pm_api_json_add_string (builder, "name", site->name);
      pm_api_json_add_string (builder, "role", pm_site_role_to_string (site->role));
      pm_api_json_add_string (builder, "region", site->region);
      pm_api_json_add_number (builder, "lat", site->location.lat);
      pm_api_json_add_number (builder, "lon", site->location.lon);
      pm_api_json_add_string (builder, "address", site->address);
      pm_api_json_add_string (builder, "address6", site->address6);
      pm_api_json_add_number (builder, "isolation", snapshot->sites[i].isolation);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "segments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (snapshot->topology, i);
      const PmSegmentState *state = &snapshot->segments[i];
      const PmSite *a = pm_topology_get_site (snapshot->topology, segment->a);
      const PmSite *b = pm_topology_get_site (snapshot->topology, segment->b);

      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "id", segment->id);
      pm_api_json_add_string (builder, "a", a->id);
      pm_api_json_add_string (builder, "b", b->id);
      pm_api_json_add_string (builder, "circuit_id", segment->circuit_id);
      pm_api_json_add_number (builder, "length_km", segment->length_km);
      pm_api_json_add_number (builder, "bandwidth_bps", segment->bandwidth_bps);
      pm_api_json_add_time (builder, "sample_time", state->sample_time);
      pm_api_json_add_float (builder, "latency_ms", state->sample.latency_ms);
      pm_api_json_add_float (builder, "jitter_ms", state->sample.jitter_ms);
      pm_api_json_add_float (builder, "loss_ratio", state->sample.loss_ratio);
      pm_api_json_add_number (builder, "health", state->health);
      pm_api_json_add_string (builder, "state", health_state_to_string (state->health));
      pm_api_json_add_number (builder, "risk", state->risk);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

static void
risk_cb (PmApiServer        *server,
         const PmApiRequest *request,
         gpointer            user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  PmSnapshot *snapshot = request->snapshot;

  if (!check_ready (request))
    return;

  builder = pm_api_json_begin (request);
  json_builder_set_member_name (builder, "horizon_s");
  json_builder_add_int_value (builder, snapshot->horizon_s);

  json_builder_set_member_name (builder, "segments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->n_segments; i++)
    {
      const PmSegmentState *state = &snapshot->segments[i];

      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "id",
                              pm_topology_get_segment (snapshot->topology, i)->id);
      pm_api_json_add_number (builder, "risk", state->risk);
      pm_api_json_add_time (builder, "eta", state->eta_s);
      add_factors (builder, state->factors, state->n_factors);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "sites");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->n_sites; i++)
    {
      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "id", pm_topology_get_site (snapshot->topology, i)->id);
      pm_api_json_add_number (builder, "isolation", snapshot->sites[i].isolation);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

static const char *
alert_target (PmSnapshot    *snapshot,
              const PmAlert *alert)
{
  if (alert->subject == PM_ALERT_SITE)
    return alert->index < snapshot->n_sites
             ? pm_topology_get_site (snapshot->topology, alert->index)->id
             : NULL;
  return alert->index < snapshot->n_segments
           ? pm_topology_get_segment (snapshot->topology, alert->index)->id
           : NULL;
}

static void
alerts_cb (PmApiServer        *server,
           const PmApiRequest *request,
           gpointer            user_data)
{
  g_autoptr(JsonBuilder) builder = NULL;
  PmSnapshot *snapshot = request->snapshot;

  if (!check_ready (request))
    return;

  builder = pm_api_json_begin (request);
  json_builder_set_member_name (builder, "alerts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < snapshot->alerts->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (snapshot->alerts, i);

      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "id", alert->id);
      pm_api_json_add_string (builder, "subject", alert_subject_to_string (alert->subject));
      pm_api_json_add_string (builder, "target", alert_target (snapshot, alert));
      pm_api_json_add_string (builder, "state", pm_alert_state_to_string (alert->state));
      pm_api_json_add_number (builder, "probability", alert->probability);
      pm_api_json_add_time (builder, "eta", alert->eta_s);
      pm_api_json_add_time (builder, "pending_since", alert->pending_since);
      pm_api_json_add_time (builder, "fired_at", alert->fired_at);
      pm_api_json_add_time (builder, "resolved_at", alert->resolved_at);
      json_builder_set_member_name (builder, "acknowledged");
      json_builder_add_boolean_value (builder, alert->acknowledged);
      pm_api_json_add_string (builder, "acknowledged_by", alert->acknowledged_by);
      pm_api_json_add_time (builder, "silenced_until", alert->silenced_until);
      pm_api_json_add_string (builder, "silence_reason", alert->silence_reason);
      add_factors (builder, alert->factors, alert->n_factors);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

void
pm_api_read_register (PmApiServer *server)
{
  pm_api_server_add_handler (server, "GET", "/v1/health", health_cb, NULL, NULL);
  pm_api_server_add_handler (server, "GET", "/v1/topology", topology_cb, NULL, NULL);
  pm_api_server_add_handler (server, "GET", "/v1/risk", risk_cb, NULL, NULL);
  pm_api_server_add_handler (server, "GET", "/v1/alerts", alerts_cb, NULL, NULL);
}
