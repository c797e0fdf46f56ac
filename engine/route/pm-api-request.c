/* pm-api-request.c: authorisation, time and bodies of API requests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-api-request.h"

#include "pm-api-json.h"
#include "pm-json-private.h"

const char *
pm_api_request_authorize (PmTokens           *tokens,
                          const PmApiRequest *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (request->message);
  const char *name = pm_tokens_verify_header (
    tokens, soup_message_headers_get_one (headers, "Authorization"));

  if (name == NULL)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (request->message),
                                    "WWW-Authenticate", "Bearer");
      pm_api_json_respond_error (request, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                                 "This action needs “Authorization: Bearer TOKEN” with an "
                                 "operator token");
    }
  return name;
}

gint64
pm_api_request_now (const PmApiRequest *request)
{
  return request->snapshot != NULL ? request->snapshot->time_s : 0;
}

JsonObject *
pm_api_request_read_object (const PmApiRequest *request,
                            gboolean            allow_empty,
                            const char         *expected,
                            JsonParser        **parser)
{
  SoupMessageBody *body = soup_server_message_get_request_body (request->message);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  g_autoptr(JsonParser) local = json_parser_new_immutable ();
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);

  if (size == 0 && allow_empty)
    data = "{}", size = 2;
  if (size == 0 || !_pm_json_parser_load (local, data, (gssize) size, NULL, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (local)))
    {
      pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_body",
                                 "Expected a JSON object %s", expected);
      return NULL;
    }
  *parser = g_steal_pointer (&local);
  return json_node_get_object (json_parser_get_root (*parser));
}

const char *
pm_api_object_get_string (JsonObject *object,
                          const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}
