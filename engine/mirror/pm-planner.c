/* pm-planner.c: the mirroring planner.
 *
 * One pass, in order:
 * 1. The predicted cut. Segments at or above segment_threshold (and, when their eta is known, due
 *    within the horizon) are taken as failing; an unknown risk (NAN) does not cut. The network
 *    without them falls into pieces (breadth-first search, O(V + E)).
 * 2. Users' sides. At-risk sites (isolation ≥ isolation_threshold, or ≥ long_shot_threshold for
 *    a long shot; NAN is not at risk) are
 *    grouped by piece. Isolation is the risk of losing the origin, so a site whose piece still
 *    holds the origin is at risk for reasons no single failing segment explains (many small
 *    risks, say): its cut is not identified, it is counted and gets no proposal. A region's
 *    isolation is that of its most isolated site, so testing sites covers regions. Each other
 *    piece is a side, speaking for its most isolated site (the users' site, probability p); its
 *    cut is the failing segments with exactly one end in it, its eta their earliest known one.
 *    A side whose cut is down already (every segment at risk 1 since a time not after now) is cut
 *    off now: no copy can reach it, so it is counted and gets no proposal.
 * 3. Losses. A side loses resource R when none of its sites holds a usable replica of R (R's
 *    origin always counts). Its users' demand for R is the demand of the regions of its sites,
 *    each region's demand shared equally among that region's sites in the whole network. No
 *    demand, or a score below min_score (see 5): nothing is lost that is worth a copy. A
 *    replica already underway to any site of the side means the work is in hand: no second
 *    proposal.
 * 4. One target per (side, R): among the side's origin and edge sites (only those hold
 *    replicas), those with free space for R, low own risk and outside every storm polygon over
 *    the cut (inside one only when the storm covers every low-risk site of the side: such a
 *    replica still serves its own site's clients), the lowest own risk wins, then the most
 *    demand for R in its own region, then the lowest site index (file order), so that the
 *    choice is deterministic.
 *    Own risk is the highest risk among the candidate's segments to sites on the same side: the
 *    segments of the cut are the premise of the plan (the side is mirrored because of them), but
 *    any other segment failing could strand the replica away from the users, including a failing
 *    one inside the side that the side survives through a detour. It is a cheap proxy for the
 *    risk of the path to the users. Unknown risks are skipped, but a candidate whose segments
 *    inside the side are all unknown is not low-risk; one without any (a side of one site) is 0.
 *    A storm polygon is over the cut when a cut segment crosses it or ends inside it.
 * 5. Figures. bytes = size; transfer time = bytes ÷ the target's measured throughput, or, when
 *    unknown, ÷ the bottleneck bandwidth (bandwidth_bps ÷ 8) of the widest path from R's origin
 *    over today's network, computed once per origin; deadline = eta − transfer time; late when
 *    the deadline has passed; benefit = the side's demand (requests per hour); score =
 *    criticality × p × demand ÷ size in MiB (a small file that many need comes first). A side
 *    gets only the resources whose score reaches min_score: every byte copied is a byte a
 *    standing mirror could have held instead, so a cut of one chance in a hundred is worth a
 *    3 MiB zone thousands query, and a 60 MiB image a handful fetch is not worth copying even
 *    for a certain cut.
 *
 * Sides are disjoint, so (R, target) pairs are unique by construction. The work that grows with
 * resources × sites is one pass over each resource's replica row for the at-risk sites, plus a
 * scan of the side's few prefiltered candidates; no hashing in the inner loop.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-planner.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#define DEFAULT_ISOLATION_THRESHOLD 0.3
#define DEFAULT_SEGMENT_THRESHOLD   0.01
#define DEFAULT_CANDIDATE_MAX_RISK  0.2
#define DEFAULT_LONG_SHOT_THRESHOLD 0.01
#define DEFAULT_MIN_SCORE           0.25

/* The prediction JSON lists this many cut segments at most, the reason names at most this many. */
#define MAX_PREDICTION_SEGMENTS 8
#define MAX_REASON_SEGMENTS     3

#define BYTES_PER_MIB 1048576.0

typedef struct
{
  guint  region;
  double share;  /* the region's sites on this side ÷ its sites in the network */
} RegionShare;

typedef struct
{
  guint  site;
  double risk;
} Candidate;

/* A piece of the network that a predicted cut separates from the origin, with at-risk users. */
typedef struct
{
  guint   component;
  guint   users_site;
  double  probability;
  gint64  eta_s;
  GArray *cut;         /* guint segment indices, riskiest first */
  GArray *regions;     /* RegionShare */
  GArray *candidates;  /* Candidate: origin and edge sites past the risk and storm tests, or
                        * past the risk test alone when every such site is in the storm */
  gboolean stormy;     /* the candidates are inside the storm over the cut */
  guint   n_sites;     /* origin and edge sites */
  guint   n_risky;
  guint   n_in_storm;
  char   *reason_prefix;
  char   *prediction;
} Side;

typedef struct
{
  double value;
  guint  site;
} HeapEntry;

/* The state of one pass. */
typedef struct
{
  const PmPlannerInput  *in;
  const PmPlannerParams *params;
  guint                  n_sites;
  guint                  n_segments;
  gboolean              *failing;
  guint                 *component;
  guint                  n_components;
  guint                 *site_region;
  guint                 *region_n_sites;
  GHashTable            *region_index;   /* region name → index + 1 */
  GArray                *sides;          /* Side */
  int                   *side_of;        /* per component: index in sides, or -1 */
  GHashTable            *bottlenecks;    /* origin + 1 → double[n_sites], bytes/s */
} Pass;

static void
side_clear (Side *side)
{
  g_clear_pointer (&side->cut, g_array_unref);
  g_clear_pointer (&side->regions, g_array_unref);
  g_clear_pointer (&side->candidates, g_array_unref);
  g_clear_pointer (&side->reason_prefix, g_free);
  g_clear_pointer (&side->prediction, g_free);
}

static double
segment_risk (const Pass *pass,
              guint       segment)
{
  return pass->in->risk != NULL ? pass->in->risk[segment] : NAN;
}

static gint64
segment_eta (const Pass *pass,
             guint       segment)
{
  return pass->in->eta_s != NULL ? pass->in->eta_s[segment] : 0;
}

/* Whether every segment of a cut is down now (risk 1, failed at a known time not after now): the
 * side is cut off already and no copy can cross to it. */
static gboolean
cut_is_down (const Pass   *pass,
             const GArray *cut)
{
  for (guint i = 0; i < cut->len; i++)
    {
      guint e = g_array_index (cut, guint, i);
      gint64 eta = segment_eta (pass, e);

      if (!(segment_risk (pass, e) >= 1) || eta <= 0 || eta > pass->in->now_s)
        return FALSE;
    }
  return cut->len > 0;
}

static void
mark_failing (Pass *pass)
{
  gint64 until = pass->params->horizon_s > 0 ? pass->in->now_s + pass->params->horizon_s : 0;

  for (guint e = 0; e < pass->n_segments; e++)
    {
      double risk = segment_risk (pass, e);
      gint64 eta = segment_eta (pass, e);

      /* NAN ≥ threshold is false: an unknown risk does not cut. */
      pass->failing[e] = risk >= pass->params->segment_threshold
                         && (until == 0 || eta <= 0 || eta <= until);
    }
}

/* Labels the pieces of the network without the failing segments (breadth-first search over the
 * topology's adjacency); returns how many there are. */
static guint
split (PmTopology     *topology,
       const gboolean *failing,
       guint          *component)
{
  guint n_sites = pm_topology_get_n_sites (topology), n_components = 0;
  g_autofree guint *queue = g_new (guint, n_sites);

  for (guint s = 0; s < n_sites; s++)
    component[s] = G_MAXUINT;
  for (guint start = 0; start < n_sites; start++)
    {
      guint head = 0, tail = 0;

      if (component[start] != G_MAXUINT)
        continue;
      component[start] = n_components;
      queue[tail++] = start;
      while (head < tail)
        {
          guint site = queue[head++], n_attached;
          const guint *attached = pm_topology_get_site_segments (topology, site, &n_attached);

          for (guint i = 0; i < n_attached; i++)
            {
              guint peer;

              if (failing[attached[i]])
                continue;
              peer = pm_topology_segment_peer (topology, attached[i], site);
              if (component[peer] == G_MAXUINT)
                {
                  component[peer] = n_components;
                  queue[tail++] = peer;
                }
            }
        }
      n_components++;
    }
  return n_components;
}

static void
index_regions (Pass *pass)
{
  GArray *counts = g_array_new (FALSE, TRUE, sizeof (guint));

  for (guint s = 0; s < pass->n_sites; s++)
    {
      const PmSite *site = pm_topology_get_site (pass->in->topology, s);
      guint index = GPOINTER_TO_UINT (g_hash_table_lookup (pass->region_index, site->region));

      if (index == 0)
        {
          g_array_set_size (counts, counts->len + 1);
          index = counts->len;
          g_hash_table_insert (pass->region_index, site->region, GUINT_TO_POINTER (index));
        }
      pass->site_region[s] = index - 1;
      g_array_index (counts, guint, index - 1)++;
    }
  pass->region_n_sites = (guint *) (void *) g_array_free (counts, FALSE);
}

static int
compare_cut_segments (gconstpointer a,
                      gconstpointer b,
                      gpointer      user_data)
{
  const Pass *pass = user_data;
  guint x = *(const guint *) a, y = *(const guint *) b;
  double rx = segment_risk (pass, x), ry = segment_risk (pass, y);

  if (rx != ry)
    return rx > ry ? -1 : 1;
  return x < y ? -1 : x > y;
}

/* The time of day in UTC, with the date when it is not today. */
static char *
format_eta (gint64 eta_s,
            gint64 now_s)
{
  g_autoptr(GDateTime) eta = g_date_time_new_from_unix_utc (eta_s);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (now_s);

  if (eta == NULL || now == NULL)
    return g_strdup ("time unknown");
  if (g_date_time_get_day_of_year (eta) != g_date_time_get_day_of_year (now)
      || g_date_time_get_year (eta) != g_date_time_get_year (now))
    return g_date_time_format (eta, "at %Y-%m-%d %H:%M UTC");
  return g_date_time_format (eta, "at %H:%M UTC");
}

/* "fra cut off from the origin if par--fra fails (p = 0.82, at 14:05 UTC)" */
static char *
describe_side (const Pass *pass,
               const Side *side)
{
  PmTopology *topology = pass->in->topology;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *when = NULL;
  guint shown = MIN (side->cut->len, MAX_REASON_SEGMENTS);

  g_string_append_printf (text, "%s cut off from the origin if ",
                          pm_topology_get_site (topology, side->users_site)->id);
  for (guint i = 0; i < shown; i++)
    {
      guint e = g_array_index (side->cut, guint, i);

      if (i > 0)
        g_string_append (text, i + 1 == shown && shown == side->cut->len ? " and " : ", ");
      g_string_append (text, pm_topology_get_segment (topology, e)->id);
    }
  if (shown < side->cut->len)
    g_string_append_printf (text, " and %u more", side->cut->len - shown);
  when = side->eta_s > 0 ? format_eta (side->eta_s, pass->in->now_s) : g_strdup ("time unknown");
  g_string_append_printf (text, " %s (p = %.2f, %s)", side->cut->len == 1 ? "fails" : "fail",
                          side->probability, when);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
side_prediction (const Pass *pass,
                 const Side *side)
{
  PmTopology *topology = pass->in->topology;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "failing_segments");
  json_builder_begin_array (builder);
  for (guint i = 0; i < MIN (side->cut->len, MAX_PREDICTION_SEGMENTS); i++)
    {
      guint e = g_array_index (side->cut, guint, i);
      gint64 eta = segment_eta (pass, e);

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "id");
      json_builder_add_string_value (builder, pm_topology_get_segment (topology, e)->id);
      json_builder_set_member_name (builder, "risk");
      json_builder_add_double_value (builder, segment_risk (pass, e));
      json_builder_set_member_name (builder, "eta");
      if (eta > 0)
        json_builder_add_int_value (builder, eta);
      else
        json_builder_add_null_value (builder);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "users_site");
  json_builder_add_string_value (builder, pm_topology_get_site (topology, side->users_site)->id);
  json_builder_set_member_name (builder, "isolation");
  json_builder_add_double_value (builder, side->probability);
  json_builder_end_object (builder);

  /* Compact, unlike the engine's documents: one goes with every proposal. */
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, NULL);
}

/* The highest risk among the site's segments to sites on its own side: see the top of the file. */
static double
own_risk (const Pass *pass,
          guint       site)
{
  PmTopology *topology = pass->in->topology;
  guint n_attached, n_inside = 0, n_known = 0;
  const guint *attached = pm_topology_get_site_segments (topology, site, &n_attached);
  double worst = 0;

  for (guint i = 0; i < n_attached; i++)
    {
      guint peer = pm_topology_segment_peer (topology, attached[i], site);
      double risk = segment_risk (pass, attached[i]);

      if (pass->component[peer] != pass->component[site])
        continue;
      n_inside++;
      if (isnan (risk))
        continue;
      n_known++;
      worst = MAX (worst, risk);
    }
  return n_inside > 0 && n_known == 0 ? NAN : worst;
}

static gboolean
in_storm (const Pass      *pass,
          const GPtrArray *storms,
          guint            site)
{
  PmLatLon p = pm_topology_get_site (pass->in->topology, site)->location;

  for (guint i = 0; i < storms->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (storms, i);

      if (pm_geo_point_in_polygon (p, event->polygon, event->n_polygon))
        return TRUE;
    }
  return FALSE;
}

/* The storms whose polygon a segment of the side's cut crosses or ends in. */
static GPtrArray *
storms_over_cut (const Pass *pass,
                 const Side *side)
{
  PmTopology *topology = pass->in->topology;
  GPtrArray *storms = g_ptr_array_new ();
  GPtrArray *events = pass->in->events;

  for (guint i = 0; events != NULL && i < events->len; i++)
    {
      const PmEvent *event = g_ptr_array_index (events, i);

      if (event->kind != PM_EVENT_WEATHER || event->polygon == NULL || event->n_polygon < 3)
        continue;
      for (guint j = 0; j < side->cut->len; j++)
        {
          const PmSegment *segment =
            pm_topology_get_segment (topology, g_array_index (side->cut, guint, j));

          if (pm_geo_segment_crosses_polygon (pm_topology_get_site (topology, segment->a)->location,
                                              pm_topology_get_site (topology, segment->b)->location,
                                              event->polygon, event->n_polygon))
            {
              g_ptr_array_add (storms, (gpointer) event);
              break;
            }
        }
    }
  return storms;
}

static void
prepare_candidates (const Pass *pass,
                    Side       *side,
                    GArray     *members)
{
  PmTopology *topology = pass->in->topology;
  g_autoptr(GPtrArray) storms = storms_over_cut (pass, side);
  g_autoptr(GArray) stormy = g_array_new (FALSE, FALSE, sizeof (Candidate));

  for (guint i = 0; i < members->len; i++)
    {
      guint site = g_array_index (members, guint, i);
      const PmSite *info = pm_topology_get_site (topology, site);
      Candidate candidate = { site, own_risk (pass, site) };

      if (info->role == PM_SITE_ROLE_CORE)
        continue;
      side->n_sites++;
      /* NAN fails this test too: unknown is not low. */
      if (!(candidate.risk <= pass->params->candidate_max_risk))
        side->n_risky++;
      else if (in_storm (pass, storms, site))
        g_array_append_val (stormy, candidate);
      else
        g_array_append_val (side->candidates, candidate);
    }
  /* A replica inside the storm may lose its path to the users with the cut, but it still serves
   * the clients of its own site, which nothing beyond the cut can: when the storm covers every
   * site that could take it (a site cut off alone, say), the side takes one of those. */
  if (side->candidates->len == 0 && stormy->len > 0)
    {
      g_array_append_vals (side->candidates, stormy->data, stormy->len);
      side->stormy = TRUE;
    }
  else
    side->n_in_storm = stormy->len;
}

/* Groups the at-risk sites into sides, and lists the sites of those sides in members (with
 * member_side the side of each). */
static void
find_sides (Pass           *pass,
            PmPlannerStats *stats,
            GArray         *members,
            GArray         *member_side)
{
  PmTopology *topology = pass->in->topology;
  int origin = pm_topology_get_origin (topology);
  guint origin_component = origin >= 0 ? pass->component[origin] : G_MAXUINT;
  g_autofree guint *region_here = g_new0 (guint, g_hash_table_size (pass->region_index));
  g_autoptr(GPtrArray) side_members =
    g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);

  for (guint c = 0; c < pass->n_components; c++)
    pass->side_of[c] = -1;

  for (guint s = 0; s < pass->n_sites; s++)
    {
      double isolation = pass->in->isolation != NULL ? pass->in->isolation[s] : NAN;
      guint c = pass->component[s];
      Side *side;

      if (!pm_planner_site_watched (pass->params, isolation))
        continue;
      /* Long shots are counted only by the proposals they get. */
      if (c == origin_component)
        {
          if (isolation >= pass->params->isolation_threshold)
            {
              stats->n_at_risk_sites++;
              stats->n_unidentified++;
            }
          continue;
        }
      stats->n_at_risk_sites += isolation >= pass->params->isolation_threshold;
      if (pass->side_of[c] < 0)
        {
          Side fresh = { c, s, isolation, 0, g_array_new (FALSE, FALSE, sizeof (guint)),
                         g_array_new (FALSE, FALSE, sizeof (RegionShare)),
                         g_array_new (FALSE, FALSE, sizeof (Candidate)), FALSE, 0, 0, 0, NULL,
                         NULL };

          pass->side_of[c] = (int) pass->sides->len;
          g_array_append_val (pass->sides, fresh);
          g_ptr_array_add (side_members, g_array_new (FALSE, FALSE, sizeof (guint)));
        }
      side = &g_array_index (pass->sides, Side, pass->side_of[c]);
      /* Sites come in index order: the first of equally isolated sites speaks for the side. */
      if (isolation > side->probability)
        {
          side->probability = isolation;
          side->users_site = s;
        }
    }

  for (guint e = 0; e < pass->n_segments; e++)
    {
      const PmSegment *segment = pm_topology_get_segment (topology, e);
      guint ca = pass->component[segment->a], cb = pass->component[segment->b];

      if (!pass->failing[e] || ca == cb)
        continue;
      for (guint k = 0; k < 2; k++)
        {
          int index = pass->side_of[k == 0 ? ca : cb];
          Side *side;
          gint64 eta = segment_eta (pass, e);

          if (index < 0)
            continue;
          side = &g_array_index (pass->sides, Side, index);
          g_array_append_val (side->cut, e);
          if (eta > 0 && (side->eta_s == 0 || eta < side->eta_s))
            side->eta_s = eta;
        }
    }

  for (guint s = 0; s < pass->n_sites; s++)
    {
      int index = pass->side_of[pass->component[s]];

      if (index >= 0)
        g_array_append_val (g_ptr_array_index (side_members, index), s);
    }

  for (guint i = 0; i < pass->sides->len; i++)
    {
      Side *side = &g_array_index (pass->sides, Side, i);
      GArray *sites = g_ptr_array_index (side_members, i);

      /* A piece apart from the origin with no failing segment around it is already cut off
       * (a disconnected topology): no predicted cut to mirror across. */
      if (side->cut->len == 0)
        {
          for (guint j = 0; j < sites->len; j++)
            {
              guint s = g_array_index (sites, guint, j);
              double isolation = pass->in->isolation[s];

              stats->n_unidentified += isolation >= pass->params->isolation_threshold;
            }
          continue;
        }
      if (cut_is_down (pass, side->cut))
        {
          stats->n_cut_now++;
          continue;
        }
      g_array_sort_with_data (side->cut, compare_cut_segments, pass);

      for (guint j = 0; j < sites->len; j++)
        region_here[pass->site_region[g_array_index (sites, guint, j)]]++;
      for (guint j = 0; j < sites->len; j++)
        {
          guint region = pass->site_region[g_array_index (sites, guint, j)];
          RegionShare share = { region,
                                (double) region_here[region] / pass->region_n_sites[region] };

          if (region_here[region] == 0)
            continue;
          region_here[region] = 0;
          g_array_append_val (side->regions, share);
        }

      prepare_candidates (pass, side, sites);
      side->reason_prefix = describe_side (pass, side);
      side->prediction = side_prediction (pass, side);
      for (guint j = 0; j < sites->len; j++)
        {
          g_array_append_val (members, g_array_index (sites, guint, j));
          g_array_append_val (member_side, i);
        }
    }
  stats->n_at_risk_components = 0;
  for (guint i = 0; i < pass->sides->len; i++)
    stats->n_at_risk_components += g_array_index (pass->sides, Side, i).cut->len > 0;
}

static void
heap_push (GArray   *heap,
           HeapEntry entry)
{
  guint i = heap->len;

  g_array_append_val (heap, entry);
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      HeapEntry *a = &g_array_index (heap, HeapEntry, parent);
      HeapEntry *b = &g_array_index (heap, HeapEntry, i);
      HeapEntry swap;

      if (a->value >= b->value)
        break;
      swap = *a;
      *a = *b;
      *b = swap;
      i = parent;
    }
}

static HeapEntry
heap_pop (GArray *heap)
{
  HeapEntry top = g_array_index (heap, HeapEntry, 0);
  guint i = 0;

  g_array_index (heap, HeapEntry, 0) = g_array_index (heap, HeapEntry, heap->len - 1);
  g_array_set_size (heap, heap->len - 1);
  for (;;)
    {
      guint left = 2 * i + 1, right = left + 1, best = i;
      HeapEntry swap;

      if (left < heap->len && g_array_index (heap, HeapEntry, left).value
                              > g_array_index (heap, HeapEntry, best).value)
        best = left;
      if (right < heap->len && g_array_index (heap, HeapEntry, right).value
                               > g_array_index (heap, HeapEntry, best).value)
        best = right;
      if (best == i)
        break;
      swap = g_array_index (heap, HeapEntry, i);
      g_array_index (heap, HeapEntry, i) = g_array_index (heap, HeapEntry, best);
      g_array_index (heap, HeapEntry, best) = swap;
      i = best;
    }
  return top;
}

/* Bytes per second along the widest path from origin to every site, over the network as it is
 * now (the copy starts before the cut): a modified Dijkstra on a max-heap. 0 = unreachable. */
static const double *
bottlenecks_from (Pass *pass,
                  guint origin)
{
  PmTopology *topology = pass->in->topology;
  double *width = g_hash_table_lookup (pass->bottlenecks, GUINT_TO_POINTER (origin + 1));
  g_autoptr(GArray) heap = NULL;

  if (width != NULL)
    return width;
  width = g_new0 (double, pass->n_sites);
  g_hash_table_insert (pass->bottlenecks, GUINT_TO_POINTER (origin + 1), width);
  heap = g_array_sized_new (FALSE, FALSE, sizeof (HeapEntry), pass->n_sites);
  width[origin] = INFINITY;
  heap_push (heap, (HeapEntry) { INFINITY, origin });
  while (heap->len > 0)
    {
      HeapEntry top = heap_pop (heap);
      guint n_attached;
      const guint *attached;

      if (top.value < width[top.site])
        continue;  /* a stale entry */
      attached = pm_topology_get_site_segments (topology, top.site, &n_attached);
      for (guint i = 0; i < n_attached; i++)
        {
          const PmSegment *segment = pm_topology_get_segment (topology, attached[i]);
          guint peer = pm_topology_segment_peer (topology, attached[i], top.site);
          double through = MIN (top.value, segment->bandwidth_bps / 8);

          if (through > width[peer])
            {
              width[peer] = through;
              heap_push (heap, (HeapEntry) { through, peer });
            }
        }
    }
  return width;
}

static double
transfer_seconds (Pass             *pass,
                  const PmResource *resource,
                  guint             target)
{
  double rate = pass->in->throughput_bps != NULL ? pass->in->throughput_bps[target] : 0;

  if (!(rate > 0))
    rate = bottlenecks_from (pass, resource->origin)[target];
  return rate > 0 ? resource->size_bytes / rate : NAN;
}

/* A small file that many need comes first; 0-byte files count as 1 KiB. */
static double
score_of (const PmResource *resource,
          double            probability,
          double            demand)
{
  return resource->criticality * probability * demand
         / (MAX (resource->size_bytes, 1024) / BYTES_PER_MIB);
}

static PmPlannedMirror *
plan_mirror (Pass             *pass,
             const Side       *side,
             guint             r,
             const PmResource *resource,
             guint             target,
             double            demand)
{
  PmPlannedMirror *mirror = g_new0 (PmPlannedMirror, 1);

  mirror->resource = r;
  mirror->target = target;
  mirror->users_site = side->users_site;
  mirror->probability = side->probability;
  mirror->eta_s = side->eta_s;
  mirror->bytes = resource->size_bytes;
  mirror->transfer_s = transfer_seconds (pass, resource, target);
  if (side->eta_s > 0)
    {
      mirror->deadline_s = side->eta_s
                           - (isnan (mirror->transfer_s) ? 0 : (gint64) ceil (mirror->transfer_s));
      mirror->late = mirror->deadline_s < pass->in->now_s;
    }
  mirror->benefit = demand;
  mirror->score = score_of (resource, side->probability, demand);
  mirror->reason = g_strdup_printf ("%s; no replica of %s on that side%s", side->reason_prefix,
                                    resource->id,
                                    side->stormy ? "; every site there is inside the storm" : "");
  mirror->prediction = g_strdup (side->prediction);
  return mirror;
}

static int
compare_mirrors (gconstpointer a,
                 gconstpointer b)
{
  const PmPlannedMirror *x = *(PmPlannedMirror * const *) a;
  const PmPlannedMirror *y = *(PmPlannedMirror * const *) b;

  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  if (x->resource != y->resource)
    return x->resource < y->resource ? -1 : 1;
  return x->target < y->target ? -1 : x->target > y->target;
}

void
pm_planner_params_init (PmPlannerParams *params)
{
  g_return_if_fail (params != NULL);

  params->isolation_threshold = DEFAULT_ISOLATION_THRESHOLD;
  params->long_shot_threshold = DEFAULT_LONG_SHOT_THRESHOLD;
  params->min_score = DEFAULT_MIN_SCORE;
  params->segment_threshold = DEFAULT_SEGMENT_THRESHOLD;
  params->candidate_max_risk = DEFAULT_CANDIDATE_MAX_RISK;
  params->horizon_s = 0;
}

gboolean
pm_planner_site_watched (const PmPlannerParams *params,
                         double                 isolation)
{
  /* NAN compares false: an unknown isolation is never at risk. */
  return isolation >= MIN (params->isolation_threshold, params->long_shot_threshold);
}

guint
pm_planner_split (PmTopology   *topology,
                  const double *risk,
                  double        segment_threshold,
                  guint        *component)
{
  guint n_segments;
  g_autofree gboolean *failing = NULL;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), 0);
  g_return_val_if_fail (component != NULL, 0);

  n_segments = pm_topology_get_n_segments (topology);
  failing = g_new (gboolean, n_segments);
  for (guint e = 0; e < n_segments; e++)
    failing[e] = risk != NULL && risk[e] >= segment_threshold;  /* NAN does not cut */
  return split (topology, failing, component);
}

/**
 * pm_planner_plan:
 * @input: what the planner reads
 * @params: (nullable): thresholds; NULL for the defaults
 * @stats: (out caller-allocates) (optional): what was found, including the losses no site can
 *   take; clear it with pm_planner_stats_clear()
 *
 * Returns: (transfer full): PmPlannedMirror, highest score first
 */
GPtrArray *
pm_planner_plan (const PmPlannerInput  *input,
                 const PmPlannerParams *params,
                 PmPlannerStats        *stats)
{
  PmPlannerParams defaults;
  PmPlannerStats local_stats = { 0 };
  GPtrArray *mirrors = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_planned_mirror_free);
  g_autoptr(GArray) members = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GArray) member_side = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree guint *has = NULL;
  g_autofree guint *underway = NULL;
  g_autofree double *region_demand = NULL;
  g_autofree int *demand_region = NULL;
  guint n_resources, n_regions, max_demand = 0;
  Pass pass = { 0 };

  g_return_val_if_fail (input != NULL && PM_IS_TOPOLOGY (input->topology), mirrors);
  g_return_val_if_fail (PM_IS_RESOURCES (input->resources), mirrors);

  if (params == NULL)
    {
      pm_planner_params_init (&defaults);
      params = &defaults;
    }
  if (stats == NULL)
    stats = &local_stats;
  memset (stats, 0, sizeof *stats);
  stats->no_candidate = g_array_new (FALSE, FALSE, sizeof (PmPlannerMiss));

  pass.in = input;
  pass.params = params;
  pass.n_sites = pm_topology_get_n_sites (input->topology);
  pass.n_segments = pm_topology_get_n_segments (input->topology);
  pass.failing = g_new (gboolean, pass.n_segments);
  pass.component = g_new (guint, pass.n_sites);
  pass.site_region = g_new (guint, pass.n_sites);
  pass.region_index = g_hash_table_new (g_str_hash, g_str_equal);
  pass.sides = g_array_new (FALSE, TRUE, sizeof (Side));
  g_array_set_clear_func (pass.sides, (GDestroyNotify) side_clear);
  pass.bottlenecks = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  mark_failing (&pass);
  for (guint e = 0; e < pass.n_segments; e++)
    stats->n_failing_segments += pass.failing[e];
  pass.n_components = split (input->topology, pass.failing, pass.component);
  stats->n_components = pass.n_components;
  pass.side_of = g_new (int, pass.n_components);
  index_regions (&pass);
  find_sides (&pass, stats, members, member_side);

  n_resources = pm_resources_get_n_resources (input->resources);
  n_regions = g_hash_table_size (pass.region_index);
  /* Per side, the last resource (+ 1) seen held there or underway there: no clearing per
   * resource. */
  has = g_new0 (guint, pass.sides->len);
  underway = g_new0 (guint, pass.sides->len);
  region_demand = g_new0 (double, n_regions);
  for (guint r = 0; r < n_resources; r++)
    max_demand = MAX (max_demand, pm_resources_get_resource (input->resources, r)->n_demand);
  demand_region = g_new (int, MAX (max_demand, 1));

  for (guint r = 0; r < n_resources && stats->n_at_risk_components > 0; r++)
    {
      const PmResource *resource = pm_resources_get_resource (input->resources, r);
      const guint8 *row = input->replicas != NULL ? input->replicas + (gsize) r * pass.n_sites
                                                  : NULL;
      int origin_side = pass.side_of[pass.component[resource->origin]];
      guint stamp = r + 1;

      if (origin_side >= 0)
        has[origin_side] = stamp;
      for (guint m = 0; row != NULL && m < members->len; m++)
        {
          guint8 value = row[g_array_index (members, guint, m)];

          if (value == PM_PLANNER_REPLICA_USABLE)
            has[g_array_index (member_side, guint, m)] = stamp;
          else if (value == PM_PLANNER_REPLICA_UNDERWAY)
            underway[g_array_index (member_side, guint, m)] = stamp;
        }

      /* The resource's demand by region index; regions no site is in are nobody's. */
      for (guint d = 0; d < resource->n_demand; d++)
        {
          guint index = GPOINTER_TO_UINT (g_hash_table_lookup (pass.region_index,
                                                               resource->demand[d].region));

          demand_region[d] = (int) index - 1;
          if (index > 0)
            region_demand[index - 1] += resource->demand[d].requests_per_hour;
        }

      for (guint i = 0; i < pass.sides->len; i++)
        {
          const Side *side = &g_array_index (pass.sides, Side, i);
          const Candidate *best = NULL;
          double demand = 0, best_demand = 0;
          guint n_full = 0;

          if (side->cut->len == 0 || has[i] == stamp)
            continue;
          for (guint j = 0; j < side->regions->len; j++)
            {
              const RegionShare *share = &g_array_index (side->regions, RegionShare, j);

              demand += share->share * region_demand[share->region];
            }
          if (!(demand > 0))
            continue;
          if (score_of (resource, side->probability, demand) < params->min_score)
            continue;
          stats->n_lost++;
          if (underway[i] == stamp)
            {
              stats->n_underway++;
              continue;
            }

          for (guint j = 0; j < side->candidates->len; j++)
            {
              const Candidate *candidate = &g_array_index (side->candidates, Candidate, j);
              double here = region_demand[pass.site_region[candidate->site]];

              if (input->free_bytes != NULL
                  && input->free_bytes[candidate->site] < resource->size_bytes)
                {
                  n_full++;
                  continue;
                }
              /* Candidates are in site order: on a full tie the earlier one stays. */
              if (best == NULL || candidate->risk < best->risk
                  || (candidate->risk == best->risk && here > best_demand))
                {
                  best = candidate;
                  best_demand = here;
                }
            }

          if (best != NULL)
            g_ptr_array_add (mirrors, plan_mirror (&pass, side, r, resource, best->site, demand));
          else
            {
              PmPlannerMiss miss = { r, side->users_site, side->probability, side->eta_s, demand,
                                     side->n_sites, n_full, side->n_risky, side->n_in_storm };

              stats->n_no_candidate++;
              g_array_append_val (stats->no_candidate, miss);
            }
        }

      for (guint d = 0; d < resource->n_demand; d++)
        if (demand_region[d] >= 0)
          region_demand[demand_region[d]] = 0;
    }

  g_ptr_array_sort (mirrors, compare_mirrors);

  g_free (pass.failing);
  g_free (pass.component);
  g_free (pass.site_region);
  g_free (pass.region_n_sites);
  g_free (pass.side_of);
  g_hash_table_unref (pass.region_index);
  g_array_unref (pass.sides);
  g_hash_table_unref (pass.bottlenecks);
  pm_planner_stats_clear (&local_stats);
  return mirrors;
}

void
pm_planned_mirror_free (PmPlannedMirror *mirror)
{
  if (mirror == NULL)
    return;
  g_free (mirror->reason);
  g_free (mirror->prediction);
  g_free (mirror);
}

void
pm_planner_stats_clear (PmPlannerStats *stats)
{
  g_clear_pointer (&stats->no_candidate, g_array_unref);
}

/* "no site can take crl-ocsp-bundle near fra: of 3 origin or edge sites there, 1 lacks space,
 * 2 are at risk themselves" */
char *
pm_planner_miss_describe (const PmPlannerMiss *miss,
                          PmResources         *resources)
{
  PmTopology *topology = pm_resources_get_topology (resources);
  const PmResource *resource = pm_resources_get_resource (resources, miss->resource);
  const char *site = pm_topology_get_site (topology, miss->users_site)->id;
  g_autoptr(GString) text = g_string_new (NULL);
  const char *sep = "";

  g_string_append_printf (text, "no site can take %s near %s: ", resource->id, site);
  if (miss->n_sites == 0)
    {
      g_string_append (text, "no origin or edge site on that side of the cut");
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  g_string_append_printf (text, "of %u origin or edge %s there, ", miss->n_sites,
                          miss->n_sites == 1 ? "site" : "sites");
  if (miss->n_full > 0)
    {
      g_string_append_printf (text, "%u %s space", miss->n_full,
                              miss->n_full == 1 ? "lacks" : "lack");
      sep = ", ";
    }
  if (miss->n_risky > 0)
    {
      g_string_append_printf (text, "%s%u %s at risk themselves", sep, miss->n_risky,
                              miss->n_risky == 1 ? "is" : "are");
      sep = ", ";
    }
  if (miss->n_in_storm > 0)
    g_string_append_printf (text, "%s%u %s inside the storm over the cut", sep, miss->n_in_storm,
                            miss->n_in_storm == 1 ? "is" : "are");
  return g_string_free (g_steal_pointer (&text), FALSE);
}
