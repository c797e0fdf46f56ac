/* pm-resources.h: the resource inventory and the auto-approve policy, loaded from resources JSON.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "pm-topology.h"

G_BEGIN_DECLS

#define PM_RESOURCES_ERROR (pm_resources_error_quark ())

typedef enum
{
  PM_RESOURCES_ERROR_PARSE,   /* not JSON at all */
  PM_RESOURCES_ERROR_INVALID, /* JSON, but not a valid resources file */
} PmResourcesError;

typedef enum
{
  PM_CONSISTENCY_STRONG,   /* a replica serves only while it matches the origin's version */
  PM_CONSISTENCY_BOUNDED,  /* a replica may lag the origin by at most staleness_s */
  PM_CONSISTENCY_EVENTUAL, /* any verified replica may serve */
} PmConsistency;

typedef struct
{
  char  *region;
  double requests_per_hour;
} PmDemand;

typedef struct
{
  char         *id;
  char         *name;            /* defaults to the id */
  guint64       size_bytes;      /* > 0 */
  guint         criticality;     /* 1 (nice to have) … 5 (the network cannot be run without it) */
  PmConsistency consistency;
  gint64        staleness_s;     /* > 0 for bounded, 0 otherwise */
  guint         origin;          /* site index in the topology it was loaded against */
  PmDemand     *demand;          /* requests per hour per region; regions are not checked */
  guint         n_demand;
} PmResource;

/* Proposals at or above both thresholds are approved without an operator. */
typedef struct
{
  gboolean enabled;          /* FALSE when the file has no policy.auto_approve */
  guint    min_criticality;  /* 1–5 */
  double   min_risk;         /* 0–1 */
} PmAutoApprovePolicy;

#define PM_TYPE_RESOURCES (pm_resources_get_type ())
G_DECLARE_FINAL_TYPE (PmResources, pm_resources, PM, RESOURCES, GObject)

GQuark             pm_resources_error_quark       (void);

PmResources       *pm_resources_new_from_file     (const char *path,
                                                   PmTopology *topology,
                                                   GError    **error);
PmResources       *pm_resources_new_from_bytes    (GBytes     *bytes,
                                                   const char *display_name,
                                                   PmTopology *topology,
                                                   GError    **error);

PmTopology        *pm_resources_get_topology      (PmResources *self);
guint              pm_resources_get_n_resources   (PmResources *self);
const PmResource  *pm_resources_get_resource      (PmResources *self,
                                                   guint        index);
int                pm_resources_lookup_resource   (PmResources *self,
                                                   const char  *id);
const PmAutoApprovePolicy *pm_resources_get_policy (PmResources *self);
gint64             pm_resources_get_retire_after_s (PmResources *self);
/* Not thread-safe: from the thread that runs the mirroring service (the engine's tick). */
void               pm_resources_set_policy        (PmResources               *self,
                                                   const PmAutoApprovePolicy *policy);
void               pm_resources_set_origin        (PmResources *self,
                                                   guint        site);

/* When no region the resources ask from is a region of the topology (the demo inventory on
 * another network), shares each resource's total demand equally among the topology's regions,
 * so that its users are somewhere. Returns whether it did. Same thread rule as set_policy. */
gboolean           pm_resources_spread_demand     (PmResources *self);
double             pm_resource_get_demand         (const PmResource *resource,
                                                   const char       *region);
double             pm_resource_get_total_demand   (const PmResource *resource);

const char        *pm_consistency_to_string       (PmConsistency consistency);

G_END_DECLS
