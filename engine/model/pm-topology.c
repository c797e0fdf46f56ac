/* pm-topology.c: loads and validates topology GeoJSON and builds the site graph.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-topology.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "pm-json-private.h"

struct _PmTopology
{
  GObject     parent_instance;

  char       *name;
  char       *attribution;
  GArray     *sites;          /* PmSite */
  GArray     *segments;       /* PmSegment */
  GHashTable *site_index;     /* id → index + 1 */
  GHashTable *segment_index;  /* id → index + 1 */
  GArray    **adjacency;      /* per site: guint segment indices */
  int         origin;
};

G_DEFINE_TYPE (PmTopology, pm_topology, G_TYPE_OBJECT)

G_DEFINE_QUARK (pm-topology-error-quark, pm_topology_error)

static void
site_clear (gpointer data)
{
  PmSite *site = data;

  g_free (site->id);
  g_free (site->name);
  g_free (site->region);
  g_free (site->storage);
  g_free (site->public_url);
  g_free (site->address);
  g_free (site->address6);
}

static void
segment_clear (gpointer data)
{
  PmSegment *segment = data;

  g_free (segment->id);
  g_free (segment->circuit_id);
  g_free (segment->probe);
}

static gboolean
optional_number (JsonObject        *props,
                 const char        *field,
                 double            *out,
                 double             fallback,
                 const PmJsonPlace *at,
                 GError           **error)
{
  JsonNode *node = json_object_get_member (props, field);

  *out = fallback;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!_pm_json_node_is_number (node))
    return _pm_json_fail (error, at, field, "expected a number");
  *out = json_node_get_double (node);
  if (!isfinite (*out) || *out < 0)
    return _pm_json_fail (error, at, field, "expected a non-negative number");
  return TRUE;
}

static gboolean
read_position (JsonNode          *node,
               PmLatLon          *out,
               const PmJsonPlace *at,
               GError           **error)
{
  JsonArray *pair;
  double values[2];

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (pair = json_node_get_array (node)) < 2)
    return _pm_json_fail (error, at, "geometry.coordinates",
                          "expected a [longitude, latitude] position");
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *v = json_array_get_element (pair, i);
      if (!_pm_json_node_is_number (v))
        return _pm_json_fail (error, at, "geometry.coordinates",
                              "expected numbers in the position");
      values[i] = json_node_get_double (v);
    }
  if (!(values[0] >= -180 && values[0] <= 180) || !(values[1] >= -90 && values[1] <= 90))
    return _pm_json_fail (error, at, "geometry.coordinates",
                          "position [%g, %g] out of range (longitude −180…180, latitude −90…90)",
                          values[0], values[1]);
  out->lon = values[0];
  out->lat = values[1];
  return TRUE;
}

static gboolean
parse_role (const char *text,
            PmSiteRole *role)
{
  static const char *names[] = { "origin", "core", "edge" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (text, names[i]) == 0)
      {
        *role = (PmSiteRole) i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
load_site (PmTopology        *self,
           JsonObject        *props,
           JsonObject        *geometry,
           const PmJsonPlace *at,
           GError           **error)
{
  PmSite site = { 0 };
  g_autofree char *role = NULL;
  double capacity;

  if (!read_position (json_object_get_member (geometry, "coordinates"), &site.location, at, error))
    return FALSE;
  if (!_pm_json_required_string (props, "id", &site.id, at, error))
    goto failed;
  if (g_hash_table_contains (self->site_index, site.id))
    {
      _pm_json_fail (error, at, "id", "duplicate site id “%s”", site.id);
      goto failed;
    }
  if (!_pm_json_optional_string (props, "name", &site.name, at, error)
      || !_pm_json_optional_string (props, "role", &role, at, error)
      || !_pm_json_optional_string (props, "region", &site.region, at, error)
      || !_pm_json_optional_string (props, "storage", &site.storage, at, error)
      || !_pm_json_optional_string (props, "public_url", &site.public_url, at, error)
      || !_pm_json_optional_string (props, "address", &site.address, at, error)
      || !_pm_json_optional_string (props, "address6", &site.address6, at, error)
      || !optional_number (props, "capacity_bytes", &capacity, 0, at, error))
    goto failed;
  site.role = PM_SITE_ROLE_EDGE;
  if (role != NULL && !parse_role (role, &site.role))
    {
      _pm_json_fail (error, at, "role", "“%s” is not one of origin, core, edge", role);
      goto failed;
    }
  if (site.name == NULL)
    site.name = g_strdup (site.id);
  if (site.region == NULL)
    site.region = g_strdup (site.id);
  site.capacity_bytes = (guint64) capacity;

  g_array_append_val (self->sites, site);
  g_hash_table_insert (self->site_index, g_strdup (site.id),
                       GUINT_TO_POINTER (self->sites->len));
  return TRUE;

failed:
  site_clear (&site);
  return FALSE;
}

static gboolean
resolve_endpoint (PmTopology        *self,
                  JsonObject        *props,
                  const char        *field,
                  guint             *out,
                  const PmJsonPlace *at,
                  GError           **error)
{
  g_autofree char *id = NULL;
  int index;

  if (!_pm_json_required_string (props, field, &id, at, error))
    return FALSE;
  index = pm_topology_lookup_site (self, id);
  if (index < 0)
    return _pm_json_fail (error, at, field, "segment names unknown site “%s”", id);
  *out = (guint) index;
  return TRUE;
}

static gboolean
load_segment (PmTopology        *self,
              JsonObject        *props,
              JsonObject        *geometry,
              const PmJsonPlace *at,
              GError           **error)
{
  PmSegment segment = { 0 };
  JsonNode *coordinates = json_object_get_member (geometry, "coordinates");

  if (coordinates == NULL || !JSON_NODE_HOLDS_ARRAY (coordinates)
      || json_array_get_length (json_node_get_array (coordinates)) < 2)
    return _pm_json_fail (error, at, "geometry.coordinates",
                          "a LineString needs at least two positions");
  for (guint i = 0; i < json_array_get_length (json_node_get_array (coordinates)); i++)
    {
      PmLatLon ignored;
      if (!read_position (json_array_get_element (json_node_get_array (coordinates), i), &ignored,
                          at, error))
        return FALSE;
    }

  if (!_pm_json_required_string (props, "id", &segment.id, at, error))
    goto failed;
  if (g_hash_table_contains (self->segment_index, segment.id))
    {
      _pm_json_fail (error, at, "id", "duplicate segment id “%s”", segment.id);
      goto failed;
    }
  if (!resolve_endpoint (self, props, "a", &segment.a, at, error)
      || !resolve_endpoint (self, props, "b", &segment.b, at, error)
      || !_pm_json_optional_string (props, "circuit_id", &segment.circuit_id, at, error)
      || !_pm_json_optional_string (props, "probe", &segment.probe, at, error)
      || !optional_number (props, "bandwidth_bps", &segment.bandwidth_bps, 1e9, at, error))
    goto failed;
  if (segment.a == segment.b)
    {
      _pm_json_fail (error, at, "b", "self-loop: both ends are site “%s”",
                     pm_topology_get_site (self, segment.a)->id);
      goto failed;
    }
  if (segment.probe == NULL)
    segment.probe = g_strdup (segment.id);
  segment.length_km = pm_geo_distance_km (pm_topology_get_site (self, segment.a)->location,
                                          pm_topology_get_site (self, segment.b)->location);

  g_array_append_val (self->segments, segment);
  g_hash_table_insert (self->segment_index, g_strdup (segment.id),
                       GUINT_TO_POINTER (self->segments->len));
  return TRUE;

failed:
  segment_clear (&segment);
  return FALSE;
}

typedef enum
{
  FEATURE_SITE,
  FEATURE_SEGMENT,
} FeatureKind;

/* Checks the feature envelope and says which kind it is; the properties and geometry are
 * returned borrowed. */
static gboolean
classify_feature (JsonNode          *node,
                  FeatureKind       *kind,
                  JsonObject       **props,
                  JsonObject       **geometry,
                  const PmJsonPlace *at,
                  GError           **error)
{
  JsonObject *object;
  JsonNode *member;
  const char *type;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return _pm_json_fail (error, at, NULL, "expected an object");
  object = json_node_get_object (node);
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", NULL), "Feature")
      != 0)
    return _pm_json_fail (error, at, "type", "expected “Feature”");

  member = json_object_get_member (object, "properties");
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    return _pm_json_fail (error, at, "properties", "expected an object");
  *props = json_node_get_object (member);

  member = json_object_get_member (object, "geometry");
  if (member == NULL || !JSON_NODE_HOLDS_OBJECT (member))
    return _pm_json_fail (error, at, "geometry",
                          "expected a Point (site) or LineString (segment) geometry");
  *geometry = json_node_get_object (member);

  type = json_object_get_string_member_with_default (*geometry, "type", "");
  if (g_strcmp0 (type, "Point") == 0)
    *kind = FEATURE_SITE;
  else if (g_strcmp0 (type, "LineString") == 0)
    *kind = FEATURE_SEGMENT;
  else
    return _pm_json_fail (error, at, "geometry.type",
                          "“%s” is neither Point (site) nor LineString (segment)", type);
  return TRUE;
}

static gboolean
load_root (PmTopology *self,
           JsonNode   *root,
           const char *file,
           GError    **error)
{
  /* Everything the loader reports names the file, the feature and the field, so that a user with
   * a 2,000-line GeoJSON file finds the culprit without bisecting it. */
  const PmJsonPlace collection = {
    .domain = PM_TOPOLOGY_ERROR, .code = PM_TOPOLOGY_ERROR_INVALID,
    .file = file, .entry = "feature", .index = -1,
  };
  const PmJsonPlace empty = {
    .domain = PM_TOPOLOGY_ERROR, .code = PM_TOPOLOGY_ERROR_EMPTY, .file = file, .index = -1,
  };
  JsonObject *object;
  JsonNode *features_node;
  JsonArray *features;
  guint n;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return _pm_json_fail (error, &collection, NULL, "expected a GeoJSON FeatureCollection object");
  object = json_node_get_object (root);
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "type", NULL),
                 "FeatureCollection") != 0)
    return _pm_json_fail (error, &collection, "type", "expected “FeatureCollection”");
  features_node = json_object_get_member (object, "features");
  if (features_node == NULL || !JSON_NODE_HOLDS_ARRAY (features_node))
    return _pm_json_fail (error, &collection, "features", "expected an array");
  features = json_node_get_array (features_node);
  n = json_array_get_length (features);

  self->name = g_strdup (json_object_get_string_member_with_default (object, "name", NULL));
  self->attribution =
    g_strdup (json_object_get_string_member_with_default (object, "attribution", NULL));

  /* Two passes: sites first, so that a segment may name a site defined further down. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        /* Initialised only because GCC's -Wmaybe-uninitialized cannot see through
         * classify_feature() at -O1 and above, which breaks optimised -Werror builds. */
        FeatureKind kind = FEATURE_SITE;
        JsonObject *props = NULL, *geometry = NULL;
        PmJsonPlace feature = collection;

        feature.index = (int) i;
        if (!classify_feature (json_array_get_element (features, i), &kind, &props, &geometry,
                               &feature, error))
          return FALSE;
        if (pass == 0 && kind == FEATURE_SITE
            && !load_site (self, props, geometry, &feature, error))
          return FALSE;
        if (pass == 1 && kind == FEATURE_SEGMENT
            && !load_segment (self, props, geometry, &feature, error))
          return FALSE;
      }

  if (self->sites->len == 0)
    return _pm_json_fail (error, &empty, NULL, "empty network: no sites");
  if (self->segments->len == 0)
    return _pm_json_fail (error, &empty, NULL, "empty network: no segments");
  return TRUE;
}

static void
build_graph (PmTopology *self)
{
  self->adjacency = g_new0 (GArray *, self->sites->len);
  for (guint i = 0; i < self->sites->len; i++)
    self->adjacency[i] = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint i = 0; i < self->segments->len; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (self, i);
      g_array_append_val (self->adjacency[segment->a], i);
      g_array_append_val (self->adjacency[segment->b], i);
    }

  /* The origin is the declared one; a topology without one gets its best-connected site, which
   * is where a NOC would put the primary copy. */
  self->origin = -1;
  for (guint i = 0; i < self->sites->len && self->origin < 0; i++)
    if (pm_topology_get_site (self, i)->role == PM_SITE_ROLE_ORIGIN)
      self->origin = (int) i;
  for (guint i = 0; i < self->sites->len && self->origin < 0; i++)
    {
      guint best = 0;
      for (guint j = 1; j < self->sites->len; j++)
        if (self->adjacency[j]->len > self->adjacency[best]->len)
          best = j;
      self->origin = (int) best;
    }
}

static void
pm_topology_finalize (GObject *object)
{
  PmTopology *self = PM_TOPOLOGY (object);

  if (self->adjacency != NULL)
    for (guint i = 0; i < self->sites->len; i++)
      g_array_unref (self->adjacency[i]);
  g_free (self->adjacency);
  g_array_unref (self->sites);
  g_array_unref (self->segments);
  g_hash_table_unref (self->site_index);
  g_hash_table_unref (self->segment_index);
  g_free (self->name);
  g_free (self->attribution);

  G_OBJECT_CLASS (pm_topology_parent_class)->finalize (object);
}

static void
pm_topology_class_init (PmTopologyClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_topology_finalize;
}

static void
pm_topology_init (PmTopology *self)
{
  self->sites = g_array_new (FALSE, TRUE, sizeof (PmSite));
  g_array_set_clear_func (self->sites, site_clear);
  self->segments = g_array_new (FALSE, TRUE, sizeof (PmSegment));
  g_array_set_clear_func (self->segments, segment_clear);
  self->site_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->segment_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->origin = -1;
}

PmTopology *
pm_topology_new_from_bytes (GBytes     *bytes,
                            const char *display_name,
                            GError    **error)
{
  g_autoptr(PmTopology) self = g_object_new (PM_TYPE_TOPOLOGY, NULL);
  g_autoptr(JsonParser) parser = _pm_json_parse_bytes (bytes, display_name, PM_TOPOLOGY_ERROR,
                                                       PM_TOPOLOGY_ERROR_PARSE, error);

  if (parser == NULL)
    return NULL;
  if (!load_root (self, json_parser_get_root (parser), display_name, error))
    return NULL;
  build_graph (self);
  return g_steal_pointer (&self);
}

PmTopology *
pm_topology_new_from_file (const char *path,
                           GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  return pm_topology_new_from_bytes (bytes, path, error);
}

const char *
pm_topology_get_name (PmTopology *self)
{
  return self->name;
}

const char *
pm_topology_get_attribution (PmTopology *self)
{
  return self->attribution;
}

guint
pm_topology_get_n_sites (PmTopology *self)
{
  return self->sites->len;
}

const PmSite *
pm_topology_get_site (PmTopology *self,
                      guint       index)
{
  g_return_val_if_fail (index < self->sites->len, NULL);
  return &g_array_index (self->sites, PmSite, index);
}

int
pm_topology_lookup_site (PmTopology *self,
                         const char *id)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (self->site_index, id)) - 1;
}

int
pm_topology_get_origin (PmTopology *self)
{
  return self->origin;
}

guint
pm_topology_get_n_segments (PmTopology *self)
{
  return self->segments->len;
}

const PmSegment *
pm_topology_get_segment (PmTopology *self,
                         guint       index)
{
  g_return_val_if_fail (index < self->segments->len, NULL);
  return &g_array_index (self->segments, PmSegment, index);
}

int
pm_topology_lookup_segment (PmTopology *self,
                            const char *id)
{
  return GPOINTER_TO_INT (g_hash_table_lookup (self->segment_index, id)) - 1;
}

const guint *
pm_topology_get_site_segments (PmTopology *self,
                               guint       site,
                               guint      *n_segments)
{
  g_return_val_if_fail (site < self->sites->len, NULL);
  *n_segments = self->adjacency[site]->len;
  return (const guint *) self->adjacency[site]->data;
}

guint
pm_topology_segment_peer (PmTopology *self,
                          guint       segment,
                          guint       site)
{
  const PmSegment *s = pm_topology_get_segment (self, segment);
  return s->a == site ? s->b : s->a;
}

const char *
pm_site_role_to_string (PmSiteRole role)
{
  switch (role)
    {
    case PM_SITE_ROLE_ORIGIN:
      return "origin";
    case PM_SITE_ROLE_CORE:
      return "core";
    case PM_SITE_ROLE_EDGE:
    default:
      return "edge";
    }
}
