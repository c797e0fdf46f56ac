/* pm-truth.c: ground-truth partitions as truth JSON.
 *
 * The format is the design's: {"partitions": [{"segment": ID, "start": UNIX_S, "end": UNIX_S,
 * "kind": KIND, "foreseeable": BOOL}]}, "foreseeable" defaulting to true. Unknown members are
 * ignored, so that other generators may add their own; everything the evaluation reads is
 * checked, and an error names the file, the entry and the field.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-truth.h"

#include <json-glib/json-glib.h>
#include <math.h>

#include "pm-json-private.h"

static const char *kind_names[] = {
  [PM_PARTITION_DEGRADATION] = "degradation",
  [PM_PARTITION_WEATHER] = "weather",
  [PM_PARTITION_MAINTENANCE] = "maintenance",
  [PM_PARTITION_SUDDEN] = "sudden",
};

const char *
pm_partition_kind_to_string (PmPartitionKind kind)
{
  return (guint) kind < G_N_ELEMENTS (kind_names) ? kind_names[kind] : "unknown";
}

gboolean
pm_partition_kind_from_string (const char      *text,
                               PmPartitionKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (text, kind_names[i]) == 0)
      {
        *kind = (PmPartitionKind) i;
        return TRUE;
      }
  return FALSE;
}

char *
pm_truth_to_json (PmTopology   *topology,
                  const GArray *partitions)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);
  g_return_val_if_fail (partitions != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "partitions");
  json_builder_begin_array (builder);
  for (guint i = 0; i < partitions->len; i++)
    {
      const PmPartition *p = &g_array_index (partitions, PmPartition, i);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "segment");
      json_builder_add_string_value (builder,
                                     pm_topology_get_segment (topology, p->segment)->id);
      json_builder_set_member_name (builder, "start");
      json_builder_add_int_value (builder, p->start_s);
      json_builder_set_member_name (builder, "end");
      json_builder_add_int_value (builder, p->end_s);
      json_builder_set_member_name (builder, "kind");
      json_builder_add_string_value (builder, pm_partition_kind_to_string (p->kind));
      json_builder_set_member_name (builder, "foreseeable");
      json_builder_add_boolean_value (builder, p->foreseeable);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return _pm_json_builder_to_text (builder);
}

/* Unix seconds: whole numbers, written either as integers or as integral doubles. */
static gboolean
read_time (JsonObject        *object,
           const char        *field,
           gint64            *out,
           const PmJsonPlace *at,
           GError           **error)
{
  JsonNode *node = json_object_get_member (object, field);
  double value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return _pm_json_fail (error, at, field, "missing (expected unix seconds)");
  if (!JSON_NODE_HOLDS_VALUE (node))
    return _pm_json_fail (error, at, field, "expected unix seconds");
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_DOUBLE)
    return _pm_json_fail (error, at, field, "expected unix seconds, not %s",
                          json_node_get_value_type (node) == G_TYPE_STRING ? "a string"
                                                                           : "true/false");
  value = json_node_get_double (node);
  if (!isfinite (value) || value != floor (value) || fabs (value) > 9e15)
    return _pm_json_fail (error, at, field, "expected whole unix seconds, got %g", value);
  *out = (gint64) value;
  return TRUE;
}

/* A string that must be there; unlike _pm_json_required_string(), "" is read as such (and then
 * named in the message saying it is unknown). */
static gboolean
read_string (JsonObject        *object,
             const char        *field,
             char             **out,
             const PmJsonPlace *at,
             GError           **error)
{
  if (!_pm_json_optional_string (object, field, out, at, error))
    return FALSE;
  if (*out == NULL)
    return _pm_json_fail (error, at, field, "missing");
  return TRUE;
}

static gboolean
read_entry (PmTopology        *topology,
            JsonNode          *node,
            PmPartition       *out,
            const PmJsonPlace *at,
            GError           **error)
{
  JsonObject *object;
  JsonNode *foreseeable;
  g_autofree char *segment = NULL;
  g_autofree char *kind = NULL;
  int index;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return _pm_json_fail (error, at, NULL, "expected an object");
  object = json_node_get_object (node);

  if (!read_string (object, "segment", &segment, at, error))
    return FALSE;
  index = pm_topology_lookup_segment (topology, segment);
  if (index < 0)
    return _pm_json_fail (error, at, "segment", "unknown segment “%s” in topology “%s”", segment,
                          pm_topology_get_name (topology) != NULL
                            ? pm_topology_get_name (topology) : "(unnamed)");
  out->segment = (guint) index;

  if (!read_time (object, "start", &out->start_s, at, error)
      || !read_time (object, "end", &out->end_s, at, error))
    return FALSE;
  if (out->end_s < out->start_s)
    return _pm_json_fail (error, at, "end", "%" G_GINT64_FORMAT " is before start %"
                          G_GINT64_FORMAT, out->end_s, out->start_s);

  if (!read_string (object, "kind", &kind, at, error))
    return FALSE;
  if (!pm_partition_kind_from_string (kind, &out->kind))
    return _pm_json_fail (error, at, "kind",
                          "“%s” is not one of degradation, weather, maintenance, sudden", kind);

  out->foreseeable = TRUE;
  foreseeable = json_object_get_member (object, "foreseeable");
  if (foreseeable != NULL && !JSON_NODE_HOLDS_NULL (foreseeable))
    {
      if (!JSON_NODE_HOLDS_VALUE (foreseeable)
          || json_node_get_value_type (foreseeable) != G_TYPE_BOOLEAN)
        return _pm_json_fail (error, at, "foreseeable", "expected true or false");
      out->foreseeable = json_node_get_boolean (foreseeable);
    }
  return TRUE;
}

GArray *
pm_truth_load_file (PmTopology *topology,
                    const char *path,
                    GError    **error)
{
  /* As the file comment says, every message names the file, the entry and the field. */
  const PmJsonPlace document = {
    .domain = G_IO_ERROR, .code = G_IO_ERROR_INVALID_DATA,
    .file = path, .entry = "partition", .index = -1,
  };
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GMappedFile) mapped = NULL;
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GArray) partitions = NULL;
  JsonNode *root, *member;
  JsonArray *entries;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  mapped = g_mapped_file_new (path, FALSE, &parse_error);
  if (mapped == NULL
      || !_pm_json_parser_load (parser, g_mapped_file_get_contents (mapped),
                                (gssize) g_mapped_file_get_length (mapped), path, &parse_error))
    {
      /* A missing file keeps its own domain (G_FILE_ERROR), so callers can tell it apart. */
      if (parse_error->domain == JSON_PARSER_ERROR)
        {
          /* json-glib's message already starts with the file, line and column. */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s (not valid JSON)",
                       parse_error->message);
        }
      else
        g_propagate_error (error, g_steal_pointer (&parse_error));
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      _pm_json_fail (error, &document, NULL, "expected an object with a “partitions” array");
      return NULL;
    }
  member = json_object_get_member (json_node_get_object (root), "partitions");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    {
      _pm_json_fail (error, &document, "partitions", "expected an array");
      return NULL;
    }
  entries = json_node_get_array (member);

  partitions = g_array_sized_new (FALSE, FALSE, sizeof (PmPartition),
                                  json_array_get_length (entries));
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      PmPartition p;
      PmJsonPlace at = document;

      at.index = (int) i;
      if (!read_entry (topology, json_array_get_element (entries, i), &p, &at, error))
        return NULL;
      g_array_append_val (partitions, p);
    }
  return g_steal_pointer (&partitions);
}
