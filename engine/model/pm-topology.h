/* pm-topology.h: the network as sites and segments, loaded from topology GeoJSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pm-geo.h"

G_BEGIN_DECLS

#define PM_TOPOLOGY_ERROR (pm_topology_error_quark ())

typedef enum
{
  PM_TOPOLOGY_ERROR_PARSE,   /* not JSON at all */
  PM_TOPOLOGY_ERROR_INVALID, /* JSON, but not a valid topology */
  PM_TOPOLOGY_ERROR_EMPTY,   /* valid, but no sites or no segments */
} PmTopologyError;

typedef enum
{
  PM_SITE_ROLE_ORIGIN,
  PM_SITE_ROLE_CORE,
  PM_SITE_ROLE_EDGE,
} PmSiteRole;

typedef struct
{
  char      *id;
  char      *name;
  PmSiteRole role;
  char      *region;     /* defaults to the id */
  PmLatLon   location;
  char      *storage;    /* NULL: <data-dir>/edges/<id>/ */
  char      *public_url; /* NULL: served by the API at /edges/<id>/ */
  char      *address;
  char      *address6;
  guint64    capacity_bytes;
} PmSite;

typedef struct
{
  char  *id;
  guint  a;             /* site indices */
  guint  b;
  char  *circuit_id;    /* NULL when absent */
  double bandwidth_bps;
  char  *probe;         /* the Prometheus instance label; defaults to the id */
  double length_km;     /* great-circle length between the two sites */
} PmSegment;

#define PM_TYPE_TOPOLOGY (pm_topology_get_type ())
G_DECLARE_FINAL_TYPE (PmTopology, pm_topology, PM, TOPOLOGY, GObject)

GQuark          pm_topology_error_quark     (void);

PmTopology     *pm_topology_new_from_file   (const char *path,
                                             GError    **error);
PmTopology     *pm_topology_new_from_bytes  (GBytes     *bytes,
                                             const char *display_name,
                                             GError    **error);

const char     *pm_topology_get_name        (PmTopology *self);
const char     *pm_topology_get_attribution (PmTopology *self);

guint           pm_topology_get_n_sites     (PmTopology *self);
const PmSite   *pm_topology_get_site        (PmTopology *self,
                                             guint       index);
int             pm_topology_lookup_site     (PmTopology *self,
                                             const char *id);
int             pm_topology_get_origin      (PmTopology *self);

guint           pm_topology_get_n_segments  (PmTopology *self);
const PmSegment *pm_topology_get_segment    (PmTopology *self,
                                             guint       index);
int             pm_topology_lookup_segment  (PmTopology *self,
                                             const char *id);
const guint    *pm_topology_get_site_segments (PmTopology *self,
                                               guint       site,
                                               guint      *n_segments);
guint           pm_topology_segment_peer    (PmTopology *self,
                                             guint       segment,
                                             guint       site);

const char     *pm_site_role_to_string      (PmSiteRole role);

/* Light in fibre covers about 100 km of round trip per millisecond; equipment along the path adds
 * a fixed delay. This is the round-trip time a healthy, idle segment is expected to show. */
#define PM_FIBRE_RTT_MS_PER_KM 0.01
#define PM_EQUIPMENT_RTT_MS    0.5

static inline double
pm_segment_baseline_rtt_ms (const PmSegment *segment)
{
  return segment->length_km * PM_FIBRE_RTT_MS_PER_KM + PM_EQUIPMENT_RTT_MS;
}

G_END_DECLS
