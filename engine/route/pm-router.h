/* pm-router.h: the routing decision core. For a client's site and a resource it picks the
 * replica with the lowest estimated latency among those not predicted to be cut off from the
 * client, keeps the previous choice unless a better one wins by a margin, and says why.
 *
 * Pure: no I/O, no clock. pm_router_refresh() turns the live metrics and predictions into
 * tables (shortest paths from every site that can serve), so that pm_router_decide() is lookups.
 * The only state kept between decisions is the last choice per (client region, resource).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "model/pm-resources.h"
#include "model/pm-topology.h"

G_BEGIN_DECLS

/* P(client and candidate end up disconnected within the horizon); NAN = unknown, never
 * excluded. Called only for the candidates of a decision, so it can be a lookup into
 * pm_isolation_compute_pairs() results for the pairs that matter. */
typedef double (*PmRouterPairRisk) (guint    client_site,
                                    guint    candidate_site,
                                    gpointer user_data);

typedef struct
{
  double exclude_threshold; /* a candidate cut off with P above this is excluded (default 0.5) */
  double margin_ms;         /* the last choice stays unless another is this much faster
                             * (default 5) */
} PmRouterParams;

typedef struct
{
  PmTopology      *topology;
  PmResources     *resources;      /* loaded against topology */
  gint64           now_s;
  const double    *latency_ms;     /* per segment: measured RTT; NAN = unknown, the baseline
                                    * RTT is used; may be NULL (all unknown) */
  const double    *risk;           /* per segment: P(fails within the horizon); NAN = unknown;
                                    * ≥ 1 is treated as down; may be NULL */
  const gint64    *eta_s;          /* per segment: expected failure time, 0 = none; may be NULL */
  const guint8    *down;           /* per segment: nonzero = down now; may be NULL */
  const guint8    *usable;         /* n_resources × n_sites, one row per resource: 1 = a replica
                                    * the catalogue marks usable for the resource's consistency;
                                    * may be NULL. A resource's origin always counts as usable */
  PmRouterPairRisk pair_risk;      /* may be NULL: nobody is predicted to be cut off */
  gpointer         pair_risk_data; /* must stay valid until the next refresh */
} PmRouterInput;

typedef enum
{
  PM_ROUTE_CHOSEN,      /* the lowest latency, or better than the last choice by the margin */
  PM_ROUTE_KEPT,        /* the last choice, kept: nothing beats it by the margin */
  PM_ROUTE_SLOWER,      /* eligible, not chosen */
  PM_ROUTE_CUT_OFF,     /* excluded: predicted to be disconnected from the client */
  PM_ROUTE_UNREACHABLE, /* excluded: no path without down segments */
} PmRouteVerdict;

typedef struct
{
  guint          site;
  double         latency_ms;   /* along the shortest path; INFINITY when unreachable */
  double         p_cut;        /* P(disconnected from the client); NAN = unknown */
  gboolean       excluded;
  PmRouteVerdict verdict;
  /* For CUT_OFF: the riskiest segment on the shortest path, -1 = none known. Walking the path
   * costs more than the rest of a decision, so these are filled in by
   * pm_route_decision_get_reasons(), and only before the router's next refresh. */
  int            segment;
  double         segment_risk;
  gint64         segment_eta_s;
  /*< private >*/
  guint          source;
} PmRouteAlternative;

typedef struct
{
  int     site;          /* the chosen site, -1 when no candidate is eligible */
  double  latency_ms;    /* NAN when none */
  guint   client_site;
  guint   resource;
  GArray *alternatives;  /* PmRouteAlternative, every candidate: the chosen first, then
                          * the eligible, then the excluded, each by latency */
  /*< private >*/
  gpointer   router;
  guint      generation;
  GPtrArray *reasons;
  gboolean   reasons_valid;
} PmRouteDecision;

typedef struct _PmRouter PmRouter;

void        pm_router_params_init        (PmRouterParams        *params);

/* params NULL: the defaults. */
PmRouter   *pm_router_new                (const PmRouterParams  *params);
void        pm_router_free               (PmRouter              *self);

/* Rebuilds the tables from input. Costs one Dijkstra per site that can serve (usable replicas
 * and origins) and n_serving × n_sites × 8 bytes. The last choices survive unless the topology
 * or resources object changes. */
void        pm_router_refresh            (PmRouter              *self,
                                          const PmRouterInput   *input);

/* Fills out (initialised with pm_route_decision_init()); returns TRUE when a site was chosen.
 * Does not allocate once out's arrays have grown to the number of candidates. */
gboolean    pm_router_decide             (PmRouter              *self,
                                          guint                  client_site,
                                          guint                  resource,
                                          PmRouteDecision       *out);

/* As pm_router_decide(), but a look rather than a client: the last choice of the client's
 * region is read (so the answer is the one a client there would get) and left as it was. */
gboolean    pm_router_peek               (PmRouter              *self,
                                          guint                  client_site,
                                          guint                  resource,
                                          PmRouteDecision       *out);

/* Shortest latencies (ms) from source to every site of topology over the segments of finite
 * weight (weight: per segment, INFINITY = unusable); INFINITY for sites out of reach. pred (may
 * be NULL) gets the segment into each site, -1 for the source and sites out of reach. */
void        pm_router_shortest_paths     (PmTopology            *topology,
                                          const double          *weight,
                                          guint                  source,
                                          float                 *dist,
                                          gint32                *pred);

/* Forgets every last choice. */
void        pm_router_reset_history      (PmRouter              *self);

/* Takes over previous's last choices, so that a router refreshed aside (while previous went on
 * answering) keeps the hysteresis; nothing is taken when the two were refreshed against
 * different sites or resources. Both must have been refreshed. */
void        pm_router_adopt_history      (PmRouter              *self,
                                          const PmRouter        *previous);

void        pm_route_decision_init       (PmRouteDecision       *decision);
void        pm_route_decision_clear      (PmRouteDecision       *decision);

/* The reasons in words: when nothing was chosen a summary first, then one per alternative, in
 * their order. Formatted on the first call, which also names the riskiest segment of each
 * candidate cut off (unless the router was refreshed since the decision). Valid until the next
 * decision into it; the router must still exist. */
GPtrArray  *pm_route_decision_get_reasons (PmRouteDecision      *decision);

const char *pm_route_verdict_to_string   (PmRouteVerdict         verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmRouter, pm_router_free)

G_END_DECLS
