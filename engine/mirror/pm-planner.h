/* pm-planner.h: the mirroring planner. From the predicted partitions (segment risks, site
 * isolation, storms) and where replicas are now, it finds the resources that users would lose
 * behind a predicted cut and proposes, for each, one site on the users' side of the cut to
 * mirror it to, ranked by criticality × isolation probability × demand ÷ size, with a deadline.
 *
 * A pure computation: no I/O, no clock, no state between calls. The same input gives the same
 * output, and it never proposes two mirrors of one resource to one site.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "model/pm-event.h"
#include "model/pm-resources.h"
#include "model/pm-topology.h"

G_BEGIN_DECLS

/* Values of PmPlannerInput.replicas, one byte per (resource, site). */
typedef enum
{
  PM_PLANNER_REPLICA_NONE = 0,    /* nothing that can serve there */
  PM_PLANNER_REPLICA_USABLE = 1,  /* in sync, of a version the consistency level allows */
  PM_PLANNER_REPLICA_UNDERWAY = 2 /* planned, copying or verifying: already on its way */
} PmPlannerReplica;

typedef struct
{
  double isolation_threshold; /* a site is at risk from this isolation on (default 0.3) */
  double long_shot_threshold; /* below isolation_threshold, from this isolation on, a side is
                               * still mirrored for: a long shot, as a storm that cuts one
                               * segment in twenty (default 0.01; ≥ isolation_threshold: none) */
  double min_score;           /* a side gets only the resources whose score (criticality × p ×
                               * requests per hour ÷ MiB) reaches this: small files many need
                               * first, a large image a few fetch only on a near-certain cut
                               * (default 0.25; 0: whatever its users need) */
  double segment_threshold;   /* a segment is predicted to fail from this risk on (default 0.01) */
  double candidate_max_risk;  /* a target qualifies when none of its segments to sites on the
                               * users' side has a risk above this, and not all are unknown
                               * (default 0.2); the cut's own segments do not count */
  gint64 horizon_s;           /* a failing segment whose known eta lies beyond now + horizon_s
                               * does not count; ≤ 0: the predictor's horizon (default 0) */
} PmPlannerParams;

typedef struct
{
  PmTopology    *topology;
  PmResources   *resources;       /* loaded against topology */
  gint64         now_s;
  const double  *risk;            /* per segment: P(fails within the horizon); NAN = unknown */
  const gint64  *eta_s;           /* per segment: expected failure time, 0 = none; may be NULL */
  const double  *isolation;       /* per site; NAN = unknown, never at risk */
  GPtrArray     *events;          /* PmEvent active now (weather polygons matter); may be NULL */
  const guint8  *replicas;        /* PmPlannerReplica, n_resources × n_sites, one row per
                                   * resource; may be NULL (none anywhere). A resource's origin
                                   * always counts as usable */
  const guint64 *free_bytes;      /* per site, G_MAXUINT64 = unlimited; may be NULL (unlimited) */
  const double  *throughput_bps;  /* per site: measured bytes/s into it, 0 = unknown; may be
                                   * NULL (all unknown) */
} PmPlannerInput;

typedef struct
{
  guint    resource;     /* index in the resources */
  guint    target;       /* site to mirror to */
  guint    users_site;   /* the users' site most likely to be cut off */
  double   probability;  /* its isolation */
  gint64   eta_s;        /* earliest expected failure of a segment of the cut; 0 = unknown */
  double   transfer_s;   /* estimated copy time; NAN when no path is known */
  gint64   deadline_s;   /* latest start: eta − transfer time; 0 when eta is unknown */
  gboolean late;         /* the copy cannot finish before the eta if started now */
  guint64  bytes;
  double   benefit;      /* requests per hour the users' side makes for the resource */
  double   score;        /* criticality × probability × benefit ÷ MiB */
  char    *reason;       /* in words, for operators */
  char    *prediction;   /* compact JSON: {"failing_segments": [{"id", "risk", "eta"}, … ≤ 8],
                          * "users_site", "isolation"} */
} PmPlannedMirror;

/* A resource users would lose and no site on their side can take. The candidates are the origin
 * and edge sites on that side; each is counted under the first test it fails, in the order own
 * risk, storm, space; a site in the storm is a candidate only when no low-risk site is outside
 * it. */
typedef struct
{
  guint  resource;
  guint  users_site;
  double probability;
  gint64 eta_s;
  double benefit;
  guint  n_sites;      /* origin and edge sites on the users' side */
  guint  n_full;       /* of those, without free space for it */
  guint  n_risky;      /* own risk above candidate_max_risk, or unknown */
  guint  n_in_storm;   /* inside a storm polygon over the cut, while low-risk sites outside it
                        * lack space */
} PmPlannerMiss;

typedef struct
{
  guint   n_failing_segments;
  guint   n_components;          /* pieces of the network without the failing segments */
  guint   n_at_risk_sites;
  guint   n_at_risk_components;  /* pieces with at-risk sites, cut off from the origin */
  guint   n_unidentified;        /* at-risk sites still connected to the origin without the
                                  * failing segments: no cut to mirror across */
  guint   n_cut_now;             /* pieces with at-risk sites whose cut is down already: cut
                                  * off now, nothing can be copied across */
  guint   n_lost;                /* (piece, resource) pairs users would lose, with demand */
  guint   n_underway;            /* of those, already being copied to that side */
  guint   n_no_candidate;        /* of those, with no site that can take it */
  GArray *no_candidate;          /* PmPlannerMiss, one per n_no_candidate */
} PmPlannerStats;

void       pm_planner_params_init   (PmPlannerParams        *params);

/* Whether a site this isolated gets any proposal (at risk, or a long shot): its side's temporary
 * mirrors are still needed. */
gboolean   pm_planner_site_watched  (const PmPlannerParams  *params,
                                     double                  isolation);

/* Returns PmPlannedMirror, highest score first. params NULL: the defaults. stats (optional) is
 * overwritten: clear it with pm_planner_stats_clear() before reusing it and when done. */
GPtrArray *pm_planner_plan          (const PmPlannerInput   *input,
                                     const PmPlannerParams  *params,
                                     PmPlannerStats         *stats);

/* The pieces the network falls into when every segment at or above segment_threshold fails (NAN
 * does not): component[site] is a piece number, 0 … the return value − 1. The planner's sides are
 * such pieces (with params->horizon_s ≤ 0). */
guint      pm_planner_split         (PmTopology             *topology,
                                     const double           *risk,
                                     double                  segment_threshold,
                                     guint                  *component);

void       pm_planned_mirror_free   (PmPlannedMirror        *mirror);
void       pm_planner_stats_clear   (PmPlannerStats         *stats);
char      *pm_planner_miss_describe (const PmPlannerMiss    *miss,
                                     PmResources            *resources);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmPlannedMirror, pm_planned_mirror_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PmPlannerStats, pm_planner_stats_clear)

G_END_DECLS
