/* pm-etcd.c: etcd's v3 JSON gateway over libsoup.
 *
 * Two sessions: one for calls, with a request timeout so that a member without quorum (which
 * holds a write until its own timeout) cannot stall a caller for long, and one without a
 * timeout for watch streams, which stay quiet for as long as nothing changes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-etcd.h"

#include <libsoup/soup.h>
#include <string.h>

#include "model/pm-error-private.h"
#include "model/pm-json-private.h"

#define GRPC_UNAVAILABLE 14
#define QUOTED_BODY      200

struct _PmEtcd
{
  char       **endpoints;
  guint        n_endpoints;
  int          current;        /* atomic: the endpoint calls go to */
  SoupSession *session;
  SoupSession *stream_session;
};

struct _PmEtcdTxn
{
  JsonArray *compare;
  JsonArray *success;
  JsonArray *failure;   /* ranges read back when a compare fails */
  GPtrArray *current;   /* PmEtcdKv: what they found, after a failed commit */
};

struct _PmEtcdWatch
{
  PmEtcd           *etcd;      /* the client it came from, which outlives it */
  int               endpoint;  /* the member it streams from */
  SoupMessage      *message;
  GDataInputStream *lines;
  GCancellable     *cancellable;
  gboolean          own_cancellable;  /* made here, so cancelled when the watch ends */
};

G_DEFINE_QUARK (pm-etcd-error-quark, pm_etcd_error)

static gboolean
fail (GError    **error,
      PmEtcdError code,
      const char *format,
      ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError    **error,
      PmEtcdError code,
      const char *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_set_error_literal (error, PM_ETCD_ERROR, code, "");
  if (error != NULL && *error != NULL)
    {
      g_free ((*error)->message);
      (*error)->message = g_strdup_vprintf (format, args);
    }
  va_end (args);
  return FALSE;
}

/* An int64 the gateway sends as a string (or, from some versions, a number); absent is 0. */
static gint64
read_int64 (JsonObject *object,
            const char *field)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, field) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (node), NULL, 10);
  if (_pm_json_node_is_number (node))
    return json_node_get_int (node);
  return 0;
}

static char *
int64_text (gint64 value)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, value);
}

static char *
encode (const char *text,
        gsize       length)
{
  return g_base64_encode ((const guchar *) text, length);
}

static void
set_encoded (JsonObject *object,
             const char *field,
             const char *text)
{
  g_autofree char *encoded = encode (text, strlen (text));

  json_object_set_string_member (object, field, encoded);
}

static void
set_int64 (JsonObject *object,
           const char *field,
           gint64      value)
{
  g_autofree char *text = int64_text (value);

  json_object_set_string_member (object, field, text);
}

/* NUL-terminated; *length without the NUL. Absent (an empty value) is "". */
static char *
decode (JsonObject *object,
        const char *field,
        gsize      *length)
{
  const char *text = json_object_get_string_member_with_default (object, field, "");
  gsize n = 0;
  guchar *raw = g_base64_decode (text, &n);
  char *out = g_malloc (n + 1);

  memcpy (out, raw, n);
  out[n] = '\0';
  g_free (raw);
  if (length != NULL)
    *length = n;
  return out;
}

/* The end of the range of keys starting with prefix: the prefix with its last byte that can
 * be incremented incremented, as etcdctl's --prefix does. */
static char *
prefix_end (const char *prefix)
{
  gsize n = strlen (prefix);
  char *end = g_strdup (prefix);

  while (n > 0)
    {
      if ((guchar) end[n - 1] < 0xff)
        {
          end[n - 1]++;
          end[n] = '\0';
          return end;
        }
      n--;
    }
  /* Every byte 0xff: to the end of the key space ("\0"). */
  end[0] = '\0';
  return end;
}

static void
read_kv (JsonObject *object,
         PmEtcdKv   *kv)
{
  kv->key = decode (object, "key", NULL);
  kv->value = decode (object, "value", &kv->value_length);
  kv->create_revision = read_int64 (object, "create_revision");
  kv->mod_revision = read_int64 (object, "mod_revision");
  kv->version = read_int64 (object, "version");
  kv->lease = read_int64 (object, "lease");
}

/* json-glib 1.6 has no *_with_default getters for objects and arrays; a member of another
 * type counts as absent. */
static JsonObject *
object_member (JsonObject *object,
               const char *field,
               JsonObject *fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, field) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : fallback;
}

static JsonArray *
array_member (JsonObject *object,
              const char *field,
              JsonArray  *fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, field) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : fallback;
}

static JsonObject *
header_of (JsonObject *reply)
{
  return object_member (reply, "header", NULL);
}

static JsonNode *
object_node (JsonBuilder *builder)
{
  return json_builder_get_root (builder);
}

static void
advance_endpoint (PmEtcd *self,
                  int     from)
{
  g_atomic_int_compare_and_exchange (&self->current, from, (from + 1) % (int) self->n_endpoints);
}

/* Parses a reply body as one JSON object. */
static JsonObject *
parse_object (GBytes     *body,
              const char *url,
              GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize size = 0;
  const char *data = g_bytes_get_data (body, &size);
  JsonNode *root;

  if (!_pm_json_parser_load (parser, data, (gssize) size, url, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (error, PM_ETCD_ERROR_BAD_REPLY, "%s answered something other than a JSON object",
            url);
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* The message of a gateway error: {"error": "…", "code": N, "message": "…"}. */
static char *
error_text (JsonObject *reply,
            int        *code)
{
  const char *message;

  *code = (int) read_int64 (reply, "code");
  message = json_object_get_string_member_with_default (reply, "message", NULL);
  if (message == NULL)
    message = json_object_get_string_member_with_default (reply, "error", "(no message)");
  return g_strdup (message);
}

/* Public API */

PmEtcd *
pm_etcd_new (const char *const *endpoints,
             guint              request_timeout_s,
             GError           **error)
{
  g_autoptr(PmEtcd) self = g_new0 (PmEtcd, 1);

  g_return_val_if_fail (endpoints != NULL, NULL);

  self->n_endpoints = g_strv_length ((char **) endpoints);
  if (self->n_endpoints == 0)
    {
      fail (error, PM_ETCD_ERROR_FAILED, "No etcd endpoint given");
      return NULL;
    }
  self->endpoints = g_new0 (char *, self->n_endpoints + 1);
  for (guint i = 0; i < self->n_endpoints; i++)
    {
      g_autoptr(GUri) uri = g_uri_parse (endpoints[i], G_URI_FLAGS_NONE, NULL);
      gsize n = strlen (endpoints[i]);

      if (uri == NULL || g_strcmp0 (g_uri_get_scheme (uri), "http") != 0
          || g_uri_get_host (uri) == NULL)
        {
          fail (error, PM_ETCD_ERROR_FAILED,
                "“%s” is not an etcd endpoint: write http://HOST:PORT", endpoints[i]);
          return NULL;
        }
      /* Paths are appended to it: no trailing slash. */
      while (n > 0 && endpoints[i][n - 1] == '/')
        n--;
      self->endpoints[i] = g_strndup (endpoints[i], n);
    }
  /* Several threads call at once (the engine, the executor's workers, the API, the probe):
   * libsoup's default of 2 connections per host would queue them. */
  self->session = soup_session_new_with_options ("timeout", request_timeout_s,
                                                 "idle-timeout", 30, "max-conns-per-host", 8,
                                                 NULL);
  self->stream_session = soup_session_new_with_options ("timeout", 0, NULL);
  return g_steal_pointer (&self);
}

void
pm_etcd_free (PmEtcd *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->endpoints);
  g_clear_object (&self->session);
  g_clear_object (&self->stream_session);
  g_free (self);
}

char *
pm_etcd_dup_endpoint (PmEtcd *self)
{
  return g_strdup (self->endpoints[g_atomic_int_get (&self->current)]);
}

/* Whether a failed request surely never reached etcd's log, so that sending it to another
 * member cannot apply it twice. */
static gboolean
surely_not_applied (GError     *transport_error,
                    const char *message)
{
  if (transport_error != NULL)
    return g_error_matches (transport_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
           || g_error_matches (transport_error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE)
           || g_error_matches (transport_error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE)
           || g_error_matches (transport_error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);
  return message != NULL && strstr (message, "no leader") != NULL;
}

static JsonObject *
call (PmEtcd      *self,
      const char  *path,
      JsonNode    *body,
      gboolean     idempotent,
      GError     **error)
{
  g_autofree char *text = json_to_string (body, FALSE);
  g_autoptr(GBytes) request = g_bytes_new (text, strlen (text));
  g_autofree char *last_problem = NULL;
  gboolean maybe_applied = FALSE;

  for (guint attempt = 0; attempt < self->n_endpoints; attempt++)
    {
      int index = g_atomic_int_get (&self->current);
      g_autofree char *url = g_strconcat (self->endpoints[index], path, NULL);
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, url);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GBytes) reply_body = NULL;
      g_autoptr(JsonObject) reply = NULL;
      g_autofree char *message = NULL;
      guint status;
      int code = 0;

      if (msg == NULL)
        {
          fail (error, PM_ETCD_ERROR_FAILED, "Cannot make a request to %s", url);
          return NULL;
        }
      soup_message_set_request_body_from_bytes (msg, "application/json", request);
      reply_body = soup_session_send_and_read (self->session, msg, NULL, &local_error);
      if (reply_body == NULL)
        {
          g_free (last_problem);
          last_problem = g_strdup_printf ("%s: %s", self->endpoints[index], local_error->message);
          advance_endpoint (self, index);
          if (!idempotent && !surely_not_applied (local_error, NULL))
            {
              maybe_applied = TRUE;
              break;
            }
          continue;
        }
      status = soup_message_get_status (msg);
      reply = parse_object (reply_body, url, &local_error);
      if (status == SOUP_STATUS_OK && reply != NULL)
        return g_steal_pointer (&reply);
      if (reply != NULL)
        message = error_text (reply, &code);
      else
        {
          gsize size = 0;
          const char *data = g_bytes_get_data (reply_body, &size);

          message = _pm_quote_one_line (data, size, QUOTED_BODY);
        }
      if (status == SOUP_STATUS_SERVICE_UNAVAILABLE || status == SOUP_STATUS_REQUEST_TIMEOUT
          || code == GRPC_UNAVAILABLE || status >= 500)
        {
          g_free (last_problem);
          last_problem = g_strdup_printf ("%s: %s", self->endpoints[index], message);
          advance_endpoint (self, index);
          if (!idempotent && !surely_not_applied (NULL, message))
            {
              maybe_applied = TRUE;
              break;
            }
          continue;
        }
      fail (error, PM_ETCD_ERROR_FAILED, "etcd at %s refused %s: %s (HTTP %u)",
            self->endpoints[index], path, message, status);
      return NULL;
    }
  if (maybe_applied)
    fail (error, PM_ETCD_ERROR_INDETERMINATE, "etcd did not say whether it took the change (%s)",
          last_problem);
  else
    fail (error, PM_ETCD_ERROR_UNAVAILABLE, "No etcd member could answer (last: %s)",
          last_problem != NULL ? last_problem : "none tried");
  return NULL;
}

JsonObject *
pm_etcd_call (PmEtcd      *self,
              const char  *path,
              JsonNode    *body,
              GError     **error)
{
  return call (self, path, body, TRUE, error);
}

/* Appends the "kvs" of a range reply to kvs. */
static gboolean
read_kvs (JsonObject *reply,
          GPtrArray  *kvs,
          GError    **error)
{
  JsonArray *items = array_member (reply, "kvs", NULL);

  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      PmEtcdKv *kv;

      if (item == NULL)
        return fail (error, PM_ETCD_ERROR_BAD_REPLY, "A range reply holds a key that is not an "
                     "object");
      kv = g_new0 (PmEtcdKv, 1);
      read_kv (item, kv);
      g_ptr_array_add (kvs, kv);
    }
  return TRUE;
}

static GPtrArray *
range (PmEtcd     *self,
       const char *key,
       const char *end,
       gboolean    serializable,
       gint64     *revision,
       GError    **error)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *key64 = encode (key, strlen (key));
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GPtrArray) kvs = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_etcd_kv_free);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "key");
  json_builder_add_string_value (builder, key64);
  if (end != NULL)
    {
      g_autofree char *end64 = encode (end, strlen (end));

      json_builder_set_member_name (builder, "range_end");
      json_builder_add_string_value (builder, end[0] != '\0' ? end64 : "AA==");
    }
  if (serializable)
    {
      json_builder_set_member_name (builder, "serializable");
      json_builder_add_boolean_value (builder, TRUE);
    }
  json_builder_end_object (builder);
  body = object_node (builder);

  reply = pm_etcd_call (self, "/v3/kv/range", body, error);
  if (reply == NULL)
    return NULL;
  if (revision != NULL)
    *revision = read_int64 (header_of (reply), "revision");
  if (!read_kvs (reply, kvs, error))
    return NULL;
  return g_steal_pointer (&kvs);
}

GPtrArray *
pm_etcd_range_prefix (PmEtcd     *self,
                      const char *prefix,
                      gboolean    serializable,
                      gint64     *revision,
                      GError    **error)
{
  g_autofree char *end = prefix_end (prefix);

  return range (self, prefix, end, serializable, revision, error);
}

gboolean
pm_etcd_get (PmEtcd     *self,
             const char *key,
             PmEtcdKv  **out,
             gint64     *revision,
             GError    **error)
{
  g_autoptr(GPtrArray) kvs = range (self, key, NULL, FALSE, revision, error);

  if (kvs == NULL)
    return FALSE;
  *out = kvs->len > 0 ? g_ptr_array_steal_index (kvs, 0) : NULL;
  return TRUE;
}

PmEtcdTxn *
pm_etcd_txn_new (void)
{
  PmEtcdTxn *txn = g_new0 (PmEtcdTxn, 1);

  txn->compare = json_array_new ();
  txn->success = json_array_new ();
  txn->failure = json_array_new ();
  return txn;
}

void
pm_etcd_txn_free (PmEtcdTxn *txn)
{
  if (txn == NULL)
    return;
  json_array_unref (txn->compare);
  json_array_unref (txn->success);
  json_array_unref (txn->failure);
  g_clear_pointer (&txn->current, g_ptr_array_unref);
  g_free (txn);
}

void
pm_etcd_txn_expect (PmEtcdTxn  *txn,
                    const char *key,
                    gint64      mod_revision)
{
  JsonObject *compare = json_object_new ();

  set_encoded (compare, "key", key);
  json_object_set_string_member (compare, "result", "EQUAL");
  if (mod_revision == 0)
    {
      /* Create-if-absent: a key that does not exist has version 0. */
      json_object_set_string_member (compare, "target", "VERSION");
      json_object_set_string_member (compare, "version", "0");
    }
  else
    {
      json_object_set_string_member (compare, "target", "MOD");
      set_int64 (compare, "mod_revision", mod_revision);
    }
  json_array_add_object_element (txn->compare, compare);
}

/* Adds {kind: {"key": key}} to a branch; returns the request, to add more fields to. */
static JsonObject *
add_op (JsonArray  *branch,
        const char *kind,
        const char *key)
{
  JsonObject *request = json_object_new ();
  JsonObject *op = json_object_new ();

  set_encoded (request, "key", key);
  json_object_set_object_member (op, kind, request);
  json_array_add_object_element (branch, op);
  return request;
}

void
pm_etcd_txn_put (PmEtcdTxn  *txn,
                 const char *key,
                 const char *value,
                 gint64      lease)
{
  JsonObject *request = add_op (txn->success, "request_put", key);

  set_encoded (request, "value", value);
  if (lease != 0)
    set_int64 (request, "lease", lease);
}

void
pm_etcd_txn_delete (PmEtcdTxn  *txn,
                    const char *key)
{
  add_op (txn->success, "request_delete_range", key);
}

void
pm_etcd_txn_read_on_failure (PmEtcdTxn  *txn,
                             const char *key)
{
  add_op (txn->failure, "request_range", key);
}

GPtrArray *
pm_etcd_txn_get_current (PmEtcdTxn *txn)
{
  return txn->current;
}

/* The keys the failure branch read, from the responses of a failed transaction. */
static gboolean
read_failure (JsonObject *reply,
              PmEtcdTxn  *txn,
              GError    **error)
{
  JsonArray *responses = array_member (reply, "responses", NULL);

  g_clear_pointer (&txn->current, g_ptr_array_unref);
  txn->current = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_etcd_kv_free);
  for (guint i = 0; responses != NULL && i < json_array_get_length (responses); i++)
    {
      JsonObject *response = json_array_get_object_element (responses, i);
      JsonObject *ranged = response != NULL ? object_member (response, "response_range", NULL)
                                            : NULL;

      /* A range that found nothing is an empty object, and empty objects are left out too. */
      if (ranged != NULL && !read_kvs (ranged, txn->current, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
pm_etcd_txn_is_empty (PmEtcdTxn *txn)
{
  return json_array_get_length (txn->success) == 0;
}

gboolean
pm_etcd_txn_commit (PmEtcd    *self,
                    PmEtcdTxn *txn,
                    gboolean  *succeeded,
                    gint64    *revision,
                    GError   **error)
{
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonObject) reply = NULL;

  json_object_set_array_member (request, "compare", json_array_ref (txn->compare));
  json_object_set_array_member (request, "success", json_array_ref (txn->success));
  if (json_array_get_length (txn->failure) > 0)
    json_object_set_array_member (request, "failure", json_array_ref (txn->failure));
  json_node_set_object (body, request);
  /* Reads and compares only can go to any member; a write once. */
  reply = call (self, "/v3/kv/txn", body, pm_etcd_txn_is_empty (txn), error);
  if (reply == NULL)
    return FALSE;
  /* A false "succeeded" is its default, and defaults are left out. */
  *succeeded = json_object_get_boolean_member_with_default (reply, "succeeded", FALSE);
  if (revision != NULL)
    *revision = read_int64 (header_of (reply), "revision");
  if (!*succeeded && !read_failure (reply, txn, error))
    return FALSE;
  return TRUE;
}

static JsonNode *
lease_body (gint64 lease,
            gint64 ttl_s)
{
  g_autoptr(JsonObject) request = json_object_new ();
  JsonNode *body = json_node_new (JSON_NODE_OBJECT);

  if (lease != 0)
    set_int64 (request, "ID", lease);
  if (ttl_s != 0)
    set_int64 (request, "TTL", ttl_s);
  json_node_set_object (body, request);
  return body;
}

gint64
pm_etcd_lease_grant (PmEtcd  *self,
                     gint64   ttl_s,
                     GError **error)
{
  g_autoptr(JsonNode) body = lease_body (0, ttl_s);
  g_autoptr(JsonObject) reply = pm_etcd_call (self, "/v3/lease/grant", body, error);
  gint64 id;

  if (reply == NULL)
    return 0;
  id = read_int64 (reply, "ID");
  if (id == 0)
    fail (error, PM_ETCD_ERROR_BAD_REPLY, "etcd granted a lease without an ID: %s",
          json_object_get_string_member_with_default (reply, "error", "no reason given"));
  return id;
}

gboolean
pm_etcd_lease_keep_alive (PmEtcd  *self,
                          gint64   lease,
                          gint64  *ttl_s,
                          GError **error)
{
  g_autoptr(JsonNode) body = lease_body (lease, 0);
  g_autoptr(JsonObject) reply = pm_etcd_call (self, "/v3/lease/keepalive", body, error);
  JsonObject *result;
  gint64 ttl;

  if (reply == NULL)
    return FALSE;
  /* A stream of one reply, wrapped in "result"; a lease that is gone comes back with no TTL. */
  result = object_member (reply, "result", NULL);
  ttl = read_int64 (result != NULL ? result : reply, "TTL");
  if (ttl <= 0)
    return fail (error, PM_ETCD_ERROR_LEASE_GONE, "The etcd lease %" G_GINT64_FORMAT
                 " has expired", lease);
  if (ttl_s != NULL)
    *ttl_s = ttl;
  return TRUE;
}

gboolean
pm_etcd_lease_revoke (PmEtcd  *self,
                      gint64   lease,
                      GError **error)
{
  g_autoptr(JsonNode) body = lease_body (lease, 0);
  g_autoptr(JsonObject) reply = pm_etcd_call (self, "/v3/lease/revoke", body, error);

  return reply != NULL;
}

/* Watching */

/* Reads one message of the stream, {"result": {…}} or {"error": {…}}, and returns result. */
static JsonObject *
read_message (PmEtcdWatch *watch,
              GError     **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gsize length = 0;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (watch->lines, &length,
                                                                   watch->cancellable,
                                                                   &local_error);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(JsonObject) message = NULL;
      JsonObject *result, *problem;

      if (local_error != NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local_error));
          else
            {
              advance_endpoint (watch->etcd, watch->endpoint);
              fail (error, PM_ETCD_ERROR_UNAVAILABLE, "The etcd watch stream broke: %s",
                    local_error->message);
            }
          return NULL;
        }
      if (line == NULL)
        {
          advance_endpoint (watch->etcd, watch->endpoint);
          fail (error, PM_ETCD_ERROR_UNAVAILABLE, "The etcd watch stream ended");
          return NULL;
        }
      if (length == 0)
        continue;
      bytes = g_bytes_new_take (g_steal_pointer (&line), length);
      message = parse_object (bytes, "the etcd watch stream", error);
      if (message == NULL)
        return NULL;
      problem = object_member (message, "error", NULL);
      if (problem != NULL)
        {
          int code = (int) read_int64 (problem, "grpc_code");
          gint64 http_code = read_int64 (problem, "http_code");
          const char *text = json_object_get_string_member_with_default (problem, "message",
                                                                         "no message");
          gboolean unavailable = code == GRPC_UNAVAILABLE || code == 0
                                 || http_code == SOUP_STATUS_SERVICE_UNAVAILABLE
                                 || http_code == SOUP_STATUS_REQUEST_TIMEOUT;

          /* The member lost its leader or timed out: the next stream goes to another. */
          if (unavailable)
            advance_endpoint (watch->etcd, watch->endpoint);
          fail (error, unavailable ? PM_ETCD_ERROR_UNAVAILABLE : PM_ETCD_ERROR_FAILED,
                "The etcd watch stream failed: %s", text);
          return NULL;
        }
      result = object_member (message, "result", NULL);
      if (result == NULL)
        {
          fail (error, PM_ETCD_ERROR_BAD_REPLY, "A watch message without “result”");
          return NULL;
        }
      return json_object_ref (result);
    }
}

static gboolean
check_compacted (JsonObject *result,
                 gint64     *compact_revision,
                 GError    **error)
{
  gint64 compacted = read_int64 (result, "compact_revision");

  if (compacted == 0)
    {
      if (json_object_get_boolean_member_with_default (result, "canceled", FALSE))
        return fail (error, PM_ETCD_ERROR_FAILED, "etcd cancelled the watch: %s",
                     json_object_get_string_member_with_default (result, "cancel_reason",
                                                                 "no reason given"));
      return TRUE;
    }
  if (compact_revision != NULL)
    *compact_revision = compacted;
  return fail (error, PM_ETCD_ERROR_COMPACTED, "The changes the watch asked for were compacted "
               "away (up to revision %" G_GINT64_FORMAT ")", compacted);
}

PmEtcdWatch *
pm_etcd_watch_open (PmEtcd       *self,
                    const char   *prefix,
                    gint64        start_revision,
                    GCancellable *cancellable,
                    gint64       *compact_revision,
                    GError      **error)
{
  int index = g_atomic_int_get (&self->current);
  g_autofree char *url = g_strconcat (self->endpoints[index], "/v3/watch", NULL);
  g_autofree char *end = prefix_end (prefix);
  g_autoptr(JsonObject) create = json_object_new ();
  g_autoptr(JsonObject) request = json_object_new ();
  g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(PmEtcdWatch) watch = g_new0 (PmEtcdWatch, 1);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) first = NULL;

  set_encoded (create, "key", prefix);
  set_encoded (create, "range_end", end);
  set_int64 (create, "start_revision", start_revision);
  json_object_set_boolean_member (create, "progress_notify", TRUE);
  json_object_set_object_member (request, "create_request", json_object_ref (create));
  json_node_set_object (body, request);
  text = json_to_string (body, FALSE);
  bytes = g_bytes_new (text, strlen (text));

  watch->etcd = self;
  watch->endpoint = index;
  watch->own_cancellable = cancellable == NULL;
  watch->cancellable = cancellable != NULL ? g_object_ref (cancellable) : g_cancellable_new ();
  watch->message = soup_message_new (SOUP_METHOD_POST, url);
  soup_message_set_request_body_from_bytes (watch->message, "application/json", bytes);
  stream = soup_session_send (self->stream_session, watch->message, watch->cancellable,
                              &local_error);
  if (stream == NULL || soup_message_get_status (watch->message) != SOUP_STATUS_OK)
    {
      /* The next attempt goes to another member. */
      advance_endpoint (self, index);
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        fail (error, PM_ETCD_ERROR_UNAVAILABLE, "Cannot watch etcd at %s: %s",
              self->endpoints[index], local_error != NULL
                ? local_error->message
                : soup_message_get_reason_phrase (watch->message));
      return NULL;
    }
  watch->lines = g_data_input_stream_new (stream);
  g_data_input_stream_set_newline_type (watch->lines, G_DATA_STREAM_NEWLINE_TYPE_ANY);

  first = read_message (watch, error);
  if (first == NULL)
    {
      advance_endpoint (self, index);
      return NULL;
    }
  if (!check_compacted (first, compact_revision, error))
    return NULL;
  return g_steal_pointer (&watch);
}

GPtrArray *
pm_etcd_watch_next (PmEtcdWatch *watch,
                    gint64      *revision,
                    gint64      *compact_revision,
                    GError     **error)
{
  g_autoptr(JsonObject) result = read_message (watch, error);
  g_autoptr(GPtrArray) events = NULL;
  JsonArray *items;

  if (result == NULL || !check_compacted (result, compact_revision, error))
    return NULL;
  events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_etcd_event_free);
  items = array_member (result, "events", NULL);
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      JsonObject *kv = item != NULL ? object_member (item, "kv", NULL)
                                    : NULL;
      PmEtcdEvent *event;

      if (kv == NULL)
        {
          fail (error, PM_ETCD_ERROR_BAD_REPLY, "A watch event without its key");
          return NULL;
        }
      event = g_new0 (PmEtcdEvent, 1);
      /* PUT is the type's default, so a put has no "type". */
      event->type = g_strcmp0 (json_object_get_string_member_with_default (item, "type", "PUT"),
                               "DELETE") == 0 ? PM_ETCD_EVENT_DELETE : PM_ETCD_EVENT_PUT;
      read_kv (kv, &event->kv);
      g_ptr_array_add (events, event);
    }
  if (revision != NULL)
    *revision = read_int64 (header_of (result), "revision");
  return g_steal_pointer (&events);
}

void
pm_etcd_watch_free (PmEtcdWatch *watch)
{
  if (watch == NULL)
    return;
  if (watch->own_cancellable)
    g_cancellable_cancel (watch->cancellable);
  g_clear_object (&watch->lines);
  g_clear_object (&watch->message);
  g_clear_object (&watch->cancellable);
  g_free (watch);
}

void
pm_etcd_kv_clear (PmEtcdKv *kv)
{
  g_clear_pointer (&kv->key, g_free);
  g_clear_pointer (&kv->value, g_free);
}

void
pm_etcd_kv_free (PmEtcdKv *kv)
{
  if (kv == NULL)
    return;
  pm_etcd_kv_clear (kv);
  g_free (kv);
}

void
pm_etcd_event_free (PmEtcdEvent *event)
{
  if (event == NULL)
    return;
  pm_etcd_kv_clear (&event->kv);
  g_free (event);
}
