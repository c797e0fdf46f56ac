/* pm-routing.h: the routing service — the decision core (pm-router) fed by the engine once per
 * tick and asked by any thread. Each tick refreshes the tables from the snapshot's live
 * latencies and predictions, the catalogue's usable replicas and the probability that each pair
 * of sites is cut apart within the horizon; each request is a lookup in them.
 *
 * Thread-safe: pm_routing_update() runs on the engine's thread, pm_routing_route() on any
 * (the API's). A decision holds the lock for a few microseconds; a refresh for the time it
 * takes to swap the tables in.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-resources.h"
#include "model/pm-topology.h"
#include "pm-router.h"
#include "pm-snapshot.h"

G_BEGIN_DECLS

/* One candidate of an answer: a copy, independent of the router's tables. */
typedef struct
{
  guint          site;
  double         latency_ms;  /* INFINITY when unreachable */
  double         p_cut;       /* P(cut off from the client within the horizon); NAN = unknown */
  PmRouteVerdict verdict;
  gboolean       excluded;
} PmRouteCandidate;

/* A segment a what-if answer treats as down. */
typedef struct
{
  guint    segment;
  double   risk;      /* P(fails within the horizon); 1 when down now */
  gint64   eta_s;     /* expected failure time, 0 = none given */
  gboolean down_now;
} PmRouteAssumption;

/* A routing answer: the chosen site and why. Owned by the caller. */
typedef struct
{
  int        site;         /* -1: no route (reasons say why) */
  double     latency_ms;   /* NAN when no route */
  guint      client_site;
  guint      resource;
  gint64     table_time_s; /* the engine time of the tables that answered */
  GArray    *candidates;   /* PmRouteCandidate: the chosen first, then the eligible, then the
                            * excluded, each by latency */
  GPtrArray *reasons;      /* char *, in words, as pm_route_decision_get_reasons() */
  gboolean   assumed_predicted; /* a what-if answer (PM_ROUTE_FLAG_ASSUME_PREDICTED) */
  GArray    *assumptions;  /* PmRouteAssumption, riskiest first: what a what-if answer treats
                            * as down; NULL for other answers */
} PmRouteAnswer;

typedef enum
{
  PM_ROUTE_FLAGS_NONE            = 0,
  /* A look, not a client: the hysteresis's last choice and the decision counters are left as
   * they were (a console showing routes must not steer the clients it shows). */
  PM_ROUTE_FLAG_PEEK             = 1 << 0,
  /* What if the predicted partitions happen: every segment down now, at risk of at least the
   * exclusion threshold (0.5 by default), or with an expected failure time within the horizon
   * is treated as down, and the candidates still reachable from the client are ranked by
   * latency. No hysteresis and no pair probabilities take part; implies PM_ROUTE_FLAG_PEEK. */
  PM_ROUTE_FLAG_ASSUME_PREDICTED = 1 << 1,
} PmRouteFlags;

typedef enum
{
  PM_ROUTE_OUTCOME_CHOSEN,   /* a new or better choice */
  PM_ROUTE_OUTCOME_KEPT,     /* the last choice, kept by the hysteresis */
  PM_ROUTE_OUTCOME_NO_ROUTE, /* no eligible candidate */
  PM_ROUTE_N_OUTCOMES
} PmRouteOutcome;

/* Counters for /metrics; cumulative since the service was created. */
typedef struct
{
  guint64 decisions[PM_ROUTE_N_OUTCOMES];
  guint64 n_refreshes;
  double  last_refresh_s;     /* wall time the last refresh took (tables and pair risks) */
  double  total_refresh_s;
  gint64  table_time_s;       /* the engine time of the current tables; 0 before the first */
} PmRoutingStats;

typedef struct _PmRouting PmRouting;

/* params NULL: the router's defaults. */
PmRouting     *pm_routing_new        (PmTopology           *topology,
                                      PmResources          *resources,
                                      const PmRouterParams *params);
void           pm_routing_free       (PmRouting *self);

/* Engine thread, once per tick. usable: n_resources × n_sites (one row per resource), 1 = a
 * replica the catalogue marks usable for the resource's consistency; NULL = none yet (only the
 * origins serve). While the snapshot is still predicting, nobody is excluded. */
void           pm_routing_update     (PmRouting        *self,
                                      const PmSnapshot *snapshot,
                                      const guint8     *usable);

/* Any thread. NULL before the first update. */
PmRouteAnswer *pm_routing_route      (PmRouting *self,
                                      guint      client_site,
                                      guint      resource);

/* Any thread, as pm_routing_route() with flags. A what-if answer is computed from the inputs
 * of the current tables outside the lock (one shortest-path pass from the client), so neither
 * the tick nor other requests wait for it. NULL before the first update. */
PmRouteAnswer *pm_routing_route_full (PmRouting    *self,
                                      guint         client_site,
                                      guint         resource,
                                      PmRouteFlags  flags);

/* Any thread: the site pm_routing_route() would choose (with its hysteresis), -1 for no route
 * or before the first update; for callers that route many clients and need no reasons. */
int            pm_routing_decide_site (PmRouting *self,
                                       guint      client_site,
                                       guint      resource);
/* pm_routing_route_full() with PM_ROUTE_FLAG_ASSUME_PREDICTED. */
PmRouteAnswer *pm_routing_route_assuming_predicted (PmRouting *self,
                                                    guint      client_site,
                                                    guint      resource);

/* Any thread: the site nearest to (lat, lon) in degrees (lat in [-90, 90], lon in
 * [-180, 180]), as pm_client_locator_nearest(); -1 only for a topology without sites. */
int            pm_routing_nearest_site (PmRouting *self,
                                        double     lat,
                                        double     lon);

void           pm_routing_get_stats  (PmRouting      *self,
                                      PmRoutingStats *stats);

PmTopology    *pm_routing_get_topology  (PmRouting *self);
PmResources   *pm_routing_get_resources (PmRouting *self);

void           pm_route_answer_free  (PmRouteAnswer *answer);
const char    *pm_route_outcome_to_string (PmRouteOutcome outcome);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRouting, pm_routing_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRouteAnswer, pm_route_answer_free)

G_END_DECLS
