/* test-feed-poller.c: event feeds read from files and fetched from a real nginx, and read again:
 * conditional requests answered 304, a replaced document read in full, the User-Agent a
 * weather service wants, HTTP errors, a malformed document after a good one and a server that
 * goes away, each keeping the last good events and saying which feed failed and where.
 *
 * Nothing here depends on how long anything takes: the interval is set to 0 so that every
 * refresh is due, and files get explicit modification times instead of waiting for the clock.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/time.h>

#include "config.h"
#include "pm-feed-poller.h"
#include "pm-test-nginx.h"
#include "pm-test-util.h"

/* Every event below lies in 2026; this window sees them all. */
#define FROM_S G_GINT64_CONSTANT (1735689600)  /* 2025-01-01 */
#define TO_S   G_GINT64_CONSTANT (1830297600)  /* 2028-01-01 */
/* A modification time for the files, moved on explicitly at each change. */
#define MTIME_BASE_S 1767225600

static const char calendar_1[] =
  "BEGIN:VCALENDAR\r\n"
  "VERSION:2.0\r\n"
  "PRODID:-//Example//NOC//EN\r\n"
  "BEGIN:VEVENT\r\n"
  "UID:maint-1\r\n"
  "DTSTAMP:20260101T000000Z\r\n"
  "DTSTART:20260105T020000Z\r\n"
  "DTEND:20260105T040000Z\r\n"
  "SUMMARY:Fibre splice\r\n"
  "X-MAINTNOTE-OBJECT-ID:CIRCUIT-1\r\n"
  "X-MAINTNOTE-IMPACT:OUTAGE\r\n"
  "END:VEVENT\r\n"
  "END:VCALENDAR\r\n";

/* The notice rescheduled and a second one added. */
static const char calendar_2[] =
  "BEGIN:VCALENDAR\r\n"
  "VERSION:2.0\r\n"
  "PRODID:-//Example//NOC//EN\r\n"
  "BEGIN:VEVENT\r\n"
  "UID:maint-1\r\n"
  "SEQUENCE:1\r\n"
  "DTSTAMP:20260102T000000Z\r\n"
  "DTSTART:20260106T020000Z\r\n"
  "DTEND:20260106T040000Z\r\n"
  "SUMMARY:Fibre splice (moved)\r\n"
  "X-MAINTNOTE-OBJECT-ID:CIRCUIT-1\r\n"
  "X-MAINTNOTE-IMPACT:OUTAGE\r\n"
  "END:VEVENT\r\n"
  "BEGIN:VEVENT\r\n"
  "UID:maint-2\r\n"
  "DTSTAMP:20260102T000000Z\r\n"
  "DTSTART:20260107T020000Z\r\n"
  "DURATION:PT1H\r\n"
  "SUMMARY:Router upgrade\r\n"
  "X-MAINTNOTE-OBJECT-ID:CIRCUIT-2\r\n"
  "X-MAINTNOTE-IMPACT:DEGRADED\r\n"
  "END:VEVENT\r\n"
  "END:VCALENDAR\r\n";

/* One located alert, one without a geometry (zone-based). */
static const char alerts[] =
  "{'type': 'FeatureCollection', 'features': ["
  " {'type': 'Feature', 'id': 'urn:oid:1',"
  "  'geometry': {'type': 'Polygon', 'coordinates': [[[-97.1, 35.0], [-96.5, 35.0],"
  "   [-96.5, 35.6], [-97.1, 35.0]]]},"
  "  'properties': {'id': 'urn:oid:1', 'event': 'Severe Thunderstorm Warning',"
  "   'sent': '2026-05-05T20:50:00Z', 'onset': '2026-05-05T21:00:00Z',"
  "   'expires': '2026-05-05T21:45:00Z', 'severity': 'Severe', 'certainty': 'Observed',"
  "   'urgency': 'Immediate', 'messageType': 'Alert'}},"
  " {'type': 'Feature', 'id': 'urn:oid:2', 'geometry': null,"
  "  'properties': {'id': 'urn:oid:2', 'event': 'Wind Advisory',"
  "   'sent': '2026-05-05T20:00:00Z', 'ends': '2026-05-06T06:00:00Z', 'severity': 'Moderate',"
  "   'certainty': 'Likely', 'urgency': 'Expected', 'messageType': 'Alert'}}"
  "]}";

/* Well-formed JSON, but the first feature's geometry is no geometry. */
static const char alerts_broken[] =
  "{'type': 'FeatureCollection', 'features': ["
  " {'type': 'Feature', 'id': 'urn:oid:1', 'geometry': 'somewhere in Oklahoma',"
  "  'properties': {'id': 'urn:oid:1', 'event': 'Severe Thunderstorm Warning',"
  "   'sent': '2026-05-05T20:50:00Z', 'onset': '2026-05-05T21:00:00Z',"
  "   'expires': '2026-05-05T21:45:00Z', 'messageType': 'Alert'}}"
  "]}";

/* Writes contents to path with the modification time base + step * 100 s: a change a
 * stat (and nginx's ETag, made of the time in seconds and the size) always sees, without
 * waiting for the clock to move on. */
static void
write_file (const char *path,
            const char *contents,
            guint       step)
{
  g_autoptr(GError) error = NULL;
  struct timeval times[2] = { { MTIME_BASE_S + step * 100, 0 }, { MTIME_BASE_S + step * 100, 0 } };

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (utimes (path, times), ==, 0);
}

static void
write_json_file (const char *path,
                 const char *quoted,
                 guint       step)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (quoted);
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));

  write_file (path, text, step);
}

static PmFeedStatus *
get_status (PmFeedPoller *poller,
            guint         index)
{
  g_autoptr(GPtrArray) statuses = pm_feed_poller_get_status (poller);
  PmFeedStatus *status;

  g_assert_cmpuint (index, <, statuses->len);
  status = g_ptr_array_steal_index (statuses, index);
  return status;
}

static GPtrArray *
get_events (PmFeedPoller *poller)
{
  return pm_feed_poller_get_events (poller, FROM_S, TO_S);
}

/* The ids of the visible events, joined by spaces, in the order given. */
static char *
event_ids (PmFeedPoller *poller)
{
  g_autoptr(GPtrArray) events = get_events (poller);
  g_autoptr(GString) ids = g_string_new (NULL);

  for (guint i = 0; i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (events, i);

      g_string_append_printf (ids, "%s%s", i > 0 ? " " : "", event->id);
    }
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

static gboolean
has_title (PmFeedPoller *poller,
           const char   *title)
{
  g_autoptr(GPtrArray) events = get_events (poller);

  for (guint i = 0; i < events->len; i++)
    if (g_strcmp0 (((const PmEvent *) g_ptr_array_index (events, i))->title, title) == 0)
      return TRUE;
  return FALSE;
}

/* The lines of nginx's request log once it holds at least n: nginx writes a line only after
 * the answer has gone out, so the client may see the answer first. Not a timing assertion:
 * the deadline only ends a test that would otherwise hang. */
static GStrv
wait_for_requests (PmTestNginx *nginx,
                   guint        n)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autofree char *log = pm_test_nginx_read_request_log (nginx);
      g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
      guint count = g_strv_length (lines);

      /* The text ends with a newline: the last piece is empty. */
      if (count > 0 && lines[count - 1][0] == '\0')
        {
          g_free (lines[count - 1]);
          lines[--count] = NULL;
        }
      if (count >= n)
        return g_steal_pointer (&lines);
      if (g_get_monotonic_time () > deadline)
        g_error ("nginx logged %u requests, expected %u:\n%s", count, n, log);
      g_usleep (1000);
    }
}

/* Field index of the request log line (see pm_test_nginx_read_request_log). */
static char *
request_field (const char *line,
               guint       index)
{
  g_auto(GStrv) fields = g_strsplit (line, "\t", -1);

  g_assert_cmpuint (index, <, g_strv_length (fields));
  return g_strdup (fields[index]);
}

enum { FIELD_STATUS, FIELD_METHOD, FIELD_URI, FIELD_USER_AGENT, FIELD_ACCEPT,
       FIELD_IF_NONE_MATCH, FIELD_IF_MODIFIED_SINCE };

static void
assert_request (const char *line,
                const char *status,
                const char *uri)
{
  g_autofree char *got_status = request_field (line, FIELD_STATUS);
  g_autofree char *got_method = request_field (line, FIELD_METHOD);
  g_autofree char *got_uri = request_field (line, FIELD_URI);

  g_assert_cmpstr (got_status, ==, status);
  g_assert_cmpstr (got_method, ==, "GET");
  g_assert_cmpstr (got_uri, ==, uri);
}

static PmTestNginx *
start_nginx (void)
{
  g_autoptr(GError) error = NULL;
  PmTestNginx *nginx = pm_test_nginx_new (NULL, &error);

  if (nginx == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return NULL;
    }
  g_assert_no_error (error);
  return nginx;
}

static void
test_locations (void)
{
  static const char *const refused[][2] = {
    { "ftp://example.org/notices.ics", "“ftp” URLs are not supported" },
    { "http://", "not a valid URL" },
    { "", "empty" },
  };
  const char *twice[] = { "/tmp/a.ics", "/tmp/a.ics", NULL };
  const char *fine[] = { "notices.ics", "odd:name.ics", "/srv/feeds/alerts.json",
                         "file:///srv/feeds/alerts.xml", "http://127.0.0.1:1/a.ics",
                         "HTTPS://api.weather.gov/alerts/active?area=OK", NULL };
  g_autoptr(PmFeedPoller) poller = NULL;
  g_autoptr(GPtrArray) statuses = NULL;
  g_autoptr(GPtrArray) events = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      const char *locations[] = { "/tmp/fine.ics", refused[i][0], NULL };

      g_clear_error (&error);
      g_assert_null (pm_feed_poller_new (locations, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      pm_test_assert_contains (error->message, refused[i][0]);
      pm_test_assert_contains (error->message, refused[i][1]);
    }
  g_clear_error (&error);
  g_assert_null (pm_feed_poller_new (twice, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  pm_test_assert_contains (error->message, "/tmp/a.ics: given twice");
  g_clear_error (&error);

  /* Nothing is read before the first refresh. */
  poller = pm_feed_poller_new (fine, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pm_feed_poller_get_interval (poller), ==, PM_FEED_POLLER_DEFAULT_INTERVAL_S);
  g_assert_cmpuint (pm_feed_poller_get_generation (poller), ==, 0);
  statuses = pm_feed_poller_get_status (poller);
  g_assert_cmpuint (statuses->len, ==, g_strv_length ((char **) fine));
  for (guint i = 0; i < statuses->len; i++)
    {
      const PmFeedStatus *status = g_ptr_array_index (statuses, i);

      g_assert_cmpstr (status->location, ==, fine[i]);
      g_assert_cmpint (status->state, ==, PM_FEED_STATE_LOADING);
      g_assert_false (status->has_kind);
      g_assert_null (status->last_error);
      g_assert_cmpint (status->last_success_s, ==, -1);
      g_assert_cmpuint (status->fetches, ==, 0);
    }
  events = get_events (poller);
  g_assert_cmpuint (events->len, ==, 0);
  g_assert_cmpstr (pm_feed_state_to_string (PM_FEED_STATE_STALE), ==, "stale");
}

/* 200, then 304 with the validators sent back, then 200 for a replaced document. */
static void
test_http_conditional (void)
{
  g_autoptr(PmTestNginx) nginx = start_nginx ();
  g_autoptr(PmFeedPoller) poller = NULL;
  g_autoptr(PmFeedStatus) calendar = NULL;
  g_autoptr(PmFeedStatus) weather = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *calendar_path = NULL;
  g_autofree char *alerts_path = NULL;
  g_autofree char *calendar_url = NULL;
  g_autofree char *alerts_url = NULL;
  g_autofree char *ids_before = NULL;
  g_autofree char *ids_after = NULL;
  g_autofree char *user_agent = NULL;
  g_autofree char *accept = NULL;
  g_autofree char *if_none_match = NULL;
  g_autofree char *if_modified_since = NULL;
  g_auto(GStrv) requests = NULL;
  const char *locations[3];
  guint64 generation;

  if (nginx == NULL)
    return;
  calendar_path = g_build_filename (pm_test_nginx_get_root (nginx), "notices.ics", NULL);
  alerts_path = g_build_filename (pm_test_nginx_get_root (nginx), "alerts.json", NULL);
  write_file (calendar_path, calendar_1, 0);
  write_json_file (alerts_path, alerts, 0);
  calendar_url = g_strconcat (pm_test_nginx_get_url (nginx), "notices.ics", NULL);
  alerts_url = g_strconcat (pm_test_nginx_get_url (nginx), "alerts.json", NULL);
  locations[0] = calendar_url;
  locations[1] = alerts_url;
  locations[2] = NULL;

  poller = pm_feed_poller_new (locations, &error);
  g_assert_no_error (error);

  /* First refresh: both fetched in full. */
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);
  calendar = get_status (poller, 0);
  weather = get_status (poller, 1);
  g_assert_cmpint (calendar->state, ==, PM_FEED_STATE_OK);
  g_assert_true (calendar->has_kind);
  g_assert_cmpint (calendar->kind, ==, PM_EVENT_FEED_ICALENDAR);
  g_assert_cmpuint (calendar->n_events, ==, 1);
  g_assert_cmpuint (calendar->n_unlocated, ==, 0);
  g_assert_cmpuint (calendar->fetches, ==, 1);
  g_assert_cmpuint (calendar->not_modified, ==, 0);
  g_assert_cmpint (calendar->last_success_s, >, 0);
  g_assert_null (calendar->last_error);
  g_assert_cmpint (weather->state, ==, PM_FEED_STATE_OK);
  g_assert_cmpint (weather->kind, ==, PM_EVENT_FEED_CAP_GEOJSON);
  g_assert_cmpuint (weather->n_events, ==, 2);
  g_assert_cmpuint (weather->n_unlocated, ==, 1);
  ids_before = event_ids (poller);
  g_assert_cmpstr (ids_before, ==, "maint-1 urn:oid:2 urn:oid:1");
  generation = pm_feed_poller_get_generation (poller);
  g_assert_cmpuint (generation, !=, 0);

  requests = wait_for_requests (nginx, 2);
  g_assert_cmpuint (g_strv_length (requests), ==, 2);
  assert_request (requests[0], "200", "/notices.ics");
  assert_request (requests[1], "200", "/alerts.json");
  user_agent = request_field (requests[0], FIELD_USER_AGENT);
  g_assert_cmpstr (user_agent,
                   ==, "Premirror/" PACKAGE_VERSION " (+https://github.com/premirror/premirror)");
  accept = request_field (requests[0], FIELD_ACCEPT);
  pm_test_assert_contains (accept, "text/calendar");
  pm_test_assert_contains (accept, "application/geo+json");
  pm_test_assert_contains (accept, "application/cap+xml");
  if_none_match = request_field (requests[0], FIELD_IF_NONE_MATCH);
  g_assert_cmpstr (if_none_match, ==, "-");
  g_clear_pointer (&requests, g_strfreev);
  g_clear_pointer (&if_none_match, g_free);

  /* With the default interval, nothing is due yet. */
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);
  g_clear_pointer (&calendar, pm_feed_status_free);
  calendar = get_status (poller, 0);
  g_assert_cmpuint (calendar->fetches, ==, 1);

  /* Due at every refresh now: the server answers 304 to the validators, events unchanged. */
  pm_feed_poller_set_interval (poller, 0);
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);
  g_clear_pointer (&calendar, pm_feed_status_free);
  g_clear_pointer (&weather, pm_feed_status_free);
  calendar = get_status (poller, 0);
  weather = get_status (poller, 1);
  g_assert_cmpuint (calendar->fetches, ==, 2);
  g_assert_cmpuint (calendar->not_modified, ==, 1);
  g_assert_cmpuint (weather->not_modified, ==, 1);
  g_assert_cmpint (calendar->state, ==, PM_FEED_STATE_OK);
  g_assert_cmpuint (calendar->n_events, ==, 1);
  g_assert_cmpuint (pm_feed_poller_get_generation (poller), ==, generation);
  ids_after = event_ids (poller);
  g_assert_cmpstr (ids_after, ==, ids_before);

  requests = wait_for_requests (nginx, 4);
  assert_request (requests[2], "304", "/notices.ics");
  assert_request (requests[3], "304", "/alerts.json");
  if_none_match = request_field (requests[2], FIELD_IF_NONE_MATCH);
  if_modified_since = request_field (requests[2], FIELD_IF_MODIFIED_SINCE);
  g_assert_cmpstr (if_none_match, !=, "-");
  g_assert_cmpstr (if_modified_since, !=, "-");
  g_clear_pointer (&requests, g_strfreev);

  /* The calendar replaced: fetched in full, the new events seen, the generation moved on. */
  write_file (calendar_path, calendar_2, 1);
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);
  requests = wait_for_requests (nginx, 6);
  for (guint i = 0; requests[i] != NULL; i++)
    g_test_message ("nginx: %s", requests[i]);
  assert_request (requests[4], "200", "/notices.ics");
  assert_request (requests[5], "304", "/alerts.json");
  g_clear_pointer (&calendar, pm_feed_status_free);
  calendar = get_status (poller, 0);
  g_assert_cmpuint (calendar->n_events, ==, 2);
  g_assert_cmpuint (calendar->not_modified, ==, 1);
  g_assert_cmpuint (pm_feed_poller_get_generation (poller), !=, generation);
  g_clear_pointer (&ids_after, g_free);
  ids_after = event_ids (poller);
  g_assert_cmpstr (ids_after, ==, "maint-1 maint-2 urn:oid:2 urn:oid:1");
  g_assert_true (has_title (poller, "Fibre splice (moved)"));
  g_assert_false (has_title (poller, "Fibre splice"));
}

/* A URL that answers 404 never loads; a malformed document after a good one keeps the good
 * events; each says which feed and, for the document, where in it. */
static void
test_http_errors (void)
{
  g_autoptr(PmTestNginx) nginx = start_nginx ();
  g_autoptr(PmFeedPoller) poller = NULL;
  g_autoptr(PmFeedStatus) missing = NULL;
  g_autoptr(PmFeedStatus) weather = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *alerts_path = NULL;
  g_autofree char *missing_url = NULL;
  g_autofree char *alerts_url = NULL;
  g_autofree char *ids = NULL;
  const char *locations[3];
  guint64 generation;

  if (nginx == NULL)
    return;
  alerts_path = g_build_filename (pm_test_nginx_get_root (nginx), "alerts.json", NULL);
  write_json_file (alerts_path, alerts, 0);
  missing_url = g_strconcat (pm_test_nginx_get_url (nginx), "missing.ics", NULL);
  alerts_url = g_strconcat (pm_test_nginx_get_url (nginx), "alerts.json", NULL);
  locations[0] = missing_url;
  locations[1] = alerts_url;
  locations[2] = NULL;
  poller = pm_feed_poller_new (locations, &error);
  g_assert_no_error (error);
  pm_feed_poller_set_interval (poller, 0);

  /* The failing feed is reported; the other one loads all the same. */
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  pm_test_assert_contains (error->message, missing_url);
  g_test_message ("%s", error->message);
  pm_test_assert_contains (error->message, "404");
  /* nginx's error page says nothing more than the status. */
  g_assert_null (strstr (error->message, "<html>"));
  g_assert_true (g_str_has_prefix (error->message, missing_url));
  g_clear_error (&error);
  missing = get_status (poller, 0);
  weather = get_status (poller, 1);
  g_assert_cmpint (missing->state, ==, PM_FEED_STATE_FAILED);
  g_assert_false (missing->has_kind);
  g_assert_cmpuint (missing->n_events, ==, 0);
  g_assert_cmpuint (missing->failures, ==, 1);
  g_assert_cmpint (missing->last_success_s, ==, -1);
  pm_test_assert_contains (missing->last_error, missing_url);
  g_assert_cmpint (weather->state, ==, PM_FEED_STATE_OK);
  g_assert_cmpuint (weather->n_events, ==, 2);
  generation = pm_feed_poller_get_generation (poller);
  ids = event_ids (poller);

  /* The alerts broken on the server: stale, the good events kept, the place named. */
  write_json_file (alerts_path, alerts_broken, 1);
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  g_assert_nonnull (error);
  /* The first failing feed in the given order is the one reported. */
  pm_test_assert_contains (error->message, missing_url);
  g_clear_error (&error);
  g_clear_pointer (&weather, pm_feed_status_free);
  weather = get_status (poller, 1);
  g_assert_cmpint (weather->state, ==, PM_FEED_STATE_STALE);
  g_assert_true (weather->has_kind);
  g_assert_cmpuint (weather->n_events, ==, 2);
  g_assert_cmpuint (weather->failures, ==, 1);
  g_assert_cmpint (weather->last_success_s, >, 0);
  g_assert_nonnull (weather->last_error);
  g_assert_true (g_str_has_prefix (weather->last_error, alerts_url));
  g_test_message ("%s", weather->last_error);
  pm_test_assert_contains (weather->last_error, "feature 0");
  pm_test_assert_contains (weather->last_error, "geometry");
  g_assert_cmpuint (pm_feed_poller_get_generation (poller), ==, generation);
  {
    g_autofree char *ids_now = event_ids (poller);

    g_assert_cmpstr (ids_now, ==, ids);
  }

  /* Fixed: read in full again (the broken document left no validators behind), then OK. */
  write_json_file (alerts_path, alerts, 2);
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  pm_test_assert_contains (error->message, missing_url);
  g_clear_error (&error);
  g_clear_pointer (&weather, pm_feed_status_free);
  weather = get_status (poller, 1);
  g_assert_cmpint (weather->state, ==, PM_FEED_STATE_OK);
  g_assert_null (weather->last_error);
  g_assert_cmpuint (weather->not_modified, ==, 0);
  g_assert_cmpuint (weather->n_events, ==, 2);
  /* The same bytes as the last good document: nothing for readers to redo. */
  g_assert_cmpuint (pm_feed_poller_get_generation (poller), ==, generation);

  /* Only the alerts now: all good. */
  {
    const char *only_alerts[] = { alerts_url, NULL };
    g_autoptr(PmFeedPoller) alone = pm_feed_poller_new (only_alerts, &error);

    g_assert_no_error (error);
    g_assert_true (pm_feed_poller_refresh (alone, &error));
    g_assert_no_error (error);
  }
}

/* A service that refuses says why in its answer's body, which the error quotes. */
static void
test_http_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PmTestNginx) nginx = NULL;
  g_autoptr(PmFeedPoller) poller = NULL;
  g_autofree char *url = NULL;
  const char *locations[2];

  nginx = pm_test_nginx_new ("location = /alerts/active {\n"
                             "  default_type application/problem+json;\n"
                             "  return 403 '{\"title\": \"Forbidden\",\n"
                             "    \"detail\": \"A User-Agent header is required\"}';\n"
                             "}\n", &error);
  if (nginx == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  url = g_strconcat (pm_test_nginx_get_url (nginx), "alerts/active", NULL);
  locations[0] = url;
  locations[1] = NULL;
  poller = pm_feed_poller_new (locations, &error);
  g_assert_no_error (error);
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, url));
  pm_test_assert_contains (error->message, "HTTP 403 Forbidden: {\"title\": \"Forbidden\", "
                           "\"detail\": \"A User-Agent header is required\"}");
}

/* A server that goes away leaves the feed stale with its events; it recovers when the server
 * is back. */
static void
test_http_server_down (void)
{
  g_autoptr(PmTestNginx) nginx = start_nginx ();
  g_autoptr(PmFeedPoller) poller = NULL;
  g_autoptr(PmFeedStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *calendar_path = NULL;
  g_autofree char *calendar_url = NULL;
  const char *locations[2];

  if (nginx == NULL)
    return;
  calendar_path = g_build_filename (pm_test_nginx_get_root (nginx), "notices.ics", NULL);
  write_file (calendar_path, calendar_1, 0);
  calendar_url = g_strconcat (pm_test_nginx_get_url (nginx), "notices.ics", NULL);
  locations[0] = calendar_url;
  locations[1] = NULL;
  poller = pm_feed_poller_new (locations, &error);
  g_assert_no_error (error);
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);

  pm_test_nginx_stop (nginx);
  pm_feed_poller_set_interval (poller, 0);
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, calendar_url));
  g_clear_error (&error);
  status = get_status (poller, 0);
  g_assert_cmpint (status->state, ==, PM_FEED_STATE_STALE);
  g_assert_cmpuint (status->n_events, ==, 1);
  g_assert_cmpuint (status->failures, ==, 1);
  g_assert_true (has_title (poller, "Fibre splice"));

  /* Backing off: with the default interval, the retry waits (15 s at first). */
  pm_feed_poller_set_interval (poller, PM_FEED_POLLER_DEFAULT_INTERVAL_S);
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);
  g_clear_pointer (&status, pm_feed_status_free);
  status = get_status (poller, 0);
  g_assert_cmpuint (status->fetches, ==, 2);
  g_assert_cmpint (status->state, ==, PM_FEED_STATE_STALE);

  /* Back: a 304 to the validators of the last good document, and the feed is OK. */
  g_assert_true (pm_test_nginx_restart (nginx, &error));
  g_assert_no_error (error);
  pm_feed_poller_set_interval (poller, 0);
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);
  g_clear_pointer (&status, pm_feed_status_free);
  status = get_status (poller, 0);
  g_assert_cmpint (status->state, ==, PM_FEED_STATE_OK);
  g_assert_null (status->last_error);
  g_assert_cmpuint (status->fetches, ==, 3);
  g_assert_cmpuint (status->not_modified, ==, 1);
  g_assert_cmpuint (status->failures, ==, 1);
  g_assert_true (has_title (poller, "Fibre splice"));
}

/* Local files: read again when they change, not otherwise; a missing one fails once, and
 * loads when it appears. */
static void
test_file_feeds (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *calendar_path = g_build_filename (dir, "notices.ics", NULL);
  g_autofree char *alerts_path = g_build_filename (dir, "alerts.json", NULL);
  g_autofree char *alerts_uri = g_filename_to_uri (alerts_path, NULL, NULL);
  g_autoptr(PmFeedPoller) poller = NULL;
  g_autoptr(PmFeedStatus) calendar = NULL;
  g_autoptr(PmFeedStatus) weather = NULL;
  g_autoptr(GError) error = NULL;
  const char *locations[] = { calendar_path, alerts_uri, NULL };
  guint64 generation;

  write_file (calendar_path, calendar_1, 0);
  poller = pm_feed_poller_new (locations, &error);
  g_assert_no_error (error);
  pm_feed_poller_set_interval (poller, 0);

  /* The alerts file does not exist yet: an error naming it, as the engine's start needs. */
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  pm_test_assert_contains (error->message, alerts_path);
  g_clear_error (&error);
  calendar = get_status (poller, 0);
  weather = get_status (poller, 1);
  g_assert_cmpint (calendar->state, ==, PM_FEED_STATE_OK);
  g_assert_cmpuint (calendar->fetches, ==, 1);
  g_assert_cmpint (weather->state, ==, PM_FEED_STATE_FAILED);
  g_assert_cmpuint (weather->failures, ==, 1);

  /* Nothing changed: nothing read, the missing file not reported again. */
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);
  g_clear_pointer (&calendar, pm_feed_status_free);
  g_clear_pointer (&weather, pm_feed_status_free);
  calendar = get_status (poller, 0);
  weather = get_status (poller, 1);
  g_assert_cmpuint (calendar->fetches, ==, 1);
  g_assert_cmpuint (weather->failures, ==, 1);
  g_assert_cmpint (weather->state, ==, PM_FEED_STATE_FAILED);

  /* The alerts appear, the calendar changes: both read. */
  write_json_file (alerts_path, alerts, 0);
  generation = pm_feed_poller_get_generation (poller);
  write_file (calendar_path, calendar_2, 1);
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);
  g_clear_pointer (&calendar, pm_feed_status_free);
  g_clear_pointer (&weather, pm_feed_status_free);
  calendar = get_status (poller, 0);
  weather = get_status (poller, 1);
  g_assert_cmpuint (calendar->fetches, ==, 2);
  g_assert_cmpuint (calendar->n_events, ==, 2);
  g_assert_cmpint (weather->state, ==, PM_FEED_STATE_OK);
  g_assert_cmpint (weather->kind, ==, PM_EVENT_FEED_CAP_GEOJSON);
  g_assert_cmpuint (weather->n_events, ==, 2);
  g_assert_cmpuint (pm_feed_poller_get_generation (poller), !=, generation);
  g_assert_true (has_title (poller, "Fibre splice (moved)"));

  /* Broken in place: stale, the good events kept, the file and the place named. */
  generation = pm_feed_poller_get_generation (poller);
  write_file (calendar_path, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n"
              "DTSTAMP:20260101T000000Z\r\nSUMMARY:no window\r\n"
              "X-MAINTNOTE-OBJECT-ID:CIRCUIT-9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", 2);
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, calendar_path));
  g_test_message ("%s", error->message);
  pm_test_assert_contains (error->message, "VEVENT");
  g_clear_error (&error);
  g_clear_pointer (&calendar, pm_feed_status_free);
  calendar = get_status (poller, 0);
  g_assert_cmpint (calendar->state, ==, PM_FEED_STATE_STALE);
  g_assert_cmpuint (calendar->n_events, ==, 2);
  g_assert_cmpuint (pm_feed_poller_get_generation (poller), ==, generation);
  g_assert_true (has_title (poller, "Fibre splice (moved)"));
  /* Still broken, unchanged: not read nor reported again. */
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);

  /* Removed: stale still; back with the first content: read again. */
  g_assert_cmpint (g_unlink (calendar_path), ==, 0);
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  write_file (calendar_path, calendar_1, 3);
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  g_assert_no_error (error);
  g_clear_pointer (&calendar, pm_feed_status_free);
  calendar = get_status (poller, 0);
  g_assert_cmpint (calendar->state, ==, PM_FEED_STATE_OK);
  g_assert_cmpuint (calendar->n_events, ==, 1);
  g_assert_true (has_title (poller, "Fibre splice"));
}

typedef struct
{
  PmFeedPoller *poller;
  GSocket      *listener;
} Canceller;

/* Cancels the poller once its request is waiting in the listener's queue. */
static gpointer
cancel_when_connected (gpointer data)
{
  Canceller *canceller = data;
  g_autoptr(GError) error = NULL;

  g_socket_condition_wait (canceller->listener, G_IO_IN, NULL, &error);
  g_assert_no_error (error);
  pm_feed_poller_cancel (canceller->poller);
  return NULL;
}

/* A server that takes the connection and never answers: cancelling (as at shutdown) ends the
 * refresh without counting a failure, and every later refresh too. */
static void
test_cancel (void)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(PmFeedPoller) poller = NULL;
  g_autoptr(PmFeedStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  const char *locations[2];
  Canceller canceller;
  GThread *thread;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                           &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (listener, address, FALSE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u/alerts.json",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  locations[0] = url;
  locations[1] = NULL;
  poller = pm_feed_poller_new (locations, &error);
  g_assert_no_error (error);

  canceller.poller = poller;
  canceller.listener = listener;
  thread = g_thread_new ("canceller", cancel_when_connected, &canceller);
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_thread_join (thread);

  status = get_status (poller, 0);
  g_assert_cmpint (status->state, ==, PM_FEED_STATE_LOADING);
  g_assert_cmpuint (status->failures, ==, 0);
  g_assert_null (status->last_error);
  pm_feed_poller_set_interval (poller, 0);
  g_assert_false (pm_feed_poller_refresh (poller, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

typedef struct
{
  PmFeedPoller *poller;
  gint          stop;
  guint         reads;
} Reader;

static gpointer
read_until_stopped (gpointer data)
{
  Reader *reader = data;

  while (!g_atomic_int_get (&reader->stop))
    {
      g_autoptr(GPtrArray) events = get_events (reader->poller);
      g_autoptr(GPtrArray) statuses = pm_feed_poller_get_status (reader->poller);

      /* Whatever the moment, a reader sees one whole document or the other. */
      g_assert_true (events->len == 1 || events->len == 2);
      g_assert_cmpuint (statuses->len, ==, 1);
      reader->reads++;
    }
  return NULL;
}

/* Another thread reads while refreshes swap the events. */
static void
test_concurrent_readers (void)
{
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "notices.ics", NULL);
  const char *locations[] = { path, NULL };
  g_autoptr(PmFeedPoller) poller = NULL;
  g_autoptr(GError) error = NULL;
  Reader reader = { 0 };
  GThread *thread;

  write_file (path, calendar_1, 0);
  poller = pm_feed_poller_new (locations, &error);
  g_assert_no_error (error);
  pm_feed_poller_set_interval (poller, 0);
  g_assert_true (pm_feed_poller_refresh (poller, &error));
  reader.poller = poller;
  thread = g_thread_new ("reader", read_until_stopped, &reader);
  for (guint i = 1; i <= 40; i++)
    {
      write_file (path, i % 2 == 0 ? calendar_1 : calendar_2, i);
      g_assert_true (pm_feed_poller_refresh (poller, &error));
      g_assert_no_error (error);
    }
  g_atomic_int_set (&reader.stop, TRUE);
  g_thread_join (thread);
  g_test_message ("%u reads during 40 refreshes", reader.reads);
  g_assert_cmpuint (pm_feed_poller_get_generation (poller), ==, 41);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/feed-poller/locations", test_locations);
  g_test_add_func ("/feed-poller/http-conditional", test_http_conditional);
  g_test_add_func ("/feed-poller/http-errors", test_http_errors);
  g_test_add_func ("/feed-poller/http-refused", test_http_refused);
  g_test_add_func ("/feed-poller/http-server-down", test_http_server_down);
  g_test_add_func ("/feed-poller/file-feeds", test_file_feeds);
  g_test_add_func ("/feed-poller/cancel", test_cancel);
  g_test_add_func ("/feed-poller/concurrent-readers", test_concurrent_readers);

  return g_test_run ();
}
