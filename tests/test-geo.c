/* test-geo.c: great-circle distance, interpolation, point in polygon, segment across polygon.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-geo.h"

static const PmLatLon london = { 51.5074, -0.1278 };
static const PmLatLon paris = { 48.8566, 2.3522 };
static const PmLatLon frankfurt = { 50.1109, 8.6821 };
static const PmLatLon new_york = { 40.7128, -74.0060 };
static const PmLatLon sydney = { -33.8688, 151.2093 };

/* Within this share of a known distance; haversine on a sphere is within 0.5% of the ellipsoid. */
static void
assert_distance (PmLatLon a,
                 PmLatLon b,
                 double   expected_km,
                 double   tolerance)
{
  double d = pm_geo_distance_km (a, b);

  g_test_message ("distance %.1f km, expected %.1f km", d, expected_km);
  g_assert_cmpfloat (d, >=, expected_km * (1 - tolerance));
  g_assert_cmpfloat (d, <=, expected_km * (1 + tolerance));
  /* Symmetric. */
  g_assert_cmpfloat_with_epsilon (pm_geo_distance_km (b, a), d, 1e-9);
}

static void
test_distance (void)
{
  PmLatLon origin = { 0, 0 };
  PmLatLon north_pole = { 90, 0 };
  PmLatLon antipode = { 0, 180 };
  PmLatLon east = { 0, 1 };
  PmLatLon across_dateline_w = { 0, 179.5 };
  PmLatLon across_dateline_e = { 0, -179.5 };

  assert_distance (london, paris, 343.5, 0.01);
  assert_distance (london, frankfurt, 637, 0.01);
  assert_distance (paris, frankfurt, 478, 0.01);
  assert_distance (london, new_york, 5570, 0.01);
  assert_distance (london, sydney, 16990, 0.01);

  g_assert_cmpfloat (pm_geo_distance_km (paris, paris), ==, 0);
  /* A quarter and half of a great circle, exactly. */
  g_assert_cmpfloat_with_epsilon (pm_geo_distance_km (origin, north_pole),
                                  G_PI / 2 * PM_EARTH_RADIUS_KM, 1e-6);
  g_assert_cmpfloat_with_epsilon (pm_geo_distance_km (origin, antipode),
                                  G_PI * PM_EARTH_RADIUS_KM, 1e-6);
  /* One degree of longitude on the equator, and the short way across the date line. */
  g_assert_cmpfloat_with_epsilon (pm_geo_distance_km (origin, east), 111.195, 0.01);
  g_assert_cmpfloat_with_epsilon (pm_geo_distance_km (across_dateline_w, across_dateline_e),
                                  111.195, 0.01);
}

static void
test_interpolate (void)
{
  PmLatLon p;

  p = pm_geo_interpolate (london, paris, 0);
  g_assert_cmpfloat (p.lat, ==, london.lat);
  g_assert_cmpfloat (p.lon, ==, london.lon);
  p = pm_geo_interpolate (london, paris, 1);
  g_assert_cmpfloat_with_epsilon (p.lat, paris.lat, 1e-12);
  g_assert_cmpfloat_with_epsilon (p.lon, paris.lon, 1e-12);
  p = pm_geo_interpolate (london, paris, 0.5);
  g_assert_cmpfloat_with_epsilon (p.lat, (london.lat + paris.lat) / 2, 1e-12);
  g_assert_cmpfloat_with_epsilon (p.lon, (london.lon + paris.lon) / 2, 1e-12);
  g_assert_cmpfloat_with_epsilon (pm_geo_distance_km (london, p), pm_geo_distance_km (p, paris),
                                  2);
}

/* A 10° square over lat 40–50, lon 0–10; the same ring closed as GeoJSON writes it. */
static const PmLatLon square[] = { { 40, 0 }, { 40, 10 }, { 50, 10 }, { 50, 0 } };
static const PmLatLon square_closed[] = { { 40, 0 }, { 40, 10 }, { 50, 10 }, { 50, 0 }, { 40, 0 } };

/* A "U" opening north: lon 0–30, lat 0–30 with a notch lon 10–20, lat 10–30. */
static const PmLatLon u_shape[] = {
  { 0, 0 }, { 0, 30 }, { 30, 30 }, { 30, 20 }, { 10, 20 }, { 10, 10 }, { 30, 10 }, { 30, 0 },
};

static void
test_point_in_polygon (void)
{
  g_assert_true (pm_geo_point_in_polygon ((PmLatLon) { 45, 5 }, square, G_N_ELEMENTS (square)));
  g_assert_true (pm_geo_point_in_polygon ((PmLatLon) { 45, 5 }, square_closed,
                                          G_N_ELEMENTS (square_closed)));
  g_assert_true (pm_geo_point_in_polygon ((PmLatLon) { 49.9, 0.1 }, square,
                                          G_N_ELEMENTS (square)));
  g_assert_false (pm_geo_point_in_polygon ((PmLatLon) { 45, 15 }, square, G_N_ELEMENTS (square)));
  g_assert_false (pm_geo_point_in_polygon ((PmLatLon) { 55, 5 }, square, G_N_ELEMENTS (square)));
  g_assert_false (pm_geo_point_in_polygon ((PmLatLon) { 45, -5 }, square_closed,
                                           G_N_ELEMENTS (square_closed)));
  g_assert_false (pm_geo_point_in_polygon ((PmLatLon) { 35, 5 }, square, G_N_ELEMENTS (square)));

  /* Concave: the arms are inside, the notch between them is not. */
  g_assert_true (pm_geo_point_in_polygon ((PmLatLon) { 20, 5 }, u_shape, G_N_ELEMENTS (u_shape)));
  g_assert_true (pm_geo_point_in_polygon ((PmLatLon) { 5, 25 }, u_shape, G_N_ELEMENTS (u_shape)));
  g_assert_true (pm_geo_point_in_polygon ((PmLatLon) { 25, 25 }, u_shape, G_N_ELEMENTS (u_shape)));
  g_assert_false (pm_geo_point_in_polygon ((PmLatLon) { 20, 15 }, u_shape,
                                           G_N_ELEMENTS (u_shape)));
  g_assert_false (pm_geo_point_in_polygon ((PmLatLon) { 20, 35 }, u_shape,
                                           G_N_ELEMENTS (u_shape)));

  /* Degenerate rings contain nothing. */
  g_assert_false (pm_geo_point_in_polygon ((PmLatLon) { 45, 5 }, square, 0));
  g_assert_false (pm_geo_point_in_polygon ((PmLatLon) { 40, 0 }, square, 1));
}

static void
test_segment_crosses_polygon (void)
{
  guint n = G_N_ELEMENTS (square);

  /* Crossing with both ends outside: straight through, and clipping a corner. */
  g_assert_true (pm_geo_segment_crosses_polygon ((PmLatLon) { 45, -5 }, (PmLatLon) { 45, 15 },
                                                 square, n));
  g_assert_true (pm_geo_segment_crosses_polygon ((PmLatLon) { 35, 5 }, (PmLatLon) { 55, 5 },
                                                 square, n));
  g_assert_true (pm_geo_segment_crosses_polygon ((PmLatLon) { 39, 8 }, (PmLatLon) { 42, 11 },
                                                 square, n));
  g_assert_true (pm_geo_segment_crosses_polygon ((PmLatLon) { 45, -5 }, (PmLatLon) { 45, 15 },
                                                 square_closed, G_N_ELEMENTS (square_closed)));

  /* One end inside, and both ends inside (no edge crossed at all). */
  g_assert_true (pm_geo_segment_crosses_polygon ((PmLatLon) { 45, 5 }, (PmLatLon) { 60, 30 },
                                                 square, n));
  g_assert_true (pm_geo_segment_crosses_polygon ((PmLatLon) { 60, 30 }, (PmLatLon) { 45, 5 },
                                                 square, n));
  g_assert_true (pm_geo_segment_crosses_polygon ((PmLatLon) { 42, 2 }, (PmLatLon) { 48, 8 },
                                                 square, n));

  /* Fully outside: beside it, and on the line through an edge but beyond its end. */
  g_assert_false (pm_geo_segment_crosses_polygon ((PmLatLon) { 30, 0 }, (PmLatLon) { 30, 10 },
                                                  square, n));
  g_assert_false (pm_geo_segment_crosses_polygon ((PmLatLon) { 55, -5 }, (PmLatLon) { 60, 20 },
                                                  square, n));
  g_assert_false (pm_geo_segment_crosses_polygon ((PmLatLon) { 45, 11 }, (PmLatLon) { 45, 20 },
                                                  square, n));

  /* A concave polygon: a segment inside the notch touches nothing, one across it does. */
  g_assert_false (pm_geo_segment_crosses_polygon ((PmLatLon) { 15, 15 }, (PmLatLon) { 25, 15 },
                                                  u_shape, G_N_ELEMENTS (u_shape)));
  g_assert_true (pm_geo_segment_crosses_polygon ((PmLatLon) { 15, 5 }, (PmLatLon) { 15, 25 },
                                                 u_shape, G_N_ELEMENTS (u_shape)));
  g_assert_true (pm_geo_segment_crosses_polygon ((PmLatLon) { 25, 15 }, (PmLatLon) { 25, 35 },
                                                 u_shape, G_N_ELEMENTS (u_shape)));

  /* Fewer than three vertices is no area. */
  g_assert_false (pm_geo_segment_crosses_polygon ((PmLatLon) { 45, -5 }, (PmLatLon) { 45, 15 },
                                                  square, 2));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/geo/distance", test_distance);
  g_test_add_func ("/geo/interpolate", test_interpolate);
  g_test_add_func ("/geo/point-in-polygon", test_point_in_polygon);
  g_test_add_func ("/geo/segment-crosses-polygon", test_segment_crosses_polygon);

  return g_test_run ();
}
