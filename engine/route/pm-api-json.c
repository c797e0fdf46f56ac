/* pm-api-json.c: writing API responses as JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-api-json.h"

#include <math.h>

/* A builder with the response object open and "now" set: every response carries the engine
 * clock's time, so that a client comparing times in the body never needs its own clock. */
JsonBuilder *
pm_api_json_begin (const PmApiRequest *request)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  pm_api_json_add_time (builder, "now", request->snapshot != NULL ? request->snapshot->time_s : 0);
  return builder;
}

/* Closes the object opened by pm_api_json_begin() and makes it the response body. */
void
pm_api_json_respond (const PmApiRequest *request,
                     guint               status,
                     JsonBuilder        *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (request->message);
  gsize length;
  char *body;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, &length);

  /* Every answer describes the engine at one tick: a cached copy would be a stale one. */
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_status (request->message, status, NULL);
  soup_server_message_set_response (request->message, "application/json", SOUP_MEMORY_TAKE,
                                    body, length);
}

void
pm_api_json_respond_error (const PmApiRequest *request,
                           guint               status,
                           const char         *code,
                           const char         *format,
                           ...)
{
  g_autoptr(JsonBuilder) builder = pm_api_json_begin (request);
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  pm_api_json_add_error (builder, code, message);
  pm_api_json_respond (request, status, builder);
}

/* The "error" member of DESIGN.md's error answers, for answers that carry more than the error. */
void
pm_api_json_add_error (JsonBuilder *builder,
                       const char  *code,
                       const char  *message)
{
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  pm_api_json_add_string (builder, "code", code);
  pm_api_json_add_string (builder, "message", message);
  json_builder_end_object (builder);
}

/* NULL becomes null. Text from fixed-size buffers may have been cut inside a character: JSON must
 * be valid UTF-8, so it is repaired rather than passed on. */
void
pm_api_json_add_string (JsonBuilder *builder,
                        const char  *name,
                        const char  *value)
{
  json_builder_set_member_name (builder, name);
  if (value == NULL)
    {
      json_builder_add_null_value (builder);
    }
  else if (g_utf8_validate (value, -1, NULL))
    {
      json_builder_add_string_value (builder, value);
    }
  else
    {
      g_autofree char *valid = g_utf8_make_valid (value, -1);
      json_builder_add_string_value (builder, valid);
    }
}

/* NaN means "unknown" in the engine; JSON has no NaN, and a client must not read it as a value. */
void
pm_api_json_add_number (JsonBuilder *builder,
                        const char  *name,
                        double       value)
{
  json_builder_set_member_name (builder, name);
  if (isfinite (value))
    json_builder_add_double_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* Samples are stored as floats: widened as they are, 12.3f prints as 12.300000190734863. The
 * shortest decimal that reads back as the same float is the number that was measured. */
void
pm_api_json_add_float (JsonBuilder *builder,
                       const char  *name,
                       float        value)
{
  static const char *const formats[] = { "%.6g", "%.7g", "%.8g", "%.9g" };
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];
  double shortest = value;

  /* Nine significant digits always read back as the same float. */
  for (guint i = 0; isfinite (value) && i < G_N_ELEMENTS (formats); i++)
    {
      double decimal = g_ascii_strtod (g_ascii_formatd (buffer, sizeof buffer, formats[i], value),
                                       NULL);
      if ((float) decimal == value)
        {
          shortest = decimal;
          break;
        }
    }
  pm_api_json_add_number (builder, name, shortest);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value,
         gboolean     zero_is_null)
{
  json_builder_set_member_name (builder, name);
  if (value != 0 || !zero_is_null)
    json_builder_add_int_value (builder, value);
  else
    json_builder_add_null_value (builder);
}

/* The engine writes 0 for "no such time" (no expected partition, not fired yet). */
void
pm_api_json_add_time (JsonBuilder *builder,
                      const char  *name,
                      gint64       unix_s)
{
  add_int (builder, name, unix_s, TRUE);
}

/* Catalogue ids and versions start at 1; 0 is "none". */
void
pm_api_json_add_id (JsonBuilder *builder,
                    const char  *name,
                    gint64       id)
{
  add_int (builder, name, id, TRUE);
}

/* Counts and sizes: integers in the JSON, never 1.0e9. */
void
pm_api_json_add_integer (JsonBuilder *builder,
                         const char  *name,
                         gint64       value)
{
  add_int (builder, name, value, FALSE);
}
