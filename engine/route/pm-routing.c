/* pm-routing.c: the routing service. Each update builds a fresh router aside — tables and the
 * probabilities that each serving site and each client site are cut apart — while the current
 * one goes on answering, then swaps it in under the lock, taking over the last choices so that
 * the hysteresis survives the swap.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-routing.h"

#include <math.h>

#include "pm-client-locator.h"
#include "pm-health.h"
#include "predict/pm-isolation.h"

/* Worlds sampled for the pair probabilities. They are only compared with the exclusion
 * threshold (0.5), so a standard error of at most 0.016 (±0.03 at 95 %) is enough, and the
 * refresh stays within its budget on large networks: sampling costs a pass over every segment
 * per world and serving site. */
#define PM_ROUTING_PAIR_SAMPLES 1024

/* What one update was given, kept as long as anyone reads it: the pair probabilities the
 * router asks for, and what a what-if answer is computed from outside the lock. Reference
 * counted (atomically) and immutable once published, so that a what-if running on another
 * thread survives the tables being swapped and freed under it. */
typedef struct
{
  guint     n_sites;
  int      *serving_of_site;  /* site → row of p_cut, -1 for sites that serve nothing */
  double   *p_cut;            /* n_serving × n_sites; NULL: no segment is known to be at risk */
  double    no_risk_p_cut;    /* without p_cut: 0 when some risk is known, else NAN (unknown) */
  gint64    time_s;
  gint64    horizon_s;
  gboolean  predicting;

  double   *what_if_weight;   /* per segment: ms, INFINITY for those treated as down */
  guint    *cand_offset;      /* n_resources + 1, into cand_site */
  guint    *cand_site;        /* each resource's candidates: its origin and usable replicas */
  GArray   *assumptions;      /* PmRouteAssumption: the segments treated as down, riskiest first */
} Inputs;

/* One refresh's worth of tables: the router and the inputs it reads. */
typedef struct
{
  PmRouter *router;
  Inputs   *inputs;
} Tables;

struct _PmRouting
{
  PmTopology      *topology;
  PmResources     *resources;
  PmRouterParams   params;
  PmIsolation     *isolation;   /* engine thread only */
  PmClientLocator *locator;     /* immutable */

  GMutex           lock;        /* guards everything below */
  Tables          *tables;
  PmRouteDecision  decision;    /* reused by every answer */
  PmRoutingStats   stats;
};

static void
inputs_clear (gpointer data)
{
  Inputs *inputs = data;

  g_free (inputs->serving_of_site);
  g_free (inputs->p_cut);
  g_free (inputs->what_if_weight);
  g_free (inputs->cand_offset);
  g_free (inputs->cand_site);
  g_clear_pointer (&inputs->assumptions, g_array_unref);
}

static void
inputs_release (Inputs *inputs)
{
  g_atomic_rc_box_release_full (inputs, inputs_clear);
}

static void
tables_free (Tables *tables)
{
  if (tables == NULL)
    return;
  pm_router_free (tables->router);
  g_clear_pointer (&tables->inputs, inputs_release);
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
  /* Without a client map nothing can fail: the locator only indexes the sites. */
  self->locator = pm_client_locator_new (topology, NULL, NULL);
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
  g_clear_pointer (&self->locator, pm_client_locator_free);
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
  const Inputs *inputs = user_data;
  int row = inputs->serving_of_site[candidate_site];

  if (inputs->p_cut == NULL)
    return inputs->no_risk_p_cut;
  if (row < 0)
    return NAN;
  return inputs->p_cut[(gsize) row * inputs->n_sites + client_site];
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

static int
compare_assumptions (gconstpointer a,
                     gconstpointer b)
{
  const PmRouteAssumption *x = a, *y = b;

  if (x->down_now != y->down_now)
    return x->down_now ? -1 : 1;
  if (x->risk != y->risk)
    return x->risk > y->risk ? -1 : 1;
  if (x->eta_s != y->eta_s)
    return x->eta_s < y->eta_s ? -1 : 1;
  return x->segment < y->segment ? -1 : x->segment > y->segment;
}

/* What a what-if answer needs from this update: the network with the predicted failures taken
 * out, and every resource's candidates. A segment counts as failing when it is down now, when its
 * risk reaches the exclusion threshold (the risk is already "within the horizon"), or when the
 * predictor expects it to fail within the horizon. */
static void
fill_what_if (PmRouting        *self,
              Inputs           *inputs,
              const PmSnapshot *snapshot,
              const double     *latency,
              const double     *risk,
              const gint64     *eta,
              const guint8     *down,
              const guint8     *usable)
{
  guint n_sites = pm_topology_get_n_sites (self->topology);
  guint n_segments = pm_topology_get_n_segments (self->topology);
  guint n_resources = pm_resources_get_n_resources (self->resources);
  gint64 until = snapshot->horizon_s > 0 ? snapshot->time_s + snapshot->horizon_s : G_MAXINT64;
  gsize n_cand = 0;

  inputs->what_if_weight = g_new (double, n_segments);
  inputs->assumptions = g_array_new (FALSE, FALSE, sizeof (PmRouteAssumption));
  for (guint e = 0; e < n_segments; e++)
    {
      double ms = latency[e];
      gboolean fails = down[e] || (isfinite (risk[e]) && risk[e] >= self->params.exclude_threshold) ||
                       (eta[e] > 0 && eta[e] <= until);

      if (!isfinite (ms) || ms < 0)
        ms = pm_segment_baseline_rtt_ms (pm_topology_get_segment (self->topology, e));
      inputs->what_if_weight[e] = fails ? INFINITY : ms;
      if (fails)
        {
          PmRouteAssumption assumption = { e, down[e] ? 1.0 : risk[e], down[e] ? 0 : eta[e],
                                           down[e] };

          g_array_append_val (inputs->assumptions, assumption);
        }
    }
  g_array_sort (inputs->assumptions, compare_assumptions);

  inputs->cand_offset = g_new0 (guint, n_resources + 1);
  for (guint r = 0; r < n_resources; r++)
    {
      const PmResource *resource = pm_resources_get_resource (self->resources, r);

      for (guint s = 0; s < n_sites; s++)
        n_cand += s == resource->origin || (usable != NULL && usable[(gsize) r * n_sites + s]);
    }
  inputs->cand_site = g_new (guint, MAX (n_cand, 1));
  n_cand = 0;
  for (guint r = 0; r < n_resources; r++)
    {
      const PmResource *resource = pm_resources_get_resource (self->resources, r);

      inputs->cand_offset[r] = (guint) n_cand;
      for (guint s = 0; s < n_sites; s++)
        if (s == resource->origin || (usable != NULL && usable[(gsize) r * n_sites + s]))
          inputs->cand_site[n_cand++] = s;
    }
  inputs->cand_offset[n_resources] = (guint) n_cand;
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
  Inputs *inputs;
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

  inputs = g_atomic_rc_box_new0 (Inputs);
  inputs->n_sites = n_sites;
  inputs->time_s = snapshot->time_s;
  inputs->horizon_s = snapshot->horizon_s;
  inputs->predicting = snapshot->predicting;
  inputs->serving_of_site = g_new (int, n_sites);
  for (guint s = 0; s < n_sites; s++)
    inputs->serving_of_site[s] = -1;
  for (guint r = 0; r < n_resources; r++)
    {
      const PmResource *resource = pm_resources_get_resource (self->resources, r);

      for (guint s = 0; s < n_sites; s++)
        if ((s == resource->origin || (usable != NULL && usable[(gsize) r * n_sites + s])) &&
            inputs->serving_of_site[s] < 0)
          inputs->serving_of_site[s] = (int) n_serving++;
    }
  inputs->p_cut = compute_pair_risks (self, risk, inputs->serving_of_site, n_serving);
  inputs->no_risk_p_cut = NAN;
  for (guint e = 0; e < n_segments && isnan (inputs->no_risk_p_cut); e++)
    if (isfinite (risk[e]))
      inputs->no_risk_p_cut = 0.0;
  fill_what_if (self, inputs, snapshot, latency, risk, eta, down, usable);

  tables = g_new0 (Tables, 1);
  tables->inputs = inputs;
  input.topology = self->topology;
  input.resources = self->resources;
  input.now_s = snapshot->time_s;
  input.latency_ms = latency;
  input.risk = risk;
  input.eta_s = eta;
  input.down = down;
  input.usable = usable;
  input.pair_risk = pair_risk_cb;
  input.pair_risk_data = inputs;
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
   * old tables any more: answers are copies, and a what-if still running holds its own
   * reference to the inputs. */
  tables_free (old);
}

/* What-if answers ------------------------------------------------------------------------- */

static char *
format_eta (gint64 now_s,
            gint64 eta_s)
{
  g_autoptr(GDateTime) eta = g_date_time_new_from_unix_utc (eta_s);

  if (eta == NULL)
    return g_strdup ("");
  /* The time of day alone is ambiguous beyond a day ahead. */
  if (eta_s - now_s >= 86400 || eta_s < now_s)
    return g_date_time_format (eta, "%Y-%m-%d %H:%M UTC");
  return g_date_time_format (eta, "%H:%M UTC");
}

/* "lon–par": the segment by the sites it joins, which is how operators name links. */
static void
append_segment (GString                 *text,
                PmTopology              *topology,
                const PmRouteAssumption *assumption)
{
  const PmSegment *segment = pm_topology_get_segment (topology, assumption->segment);

  g_string_append_printf (text, "%s–%s", pm_topology_get_site (topology, segment->a)->id,
                          pm_topology_get_site (topology, segment->b)->id);
}

/* " (p = 0.81, 14:05 UTC)", " (down now)". */
static void
append_details (GString                 *text,
                const Inputs            *inputs,
                const PmRouteAssumption *assumption)
{
  if (assumption->down_now)
    g_string_append (text, " (down now)");
  else if (assumption->eta_s > 0 && isfinite (assumption->risk))
    {
      g_autofree char *eta = format_eta (inputs->time_s, assumption->eta_s);

      g_string_append_printf (text, " (p = %.2f, %s)", assumption->risk, eta);
    }
  else if (assumption->eta_s > 0)
    {
      g_autofree char *eta = format_eta (inputs->time_s, assumption->eta_s);

      g_string_append_printf (text, " (expected %s)", eta);
    }
  else
    g_string_append_printf (text, " (p = %.2f)", assumption->risk);
}

/* "lon–par (p = 0.81, 14:05 UTC)" */
static void
append_assumption (GString                 *text,
                   PmTopology              *topology,
                   const Inputs            *inputs,
                   const PmRouteAssumption *assumption)
{
  append_segment (text, topology, assumption);
  append_details (text, inputs, assumption);
}

/* "A", "A and B", "A, B and C", "A, B, C and 2 more segments": the first few of a list. */
static void
append_list (GString      *text,
             PmTopology   *topology,
             const Inputs *inputs,
             const GArray *list,
             guint         max_named)
{
  guint n_named = list->len <= max_named + 1 ? list->len : max_named;

  for (guint i = 0; i < n_named; i++)
    {
      if (i > 0)
        g_string_append (text, i + 1 == list->len ? " and " : ", ");
      append_assumption (text, topology, inputs,
                         &g_array_index (list, PmRouteAssumption, i));
    }
  if (n_named < list->len)
    g_string_append_printf (text, " and %u more segments", list->len - n_named);
}

/* Connected components of the network without the segments treated as down. */
static guint *
label_components (PmTopology   *topology,
                  const Inputs *inputs)
{
  guint n_sites = pm_topology_get_n_sites (topology);
  guint *component = g_new (guint, n_sites);
  g_autofree guint *stack = g_new (guint, MAX (n_sites, 1));

  for (guint s = 0; s < n_sites; s++)
    component[s] = G_MAXUINT;
  for (guint root = 0; root < n_sites; root++)
    {
      guint n_stack = 0;

      if (component[root] != G_MAXUINT)
        continue;
      component[root] = root;
      stack[n_stack++] = root;
      while (n_stack > 0)
        {
          guint site = stack[--n_stack];
          guint n_segments;
          const guint *segments = pm_topology_get_site_segments (topology, site, &n_segments);

          for (guint i = 0; i < n_segments; i++)
            {
              guint peer;

              if (!isfinite (inputs->what_if_weight[segments[i]]))
                continue;
              peer = pm_topology_segment_peer (topology, segments[i], site);
              if (component[peer] == G_MAXUINT)
                {
                  component[peer] = root;
                  stack[n_stack++] = peer;
                }
            }
        }
    }
  return component;
}

/* The failing segments that leave component: a cut between it and the rest, riskiest first. */
static GArray *
boundary (PmTopology   *topology,
          const Inputs *inputs,
          const guint  *component,
          guint         label)
{
  GArray *cut = g_array_new (FALSE, FALSE, sizeof (PmRouteAssumption));

  /* The assumptions are sorted riskiest first: filtering keeps the order. */
  for (guint i = 0; i < inputs->assumptions->len; i++)
    {
      const PmRouteAssumption *assumption = &g_array_index (inputs->assumptions,
                                                            PmRouteAssumption, i);
      const PmSegment *segment = pm_topology_get_segment (topology, assumption->segment);

      if ((component[segment->a] == label) != (component[segment->b] == label))
        g_array_append_val (cut, *assumption);
    }
  return cut;
}

/* Why an unreachable candidate is: the smaller of the two cuts that separate it from the client
 * (around the client's part of the network, around the candidate's), which for a site behind one
 * link is that link. */
static char *
explain_unreachable (PmTopology   *topology,
                     const Inputs *inputs,
                     const guint  *component,
                     guint         client,
                     guint         site)
{
  g_autoptr(GArray) around_client = boundary (topology, inputs, component, component[client]);
  g_autoptr(GArray) around_site = boundary (topology, inputs, component, component[site]);
  const GArray *cut = around_site->len <= around_client->len ? around_site : around_client;
  const char *site_id = pm_topology_get_site (topology, site)->id;
  const char *client_id = pm_topology_get_site (topology, client)->id;
  GString *text = g_string_new (NULL);
  gboolean all_down = TRUE;

  for (guint i = 0; i < cut->len; i++)
    all_down = all_down && g_array_index (cut, PmRouteAssumption, i).down_now;
  if (cut->len == 0)
    g_string_printf (text, "%s unreachable: no path from %s at all", site_id, client_id);
  else if (all_down)
    {
      g_string_printf (text, "%s unreachable: no path from %s without segments that are down: ",
                       site_id, client_id);
      append_list (text, topology, inputs, cut, 3);
    }
  else if (cut->len == 1)
    {
      /* "par unreachable if lon–par fails (p = 0.81, 14:05 UTC)" */
      g_string_printf (text, "%s unreachable if ", site_id);
      append_segment (text, topology, &g_array_index (cut, PmRouteAssumption, 0));
      g_string_append (text, " fails");
      append_details (text, inputs, &g_array_index (cut, PmRouteAssumption, 0));
    }
  else
    {
      g_string_printf (text, "%s unreachable if ", site_id);
      append_list (text, topology, inputs, cut, 3);
      g_string_append (text, " fail");
    }
  return g_string_free (text, FALSE);
}

static char *
format_horizon (gint64 horizon_s)
{
  if (horizon_s >= 7200)
    return g_strdup_printf ("%.1f h", (double) horizon_s / 3600);
  return g_strdup_printf ("%" G_GINT64_FORMAT " min", horizon_s / 60);
}

static char *
explain_assumptions (PmTopology   *topology,
                     const Inputs *inputs)
{
  g_autofree char *horizon = format_horizon (inputs->horizon_s);
  GString *text;

  if (!inputs->predicting)
    return g_strdup_printf ("no risk is known yet (the predictor is still learning): only the "
                            "%u segments down now are treated as down",
                            inputs->assumptions->len);
  if (inputs->assumptions->len == 0)
    return g_strdup_printf ("no segment is down or predicted to fail within %s", horizon);
  text = g_string_new ("treated as down: ");
  append_list (text, topology, inputs, inputs->assumptions, 5);
  g_string_append_printf (text, ", within %s", horizon);
  return g_string_free (text, FALSE);
}

static int
compare_candidates (gconstpointer a,
                    gconstpointer b)
{
  const PmRouteCandidate *x = a, *y = b;

  if ((x->verdict == PM_ROUTE_CHOSEN) != (y->verdict == PM_ROUTE_CHOSEN))
    return x->verdict == PM_ROUTE_CHOSEN ? -1 : 1;
  if (x->excluded != y->excluded)
    return x->excluded ? 1 : -1;
  if (x->latency_ms != y->latency_ms && !x->excluded)
    return x->latency_ms < y->latency_ms ? -1 : 1;
  return x->site < y->site ? -1 : x->site > y->site;
}

/* The what-if answer: one shortest-path pass from the client over the network without the
 * failing segments; no lock is held. */
static PmRouteAnswer *
route_what_if (PmRouting    *self,
               const Inputs *inputs,
               guint         client_site,
               guint         resource)
{
  PmTopology *topology = self->topology;
  guint n_sites = pm_topology_get_n_sites (topology);
  g_autofree float *dist = g_new (float, n_sites);
  g_autofree guint *component = NULL;
  const char *client_id = pm_topology_get_site (topology, client_site)->id;
  PmRouteAnswer *answer = g_new0 (PmRouteAnswer, 1);
  guint begin = inputs->cand_offset[resource];
  guint n = inputs->cand_offset[resource + 1] - begin;
  guint n_eligible = 0;
  int best = -1;

  pm_router_shortest_paths (topology, inputs->what_if_weight, client_site, dist, NULL);
  answer->site = -1;
  answer->latency_ms = NAN;
  answer->client_site = client_site;
  answer->resource = resource;
  answer->table_time_s = inputs->time_s;
  answer->assumed_predicted = TRUE;
  answer->assumptions = g_array_copy (inputs->assumptions);
  answer->candidates = g_array_sized_new (FALSE, FALSE, sizeof (PmRouteCandidate), n);
  answer->reasons = g_ptr_array_new_full (n + 2, g_free);

  for (guint i = 0; i < n; i++)
    {
      guint site = inputs->cand_site[begin + i];
      PmRouteCandidate candidate = { site, dist[site], 0.0, PM_ROUTE_SLOWER, FALSE };

      /* The present probability of being cut apart, for comparison with the assumption. */
      candidate.p_cut = site == client_site ? 0.0
                                            : pair_risk_cb (client_site, site, (gpointer) inputs);
      if (!isfinite (candidate.latency_ms))
        {
          candidate.latency_ms = INFINITY;
          candidate.excluded = TRUE;
          candidate.verdict = PM_ROUTE_UNREACHABLE;
        }
      else
        {
          n_eligible++;
          if (best < 0 || candidate.latency_ms < g_array_index (answer->candidates,
                                                                PmRouteCandidate,
                                                                best).latency_ms)
            best = (int) i;
        }
      g_array_append_val (answer->candidates, candidate);
    }
  if (best >= 0)
    {
      PmRouteCandidate *chosen = &g_array_index (answer->candidates, PmRouteCandidate, best);

      chosen->verdict = PM_ROUTE_CHOSEN;
      answer->site = (int) chosen->site;
      answer->latency_ms = chosen->latency_ms;
    }
  g_array_sort (answer->candidates, compare_candidates);

  if (best < 0)
    {
      const char *resource_id = pm_resources_get_resource (self->resources, resource)->id;

      g_ptr_array_add (answer->reasons,
                       n == 1 ? g_strdup_printf ("no replica of %s reachable from %s if the "
                                                 "predicted partitions happen: its only "
                                                 "candidate is cut off", resource_id, client_id)
                              : g_strdup_printf ("no replica of %s reachable from %s if the "
                                                 "predicted partitions happen: all %u "
                                                 "candidates are cut off", resource_id,
                                                 client_id, n));
    }
  for (guint i = 0; i < answer->candidates->len; i++)
    {
      const PmRouteCandidate *c = &g_array_index (answer->candidates, PmRouteCandidate, i);
      const char *site_id = pm_topology_get_site (topology, c->site)->id;

      switch (c->verdict)
        {
        case PM_ROUTE_CHOSEN:
          g_ptr_array_add (answer->reasons,
                           g_strdup_printf ("%s chosen: %.1f ms from %s, the lowest of %u still "
                                            "reachable", site_id, c->latency_ms, client_id,
                                            n_eligible));
          break;
        case PM_ROUTE_SLOWER:
          g_ptr_array_add (answer->reasons,
                           g_strdup_printf ("%s still reachable: %.1f ms from %s", site_id,
                                            c->latency_ms, client_id));
          break;
        case PM_ROUTE_UNREACHABLE:
          if (component == NULL)
            component = label_components (topology, inputs);
          g_ptr_array_add (answer->reasons, explain_unreachable (topology, inputs, component,
                                                                 client_site, c->site));
          break;
        case PM_ROUTE_KEPT:
        case PM_ROUTE_CUT_OFF:
        default:
          g_assert_not_reached ();
        }
    }
  g_ptr_array_add (answer->reasons, explain_assumptions (topology, inputs));
  return answer;
}

/* With the lock held. */
static void
count_decision (PmRouting             *self,
                const PmRouteDecision *decision)
{
  PmRouteOutcome outcome;

  if (decision->site < 0)
    outcome = PM_ROUTE_OUTCOME_NO_ROUTE;
  else if (g_array_index (decision->alternatives, PmRouteAlternative, 0).verdict
           == PM_ROUTE_KEPT)
    outcome = PM_ROUTE_OUTCOME_KEPT;
  else
    outcome = PM_ROUTE_OUTCOME_CHOSEN;
  self->stats.decisions[outcome]++;
}

PmRouteAnswer *
pm_routing_route_full (PmRouting    *self,
                       guint         client_site,
                       guint         resource,
                       PmRouteFlags  flags)
{
  PmRouteAnswer *answer;
  PmRouteDecision *decision = &self->decision;
  GPtrArray *reasons;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (client_site < pm_topology_get_n_sites (self->topology), NULL);
  g_return_val_if_fail (resource < pm_resources_get_n_resources (self->resources), NULL);

  if (flags & PM_ROUTE_FLAG_ASSUME_PREDICTED)
    {
      Inputs *inputs;

      g_mutex_lock (&self->lock);
      inputs = self->tables != NULL ? g_atomic_rc_box_acquire (self->tables->inputs) : NULL;
      g_mutex_unlock (&self->lock);
      if (inputs == NULL)
        return NULL;
      answer = route_what_if (self, inputs, client_site, resource);
      inputs_release (inputs);
      return answer;
    }

  g_mutex_lock (&self->lock);
  if (self->tables == NULL)
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }
  if (flags & PM_ROUTE_FLAG_PEEK)
    pm_router_peek (self->tables->router, client_site, resource, decision);
  else
    pm_router_decide (self->tables->router, client_site, resource, decision);

  answer = g_new0 (PmRouteAnswer, 1);
  answer->site = decision->site;
  answer->latency_ms = decision->latency_ms;
  answer->client_site = client_site;
  answer->resource = resource;
  answer->table_time_s = self->tables->inputs->time_s;
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

  if (!(flags & PM_ROUTE_FLAG_PEEK))
    count_decision (self, decision);
  g_mutex_unlock (&self->lock);
  return answer;
}

PmRouteAnswer *
pm_routing_route (PmRouting *self,
                  guint      client_site,
                  guint      resource)
{
  return pm_routing_route_full (self, client_site, resource, PM_ROUTE_FLAGS_NONE);
}

int
pm_routing_decide_site (PmRouting *self,
                        guint      client_site,
                        guint      resource)
{
  int site = -1;

  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (client_site < pm_topology_get_n_sites (self->topology), -1);
  g_return_val_if_fail (resource < pm_resources_get_n_resources (self->resources), -1);

  g_mutex_lock (&self->lock);
  if (self->tables != NULL)
    {
      pm_router_decide (self->tables->router, client_site, resource, &self->decision);
      count_decision (self, &self->decision);
      site = self->decision.site;
    }
  g_mutex_unlock (&self->lock);
  return site;
}

PmRouteAnswer *
pm_routing_route_assuming_predicted (PmRouting *self,
                                     guint      client_site,
                                     guint      resource)
{
  return pm_routing_route_full (self, client_site, resource, PM_ROUTE_FLAG_ASSUME_PREDICTED);
}

int
pm_routing_nearest_site (PmRouting *self,
                         double     lat,
                         double     lon)
{
  g_return_val_if_fail (self != NULL, -1);
  g_return_val_if_fail (lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180, -1);

  if (self->locator == NULL)
    return -1;
  return pm_client_locator_nearest (self->locator, lat, lon);
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
  g_clear_pointer (&answer->assumptions, g_array_unref);
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
