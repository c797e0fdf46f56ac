/* pm-api-route.c: GET /v1/route and GET /r/{resource}.
 *
 * Every parameter is checked before anything is decided: a client that sends a typo gets a 400
 * naming it, never a route computed from a default it did not ask for.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-api-route.h"

#include <math.h>
#include <string.h>

#include "pm-api-json.h"

typedef struct
{
  PmRouting       *routing;
  PmClientLocator *locator;
} RouteContext;

typedef enum
{
  LOCATED_BY_SITE,
  LOCATED_BY_LOCATION,
  LOCATED_BY_ADDRESS,
  LOCATED_BY_DEFAULT,  /* an address in no prefix of the client map: routed as from the origin */
} LocatedBy;

static const char *const located_by_names[] = { "site", "location", "address", "default" };

/* Where the client is, and how that was found out. */
typedef struct
{
  guint     site;
  LocatedBy located_by;
  guint     prefix_length;  /* LOCATED_BY_ADDRESS */
  char     *address;        /* LOCATED_BY_ADDRESS and _DEFAULT */
} Client;

char *
pm_api_route_replica_url (const PmSite     *site,
                          const PmResource *resource,
                          const char       *base_url)
{
  g_autofree char *name = g_uri_escape_string (resource->id, NULL, FALSE);
  g_autofree char *folder = NULL;

  if (site->public_url != NULL)
    return g_strconcat (site->public_url, g_str_has_suffix (site->public_url, "/") ? "" : "/",
                        name, NULL);
  folder = g_uri_escape_string (site->id, NULL, FALSE);
  return g_strconcat (base_url, "/edges/", folder, "/", name, NULL);
}

/* The base of the URLs handed to clients: the host they reached us by, so that a redirect
 * works behind whatever name or address they used; the listener's own URL when the Host
 * header is missing or is not a plain host[:port]. */
static char *
base_url (PmApiServer        *server,
          const PmApiRequest *request)
{
  const char *url = pm_api_server_get_url (server);
  const char *host = soup_message_headers_get_one (
    soup_server_message_get_request_headers (request->message), "Host");
  const char *scheme_end = strstr (url, "://");

  if (host == NULL || *host == '\0' || strlen (host) > 255 || scheme_end == NULL)
    return g_strdup (url);
  for (const char *p = host; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-.:[]", *p) == NULL)
      return g_strdup (url);
  return g_strdup_printf ("%.*s://%s", (int) (scheme_end - url), url, host);
}

/* A finite number, the whole text, within [min, max]. */
static gboolean
parse_coordinate (const char *text,
                  double      min,
                  double      max,
                  double     *value)
{
  char *end = NULL;

  if (text == NULL || *text == '\0' || g_ascii_isspace (*text))
    return FALSE;
  *value = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*value) && *value >= min && *value <= max;
}

/* The client of an address: its prefix's site, or the origin's when it is in none. */
static void
locate_address (RouteContext     *context,
                GInetAddress     *address,
                const PmResource *resource,
                Client           *client)
{
  int site = -1;

  client->address = g_inet_address_to_string (address);
  if (context->locator != NULL)
    site = pm_client_locator_lookup (context->locator, address, &client->prefix_length);
  if (site >= 0)
    {
      client->site = (guint) site;
      client->located_by = LOCATED_BY_ADDRESS;
    }
  else
    {
      client->site = resource->origin;
      client->located_by = LOCATED_BY_DEFAULT;
      client->prefix_length = 0;
    }
}

static const char *const route_parameters[] = { "resource", "lat", "lon", "site", "client",
                                                "assume" };

/* assume=predicted asks where the client would be sent if the predicted partitions happen; no
 * other value means anything, and none is taken for a default. Answers the error itself and
 * returns FALSE. */
static gboolean
parse_assume (const PmApiRequest *request,
              PmRouteFlags       *flags)
{
  const char *assume = g_hash_table_lookup (request->query, "assume");

  *flags = PM_ROUTE_FLAGS_NONE;
  if (assume == NULL)
    return TRUE;
  if (!g_str_equal (assume, "predicted"))
    {
      pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                                 "assume must be “predicted” (route as if the predicted "
                                 "partitions happen); got “%s”", assume);
      return FALSE;
    }
  *flags = PM_ROUTE_FLAG_ASSUME_PREDICTED;
  return TRUE;
}

/* Finds the client of a /v1/route request; answers the error itself and returns FALSE. */
static gboolean
locate_client (RouteContext       *context,
               const PmApiRequest *request,
               const PmResource   *resource,
               Client             *client)
{
  PmTopology *topology = pm_routing_get_topology (context->routing);
  const char *lat_text = g_hash_table_lookup (request->query, "lat");
  const char *lon_text = g_hash_table_lookup (request->query, "lon");
  const char *site_id = g_hash_table_lookup (request->query, "site");
  const char *address_text = g_hash_table_lookup (request->query, "client");
  guint n_ways = (lat_text != NULL || lon_text != NULL) + (site_id != NULL) +
                 (address_text != NULL);

  if (n_ways != 1)
    {
      pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_client",
                                 "Give the client as exactly one of lat and lon, site, or "
                                 "client (an IP address)");
      return FALSE;
    }
  if (site_id != NULL)
    {
      int site = pm_topology_lookup_site (topology, site_id);

      if (site < 0)
        {
          pm_api_json_respond_error (request, SOUP_STATUS_NOT_FOUND, "unknown_site",
                                     "No site “%s” in the topology", site_id);
          return FALSE;
        }
      client->site = (guint) site;
      client->located_by = LOCATED_BY_SITE;
      return TRUE;
    }
  if (address_text != NULL)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (address_text);

      if (address == NULL)
        {
          pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                                     "client “%s” is not an IPv4 or IPv6 address", address_text);
          return FALSE;
        }
      locate_address (context, address, resource, client);
      return TRUE;
    }
  {
    double lat, lon;
    int site;

    if (lat_text == NULL || lon_text == NULL)
      {
        pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                                   "A location needs both lat and lon");
        return FALSE;
      }
    if (!parse_coordinate (lat_text, -90, 90, &lat) || !parse_coordinate (lon_text, -180, 180, &lon))
      {
        pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                                   "lat must be a number in [-90, 90] and lon in [-180, 180]; "
                                   "got lat=%s lon=%s", lat_text, lon_text);
        return FALSE;
      }
    site = context->locator != NULL ? pm_client_locator_nearest (context->locator, lat, lon) : -1;
    if (site < 0)
      {
        pm_api_json_respond_error (request, SOUP_STATUS_SERVICE_UNAVAILABLE, "no_locator",
                                   "Locations cannot be mapped to sites by this server");
        return FALSE;
      }
    client->site = (guint) site;
    client->located_by = LOCATED_BY_LOCATION;
    return TRUE;
  }
}

/* The resource named by text; answers 404 itself when there is none. */
static const PmResource *
find_resource (RouteContext       *context,
               const PmApiRequest *request,
               const char         *id,
               guint              *index_out)
{
  PmResources *resources = pm_routing_get_resources (context->routing);
  int index = id != NULL ? pm_resources_lookup_resource (resources, id) : -1;

  if (id == NULL)
    pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "missing_parameter",
                               "resource is required");
  else if (index < 0)
    pm_api_json_respond_error (request, SOUP_STATUS_NOT_FOUND, "unknown_resource",
                               "No resource “%s”", id);
  if (index < 0)
    return NULL;
  *index_out = (guint) index;
  return pm_resources_get_resource (resources, index);
}

/* Decides; answers 503 itself when the tables are not built yet. */
static PmRouteAnswer *
decide (RouteContext       *context,
        const PmApiRequest *request,
        const Client       *client,
        guint               resource,
        PmRouteFlags        flags)
{
  PmRouteAnswer *answer = pm_routing_route_full (context->routing, client->site, resource,
                                                 flags);

  if (answer == NULL)
    pm_api_json_respond_error (request, SOUP_STATUS_SERVICE_UNAVAILABLE, "not_ready",
                               "The routing tables are not built yet");
  return answer;
}

static void
add_client (JsonBuilder  *builder,
            PmTopology   *topology,
            const Client *client)
{
  json_builder_set_member_name (builder, "client");
  json_builder_begin_object (builder);
  pm_api_json_add_string (builder, "site", pm_topology_get_site (topology, client->site)->id);
  pm_api_json_add_string (builder, "located_by", located_by_names[client->located_by]);
  if (client->address != NULL)
    {
      pm_api_json_add_string (builder, "address", client->address);
      pm_api_json_add_integer (builder, "prefix_length", client->prefix_length);
    }
  json_builder_end_object (builder);
}

static void
add_answer (JsonBuilder         *builder,
            PmTopology          *topology,
            const PmResource    *resource,
            const PmRouteAnswer *answer,
            const char          *base)
{
  g_autofree char *url = NULL;

  if (answer->site >= 0)
    url = pm_api_route_replica_url (pm_topology_get_site (topology, (guint) answer->site),
                                    resource, base);
  pm_api_json_add_string (builder, "site", answer->site >= 0
                                             ? pm_topology_get_site (topology,
                                                                     (guint) answer->site)->id
                                             : NULL);
  pm_api_json_add_string (builder, "url", url);
  pm_api_json_add_float (builder, "latency_ms", (float) answer->latency_ms);
  pm_api_json_add_time (builder, "decided_at", answer->table_time_s);

  json_builder_set_member_name (builder, "reasons");
  json_builder_begin_array (builder);
  for (guint i = 0; i < answer->reasons->len; i++)
    json_builder_add_string_value (builder, g_ptr_array_index (answer->reasons, i));
  json_builder_end_array (builder);

  json_builder_set_member_name (builder, "alternatives");
  json_builder_begin_array (builder);
  for (guint i = 0; i < answer->candidates->len; i++)
    {
      const PmRouteCandidate *c = &g_array_index (answer->candidates, PmRouteCandidate, i);
      const PmSite *site = pm_topology_get_site (topology, c->site);
      g_autofree char *site_url = pm_api_route_replica_url (site, resource, base);

      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "site", site->id);
      pm_api_json_add_string (builder, "url", site_url);
      pm_api_json_add_float (builder, "latency_ms", (float) c->latency_ms);
      pm_api_json_add_number (builder, "p_cut", c->p_cut);
      pm_api_json_add_string (builder, "verdict", pm_route_verdict_to_string (c->verdict));
      json_builder_set_member_name (builder, "eligible");
      json_builder_add_boolean_value (builder, !c->excluded);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);

  if (!answer->assumed_predicted)
    return;
  pm_api_json_add_string (builder, "assume", "predicted");
  json_builder_set_member_name (builder, "assumed_down");
  json_builder_begin_array (builder);
  for (guint i = 0; i < answer->assumptions->len; i++)
    {
      const PmRouteAssumption *a = &g_array_index (answer->assumptions, PmRouteAssumption, i);
      const PmSegment *segment = pm_topology_get_segment (topology, a->segment);

      json_builder_begin_object (builder);
      pm_api_json_add_string (builder, "segment", segment->id);
      pm_api_json_add_string (builder, "a", pm_topology_get_site (topology, segment->a)->id);
      pm_api_json_add_string (builder, "b", pm_topology_get_site (topology, segment->b)->id);
      pm_api_json_add_number (builder, "risk", a->risk);
      pm_api_json_add_time (builder, "eta", a->eta_s);
      json_builder_set_member_name (builder, "down_now");
      json_builder_add_boolean_value (builder, a->down_now);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
}

static void
respond_no_route (const PmApiRequest  *request,
                  JsonBuilder         *builder,
                  const PmRouteAnswer *answer)
{
  pm_api_json_add_error (builder, "no_route",
                         answer->reasons->len > 0 ? g_ptr_array_index (answer->reasons, 0)
                                                  : "No replica can serve");
  pm_api_json_respond (request, SOUP_STATUS_SERVICE_UNAVAILABLE, builder);
}

static gboolean
refuse_unknown_parameters (const PmApiRequest *request,
                           const char *const  *known,
                           guint               n_known)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, request->query);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      gboolean found = FALSE;

      for (guint i = 0; i < n_known && !found; i++)
        found = g_str_equal (key, known[i]);
      if (!found)
        {
          pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "unknown_parameter",
                                     "Unknown parameter “%s”", (const char *) key);
          return TRUE;
        }
    }
  return FALSE;
}

/* Decides for the located client and answers: the decision as JSON, with 200 or, with redirect,
 * 307 to the chosen replica; 503 with the reasons when nothing can serve. */
static void
respond_route (PmApiServer        *server,
               const PmApiRequest *request,
               RouteContext       *context,
               guint               index,
               const Client       *client,
               PmRouteFlags        flags,
               gboolean            redirect)
{
  PmTopology *topology = pm_routing_get_topology (context->routing);
  PmResources *resources = pm_routing_get_resources (context->routing);
  const PmResource *resource = pm_resources_get_resource (resources, index);
  g_autoptr(PmRouteAnswer) answer = decide (context, request, client, index, flags);
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;

  if (answer == NULL)
    return;
  base = base_url (server, request);
  builder = pm_api_json_begin (request);
  pm_api_json_add_string (builder, "resource", resource->id);
  add_client (builder, topology, client);
  add_answer (builder, topology, resource, answer, base);
  /* A what-if without a route is an answer to the question asked, not a failure to serve: 200
   * with "site": null. */
  if (answer->site < 0 && !answer->assumed_predicted)
    {
      respond_no_route (request, builder, answer);
      return;
    }
  if (!redirect)
    {
      pm_api_json_respond (request, SOUP_STATUS_OK, builder);
      return;
    }
  url = pm_api_route_replica_url (pm_topology_get_site (topology, (guint) answer->site),
                                  resource, base);
  soup_message_headers_replace (soup_server_message_get_response_headers (request->message),
                                "Location", url);
  pm_api_json_respond (request, SOUP_STATUS_TEMPORARY_REDIRECT, builder);
}

static void
route_cb (PmApiServer        *server,
          const PmApiRequest *request,
          gpointer            user_data)
{
  RouteContext *context = user_data;
  Client client = { 0 };
  const PmResource *resource;
  PmRouteFlags flags;
  guint index;

  if (refuse_unknown_parameters (request, route_parameters, G_N_ELEMENTS (route_parameters)))
    return;
  if (!parse_assume (request, &flags))
    return;
  resource = find_resource (context, request, g_hash_table_lookup (request->query, "resource"),
                            &index);
  if (resource != NULL && locate_client (context, request, resource, &client))
    respond_route (server, request, context, index, &client, flags, FALSE);
  g_free (client.address);
}

/* The client is the peer: whoever follows the redirect. */
static void
redirect_cb (PmApiServer        *server,
             const PmApiRequest *request,
             gpointer            user_data)
{
  RouteContext *context = user_data;
  GInetSocketAddress *peer = G_INET_SOCKET_ADDRESS (
    soup_server_message_get_remote_address (request->message));
  Client client = { 0 };
  const PmResource *resource;
  guint index;

  if (refuse_unknown_parameters (request, NULL, 0))
    return;
  resource = find_resource (context, request, g_hash_table_lookup (request->params, "resource"),
                            &index);
  if (resource == NULL)
    return;
  locate_address (context, g_inet_socket_address_get_address (peer), resource, &client);
  respond_route (server, request, context, index, &client, PM_ROUTE_FLAGS_NONE, TRUE);
  g_free (client.address);
}

void
pm_api_route_register (PmApiServer     *server,
                       PmRouting       *routing,
                       PmClientLocator *locator)
{
  RouteContext *context;

  g_return_if_fail (PM_IS_API_SERVER (server));
  g_return_if_fail (routing != NULL);

  context = g_new0 (RouteContext, 1);
  context->routing = routing;
  context->locator = locator;
  pm_api_server_add_handler (server, "GET", "/v1/route", route_cb, context, g_free);
  pm_api_server_add_handler (server, "GET", "/r/{resource}", redirect_cb, context, NULL);
}
