/* pm-feed-poller.c: event feeds from files and URLs, read again while the engine runs.
 *
 * Two locks. refresh_lock is held for a whole refresh, so the fields only a refresh uses (when
 * a feed was last tried, validators, the file's signature) need nothing more, and slow network
 * I/O never blocks a reader. lock guards what readers see (events, status, generation) and is
 * held only to copy or swap.
 *
 * libsoup 3.2 lets a session send from any thread, but every other session call (including
 * the last unref) must come from the thread that created it, and the engine's ticks may run in
 * different pool threads. A refresh that has URLs to fetch therefore makes its own session and
 * drops it before returning. That costs no connection reuse worth having: fetches are minutes
 * apart, longer than any server keeps an idle connection open.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-feed-poller.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "pm-clock.h"
#include "pm-error-private.h"
#include "pm-event-list.h"

/* Seconds a request may wait for the connection or for the next bytes of an answer: a dead
 * server must not hold the tick for long. */
#define HTTP_TIMEOUT_S 15
/* Weather services (api.weather.gov among them) refuse requests that do not say who sends
 * them and where to reach its makers. */
#define USER_AGENT "Premirror/" PACKAGE_VERSION " (+https://github.com/premirror/premirror)"
/* The three kinds of document understood, then anything: some servers answer 406 to an Accept
 * they cannot meet exactly, and the kind is told from the content anyway. */
#define ACCEPT "text/calendar, application/geo+json, application/cap+xml, " \
  "application/json;q=0.9, application/xml;q=0.8, */*;q=0.5"
/* A feed larger than this is a mistake (a wrong URL serving a disk image), not a calendar. */
#define MAX_DOCUMENT_BYTES (32 * 1024 * 1024)
#define READ_BLOCK_BYTES (64 * 1024)
/* Seconds between looks at a file's modification time: a stat is cheap, but ticks can be many
 * per second. */
#define FILE_CHECK_S 2
/* The delay before the first retry of a failed fetch; it doubles with each failure up to the
 * interval. */
#define BACKOFF_FIRST_S 15

/* What a file looked like when it was last read, or why it could not be looked at: a read is
 * due when this changes, so that a file fixed in place (even by chmod: ctime) is read again and
 * a file still missing or still broken is not reported again at every look. */
typedef struct
{
  int     stat_errno;  /* 0 when the fields below are set */
  dev_t   device;
  ino_t   inode;
  goffset size;
  gint64  mtime_ns;
  gint64  ctime_ns;
} FileSignature;

typedef struct
{
  /* Fixed at creation. */
  char           *location;
  char           *path;              /* a file's path, or NULL for a URL */
  char           *url;               /* an http(s) URL, or NULL for a file */

  /* Used by refreshes only, under refresh_lock. */
  gint64          last_attempt_us;   /* monotonic; 0 before the first */
  guint           consecutive_failures;
  char           *etag;              /* validators of the last good document */
  char           *last_modified;
  gboolean        has_signature;     /* the file was read (well or not) as it now is */
  FileSignature   signature;
  char           *digest;            /* SHA-256 of the last good document */

  /* What readers see, under lock. */
  GPtrArray      *events;            /* PmEvent of the last good document */
  gboolean        loaded;            /* a document was read successfully once */
  PmEventFeedKind kind;
  PmFeedState     state;
  char           *last_error;
  gint64          last_success_s;
  guint           n_unlocated;
  guint64         fetches;
  guint64         not_modified;
  guint64         failures;
} Feed;

/* What one read brought. */
typedef enum
{
  READ_FAILED,
  READ_NOT_MODIFIED,  /* HTTP 304 */
  READ_UNCHANGED,     /* a file whose signature did not change: nothing was read */
  READ_DOCUMENT,
} ReadResult;

struct _PmFeedPoller
{
  GObject       parent_instance;

  GMutex        refresh_lock;
  GMutex        lock;
  GPtrArray    *feeds;        /* Feed */
  PmClock      *clock;        /* wall time for last_success_s */
  GCancellable *cancellable;  /* cancelled for good by pm_feed_poller_cancel() */
  guint         interval_s;   /* under lock */
  guint64       generation;   /* under lock */
};

G_DEFINE_FINAL_TYPE (PmFeedPoller, pm_feed_poller, G_TYPE_OBJECT)

static void
feed_free (Feed *feed)
{
  g_free (feed->location);
  g_free (feed->path);
  g_free (feed->url);
  g_free (feed->etag);
  g_free (feed->last_modified);
  g_free (feed->digest);
  g_clear_pointer (&feed->events, g_ptr_array_unref);
  g_free (feed->last_error);
  g_free (feed);
}

/* Tells a file from a URL, refusing what can be neither. A scheme counts only when "://"
 * follows it (or for "file:"), so that a file named "a:b.ics" stays a file. */
static Feed *
feed_new (const char *location,
          GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  Feed *feed;
  const char *scheme;

  if (location == NULL || *location == '\0')
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "an empty event feed location: give a file path or an http(s) URL");
      return NULL;
    }

  feed = g_new0 (Feed, 1);
  feed->location = g_strdup (location);
  feed->events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  feed->state = PM_FEED_STATE_LOADING;
  feed->last_success_s = -1;

  scheme = g_uri_peek_scheme (location);
  if (scheme != NULL && strcmp (scheme, "file") == 0)
    {
      feed->path = g_filename_from_uri (location, NULL, &local_error);
      if (feed->path == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: %s", location,
                       local_error->message);
          feed_free (feed);
          return NULL;
        }
    }
  else if (scheme != NULL && g_str_has_prefix (location + strlen (scheme), "://"))
    {
      g_autoptr(GUri) uri = NULL;

      if (strcmp (scheme, "http") != 0 && strcmp (scheme, "https") != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "%s: “%s” URLs are not supported: give a file path, a file:// URI or "
                       "an http:// or https:// URL", location, scheme);
          feed_free (feed);
          return NULL;
        }
      uri = g_uri_parse (location, SOUP_HTTP_URI_FLAGS, &local_error);
      if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "%s: not a valid URL%s%s", location, local_error != NULL ? ": " : "",
                       local_error != NULL ? local_error->message : " (no host)");
          feed_free (feed);
          return NULL;
        }
      feed->url = g_strdup (location);
    }
  else
    {
      feed->path = g_strdup (location);
    }
  return feed;
}

static void
stat_signature (const char    *path,
                FileSignature *signature)
{
  GStatBuf st;

  memset (signature, 0, sizeof *signature);
  if (g_stat (path, &st) < 0)
    {
      signature->stat_errno = errno;
      return;
    }
  signature->device = st.st_dev;
  signature->inode = st.st_ino;
  signature->size = st.st_size;
  signature->mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000)
                        + st.st_mtim.tv_nsec;
  signature->ctime_ns = (gint64) st.st_ctim.tv_sec * G_GINT64_CONSTANT (1000000000)
                        + st.st_ctim.tv_nsec;
}

static gboolean
same_signature (const FileSignature *a,
                const FileSignature *b)
{
  return a->stat_errno == b->stat_errno && a->device == b->device && a->inode == b->inode
         && a->size == b->size && a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

/* Reads the file if it changed since the last look. */
static ReadResult
read_file (Feed   *feed,
           char  **data,
           gsize  *length,
           GError **error)
{
  FileSignature signature;
  gboolean unchanged;

  stat_signature (feed->path, &signature);
  unchanged = feed->has_signature && same_signature (&signature, &feed->signature);
  /* Taken before the read: a write racing it changes the signature, so the next look reads
   * the file again. */
  feed->signature = signature;
  feed->has_signature = TRUE;
  if (unchanged)
    return READ_UNCHANGED;
  if (signature.stat_errno != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (signature.stat_errno), "%s: %s",
                   feed->path, g_strerror (signature.stat_errno));
      return READ_FAILED;
    }
  /* GLib's messages name the file; it also refuses directories. */
  if (!g_file_get_contents (feed->path, data, length, error))
    return READ_FAILED;
  return READ_DOCUMENT;
}

static SoupSession *
new_session (void)
{
  return soup_session_new_with_options ("timeout", HTTP_TIMEOUT_S,
                                        "user-agent", USER_AGENT,
                                        NULL);
}

/* An error answer's status and reason, and the start of its body on one line: services say
 * in it why they refused (a missing User-Agent, an unknown zone), usually as JSON or text. An
 * HTML error page only repeats the status, so it is left out. */
static void
set_http_error (GError     **error,
                const char  *url,
                SoupMessage *msg,
                const char  *body,
                gsize        length)
{
  const char *type = soup_message_headers_get_content_type (
    soup_message_get_response_headers (msg), NULL);
  gboolean quote = length > 0 && g_strcmp0 (type, "text/html") != 0;
  g_autofree char *quoted = _pm_quote_one_line (quote ? body : NULL, length, 200);
  guint status = soup_message_get_status (msg);
  g_set_error (error, G_IO_ERROR, status == SOUP_STATUS_NOT_FOUND ? G_IO_ERROR_NOT_FOUND
                                                                  : G_IO_ERROR_FAILED,
               "%s: HTTP %u %s%s%s", url, status, soup_message_get_reason_phrase (msg),
               quoted[0] != '\0' ? ": " : "", quoted);
}

/* Reads at most MAX_DOCUMENT_BYTES of stream into a NUL-terminated buffer. */
static gboolean
read_body (GInputStream *stream,
           const char   *url,
           char        **data,
           gsize        *length,
           GCancellable *cancellable,
           GError      **error)
{
  g_autoptr(GByteArray) body = g_byte_array_new ();

  for (;;)
    {
      g_autoptr(GBytes) block = NULL;
      g_autoptr(GError) local_error = NULL;

      block = g_input_stream_read_bytes (stream, READ_BLOCK_BYTES, cancellable, &local_error);
      if (block == NULL)
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: reading the answer: %s", url,
                       local_error->message);
          return FALSE;
        }
      if (g_bytes_get_size (block) == 0)
        break;
      if (body->len + g_bytes_get_size (block) > MAX_DOCUMENT_BYTES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       "%s: the document is larger than %d MiB: is it an event feed?", url,
                       MAX_DOCUMENT_BYTES / (1024 * 1024));
          return FALSE;
        }
      g_byte_array_append (body, g_bytes_get_data (block, NULL), g_bytes_get_size (block));
    }
  *length = body->len;
  g_byte_array_append (body, (const guint8 *) "", 1);
  *data = (char *) g_byte_array_free (g_steal_pointer (&body), FALSE);
  return TRUE;
}

/* GETs the URL, conditionally when the last good document left validators. On a new
 * document, etag and last_modified receive its validators (NULL when absent). */
static ReadResult
fetch_url (Feed         *feed,
           SoupSession  *session,
           GCancellable *cancellable,
           char       **data,
           gsize       *length,
           char       **etag,
           char       **last_modified,
           GError     **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, feed->url);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) local_error = NULL;
  SoupMessageHeaders *request_headers = soup_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers;
  guint status;

  soup_message_headers_replace (request_headers, "Accept", ACCEPT);
  if (feed->etag != NULL)
    soup_message_headers_replace (request_headers, "If-None-Match", feed->etag);
  if (feed->last_modified != NULL)
    soup_message_headers_replace (request_headers, "If-Modified-Since", feed->last_modified);

  stream = soup_session_send (session, msg, cancellable, &local_error);
  if (stream == NULL)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return READ_FAILED;
        }
      g_set_error (error, G_IO_ERROR,
                   local_error->domain == G_IO_ERROR ? local_error->code : G_IO_ERROR_FAILED,
                   "%s: %s", feed->url, local_error->message);
      return READ_FAILED;
    }
  status = soup_message_get_status (msg);
  if (status == SOUP_STATUS_NOT_MODIFIED)
    return READ_NOT_MODIFIED;
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      char start[200];
      gsize n = 0;

      /* Best effort: the status alone still says what went wrong. */
      g_input_stream_read_all (stream, start, sizeof start, &n, cancellable, NULL);
      set_http_error (error, feed->url, msg, start, n);
      return READ_FAILED;
    }
  if (!read_body (stream, feed->url, data, length, cancellable, error))
    return READ_FAILED;
  response_headers = soup_message_get_response_headers (msg);
  *etag = g_strdup (soup_message_headers_get_one (response_headers, "ETag"));
  *last_modified = g_strdup (soup_message_headers_get_one (response_headers, "Last-Modified"));
  return READ_DOCUMENT;
}

static guint
count_unlocated (GPtrArray *events)
{
  guint n = 0;

  for (guint i = 0; i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (events, i);

      if (event->kind == PM_EVENT_WEATHER ? event->polygon == NULL || event->n_polygon == 0
                                          : event->circuit_id == NULL
                                            || event->circuit_id[0] == '\0')
        n++;
    }
  return n;
}

static gboolean
is_due (PmFeedPoller *self,
        Feed         *feed,
        guint         interval_s,
        gint64        now_us)
{
  gint64 delay_s;

  if (feed->last_attempt_us == 0)
    return TRUE;
  if (feed->path != NULL)
    delay_s = MIN (FILE_CHECK_S, interval_s);
  else if (feed->consecutive_failures > 0)
    delay_s = MIN ((gint64) interval_s,
                   (gint64) BACKOFF_FIRST_S << MIN (feed->consecutive_failures - 1, 20u));
  else
    delay_s = interval_s;
  return now_us - feed->last_attempt_us >= delay_s * G_USEC_PER_SEC;
}

static void
record_failure (PmFeedPoller *self,
                Feed         *feed,
                const GError *error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  feed->consecutive_failures++;
  feed->failures++;
  g_free (feed->last_error);
  feed->last_error = g_strdup (error->message);
  feed->state = feed->loaded ? PM_FEED_STATE_STALE : PM_FEED_STATE_FAILED;
}

static void
record_success (PmFeedPoller *self,
                Feed         *feed,
                GPtrArray    *events /* nullable: keep the current ones; taken */,
                PmEventFeedKind kind)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&self->lock);

  feed->consecutive_failures = 0;
  g_clear_pointer (&feed->last_error, g_free);
  feed->state = PM_FEED_STATE_OK;
  feed->last_success_s = pm_clock_now_s (self->clock);
  if (events != NULL)
    {
      g_ptr_array_unref (feed->events);
      feed->events = events;
      feed->n_unlocated = count_unlocated (events);
      feed->kind = kind;
      feed->loaded = TRUE;
      self->generation++;
    }
}

/* Reads one due feed; FALSE with error when the read failed. */
static gboolean
refresh_feed (PmFeedPoller *self,
              Feed         *feed,
              SoupSession  *session,
              GError      **error)
{
  g_autofree char *data = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *last_modified = NULL;
  g_autofree char *digest = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) local_error = NULL;
  PmEventFeedKind kind = PM_EVENT_FEED_ICALENDAR;
  gsize length = 0;
  ReadResult result;

  feed->last_attempt_us = g_get_monotonic_time ();
  if (feed->path != NULL)
    {
      result = read_file (feed, &data, &length, &local_error);
      if (result == READ_UNCHANGED)
        return TRUE;
    }
  else
    {
      result = fetch_url (feed, session, self->cancellable, &data, &length, &etag,
                          &last_modified, &local_error);
      /* Shutting down: not the feed's failure, nothing to record. */
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }

  g_mutex_lock (&self->lock);
  feed->fetches++;
  if (result == READ_NOT_MODIFIED)
    feed->not_modified++;
  g_mutex_unlock (&self->lock);

  if (result == READ_FAILED)
    {
      record_failure (self, feed, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (result == READ_NOT_MODIFIED)
    {
      record_success (self, feed, NULL, kind);
      return TRUE;
    }

  /* The same bytes again (a server without validators, a file touched but not changed): the
   * events are what they were, and readers need not redo their work. */
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) data, length);
  if (feed->digest != NULL && strcmp (digest, feed->digest) == 0)
    {
      record_success (self, feed, NULL, kind);
    }
  else
    {
      events = pm_event_feed_parse (feed->location, data, length, &kind, &local_error);
      if (events == NULL)
        {
          /* The validators of the last good document stay, so that a fixed document is
           * fetched in full and a broken one never answers 304 for good. */
          record_failure (self, feed, local_error);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_free (feed->digest);
      feed->digest = g_steal_pointer (&digest);
      record_success (self, feed, g_steal_pointer (&events), kind);
    }
  if (feed->url != NULL)
    {
      g_free (feed->etag);
      feed->etag = g_steal_pointer (&etag);
      g_free (feed->last_modified);
      feed->last_modified = g_steal_pointer (&last_modified);
    }
  return TRUE;
}

static void
pm_feed_poller_finalize (GObject *object)
{
  PmFeedPoller *self = PM_FEED_POLLER (object);

  g_ptr_array_unref (self->feeds);
  g_clear_object (&self->clock);
  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->refresh_lock);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (pm_feed_poller_parent_class)->finalize (object);
}

static void
pm_feed_poller_class_init (PmFeedPollerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = pm_feed_poller_finalize;
}

static void
pm_feed_poller_init (PmFeedPoller *self)
{
  g_mutex_init (&self->refresh_lock);
  g_mutex_init (&self->lock);
  self->feeds = g_ptr_array_new_with_free_func ((GDestroyNotify) feed_free);
  self->clock = pm_clock_new_wall ();
  self->cancellable = g_cancellable_new ();
  self->interval_s = PM_FEED_POLLER_DEFAULT_INTERVAL_S;
}

void
pm_feed_status_free (PmFeedStatus *status)
{
  if (status == NULL)
    return;
  g_free (status->location);
  g_free (status->last_error);
  g_free (status);
}

const char *
pm_feed_state_to_string (PmFeedState state)
{
  switch (state)
    {
    case PM_FEED_STATE_LOADING:
      return "loading";
    case PM_FEED_STATE_OK:
      return "ok";
    case PM_FEED_STATE_STALE:
      return "stale";
    case PM_FEED_STATE_FAILED:
      return "failed";
    default:
      return "unknown";
    }
}

PmFeedPoller *
pm_feed_poller_new (const char *const *locations,
                    GError           **error)
{
  g_autoptr(PmFeedPoller) self = g_object_new (PM_TYPE_FEED_POLLER, NULL);

  for (guint i = 0; locations != NULL && locations[i] != NULL; i++)
    {
      Feed *feed;

      for (guint j = 0; j < i; j++)
        if (strcmp (locations[i], locations[j]) == 0)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                         "%s: given twice as an event feed", locations[i]);
            return NULL;
          }
      feed = feed_new (locations[i], error);
      if (feed == NULL)
        return NULL;
      g_ptr_array_add (self->feeds, feed);
    }
  return g_steal_pointer (&self);
}

gboolean
pm_feed_poller_refresh (PmFeedPoller *self,
                        GError      **error)
{
  g_autoptr(GMutexLocker) refresh_locker = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) first_error = NULL;
  gint64 now_us = g_get_monotonic_time ();
  guint interval_s;

  g_return_val_if_fail (PM_IS_FEED_POLLER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  refresh_locker = g_mutex_locker_new (&self->refresh_lock);
  g_mutex_lock (&self->lock);
  interval_s = self->interval_s;
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < self->feeds->len; i++)
    {
      Feed *feed = g_ptr_array_index (self->feeds, i);
      g_autoptr(GError) local_error = NULL;

      if (g_cancellable_set_error_if_cancelled (self->cancellable, error))
        return FALSE;
      if (!is_due (self, feed, interval_s, now_us))
        continue;
      if (feed->url != NULL && session == NULL)
        session = new_session ();
      if (!refresh_feed (self, feed, session, &local_error))
        {
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          if (first_error == NULL)
            first_error = g_steal_pointer (&local_error);
        }
    }
  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  return TRUE;
}

void
pm_feed_poller_cancel (PmFeedPoller *self)
{
  g_return_if_fail (PM_IS_FEED_POLLER (self));

  g_cancellable_cancel (self->cancellable);
}

void
pm_feed_poller_set_interval (PmFeedPoller *self,
                             guint         seconds)
{
  g_return_if_fail (PM_IS_FEED_POLLER (self));

  g_mutex_lock (&self->lock);
  self->interval_s = seconds;
  g_mutex_unlock (&self->lock);
}

guint
pm_feed_poller_get_interval (PmFeedPoller *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PM_IS_FEED_POLLER (self), 0);

  locker = g_mutex_locker_new (&self->lock);
  return self->interval_s;
}

GPtrArray *
pm_feed_poller_get_events (PmFeedPoller *self,
                           gint64        from_s,
                           gint64        to_s)
{
  GPtrArray *visible;

  g_return_val_if_fail (PM_IS_FEED_POLLER (self), NULL);

  visible = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  if (to_s <= from_s)
    return visible;
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->feeds->len; i++)
    {
      Feed *feed = g_ptr_array_index (self->feeds, i);

      for (guint j = 0; j < feed->events->len; j++)
        {
          const PmEvent *event = g_ptr_array_index (feed->events, j);

          if (pm_event_is_visible (event, from_s, to_s))
            g_ptr_array_add (visible, pm_event_copy (event));
        }
    }
  g_mutex_unlock (&self->lock);
  g_ptr_array_sort (visible, pm_event_compare);
  return visible;
}

guint64
pm_feed_poller_get_generation (PmFeedPoller *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PM_IS_FEED_POLLER (self), 0);

  locker = g_mutex_locker_new (&self->lock);
  return self->generation;
}

GPtrArray *
pm_feed_poller_get_status (PmFeedPoller *self)
{
  GPtrArray *statuses;

  g_return_val_if_fail (PM_IS_FEED_POLLER (self), NULL);

  statuses = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_feed_status_free);
  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->feeds->len; i++)
    {
      Feed *feed = g_ptr_array_index (self->feeds, i);
      PmFeedStatus *status = g_new0 (PmFeedStatus, 1);

      status->location = g_strdup (feed->location);
      status->kind = feed->kind;
      status->has_kind = feed->loaded;
      status->state = feed->state;
      status->last_error = g_strdup (feed->last_error);
      status->last_success_s = feed->last_success_s;
      status->n_events = feed->events->len;
      status->n_unlocated = feed->n_unlocated;
      status->fetches = feed->fetches;
      status->not_modified = feed->not_modified;
      status->failures = feed->failures;
      g_ptr_array_add (statuses, status);
    }
  g_mutex_unlock (&self->lock);
  return statuses;
}
