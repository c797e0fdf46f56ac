/* test-hazard.c: event hazards from maintenance windows and weather alerts, and their learning.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-util.h"
#include "predict/pm-hazard.h"

#define HORIZON (30 * 60)

/* Three sites in a row: west — mid — east; segments "w-m" (circuit C-1) and "m-e". */
static const char line_topology[] =
  "{\"type\": \"FeatureCollection\", \"features\": ["
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [0, 50]},"
  " \"properties\": {\"id\": \"w\", \"role\": \"origin\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [2, 50]},"
  " \"properties\": {\"id\": \"m\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"Point\", \"coordinates\": [4, 50]},"
  " \"properties\": {\"id\": \"e\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\", \"coordinates\": [[0, 50], [2, 50]]},"
  " \"properties\": {\"id\": \"w-m\", \"a\": \"w\", \"b\": \"m\", \"circuit_id\": \"C-1\"}},"
  "{\"type\": \"Feature\", \"geometry\": {\"type\": \"LineString\", \"coordinates\": [[2, 50], [4, 50]]},"
  " \"properties\": {\"id\": \"m-e\", \"a\": \"m\", \"b\": \"e\"}}]}";

static PmTopology *
load_line (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static (line_topology, sizeof line_topology - 1);
  g_autoptr(GError) error = NULL;
  PmTopology *topology = pm_topology_new_from_bytes (bytes, "line", &error);

  g_assert_no_error (error);
  return topology;
}

static PmEvent *
maintenance (const char *id,
             const char *circuit,
             PmImpact    impact,
             gint64      start,
             gint64      end)
{
  PmEvent *event = g_new0 (PmEvent, 1);

  event->id = g_strdup (id);
  event->kind = PM_EVENT_MAINTENANCE;
  event->issued_s = start - 86400;
  event->start_s = start;
  event->end_s = end;
  event->circuit_id = g_strdup (circuit);
  event->impact = impact;
  return event;
}

static PmEvent *
storm (const char *id,
       PmSeverity  severity,
       double      lon,
       gint64      start,
       gint64      end)
{
  PmEvent *event = g_new0 (PmEvent, 1);
  static const PmLatLon square[] = { { 49.5, -0.5 }, { 49.5, 0.5 }, { 50.5, 0.5 }, { 50.5, -0.5 } };

  event->id = g_strdup (id);
  event->kind = PM_EVENT_WEATHER;
  event->issued_s = start;
  event->start_s = start;
  event->end_s = end;
  event->severity = severity;
  event->certainty = PM_CERTAINTY_LIKELY;
  event->urgency = PM_URGENCY_IMMEDIATE;
  event->n_polygon = G_N_ELEMENTS (square);
  event->polygon = g_new (PmLatLon, event->n_polygon);
  for (guint i = 0; i < event->n_polygon; i++)
    event->polygon[i] = (PmLatLon) { square[i].lat, square[i].lon + lon };
  return event;
}

static GPtrArray *
events_of (PmEvent *first,
           ...)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  va_list args;

  va_start (args, first);
  for (PmEvent *e = first; e != NULL; e = va_arg (args, PmEvent *))
    g_ptr_array_add (events, e);
  va_end (args);
  return events;
}

static void
test_hazard_maintenance_window (void)
{
  g_autoptr(PmTopology) topology = load_line ();
  g_autoptr(PmHazardModel) model = pm_hazard_model_new (topology);
  g_autoptr(GPtrArray) events = events_of (maintenance ("m1", "C-1", PM_IMPACT_OUTAGE, 10000,
                                                        13600), NULL);
  PmSegmentHazard out[2];

  /* Threatening exactly while the window is within the horizon: [start − H, end). */
  pm_hazard_model_evaluate (model, events, 10000 - HORIZON - 10, HORIZON, out);
  g_assert_cmpfloat (out[0].maintenance, ==, 0);
  pm_hazard_model_evaluate (model, events, 10000 - HORIZON + 10, HORIZON, out);
  g_assert_cmpfloat (out[0].maintenance, >, 0.3);
  g_assert_cmpint (out[0].maintenance_start_s, ==, 10000);
  g_assert_nonnull (strstr (out[0].maintenance_text, "C-1"));
  g_assert_nonnull (strstr (out[0].maintenance_text, "OUTAGE"));
  g_assert_cmpfloat (out[1].maintenance, ==, 0);
  pm_hazard_model_evaluate (model, events, 13590, HORIZON, out);
  g_assert_cmpfloat (out[0].maintenance, >, 0.3);
  pm_hazard_model_evaluate (model, events, 13600, HORIZON, out);
  g_assert_cmpfloat (out[0].maintenance, ==, 0);
}

static void
test_hazard_maintenance_impacts (void)
{
  g_autoptr(PmTopology) topology = load_line ();
  g_autoptr(PmHazardModel) model = pm_hazard_model_new (topology);
  g_autoptr(GPtrArray) none = events_of (maintenance ("a", "C-1", PM_IMPACT_NO_IMPACT, 0, 3600),
                                         NULL);
  g_autoptr(GPtrArray) degraded = events_of (maintenance ("b", "C-1", PM_IMPACT_DEGRADED, 0, 3600),
                                             NULL);
  g_autoptr(GPtrArray) outage = events_of (maintenance ("c", "C-1", PM_IMPACT_OUTAGE, 0, 3600),
                                           NULL);
  g_autoptr(GPtrArray) elsewhere = events_of (maintenance ("d", "C-99", PM_IMPACT_OUTAGE, 0, 3600),
                                              NULL);
  g_autoptr(GPtrArray) by_id = events_of (maintenance ("e", "m-e", PM_IMPACT_OUTAGE, 0, 3600),
                                          NULL);
  PmSegmentHazard out[2];
  double degraded_hazard;

  pm_hazard_model_evaluate (model, none, 100, HORIZON, out);
  g_assert_cmpfloat (out[0].maintenance, ==, 0);
  pm_hazard_model_evaluate (model, degraded, 100, HORIZON, out);
  degraded_hazard = out[0].maintenance;
  g_assert_cmpfloat (degraded_hazard, >, 0);
  pm_hazard_model_evaluate (model, outage, 100, HORIZON, out);
  g_assert_cmpfloat (out[0].maintenance, >, degraded_hazard);
  pm_hazard_model_evaluate (model, elsewhere, 100, HORIZON, out);
  g_assert_cmpfloat (out[0].maintenance + out[1].maintenance, ==, 0);
  /* A topology without circuit ids is matched on segment ids. */
  pm_hazard_model_evaluate (model, by_id, 100, HORIZON, out);
  g_assert_cmpfloat (out[1].maintenance, >, 0);
}

static void
test_hazard_unpublished_is_invisible (void)
{
  g_autoptr(PmTopology) topology = load_line ();
  g_autoptr(PmHazardModel) model = pm_hazard_model_new (topology);
  PmEvent *late = maintenance ("m1", "C-1", PM_IMPACT_OUTAGE, 1000, 5000);
  g_autoptr(GPtrArray) events = NULL;
  PmSegmentHazard out[2];

  late->issued_s = 2000;
  events = events_of (late, NULL);
  pm_hazard_model_evaluate (model, events, 1500, HORIZON, out);
  g_assert_cmpfloat (out[0].maintenance, ==, 0);
  pm_hazard_model_evaluate (model, events, 2500, HORIZON, out);
  g_assert_cmpfloat (out[0].maintenance, >, 0);
}

static void
test_hazard_weather_crossing_and_severity (void)
{
  g_autoptr(PmTopology) topology = load_line ();
  g_autoptr(PmHazardModel) model = pm_hazard_model_new (topology);
  /* Centred on the west site: crosses w-m only. */
  g_autoptr(GPtrArray) extreme = events_of (storm ("s1", PM_SEVERITY_EXTREME, 0, 0, 3600), NULL);
  g_autoptr(GPtrArray) minor = events_of (storm ("s2", PM_SEVERITY_MINOR, 0, 0, 3600), NULL);
  /* Centred between mid and east: crosses m-e only, without either end inside. */
  g_autoptr(GPtrArray) east = events_of (storm ("s3", PM_SEVERITY_SEVERE, 3, 0, 3600), NULL);
  PmSegmentHazard out[2];
  double extreme_hazard;

  pm_hazard_model_evaluate (model, extreme, 100, HORIZON, out);
  extreme_hazard = out[0].weather;
  g_assert_cmpfloat (extreme_hazard, >, 0);
  g_assert_cmpfloat (out[1].weather, ==, 0);
  g_assert_nonnull (strstr (out[0].weather_text, "Extreme"));
  pm_hazard_model_evaluate (model, minor, 100, HORIZON, out);
  g_assert_cmpfloat (out[0].weather, <, extreme_hazard / 3);
  pm_hazard_model_evaluate (model, east, 100, HORIZON, out);
  g_assert_cmpfloat (out[0].weather, ==, 0);
  g_assert_cmpfloat (out[1].weather, >, 0);
}

/* Twenty windows on w-m, all followed by a cut, and twenty on m-e, none: the rates part ways. */
static void
test_hazard_learns_rates (void)
{
  g_autoptr(PmTopology) topology = load_line ();
  g_autoptr(PmHazardModel) model = pm_hazard_model_new (topology);
  double prior_w = pm_hazard_model_get_rate (model, 0, PM_HAZARD_MAINTENANCE_OUTAGE);
  double prior_e = pm_hazard_model_get_rate (model, 1, PM_HAZARD_MAINTENANCE_OUTAGE);
  PmSegmentHazard out[2];

  g_assert_cmpfloat (prior_w, ==, prior_e);
  for (int i = 0; i < 20; i++)
    {
      gint64 start = (gint64) i * 86400;
      g_autofree char *id_w = g_strdup_printf ("w%d", i);
      g_autofree char *id_e = g_strdup_printf ("e%d", i);
      g_autoptr(GPtrArray) events = events_of (
        maintenance (id_w, "C-1", PM_IMPACT_OUTAGE, start, start + 3600),
        maintenance (id_e, "m-e", PM_IMPACT_OUTAGE, start, start + 3600), NULL);

      pm_hazard_model_evaluate (model, events, start + 60, HORIZON, out);
      pm_hazard_model_observe_partition (model, 0, start + 600);
    }
  /* Exposures are counted once they are over. */
  pm_hazard_model_evaluate (model, NULL, 21 * 86400, HORIZON, out);
  g_assert_cmpfloat (pm_hazard_model_get_rate (model, 0, PM_HAZARD_MAINTENANCE_OUTAGE), >, 0.8);
  g_assert_cmpfloat (pm_hazard_model_get_rate (model, 1, PM_HAZARD_MAINTENANCE_OUTAGE), <, 0.2);
  /* Weather learned nothing. */
  g_assert_cmpfloat_with_epsilon (pm_hazard_model_get_rate (model, 0, PM_HAZARD_WEATHER_SEVERE), 0.25,
                                  1e-9);
}

/* Reroutes announced as DEGRADED never cut; outages always do: learning one must not dilute the
 * other, or no outage window would ever look likely to cut. */
static void
test_hazard_impacts_learned_apart (void)
{
  g_autoptr(PmTopology) topology = load_line ();
  g_autoptr(PmHazardModel) model = pm_hazard_model_new (topology);
  PmSegmentHazard out[2];
  double outage_prior = pm_hazard_model_get_rate (model, 0, PM_HAZARD_MAINTENANCE_OUTAGE);

  for (int i = 0; i < 20; i++)
    {
      gint64 day = (gint64) i * 86400;
      g_autofree char *id_outage = g_strdup_printf ("o%d", i);
      g_autofree char *id_reroute = g_strdup_printf ("r%d", i);
      g_autoptr(GPtrArray) reroute = events_of (
        maintenance (id_reroute, "C-1", PM_IMPACT_DEGRADED, day, day + 3600), NULL);
      g_autoptr(GPtrArray) outage = events_of (
        maintenance (id_outage, "C-1", PM_IMPACT_OUTAGE, day + 43200, day + 46800), NULL);

      pm_hazard_model_evaluate (model, reroute, day + 60, HORIZON, out);
      pm_hazard_model_evaluate (model, outage, day + 43260, HORIZON, out);
      pm_hazard_model_observe_partition (model, 0, day + 43800);
    }
  pm_hazard_model_evaluate (model, NULL, 21 * 86400, HORIZON, out);
  g_assert_cmpfloat (pm_hazard_model_get_rate (model, 0, PM_HAZARD_MAINTENANCE_OUTAGE), >,
                     MAX (0.8, outage_prior));
  g_assert_cmpfloat (pm_hazard_model_get_rate (model, 0, PM_HAZARD_MAINTENANCE_PARTIAL), <, 0.1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hazard/maintenance-window", test_hazard_maintenance_window);
  g_test_add_func ("/hazard/maintenance-impacts", test_hazard_maintenance_impacts);
  g_test_add_func ("/hazard/unpublished-is-invisible", test_hazard_unpublished_is_invisible);
  g_test_add_func ("/hazard/weather-crossing-and-severity",
                   test_hazard_weather_crossing_and_severity);
  g_test_add_func ("/hazard/learns-rates", test_hazard_learns_rates);
  g_test_add_func ("/hazard/impacts-learned-apart", test_hazard_impacts_learned_apart);

  return g_test_run ();
}
