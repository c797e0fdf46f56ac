/* pm-api-server.c: the HTTP API server on a thread and main context of its own.
 *
 * The SoupServer is created, listens, serves and is destroyed on the API thread alone, so that no
 * libsoup object is ever shared between threads. What crosses threads: the route table (guarded
 * by a lock, so that handlers can be added while serving), the snapshots (immutable and reference
 * counted, handed over by the thread-safe snapshot function), the start handshake (a mutex and a
 * condition) and the request to stop (an idle source on the API context).
 *
 * Connections are accepted by a GSocketService and handed to libsoup, not by libsoup's own
 * listener: in libsoup 3.2 that listener leaks every accepted socket, and never notices a client
 * closing an idle kept-alive connection, which then stays in CLOSE_WAIT with its descriptor held:
 * a thousand short-lived clients (curl, health checkers) would exhaust the process's descriptors.
 * Both bugs are fixed upstream in 3.3. libsoup 3.2 also keeps alive no connection it did not
 * accept itself, and its own keep-alive has the second bug: the idle read that waits for the
 * next request has nobody to tell when the client hangs up (it is not the connection's first).
 * So the server keeps connections alive itself: once an answer is written out, it takes the
 * connection back from libsoup and hands it over again as a new one, whose first read does
 * notice a hang-up. Clients that pipeline (send a request before the previous answer arrived;
 * no common client does) would lose the request that libsoup had read ahead; clients that ask
 * for "Connection: close", and HTTP/1.0 clients, get it.
 * Accepting connections ourselves is also how TLS works: each one is wrapped in a
 * GTlsServerConnection before libsoup sees it, and libsoup reads HTTP through it (the handshake
 * runs on the first read).
 *
 * Request limits are checked when the headers are in ("got-headers"), before any handler runs.
 * libsoup 3.2 offers no way to skip a request body once a status is set there: it still reads
 * the body off the connection before answering (except when the client sent "Expect:
 * 100-continue", which it answers at once so that the body is never sent). The server stops
 * keeping what it reads, so an oversized body costs time on the wire but never memory.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-api-server.h"

#include <gio/gnetworking.h>
#include <string.h>

#include "pm-api-dns.h"
#include "pm-api-json.h"
#include "pm-api-read.h"

typedef struct
{
  char          *method;
  char         **segments;  /* the pattern split at "/", without the leading empty one or "*" */
  gboolean       tail;      /* the pattern's last segment is "*" */
  guint          score;     /* more literal segments win over captures, captures over a tail */
  PmApiHandler   handler;
  gpointer       user_data;
  GDestroyNotify destroy;
} Route;

struct _PmApiServer
{
  GObject             parent_instance;

  PmApiSnapshotFunc   dup_snapshot;
  gpointer            snapshot_data;
  GDestroyNotify      snapshot_destroy;
  char               *dns_zone;

  GRWLock             routes_lock;
  GPtrArray          *routes;

  /* Written by start() before the thread runs or by the thread before the handshake, then
   * read-only until stop() has joined the thread. */
  GInetSocketAddress *address;
  GMainContext       *context;
  GMainLoop          *loop;
  GThread            *thread;
  char               *url;
  guint16             port;

  GMutex              start_lock;
  GCond               start_cond;
  gboolean            started;
  GError             *start_error;

  GTlsCertificate    *tls_certificate;  /* set before start; immutable, shared by connections */
  SoupServer         *soup;             /* the API thread's alone */
  GHashTable         *sockets;          /* the API thread's alone: "addr:port" → GSocket of each
                                         * open connection, since libsoup tells a request's peer
                                         * but not its socket (for connections it did not
                                         * accept) */

  /* Written by the API thread, read by /metrics on it or by tests on any thread. */
  GMutex              stats_lock;
  guint64             latency_counts[PM_API_LATENCY_N_BUCKETS + 1];  /* the last: over all */
  double              latency_sum_s;
  guint64             status_counts[PM_API_N_STATUS];
};

static const double latency_bounds[PM_API_LATENCY_N_BUCKETS] = {
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
};

G_DEFINE_TYPE (PmApiServer, pm_api_server, G_TYPE_OBJECT)

G_DEFINE_QUARK (pm-api-server-error-quark, pm_api_server_error)

static void
route_free (gpointer data)
{
  Route *route = data;

  if (route->destroy != NULL)
    route->destroy (route->user_data);
  g_free (route->method);
  g_strfreev (route->segments);
  g_free (route);
}

static gboolean
is_capture (const char *segment)
{
  gsize length = strlen (segment);

  return length > 2 && segment[0] == '{' && segment[length - 1] == '}';
}

/* Matches a percent-encoded path against the route's pattern. Literal segments compare encoded;
 * captures are decoded and must be non-empty UTF-8 without "/" or NUL, and neither "." nor "..",
 * so that no handler can be led out of the folder it serves. */
static gboolean
route_match (const Route *route,
             const char  *path,
             GHashTable  *params)
{
  const char *p;

  if (path[0] != '/')
    return FALSE;
  p = path + 1;
  if (route->segments[0] == NULL)
    {
      g_hash_table_insert (params, g_strdup ("*"), g_strdup (p));
      return TRUE;
    }

  for (guint i = 0; route->segments[i] != NULL; i++)
    {
      const char *segment = route->segments[i];
      const char *end = p + strcspn (p, "/");
      gsize length = (gsize) (end - p);

      if (is_capture (segment))
        {
          g_autofree char *value = NULL;

          if (length == 0)
            return FALSE;
          value = g_uri_unescape_segment (p, end, "/");
          if (value == NULL || !g_utf8_validate (value, -1, NULL)
              || g_str_equal (value, ".") || g_str_equal (value, ".."))
            return FALSE;
          g_hash_table_insert (params, g_strndup (segment + 1, strlen (segment) - 2),
                               g_steal_pointer (&value));
        }
      else if (strlen (segment) != length || strncmp (segment, p, length) != 0)
        {
          return FALSE;
        }

      if (route->segments[i + 1] == NULL)
        {
          if (!route->tail)
            return *end == '\0';
          if (*end != '/')
            return FALSE;
          g_hash_table_insert (params, g_strdup ("*"), g_strdup (end + 1));
          return TRUE;
        }
      if (*end != '/')
        return FALSE;
      p = end + 1;
    }
  g_assert_not_reached ();
}

static void
count_status (PmApiServer *self,
              guint        status)
{
  if (status < PM_API_MIN_STATUS || status >= PM_API_MIN_STATUS + PM_API_N_STATUS)
    return;
  g_mutex_lock (&self->stats_lock);
  self->status_counts[status - PM_API_MIN_STATUS]++;
  g_mutex_unlock (&self->stats_lock);
}

static void
count_latency (PmApiServer *self,
               gint64       elapsed_us)
{
  double elapsed_s = (double) elapsed_us / G_USEC_PER_SEC;
  guint bucket = 0;

  while (bucket < PM_API_LATENCY_N_BUCKETS && elapsed_s > latency_bounds[bucket])
    bucket++;
  g_mutex_lock (&self->stats_lock);
  self->latency_counts[bucket]++;
  self->latency_sum_s += elapsed_s;
  g_mutex_unlock (&self->stats_lock);
}

/* An answer given after the handler returned (a paused message) is counted when it is sent. */
static void
message_finished_cb (SoupServerMessage *message,
                     gpointer           user_data)
{
  count_status (user_data, soup_server_message_get_status (message));
}

/* Answers a request refused before routing, in the API's error format. */
static void
refuse (PmApiServer       *self,
        SoupServerMessage *message,
        guint              status,
        const char        *code,
        const char        *text)
{
  g_autoptr(PmSnapshot) snapshot = self->dup_snapshot (self->snapshot_data);
  g_autoptr(GHashTable) query = g_hash_table_new (g_str_hash, g_str_equal);
  GUri *uri = soup_server_message_get_uri (message);
  PmApiRequest request = {
    .message = message,
    .method = soup_server_message_get_method (message),
    .path = uri != NULL ? g_uri_get_path (uri) : "",
    .query = query,
    .snapshot = snapshot,
  };

  /* What is left of the request is never read into memory, and the connection ends with it. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (message), FALSE);
  soup_message_body_truncate (soup_server_message_get_request_body (message));
  soup_message_headers_replace (soup_server_message_get_response_headers (message), "Connection",
                                "close");
  pm_api_json_respond_error (&request, status, code, "%s", text);
  count_status (self, status);
}

typedef struct
{
  GHashTable *sockets;
  char       *key;
  GSocket    *socket;
} Tracked;

static void
connection_gone_cb (gpointer data,
                    GObject *where_the_object_was)
{
  Tracked *tracked = data;

  /* The port may serve a newer connection already. */
  if (tracked->sockets != NULL &&
      g_hash_table_lookup (tracked->sockets, tracked->key) == tracked->socket)
    g_hash_table_remove (tracked->sockets, tracked->key);
  if (tracked->sockets != NULL)
    g_hash_table_unref (tracked->sockets);
  g_free (tracked->key);
  g_free (tracked);
}

static void
track_socket (PmApiServer       *self,
              GSocketAddress    *remote,
              GSocketConnection *connection)
{
  Tracked *tracked = g_new0 (Tracked, 1);

  tracked->sockets = g_hash_table_ref (self->sockets);
  tracked->key = g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (remote));
  tracked->socket = g_socket_connection_get_socket (connection);
  g_hash_table_replace (self->sockets, g_strdup (tracked->key), tracked->socket);
  g_object_weak_ref (G_OBJECT (connection), connection_gone_cb, tracked);
}

static GSocket *
lookup_socket (PmApiServer       *self,
               SoupServerMessage *message)
{
  g_autofree char *key = g_socket_connectable_to_string (
    G_SOCKET_CONNECTABLE (soup_server_message_get_remote_address (message)));

  return g_hash_table_lookup (self->sockets, key);
}

static void
got_headers_cb (SoupServerMessage *message,
                gpointer           user_data)
{
  PmApiServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (message);
  GUri *uri = soup_server_message_get_uri (message);
  gsize uri_length = 0;

  /* libsoup answered already (a malformed request). */
  if (soup_server_message_get_status (message) != 0)
    return;

  if (uri != NULL)
    uri_length = strlen (g_uri_get_path (uri))
                 + (g_uri_get_query (uri) != NULL ? strlen (g_uri_get_query (uri)) + 1 : 0);
  if (uri_length > PM_API_MAX_URI_BYTES)
    {
      g_autofree char *text = g_strdup_printf ("The request URI has %" G_GSIZE_FORMAT " bytes; "
                                               "the API takes at most %d", uri_length,
                                               PM_API_MAX_URI_BYTES);
      refuse (self, message, SOUP_STATUS_REQUEST_URI_TOO_LONG, "uri_too_long", text);
      return;
    }

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
      && soup_message_headers_get_content_length (headers) > PM_API_MAX_BODY_BYTES)
    {
      g_autofree char *text = g_strdup_printf ("The request body has %" G_GINT64_FORMAT " bytes; "
                                               "the API takes at most %d",
                                               soup_message_headers_get_content_length (headers),
                                               PM_API_MAX_BODY_BYTES);
      refuse (self, message, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large", text);
    }
}

/* A chunked body announces no length: it is measured as it arrives. */
static void
got_chunk_cb (SoupServerMessage *message,
              GBytes            *chunk,
              gpointer           user_data)
{
  SoupMessageBody *body = soup_server_message_get_request_body (message);
  g_autofree char *text = NULL;

  if (soup_server_message_get_status (message) != 0 || body->length <= PM_API_MAX_BODY_BYTES)
    return;
  text = g_strdup_printf ("The request body has more than %d bytes, the most the API takes",
                          PM_API_MAX_BODY_BYTES);
  refuse (user_data, message, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large", text);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *message,
                    gpointer           user_data)
{
  /* Connected after libsoup's own handler, which parses the URI first. */
  g_signal_connect (message, "got-headers", G_CALLBACK (got_headers_cb), user_data);
  g_signal_connect (message, "got-chunk", G_CALLBACK (got_chunk_cb), user_data);
}

static void
add_allowed (GPtrArray  *allowed,
             const char *method)
{
  if (!g_ptr_array_find_with_equal_func (allowed, method, g_str_equal, NULL))
    g_ptr_array_add (allowed, (gpointer) method);
}

typedef struct
{
  PmApiServer    *server;
  GIOStream      *stream;
  GSocketAddress *local;
  GSocketAddress *remote;
} Handover;

static void
handover_free (gpointer data)
{
  Handover *handover = data;

  g_object_unref (handover->stream);
  g_object_unref (handover->local);
  g_object_unref (handover->remote);
  g_free (handover);
}

static gboolean
handover_cb (gpointer data)
{
  Handover *handover = data;
  g_autoptr(GError) error = NULL;

  if (handover->server->soup != NULL &&
      !soup_server_accept_iostream (handover->server->soup, handover->stream, handover->local,
                                    handover->remote, &error))
    g_debug ("API: dropped a kept connection: %s", error->message);
  return G_SOURCE_REMOVE;
}

/* HTTP/1.1 keeps connections unless the client says otherwise. */
static gboolean
wants_keep_alive (SoupServerMessage *message)
{
  return soup_server_message_get_http_version (message) == SOUP_HTTP_1_1 &&
         !soup_message_headers_header_contains (soup_server_message_get_request_headers (message),
                                                "Connection", "close");
}

/* The answer is out: the connection is taken back from libsoup and handed over again, as a new
 * one, from the loop (see the top of the file). */
static void
wrote_body_cb (SoupServerMessage *message,
               gpointer           user_data)
{
  PmApiServer *self = user_data;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GIOStream) stolen = NULL;
  GIOStream *base = NULL;
  Handover *handover;
  GSource *source;

  /* An answer libsoup decided to end the connection with (an error it found) stays so. */
  if (soup_message_headers_header_contains (soup_server_message_get_response_headers (message),
                                            "Connection", "close"))
    return;
  /* Taken before the steal, which may free the message. */
  local = g_object_ref (soup_server_message_get_local_address (message));
  remote = g_object_ref (soup_server_message_get_remote_address (message));
  stolen = soup_server_message_steal_connection (message);
  if (stolen == NULL)
    return;
  /* libsoup's wrapper around our stream: handing it over would wrap it again at every request. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (stolen), "base-iostream") != NULL)
    g_object_get (stolen, "base-iostream", &base, NULL);
  handover = g_new0 (Handover, 1);
  handover->server = self;
  handover->stream = base != NULL ? base : g_object_ref (stolen);
  handover->local = g_steal_pointer (&local);
  handover->remote = g_steal_pointer (&remote);
  source = g_idle_source_new ();
  /* As urgent as any other socket's turn: at idle priority, a busy server would starve it. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, handover_cb, handover, handover_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* The one libsoup handler: finds the route, or answers 404 or 405 in the API's error format. */
static void
request_cb (SoupServer        *server,
            SoupServerMessage *message,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  PmApiServer *self = user_data;
  gint64 start_us = g_get_monotonic_time ();
  g_autoptr(GHashTable) empty_query = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GPtrArray) allowed = g_ptr_array_new ();
  g_autoptr(PmSnapshot) snapshot = self->dup_snapshot (self->snapshot_data);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (message);
  const char *method = soup_server_message_get_method (message);
  const char *wanted = g_str_equal (method, "HEAD") ? "GET" : method;
  PmApiHandler handler = NULL;
  gpointer handler_data = NULL;
  guint best_score = 0;
  PmApiRequest request;

  /* One table for the captures of every route tried, emptied after a miss: a request is
   * matched against every route, and a table each would cost more than the matching. */
  g_autoptr(GHashTable) captured = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_rw_lock_reader_lock (&self->routes_lock);
  for (guint i = 0; i < self->routes->len; i++)
    {
      const Route *route = g_ptr_array_index (self->routes, i);

      if (g_hash_table_size (captured) > 0)
        g_hash_table_remove_all (captured);
      if (!route_match (route, path, captured))
        continue;
      if (!g_str_equal (route->method, wanted))
        {
          add_allowed (allowed, route->method);
          if (g_str_equal (route->method, "GET"))
            add_allowed (allowed, "HEAD");
          continue;
        }
      if (handler == NULL || route->score > best_score)
        {
          handler = route->handler;
          handler_data = route->user_data;
          best_score = route->score;
          g_clear_pointer (&params, g_hash_table_unref);
          params = g_steal_pointer (&captured);
          captured = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
        }
    }
  /* Routes are never removed while the thread runs: the handler stays valid after unlocking. */
  g_rw_lock_reader_unlock (&self->routes_lock);

  if (wants_keep_alive (message))
    g_signal_connect (message, "wrote-body", G_CALLBACK (wrote_body_cb), self);
  else
    soup_message_headers_replace (response_headers, "Connection", "close");
  if (query == NULL)
    query = empty_query = g_hash_table_new (g_str_hash, g_str_equal);
  request = (PmApiRequest) {
    .message = message,
    .method = method,
    .path = path,
    .query = query,
    .params = params,
    .snapshot = snapshot,
  };

  if (handler != NULL)
    {
      handler (self, &request, handler_data);
    }
  else if (allowed->len > 0)
    {
      g_autofree char *allow = NULL;

      g_ptr_array_add (allowed, NULL);
      allow = g_strjoinv (", ", (char **) allowed->pdata);
      soup_message_headers_replace (response_headers, "Allow", allow);
      pm_api_json_respond_error (&request, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                                 "%s is not allowed on %s; allowed: %s", method, path, allow);
    }
  else
    {
      pm_api_json_respond_error (&request, SOUP_STATUS_NOT_FOUND, "not_found",
                                 "No such endpoint: %s", path);
    }

  count_latency (self, g_get_monotonic_time () - start_us);
  if (soup_server_message_get_status (message) != 0)
    count_status (self, soup_server_message_get_status (message));
  else
    g_signal_connect (message, "finished", G_CALLBACK (message_finished_cb), self);
}

static void
describe_listener (PmApiServer   *self,
                   GSocketAddress *bound)
{
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (bound);
  g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));

  const char *scheme = self->tls_certificate != NULL ? "https" : "http";

  self->port = g_inet_socket_address_get_port (inet);
  if (g_socket_address_get_family (bound) == G_SOCKET_FAMILY_IPV6)
    self->url = g_strdup_printf ("%s://[%s]:%u", scheme, host, self->port);
  else
    self->url = g_strdup_printf ("%s://%s:%u", scheme, host, self->port);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  PmApiServer *self = user_data;
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (connection, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_connection_get_remote_address (connection, NULL);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  /* A client that hung up already has no addresses; libsoup needs both. */
  if (local == NULL || remote == NULL)
    {
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
      return TRUE;
    }
  /* Answers are small: without this, Nagle's algorithm holds the end of one back. */
  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, TRUE,
                       NULL);
  if (self->tls_certificate != NULL)
    {
      stream = G_IO_STREAM (g_tls_server_connection_new (G_IO_STREAM (connection),
                                                         self->tls_certificate, &error));
      if (stream == NULL)
        {
          g_debug ("API: dropped a connection: %s", error->message);
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
          return TRUE;
        }
      /* Clients that close without a TLS close_notify are common, and a response is delimited
       * by its length anyway. */
      g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (stream), FALSE);
    }
  else
    {
      stream = g_object_ref (G_IO_STREAM (connection));
    }
  /* A client that speaks plain HTTP to the TLS port fails its handshake on the first read:
   * libsoup then closes that connection alone. */
  if (!soup_server_accept_iostream (self->soup, stream, local, remote, &error))
    g_debug ("API: dropped a connection: %s", error->message);
  else
    track_socket (self, remote, connection);
  return TRUE;
}

static gpointer
serve_thread (gpointer data)
{
  PmApiServer *self = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GSocketService) service = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  gboolean listening;

  /* Everything below attaches its sources to the thread-default context: this thread's. */
  g_main_context_push_thread_default (self->context);

  /* Raw paths: decoded, "a%2Fb" would split into two segments before routing could see it. */
  server = soup_server_new ("server-header", "premirror/" PACKAGE_VERSION,
                            "raw-paths", TRUE,
                            NULL);
  soup_server_add_handler (server, NULL, request_cb, self, NULL);
  g_signal_connect (server, "request-started", G_CALLBACK (request_started_cb), self);
  self->soup = server;
  self->sockets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  service = g_socket_service_new ();
  listening = g_socket_listener_add_address (G_SOCKET_LISTENER (service),
                                             G_SOCKET_ADDRESS (self->address),
                                             G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                             &bound, &error);
  if (listening)
    {
      describe_listener (self, bound);
      g_signal_connect (service, "incoming", G_CALLBACK (incoming_cb), self);
      g_socket_service_start (service);
    }

  g_mutex_lock (&self->start_lock);
  self->start_error = g_steal_pointer (&error);
  self->started = TRUE;
  g_cond_signal (&self->start_cond);
  g_mutex_unlock (&self->start_lock);

  if (listening)
    g_main_loop_run (self->loop);

  g_socket_service_stop (service);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  soup_server_disconnect (server);
  self->soup = NULL;
  g_clear_object (&service);
  g_clear_object (&server);
  /* Closing finishes in callbacks on this context: run them, or what they free leaks. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_pointer (&self->sockets, g_hash_table_unref);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

static gboolean
quit_loop_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
clear_listening_state (PmApiServer *self)
{
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->address);
  g_clear_pointer (&self->url, g_free);
  g_clear_error (&self->start_error);
  self->port = 0;
  self->started = FALSE;
}

static void
pm_api_server_dispose (GObject *object)
{
  PmApiServer *self = PM_API_SERVER (object);

  pm_api_server_stop (self);

  G_OBJECT_CLASS (pm_api_server_parent_class)->dispose (object);
}

static void
pm_api_server_finalize (GObject *object)
{
  PmApiServer *self = PM_API_SERVER (object);

  g_ptr_array_unref (self->routes);
  g_rw_lock_clear (&self->routes_lock);
  g_mutex_clear (&self->start_lock);
  g_cond_clear (&self->start_cond);
  g_mutex_clear (&self->stats_lock);
  g_clear_object (&self->tls_certificate);
  if (self->snapshot_destroy != NULL)
    self->snapshot_destroy (self->snapshot_data);
  g_free (self->dns_zone);

  G_OBJECT_CLASS (pm_api_server_parent_class)->finalize (object);
}

static void
pm_api_server_class_init (PmApiServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = pm_api_server_dispose;
  object_class->finalize = pm_api_server_finalize;
}

static void
pm_api_server_init (PmApiServer *self)
{
  g_rw_lock_init (&self->routes_lock);
  g_mutex_init (&self->start_lock);
  g_cond_init (&self->start_cond);
  g_mutex_init (&self->stats_lock);
  self->routes = g_ptr_array_new_with_free_func (route_free);
  self->dns_zone = g_strdup (PM_API_DEFAULT_DNS_ZONE);
}

/**
 * pm_api_address_parse:
 * @text: "ADDR:PORT" with a numeric IPv4 address, "[ADDR]:PORT" with an IPv6 one, or "none"
 * @address: (out): the address, or NULL for "none"
 *
 * Port 0 asks the system for a free port. Host names are refused: an API that binds to whatever
 * a name resolves to today might listen on another network tomorrow.
 */
gboolean
pm_api_address_parse (const char          *text,
                      GInetSocketAddress **address,
                      GError             **error)
{
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  const char *port_text;
  guint64 port;

  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (address != NULL && *address == NULL, FALSE);

  if (g_str_equal (text, "none"))
    return TRUE;

  if (text[0] == '[')
    {
      const char *close = strchr (text, ']');

      if (close == NULL || close[1] != ':')
        {
          g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_ADDRESS,
                       "--api %s: expected [IPv6 address]:PORT, such as [::1]:8470", text);
          return FALSE;
        }
      host = g_strndup (text + 1, (gsize) (close - text - 1));
      port_text = close + 2;
      inet = g_inet_address_new_from_string (host);
      if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV6)
        {
          g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_ADDRESS,
                       "--api %s: “%s” is not a numeric IPv6 address", text, host);
          return FALSE;
        }
    }
  else
    {
      const char *colon = strrchr (text, ':');

      if (colon == NULL)
        {
          g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_ADDRESS,
                       "--api %s: expected ADDR:PORT (such as 127.0.0.1:8470 or [::1]:8470) "
                       "or none", text);
          return FALSE;
        }
      host = g_strndup (text, (gsize) (colon - text));
      port_text = colon + 1;
      if (strchr (host, ':') != NULL)
        {
          g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_ADDRESS,
                       "--api %s: write an IPv6 address in brackets, as in [::1]:8470", text);
          return FALSE;
        }
      inet = g_inet_address_new_from_string (host);
      if (inet == NULL)
        {
          g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_ADDRESS,
                       "--api %s: “%s” is not a numeric IP address (use one such as 127.0.0.1, "
                       "0.0.0.0, [::1] or [::])", text, host);
          return FALSE;
        }
    }

  if (!g_ascii_string_to_unsigned (port_text, 10, 0, G_MAXUINT16, &port, NULL))
    {
      g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_ADDRESS,
                   "--api %s: the port must be a number from 0 to 65535 (0 picks a free one)",
                   text);
      return FALSE;
    }

  *address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (inet, (guint16) port));
  return TRUE;
}

/**
 * pm_api_server_new:
 * @dup_snapshot: returns a new reference to the latest snapshot; called on the API thread
 *
 * A server with the read endpoints (/v1/health, /v1/topology, /v1/risk, /v1/alerts); other
 * modules add theirs with pm_api_server_add_handler().
 */
PmApiServer *
pm_api_server_new (PmApiSnapshotFunc dup_snapshot,
                   gpointer          user_data,
                   GDestroyNotify    destroy)
{
  PmApiServer *self;

  g_return_val_if_fail (dup_snapshot != NULL, NULL);

  self = g_object_new (PM_TYPE_API_SERVER, NULL);
  self->dup_snapshot = dup_snapshot;
  self->snapshot_data = user_data;
  self->snapshot_destroy = destroy;
  pm_api_read_register (self);
  return self;
}

/**
 * pm_api_server_add_handler:
 * @method: "GET", "POST", …; a GET handler also answers HEAD
 * @pattern: an absolute path whose segments are literal (compared percent-encoded), "{name}"
 *   (one non-empty segment, decoded into request->params) or, last, "*" (the rest of the path)
 *
 * May be called from any thread, before or while the server runs. A path that matches a pattern
 * of another method only answers 405 with an Allow header; one that matches none answers 404.
 * When several patterns match, the one with more literal segments wins.
 */
void
pm_api_server_add_handler (PmApiServer   *self,
                           const char    *method,
                           const char    *pattern,
                           PmApiHandler   handler,
                           gpointer       user_data,
                           GDestroyNotify destroy)
{
  Route *route;
  guint n;

  g_return_if_fail (PM_IS_API_SERVER (self));
  g_return_if_fail (method != NULL && pattern != NULL && pattern[0] == '/');
  g_return_if_fail (handler != NULL);

  route = g_new0 (Route, 1);
  route->method = g_strdup (method);
  route->segments = g_strsplit (pattern + 1, "/", -1);
  n = g_strv_length (route->segments);
  if (n > 0 && g_str_equal (route->segments[n - 1], "*"))
    {
      route->tail = TRUE;
      g_clear_pointer (&route->segments[n - 1], g_free);
      n--;
    }
  for (guint i = 0; i < n; i++)
    route->score += is_capture (route->segments[i]) ? 2 : 4;
  route->score += route->tail ? 0 : 1;
  route->handler = handler;
  route->user_data = user_data;
  route->destroy = destroy;

  g_rw_lock_writer_lock (&self->routes_lock);
  g_ptr_array_add (self->routes, route);
  g_rw_lock_writer_unlock (&self->routes_lock);
}

/* A zone as the DNS backend compares names: lowercase, absolute (ending in "."), made of DNS
 * labels, at most 253 characters in all. */
char *
pm_dns_zone_normalize (const char *text,
                       GError    **error)
{
  g_autofree char *zone = g_ascii_strdown (text, -1);
  g_auto(GStrv) labels = NULL;
  gsize length = strlen (zone);
  gboolean valid;

  if (length > 0 && zone[length - 1] == '.')
    zone[--length] = '\0';
  labels = g_strsplit (zone, ".", -1);
  valid = length > 0 && length <= 253;
  for (guint i = 0; valid && labels[i] != NULL; i++)
    valid = pm_api_dns_is_label (labels[i]);
  if (!valid)
    {
      g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_ADDRESS,
                   "“%s” is not a DNS zone name (labels of letters, digits and hyphens, "
                   "e.g. cdn.example.net.)", text);
      return NULL;
    }
  return g_strconcat (zone, ".", NULL);
}

/* For clients that reuse a connection until they see it closed and ignore "Connection: close"
 * (PowerDNS's remote backend; see pm-api-dns.c): the answer ends the connection, and, corked,
 * its last bytes leave in one segment with the close, so that the client sees the connection
 * closed before it writes its next request into it. */
void
pm_api_server_close_after (PmApiServer        *self,
                           const PmApiRequest *request)
{
  GSocket *socket;

  g_return_if_fail (PM_IS_API_SERVER (self));

  soup_message_headers_replace (soup_server_message_get_response_headers (request->message),
                                "Connection", "close");
  socket = self->sockets != NULL ? lookup_socket (self, request->message) : NULL;
  if (socket != NULL && self->tls_certificate == NULL)
    g_socket_set_option (socket, IPPROTO_TCP, TCP_CORK, TRUE, NULL);
}

/* The zone the DNS backend serves, reported by /v1/health. Set it before starting. */
void
pm_api_server_set_dns_zone (PmApiServer *self,
                            const char  *zone)
{
  g_return_if_fail (PM_IS_API_SERVER (self));
  g_return_if_fail (self->thread == NULL);

  g_free (self->dns_zone);
  self->dns_zone = g_strdup (zone != NULL ? zone : PM_API_DEFAULT_DNS_ZONE);
}

const char *
pm_api_server_get_dns_zone (PmApiServer *self)
{
  g_return_val_if_fail (PM_IS_API_SERVER (self), NULL);
  return self->dns_zone;
}

/**
 * pm_api_server_set_tls:
 * @cert_path: a PEM certificate (chain)
 * @key_path: its PEM private key
 *
 * Serves HTTPS only from the next start on. Fails with a message naming the file at fault.
 */
gboolean
pm_api_server_set_tls (PmApiServer *self,
                       const char  *cert_path,
                       const char  *key_path,
                       GError     **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *cert_pem = NULL;
  g_autofree char *key_pem = NULL;

  g_return_val_if_fail (PM_IS_API_SERVER (self), FALSE);
  g_return_val_if_fail (cert_path != NULL && key_path != NULL, FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_TLS,
                   "--tls-cert %s: this system has no TLS support for GLib (install "
                   "glib-networking)", cert_path);
      return FALSE;
    }
  /* Read apart first, so that the message says which of the two files is at fault. */
  if (!g_file_get_contents (cert_path, &cert_pem, NULL, &local_error))
    {
      g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_TLS, "--tls-cert %s: %s",
                   cert_path, local_error->message);
      return FALSE;
    }
  if (!g_file_get_contents (key_path, &key_pem, NULL, &local_error))
    {
      g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_TLS, "--tls-key %s: %s",
                   key_path, local_error->message);
      return FALSE;
    }
  certificate = g_tls_certificate_new_from_pem (cert_pem, -1, &local_error);
  if (certificate == NULL)
    {
      g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_TLS,
                   "--tls-cert %s: not a PEM certificate: %s", cert_path, local_error->message);
      return FALSE;
    }
  g_clear_object (&certificate);
  certificate = g_tls_certificate_new_from_files (cert_path, key_path, &local_error);
  if (certificate == NULL)
    {
      g_set_error (error, PM_API_SERVER_ERROR, PM_API_SERVER_ERROR_TLS,
                   "--tls-key %s: not a PEM private key for %s: %s", key_path, cert_path,
                   local_error->message);
      return FALSE;
    }

  g_set_object (&self->tls_certificate, certificate);
  return TRUE;
}

/**
 * pm_api_server_start:
 * @address: (nullable): as for pm_api_address_parse(); NULL: PM_API_DEFAULT_ADDRESS
 *
 * Starts the API thread and returns once it listens, so that pm_api_server_get_url() gives the
 * actual port; or returns FALSE with a message naming the address. "none" starts nothing and
 * returns TRUE.
 */
gboolean
pm_api_server_start (PmApiServer *self,
                     const char  *address,
                     GError     **error)
{
  g_autoptr(GInetSocketAddress) socket_address = NULL;
  g_autoptr(GError) listen_error = NULL;

  g_return_val_if_fail (PM_IS_API_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  if (address == NULL)
    address = PM_API_DEFAULT_ADDRESS;
  if (!pm_api_address_parse (address, &socket_address, error))
    return FALSE;
  if (socket_address == NULL)
    return TRUE;

  self->address = g_steal_pointer (&socket_address);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("pm-api", serve_thread, self);

  g_mutex_lock (&self->start_lock);
  while (!self->started)
    g_cond_wait (&self->start_cond, &self->start_lock);
  listen_error = g_steal_pointer (&self->start_error);
  g_mutex_unlock (&self->start_lock);

  if (listen_error == NULL)
    return TRUE;

  g_thread_join (g_steal_pointer (&self->thread));
  if (g_error_matches (listen_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                 "--api %s: cannot listen: the address is already in use (another premirror? "
                 "port 0 picks a free one, none disables the API)", address);
  else
    g_set_error (error, listen_error->domain, listen_error->code,
                 "--api %s: cannot listen: %s", address, listen_error->message);
  clear_listening_state (self);
  return FALSE;
}

/* Stops serving and joins the thread; open connections are closed. Idempotent. */
void
pm_api_server_stop (PmApiServer *self)
{
  GSource *source;

  g_return_if_fail (PM_IS_API_SERVER (self));

  if (self->thread == NULL)
    return;

  /* A source rather than g_main_loop_quit(): a quit that came before the loop started running
   * would be lost, and the join would wait forever. */
  source = g_idle_source_new ();
  g_source_set_callback (source, quit_loop_cb, self->loop, NULL);
  g_source_attach (source, self->context);
  g_source_unref (source);

  g_thread_join (g_steal_pointer (&self->thread));
  clear_listening_state (self);
}

/* "http://ADDR:PORT" with the port actually bound; NULL when not listening. */
const char *
pm_api_server_get_url (PmApiServer *self)
{
  g_return_val_if_fail (PM_IS_API_SERVER (self), NULL);
  return self->url;
}

guint16
pm_api_server_get_port (PmApiServer *self)
{
  g_return_val_if_fail (PM_IS_API_SERVER (self), 0);
  return self->port;
}

/* The API thread's context, for handlers that answer later; NULL when not listening. */
GMainContext *
pm_api_server_get_context (PmApiServer *self)
{
  g_return_val_if_fail (PM_IS_API_SERVER (self), NULL);
  return self->context;
}

/* Thread-safe. */
void
pm_api_server_get_latency_histogram (PmApiServer    *self,
                                     PmApiHistogram *out)
{
  guint64 below = 0;

  g_return_if_fail (PM_IS_API_SERVER (self));
  g_return_if_fail (out != NULL);

  g_mutex_lock (&self->stats_lock);
  for (guint i = 0; i < PM_API_LATENCY_N_BUCKETS; i++)
    {
      below += self->latency_counts[i];
      out->bounds[i] = latency_bounds[i];
      out->cumulative[i] = below;
    }
  out->count = below + self->latency_counts[PM_API_LATENCY_N_BUCKETS];
  out->sum_s = self->latency_sum_s;
  g_mutex_unlock (&self->stats_lock);
}

/* Thread-safe. counts[code - PM_API_MIN_STATUS]: answers sent with that status so far. */
void
pm_api_server_get_status_counts (PmApiServer *self,
                                 guint64      counts[PM_API_N_STATUS])
{
  g_return_if_fail (PM_IS_API_SERVER (self));

  g_mutex_lock (&self->stats_lock);
  memcpy (counts, self->status_counts, sizeof self->status_counts);
  g_mutex_unlock (&self->stats_lock);
}
