/* pm-api-alerts.c: POST /v1/alerts/{id}/ack and POST /v1/alerts/{id}/silence.
 *
 * Both need "Authorization: Bearer TOKEN"; the token's operator name is what the alert records as
 * who acted. The actions are thread-safe, so the handlers act directly on the API thread.
 * Time is the engine's clock as seen in the request's snapshot, so that a replay at 600× speed
 * silences for virtual, not wall-clock, minutes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-api-alerts.h"

#include <json-glib/json-glib.h>

#include "pm-api-json.h"
#include "pm-api-request.h"

typedef struct
{
  gatomicrefcount   refs;     /* two handlers share one context */
  PmTokens         *tokens;   /* borrowed: the application keeps it for the server's lifetime */
  PmApiAlertActions actions;
} Context;

static void
context_unref (gpointer data)
{
  Context *context = data;

  if (!g_atomic_ref_count_dec (&context->refs))
    return;
  if (context->actions.destroy != NULL)
    context->actions.destroy (context->actions.data);
  g_free (context);
}

static void
respond_alert_error (const PmApiRequest *request,
                     GError             *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    pm_api_json_respond_error (request, SOUP_STATUS_NOT_FOUND, "not_found", "%s", error->message);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    pm_api_json_respond_error (request, SOUP_STATUS_CONFLICT, "conflict", "%s", error->message);
  else
    pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid", "%s", error->message);
}

static void
respond_done (const PmApiRequest *request,
              const char         *id,
              const char         *who)
{
  g_autoptr(JsonBuilder) builder = pm_api_json_begin (request);

  pm_api_json_add_string (builder, "id", id);
  pm_api_json_add_string (builder, "by", who);
  pm_api_json_respond (request, SOUP_STATUS_OK, builder);
}

static void
ack_cb (PmApiServer        *server,
        const PmApiRequest *request,
        gpointer            user_data)
{
  Context *context = user_data;
  const char *id = g_hash_table_lookup (request->params, "id");
  const char *who = pm_api_request_authorize (context->tokens, request);
  g_autoptr(GError) error = NULL;

  if (who == NULL)
    return;
  if (!context->actions.acknowledge (id, who, pm_api_request_now (request),
                                     context->actions.data, &error))
    {
      respond_alert_error (request, error);
      return;
    }
  respond_done (request, id, who);
}

/* Reads {"until": UNIX_S, "reason": TEXT}; answers 400 and returns FALSE when it is not that. */
static gboolean
parse_silence (const PmApiRequest *request,
               gint64             *until,
               char              **reason)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *object = pm_api_request_read_object (request, FALSE,
                                                   "{\"until\": UNIX_S, \"reason\": TEXT}",
                                                   &parser);
  JsonNode *node;
  const char *text;

  if (object == NULL)
    return FALSE;
  node = json_object_get_member (object, "until");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || (json_node_get_value_type (node) != G_TYPE_INT64
          && json_node_get_value_type (node) != G_TYPE_DOUBLE))
    {
      pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_body",
                                 "Field “until” must be a time in unix seconds");
      return FALSE;
    }
  *until = (gint64) json_node_get_double (node);
  text = pm_api_object_get_string (object, "reason");
  if (text == NULL)
    {
      pm_api_json_respond_error (request, SOUP_STATUS_BAD_REQUEST, "invalid_body",
                                 "Field “reason” is required: say why the alert is silenced");
      return FALSE;
    }
  *reason = g_strdup (text);
  return TRUE;
}

static void
silence_cb (PmApiServer        *server,
            const PmApiRequest *request,
            gpointer            user_data)
{
  Context *context = user_data;
  const char *id = g_hash_table_lookup (request->params, "id");
  const char *who = pm_api_request_authorize (context->tokens, request);
  g_autofree char *reason = NULL;
  g_autoptr(GError) error = NULL;
  gint64 until;

  if (who == NULL || !parse_silence (request, &until, &reason))
    return;
  if (!context->actions.silence (id, until, reason, who, pm_api_request_now (request), context->actions.data,
                                 &error))
    {
      respond_alert_error (request, error);
      return;
    }
  respond_done (request, id, who);
}

void
pm_api_alerts_register (PmApiServer             *server,
                        PmTokens                *tokens,
                        const PmApiAlertActions *actions)
{
  Context *context = g_new0 (Context, 1);

  g_atomic_ref_count_init (&context->refs);
  g_atomic_ref_count_inc (&context->refs);
  context->tokens = tokens;
  context->actions = *actions;
  pm_api_server_add_handler (server, "POST", "/v1/alerts/{id}/ack", ack_cb, context,
                             context_unref);
  pm_api_server_add_handler (server, "POST", "/v1/alerts/{id}/silence", silence_cb, context,
                             context_unref);
}
