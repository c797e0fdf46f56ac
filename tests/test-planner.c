/* test-planner.c: the mirroring planner on a small European network: nothing without risk, a
 * side behind a risky segment with its deadline, replicas there or underway, candidates refused
 * for space, own risk and storms, cuts that are not identified, no demand, ranking, determinism.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include <json-glib/json-glib.h>

#include "mirror/pm-planner.h"
#include "pm-resources.h"
#include "pm-test-util.h"

#define NOW   1717200000  /* 2024-06-01 00:00 UTC */
#define MIB   1048576.0

/* Site indices, in file order. */
enum
{
  FRA, AMS, LON, DUB, EDI, BRI, PAR, LYO, MRS, N_SITES
};
/* Segment indices, in file order. */
enum
{
  FRA_AMS, AMS_LON, LON_DUB, LON_EDI, FRA_BRI, FRA_PAR, PAR_LYO, LYO_MRS, FRA_LYO, N_SEGMENTS
};

#define SITE(id, role, region, lon, lat)                                                          \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[" #lon "," #lat "]},"              \
  "'properties':{'id':'" id "','role':'" role "','region':'" region "'}},"
#define LINK(id, a, b, extra)                                                                     \
  ",{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"             \
  "'properties':{'id':'" id "','a':'" a "','b':'" b "'" extra "}}"

/* The British Isles hang off Amsterdam (lon behind one segment, dub and edi behind lon); bri hangs
 * off Frankfurt but shares the uk region; France hangs off Frankfurt twice (par and lyo). */
#define NETWORK                                                                                   \
  "{'type':'FeatureCollection','features':["                                                      \
  SITE ("fra", "origin", "de", 8.68, 50.11)                                                       \
  SITE ("ams", "edge", "nl", 4.90, 52.37)                                                         \
  SITE ("lon", "edge", "uk", -0.13, 51.51)                                                        \
  SITE ("dub", "edge", "ie", -6.26, 53.35)                                                        \
  SITE ("edi", "core", "uk", -3.19, 55.95)                                                        \
  SITE ("bri", "edge", "uk", -2.59, 51.45)                                                        \
  SITE ("par", "edge", "fr", 2.35, 48.86)                                                         \
  SITE ("lyo", "edge", "fr", 4.83, 45.76)                                                         \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[5.37,43.30]},"                     \
  "'properties':{'id':'mrs','role':'core','region':'fr-south'}}"                                  \
  LINK ("fra--ams", "fra", "ams", "")                                                             \
  LINK ("ams--lon", "ams", "lon", ",'bandwidth_bps':8e6")                                         \
  LINK ("lon--dub", "lon", "dub", "")                                                             \
  LINK ("lon--edi", "lon", "edi", "")                                                             \
  LINK ("fra--bri", "fra", "bri", "")                                                             \
  LINK ("fra--par", "fra", "par", "")                                                             \
  LINK ("par--lyo", "par", "lyo", "")                                                             \
  LINK ("lyo--mrs", "lyo", "mrs", "")                                                             \
  LINK ("fra--lyo", "fra", "lyo", "")                                                             \
  "]}"

#define CRL                                                                                       \
  "{'id':'crl','size_bytes':104857600,'criticality':4,'consistency':'eventual','origin':'fra',"   \
  "'demand':{'uk':900,'ie':100,'fr':50}}"
#define TINY                                                                                      \
  "{'id':'tiny','size_bytes':1048576,'criticality':5,'consistency':'eventual','origin':'fra',"    \
  "'demand':{'uk':10}}"
#define NL_ONLY                                                                                   \
  "{'id':'nl-only','size_bytes':1000,'criticality':5,'consistency':'eventual','origin':'fra',"    \
  "'demand':{'nl':1000,'nowhere':5}}"
#define AT_LON                                                                                    \
  "{'id':'at-lon','size_bytes':1000,'criticality':5,'consistency':'eventual','origin':'lon',"     \
  "'demand':{'uk':1000}}"

/* Everything the planner reads, quiet by default: no risk anywhere, no replica but the origins,
 * unlimited space, throughput unknown. */
typedef struct
{
  PmTopology     *topology;
  PmResources    *resources;
  double          risk[N_SEGMENTS];
  gint64          eta[N_SEGMENTS];
  double          isolation[N_SITES];
  guint8         *replicas;
  guint64         free_bytes[N_SITES];
  double          throughput[N_SITES];
  GPtrArray      *events;
  PmPlannerParams params;
  PmPlannerStats  stats;
} Fixture;

static void
fixture_set_up (Fixture    *f,
                const char *resources)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (resources);
  g_autoptr(GError) error = NULL;

  f->topology = pm_test_topology_from_json (NETWORK, "planner.geojson");
  g_assert_cmpuint (pm_topology_get_n_sites (f->topology), ==, N_SITES);
  g_assert_cmpuint (pm_topology_get_n_segments (f->topology), ==, N_SEGMENTS);
  f->resources = pm_resources_new_from_bytes (bytes, "resources.json", f->topology, &error);
  g_assert_no_error (error);
  for (guint e = 0; e < N_SEGMENTS; e++)
    f->risk[e] = 0.001;
  for (guint s = 0; s < N_SITES; s++)
    f->free_bytes[s] = G_MAXUINT64;
  f->replicas = g_new0 (guint8, pm_resources_get_n_resources (f->resources) * N_SITES);
  f->events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  pm_planner_params_init (&f->params);
}

static void
fixture_tear_down (Fixture *f)
{
  g_clear_object (&f->resources);
  g_clear_object (&f->topology);
  g_clear_pointer (&f->replicas, g_free);
  g_clear_pointer (&f->events, g_ptr_array_unref);
  pm_planner_stats_clear (&f->stats);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Fixture, fixture_tear_down)

static GPtrArray *
plan (Fixture *f)
{
  PmPlannerInput input = {
    .topology = f->topology,
    .resources = f->resources,
    .now_s = NOW,
    .risk = f->risk,
    .eta_s = f->eta,
    .isolation = f->isolation,
    .events = f->events,
    .replicas = f->replicas,
    .free_bytes = f->free_bytes,
    .throughput_bps = f->throughput,
  };

  pm_planner_stats_clear (&f->stats);
  return pm_planner_plan (&input, &f->params, &f->stats);
}

/* ams--lon fails with probability p, and the isles behind it are that isolated. */
static void
set_isles_risk (Fixture *f,
                double   p)
{
  f->risk[AMS_LON] = p;
  f->isolation[LON] = p;
  f->isolation[DUB] = p;
  f->isolation[EDI] = p;
}

/* The British Isles predicted to lose Amsterdam at 01:00 UTC, users at lon and dub. */
static void
cut_isles (Fixture *f)
{
  set_isles_risk (f, 0.8);
  f->eta[AMS_LON] = NOW + 3600;
}

static const PmPlannedMirror *
only_mirror (GPtrArray *mirrors)
{
  g_assert_cmpuint (mirrors->len, ==, 1);
  return g_ptr_array_index (mirrors, 0);
}

static void
test_no_risk (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;

  fixture_set_up (&f, "{'resources':[" CRL "," TINY "]}");
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_cmpuint (f.stats.n_failing_segments, ==, 0);
  g_assert_cmpuint (f.stats.n_components, ==, 1);
  g_assert_cmpuint (f.stats.n_at_risk_sites, ==, 0);
  g_assert_cmpuint (f.stats.n_lost, ==, 0);
  g_assert_cmpuint (f.stats.no_candidate->len, ==, 0);

  /* Unknown risk and isolation everywhere: still nothing, and no crash on NULL inputs. */
  {
    PmPlannerInput input = { .topology = f.topology, .resources = f.resources, .now_s = NOW };
    g_autoptr(GPtrArray) none = pm_planner_plan (&input, NULL, NULL);

    g_assert_cmpuint (none->len, ==, 0);
  }
}

static void
test_cut_side (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  const PmPlannedMirror *m;
  JsonObject *prediction;
  JsonObject *failing;
  double demand = 900 * 2.0 / 3 + 100;  /* uk's three sites, two on the side; all of ie */

  fixture_set_up (&f, "{'resources':[" CRL "]}");
  cut_isles (&f);
  f.throughput[LON] = 1e6;
  mirrors = plan (&f);
  m = only_mirror (mirrors);

  /* lon and dub are both candidates without risk; lon's region wants crl more. */
  g_assert_cmpuint (m->resource, ==, 0);
  g_assert_cmpuint (m->target, ==, LON);
  g_assert_cmpuint (m->users_site, ==, LON);
  g_assert_cmpfloat (m->probability, ==, 0.8);
  g_assert_cmpint (m->eta_s, ==, NOW + 3600);
  g_assert_cmpuint (m->bytes, ==, 104857600);
  g_assert_cmpfloat_with_epsilon (m->transfer_s, 104.8576, 1e-9);
  g_assert_cmpint (m->deadline_s, ==, NOW + 3600 - 105);
  g_assert_false (m->late);
  g_assert_cmpfloat_with_epsilon (m->benefit, demand, 1e-9);
  g_assert_cmpfloat_with_epsilon (m->score, 4 * 0.8 * demand / 100, 1e-9);
  g_assert_cmpstr (m->reason, ==, "lon cut off from the origin if ams--lon fails (p = 0.80, "
                                  "at 01:00 UTC); no replica of crl on that side");

  json_parser_load_from_data (parser, m->prediction, -1, &error);
  g_assert_no_error (error);
  prediction = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (prediction, "users_site"), ==, "lon");
  g_assert_cmpfloat (json_object_get_double_member (prediction, "isolation"), ==, 0.8);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (prediction,
                                                                         "failing_segments")),
                    ==, 1);
  failing = json_array_get_object_element (json_object_get_array_member (prediction,
                                                                         "failing_segments"), 0);
  g_assert_cmpstr (json_object_get_string_member (failing, "id"), ==, "ams--lon");
  g_assert_cmpfloat (json_object_get_double_member (failing, "risk"), ==, 0.8);
  g_assert_cmpint (json_object_get_int_member (failing, "eta"), ==, NOW + 3600);

  g_assert_cmpuint (f.stats.n_failing_segments, ==, 1);
  g_assert_cmpuint (f.stats.n_components, ==, 2);
  g_assert_cmpuint (f.stats.n_at_risk_sites, ==, 3);
  g_assert_cmpuint (f.stats.n_at_risk_components, ==, 1);
  g_assert_cmpuint (f.stats.n_lost, ==, 1);
  g_assert_cmpuint (f.stats.n_no_candidate, ==, 0);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* Due in a minute: 105 s of copying cannot make it. */
  f.eta[AMS_LON] = NOW + 60;
  mirrors = plan (&f);
  m = only_mirror (mirrors);
  g_assert_cmpint (m->deadline_s, ==, NOW + 60 - 105);
  g_assert_true (m->late);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* Throughput unknown: the widest path from fra is limited by ams--lon's 8 Mbit/s. */
  f.eta[AMS_LON] = NOW + 3600;
  f.throughput[LON] = 0;
  mirrors = plan (&f);
  m = only_mirror (mirrors);
  g_assert_cmpfloat_with_epsilon (m->transfer_s, 104857600 / 1e6, 1e-9);
  g_assert_cmpint (m->deadline_s, ==, NOW + 3600 - 105);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* No eta known: no deadline, never late. */
  f.eta[AMS_LON] = 0;
  mirrors = plan (&f);
  m = only_mirror (mirrors);
  g_assert_cmpint (m->eta_s, ==, 0);
  g_assert_cmpint (m->deadline_s, ==, 0);
  g_assert_false (m->late);
  pm_test_assert_contains (m->reason, "(p = 0.80, time unknown)");
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* An eta beyond the planner's horizon: the segment is not predicted to fail in time. */
  f.eta[AMS_LON] = NOW + 7200;
  f.params.horizon_s = 3600;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_cmpuint (f.stats.n_unidentified, ==, 3);
}

static void
test_replica_there (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;

  fixture_set_up (&f, "{'resources':[" CRL "," AT_LON "]}");
  cut_isles (&f);

  /* A usable replica of crl at dub serves the whole side; at-lon's origin is on it. */
  f.replicas[0 * N_SITES + DUB] = PM_PLANNER_REPLICA_USABLE;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_cmpuint (f.stats.n_lost, ==, 0);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* A replica across the cut does not help. */
  f.replicas[0 * N_SITES + DUB] = PM_PLANNER_REPLICA_NONE;
  f.replicas[0 * N_SITES + AMS] = PM_PLANNER_REPLICA_USABLE;
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->resource, ==, 0);
}

static void
test_underway (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;

  fixture_set_up (&f, "{'resources':[" CRL "]}");
  cut_isles (&f);
  f.replicas[0 * N_SITES + DUB] = PM_PLANNER_REPLICA_UNDERWAY;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_cmpuint (f.stats.n_lost, ==, 1);
  g_assert_cmpuint (f.stats.n_underway, ==, 1);
  g_assert_cmpuint (f.stats.n_no_candidate, ==, 0);
}

static void
test_capacity (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;
  g_autofree char *text = NULL;
  const PmPlannerMiss *miss;

  fixture_set_up (&f, "{'resources':[" CRL "]}");
  cut_isles (&f);
  f.free_bytes[LON] = 104857600 - 1;
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->target, ==, DUB);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* Exactly enough is enough. */
  f.free_bytes[LON] = 104857600;
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->target, ==, LON);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  f.free_bytes[LON] = 0;
  f.free_bytes[DUB] = 0;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_cmpuint (f.stats.n_no_candidate, ==, 1);
  g_assert_cmpuint (f.stats.no_candidate->len, ==, 1);
  miss = &g_array_index (f.stats.no_candidate, PmPlannerMiss, 0);
  g_assert_cmpuint (miss->resource, ==, 0);
  g_assert_cmpuint (miss->users_site, ==, LON);
  g_assert_cmpint (miss->eta_s, ==, NOW + 3600);
  g_assert_cmpuint (miss->n_sites, ==, 2);
  g_assert_cmpuint (miss->n_full, ==, 2);
  g_assert_cmpuint (miss->n_risky, ==, 0);
  g_assert_cmpuint (miss->n_in_storm, ==, 0);
  text = pm_planner_miss_describe (miss, f.resources);
  g_assert_cmpstr (text, ==, "no site can take crl near lon: of 2 origin or edge sites there, "
                             "2 lack space");
}

static void
test_own_risk (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;

  fixture_set_up (&f, "{'resources':[" CRL "]}");
  cut_isles (&f);

  /* lon relies on lon--edi inside the side; the cut itself does not count against it. */
  f.params.segment_threshold = 0.2;
  f.risk[LON_EDI] = 0.1;
  f.params.candidate_max_risk = 0.05;
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->target, ==, DUB);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* Under the limit, the lower own risk still wins over the region's demand. */
  f.params.candidate_max_risk = 0.2;
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->target, ==, DUB);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* dub's only segment inside the side is unknown: not low-risk. lon's unknown segment is
   * skipped, its other one is known and low. */
  f.risk[LON_EDI] = 0.001;
  f.risk[LON_DUB] = NAN;
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->target, ==, LON);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* Both refused: lon's known segment is too risky now. */
  f.risk[LON_EDI] = 0.15;
  f.params.candidate_max_risk = 0.1;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_cmpuint (f.stats.n_no_candidate, ==, 1);
  g_assert_cmpuint (g_array_index (f.stats.no_candidate, PmPlannerMiss, 0).n_risky, ==, 2);
}

static PmEvent *
storm (double lon_min,
       double lon_max,
       double lat_min,
       double lat_max)
{
  PmEvent *event = g_new0 (PmEvent, 1);

  event->id = g_strdup ("storm");
  event->kind = PM_EVENT_WEATHER;
  event->n_polygon = 4;
  event->polygon = g_new (PmLatLon, 4);
  event->polygon[0] = (PmLatLon) { lat_min, lon_min };
  event->polygon[1] = (PmLatLon) { lat_min, lon_max };
  event->polygon[2] = (PmLatLon) { lat_max, lon_max };
  event->polygon[3] = (PmLatLon) { lat_max, lon_min };
  return event;
}

static void
test_storm (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;
  g_autofree char *text = NULL;
  const PmPlannerMiss *miss;

  fixture_set_up (&f, "{'resources':[" CRL "]}");
  cut_isles (&f);
  f.free_bytes[LON] = 0;

  /* A storm over dub that does not reach the cut: dub is fine. */
  g_ptr_array_add (f.events, storm (-7, -5, 53, 54));
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->target, ==, DUB);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* One that covers dub and crosses ams--lon: dub goes down with the cut. */
  g_ptr_array_add (f.events, storm (-7, 2, 51.8, 54));
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  miss = &g_array_index (f.stats.no_candidate, PmPlannerMiss, 0);
  g_assert_cmpuint (miss->n_in_storm, ==, 1);
  g_assert_cmpuint (miss->n_full, ==, 1);
  text = pm_planner_miss_describe (miss, f.resources);
  g_assert_cmpstr (text, ==, "no site can take crl near lon: of 2 origin or edge sites there, "
                             "1 lacks space, 1 is inside the storm over the cut");
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* One over every site of the side: a replica inside it still serves its own site's clients,
   * so the side takes the one with space rather than nothing. */
  g_ptr_array_add (f.events, storm (-8, 2, 50, 60));
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->target, ==, DUB);
  g_assert_nonnull (strstr (only_mirror (mirrors)->reason, "every site there is inside the storm"));
  g_clear_pointer (&mirrors, g_ptr_array_unref);
  g_ptr_array_remove_index (f.events, 2);

  /* Maintenance has no polygon that matters. */
  g_ptr_array_remove_index (f.events, 1);
  {
    PmEvent *event = storm (-7, 2, 51.8, 54);

    event->kind = PM_EVENT_MAINTENANCE;
    g_ptr_array_add (f.events, event);
  }
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->target, ==, DUB);
}

#define COLD                                                                                      \
  "{'id':'cold','size_bytes':104857600,'criticality':1,'consistency':'eventual','origin':'fra',"  \
  "'demand':{'uk':10}}"

/* A side at a low isolation gets a small file its users need (score 5 × 0.1 × 6.7 ÷ 1 MiB),
 * not a large one they rarely fetch (1 × 0.1 × 6.7 ÷ 100 MiB); nor does a likely cut get the
 * large one (1 × 0.5 × 6.7 ÷ 100 MiB) unless the minimum score is lowered. */
static void
test_long_shot (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;

  fixture_set_up (&f, "{'resources':[" TINY "," COLD "]}");
  set_isles_risk (&f, 0.1);
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->resource, ==, 0);
  g_assert_cmpfloat (only_mirror (mirrors)->probability, ==, 0.1);
  /* A long shot is no at-risk site in the figures. */
  g_assert_cmpuint (f.stats.n_at_risk_sites, ==, 0);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* The score must reach the minimum. */
  f.params.min_score = 3.5;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_clear_pointer (&mirrors, g_ptr_array_unref);
  f.params.min_score = 0.25;

  /* Below the long-shot threshold, or with long shots off, nothing. */
  set_isles_risk (&f, 0.005);
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_clear_pointer (&mirrors, g_ptr_array_unref);
  set_isles_risk (&f, 0.1);
  f.params.long_shot_threshold = f.params.isolation_threshold;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_false (pm_planner_site_watched (&f.params, 0.1));
  g_assert_true (pm_planner_site_watched (&f.params, 0.3));
  g_assert_false (pm_planner_site_watched (&f.params, NAN));
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* At risk: still only what is worth its bytes, unless every need counts. */
  set_isles_risk (&f, 0.5);
  mirrors = plan (&f);
  g_assert_cmpuint (only_mirror (mirrors)->resource, ==, 0);
  g_assert_cmpuint (f.stats.n_at_risk_sites, ==, 3);
  g_clear_pointer (&mirrors, g_ptr_array_unref);
  f.params.min_score = 0;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 2);
}

static void
test_unidentified (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;
  const PmPlannedMirror *m;

  fixture_set_up (&f, "{'resources':[" CRL "]}");

  /* par is at risk, but without fra--par it still reaches fra through lyo. */
  f.risk[FRA_PAR] = 0.6;
  f.isolation[PAR] = 0.5;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_cmpuint (f.stats.n_at_risk_sites, ==, 1);
  g_assert_cmpuint (f.stats.n_unidentified, ==, 1);
  g_assert_cmpuint (f.stats.n_at_risk_components, ==, 0);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* Both ways out failing: identified; the earliest eta of the two, riskiest named first. */
  f.risk[FRA_LYO] = 0.3;
  f.eta[FRA_PAR] = NOW + 7200;
  f.eta[FRA_LYO] = NOW + 1800;
  f.isolation[LYO] = 0.45;
  mirrors = plan (&f);
  m = only_mirror (mirrors);
  g_assert_cmpuint (f.stats.n_unidentified, ==, 0);
  g_assert_cmpuint (m->users_site, ==, PAR);
  g_assert_cmpint (m->eta_s, ==, NOW + 1800);
  g_assert_true (m->target == PAR || m->target == LYO);
  g_assert_cmpstr (m->reason, ==, "par cut off from the origin if fra--par and fra--lyo fail "
                                  "(p = 0.50, at 00:30 UTC); no replica of crl on that side");
}

static void
test_cut_now (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;

  fixture_set_up (&f, "{'resources':[" CRL "]}");

  /* par's two ways out, both down since before now: par is cut off already, no copy can reach
   * it. */
  f.risk[FRA_PAR] = 1.0;
  f.risk[FRA_LYO] = 1.0;
  f.eta[FRA_PAR] = NOW - 600;
  f.eta[FRA_LYO] = NOW - 60;
  f.isolation[PAR] = 1.0;
  f.isolation[LYO] = 1.0;
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_cmpuint (f.stats.n_cut_now, ==, 1);
  g_clear_pointer (&mirrors, g_ptr_array_unref);

  /* One of them is still up, however certain to fail: there is time to copy. */
  f.eta[FRA_LYO] = NOW + 300;
  mirrors = plan (&f);
  g_assert_cmpuint (f.stats.n_cut_now, ==, 0);
  g_assert_cmpuint (only_mirror (mirrors)->users_site, ==, PAR);
}

static void
test_no_demand (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;

  /* nl-only is wanted in nl (across the cut) and in a region no site is in. */
  fixture_set_up (&f, "{'resources':[" NL_ONLY "]}");
  cut_isles (&f);
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 0);
  g_assert_cmpuint (f.stats.n_at_risk_components, ==, 1);
  g_assert_cmpuint (f.stats.n_lost, ==, 0);
}

static void
test_ranking (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) mirrors = NULL;
  const PmPlannedMirror *first, *second;

  fixture_set_up (&f, "{'resources':[" CRL "," TINY "]}");
  cut_isles (&f);
  mirrors = plan (&f);
  g_assert_cmpuint (mirrors->len, ==, 2);
  first = g_ptr_array_index (mirrors, 0);
  second = g_ptr_array_index (mirrors, 1);
  /* tiny: 5 × 0.8 × 6.67 ÷ 1 MiB = 26.7; crl: 4 × 0.8 × 700 ÷ 100 MiB = 22.4. */
  g_assert_cmpuint (first->resource, ==, 1);
  g_assert_cmpuint (second->resource, ==, 0);
  g_assert_cmpfloat_with_epsilon (first->score, 5 * 0.8 * (10 * 2.0 / 3) / 1, 1e-9);
  g_assert_cmpfloat (first->score, >, second->score);
}

static gboolean
same_mirror (const PmPlannedMirror *a,
             const PmPlannedMirror *b)
{
  return a->resource == b->resource && a->target == b->target
         && a->users_site == b->users_site && a->probability == b->probability
         && a->eta_s == b->eta_s && a->deadline_s == b->deadline_s && a->late == b->late
         && a->bytes == b->bytes && a->benefit == b->benefit && a->score == b->score
         && g_str_equal (a->reason, b->reason) && g_str_equal (a->prediction, b->prediction);
}

static void
test_deterministic (void)
{
  g_auto(Fixture) f = { 0 };
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;

  fixture_set_up (&f, "{'resources':[" CRL "," TINY "," NL_ONLY "," AT_LON "]}");
  cut_isles (&f);
  f.risk[FRA_PAR] = 0.6;
  f.risk[FRA_LYO] = 0.7;
  f.isolation[PAR] = 0.7;
  f.isolation[LYO] = 0.7;
  f.isolation[MRS] = 0.7;
  first = plan (&f);
  second = plan (&f);

  /* Two sides: crl and tiny to the isles, crl to France (tiny has no demand there). */
  g_assert_cmpuint (first->len, ==, 3);
  g_assert_cmpuint (first->len, ==, second->len);
  for (guint i = 0; i < first->len; i++)
    {
      const PmPlannedMirror *a = g_ptr_array_index (first, i);

      g_assert_true (same_mirror (a, g_ptr_array_index (second, i)));
      if (i > 0)
        g_assert_cmpfloat (((PmPlannedMirror *) g_ptr_array_index (first, i - 1))->score, >=,
                           a->score);
      for (guint j = 0; j < i; j++)
        {
          const PmPlannedMirror *b = g_ptr_array_index (first, j);

          g_assert_false (a->resource == b->resource && a->target == b->target);
        }
    }
  g_assert_cmpuint (f.stats.n_at_risk_components, ==, 2);
  g_assert_cmpuint (f.stats.n_components, ==, 3);
}

static void
test_split (void)
{
  g_auto(Fixture) f = { 0 };
  guint component[N_SITES];

  fixture_set_up (&f, "{'resources':[" CRL "]}");
  cut_isles (&f);
  f.risk[FRA_PAR] = NAN;  /* unknown: does not cut */
  f.risk[FRA_LYO] = 0.5;
  g_assert_cmpuint (pm_planner_split (f.topology, f.risk, 0.2, component), ==, 2);
  g_assert_cmpuint (component[FRA], ==, component[PAR]);
  g_assert_cmpuint (component[FRA], ==, component[LYO]);
  g_assert_cmpuint (component[LON], !=, component[FRA]);
  g_assert_cmpuint (component[LON], ==, component[DUB]);
  g_assert_cmpuint (component[LON], ==, component[EDI]);
  g_assert_cmpuint (pm_planner_split (f.topology, f.risk, 0.9, component), ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/planner/no-risk", test_no_risk);
  g_test_add_func ("/planner/cut-side", test_cut_side);
  g_test_add_func ("/planner/replica-there", test_replica_there);
  g_test_add_func ("/planner/underway", test_underway);
  g_test_add_func ("/planner/capacity", test_capacity);
  g_test_add_func ("/planner/own-risk", test_own_risk);
  g_test_add_func ("/planner/storm", test_storm);
  g_test_add_func ("/planner/long-shot", test_long_shot);
  g_test_add_func ("/planner/unidentified", test_unidentified);
  g_test_add_func ("/planner/cut-now", test_cut_now);
  g_test_add_func ("/planner/no-demand", test_no_demand);
  g_test_add_func ("/planner/ranking", test_ranking);
  g_test_add_func ("/planner/deterministic", test_deterministic);
  g_test_add_func ("/planner/split", test_split);
  return g_test_run ();
}
