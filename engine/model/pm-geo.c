/* pm-geo.c: great-circle geometry.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-geo.h"

#include <math.h>

static double
radians (double degrees)
{
  return degrees * G_PI / 180.0;
}

/* Haversine: accurate to well under 0.5% for the distances a backbone spans, which is far below
 * the error of assuming fibre follows the great circle at all. */
double
pm_geo_distance_km (PmLatLon a,
                    PmLatLon b)
{
  double dlat = radians (b.lat - a.lat);
  double dlon = radians (b.lon - a.lon);
  double h = sin (dlat / 2) * sin (dlat / 2)
             + cos (radians (a.lat)) * cos (radians (b.lat)) * sin (dlon / 2) * sin (dlon / 2);

  return 2 * PM_EARTH_RADIUS_KM * asin (MIN (1.0, sqrt (h)));
}

/* Linear interpolation in lat/lon is enough for drawing and for the simulator's storms, which
 * move over regional distances. */
PmLatLon
pm_geo_interpolate (PmLatLon a,
                    PmLatLon b,
                    double   fraction)
{
  PmLatLon p = { a.lat + (b.lat - a.lat) * fraction, a.lon + (b.lon - a.lon) * fraction };
  return p;
}

/* Ray casting in the plane of lon/lat; polygons of weather alerts are small enough that the
 * plate carrée approximation does not change which segments they cover. */
gboolean
pm_geo_point_in_polygon (PmLatLon        p,
                         const PmLatLon *ring,
                         guint           n_ring)
{
  gboolean inside = FALSE;

  for (guint i = 0, j = n_ring - 1; i < n_ring; j = i++)
    {
      const PmLatLon *u = &ring[i];
      const PmLatLon *v = &ring[j];

      if ((u->lat > p.lat) != (v->lat > p.lat)
          && p.lon < (v->lon - u->lon) * (p.lat - u->lat) / (v->lat - u->lat) + u->lon)
        inside = !inside;
    }
  return inside;
}

static double
cross (PmLatLon o,
       PmLatLon a,
       PmLatLon b)
{
  return (a.lon - o.lon) * (b.lat - o.lat) - (a.lat - o.lat) * (b.lon - o.lon);
}

static gboolean
edges_intersect (PmLatLon p1,
                 PmLatLon p2,
                 PmLatLon q1,
                 PmLatLon q2)
{
  double d1 = cross (q1, q2, p1);
  double d2 = cross (q1, q2, p2);
  double d3 = cross (p1, p2, q1);
  double d4 = cross (p1, p2, q2);

  return ((d1 > 0) != (d2 > 0)) && ((d3 > 0) != (d4 > 0));
}

gboolean
pm_geo_segment_crosses_polygon (PmLatLon        a,
                                PmLatLon        b,
                                const PmLatLon *ring,
                                guint           n_ring)
{
  if (n_ring < 3)
    return FALSE;
  if (pm_geo_point_in_polygon (a, ring, n_ring) || pm_geo_point_in_polygon (b, ring, n_ring))
    return TRUE;
  for (guint i = 0, j = n_ring - 1; i < n_ring; j = i++)
    if (edges_intersect (a, b, ring[j], ring[i]))
      return TRUE;
  return FALSE;
}
