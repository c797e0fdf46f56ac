/* pm-transport-webdav.c: replicas in a WebDAV collection, over libsoup's blocking API.
 *
 * A put sends the source with a PUT to a hidden temporary name, streaming it from the file
 * through a hashing stream with an explicit Content-Length (memory stays flat whatever the
 * size), reads the temporary file back with a GET hashed as it arrives (the digest of what the
 * server stored, timed separately as verify_s), and only when that matches the version MOVEs it
 * to the final name; otherwise it DELETEs it.
 *
 * Threads: a libsoup 3 session belongs to the thread (main context) that created it, and puts
 * run in whichever worker thread the executor picks. Each operation therefore makes its own
 * session: that costs no more than the connection it would open anyway, and the requests of one
 * put (PUT, GET, MOVE) share it.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-transport-webdav.h"

#include <libsoup/soup.h>
#include <string.h>

#include "config.h"
#include "pm-error-private.h"
#include "pm-hashing-input-stream.h"
#include "pm-sha256.h"
#include "pm-transport-private.h"

/* Seconds a single read or write on the connection may block: long enough for a server that
 * syncs a large upload before answering, short enough that a dead peer does not stall a worker
 * for ever. */
#define IO_TIMEOUT_S 120
/* libsoup pulls the request body 8 KiB at a time; the source is read in large blocks under
 * that. */
#define SOURCE_BUFFER_SIZE (1024 * 1024)
/* How much of an error answer's body goes into the message. */
#define QUOTED_BODY_LENGTH 200

struct _PmTransportWebdav
{
  GObject parent_instance;

  char   *base_uri;     /* ends with '/' */
};

static void pm_transport_webdav_iface_init (PmTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmTransportWebdav, pm_transport_webdav, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PM_TYPE_TRANSPORT,
                                                      pm_transport_webdav_iface_init))

static SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("timeout", IO_TIMEOUT_S,
                                        "user-agent", "premirror/" PACKAGE_VERSION,
                                        NULL);
}

static char *
uri_for (PmTransportWebdav *self,
         const char        *name)
{
  g_autofree char *escaped = g_uri_escape_string (name, "/", FALSE);

  return g_strconcat (self->base_uri, escaped, NULL);
}

static char *
describe_request (SoupMessage *msg)
{
  g_autofree char *uri = g_uri_to_string (soup_message_get_uri (msg));

  return g_strdup_printf ("%s %s", soup_message_get_method (msg), uri);
}

/* The one mapping of an HTTP error answer: SERVER (NO_SPACE for 507) quoting the request, the
 * status and the start of the body on one line. Always returns FALSE. */
static gboolean
fail_http (GError     **error,
           SoupMessage *msg,
           const char  *body,
           gsize        length)
{
  g_autofree char *request = describe_request (msg);
  g_autofree char *quoted = _pm_quote_one_line (body, length, QUOTED_BODY_LENGTH);
  guint status = soup_message_get_status (msg);
  _pm_transport_set_http_error (error, status, "%s: HTTP %u %s%s%s", request, status,
                                soup_message_get_reason_phrase (msg),
                                quoted[0] != '\0' ? ": " : "", quoted);
  return FALSE;
}

/* A request that got no answer: cancelled stays cancelled; network failures (refused, reset,
 * timed out, name not resolved) are UNREACHABLE, which is worth retrying; anything else (TLS,
 * a malformed answer) is a SERVER error without a status, which is not. Always returns FALSE;
 * takes soup_error. */
static gboolean
fail_connection (GError     **error,
                 SoupMessage *msg,
                 GError      *soup_error)
{
  g_autofree char *request = describe_request (msg);

  if (g_error_matches (soup_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, soup_error);
      return FALSE;
    }
  if (soup_error->domain == G_IO_ERROR || soup_error->domain == G_RESOLVER_ERROR)
    g_set_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_UNREACHABLE, "%s: %s", request,
                 soup_error->message);
  else
    _pm_transport_set_http_error (error, 0, "%s: %s", request, soup_error->message);
  g_error_free (soup_error);
  return FALSE;
}

/* Sends msg and reads its (small) answer. FALSE only when no answer came; the caller judges
 * the status. */
static gboolean
send_message (SoupSession  *session,
              SoupMessage  *msg,
              GBytes      **body,
              GCancellable *cancellable,
              GError      **error)
{
  GError *local_error = NULL;

  *body = soup_session_send_and_read (session, msg, cancellable, &local_error);
  if (*body == NULL)
    return fail_connection (error, msg, local_error);
  return TRUE;
}

/* Sends a request whose answer has no useful body; TRUE for a 2xx status or one of the
 * statuses in also_fine (0-terminated). */
static gboolean
request (SoupSession  *session,
         const char   *method,
         const char   *uri,
         const char   *destination,
         const guint  *also_fine,
         GCancellable *cancellable,
         GError      **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, uri);
  g_autoptr(GBytes) body = NULL;
  guint status;
  gsize length;
  const char *data;

  if (destination != NULL)
    {
      SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

      soup_message_headers_replace (headers, "Destination", destination);
      soup_message_headers_replace (headers, "Overwrite", "T");
    }
  if (!send_message (session, msg, &body, cancellable, error))
    return FALSE;
  status = soup_message_get_status (msg);
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    return TRUE;
  for (guint i = 0; also_fine != NULL && also_fine[i] != 0; i++)
    if (status == also_fine[i])
      return TRUE;
  data = g_bytes_get_data (body, &length);
  return fail_http (error, msg, data, length);
}

/* GETs uri and hashes the body as it arrives. */
static gboolean
fetch_digest (SoupSession  *session,
              const char   *uri,
              char          out[65],
              guint64      *size,
              GCancellable *cancellable,
              GError      **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, uri);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;

  stream = soup_session_send (session, msg, cancellable, &local_error);
  if (stream == NULL)
    return fail_connection (error, msg, g_steal_pointer (&local_error));
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      char start[QUOTED_BODY_LENGTH];
      gsize length = 0;

      /* Best effort: the status alone still says what went wrong. */
      g_input_stream_read_all (stream, start, sizeof start, &length, cancellable, NULL);
      return fail_http (error, msg, start, length);
    }
  if (!pm_sha256_stream (stream, out, size, cancellable, &local_error))
    return fail_connection (error, msg, g_steal_pointer (&local_error));
  return TRUE;
}

/* Creates the collections from the server's root down to the one that holds temp_uri, for a
 * server that does not create them on PUT (RFC 4918 answers 409 then). A collection that
 * already exists answers 405. */
static gboolean
make_collections (SoupSession  *session,
                  const char   *temp_uri,
                  GCancellable *cancellable,
                  GError      **error)
{
  static const guint exists[] = { SOUP_STATUS_METHOD_NOT_ALLOWED, 0 };
  g_autoptr(GUri) uri = g_uri_parse (temp_uri, SOUP_HTTP_URI_FLAGS, NULL);
  g_auto(GStrv) segments = g_strsplit (g_uri_get_path (uri), "/", -1);
  g_autoptr(GString) path = g_string_new ("/");
  guint n = g_strv_length (segments);

  /* segments: "" before the first '/', then the collections, then the file's name. */
  for (guint i = 1; i + 1 < n; i++)
    {
      g_autoptr(GUri) collection = NULL;
      g_autofree char *collection_uri = NULL;

      if (segments[i][0] == '\0')
        continue;
      g_string_append_printf (path, "%s/", segments[i]);
      collection = soup_uri_copy (uri, SOUP_URI_PATH, path->str, SOUP_URI_NONE);
      collection_uri = g_uri_to_string (collection);
      if (!request (session, "MKCOL", collection_uri, NULL, exists, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

/* PUTs the source to temp_uri through the hashing stream. status receives the HTTP status
 * (0 when there was no answer). */
static gboolean
put_temp (SoupSession           *session,
          const char            *source_path,
          const char            *temp_uri,
          PmTransferProgressFunc progress,
          gpointer               progress_data,
          PmTransferReport      *report,
          guint                 *status,
          GCancellable          *cancellable,
          GError               **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_PUT, temp_uri);
  g_autoptr(GInputStream) hashing = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) local_error = NULL;
  const GError *source_error;
  guint64 size;
  const char *data;
  gsize length;

  *status = 0;
  hashing = _pm_transport_open_source (source_path, SOURCE_BUFFER_SIZE, progress, progress_data,
                                       &size, error);
  if (hashing == NULL)
    return FALSE;
  soup_message_set_request_body (msg, "application/octet-stream", hashing, (gssize) size);
  /* A server that refuses the PUT (403, 507, 409) says so before the body is sent, instead of
   * closing the connection under a body it does not want, which would look like a network
   * failure. */
  soup_message_headers_set_expectations (soup_message_get_request_headers (msg),
                                         SOUP_EXPECTATION_CONTINUE);

  body = soup_session_send_and_read (session, msg, cancellable, &local_error);
  source_error = pm_hashing_input_stream_get_source_error (PM_HASHING_INPUT_STREAM (hashing));
  if (body == NULL && source_error != NULL)
    {
      _pm_transport_set_source_error (error, source_path, source_error->message);
      return FALSE;
    }
  if (body == NULL)
    return fail_connection (error, msg, g_steal_pointer (&local_error));
  *status = soup_message_get_status (msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (*status))
    {
      data = g_bytes_get_data (body, &length);
      return fail_http (error, msg, data, length);
    }
  report->bytes = pm_hashing_input_stream_get_bytes (PM_HASHING_INPUT_STREAM (hashing));
  if (!pm_hashing_input_stream_finish (PM_HASHING_INPUT_STREAM (hashing), report->sent_sha256,
                                       NULL, &local_error))
    {
      /* Either the server answered 2xx without reading the whole body, or the source is longer
       * than it was: what the server holds is not the source. */
      _pm_transport_set_source_error (error, source_path, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
pm_transport_webdav_put (PmTransport           *transport,
                         const char            *source_path,
                         const char            *name,
                         const char            *expected_sha256,
                         PmTransferProgressFunc progress,
                         gpointer               progress_data,
                         PmTransferReport      *report,
                         GCancellable          *cancellable,
                         GError               **error)
{
  PmTransportWebdav *self = PM_TRANSPORT_WEBDAV (transport);
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *temp_name = _pm_transport_temp_name (name);
  g_autofree char *temp_uri = uri_for (self, temp_name);
  g_autofree char *final_uri = uri_for (self, name);
  g_autoptr(GTimer) timer = g_timer_new ();
  g_autoptr(GError) local_error = NULL;
  guint status;

  if (!put_temp (session, source_path, temp_uri, progress, progress_data, report, &status,
                 cancellable, &local_error))
    {
      if (status != SOUP_STATUS_CONFLICT)
        goto failed;
      /* The parent collection is missing and this server does not create it: make it, once. */
      g_clear_error (&local_error);
      if (!make_collections (session, temp_uri, cancellable, &local_error)
          || !put_temp (session, source_path, temp_uri, progress, progress_data, report,
                        &status, cancellable, &local_error))
        goto failed;
    }
  report->copy_s = g_timer_elapsed (timer, NULL);
  if (strcmp (report->sent_sha256, expected_sha256) != 0)
    {
      _pm_transport_set_digest_error (&local_error, source_path, report->sent_sha256,
                                      expected_sha256);
      goto failed;
    }

  g_timer_start (timer);
  if (!fetch_digest (session, temp_uri, report->arrived_sha256, NULL, cancellable,
                     &local_error))
    goto failed;
  report->verify_s = g_timer_elapsed (timer, NULL);
  if (strcmp (report->arrived_sha256, expected_sha256) != 0)
    {
      g_set_error (&local_error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_DIGEST,
                   "%s: what the server stored has SHA-256 %s, not the version's %s",
                   temp_uri, report->arrived_sha256, expected_sha256);
      goto failed;
    }
  if (!request (session, "MOVE", temp_uri, final_uri, NULL, cancellable, &local_error))
    goto failed;
  return TRUE;

failed:
  /* Leave no temporary file behind, even when cancelled (hence no cancellable). When the server
   * cannot be reached, trying would only wait for the timeout; such a leftover is hidden and
   * never under a final name. */
  if (!g_error_matches (local_error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_UNREACHABLE))
    {
      static const guint gone[] = { SOUP_STATUS_NOT_FOUND, 0 };

      request (session, SOUP_METHOD_DELETE, temp_uri, NULL, gone, NULL, NULL);
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
pm_transport_webdav_fetch_sha256 (PmTransport  *transport,
                                  const char   *name,
                                  char          out_sha256[65],
                                  guint64      *size,
                                  GCancellable *cancellable,
                                  GError      **error)
{
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *uri = uri_for (PM_TRANSPORT_WEBDAV (transport), name);

  return fetch_digest (session, uri, out_sha256, size, cancellable, error);
}

static gboolean
pm_transport_webdav_exists (PmTransport  *transport,
                            const char   *name,
                            gboolean     *exists,
                            guint64      *size,
                            GCancellable *cancellable,
                            GError      **error)
{
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *uri = uri_for (PM_TRANSPORT_WEBDAV (transport), name);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_HEAD, uri);
  g_autoptr(GBytes) body = NULL;
  guint status;

  if (!send_message (session, msg, &body, cancellable, error))
    return FALSE;
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    return TRUE;
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    return fail_http (error, msg, NULL, 0);
  *exists = TRUE;
  *size = soup_message_headers_get_content_length (soup_message_get_response_headers (msg));
  return TRUE;
}

static gboolean
pm_transport_webdav_remove (PmTransport  *transport,
                            const char   *name,
                            GCancellable *cancellable,
                            GError      **error)
{
  static const guint gone[] = { SOUP_STATUS_NOT_FOUND, SOUP_STATUS_GONE, 0 };
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *uri = uri_for (PM_TRANSPORT_WEBDAV (transport), name);

  return request (session, SOUP_METHOD_DELETE, uri, NULL, gone, cancellable, error);
}

static char *
pm_transport_webdav_describe (PmTransport *transport)
{
  return g_strdup_printf ("WebDAV collection %s", PM_TRANSPORT_WEBDAV (transport)->base_uri);
}

static void
pm_transport_webdav_finalize (GObject *object)
{
  PmTransportWebdav *self = PM_TRANSPORT_WEBDAV (object);

  g_free (self->base_uri);
  G_OBJECT_CLASS (pm_transport_webdav_parent_class)->finalize (object);
}

static void
pm_transport_webdav_class_init (PmTransportWebdavClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_transport_webdav_finalize;
}

static void
pm_transport_webdav_iface_init (PmTransportInterface *iface)
{
  iface->put = pm_transport_webdav_put;
  iface->fetch_sha256 = pm_transport_webdav_fetch_sha256;
  iface->exists = pm_transport_webdav_exists;
  iface->remove = pm_transport_webdav_remove;
  iface->describe = pm_transport_webdav_describe;
}

static void
pm_transport_webdav_init (PmTransportWebdav *self)
{
}

PmTransport *
pm_transport_webdav_new (const char *base_uri,
                         GError    **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  PmTransportWebdav *self;
  const char *scheme;
  const char *path;

  g_return_val_if_fail (base_uri != NULL, NULL);

  uri = g_uri_parse (base_uri, SOUP_HTTP_URI_FLAGS, &local_error);
  scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
      || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, PM_TRANSPORT_ERROR, PM_TRANSPORT_ERROR_INVALID,
                   "“%s” is not a WebDAV collection URI (http(s)://host[:port]/path/)%s%s",
                   base_uri, local_error != NULL ? ": " : "",
                   local_error != NULL ? local_error->message : "");
      return NULL;
    }
  path = g_uri_get_path (uri);
  if (!g_str_has_suffix (path, "/"))
    {
      g_autofree char *with_slash = g_strconcat (path, "/", NULL);
      GUri *fixed = soup_uri_copy (uri, SOUP_URI_PATH, with_slash, SOUP_URI_NONE);

      g_uri_unref (uri);
      uri = fixed;
    }
  self = g_object_new (PM_TYPE_TRANSPORT_WEBDAV, NULL);
  self->base_uri = g_uri_to_string (uri);
  return PM_TRANSPORT (self);
}

const char *
pm_transport_webdav_get_base_uri (PmTransportWebdav *self)
{
  g_return_val_if_fail (PM_IS_TRANSPORT_WEBDAV (self), NULL);

  return self->base_uri;
}
