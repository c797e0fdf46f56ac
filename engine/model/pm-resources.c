/* pm-resources.c: loads and validates the resource inventory and the auto-approve policy.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-resources.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "pm-json-private.h"

struct _PmResources
{
  GObject             parent_instance;

  PmTopology         *topology;
  GArray             *resources;  /* PmResource */
  GHashTable         *index;      /* id → index + 1 */
  PmAutoApprovePolicy policy;
  gint64              retire_after_s;  /* 0: not given */
};

G_DEFINE_TYPE (PmResources, pm_resources, G_TYPE_OBJECT)

G_DEFINE_QUARK (pm-resources-error-quark, pm_resources_error)

/* Larger integers do not survive the trip through a double, which is how JSON numbers with an
 * exponent or a fraction reach us. */
#define MAX_EXACT_INTEGER 9007199254740992.0

static const char *consistency_names[] = { "strong", "bounded", "eventual" };

static void
resource_clear (gpointer data)
{
  PmResource *resource = data;

  g_free (resource->id);
  g_free (resource->name);
  for (guint i = 0; i < resource->n_demand; i++)
    g_free (resource->demand[i].region);
  g_free (resource->demand);
}

/* JSON has one number type: 5e7 and 50000000 are the same size, so an integral double counts as
 * an integer; 1.5 does not. */
static gboolean
get_integer (JsonNode *node,
             gint64   *out)
{
  double value;

  if (!_pm_json_node_is_number (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  value = json_node_get_double (node);
  if (!isfinite (value) || value != floor (value) || fabs (value) > MAX_EXACT_INTEGER)
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

/* The id ends up in URLs (/r/{resource}) and in file names under edges/<site>/, so it is kept to
 * characters that are safe in both instead of being escaped everywhere it is used. */
static gboolean
is_valid_id (const char *id)
{
  if (id[0] == '\0' || id[0] == '.')
    return FALSE;
  for (const char *p = id; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

static gboolean
parse_consistency (const char    *text,
                   PmConsistency *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (consistency_names); i++)
    if (g_strcmp0 (text, consistency_names[i]) == 0)
      {
        *out = (PmConsistency) i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
load_demand (PmResource        *resource,
             JsonNode          *node,
             const PmJsonPlace *at,
             GError           **error)
{
  JsonObjectIter iter;
  const char *region;
  JsonNode *value;
  guint n = 0;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return _pm_json_fail (error, at, "demand", "expected an object of region → requests per hour");

  resource->demand = g_new0 (PmDemand, json_object_get_size (json_node_get_object (node)));
  json_object_iter_init_ordered (&iter, json_node_get_object (node));
  while (json_object_iter_next_ordered (&iter, &region, &value))
    {
      g_autofree char *field = g_strdup_printf ("demand.%s", region);
      double rate;

      if (!_pm_json_node_is_number (value))
        return _pm_json_fail (error, at, field, "expected a number of requests per hour");
      rate = json_node_get_double (value);
      if (!isfinite (rate) || rate < 0)
        return _pm_json_fail (error, at, field,
                              "expected a non-negative number of requests per hour, not %g", rate);
      resource->demand[n].region = g_strdup (region);
      resource->demand[n].requests_per_hour = rate;
      resource->n_demand = ++n;
    }
  return TRUE;
}

/* Fills resource from one element of the array; on failure the caller clears what was filled.
 * Once the id is known, at names it too. */
static gboolean
parse_resource (PmResources *self,
                PmResource  *resource,
                JsonNode    *node,
                PmJsonPlace *at,
                GError     **error)
{
  JsonObject *object;
  JsonNode *member;
  g_autofree char *consistency = NULL;
  g_autofree char *origin = NULL;
  gint64 value;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return _pm_json_fail (error, at, NULL, "expected an object");
  object = json_node_get_object (node);

  if (!_pm_json_required_string (object, "id", &resource->id, at, error))
    return FALSE;
  if (!is_valid_id (resource->id))
    return _pm_json_fail (error, at, "id",
                          "“%s” may only use letters, digits, “-”, “_” and “.”, "
                          "and not start with “.”", resource->id);
  if (g_hash_table_contains (self->index, resource->id))
    return _pm_json_fail (error, at, "id", "duplicate resource id “%s”", resource->id);
  at->id = resource->id;

  if (!_pm_json_optional_string (object, "name", &resource->name, at, error))
    return FALSE;
  if (resource->name == NULL)
    resource->name = g_strdup (resource->id);

  member = json_object_get_member (object, "size_bytes");
  if (member == NULL)
    return _pm_json_fail (error, at, "size_bytes", "missing");
  if (!get_integer (member, &value) || value <= 0)
    return _pm_json_fail (error, at, "size_bytes", "expected a positive integer number of bytes");
  resource->size_bytes = (guint64) value;

  member = json_object_get_member (object, "criticality");
  if (member == NULL)
    return _pm_json_fail (error, at, "criticality", "missing");
  if (!get_integer (member, &value) || value < 1 || value > 5)
    return _pm_json_fail (error, at, "criticality",
                          "expected an integer from 1 (nice to have) to 5 (essential)");
  resource->criticality = (guint) value;

  /* Without a declared consistency a replica is only served while it matches the origin: the
   * one choice that can never hand out a stale firmware image or zone file. */
  if (!_pm_json_optional_string (object, "consistency", &consistency, at, error))
    return FALSE;
  resource->consistency = PM_CONSISTENCY_STRONG;
  if (consistency != NULL && !parse_consistency (consistency, &resource->consistency))
    return _pm_json_fail (error, at, "consistency",
                          "“%s” is not one of strong, bounded, eventual", consistency);

  member = json_object_get_member (object, "staleness_s");
  if (resource->consistency == PM_CONSISTENCY_BOUNDED)
    {
      if (member == NULL || JSON_NODE_HOLDS_NULL (member))
        return _pm_json_fail (error, at, "staleness_s",
                              "missing: bounded consistency needs the staleness it tolerates");
      if (!get_integer (member, &value) || value <= 0)
        return _pm_json_fail (error, at, "staleness_s",
                              "expected a positive integer number of seconds");
      resource->staleness_s = value;
    }
  else if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    {
      /* Most likely a consistency typo'd into the wrong value; silently dropping the bound
       * would serve replicas with different staleness than the author meant. */
      return _pm_json_fail (error, at, "staleness_s", "only applies to bounded consistency, not %s",
                            consistency_names[resource->consistency]);
    }

  if (!_pm_json_optional_string (object, "origin", &origin, at, error))
    return FALSE;
  if (origin == NULL)
    {
      resource->origin = (guint) pm_topology_get_origin (self->topology);
    }
  else
    {
      int site = pm_topology_lookup_site (self->topology, origin);
      if (site < 0)
        return _pm_json_fail (error, at, "origin",
                              "names site “%s”, which the topology does not have", origin);
      resource->origin = (guint) site;
    }

  return load_demand (resource, json_object_get_member (object, "demand"), at, error);
}

static gboolean
load_policy (PmResources       *self,
             JsonNode          *node,
             const PmJsonPlace *at,
             GError           **error)
{
  JsonObject *object;
  JsonNode *member;
  gint64 criticality;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return _pm_json_fail (error, at, "policy", "expected an object");
  member = json_object_get_member (json_node_get_object (node), "retire_after_s");
  if (member != NULL)
    {
      gint64 seconds;

      if (!get_integer (member, &seconds) || seconds <= 0)
        return _pm_json_fail (error, at, "policy.retire_after_s",
                              "expected a positive number of seconds");
      self->retire_after_s = seconds;
    }
  member = json_object_get_member (json_node_get_object (node), "auto_approve");
  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (member))
    return _pm_json_fail (error, at, "policy.auto_approve", "expected an object");
  object = json_node_get_object (member);

  /* Both thresholds are required: a default that approves copies nobody asked for is worse
   * than a file that does not load. */
  member = json_object_get_member (object, "min_criticality");
  if (member == NULL)
    return _pm_json_fail (error, at, "policy.auto_approve.min_criticality", "missing");
  if (!get_integer (member, &criticality) || criticality < 1 || criticality > 5)
    return _pm_json_fail (error, at, "policy.auto_approve.min_criticality",
                          "expected an integer from 1 to 5");

  member = json_object_get_member (object, "min_risk");
  if (member == NULL)
    return _pm_json_fail (error, at, "policy.auto_approve.min_risk", "missing");
  if (!_pm_json_node_is_number (member) || !(json_node_get_double (member) >= 0)
      || json_node_get_double (member) > 1)
    return _pm_json_fail (error, at, "policy.auto_approve.min_risk",
                          "expected a probability from 0 to 1");

  self->policy.enabled = TRUE;
  self->policy.min_criticality = (guint) criticality;
  self->policy.min_risk = json_node_get_double (member);
  return TRUE;
}

static gboolean
load_root (PmResources *self,
           JsonNode    *root,
           const char  *file,
           GError     **error)
{
  /* Every message names the file, the resource (index, and id once it is known) and the field,
   * so that a hand-edited inventory is fixed without guessing. */
  const PmJsonPlace inventory = {
    .domain = PM_RESOURCES_ERROR, .code = PM_RESOURCES_ERROR_INVALID,
    .file = file, .entry = "resource", .index = -1,
  };
  JsonObject *object;
  JsonNode *member;
  JsonArray *array;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return _pm_json_fail (error, &inventory, NULL, "expected an object with a “resources” array");
  object = json_node_get_object (root);
  member = json_object_get_member (object, "resources");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    return _pm_json_fail (error, &inventory, "resources", "expected an array of resources");
  array = json_node_get_array (member);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      PmResource resource = { 0 };
      PmJsonPlace at = inventory;

      at.index = (int) i;
      if (!parse_resource (self, &resource, json_array_get_element (array, i), &at, error))
        {
          resource_clear (&resource);
          return FALSE;
        }
      g_array_append_val (self->resources, resource);
      g_hash_table_insert (self->index, g_strdup (resource.id),
                           GUINT_TO_POINTER (self->resources->len));
    }

  return load_policy (self, json_object_get_member (object, "policy"), &inventory, error);
}

static void
pm_resources_finalize (GObject *object)
{
  PmResources *self = PM_RESOURCES (object);

  g_clear_object (&self->topology);
  g_array_unref (self->resources);
  g_hash_table_unref (self->index);

  G_OBJECT_CLASS (pm_resources_parent_class)->finalize (object);
}

static void
pm_resources_class_init (PmResourcesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_resources_finalize;
}

static void
pm_resources_init (PmResources *self)
{
  self->resources = g_array_new (FALSE, TRUE, sizeof (PmResource));
  g_array_set_clear_func (self->resources, resource_clear);
  self->index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* The topology resolves each origin to a site index; the resources keep a reference to it so
 * that the indices stay meaningful. */
PmResources *
pm_resources_new_from_bytes (GBytes     *bytes,
                             const char *display_name,
                             PmTopology *topology,
                             GError    **error)
{
  g_autoptr(PmResources) self = NULL;
  g_autoptr(JsonParser) parser = NULL;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (PM_TYPE_RESOURCES, NULL);
  self->topology = g_object_ref (topology);
  parser = _pm_json_parse_bytes (bytes, display_name, PM_RESOURCES_ERROR,
                                 PM_RESOURCES_ERROR_PARSE, error);
  if (parser == NULL)
    return NULL;
  if (!load_root (self, json_parser_get_root (parser), display_name, error))
    return NULL;
  return g_steal_pointer (&self);
}

PmResources *
pm_resources_new_from_file (const char *path,
                            PmTopology *topology,
                            GError    **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &contents, &length, error))
    return NULL;
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  return pm_resources_new_from_bytes (bytes, path, topology, error);
}

PmTopology *
pm_resources_get_topology (PmResources *self)
{
  g_return_val_if_fail (PM_IS_RESOURCES (self), NULL);
  return self->topology;
}

guint
pm_resources_get_n_resources (PmResources *self)
{
  g_return_val_if_fail (PM_IS_RESOURCES (self), 0);
  return self->resources->len;
}

const PmResource *
pm_resources_get_resource (PmResources *self,
                           guint        index)
{
  g_return_val_if_fail (PM_IS_RESOURCES (self), NULL);
  g_return_val_if_fail (index < self->resources->len, NULL);
  return &g_array_index (self->resources, PmResource, index);
}

/* Returns the index of the resource, or -1. */
int
pm_resources_lookup_resource (PmResources *self,
                              const char  *id)
{
  g_return_val_if_fail (PM_IS_RESOURCES (self), -1);
  if (id == NULL)
    return -1;
  return GPOINTER_TO_INT (g_hash_table_lookup (self->index, id)) - 1;
}

/* policy.retire_after_s: how long a temporary mirror stays once no users at risk rely on it;
 * 0 when the file does not say. */
gint64
pm_resources_get_retire_after_s (PmResources *self)
{
  g_return_val_if_fail (PM_IS_RESOURCES (self), 0);

  return self->retire_after_s;
}

const PmAutoApprovePolicy *
pm_resources_get_policy (PmResources *self)
{
  g_return_val_if_fail (PM_IS_RESOURCES (self), NULL);
  return &self->policy;
}

/* The operator's live policy (the preferences), replacing the file's. */
void
pm_resources_set_policy (PmResources               *self,
                         const PmAutoApprovePolicy *policy)
{
  g_return_if_fail (PM_IS_RESOURCES (self));
  g_return_if_fail (policy != NULL);

  self->policy = *policy;
}

/* Moves every resource's origin to one site: the demo inventory names the demo's origin, and
 * DESIGN has it follow whichever topology is loaded. */
void
pm_resources_set_origin (PmResources *self,
                         guint        site)
{
  g_return_if_fail (PM_IS_RESOURCES (self));
  g_return_if_fail (site < pm_topology_get_n_sites (self->topology));

  for (guint i = 0; i < self->resources->len; i++)
    g_array_index (self->resources, PmResource, i).origin = site;
}

static gboolean
demand_matches_topology (PmResources *self)
{
  guint n_sites = pm_topology_get_n_sites (self->topology);

  for (guint i = 0; i < self->resources->len; i++)
    {
      const PmResource *resource = &g_array_index (self->resources, PmResource, i);

      for (guint d = 0; d < resource->n_demand; d++)
        for (guint s = 0; s < n_sites; s++)
          if (g_str_equal (resource->demand[d].region,
                           pm_topology_get_site (self->topology, s)->region))
            return TRUE;
    }
  return FALSE;
}

gboolean
pm_resources_spread_demand (PmResources *self)
{
  g_autoptr(GPtrArray) regions = g_ptr_array_new ();
  guint n_sites;

  g_return_val_if_fail (PM_IS_RESOURCES (self), FALSE);

  if (demand_matches_topology (self))
    return FALSE;
  n_sites = pm_topology_get_n_sites (self->topology);
  for (guint s = 0; s < n_sites; s++)
    {
      const char *region = pm_topology_get_site (self->topology, s)->region;

      if (!g_ptr_array_find_with_equal_func (regions, region, g_str_equal, NULL))
        g_ptr_array_add (regions, (gpointer) region);
    }
  for (guint i = 0; i < self->resources->len; i++)
    {
      PmResource *resource = &g_array_index (self->resources, PmResource, i);
      double total = pm_resource_get_total_demand (resource);

      for (guint d = 0; d < resource->n_demand; d++)
        g_free (resource->demand[d].region);
      g_free (resource->demand);
      resource->n_demand = regions->len;
      resource->demand = g_new (PmDemand, MAX (regions->len, 1));
      for (guint r = 0; r < regions->len; r++)
        {
          resource->demand[r].region = g_strdup (g_ptr_array_index (regions, r));
          resource->demand[r].requests_per_hour = total / regions->len;
        }
    }
  return TRUE;
}

/* Requests per hour from one region; a region the file does not mention asks for nothing. */
double
pm_resource_get_demand (const PmResource *resource,
                        const char       *region)
{
  g_return_val_if_fail (resource != NULL, 0);

  for (guint i = 0; i < resource->n_demand; i++)
    if (g_strcmp0 (resource->demand[i].region, region) == 0)
      return resource->demand[i].requests_per_hour;
  return 0;
}

double
pm_resource_get_total_demand (const PmResource *resource)
{
  double total = 0;

  g_return_val_if_fail (resource != NULL, 0);

  for (guint i = 0; i < resource->n_demand; i++)
    total += resource->demand[i].requests_per_hour;
  return total;
}

const char *
pm_consistency_to_string (PmConsistency consistency)
{
  g_return_val_if_fail ((guint) consistency < G_N_ELEMENTS (consistency_names), "strong");
  return consistency_names[consistency];
}
