/* pm-json.c: reading the engine's JSON files with errors that point at the culprit, and writing
 * its JSON documents.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-json-private.h"

/* Returns the parser holding the document; on failure, an error in domain/code that names the
 * file and passes on json-glib's line and column. */
JsonParser *
_pm_json_parse_bytes (GBytes     *bytes,
                      const char *display_name,
                      GQuark      domain,
                      int         code,
                      GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) parse_error = NULL;
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  /* An empty GBytes may have no data pointer, which json-glib refuses with a critical. */
  if (data == NULL)
    data = "";
  if (!json_parser_load_from_data (parser, data, (gssize) size, &parse_error))
    {
      g_set_error (error, domain, code, "%s: not valid JSON: %s", display_name,
                   parse_error->message);
      return NULL;
    }
  return g_steal_pointer (&parser);
}

/* The builder's document as text, pretty-printed with two-space indents. */
char *
_pm_json_builder_to_text (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  json_generator_set_indent (generator, 2);
  return json_generator_to_data (generator, NULL);
}

/* Sets the error "FILE: ENTRY INDEX (“ID”): field “FIELD”: MESSAGE", leaving out the parts that
 * at and field do not have. Always returns FALSE. */
gboolean
_pm_json_fail (GError           **error,
               const PmJsonPlace *at,
               const char        *field,
               const char        *format,
               ...)
{
  va_list args;

  va_start (args, format);
  _pm_fail_at_entry_valist (error, at, "field", field, format, args);
  va_end (args);
  return FALSE;
}

/* JSON has one number type, which json-glib splits into integers and doubles. */
gboolean
_pm_json_node_is_number (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node)
         && (json_node_get_value_type (node) == G_TYPE_INT64
             || json_node_get_value_type (node) == G_TYPE_DOUBLE);
}

/* Reads an optional string member (absent or null: *out is NULL); a present value of the wrong
 * type is an error rather than silently ignored, because a number where a name belongs is
 * usually a broken export. */
gboolean
_pm_json_optional_string (JsonObject        *object,
                          const char        *field,
                          char             **out,
                          const PmJsonPlace *at,
                          GError           **error)
{
  JsonNode *node = json_object_get_member (object, field);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return _pm_json_fail (error, at, field, "expected a string");
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* Like _pm_json_optional_string(), but an absent, null or empty string is "missing". */
gboolean
_pm_json_required_string (JsonObject        *object,
                          const char        *field,
                          char             **out,
                          const PmJsonPlace *at,
                          GError           **error)
{
  if (!_pm_json_optional_string (object, field, out, at, error))
    return FALSE;
  if (*out == NULL || **out == '\0')
    {
      g_clear_pointer (out, g_free);
      return _pm_json_fail (error, at, field, "missing");
    }
  return TRUE;
}
