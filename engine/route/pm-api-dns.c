/* pm-api-dns.c: POST /dns, the PowerDNS remote backend over HTTP with post_json.
 *
 * pdns posts {"method", "parameters"} to the configured URL as it is (no method in the path),
 * with the content type text/javascript, and reads {"result": …} back; {"result": false} means
 * "nothing here" (or "not implemented", for methods it may do without). It never asks for a
 * qtype but SOA (while finding the zone of a name) and ANY (for the answer itself: it filters
 * the records by type), so a lookup answers every type it has for the name. Names come with a
 * trailing dot and in the case the client wrote them: they are matched case-insensitively and
 * echoed as received.
 *
 * The client is placed by "real-remote": the EDNS client subnet when the query carried one
 * (pdns needs edns-subnet-processing=yes), else the resolver's address as a /32 or /128. The
 * record's scopeMask tells pdns (and through ECS the resolver) how wide a subnet the answer
 * holds for: the length of the client-map prefix that placed the client. An address in no
 * prefix is routed as from the resource's origin, and that answer is scoped to the subnet the
 * query announced, since the next subnet over may well be in the map.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-api-dns.h"

#include <string.h>

#include "pm-api-json.h"
#include "pm-json-private.h"

/* The SOA's timers matter only to secondaries, which this zone cannot have (its answers depend
 * on the client): customary values. */
#define SOA_REFRESH_S 3600
#define SOA_RETRY_S   600
#define SOA_EXPIRE_S  86400

typedef struct
{
  PmRouting       *routing;
  PmClientLocator *locator;
  PmResources     *resources;
  GHashTable      *labels;   /* lowercase label → resource index + 1 */
  guint            n_sites;
  char           **address;  /* per site: IPv4 text, NULL when the site has none usable */
  char           **address6; /* per site: IPv6 text, likewise */
} DnsBackend;

typedef enum
{
  NAME_OUTSIDE,  /* not in the zone, or deeper than one label below the apex */
  NAME_APEX,
  NAME_CHILD,    /* "<label>.<zone>" */
} NamePlace;

static void
dns_backend_free (gpointer data)
{
  DnsBackend *self = data;

  g_hash_table_unref (self->labels);
  for (guint i = 0; i < self->n_sites; i++)
    {
      g_free (self->address[i]);
      g_free (self->address6[i]);
    }
  g_free (self->address);
  g_free (self->address6);
  g_free (self);
}

/* The site's address of that family in canonical text, or NULL (with a warning naming the site
 * when the text is not such an address: pdns would refuse the record, failing the query). */
static char *
site_address (const PmSite  *site,
              const char    *field,
              const char    *text,
              GSocketFamily  family)
{
  g_autoptr(GInetAddress) address = NULL;

  if (text == NULL || *text == '\0')
    return NULL;
  address = g_inet_address_new_from_string (text);
  if (address == NULL || g_inet_address_get_family (address) != family)
    {
      g_warning ("DNS: site %s: %s “%s” is not an %s address; DNS answers skip the site for it",
                 site->id, field, text, family == G_SOCKET_FAMILY_IPV4 ? "IPv4" : "IPv6");
      return NULL;
    }
  return g_inet_address_to_string (address);
}

/* Resources are indexed by their id as a DNS label, in lower case since DNS ignores case. An id
 * that is no label, or that differs from another only in case, cannot be named: it is left
 * out, and said so once. */
static void
index_resources (DnsBackend *self)
{
  guint n = pm_resources_get_n_resources (self->resources);
  g_autoptr(GHashTable) ambiguous = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint r = 0; r < n; r++)
    {
      const PmResource *resource = pm_resources_get_resource (self->resources, r);
      g_autofree char *label = NULL;

      if (!pm_api_dns_is_label (resource->id))
        {
          g_message ("DNS: resource “%s” is not served: its id is not a DNS label (1 to 63 "
                     "letters, digits and hyphens)", resource->id);
          continue;
        }
      label = g_ascii_strdown (resource->id, -1);
      if (g_hash_table_contains (self->labels, label) || g_hash_table_contains (ambiguous, label))
        {
          g_message ("DNS: resource “%s” is not served: another resource's id differs from it "
                     "only in case, which DNS ignores", resource->id);
          g_hash_table_remove (self->labels, label);
          g_hash_table_add (ambiguous, g_steal_pointer (&label));
          continue;
        }
      g_hash_table_insert (self->labels, g_steal_pointer (&label), GUINT_TO_POINTER (r + 1));
    }
}

static gsize
strip_dot (const char *name)
{
  gsize length = strlen (name);

  return length > 0 && name[length - 1] == '.' ? length - 1 : length;
}

/* Where qname lies relative to the zone; for NAME_CHILD, label gets the first label. Both may
 * come with or without the trailing dot. */
static NamePlace
place_name (const char *qname,
            const char *zone,
            char      **label)
{
  gsize q = strip_dot (qname), z = strip_dot (zone);
  gsize prefix;

  if (z == 0)
    {
      prefix = q;  /* the root zone: everything is below */
      if (q == 0)
        return NAME_APEX;
    }
  else
    {
      if (q < z || g_ascii_strncasecmp (qname + q - z, zone, z) != 0)
        return NAME_OUTSIDE;
      if (q == z)
        return NAME_APEX;
      if (qname[q - z - 1] != '.')
        return NAME_OUTSIDE;
      prefix = q - z - 1;
    }
  if (prefix == 0 || memchr (qname, '.', prefix) != NULL)
    return NAME_OUTSIDE;
  *label = g_ascii_strdown (qname, (gssize) prefix);
  return NAME_CHILD;
}

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* "ADDR/N" (or a bare address) as pdns writes real-remote; an IPv6 address may carry a
 * "%interface" suffix on some networks. source_length gets N (the whole address without it). */
static GInetAddress *
parse_subnet (const char *text,
              guint      *source_length)
{
  g_autofree char *copy = NULL;
  GInetAddress *address;
  char *slash, *percent;
  guint64 length;

  if (text == NULL)
    return NULL;
  copy = g_strdup (text);
  slash = strchr (copy, '/');
  if (slash != NULL)
    *slash = '\0';
  percent = strchr (copy, '%');
  if (percent != NULL)
    *percent = '\0';
  address = g_inet_address_new_from_string (copy);
  if (address == NULL)
    return NULL;
  *source_length = g_inet_address_get_native_size (address) * 8;
  if (slash != NULL && g_ascii_string_to_unsigned (slash + 1, 10, 0, *source_length, &length,
                                                   NULL))
    *source_length = (guint) length;
  return address;
}

/* The client's site for this resource, and the subnet width the answer holds for. */
static guint
locate_client (DnsBackend       *self,
               JsonObject       *parameters,
               const PmResource *resource,
               guint            *scope)
{
  const char *remote = get_string (parameters, "real-remote");
  g_autoptr(GInetAddress) address = NULL;
  guint source_length = 0, prefix_length = 0;
  int site;

  *scope = 0;
  if (remote == NULL)
    remote = get_string (parameters, "remote");
  address = parse_subnet (remote, &source_length);
  /* Without a map every client gets the same answer: it holds for the whole address space. */
  if (self->locator == NULL || address == NULL)
    return resource->origin;
  /* The scope keeps more specific prefixes of other sites out of the block the resolver caches
   * the answer for. */
  site = pm_client_locator_lookup_scope (self->locator, address, &prefix_length, scope);
  return site >= 0 ? (guint) site : resource->origin;
}

/* The first candidate, in the routing's order of preference, that is not excluded and has an
 * address in addresses; -1 when none. Before the routing's first update, the origin. */
static int
pick_site (const PmRouteAnswer *answer,
           guint                origin,
           char *const         *addresses)
{
  if (answer == NULL)
    return addresses[origin] != NULL ? (int) origin : -1;
  for (guint i = 0; i < answer->candidates->len; i++)
    {
      const PmRouteCandidate *candidate = &g_array_index (answer->candidates, PmRouteCandidate, i);

      if (!candidate->excluded && addresses[candidate->site] != NULL)
        return (int) candidate->site;
    }
  return -1;
}

static void
add_record (JsonBuilder *builder,
            const char  *qname,
            const char  *qtype,
            const char  *content,
            guint        scope)
{
  json_builder_begin_object (builder);
  pm_api_json_add_string (builder, "qtype", qtype);
  pm_api_json_add_string (builder, "qname", qname);
  pm_api_json_add_string (builder, "content", content);
  pm_api_json_add_integer (builder, "ttl", PM_API_DNS_TTL);
  pm_api_json_add_integer (builder, "scopeMask", scope);
  json_builder_end_object (builder);
}

/* "ns.<zone>" and friends, for a zone written with or without its trailing dot. */
static char *
zone_child (const char *label,
            const char *zone)
{
  gsize z = strip_dot (zone);

  return z == 0 ? g_strconcat (label, ".", NULL)
                : g_strdup_printf ("%s.%.*s.", label, (int) z, zone);
}

/* The serial follows the routing tables (their engine time), so that it changes when answers
 * may have; 1 before the first tables. */
static char *
soa_content (DnsBackend *self,
             const char *zone)
{
  g_autofree char *primary = zone_child ("ns", zone);
  g_autofree char *mailbox = zone_child ("hostmaster", zone);
  PmRoutingStats stats;
  guint32 serial;

  pm_routing_get_stats (self->routing, &stats);
  serial = stats.table_time_s > 0 ? (guint32) MIN (stats.table_time_s, (gint64) G_MAXUINT32) : 1;
  return g_strdup_printf ("%s %s %u %d %d %d %d", primary, mailbox, serial, SOA_REFRESH_S,
                          SOA_RETRY_S, SOA_EXPIRE_S, PM_API_DNS_TTL);
}

/* Adds the lookup's records to the open array; returns how many. */
static guint
lookup (DnsBackend  *self,
        const char  *zone,
        JsonObject  *parameters,
        JsonBuilder *builder)
{
  const char *qtype = get_string (parameters, "qtype");
  const char *qname = get_string (parameters, "qname");
  g_autofree char *label = NULL;
  g_autoptr(PmRouteAnswer) answer = NULL;
  gboolean any, want_a, want_aaaa;
  const PmResource *resource;
  gpointer value;
  guint n = 0, scope, client;
  int a_site = -1, aaaa_site = -1;

  if (qtype == NULL || qname == NULL)
    return 0;
  any = g_ascii_strcasecmp (qtype, "ANY") == 0;

  switch (place_name (qname, zone, &label))
    {
    case NAME_APEX:
      if (any || g_ascii_strcasecmp (qtype, "SOA") == 0)
        {
          g_autofree char *content = soa_content (self, zone);

          add_record (builder, qname, "SOA", content, 0);
          n++;
        }
      return n;
    case NAME_CHILD:
      break;
    case NAME_OUTSIDE:
    default:
      return 0;
    }

  want_a = any || g_ascii_strcasecmp (qtype, "A") == 0;
  want_aaaa = any || g_ascii_strcasecmp (qtype, "AAAA") == 0;
  if (!(want_a || want_aaaa) || !g_hash_table_lookup_extended (self->labels, label, NULL, &value))
    return 0;
  resource = pm_resources_get_resource (self->resources, GPOINTER_TO_UINT (value) - 1);
  client = locate_client (self, parameters, resource, &scope);
  answer = pm_routing_route (self->routing, client, GPOINTER_TO_UINT (value) - 1);
  /* Each family on its own: the best site with an IPv6 address may not be the best site. */
  if (want_a)
    a_site = pick_site (answer, resource->origin, self->address);
  if (want_aaaa)
    aaaa_site = pick_site (answer, resource->origin, self->address6);
  if (a_site >= 0)
    {
      add_record (builder, qname, "A", self->address[a_site], scope);
      n++;
    }
  if (aaaa_site >= 0)
    {
      add_record (builder, qname, "AAAA", self->address6[aaaa_site], scope);
      n++;
    }
  return n;
}

static void
respond_false (const PmApiRequest *request)
{
  g_autoptr(JsonBuilder) builder = pm_api_json_begin (request);

  json_builder_set_member_name (builder, "result");
  json_builder_add_boolean_value (builder, FALSE);
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

/* Not a call pdns would make: the API's error, with the protocol's "nothing" besides. */
static void
respond_bad_request (const PmApiRequest *request,
                     const char         *message)
{
  g_autoptr(JsonBuilder) builder = pm_api_json_begin (request);

  g_debug ("POST /dns: %s", message);
  pm_api_json_add_error (builder, "bad_request", message);
  json_builder_set_member_name (builder, "result");
  json_builder_add_boolean_value (builder, FALSE);
  pm_api_json_respond (request, SOUP_STATUS_BAD_REQUEST, builder);
}

static void
dns_cb (PmApiServer        *server,
        const PmApiRequest *request,
        gpointer            user_data)
{
  DnsBackend *self = user_data;
  SoupMessageBody *body = soup_server_message_get_request_body (request->message);
  const char *zone = pm_api_server_get_dns_zone (server);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *label = NULL;
  JsonObject *call, *parameters = NULL;
  JsonNode *root, *node;
  const char *method;

  /* Measured: PowerDNS 4.7 answers three times fewer queries over a kept connection than over
   * one per call, so every call gets a connection of its own. */
  pm_api_server_close_after (server, request);

  if (!_pm_json_parser_load (parser, body->data, body->length, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf ("the body is not JSON: %s", error->message);
      respond_bad_request (request, message);
      return;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || (method = get_string (json_node_get_object (root), "method")) == NULL)
    {
      respond_bad_request (request, "expected a JSON object with a string “method” and an "
                                    "object “parameters”, as the PowerDNS remote backend "
                                    "sends");
      return;
    }
  call = json_node_get_object (root);
  node = json_object_get_member (call, "parameters");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    parameters = json_node_get_object (node);

  builder = pm_api_json_begin (request);
  json_builder_set_member_name (builder, "result");
  if (g_str_equal (method, "lookup"))
    {
      json_builder_begin_array (builder);
      if (lookup (self, zone, parameters, builder) == 0)
        {
          /* Nothing: say so the protocol's way rather than with an empty list. */
          g_clear_object (&builder);
          respond_false (request);
          return;
        }
      json_builder_end_array (builder);
    }
  else if (g_str_equal (method, "initialize"))
    {
      json_builder_add_boolean_value (builder, TRUE);
    }
  else if ((g_str_equal (method, "getAllDomainMetadata")
            || g_str_equal (method, "getDomainMetadata"))
           && get_string (parameters, "name") != NULL
           && place_name (get_string (parameters, "name"), zone, &label) == NAME_APEX)
    {
      /* The zone has no metadata (no DNSSEC, no secondaries): none, rather than "not
       * implemented", which pdns would log each time it asks. */
      if (g_str_equal (method, "getAllDomainMetadata"))
        {
          json_builder_begin_object (builder);
          json_builder_end_object (builder);
        }
      else
        {
          json_builder_begin_array (builder);
          json_builder_end_array (builder);
        }
    }
  else
    {
      g_clear_object (&builder);
      respond_false (request);
      return;
    }
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

gboolean
pm_api_dns_is_label (const char *id)
{
  gsize length;

  if (id == NULL)
    return FALSE;
  length = strlen (id);
  if (length == 0 || length > 63 || id[0] == '-' || id[length - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '-')
      return FALSE;
  return TRUE;
}

void
pm_api_dns_register (PmApiServer     *server,
                     PmRouting       *routing,
                     PmClientLocator *locator)
{
  PmTopology *topology;
  DnsBackend *self;

  g_return_if_fail (PM_IS_API_SERVER (server));
  g_return_if_fail (routing != NULL);

  topology = pm_routing_get_topology (routing);
  self = g_new0 (DnsBackend, 1);
  self->routing = routing;
  self->locator = locator;
  self->resources = pm_routing_get_resources (routing);
  self->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->n_sites = pm_topology_get_n_sites (topology);
  self->address = g_new0 (char *, self->n_sites);
  self->address6 = g_new0 (char *, self->n_sites);
  for (guint s = 0; s < self->n_sites; s++)
    {
      const PmSite *site = pm_topology_get_site (topology, s);

      self->address[s] = site_address (site, "address", site->address, G_SOCKET_FAMILY_IPV4);
      self->address6[s] = site_address (site, "address6", site->address6, G_SOCKET_FAMILY_IPV6);
    }
  index_resources (self);

  pm_api_server_add_handler (server, "POST", "/dns", dns_cb, self, dns_backend_free);
}
