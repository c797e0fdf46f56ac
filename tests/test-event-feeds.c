/* test-event-feeds.c: maintenance iCalendar, CAP GeoJSON and CAP 1.2 XML feeds: writing and
 * reading back the simulator's events exactly, the visibility rule of pm_simulator_get_events(),
 * notices and alerts replaced or cancelled, time zones, kinds told from content, and errors
 * naming the file, the entry and the field. The sample feeds are in tests/data/feeds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-cap-geojson.h"
#include "pm-cap-xml.h"
#include "pm-demo.h"
#include "pm-event-feed.h"
#include "pm-event-list.h"
#include "pm-ics.h"
#include "pm-rfc3339.h"
#include "pm-simulator.h"
#include "pm-test-util.h"

#define DAY 86400

static void
assert_same_event (const PmEvent *a,
                   const PmEvent *b)
{
  g_assert_cmpstr (a->id, ==, b->id);
  g_assert_cmpint (a->kind, ==, b->kind);
  g_assert_cmpint (a->issued_s, ==, b->issued_s);
  g_assert_cmpint (a->start_s, ==, b->start_s);
  g_assert_cmpint (a->end_s, ==, b->end_s);
  g_assert_cmpstr (a->title, ==, b->title);
  g_assert_cmpstr (a->circuit_id, ==, b->circuit_id);
  g_assert_cmpint (a->impact, ==, b->impact);
  g_assert_cmpint (a->severity, ==, b->severity);
  g_assert_cmpint (a->certainty, ==, b->certainty);
  g_assert_cmpint (a->urgency, ==, b->urgency);
  g_assert_cmpuint (a->n_polygon, ==, b->n_polygon);
  g_assert_true ((a->polygon == NULL) == (b->polygon == NULL));
  if (a->n_polygon > 0)
    g_assert_cmpmem (a->polygon, sizeof (PmLatLon) * a->n_polygon,
                     b->polygon, sizeof (PmLatLon) * b->n_polygon);
}

static void
assert_same_events (const GPtrArray *a,
                    const GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    assert_same_event (g_ptr_array_index ((GPtrArray *) a, i),
                       g_ptr_array_index ((GPtrArray *) b, i));
}

static PmSimulator *
demo_simulator (PmTopology **topology_out)
{
  g_autoptr(GError) error = NULL;
  PmTopology *topology = pm_demo_load_topology (&error);
  PmSimulatorConfig config = { 11, 60, PM_SIMULATOR_DEFAULT_START };

  g_assert_no_error (error);
  *topology_out = topology;
  return pm_simulator_new (topology, &config);
}

/* Every field of every simulated event survives both formats, floats and all, and a list of
 * them answers exactly as the simulator does at any time and horizon. */
static void
test_round_trip_simulator (void)
{
  g_autoptr(PmTopology) topology = NULL;
  g_autoptr(PmSimulator) simulator = demo_simulator (&topology);
  gint64 start = PM_SIMULATOR_DEFAULT_START;
  g_autoptr(GPtrArray) all = pm_simulator_get_events (simulator, start - DAY, start + 3 * DAY);
  g_autoptr(GPtrArray) maintenance = g_ptr_array_new ();
  g_autoptr(GPtrArray) weather = g_ptr_array_new ();
  g_autoptr(GPtrArray) maintenance_read = NULL;
  g_autoptr(GPtrArray) weather_read = NULL;
  g_autoptr(PmEventList) list = pm_event_list_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ics = pm_ics_write (all, "test-provider", "test-account");
  g_autofree char *cap = pm_cap_geojson_write (all);
  g_autofree char *dir = pm_test_make_temp_dir ();
  g_autofree char *ics_path = g_build_filename (dir, "notices.txt", NULL);
  g_autofree char *cap_path = g_build_filename (dir, "alerts.data", NULL);

  for (guint i = 0; i < all->len; i++)
    {
      PmEvent *event = g_ptr_array_index (all, i);
      g_ptr_array_add (event->kind == PM_EVENT_MAINTENANCE ? maintenance : weather, event);
    }
  g_assert_cmpuint (maintenance->len, >, 0);
  g_assert_cmpuint (weather->len, >, 0);

  pm_test_assert_contains (ics, "BEGIN:VCALENDAR");
  pm_test_assert_contains (ics, "X-MAINTNOTE-PROVIDER:test-provider");
  pm_test_assert_contains (ics, "X-MAINTNOTE-ACCOUNT:test-account");
  pm_test_assert_contains (ics, "X-MAINTNOTE-STATUS:CONFIRMED");
  pm_test_assert_contains (ics, "X-MAINTNOTE-MAINTENANCE-ID:");
  pm_test_assert_contains (ics, "SEQUENCE:0");
  pm_test_assert_contains (cap, "\"messageType\" : \"Alert\"");
  pm_test_assert_contains (cap, "\"type\" : \"Polygon\"");

  maintenance_read = pm_ics_parse (ics, "notices", &error);
  g_assert_no_error (error);
  assert_same_events (maintenance, maintenance_read);
  weather_read = pm_cap_geojson_parse (cap, strlen (cap), "alerts", &error);
  g_assert_no_error (error);
  assert_same_events (weather, weather_read);

  /* Recognised by content, whatever the file names say. */
  g_assert_true (g_file_set_contents (ics_path, ics, -1, NULL));
  g_assert_true (g_file_set_contents (cap_path, cap, -1, NULL));
  g_assert_true (pm_event_list_load_file (list, cap_path, &error));
  g_assert_no_error (error);
  g_assert_true (pm_event_list_load_file (list, ics_path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pm_event_list_get_n_events (list), ==, all->len);

  for (gint64 t = start; t < start + 2 * DAY; t += 1234)
    for (gint64 horizon = 600; horizon <= 7200; horizon *= 3)
      {
        g_autoptr(GPtrArray) expected = pm_simulator_get_events (simulator, t, t + horizon);
        g_autoptr(GPtrArray) got = pm_event_list_get_events (list, t, t + horizon);

        assert_same_events (expected, got);
      }
}

static const char notices[] =
  "BEGIN:VCALENDAR\r\n"
  "VERSION:2.0\r\n"
  "PRODID:-//Example//NOC//EN\r\n"
  "BEGIN:VEVENT\r\n"
  "UID:maint-1\r\n"
  "SEQUENCE:0\r\n"
  "DTSTAMP:20260101T000000Z\r\n"
  "DTSTART:20260105T020000Z\r\n"
  "DTEND:20260105T040000Z\r\n"
  "SUMMARY:Fibre splice\r\n"
  "X-MAINTNOTE-PROVIDER:example\r\n"
  "X-MAINTNOTE-OBJECT-ID:CIRCUIT-1\r\n"
  "X-MAINTNOTE-IMPACT:DEGRADED\r\n"
  "END:VEVENT\r\n"
  "BEGIN:VEVENT\r\n"
  "UID:maint-2\r\n"
  "DTSTAMP:20260102T000000Z\r\n"
  "DTSTART:20260106T020000Z\r\n"
  "DURATION:PT1H\r\n"
  "SUMMARY:Two circuits\r\n"
  "X-MAINTNOTE-OBJECT-ID:CIRCUIT-2\r\n"
  "X-MAINTNOTE-OBJECT-ID:CIRCUIT-3\r\n"
  "X-MAINTNOTE-IMPACT:SOMETHING-NEW\r\n"
  "END:VEVENT\r\n"
  "BEGIN:VEVENT\r\n"
  "UID:maint-1\r\n"
  "SEQUENCE:1\r\n"
  "DTSTAMP:20260103T000000Z\r\n"
  "DTSTART:20260105T030000Z\r\n"
  "DTEND:20260105T050000Z\r\n"
  "SUMMARY:Fibre splice (moved)\r\n"
  "X-MAINTNOTE-OBJECT-ID:CIRCUIT-1\r\n"
  "X-MAINTNOTE-IMPACT:NO-IMPACT\r\n"
  "END:VEVENT\r\n"
  "BEGIN:VEVENT\r\n"
  "UID:maint-3\r\n"
  "DTSTAMP:20260102T000000Z\r\n"
  "DTSTART:20260107T020000Z\r\n"
  "DTEND:20260107T030000Z\r\n"
  "X-MAINTNOTE-OBJECT-ID:CIRCUIT-4\r\n"
  "X-MAINTNOTE-STATUS:CANCELLED\r\n"
  "END:VEVENT\r\n"
  "END:VCALENDAR\r\n";

static void
test_ics_notices (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = pm_ics_parse (notices, "notices.ics", &error);
  const PmEvent *e;
  gint64 t;

  g_assert_no_error (error);
  /* maint-1 replaced by its SEQUENCE 1, maint-2 once per circuit, maint-3 cancelled. */
  g_assert_cmpuint (events->len, ==, 3);
  e = g_ptr_array_index (events, 0);
  g_assert_cmpstr (e->id, ==, "maint-2#CIRCUIT-2");
  g_assert_cmpstr (e->circuit_id, ==, "CIRCUIT-2");
  g_assert_cmpint (e->impact, ==, PM_IMPACT_OUTAGE);  /* unknown impact: the worst */
  g_assert_true (pm_rfc3339_parse ("2026-01-06T02:00:00Z", &t));
  g_assert_cmpint (e->start_s, ==, t);
  g_assert_cmpint (e->end_s, ==, t + 3600);
  e = g_ptr_array_index (events, 1);
  g_assert_cmpstr (e->circuit_id, ==, "CIRCUIT-3");
  e = g_ptr_array_index (events, 2);
  g_assert_cmpstr (e->id, ==, "maint-1");
  g_assert_cmpstr (e->title, ==, "Fibre splice (moved)");
  g_assert_cmpint (e->impact, ==, PM_IMPACT_NO_IMPACT);
  g_assert_true (pm_rfc3339_parse ("2026-01-03T00:00:00Z", &t));
  g_assert_cmpint (e->issued_s, ==, t);
  g_assert_cmpint (e->kind, ==, PM_EVENT_MAINTENANCE);
  g_assert_cmpint (e->severity, ==, PM_SEVERITY_UNKNOWN);
}

static void
test_ics_errors (void)
{
  const struct
  {
    const char *remove;
    const char *message;
  } cases[] = {
    { "UID:maint-2\r\n", "notices.ics: VEVENT 1: property “UID”: missing" },
    { "DTSTAMP:20260102T000000Z\r\n", "notices.ics: VEVENT 1 (“maint-2”): property “DTSTAMP”" },
    { "DTSTART:20260106T020000Z\r\n", "notices.ics: VEVENT 1 (“maint-2”): property “DTSTART”" },
    { "DURATION:PT1H\r\n", "notices.ics: VEVENT 1 (“maint-2”): property “DTEND”" },
    { "X-MAINTNOTE-OBJECT-ID:CIRCUIT-2\r\nX-MAINTNOTE-OBJECT-ID:CIRCUIT-3\r\n",
      "notices.ics: VEVENT 1 (“maint-2”): property “X-MAINTNOTE-OBJECT-ID”: missing" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GString) text = g_string_new (notices);
      g_autoptr(GPtrArray) events = NULL;

      g_assert_cmpuint (g_string_replace (text, cases[i].remove, "", 1), ==, 1);
      events = pm_ics_parse (text->str, "notices.ics", &error);
      g_assert_null (events);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      pm_test_assert_contains (error->message, cases[i].message);
    }
  {
    g_autoptr(GError) error = NULL;

    g_assert_null (pm_ics_parse ("BEGIN:VEVENT\r\nEND:VEVENT\r\n", "x.ics", &error));
    pm_test_assert_contains (error->message, "x.ics: not an iCalendar VCALENDAR");
  }
  /* Bytes that are not UTF-8 never reach an event's id or title (found by fuzz-ics). */
  {
    const char *bytes[] = { "UID:maint-2\r\n", "UID:maint-\xff\r\n",
                            "SUMMARY:", "SUMMARY:\xc3" };

    for (guint i = 0; i < G_N_ELEMENTS (bytes); i += 2)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(GString) text = g_string_new (notices);

        g_assert_cmpuint (g_string_replace (text, bytes[i], bytes[i + 1], 1), ==, 1);
        g_assert_null (pm_ics_parse (text->str, "notices.ics", &error));
        g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
        pm_test_assert_contains (error->message, "notices.ics: line ");
        pm_test_assert_contains (error->message, "not UTF-8");
      }
  }
}

/* The shape api.weather.gov serves, trimmed. */
static const char alerts[] =
  "{'type': 'FeatureCollection', 'features': ["
  " {'id': 'https://api.weather.gov/alerts/urn:oid:1', 'type': 'Feature',"
  "  'geometry': {'type': 'Polygon', 'coordinates': [[[-97.1, 35.0], [-96.5, 35.0],"
  "   [-96.5, 35.6], [-97.1, 35.0]]]},"
  "  'properties': {'id': 'urn:oid:1', 'event': 'Severe Thunderstorm Warning',"
  "   'headline': 'Severe Thunderstorm Warning issued May 5 by NWS Norman OK',"
  "   'sent': '2026-05-05T15:50:00-05:00', 'effective': '2026-05-05T15:50:00-05:00',"
  "   'onset': '2026-05-05T16:00:00-05:00', 'expires': '2026-05-05T16:45:00-05:00',"
  "   'ends': null, 'severity': 'Severe', 'certainty': 'Observed', 'urgency': 'Immediate',"
  "   'messageType': 'Alert'}},"
  " {'id': 'https://api.weather.gov/alerts/urn:oid:2', 'type': 'Feature', 'geometry': null,"
  "  'properties': {'event': 'Wind Advisory', 'sent': '2026-05-05T20:00:00Z',"
  "   'ends': '2026-05-06T06:00:00Z', 'severity': 'Moderate', 'certainty': 'Likely',"
  "   'urgency': 'Expected', 'messageType': 'Update'}},"
  " {'type': 'Feature', 'geometry': null, 'properties': {'id': 'urn:oid:3',"
  "   'sent': '2026-05-05T21:00:00Z', 'messageType': 'Cancel'}}"
  "]}";

static void
test_cap_alerts (void)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (alerts);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) events = NULL;
  gsize length;
  const char *text = g_bytes_get_data (bytes, &length);
  const PmEvent *e;
  gint64 t;

  events = pm_cap_geojson_parse (text, length, "alerts.geojson", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (events->len, ==, 2);

  e = g_ptr_array_index (events, 0);
  g_assert_cmpstr (e->id, ==, "urn:oid:1");
  g_assert_cmpint (e->kind, ==, PM_EVENT_WEATHER);
  g_assert_cmpstr (e->title, ==, "Severe Thunderstorm Warning issued May 5 by NWS Norman OK");
  g_assert_true (pm_rfc3339_parse ("2026-05-05T20:50:00Z", &t));
  g_assert_cmpint (e->issued_s, ==, t);
  g_assert_cmpint (e->start_s, ==, t + 600);
  g_assert_cmpint (e->end_s, ==, t + 3300);  /* no "ends": "expires" */
  g_assert_cmpint (e->severity, ==, PM_SEVERITY_SEVERE);
  g_assert_cmpint (e->certainty, ==, PM_CERTAINTY_OBSERVED);
  g_assert_cmpint (e->urgency, ==, PM_URGENCY_IMMEDIATE);
  g_assert_cmpuint (e->n_polygon, ==, 3);  /* the closing vertex dropped */
  g_assert_cmpfloat (e->polygon[0].lon, ==, -97.1);
  g_assert_cmpfloat (e->polygon[0].lat, ==, 35.0);

  e = g_ptr_array_index (events, 1);
  g_assert_cmpstr (e->id, ==, "https://api.weather.gov/alerts/urn:oid:2");
  g_assert_cmpstr (e->title, ==, "Wind Advisory");
  g_assert_cmpint (e->start_s, ==, e->issued_s);  /* no onset or effective: when sent */
  g_assert_null (e->polygon);
  g_assert_cmpint (e->certainty, ==, PM_CERTAINTY_LIKELY);
}

static void
test_cap_errors (void)
{
  const struct
  {
    const char *from;
    const char *to;
    const char *message;
  } cases[] = {
    { "'sent': '2026-05-05T20:00:00Z',", "",
      "alerts.geojson: feature 1 (“https://api.weather.gov/alerts/urn:oid:2”): field “sent”" },
    { "'sent': '2026-05-05T20:00:00Z'", "'sent': '2026-05-05 20:00'",
      "feature 1 (“https://api.weather.gov/alerts/urn:oid:2”): field “sent”: “2026-05-05 20:00” "
      "is not an RFC 3339 time" },
    { "'ends': '2026-05-06T06:00:00Z',", "", "feature 1 (“https://api.weather.gov/alerts/"
      "urn:oid:2”): field “ends”: missing" },
    { "[-96.5, 35.6]", "[-96.5, 135.6]", "alerts.geojson: feature 0 (“urn:oid:1”): field "
      "“geometry”: the polygon, position 2: [-96.5, 135.6] is not a longitude and latitude" },
    { "'type': 'Polygon'", "'type': 'Point'", "feature 0 (“urn:oid:1”): field “geometry”: "
      "expected a Polygon, a MultiPolygon or null, not Point" },
    { "'properties': {'id': 'urn:oid:3',", "'properties': {", "alerts.geojson: feature 2: "
      "field “id”: missing" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) quoted = g_string_new (alerts);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) events = NULL;
      gsize length;
      const char *text;

      g_assert_cmpuint (g_string_replace (quoted, cases[i].from, cases[i].to, 1), ==, 1);
      bytes = pm_test_json_bytes (quoted->str);
      text = g_bytes_get_data (bytes, &length);
      events = pm_cap_geojson_parse (text, length, "alerts.geojson", &error);
      g_assert_null (events);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("%s", error->message);
      pm_test_assert_contains (error->message, cases[i].message);
    }
}

static char *
feed_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "feeds", name, NULL);
}

static GPtrArray *
parse_feed_file (const char      *name,
                 PmEventFeedKind  expected_kind)
{
  g_autofree char *path = feed_path (name);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  PmEventFeedKind kind = (PmEventFeedKind) -1;
  GPtrArray *events;
  gsize length;

  g_assert_true (g_file_get_contents (path, &data, &length, &error));
  g_assert_no_error (error);
  events = pm_event_feed_parse (name, data, length, &kind, &error);
  g_assert_no_error (error);
  g_assert_nonnull (events);
  g_assert_cmpint (kind, ==, expected_kind);
  return events;
}

static gint64
utc (const char *text)
{
  gint64 t = 0;

  g_assert_true (pm_rfc3339_parse (text, &t));
  return t;
}

static const PmEvent *
event_at (GPtrArray *events,
          guint      i)
{
  g_assert_cmpuint (i, <, events->len);
  return g_ptr_array_index (events, i);
}

/* Feeds are recognised by content: the same documents under misleading names, with a byte
 * order mark or leading blank lines, still read as what they are. */
static void
test_feed_detection (void)
{
  const struct
  {
    const char     *sample;
    const char     *misleading_name;
    PmEventFeedKind kind;
    guint           n_events;
  } samples[] = {
    { "maintenance.ics", "alerts.xml", PM_EVENT_FEED_ICALENDAR, 6 },
    { "nws-alerts.json", "calendar.ics", PM_EVENT_FEED_CAP_GEOJSON, 4 },
    { "cap-flood-warning.xml", "alerts.json", PM_EVENT_FEED_CAP_XML, 3 },
    { "cap-feed.atom", "feed.geojson", PM_EVENT_FEED_CAP_XML, 2 },
  };
  g_autoptr(PmEventList) list = pm_event_list_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *junk = pm_test_write_temp_file ("feed.ics", "hello");
  g_autofree char *empty = pm_test_write_temp_file ("empty.xml", " \r\n\t");
  guint total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *path = feed_path (samples[i].sample);
      g_autofree char *data = NULL;
      g_autofree char *prefixed = NULL;
      g_autofree char *renamed = NULL;
      g_autoptr(GPtrArray) events = NULL;
      PmEventFeedKind kind;
      gsize length;

      g_assert_true (g_file_get_contents (path, &data, &length, NULL));
      prefixed = g_strconcat ("\xef\xbb\xbf\r\n\n  ", data, NULL);
      events = pm_event_feed_parse ("https://feeds.example/x", prefixed, strlen (prefixed),
                                    &kind, &error);
      g_assert_no_error (error);
      g_assert_cmpint (kind, ==, samples[i].kind);
      g_assert_cmpuint (events->len, ==, samples[i].n_events);

      renamed = pm_test_write_temp_file (samples[i].misleading_name, data);
      g_assert_true (pm_event_list_load_file (list, renamed, &error));
      g_assert_no_error (error);
      total += samples[i].n_events;
      g_assert_cmpuint (pm_event_list_get_n_events (list), ==, total);
    }

  g_assert_cmpstr (pm_event_feed_kind_to_string (PM_EVENT_FEED_ICALENDAR), ==, "iCalendar");
  g_assert_cmpstr (pm_event_feed_kind_to_string (PM_EVENT_FEED_CAP_GEOJSON), ==, "CAP GeoJSON");
  g_assert_cmpstr (pm_event_feed_kind_to_string (PM_EVENT_FEED_CAP_XML), ==, "CAP XML");

  g_assert_false (pm_event_list_load_file (list, junk, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  pm_test_assert_contains (error->message, "feed.ics: not an event feed: expected iCalendar");
  g_clear_error (&error);
  g_assert_false (pm_event_list_load_file (list, empty, &error));
  pm_test_assert_contains (error->message, "empty.xml: empty document");
  g_clear_error (&error);
  g_assert_null (pm_event_feed_parse ("https://feeds.example/utf16", "\xff\xfe<\0a\0", 6, NULL,
                                      &error));
  pm_test_assert_contains (error->message, "https://feeds.example/utf16: the document is UTF-16");
  g_clear_error (&error);
  g_assert_null (pm_event_feed_parse ("https://feeds.example/nul", "BEGIN:VCALENDAR\0x", 17,
                                      NULL, &error));
  pm_test_assert_contains (error->message, "https://feeds.example/nul: byte 15: a NUL");
  g_clear_error (&error);
  /* Any XML is taken for CAP, and the XML reader says what it found instead. */
  g_assert_null (pm_event_feed_parse ("rss.xml", "<rss version=\"2.0\"><channel/></rss>", 35,
                                      NULL, &error));
  pm_test_assert_contains (error->message, "rss.xml: no CAP alert: the root element is <rss> "
                           "without a namespace");
  g_clear_error (&error);
  g_assert_false (pm_event_list_load_file (list, "/nowhere.ics", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpuint (pm_event_list_get_n_events (list), ==, total);
}

/* Every IMPACT and STATUS value, SEQUENCE updates arriving out of order, CANCELLED, folded
 * lines, a VTIMEZONE zone with an Outlook-style name, an IANA TZID without a VTIMEZONE, an
 * all-day notice and floating times. */
static void
test_ics_calendar_file (void)
{
  g_autoptr(GPtrArray) events = parse_feed_file ("maintenance.ics", PM_EVENT_FEED_ICALENDAR);
  const PmEvent *e;

  /* mn-1002 twice (two circuits), 1003, 1004, 1005, 1001 (its SEQUENCE 2); mn-1006 cancelled
   * by its SEQUENCE 1. */
  g_assert_cmpuint (events->len, ==, 6);

  e = event_at (events, 0);
  g_assert_cmpstr (e->id, ==, "mn-1002@carrier.example#AMS-FRA-02");
  g_assert_cmpstr (e->circuit_id, ==, "AMS-FRA-02");
  g_assert_cmpint (e->impact, ==, PM_IMPACT_REDUCED_REDUNDANCY);
  /* 02:00 Central European Standard Time in January is 01:00 UTC. */
  g_assert_cmpint (e->start_s, ==, utc ("2026-01-13T01:00:00Z"));
  g_assert_cmpint (e->end_s, ==, utc ("2026-01-13T03:00:00Z"));
  /* The SUMMARY was folded over three lines. */
  g_assert_cmpstr (e->title, ==, "Line card replacement in Amsterdam, both halves of the "
                   "protected wave are touched in turn, so the circuit runs without protection "
                   "for the whole window");
  g_assert_cmpstr (e->provider, ==, "carrier.example");
  g_assert_cmpstr (e->account, ==, "ACME-4711");
  g_assert_cmpstr (e->maintenance_id, ==, "MN-1002");
  e = event_at (events, 1);
  g_assert_cmpstr (e->circuit_id, ==, "AMS-LON-03");
  g_assert_cmpstr (e->maintenance_id, ==, "MN-1002");

  e = event_at (events, 2);
  g_assert_cmpstr (e->id, ==, "mn-1003@carrier.example");
  g_assert_cmpint (e->impact, ==, PM_IMPACT_DEGRADED);  /* and IN-PROCESS: kept */
  /* America/Chicago without a VTIMEZONE: 23:00 CDT in July is 04:00 UTC the next day. */
  g_assert_cmpint (e->start_s, ==, utc ("2026-07-15T04:00:00Z"));
  g_assert_cmpint (e->end_s, ==, utc ("2026-07-15T07:00:00Z"));

  e = event_at (events, 3);
  g_assert_cmpstr (e->id, ==, "mn-1004@carrier.example");
  g_assert_cmpint (e->impact, ==, PM_IMPACT_NO_IMPACT);  /* and COMPLETED: kept */
  /* All day, no DTEND: the whole day, in UTC. */
  g_assert_cmpint (e->start_s, ==, utc ("2026-01-20T00:00:00Z"));
  g_assert_cmpint (e->end_s, ==, utc ("2026-01-21T00:00:00Z"));

  e = event_at (events, 4);
  g_assert_cmpstr (e->id, ==, "mn-1005@carrier.example");
  g_assert_cmpint (e->impact, ==, PM_IMPACT_OUTAGE);  /* PARTIAL-BLACKOUT is unknown */
  g_assert_cmpint (e->start_s, ==, utc ("2026-01-21T22:00:00Z"));  /* floating: UTC */
  g_assert_cmpint (e->end_s, ==, utc ("2026-01-22T01:00:00Z"));

  e = event_at (events, 5);
  g_assert_cmpstr (e->id, ==, "mn-1001@carrier.example");
  g_assert_cmpstr (e->title, ==, "Fibre splice on the Frankfurt–Paris route (shortened)");
  g_assert_cmpint (e->impact, ==, PM_IMPACT_OUTAGE);
  g_assert_cmpint (e->issued_s, ==, utc ("2026-01-05T09:00:00Z"));
  g_assert_cmpint (e->start_s, ==, utc ("2026-01-12T02:00:00Z"));
  g_assert_cmpint (e->end_s, ==, utc ("2026-01-12T04:00:00Z"));

  for (guint i = 0; i < events->len; i++)
    g_assert_cmpint (event_at (events, i)->kind, ==, PM_EVENT_MAINTENANCE);
}

static void
test_ics_status_and_zones (void)
{
  const struct
  {
    const char *from;
    const char *to;
    const char *message;
  } cases[] = {
    { "X-MAINTNOTE-STATUS:CONFIRMED\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:mn-1003",
      "X-MAINTNOTE-STATUS:POSTPONED\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:mn-1003",
      "maintenance.ics: VEVENT 1 (“mn-1002@carrier.example”): property "
      "“X-MAINTNOTE-STATUS”: “POSTPONED” is not TENTATIVE, CONFIRMED, CANCELLED, IN-PROCESS "
      "or COMPLETED" },
    { "TZID=America/Chicago", "TZID=America/Nowhere",
      "maintenance.ics: VEVENT 2 (“mn-1003@carrier.example”): property “DTSTART”: unknown "
      "time zone “America/Nowhere”" },
    { "DTEND:20260122T010000\r\n", "",
      "maintenance.ics: VEVENT 4 (“mn-1005@carrier.example”): property “DTEND”: missing" },
  };
  g_autofree char *path = feed_path ("maintenance.ics");
  g_autofree char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) text = g_string_new (data);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) events = NULL;

      g_assert_cmpuint (g_string_replace (text, cases[i].from, cases[i].to, 0), >=, 1);
      events = pm_event_feed_parse ("maintenance.ics", text->str, text->len, NULL, &error);
      g_assert_null (events);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      pm_test_assert_contains (error->message, cases[i].message);
    }
}

/* Polygon, MultiPolygon (holes left out), null geometry, an Update listed before the alert it
 * replaces (NWS lists newest first), a Cancel and a Test message. */
static void
test_cap_geojson_file (void)
{
  g_autoptr(GPtrArray) events = parse_feed_file ("nws-alerts.json", PM_EVENT_FEED_CAP_GEOJSON);
  const PmEvent *e;

  g_assert_cmpuint (events->len, ==, 4);
  for (guint i = 0; i < events->len; i++)
    {
      g_assert_cmpint (event_at (events, i)->kind, ==, PM_EVENT_WEATHER);
      g_assert_false (g_str_has_suffix (event_at (events, i)->id, "ok-svr-1"));
      g_assert_false (g_str_has_suffix (event_at (events, i)->id, "ar-tor-1"));
    }

  e = event_at (events, 0);
  g_assert_cmpstr (e->id, ==, "urn:oid:2.49.0.1.840.0.ok-upd-1");
  g_assert_cmpstr (e->title, ==, "Severe Thunderstorm Warning extended until 5:15PM CDT by NWS "
                   "Norman OK");
  g_assert_cmpint (e->start_s, ==, utc ("2026-05-05T21:20:00Z"));
  g_assert_cmpint (e->end_s, ==, utc ("2026-05-05T22:15:00Z"));
  g_assert_cmpuint (e->n_polygon, ==, 4);

  e = event_at (events, 1);
  g_assert_cmpstr (e->id, ==, "urn:oid:2.49.0.1.840.0.tx-ffw-1#1");
  g_assert_cmpint (e->severity, ==, PM_SEVERITY_EXTREME);
  g_assert_cmpint (e->certainty, ==, PM_CERTAINTY_LIKELY);
  g_assert_cmpint (e->urgency, ==, PM_URGENCY_EXPECTED);
  g_assert_cmpint (e->end_s, ==, utc ("2026-05-06T04:00:00Z"));  /* "ends" over "expires" */
  g_assert_cmpuint (e->n_polygon, ==, 3);
  g_assert_cmpfloat (e->polygon[0].lon, ==, -98.0);
  g_assert_cmpfloat (e->polygon[0].lat, ==, 30.0);
  e = event_at (events, 2);
  g_assert_cmpstr (e->id, ==, "urn:oid:2.49.0.1.840.0.tx-ffw-1#2");
  g_assert_cmpstr (e->title, ==, event_at (events, 1)->title);
  g_assert_cmpint (e->start_s, ==, event_at (events, 1)->start_s);
  g_assert_cmpuint (e->n_polygon, ==, 4);  /* the outer ring; the hole left out */
  g_assert_cmpfloat (e->polygon[2].lon, ==, -96.9);
  g_assert_cmpfloat (e->polygon[2].lat, ==, 30.9);
  {
    /* A line under the second polygon only: exposed through the second event, as the hazard
     * model tests each event's ring. */
    const PmLatLon a = { .lat = 30.75, .lon = -97.4 }, b = { .lat = 30.75, .lon = -96.7 };

    g_assert_false (pm_geo_segment_crosses_polygon (a, b, event_at (events, 1)->polygon,
                                                    event_at (events, 1)->n_polygon));
    g_assert_true (pm_geo_segment_crosses_polygon (a, b, e->polygon, e->n_polygon));
  }

  e = event_at (events, 3);
  g_assert_cmpstr (e->id, ==, "urn:oid:2.49.0.1.840.0.ks-wind-1");
  g_assert_null (e->polygon);  /* unlocated, kept */
  g_assert_cmpuint (e->n_polygon, ==, 0);
  g_assert_cmpstr (e->title, ==, "Wind Advisory");
  g_assert_cmpint (e->severity, ==, PM_SEVERITY_MINOR);
  g_assert_cmpint (e->certainty, ==, PM_CERTAINTY_POSSIBLE);
  g_assert_cmpint (e->urgency, ==, PM_URGENCY_FUTURE);
  g_assert_cmpint (e->start_s, ==, utc ("2026-05-05T20:00:00Z"));
}

/* Two polygons and a circle in two areas; the Spanish <info> translates the English one and is
 * not read twice. CAP polygons are latitude first. */
static void
test_cap_xml_alert (void)
{
  g_autoptr(GPtrArray) events = parse_feed_file ("cap-flood-warning.xml",
                                                 PM_EVENT_FEED_CAP_XML);
  const PmLatLon centre = { .lat = 31.17, .lon = -93.57 };
  const PmEvent *e;

  g_assert_cmpuint (events->len, ==, 3);
  for (guint i = 0; i < events->len; i++)
    {
      g_autofree char *id = g_strdup_printf ("urn:oid:2.49.0.1.840.0.la-flw-7#%u", i + 1);

      e = event_at (events, i);
      g_assert_cmpstr (e->id, ==, id);
      g_assert_cmpint (e->kind, ==, PM_EVENT_WEATHER);
      g_assert_cmpstr (e->title, ==, "Flood Warning issued May 6 at 8:15AM CDT until May 7 at "
                       "12:00PM CDT by NWS Lake Charles LA");
      g_assert_cmpint (e->issued_s, ==, utc ("2026-05-06T13:15:00Z"));
      g_assert_cmpint (e->start_s, ==, utc ("2026-05-06T17:00:00Z"));
      g_assert_cmpint (e->end_s, ==, utc ("2026-05-07T17:00:00Z"));
      g_assert_cmpint (e->severity, ==, PM_SEVERITY_MODERATE);
      g_assert_cmpint (e->certainty, ==, PM_CERTAINTY_LIKELY);
      g_assert_cmpint (e->urgency, ==, PM_URGENCY_EXPECTED);
    }
  e = event_at (events, 0);
  g_assert_cmpuint (e->n_polygon, ==, 4);
  g_assert_cmpfloat (e->polygon[0].lat, ==, 30.30);
  g_assert_cmpfloat (e->polygon[0].lon, ==, -93.75);
  g_assert_cmpfloat (e->polygon[2].lat, ==, 30.55);
  g_assert_cmpfloat (e->polygon[2].lon, ==, -93.60);
  e = event_at (events, 1);
  g_assert_cmpuint (e->n_polygon, ==, 3);  /* spread over lines */
  g_assert_cmpfloat (e->polygon[2].lat, ==, 31.0);
  e = event_at (events, 2);
  g_assert_cmpuint (e->n_polygon, >=, 16);
  for (guint i = 0; i < e->n_polygon; i++)
    g_assert_cmpfloat_with_epsilon (pm_geo_distance_km (centre, e->polygon[i]), 5.0, 0.05);
  g_assert_true (pm_geo_point_in_polygon (centre, e->polygon, e->n_polygon));
}

/* An Atom feed of alerts, newest first: an Update replaces the alert it references, a Cancel
 * removes its alert, an area of zone codes alone is kept unlocated. */
static void
test_cap_xml_feed (void)
{
  g_autoptr(GPtrArray) events = parse_feed_file ("cap-feed.atom", PM_EVENT_FEED_CAP_XML);
  const PmEvent *e;

  g_assert_cmpuint (events->len, ==, 2);
  e = event_at (events, 0);
  g_assert_cmpstr (e->id, ==, "urn:oid:2.49.0.1.840.0.la-svr-2");
  g_assert_cmpstr (e->title, ==, "Severe Thunderstorm Warning extended until 11:00AM CDT");
  g_assert_cmpint (e->start_s, ==, utc ("2026-05-06T15:00:00Z"));
  g_assert_cmpint (e->end_s, ==, utc ("2026-05-06T16:00:00Z"));
  g_assert_cmpint (e->severity, ==, PM_SEVERITY_SEVERE);
  g_assert_cmpint (e->certainty, ==, PM_CERTAINTY_OBSERVED);
  g_assert_cmpint (e->urgency, ==, PM_URGENCY_IMMEDIATE);
  g_assert_cmpuint (e->n_polygon, ==, 3);
  g_assert_cmpfloat (e->polygon[1].lon, ==, -93.10);

  e = event_at (events, 1);
  g_assert_cmpstr (e->id, ==, "urn:oid:2.49.0.1.840.0.la-fire-1");
  g_assert_cmpstr (e->title, ==, "Red Flag Warning");  /* no headline */
  g_assert_null (e->polygon);
  g_assert_cmpint (e->severity, ==, PM_SEVERITY_UNKNOWN);  /* an unknown word */
  g_assert_cmpint (e->start_s, ==, utc ("2026-05-06T14:00:00Z"));  /* no onset: when sent */
}

static void
test_cap_xml_errors (void)
{
  const struct
  {
    const char *from;
    const char *to;
    const char *message;
  } cases[] = {
    { "<identifier>urn:oid:2.49.0.1.840.0.la-flw-7</identifier>", "",
      "alert.xml: alert 0: element “alert”: line 2: no <identifier> in it" },
    { "<sent>2026-05-06T08:15:00-05:00</sent>", "<sent>6 May 2026</sent>",
      "alert.xml: alert 0 (“urn:oid:2.49.0.1.840.0.la-flw-7”): element “sent”: line 5: "
      "“6 May 2026” is not a CAP date-time" },
    { "<msgType>Alert</msgType>", "<msgType>Warning</msgType>",
      "element “msgType”: line 7: “Warning” is not Alert, Update, Cancel, Ack or Error" },
    { "<msgType>Alert</msgType>", "<msgType>Update</msgType><references>nonsense</references>",
      "element “references”: line 7: expected “sender,identifier,sent” entries" },
    { "<severity>Moderate</severity>\n    <certainty>Likely</certainty>\n    <effective>",
      "<certainty>Likely</certainty>\n    <effective>",
      "alert.xml: alert 0 (“urn:oid:2.49.0.1.840.0.la-flw-7”): element “info”: line 10: "
      "no <severity> in it" },
    { "<expires>2026-05-07T12:00:00-05:00</expires>\n    <senderName>", "<senderName>",
      "element “info”: line 10: no <expires> in it" },
    { "30.80,-93.70 30.80,-93.50", "30.80;-93.70 30.80,-93.50",
      "alert.xml: alert 0 (“urn:oid:2.49.0.1.840.0.la-flw-7”): element “polygon”: line 28: "
      "pair 0 “30.80;-93.70” is not “latitude,longitude”" },
    { "<circle>31.17,-93.57 5</circle>", "<circle>31.17,-93.57 five</circle>",
      "element “circle”: line 39: radius “five” is not a distance in km" },
    { "<polygon>30.30,-93.75 30.30,-93.60 30.55,-93.60 30.55,-93.75 30.30,-93.75</polygon>\n"
      "      <polygon>", "<polygon>30.30,-93.75 30.30,-93.60 30.30,-93.75</polygon>\n"
      "      <polygon>", "element “polygon”: line 27: a polygon needs at least 3 distinct" },
    { "</info>\n  <info>", "</inf>\n  <info>",
      "alert.xml: line 41: not well-formed XML: " },
    { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
      "<?xml version=\"1.0\"?>\n<!DOCTYPE alert [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>",
      "alert.xml: has a DOCTYPE; CAP documents have none" },
    { "urn:oasis:names:tc:emergency:cap:1.2", "urn:example:not-cap",
      "alert.xml: no CAP alert: the root element is <alert> in urn:example:not-cap" },
  };
  g_autofree char *path = feed_path ("cap-flood-warning.xml");
  g_autofree char *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) text = g_string_new (data);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) events = NULL;

      g_assert_cmpuint (g_string_replace (text, cases[i].from, cases[i].to, 1), ==, 1);
      events = pm_cap_xml_parse (text->str, text->len, "alert.xml", &error);
      g_assert_null (events);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("%s", error->message);
      pm_test_assert_contains (error->message, cases[i].message);
    }
}

/* A malformed document of each kind, loaded as a file: the error names the file and the place,
 * and nothing of the document is added. */
static void
test_malformed_files (void)
{
  const struct
  {
    const char *name;
    const char *message;
  } cases[] = {
    { "malformed-calendar.ics", "malformed-calendar.ics: VEVENT 0 (“mn-2001@carrier.example”): "
      "property “DTSTART”: unknown time zone “Mars/Olympus_Mons”" },
    { "malformed-alerts.json", "malformed-alerts.json: feature 0 "
      "(“urn:oid:2.49.0.1.840.0.tx-ffw-9”): field “geometry”: polygon 1, position 2: "
      "[30.9, -196.9] is not a longitude and latitude" },
    { "malformed-alert.xml", "malformed-alert.xml: alert 0 (“urn:oid:2.49.0.1.840.0.la-flw-9”): "
      "element “polygon”: line 18: pair 0 “-93.75,30.30” is not “latitude,longitude” (CAP puts "
      "the latitude first)" },
  };
  g_autoptr(PmEventList) list = pm_event_list_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = feed_path (cases[i].name);
      g_autoptr(GError) error = NULL;

      g_assert_false (pm_event_list_load_file (list, path, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, path));
      pm_test_assert_contains (error->message, cases[i].message);
      g_assert_cmpuint (pm_event_list_get_n_events (list), ==, 0);
    }
}

/* Every prefix of every sample, and the samples with bytes replaced by characters that matter
 * to their syntax: each parse gives events or an error naming the document, never both, never
 * a crash (the ASan build checks the memory). */
static void
test_damaged_documents (void)
{
  static const char *const samples[] = {
    "maintenance.ics", "nws-alerts.json", "cap-flood-warning.xml", "cap-feed.atom",
  };
  static const char replacements[] = { '"', '<', '>', ',', ':', '\n', '0', '\0', '{', ';' };

  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *path = feed_path (samples[i]);
      g_autofree char *data = NULL;
      gsize length;
      guint n_parsed = 0;

      g_assert_true (g_file_get_contents (path, &data, &length, NULL));
      for (gsize cut = 0; cut < length; cut += 7)
        for (guint r = 0; r <= G_N_ELEMENTS (replacements); r++)
          {
            g_autofree char *copy = g_memdup2 (data, length);
            g_autoptr(GError) error = NULL;
            g_autoptr(GPtrArray) events = NULL;
            gsize n = length;

            if (r == G_N_ELEMENTS (replacements))
              n = cut;  /* truncated */
            else if ((cut / 7 + r) % 5 == 0)
              copy[cut] = replacements[r];  /* one byte replaced */
            else
              continue;
            events = pm_event_feed_parse ("damaged", copy, n, NULL, &error);
            g_assert_true ((events == NULL) != (error == NULL));
            if (error != NULL)
              g_assert_true (g_str_has_prefix (error->message, "damaged: "));
            else
              n_parsed++;
          }
      /* Some damage (in a description, say) still leaves a readable document. */
      g_assert_cmpuint (n_parsed, >, 0);
    }
}

static void
test_rfc3339 (void)
{
  g_autofree char *text = pm_rfc3339_format (PM_SIMULATOR_DEFAULT_START);
  gint64 t = 0;

  g_assert_cmpstr (text, ==, "2026-01-05T00:00:00Z");
  g_assert_true (pm_rfc3339_parse (text, &t));
  g_assert_cmpint (t, ==, PM_SIMULATOR_DEFAULT_START);
  g_assert_true (pm_rfc3339_parse ("2026-01-05T01:00:00+01:00", &t));
  g_assert_cmpint (t, ==, PM_SIMULATOR_DEFAULT_START);
  /* No zone: which one would be a guess. */
  g_assert_false (pm_rfc3339_parse ("2026-01-05T00:00:00", &t));
  g_assert_false (pm_rfc3339_parse ("yesterday", &t));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/event-feeds/round-trip-simulator", test_round_trip_simulator);
  g_test_add_func ("/event-feeds/ics-notices", test_ics_notices);
  g_test_add_func ("/event-feeds/ics-errors", test_ics_errors);
  g_test_add_func ("/event-feeds/cap-alerts", test_cap_alerts);
  g_test_add_func ("/event-feeds/cap-errors", test_cap_errors);
  g_test_add_func ("/event-feeds/detection", test_feed_detection);
  g_test_add_func ("/event-feeds/ics-calendar-file", test_ics_calendar_file);
  g_test_add_func ("/event-feeds/ics-status-and-zones", test_ics_status_and_zones);
  g_test_add_func ("/event-feeds/cap-geojson-file", test_cap_geojson_file);
  g_test_add_func ("/event-feeds/cap-xml-alert", test_cap_xml_alert);
  g_test_add_func ("/event-feeds/cap-xml-feed", test_cap_xml_feed);
  g_test_add_func ("/event-feeds/cap-xml-errors", test_cap_xml_errors);
  g_test_add_func ("/event-feeds/malformed-files", test_malformed_files);
  g_test_add_func ("/event-feeds/damaged-documents", test_damaged_documents);
  g_test_add_func ("/event-feeds/rfc3339", test_rfc3339);
  return g_test_run ();
}
