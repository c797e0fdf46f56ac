/* pm-json.c: reading the engine's JSON files with errors that point at the culprit, and writing
 * its JSON documents.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-json-private.h"

#include <string.h>

/* Where the guard is in the text, for "NAME:LINE:COLUMN" like json-glib's own messages. */
typedef struct
{
  const char *name;
  gsize       line;
  gsize       line_start;
} GuardPlace;

static gboolean
guard_fail (GError          **error,
            const GuardPlace *place,
            gsize             offset,
            int               code,
            const char       *format,
            ...) G_GNUC_PRINTF (5, 6);

static gboolean
guard_fail (GError          **error,
            const GuardPlace *place,
            gsize             offset,
            int               code,
            const char       *format,
            ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  /* Columns count bytes from 1; json-glib's own errors count the same way for ASCII. */
  g_set_error (error, JSON_PARSER_ERROR, code, "%s:%" G_GSIZE_FORMAT ":%" G_GSIZE_FORMAT
               ": Parse error: %s", place->name != NULL ? place->name : "<data>", place->line,
               offset - place->line_start + 1, what);
  return FALSE;
}

/* The code unit of the \uXXXX escape at text[i] (the backslash), or -1 when there is none. */
static int
unicode_escape_at (const char *text,
                   gsize       size,
                   gsize       i)
{
  int unit = 0;

  if (i > size || size - i < 6 || text[i] != '\\' || text[i + 1] != 'u')
    return -1;
  for (gsize k = i + 2; k < i + 6; k++)
    {
      int digit = g_ascii_xdigit_value (text[k]);

      if (digit < 0)
        return -1;
      unit = unit * 16 + digit;
    }
  return unit;
}

/* Scans the double-quoted string whose opening quote is at text[*i] and leaves *i after its
 * closing quote (or at the end of an unterminated one, which json-glib reports). */
static gboolean
guard_string (const char *text,
              gsize       size,
              gsize      *i,
              GuardPlace *place,
              GError    **error)
{
  gsize at = *i + 1;

  while (at < size && text[at] != '"')
    {
      int unit;

      if (text[at] == '\n')
        {
          place->line++;
          place->line_start = at + 1;
        }
      if (text[at] != '\\')
        {
          at++;
          continue;
        }
      unit = unicode_escape_at (text, size, at);
      /* json-glib 1.6 leaks when a \u escape is cut short. */
      if (unit < 0 && at + 1 < size && text[at + 1] == 'u')
        return guard_fail (error, place, at, JSON_PARSER_ERROR_INVALID_DATA,
                           "the escape “%.*s” needs four hexadecimal digits after \\u",
                           (int) MIN (size - at, 6), text + at);
      if (unit >= 0xD800 && unit <= 0xDBFF)
        {
          int low = unicode_escape_at (text, size, at + 6);

          /* json-glib 1.6 decodes a lone high surrogate into bytes that are not UTF-8, and
           * leaks when a second high one follows. */
          if (low < 0xDC00 || low > 0xDFFF)
            return guard_fail (error, place, at, JSON_PARSER_ERROR_INVALID_DATA,
                               "the escape “%.6s” starts a UTF-16 surrogate pair, but no "
                               "\\uDC00–\\uDFFF escape follows it", text + at);
          at += 12;
        }
      else if (unit >= 0xDC00 && unit <= 0xDFFF)
        return guard_fail (error, place, at, JSON_PARSER_ERROR_INVALID_DATA,
                           "the escape “%.6s” ends a UTF-16 surrogate pair, but no "
                           "\\uD800–\\uDBFF escape comes before it", text + at);
      else if (unit >= 0)
        at += 6;
      else
        at += 2;  /* any other escape is one character; json-glib judges it */
    }
  *i = MIN (at + 1, size);
  return TRUE;
}

/* Refuses, in one pass and without allocating, what json-glib 1.6 gets wrong with untrusted
 * text: data after the first complete value (a following object or array is parsed, then its
 * tree leaked, and the first value returned as if nothing followed), \uD800–\uDFFF escapes that
 * are not a high one directly followed by a low one (decoded into invalid UTF-8, or leaked on
 * the error), and nesting deeper than PM_JSON_MAX_DEPTH (recursion off the stack). Also refuses
 * comments, which JSON does not have and which would hide quotes from this scan.
 *
 * It lexes only: strings (with their escapes) and brackets. Anything else wrong is left to
 * json-glib, which reports it in its own words. */
gboolean
_pm_json_check_text (const char *text,
                     gsize       size,
                     const char *name,
                     GError    **error)
{
  GuardPlace place = { .name = name, .line = 1, .line_start = 0 };
  gsize depth = 0;
  gboolean ended = FALSE;
  gsize i = 0;

  g_return_val_if_fail (text != NULL || size == 0, FALSE);

  /* json-glib skips a UTF-8 byte order mark. */
  if (size >= 3 && memcmp (text, "\xef\xbb\xbf", 3) == 0)
    i = 3;
  while (i < size)
    {
      char c = text[i];

      if (c == '\n')
        {
          place.line++;
          place.line_start = i + 1;
          i++;
          continue;
        }
      if (c == ' ' || c == '\t' || c == '\r')
        {
          i++;
          continue;
        }
      if (ended)
        return guard_fail (error, &place, i, JSON_PARSER_ERROR_PARSE,
                           "trailing data after the JSON value");
      switch (c)
        {
        case '"':
          if (!guard_string (text, size, &i, &place, error))
            return FALSE;
          ended = depth == 0;
          break;
        case '\'':
          /* json-glib takes 'text' as a string, without escapes. */
          for (i++; i < size && text[i] != '\''; i++)
            if (text[i] == '\n')
              {
                place.line++;
                place.line_start = i + 1;
              }
          i = MIN (i + 1, size);
          ended = depth == 0;
          break;
        case '{':
        case '[':
          if (++depth > PM_JSON_MAX_DEPTH)
            return guard_fail (error, &place, i, JSON_PARSER_ERROR_PARSE,
                               "arrays and objects nested deeper than %d levels",
                               PM_JSON_MAX_DEPTH);
          i++;
          break;
        case '}':
        case ']':
          /* A closing bracket before any value: json-glib refuses it in its own words. */
          if (depth == 0)
            return TRUE;
          ended = --depth == 0;
          i++;
          break;
        case ',':
        case ':':
          i++;
          break;
        case '/':
          return guard_fail (error, &place, i, JSON_PARSER_ERROR_PARSE,
                             "unexpected “/” (JSON has no comments)");
        default:
          /* A bare word: a number, true, false, null, or something json-glib refuses. */
          do
            i++;
          while (i < size && text[i] != '\0' && strchr (" \t\r\n{}[],:\"'/", text[i]) == NULL);
          ended = depth == 0;
          break;
        }
    }
  return TRUE;
}

/* json_parser_load_from_data() behind _pm_json_check_text(): the one way the engine reads JSON
 * text it did not write. name stands before line and column in errors ("<data>" when NULL);
 * errors are in JSON_PARSER_ERROR, or json-glib's own. length -1: up to the first NUL. */
gboolean
_pm_json_parser_load (JsonParser *parser,
                      const char *data,
                      gssize      length,
                      const char *name,
                      GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  gsize size;

  g_return_val_if_fail (JSON_IS_PARSER (parser), FALSE);

  /* An empty buffer may have no data pointer, which json-glib refuses with a critical. */
  if (data == NULL)
    data = "", length = 0;
  size = length < 0 ? strlen (data) : (gsize) length;
  if (!_pm_json_check_text (data, size, name, error))
    return FALSE;
  if (json_parser_load_from_data (parser, data, (gssize) size, &local_error))
    return TRUE;
  /* json-glib calls text "<data>"; its errors name the file like the guard's do. */
  if (name != NULL && g_str_has_prefix (local_error->message, "<data>:"))
    {
      g_autofree char *message = g_strconcat (name, local_error->message + strlen ("<data>"),
                                              NULL);

      g_set_error_literal (error, local_error->domain, local_error->code, message);
      return FALSE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

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

  if (!_pm_json_parser_load (parser, data, (gssize) size, NULL, &parse_error))
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
