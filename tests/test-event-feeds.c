/* test-event-feeds.c: maintenance iCalendar and CAP GeoJSON feeds: writing and reading back
 * the simulator's events exactly, the visibility rule of pm_simulator_get_events(), notices
 * replaced or cancelled, and errors naming the file, the entry and the field.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "pm-cap-geojson.h"
#include "pm-demo.h"
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
      "“geometry”: position 2" },
    { "'type': 'Polygon'", "'type': 'Point'", "feature 0 (“urn:oid:1”): field “geometry”: "
      "expected a Polygon or null, not Point" },
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

static void
test_feed_detection (void)
{
  g_autoptr(PmEventList) list = pm_event_list_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = pm_test_write_temp_file ("alert.geojson", "<?xml version=\"1.0\"?>");
  g_autofree char *junk = pm_test_write_temp_file ("feed.ics", "hello");

  g_assert_false (pm_event_list_load_file (list, xml, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  pm_test_assert_contains (error->message, "CAP XML");
  g_clear_error (&error);
  g_assert_false (pm_event_list_load_file (list, junk, &error));
  pm_test_assert_contains (error->message, "neither iCalendar");
  g_clear_error (&error);
  g_assert_false (pm_event_list_load_file (list, "/nowhere.ics", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_cmpuint (pm_event_list_get_n_events (list), ==, 0);
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
  g_test_add_func ("/event-feeds/rfc3339", test_rfc3339);
  return g_test_run ();
}
