/* pm-feed-poller.h: event feeds (maintenance iCalendar, CAP GeoJSON, CAP 1.2 XML) named by
 * --events, read from files or fetched from http(s) URLs and read again while the engine runs.
 *
 * Threads: pm_feed_poller_refresh() runs in the engine's tick thread (any one thread at a time;
 * concurrent calls wait for each other); every other function may be called from any thread at
 * any time, and returns copies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "pm-event-feed.h"

G_BEGIN_DECLS

/* Seconds between two fetches of a URL unless pm_feed_poller_set_interval() says otherwise. */
#define PM_FEED_POLLER_DEFAULT_INTERVAL_S 300

typedef enum
{
  PM_FEED_STATE_LOADING, /* not read yet */
  PM_FEED_STATE_OK,      /* the last read succeeded (a 304 Not Modified counts) */
  PM_FEED_STATE_STALE,   /* the last read failed; the events of the last good one are kept */
  PM_FEED_STATE_FAILED,  /* never read successfully: no events */
} PmFeedState;

/* What the console and the API show about one feed: a copy, owned by whoever asked. */
typedef struct
{
  char           *location;       /* as given: a path, file:// URI or http(s):// URL */
  PmEventFeedKind kind;           /* meaningful only when has_kind */
  gboolean        has_kind;       /* FALSE until a document was read successfully */
  PmFeedState     state;
  char           *last_error;     /* "LOCATION: what went wrong" of the last failed read;
                                   * NULL once a read succeeds */
  gint64          last_success_s; /* unix wall time of the last successful read (304 included),
                                   * -1 if none */
  guint           n_events;       /* events held (those of the last good document) */
  guint           n_unlocated;    /* of those, the ones nothing can place on the network:
                                   * weather without a polygon, maintenance without a circuit */
  guint64         fetches;        /* reads attempted: HTTP requests, or file reads */
  guint64         not_modified;   /* HTTP 304 answers */
  guint64         failures;       /* reads that failed (any reason) */
} PmFeedStatus;

void        pm_feed_status_free      (PmFeedStatus *status);
const char *pm_feed_state_to_string  (PmFeedState   state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmFeedStatus, pm_feed_status_free)

#define PM_TYPE_FEED_POLLER (pm_feed_poller_get_type ())
G_DECLARE_FINAL_TYPE (PmFeedPoller, pm_feed_poller, PM, FEED_POLLER, GObject)

/* locations: NULL-terminated; each a file path, a file:// URI or an http:// or https:// URL.
 * Only checks them (other schemes, malformed URLs, empty or repeated entries fail with
 * G_IO_ERROR_INVALID_ARGUMENT naming the entry); nothing is read before the first refresh. */
PmFeedPoller *pm_feed_poller_new            (const char *const *locations,
                                             GError           **error);

/* Reads every feed that is due, in the calling thread, blocking (each HTTP request gives up
 * after about 15 s without progress). The first call reads them all. Then a file is read again
 * when its modification time, size or inode changed (looked at every few seconds, at most every
 * interval), and a URL is fetched again every interval with If-None-Match / If-Modified-Since, a
 * 304 keeping the events. A failed read (unreachable, HTTP error, malformed document, file
 * missing) keeps the feed's last good events and is retried after a delay that doubles with each
 * failure, never longer than the interval.
 *
 * Returns FALSE, setting error to the "LOCATION: what went wrong" of the first feed (in the
 * given order) whose read in this call failed; the other feeds were read all the same. A call
 * that had nothing due returns TRUE even while a feed is failing: show
 * pm_feed_poller_get_status() for the lasting state. */
gboolean      pm_feed_poller_refresh        (PmFeedPoller *self,
                                             GError      **error);

/* For shutting down, from any thread: the refresh in progress stops at its next step (an HTTP
 * request waiting for an answer gives up at once) and returns FALSE with G_IO_ERROR_CANCELLED,
 * as does every later one. The events read so far stay readable. */
void          pm_feed_poller_cancel         (PmFeedPoller *self);

/* Seconds between fetches of a URL (0: every refresh). Applies at once. */
void          pm_feed_poller_set_interval   (PmFeedPoller *self,
                                             guint         seconds);
guint         pm_feed_poller_get_interval   (PmFeedPoller *self);

/* Copies (PmEvent *) of the events of all feeds visible in [from_s, to_s), with the rule and
 * order of pm_event_list_get_events(). */
GPtrArray    *pm_feed_poller_get_events     (PmFeedPoller *self,
                                             gint64        from_s,
                                             gint64        to_s);

/* Changes whenever the events of any feed changed (a new document read, not a 304 nor the same
 * bytes again); 0 before any was read. */
guint64       pm_feed_poller_get_generation (PmFeedPoller *self);

/* One PmFeedStatus per location, in the given order (to free with g_ptr_array_unref). */
GPtrArray    *pm_feed_poller_get_status     (PmFeedPoller *self);

G_END_DECLS
