/* pm-demo.c: the built-in demo, compiled into the engine as a GResource.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-demo.h"

#include <errno.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "pm-engine-resources.h"
#include "pm-json-private.h"

/* Goes through pm_engine_get_resource() rather than the global registry: that reference is what
 * makes the linker keep the compiled-in data when the engine is a static library. */
static GBytes *
lookup (const char *path,
        GError    **error)
{
  return g_resource_lookup_data (pm_engine_get_resource (), path, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                 error);
}

PmTopology *
pm_demo_load_topology (GError **error)
{
  g_autoptr(GBytes) bytes = lookup (PM_DEMO_NETWORK_PATH, error);

  if (bytes == NULL)
    return NULL;
  return pm_topology_new_from_bytes (bytes, "resource://" PM_DEMO_NETWORK_PATH, error);
}

/* DESIGN: without --resources the demo inventory is used with its origin moved to the loaded
 * topology's origin. The origins are dropped before validation, not replaced after it, because
 * the demo's own origin site need not exist in the user's topology; a resource without an
 * origin lives at the topology's origin. */
PmResources *
pm_demo_load_resources (PmTopology *topology,
                        GError    **error)
{
  const char *name = "resource://" PM_DEMO_RESOURCES_PATH;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) rewritten = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root, *list;
  const char *data;
  char *text;
  gsize size;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);

  bytes = lookup (PM_DEMO_RESOURCES_PATH, error);
  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &size);
  if (!_pm_json_parser_load (parser, data, (gssize) size, NULL, &parse_error))
    {
      g_set_error (error, PM_RESOURCES_ERROR, PM_RESOURCES_ERROR_PARSE, "%s: not valid JSON: %s",
                   name, parse_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root != NULL && JSON_NODE_HOLDS_OBJECT (root)
      && (list = json_object_get_member (json_node_get_object (root), "resources")) != NULL
      && JSON_NODE_HOLDS_ARRAY (list))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (list)); i++)
      {
        JsonNode *item = json_array_get_element (json_node_get_array (list), i);
        if (JSON_NODE_HOLDS_OBJECT (item))
          json_object_remove_member (json_node_get_object (item), "origin");
      }

  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &size);
  rewritten = g_bytes_new_take (text, size);
  return pm_resources_new_from_bytes (rewritten, name, topology, error);
}

/* A site id becomes a folder name; one that is not a single path component would create folders
 * outside edges/, so it is refused rather than sanitised into something the operator did not
 * write. */
static gboolean
is_single_component (const char *id)
{
  return id[0] != '\0' && strcmp (id, ".") != 0 && strcmp (id, "..") != 0
         && strchr (id, '/') == NULL && strchr (id, G_DIR_SEPARATOR) == NULL;
}

/* Creates <data-dir>/edges/<site>/ for every site that holds replicas in the local directory
 * transport: origin and edge sites without their own storage URL. Existing folders are fine, so
 * this runs on every start. */
PmResources *
pm_demo_load_resources_or_file (const char *path,
                                PmTopology *topology,
                                GError    **error)
{
  PmResources *resources;

  if (path != NULL)
    return pm_resources_new_from_file (path, topology, error);
  resources = pm_demo_load_resources (topology, error);
  if (resources != NULL)
    {
      pm_resources_set_origin (resources, (guint) pm_topology_get_origin (topology));
      pm_resources_spread_demand (resources);
    }
  return resources;
}

gboolean
pm_demo_prepare_edges (const char *data_dir,
                       PmTopology *topology,
                       GError    **error)
{
  g_return_val_if_fail (data_dir != NULL, FALSE);
  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (guint i = 0; i < pm_topology_get_n_sites (topology); i++)
    {
      const PmSite *site = pm_topology_get_site (topology, i);
      g_autofree char *path = NULL;

      if (site->role == PM_SITE_ROLE_CORE || site->storage != NULL)
        continue;
      if (!is_single_component (site->id))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                       "Site id “%s” cannot be used as a folder name under %s/edges",
                       site->id, data_dir);
          return FALSE;
        }
      path = g_build_filename (data_dir, "edges", site->id, NULL);
      if (g_mkdir_with_parents (path, 0755) != 0)
        {
          int saved_errno = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "Cannot create the folder of edge site “%s” at %s: %s", site->id, path,
                       g_strerror (saved_errno));
          return FALSE;
        }
    }
  return TRUE;
}
