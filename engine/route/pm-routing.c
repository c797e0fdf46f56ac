/* pm-routing.c: the routing service. Each update builds a fresh router aside — tables and the
 * probabilities that each serving site and each client site are cut apart — while the current
 * one goes on answering, then swaps it in under the lock, taking over the last choices so that
 * the hysteresis survives the swap.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-routing.h"

#include <math.h>

#include "pm-health.h"
#include "predict/pm-isolation.h"

/* Worlds sampled for the pair probabilities. They are only compared with the exclusion
 * threshold (0.5), so a standard error of at most 0.016 (±0.03 at 95 %) is enough, and the
 * refresh stays within its budget on large networks: sampling costs a pass over every segment
 * per world and serving site. */
#define PM_ROUTING_PAIR_SAMPLES 1024

/* One refresh's worth of tables: the router and the pair probabilities it reads. */
typedef struct
{
  PmRouter *router;
  guint     n_sites;
  int      *serving_of_site;  /* site → row of p_cut, -1 for sites that serve nothing */
  double   *p_cut;            /* n_serving × n_sites; NULL: no segment is known to be at risk */
  double    no_risk_p_cut;    /* without p_cut: 0 when some risk is known, else NAN (unknown) */
  gint64    time_s;
} Tables;

struct _PmRouting
{
  PmTopology     *topology;
  PmResources    *resources;
  PmRouterParams  params;
  PmIsolation    *isolation;   /* engine thread only */

  GMutex          lock;        /* guards everything below */
  Tables         *tables;
  PmRouteDecision decision;    /* reused by every answer */
  PmRoutingStats  stats;
};

static void
tables_free (Tables *tables)
{
  if (tables == NULL)
    return;
  pm_router_free (tables->router);
  g_free (tables->serving_of_site);
  g_free (tables->p_cut);
  g_free (tables);
}

PmRouting *
pm_routing_new (PmTopology           *topology,
                PmResources          *resources,
                const PmRouterParams *params)
{
  PmIsolationParams isolation_params;
  PmRouting *self;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);
  g_return_val_if_fail (PM_IS_RESOURCES (resources), NULL);

  self = g_new0 (PmRouting, 1);
  self->topology = g_object_ref (topology);
  self->resources = g_object_ref (resources);
  if (params != NULL)
    self->params = *params;
  else
    pm_router_params_init (&self->params);
  self->isolation = pm_isolation_new (topology);
  pm_isolation_get_params (self->isolation, &isolation_params);
  isolation_params.n_samples = PM_ROUTING_PAIR_SAMPLES;
  pm_isolation_set_params (self->isolation, &isolation_params);
  g_mutex_init (&self->lock);
  pm_route_decision_init (&self->decision);
  return self;
}

void
pm_routing_free (PmRouting *self)
{
  if (self == NULL)
    return;
  pm_route_decision_clear (&self->decision);
  tables_free (self->tables);
  g_mutex_clear (&self->lock);
  g_clear_object (&self->isolation);
  g_clear_object (&self->topology);
  g_clear_object (&self->resources);
  g_free (self);
}

PmTopology *
pm_routing_get_topology (PmRouting *self)
{
  return self->topology;
}

PmResources *
pm_routing_get_resources (PmRouting *self)
{
  return self->resources;
}

static double
pair_risk_cb (guint    client_site,
              guint    candidate_site,
              gpointer user_data)
{
  const Tables *tables = user_data;
  int row = tables->serving_of_site[candidate_site];

  if (tables->p_cut == NULL)
    return tables->no_risk_p_cut;
  if (row < 0)
    return NAN;
  return tables->p_cut[(gsize) row * tables->n_sites + client_site];
}

/* P(serving site, client site disconnected) for every serving site and every site: one pass of
 * the isolation sampler per serving site, which answers all its pairs from the same worlds.
 * Skipped (NULL) when no segment is known to be at risk: then nobody can be cut off, or nothing
 * is known (while the predictor learns), and sampling would only say so at length. */
static double *
compute_pair_risks (PmRouting    *self,
                    const double *risk,
                    const int    *serving_of_site,
                    guint         n_serving)
{
  guint n_sites = pm_topology_get_n_sites (self->topology);
  guint n_segments = pm_topology_get_n_segments (self->topology);
  g_autofree PmSitePair *pairs = NULL;
  g_autofree PmIsolationEstimate *estimates = NULL;
  double *p_cut;
  gboolean any = FALSE;
  gsize n_pairs = (gsize) n_serving * n_sites;

  for (guint e = 0; e < n_segments && !any; e++)
    any = isfinite (risk[e]) && risk[e] > 0.0;
  if (!any || n_pairs == 0)
    return NULL;

  pairs = g_new (PmSitePair, n_pairs);
  for (guint s = 0; s < n_sites; s++)
    {
      int row = serving_of_site[s];

      if (row < 0)
        continue;
      for (guint c = 0; c < n_sites; c++)
        pairs[(gsize) row * n_sites + c] = (PmSitePair) { s, c };
    }
  estimates = g_new (PmIsolationEstimate, n_pairs);
  pm_isolation_compute_pairs (self->isolation, risk, pairs, (guint) n_pairs, estimates, NULL);
  p_cut = g_new (double, n_pairs);
  for (gsize i = 0; i < n_pairs; i++)
    p_cut[i] = estimates[i].probability;
  return p_cut;
}

void
pm_routing_update (PmRouting        *self,
                   const PmSnapshot *snapshot,
                   const guint8     *usable)
{
  guint n_sites = pm_topology_get_n_sites (self->topology);
  guint n_segments = pm_topology_get_n_segments (self->topology);
  guint n_resources = pm_resources_get_n_resources (self->resources);
  g_autofree double *latency = g_new (double, n_segments);
  g_autofree double *risk = g_new (double, n_segments);
  g_autofree gint64 *eta = g_new0 (gint64, n_segments);
  g_autofree guint8 *down = g_new0 (guint8, n_segments);
  Tables *tables, *old;
  PmRouterInput input = { 0 };
  guint n_serving = 0;
  gint64 started = g_get_monotonic_time ();
  double took;

  g_return_if_fail (self != NULL && snapshot != NULL);
  g_return_if_fail (snapshot->n_segments == n_segments && snapshot->n_sites == n_sites);

  for (guint e = 0; e < n_segments; e++)
    {
      const PmSegmentState *state = &snapshot->segments[e];

      latency[e] = state->sample.latency_ms;
      down[e] = pm_health_level (state->health) == PM_HEALTH_DOWN;
      /* Before the predictor has learned, no risk is known: nobody is excluded for it. */
      risk[e] = snapshot->predicting ? state->risk : NAN;
      eta[e] = snapshot->predicting ? state->eta_s : 0;
      /* A segment down now cuts as surely as one certain to fail. */
      if (down[e])
        risk[e] = 1.0;
    }

  tables = g_new0 (Tables, 1);
  tables->n_sites = n_sites;
  tables->time_s = snapshot->time_s;
  tables->serving_of_site = g_new (int, n_sites);
  for (guint s = 0; s < n_sites; s++)
    tables->serving_of_site[s] = -1;
  for (guint r = 0; r < n_resources; r++)
    {
      const PmResource *resource = pm_resources_get_resource (self->resources, r);

      for (guint s = 0; s < n_sites; s++)
        if ((s == resource->origin || (usable != NULL && usable[(gsize) r * n_sites + s])) &&
            tables->serving_of_site[s] < 0)
          tables->serving_of_site[s] = (int) n_serving++;
    }
  tables->p_cut = compute_pair_risks (self, risk, tables->serving_of_site, n_serving);
  tables->no_risk_p_cut = NAN;
  for (guint e = 0; e < n_segments && isnan (tables->no_risk_p_cut); e++)
    if (isfinite (risk[e]))
      tables->no_risk_p_cut = 0.0;

  input.topology = self->topology;
  input.resources = self->resources;
  input.now_s = snapshot->time_s;
  input.latency_ms = latency;
  input.risk = risk;
  input.eta_s = eta;
  input.down = down;
  input.usable = usable;
  input.pair_risk = pair_risk_cb;
  input.pair_risk_data = tables;
  tables->router = pm_router_new (&self->params);
  pm_router_refresh (tables->router, &input);

  g_mutex_lock (&self->lock);
  old = self->tables;
  if (old != NULL)
    pm_router_adopt_history (tables->router, old->router);
  self->tables = tables;
  took = (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
  self->stats.n_refreshes++;
  self->stats.last_refresh_s = took;
  self->stats.total_refresh_s += took;
  self->stats.table_time_s = snapshot->time_s;
  g_mutex_unlock (&self->lock);

  /* Freed outside the lock, so that decisions wait only for the swap. Nothing refers to the
   * old tables any more: answers are copies. */
  tables_free (old);
}

PmRouteAnswer *
pm_routing_route (PmRouting *self,
                  guint      client_site,
                  guint      resource)
{
  PmRouteAnswer *answer;
  PmRouteDecision *decision = &self->decision;
  GPtrArray *reasons;
  PmRouteOutcome outcome;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (client_site < pm_topology_get_n_sites (self->topology), NULL);
  g_return_val_if_fail (resource < pm_resources_get_n_resources (self->resources), NULL);

  g_mutex_lock (&self->lock);
  if (self->tables == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  pm_router_decide (self->tables->router, client_site, resource, decision);

  answer = g_new0 (PmRouteAnswer, 1);
  answer->site = decision->site;
  answer->latency_ms = decision->latency_ms;
  answer->client_site = client_site;
  answer->resource = resource;
  answer->table_time_s = self->tables->time_s;
  answer->candidates = g_array_sized_new (FALSE, FALSE, sizeof (PmRouteCandidate),
                                          decision->alternatives->len);
  for (guint i = 0; i < decision->alternatives->len; i++)
    {
      const PmRouteAlternative *alt = &g_array_index (decision->alternatives,
                                                      PmRouteAlternative, i);
      PmRouteCandidate candidate = { alt->site, alt->latency_ms, alt->p_cut, alt->verdict,
                                     alt->excluded };

      g_array_append_val (answer->candidates, candidate);
    }
  reasons = pm_route_decision_get_reasons (decision);
  answer->reasons = g_ptr_array_new_full (reasons->len, g_free);
  for (guint i = 0; i < reasons->len; i++)
    g_ptr_array_add (answer->reasons, g_strdup (g_ptr_array_index (reasons, i)));

  if (decision->site < 0)
    outcome = PM_ROUTE_OUTCOME_NO_ROUTE;
  else if (g_array_index (decision->alternatives, PmRouteAlternative, 0).verdict
           == PM_ROUTE_KEPT)
    outcome = PM_ROUTE_OUTCOME_KEPT;
  else
    outcome = PM_ROUTE_OUTCOME_CHOSEN;
  self->stats.decisions[outcome]++;
  g_mutex_unlock (&self->lock);
  return answer;
}

void
pm_routing_get_stats (PmRouting      *self,
                      PmRoutingStats *stats)
{
  g_return_if_fail (self != NULL && stats != NULL);
  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

void
pm_route_answer_free (PmRouteAnswer *answer)
{
  if (answer == NULL)
    return;
  g_clear_pointer (&answer->candidates, g_array_unref);
  g_clear_pointer (&answer->reasons, g_ptr_array_unref);
  g_free (answer);
}

const char *
pm_route_outcome_to_string (PmRouteOutcome outcome)
{
  switch (outcome)
    {
    case PM_ROUTE_OUTCOME_CHOSEN:
      return "chosen";
    case PM_ROUTE_OUTCOME_KEPT:
      return "kept";
    case PM_ROUTE_OUTCOME_NO_ROUTE:
      return "no_route";
    case PM_ROUTE_N_OUTCOMES:
    default:
      break;
    }
  g_return_val_if_reached ("unknown");
}
