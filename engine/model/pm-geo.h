/* pm-geo.h: great-circle geometry shared by the topology, the simulator and the map.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PM_EARTH_RADIUS_KM 6371.0088

typedef struct
{
  double lat;
  double lon;
} PmLatLon;

double   pm_geo_distance_km       (PmLatLon a,
                                   PmLatLon b);
PmLatLon pm_geo_interpolate       (PmLatLon a,
                                   PmLatLon b,
                                   double   fraction);
gboolean pm_geo_point_in_polygon  (PmLatLon        p,
                                   const PmLatLon *ring,
                                   guint           n_ring);
gboolean pm_geo_segment_crosses_polygon (PmLatLon        a,
                                         PmLatLon        b,
                                         const PmLatLon *ring,
                                         guint           n_ring);

G_END_DECLS
