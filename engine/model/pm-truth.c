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
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

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

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  return json_generator_to_data (generator, NULL);
}

static gboolean
fail (GError    **error,
      const char *file,
      int         entry,
      const char *field,
      const char *format,
      ...) G_GNUC_PRINTF (5, 6);

static gboolean
fail (GError    **error,
      const char *file,
      int         entry,
      const char *field,
      const char *format,
      ...)
{
  g_autofree char *what = NULL;
  g_autoptr(GString) where = g_string_new (file);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  if (entry >= 0)
    g_string_append_printf (where, ": partition %d", entry);
  if (field != NULL)
    g_string_append_printf (where, ": field “%s”", field);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", where->str, what);
  return FALSE;
}

/* Unix seconds: whole numbers, written either as integers or as integral doubles. */
static gboolean
read_time (JsonObject *object,
           const char *field,
           gint64     *out,
           const char *file,
           int         entry,
           GError    **error)
{
  JsonNode *node = json_object_get_member (object, field);
  double value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return fail (error, file, entry, field, "missing (expected unix seconds)");
  if (!JSON_NODE_HOLDS_VALUE (node))
    return fail (error, file, entry, field, "expected unix seconds");
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  if (json_node_get_value_type (node) != G_TYPE_DOUBLE)
    return fail (error, file, entry, field, "expected unix seconds, not %s",
                 json_node_get_value_type (node) == G_TYPE_STRING ? "a string" : "true/false");
  value = json_node_get_double (node);
  if (!isfinite (value) || value != floor (value) || fabs (value) > 9e15)
    return fail (error, file, entry, field, "expected whole unix seconds, got %g", value);
  *out = (gint64) value;
  return TRUE;
}

static gboolean
read_string (JsonObject  *object,
             const char  *field,
             const char **out,
             const char  *file,
             int          entry,
             GError     **error)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return fail (error, file, entry, field, "missing");
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, file, entry, field, "expected a string");
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
read_entry (PmTopology  *topology,
            JsonNode    *node,
            PmPartition *out,
            const char  *file,
            int          entry,
            GError     **error)
{
  JsonObject *object;
  JsonNode *foreseeable;
  const char *segment, *kind;
  int index;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, file, entry, NULL, "expected an object");
  object = json_node_get_object (node);

  if (!read_string (object, "segment", &segment, file, entry, error))
    return FALSE;
  index = pm_topology_lookup_segment (topology, segment);
  if (index < 0)
    return fail (error, file, entry, "segment", "unknown segment “%s” in topology “%s”",
                 segment, pm_topology_get_name (topology) != NULL
                          ? pm_topology_get_name (topology) : "(unnamed)");
  out->segment = (guint) index;

  if (!read_time (object, "start", &out->start_s, file, entry, error)
      || !read_time (object, "end", &out->end_s, file, entry, error))
    return FALSE;
  if (out->end_s < out->start_s)
    return fail (error, file, entry, "end", "%" G_GINT64_FORMAT " is before start %"
                 G_GINT64_FORMAT, out->end_s, out->start_s);

  if (!read_string (object, "kind", &kind, file, entry, error))
    return FALSE;
  if (!pm_partition_kind_from_string (kind, &out->kind))
    return fail (error, file, entry, "kind",
                 "“%s” is not one of degradation, weather, maintenance, sudden", kind);

  out->foreseeable = TRUE;
  foreseeable = json_object_get_member (object, "foreseeable");
  if (foreseeable != NULL && !JSON_NODE_HOLDS_NULL (foreseeable))
    {
      if (!JSON_NODE_HOLDS_VALUE (foreseeable)
          || json_node_get_value_type (foreseeable) != G_TYPE_BOOLEAN)
        return fail (error, file, entry, "foreseeable", "expected true or false");
      out->foreseeable = json_node_get_boolean (foreseeable);
    }
  return TRUE;
}

GArray *
pm_truth_load_file (PmTopology *topology,
                    const char *path,
                    GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GArray) partitions = NULL;
  JsonNode *root, *member;
  JsonArray *entries;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  if (!json_parser_load_from_mapped_file (parser, path, &parse_error))
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
      fail (error, path, -1, NULL, "expected an object with a “partitions” array");
      return NULL;
    }
  member = json_object_get_member (json_node_get_object (root), "partitions");
  if (member == NULL || !JSON_NODE_HOLDS_ARRAY (member))
    {
      fail (error, path, -1, "partitions", "expected an array");
      return NULL;
    }
  entries = json_node_get_array (member);

  partitions = g_array_sized_new (FALSE, FALSE, sizeof (PmPartition),
                                  json_array_get_length (entries));
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      PmPartition p;

      if (!read_entry (topology, json_array_get_element (entries, i), &p, path, (int) i, error))
        return NULL;
      g_array_append_val (partitions, p);
    }
  return g_steal_pointer (&partitions);
}
