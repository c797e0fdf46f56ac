/* pm-router.c: the routing decision core: shortest-latency tables from every site that can
 * serve, then per decision a scan of the resource's candidates with exclusion and hysteresis.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-router.h"

#include <math.h>
#include <string.h>

struct _PmRouter
{
  PmRouterParams   params;
  PmTopology      *topology;
  PmResources     *resources;
  gint64           now_s;
  guint            n_sites;
  guint            n_resources;
  double          *risk;          /* copies, so reasons do not depend on the caller's arrays */
  gint64          *eta_s;
  PmRouterPairRisk pair_risk;
  gpointer         pair_risk_data;

  /* Serving sites: every site with a usable replica, and every origin. */
  guint            n_sources;
  int             *source_of_site; /* site → source index, -1 */
  guint           *source_site;    /* source index → site */
  float           *dist;           /* n_sites × n_sources, ms: one client's row is contiguous,
                                    * which a decision reads; float halves the table */
  gint32          *pred;           /* n_sources × n_sites: segment into the site, -1 */

  /* Candidates per resource, as source indices (compressed rows). */
  guint           *cand_offset;    /* n_resources + 1 */
  guint           *cand;

  /* Hysteresis: the last chosen site per (region, resource), -1 = none. */
  guint            n_regions;
  guint           *region_of_site;
  gint32          *last;

  guint            generation;     /* bumped by refresh: decisions keep it to spot staleness */
};

void
pm_router_params_init (PmRouterParams *params)
{
  g_return_if_fail (params != NULL);
  params->exclude_threshold = 0.5;
  params->margin_ms = 5.0;
}

PmRouter *
pm_router_new (const PmRouterParams *params)
{
  PmRouter *self = g_new0 (PmRouter, 1);

  if (params != NULL)
    self->params = *params;
  else
    pm_router_params_init (&self->params);
  return self;
}

static void
pm_router_clear_tables (PmRouter *self)
{
  g_clear_pointer (&self->risk, g_free);
  g_clear_pointer (&self->eta_s, g_free);
  g_clear_pointer (&self->source_of_site, g_free);
  g_clear_pointer (&self->source_site, g_free);
  g_clear_pointer (&self->dist, g_free);
  g_clear_pointer (&self->pred, g_free);
  g_clear_pointer (&self->cand_offset, g_free);
  g_clear_pointer (&self->cand, g_free);
  g_clear_pointer (&self->region_of_site, g_free);
  self->n_sources = 0;
}

void
pm_router_free (PmRouter *self)
{
  if (self == NULL)
    return;
  pm_router_clear_tables (self);
  g_clear_pointer (&self->last, g_free);
  g_clear_object (&self->topology);
  g_clear_object (&self->resources);
  g_free (self);
}

void
pm_router_reset_history (PmRouter *self)
{
  g_return_if_fail (self != NULL);
  for (gsize i = 0; i < (gsize) self->n_regions * self->n_resources; i++)
    self->last[i] = -1;
}

void
pm_router_adopt_history (PmRouter       *self,
                         const PmRouter *previous)
{
  g_return_if_fail (self != NULL && previous != NULL);
  g_return_if_fail (self->last != NULL && previous->last != NULL);

  if (self->topology != previous->topology || self->resources != previous->resources ||
      self->n_regions != previous->n_regions || self->n_resources != previous->n_resources)
    return;
  memcpy (self->last, previous->last,
          sizeof (gint32) * (gsize) self->n_regions * self->n_resources);
}

/* Binary min-heap of (distance, site) with lazy deletion: a site may be pushed more than once
 * and stale entries are skipped when popped, which avoids a decrease-key index. */
typedef struct
{
  float d;
  guint site;
} HeapItem;

static void
heap_push (GArray *heap,
           float   d,
           guint   site)
{
  HeapItem item = { d, site };
  HeapItem *h;
  guint i;

  g_array_append_val (heap, item);
  h = (HeapItem *) heap->data;
  i = heap->len - 1;
  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (h[parent].d <= item.d)
        break;
      h[i] = h[parent];
      i = parent;
    }
  h[i] = item;
}

static HeapItem
heap_pop (GArray *heap)
{
  HeapItem *h = (HeapItem *) heap->data;
  HeapItem top = h[0];
  HeapItem last = h[heap->len - 1];
  guint n = heap->len - 1;
  guint i = 0;

  g_array_set_size (heap, n);
  if (n == 0)
    return top;
  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= n)
        break;
      if (child + 1 < n && h[child + 1].d < h[child].d)
        child++;
      if (h[child].d >= last.d)
        break;
      h[i] = h[child];
      i = child;
    }
  h[i] = last;
  return top;
}

static void
dijkstra (PmTopology   *topology,
          const double *weight,
          guint         source,
          float        *dist,
          gint32       *pred,
          GArray       *heap)
{
  guint n_sites = pm_topology_get_n_sites (topology);

  for (guint s = 0; s < n_sites; s++)
    {
      dist[s] = INFINITY;
      if (pred != NULL)
        pred[s] = -1;
    }
  g_array_set_size (heap, 0);
  dist[source] = 0.f;
  heap_push (heap, 0.f, source);
  while (heap->len > 0)
    {
      HeapItem item = heap_pop (heap);
      const guint *segments;
      guint n_segments;

      if (item.d > dist[item.site])
        continue;
      segments = pm_topology_get_site_segments (topology, item.site, &n_segments);
      for (guint i = 0; i < n_segments; i++)
        {
          guint e = segments[i];
          guint peer;
          float d;

          if (!isfinite (weight[e]))
            continue;
          peer = pm_topology_segment_peer (topology, e, item.site);
          d = item.d + (float) weight[e];
          if (d < dist[peer])
            {
              dist[peer] = d;
              if (pred != NULL)
                pred[peer] = (gint32) e;
              heap_push (heap, d, peer);
            }
        }
    }
}

void
pm_router_shortest_paths (PmTopology   *topology,
                          const double *weight,
                          guint         source,
                          float        *dist,
                          gint32       *pred)
{
  g_autoptr(GArray) heap = NULL;

  g_return_if_fail (PM_IS_TOPOLOGY (topology));
  g_return_if_fail (source < pm_topology_get_n_sites (topology));
  g_return_if_fail (weight != NULL && dist != NULL);

  heap = g_array_sized_new (FALSE, FALSE, sizeof (HeapItem), 64);
  dijkstra (topology, weight, source, dist, pred, heap);
}

void
pm_router_refresh (PmRouter            *self,
                   const PmRouterInput *input)
{
  g_autofree double *weight = NULL;
  g_autofree float *row = NULL;
  g_autoptr(GArray) heap = NULL;
  g_autoptr(GHashTable) regions = NULL;
  guint n_segments;
  gsize n_cand = 0;

  g_return_if_fail (self != NULL);
  g_return_if_fail (input != NULL);
  g_return_if_fail (input->topology != NULL && input->resources != NULL);

  /* The last choices only mean something against the same sites and resources. */
  if (input->topology != self->topology || input->resources != self->resources)
    {
      g_clear_pointer (&self->last, g_free);
      g_set_object (&self->topology, input->topology);
      g_set_object (&self->resources, input->resources);
    }
  pm_router_clear_tables (self);
  self->generation++;
  self->now_s = input->now_s;
  self->pair_risk = input->pair_risk;
  self->pair_risk_data = input->pair_risk_data;
  self->n_sites = pm_topology_get_n_sites (self->topology);
  self->n_resources = pm_resources_get_n_resources (self->resources);
  n_segments = pm_topology_get_n_segments (self->topology);

  self->risk = g_new (double, n_segments);
  self->eta_s = g_new0 (gint64, n_segments);
  weight = g_new (double, n_segments);
  for (guint e = 0; e < n_segments; e++)
    {
      const PmSegment *segment = pm_topology_get_segment (self->topology, e);
      double latency = input->latency_ms != NULL ? input->latency_ms[e] : NAN;

      self->risk[e] = input->risk != NULL ? input->risk[e] : NAN;
      if (input->eta_s != NULL)
        self->eta_s[e] = input->eta_s[e];
      if (!isfinite (latency) || latency < 0)
        latency = pm_segment_baseline_rtt_ms (segment);
      /* A segment that is down, or certain to fail, carries nothing: no path may use it. */
      if ((input->down != NULL && input->down[e]) || self->risk[e] >= 1.0)
        latency = INFINITY;
      weight[e] = latency;
    }

  /* Serving sites and the candidates of each resource. */
  self->source_of_site = g_new (int, self->n_sites);
  for (guint s = 0; s < self->n_sites; s++)
    self->source_of_site[s] = -1;
  self->source_site = g_new (guint, self->n_sites);
  self->cand_offset = g_new0 (guint, self->n_resources + 1);
  for (guint r = 0; r < self->n_resources; r++)
    {
      const PmResource *resource = pm_resources_get_resource (self->resources, r);

      for (guint s = 0; s < self->n_sites; s++)
        {
          gboolean usable = s == resource->origin ||
                            (input->usable != NULL &&
                             input->usable[(gsize) r * self->n_sites + s]);

          if (!usable)
            continue;
          n_cand++;
          if (self->source_of_site[s] < 0)
            {
              self->source_of_site[s] = (int) self->n_sources;
              self->source_site[self->n_sources++] = s;
            }
        }
    }
  self->cand = g_new (guint, MAX (n_cand, 1));
  n_cand = 0;
  for (guint r = 0; r < self->n_resources; r++)
    {
      const PmResource *resource = pm_resources_get_resource (self->resources, r);

      self->cand_offset[r] = (guint) n_cand;
      for (guint s = 0; s < self->n_sites; s++)
        if (s == resource->origin ||
            (input->usable != NULL && input->usable[(gsize) r * self->n_sites + s]))
          self->cand[n_cand++] = (guint) self->source_of_site[s];
    }
  self->cand_offset[self->n_resources] = (guint) n_cand;

  /* The network is undirected, so the distance from a source to the client is the client's
   * distance to it, and the predecessors lead from the client back to the source. */
  self->dist = g_new (float, MAX ((gsize) self->n_sources * self->n_sites, 1));
  self->pred = g_new (gint32, MAX ((gsize) self->n_sources * self->n_sites, 1));
  row = g_new (float, MAX (self->n_sites, 1));
  heap = g_array_sized_new (FALSE, FALSE, sizeof (HeapItem), 64);
  for (guint k = 0; k < self->n_sources; k++)
    {
      dijkstra (self->topology, weight, self->source_site[k], row,
                self->pred + (gsize) k * self->n_sites, heap);
      for (guint s = 0; s < self->n_sites; s++)
        self->dist[(gsize) s * self->n_sources + k] = row[s];
    }

  /* Regions by first appearance; the same topology always numbers them the same way. */
  regions = g_hash_table_new (g_str_hash, g_str_equal);
  self->region_of_site = g_new (guint, self->n_sites);
  for (guint s = 0; s < self->n_sites; s++)
    {
      const PmSite *site = pm_topology_get_site (self->topology, s);
      gpointer value;

      if (!g_hash_table_lookup_extended (regions, site->region, NULL, &value))
        {
          value = GUINT_TO_POINTER (g_hash_table_size (regions));
          g_hash_table_insert (regions, site->region, value);
        }
      self->region_of_site[s] = GPOINTER_TO_UINT (value);
    }
  if (self->last == NULL || self->n_regions != g_hash_table_size (regions))
    {
      self->n_regions = g_hash_table_size (regions);
      g_free (self->last);
      self->last = g_new (gint32, MAX ((gsize) self->n_regions * self->n_resources, 1));
      pm_router_reset_history (self);
    }
}

/* The riskiest segment on the shortest path between the client and source k. */
static void
riskiest_segment (PmRouter           *self,
                  guint               k,
                  guint               client,
                  PmRouteAlternative *alt)
{
  const gint32 *pred = self->pred + (gsize) k * self->n_sites;
  guint site = client;

  alt->segment = -1;
  alt->segment_risk = NAN;
  alt->segment_eta_s = 0;
  for (guint hops = 0; pred[site] >= 0 && hops < self->n_sites; hops++)
    {
      guint e = (guint) pred[site];

      if (isfinite (self->risk[e]) &&
          (alt->segment < 0 || !(self->risk[e] <= alt->segment_risk)))
        {
          alt->segment = (int) e;
          alt->segment_risk = self->risk[e];
          alt->segment_eta_s = self->eta_s[e];
        }
      site = pm_topology_segment_peer (self->topology, e, site);
    }
}

static gboolean
decide (PmRouter        *self,
        guint            client_site,
        guint            resource,
        gboolean         remember,
        PmRouteDecision *out)
{
  PmRouteAlternative *alts;
  guint begin, n;
  int best = -1;
  int prev_i = -1;
  gint32 *last;
  const float *dist_row;
  int chosen;

  g_return_val_if_fail (self != NULL && self->dist != NULL, FALSE);
  g_return_val_if_fail (client_site < self->n_sites, FALSE);
  g_return_val_if_fail (resource < self->n_resources, FALSE);
  g_return_val_if_fail (out != NULL && out->alternatives != NULL, FALSE);

  begin = self->cand_offset[resource];
  n = self->cand_offset[resource + 1] - begin;
  last = &self->last[(gsize) self->region_of_site[client_site] * self->n_resources + resource];
  out->router = self;
  out->generation = self->generation;
  out->reasons_valid = FALSE;
  out->client_site = client_site;
  out->resource = resource;
  g_array_set_size (out->alternatives, n);
  alts = (PmRouteAlternative *) out->alternatives->data;
  dist_row = self->dist + (gsize) client_site * self->n_sources;

  for (guint i = 0; i < n; i++)
    {
      guint k = self->cand[begin + i];
      PmRouteAlternative *alt = &alts[i];

      alt->site = self->source_site[k];
      alt->source = k;
      alt->latency_ms = dist_row[k];
      alt->segment = -1;
      alt->segment_risk = NAN;
      alt->segment_eta_s = 0;
      alt->p_cut = alt->site == client_site ? 0.0 :
                   self->pair_risk != NULL ?
                   self->pair_risk (client_site, alt->site, self->pair_risk_data) : NAN;
      if (!isfinite (alt->latency_ms))
        {
          alt->excluded = TRUE;
          alt->verdict = PM_ROUTE_UNREACHABLE;
        }
      else if (alt->p_cut > self->params.exclude_threshold)
        {
          alt->excluded = TRUE;
          alt->verdict = PM_ROUTE_CUT_OFF;
        }
      else
        {
          alt->excluded = FALSE;
          alt->verdict = PM_ROUTE_SLOWER;
          if (best < 0 || alt->latency_ms < alts[best].latency_ms)
            best = (int) i;
          if ((gint32) alt->site == *last)
            prev_i = (int) i;
        }
    }

  /* Hysteresis: switching clients between replicas has a cost (cold caches, broken
   * connections), so only a clear gain justifies it. */
  chosen = best;
  if (prev_i >= 0 && best >= 0 &&
      !(alts[best].latency_ms < alts[prev_i].latency_ms - self->params.margin_ms))
    chosen = prev_i;

  if (chosen < 0)
    {
      if (remember)
        *last = -1;
      out->site = -1;
      out->latency_ms = NAN;
    }
  else
    {
      alts[chosen].verdict = chosen == prev_i && chosen != best ? PM_ROUTE_KEPT : PM_ROUTE_CHOSEN;
      if (remember)
        *last = (gint32) alts[chosen].site;
      out->site = (int) alts[chosen].site;
      out->latency_ms = alts[chosen].latency_ms;
    }

  /* The chosen first, then the eligible, then the excluded, each by latency: insertion sort,
   * the lists are short. */
  for (guint i = 1; i < n; i++)
    {
      PmRouteAlternative tmp = alts[i];
      guint j = i;

      while (j > 0)
        {
          const PmRouteAlternative *p = &alts[j - 1];
          gboolean before;

          if ((int) tmp.site == out->site)
            before = TRUE;
          else if ((int) p->site == out->site)
            before = FALSE;
          else if (tmp.excluded != p->excluded)
            before = !tmp.excluded;
          else
            before = tmp.latency_ms < p->latency_ms;
          if (!before)
            break;
          alts[j] = alts[j - 1];
          j--;
        }
      alts[j] = tmp;
    }
  return out->site >= 0;
}

gboolean
pm_router_decide (PmRouter        *self,
                  guint            client_site,
                  guint            resource,
                  PmRouteDecision *out)
{
  return decide (self, client_site, resource, TRUE, out);
}

gboolean
pm_router_peek (PmRouter        *self,
                guint            client_site,
                guint            resource,
                PmRouteDecision *out)
{
  return decide (self, client_site, resource, FALSE, out);
}

void
pm_route_decision_init (PmRouteDecision *decision)
{
  g_return_if_fail (decision != NULL);
  memset (decision, 0, sizeof *decision);
  decision->site = -1;
  decision->latency_ms = NAN;
  decision->alternatives = g_array_sized_new (FALSE, FALSE, sizeof (PmRouteAlternative), 8);
  decision->reasons = g_ptr_array_new_with_free_func (g_free);
}

void
pm_route_decision_clear (PmRouteDecision *decision)
{
  g_return_if_fail (decision != NULL);
  g_clear_pointer (&decision->alternatives, g_array_unref);
  g_clear_pointer (&decision->reasons, g_ptr_array_unref);
  decision->router = NULL;
}

static char *
format_eta (gint64 now_s,
            gint64 eta_s)
{
  g_autoptr(GDateTime) eta = g_date_time_new_from_unix_utc (eta_s);

  if (eta == NULL)
    return g_strdup ("");
  /* The time of day alone is ambiguous beyond a day ahead. */
  if (eta_s - now_s >= 86400 || eta_s < now_s)
    return g_date_time_format (eta, "at %Y-%m-%d %H:%M UTC");
  return g_date_time_format (eta, "at %H:%M UTC");
}

static char *
format_reason (PmRouter                 *self,
               const PmRouteDecision    *decision,
               const PmRouteAlternative *alt,
               guint                     n_eligible)
{
  const char *site = pm_topology_get_site (self->topology, alt->site)->id;
  const char *client = pm_topology_get_site (self->topology, decision->client_site)->id;
  g_autofree char *segment = NULL;

  switch (alt->verdict)
    {
    case PM_ROUTE_CHOSEN:
      return g_strdup_printf ("%s chosen: %.1f ms from %s, the lowest of %u eligible", site,
                              alt->latency_ms, client, n_eligible);
    case PM_ROUTE_KEPT:
      return g_strdup_printf ("%s kept: %.1f ms from %s; no other is faster by %.1f ms or more",
                              site, alt->latency_ms, client, self->params.margin_ms);
    case PM_ROUTE_SLOWER:
      return g_strdup_printf ("%s eligible: %.1f ms from %s", site, alt->latency_ms, client);
    case PM_ROUTE_UNREACHABLE:
      return g_strdup_printf ("%s excluded: no path from %s without segments that are down",
                              site, client);
    case PM_ROUTE_CUT_OFF:
      if (alt->segment >= 0)
        {
          const char *id = pm_topology_get_segment (self->topology, (guint) alt->segment)->id;

          if (alt->segment_eta_s > 0)
            {
              g_autofree char *eta = format_eta (self->now_s, alt->segment_eta_s);

              segment = g_strdup_printf (" (segment %s predicted to fail %s)", id, eta);
            }
          else
            segment = g_strdup_printf (" (segment %s at risk %.2f)", id, alt->segment_risk);
        }
      return g_strdup_printf ("%s excluded: cut off from %s with p = %.2f%s", site, client,
                              alt->p_cut, segment != NULL ? segment : "");
    default:
      g_assert_not_reached ();
    }
}

GPtrArray *
pm_route_decision_get_reasons (PmRouteDecision *decision)
{
  PmRouter *self;
  PmRouteAlternative *alts;
  guint n_eligible = 0;

  g_return_val_if_fail (decision != NULL && decision->reasons != NULL, NULL);

  if (decision->reasons_valid)
    return decision->reasons;
  g_ptr_array_set_size (decision->reasons, 0);
  self = decision->router;
  if (self == NULL)
    return decision->reasons;
  alts = (PmRouteAlternative *) decision->alternatives->data;
  for (guint i = 0; i < decision->alternatives->len; i++)
    {
      n_eligible += !alts[i].excluded;
      /* The predecessors are those of the refresh the decision was made on, or none. */
      if (alts[i].verdict == PM_ROUTE_CUT_OFF && decision->generation == self->generation)
        riskiest_segment (self, alts[i].source, decision->client_site, &alts[i]);
    }
  if (decision->site < 0)
    {
      const PmResource *resource = pm_resources_get_resource (self->resources,
                                                              decision->resource);

      const char *client = pm_topology_get_site (self->topology, decision->client_site)->id;
      guint n = decision->alternatives->len;

      g_ptr_array_add (decision->reasons,
                       n == 1 ?
                       g_strdup_printf ("no eligible replica of %s for %s: its only candidate "
                                        "is excluded", resource->id, client) :
                       g_strdup_printf ("no eligible replica of %s for %s: all %u candidates "
                                        "are excluded", resource->id, client, n));
    }
  for (guint i = 0; i < decision->alternatives->len; i++)
    g_ptr_array_add (decision->reasons, format_reason (self, decision, &alts[i], n_eligible));
  decision->reasons_valid = TRUE;
  return decision->reasons;
}

const char *
pm_route_verdict_to_string (PmRouteVerdict verdict)
{
  switch (verdict)
    {
    case PM_ROUTE_CHOSEN:
      return "chosen";
    case PM_ROUTE_KEPT:
      return "kept";
    case PM_ROUTE_SLOWER:
      return "slower";
    case PM_ROUTE_CUT_OFF:
      return "cut-off";
    case PM_ROUTE_UNREACHABLE:
      return "unreachable";
    default:
      return "unknown";
    }
}
