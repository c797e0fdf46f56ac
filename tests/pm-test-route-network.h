/* pm-test-route-network.h: the small network the routing tests share: two ways from London to
 * Frankfurt (via Amsterdam, via Paris), Bristol hanging off London; crl originates at Frankfurt,
 * at-bri at Bristol. Also the routing service fixture over it, quiet at first.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <string.h>

#include "pm-resources.h"
#include "pm-test-util.h"
#include "route/pm-routing.h"

#define PM_TEST_ROUTE_NOW 1717200000  /* 2024-06-01 00:00 UTC */

enum
{
  LON, AMS, FRA, PAR, BRI, N_SITES
};
enum
{
  LON_AMS, AMS_FRA, LON_PAR, PAR_FRA, BRI_LON, N_SEGMENTS
};
enum
{
  CRL, AT_BRI, N_RESOURCES
};

#define SITE(id, role, region, lon, lat)                                                          \
  "{'type':'Feature','geometry':{'type':'Point','coordinates':[" #lon "," #lat "]},"              \
  "'properties':{'id':'" id "','role':'" role "','region':'" region "'}}"
#define LINK(id, a, b)                                                                            \
  ",{'type':'Feature','geometry':{'type':'LineString','coordinates':[[0,0],[1,1]]},"             \
  "'properties':{'id':'" id "','a':'" a "','b':'" b "'}}"

#define NETWORK                                                                                   \
  "{'type':'FeatureCollection','features':["                                                      \
  SITE ("lon", "edge", "uk", -0.13, 51.51) ","                                                    \
  SITE ("ams", "edge", "nl", 4.90, 52.37) ","                                                     \
  SITE ("fra", "origin", "de", 8.68, 50.11) ","                                                   \
  SITE ("par", "edge", "fr", 2.35, 48.86) ","                                                     \
  SITE ("bri", "edge", "uk", -2.59, 51.45)                                                        \
  LINK ("lon--ams", "lon", "ams")                                                                 \
  LINK ("ams--fra", "ams", "fra")                                                                 \
  LINK ("lon--par", "lon", "par")                                                                 \
  LINK ("par--fra", "par", "fra")                                                                 \
  LINK ("bri--lon", "bri", "lon")                                                                 \
  "]}"

#define RESOURCES                                                                                 \
  "{'resources':["                                                                                \
  "{'id':'crl','size_bytes':1000,'criticality':4,'consistency':'eventual','origin':'fra'},"      \
  "{'id':'at-bri','size_bytes':1000,'criticality':4,'consistency':'eventual','origin':'bri'}"    \
  "]}"

typedef struct
{
  PmTopology  *topology;
  PmResources *resources;
  PmSnapshot  *snapshot;
  guint8       usable[N_RESOURCES * N_SITES];
  PmRouting   *routing;
} PmTestRouteFixture;

/* Quiet: known latencies (lon: par 3 ms, ams 10 ms, fra 12 ms), almost no risk, crl usable at
 * ams and par; a 30 min horizon. */
static inline void
pm_test_route_fixture_set_up (PmTestRouteFixture *f)
{
  g_autoptr(GBytes) bytes = pm_test_json_bytes (RESOURCES);
  g_autoptr(GError) error = NULL;
  static const double latency[N_SEGMENTS] = { 10, 8, 3, 9, 2 };

  memset (f, 0, sizeof *f);
  f->topology = pm_test_topology_from_json (NETWORK, "routing.geojson");
  f->resources = pm_resources_new_from_bytes (bytes, "resources.json", f->topology, &error);
  g_assert_no_error (error);
  f->snapshot = pm_snapshot_new (f->topology);
  f->snapshot->time_s = PM_TEST_ROUTE_NOW;
  f->snapshot->horizon_s = 1800;
  f->snapshot->predicting = TRUE;
  for (guint e = 0; e < N_SEGMENTS; e++)
    {
      f->snapshot->segments[e].sample = (PmSample) { (float) latency[e], 0.1f, 0.0f };
      f->snapshot->segments[e].health = 0.05;
      f->snapshot->segments[e].risk = 0.001;
    }
  f->usable[CRL * N_SITES + AMS] = 1;
  f->usable[CRL * N_SITES + PAR] = 1;
  f->routing = pm_routing_new (f->topology, f->resources, NULL);
}

static inline void
pm_test_route_fixture_tear_down (PmTestRouteFixture *f)
{
  g_clear_pointer (&f->routing, pm_routing_free);
  g_clear_pointer (&f->snapshot, pm_snapshot_unref);
  g_clear_object (&f->resources);
  g_clear_object (&f->topology);
}
