/* pm-isolation.c: isolation risk of every site from segment failure probabilities.
 *
 * One computation, in order:
 * 1. Reduce. Sites joined by segments that cannot fail (risk 0) are one node (union-find);
 *    segments that surely fail (risk 1) and loops inside a node change nothing and go; parallel
 *    segments between two nodes become one that fails only when all of them fail (the product of
 *    their risks). Segments of unknown risk stay apart, never merged.
 * 2. Peel. A node that is not a root and has one segment left hangs off its neighbour: it is
 *    connected exactly when that segment is up and the neighbour is connected, two independent
 *    events, so its isolation follows in closed form from the neighbour's. Peeling repeats up
 *    pendant trees, so leaves and chains are exact even when the rest is sampled.
 * 3. Solve the core. Few uncertain segments: enumerate all their up/down states, 64 states per
 *    machine word, each weighted by its probability. Otherwise sample worlds, 64 per word and
 *    BLOCK_WORDS words per block: each segment gets one bit per world (up or down) and
 *    reachability spreads from the roots over whole words (reach[v] |= reach[u] & up[e]), so one
 *    pass over the graph serves 512 worlds. Every segment draws from its own random stream, keyed
 *    by the seed and its index: the result does not depend on the order of work, a segment's
 *    samples do not move when another segment's risk changes (smooth figures from tick to tick),
 *    and the worlds are the same for every set of roots, so pairwise answers agree.
 * 4. Unknown risks. Each block is propagated twice, with the unknown segments up and then down,
 *    over the same worlds. A site is connected in a superset of worlds in the first pass; where
 *    the two passes disagree in some world, the unknown segment decides and the site's answer is
 *    unknown (NAN), with the two passes as its bounds.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-isolation.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_WORDS (PM_ISOLATION_BLOCK_SAMPLES / 64)

/* Below this probability an outcome is drawn by geometric skipping (one logarithm per rare
 * event), above it by comparing a uniform number bit by bit with the probability (about seven
 * 64-bit draws per word of 64 worlds): the two cost the same near 1 %. */
#define RARE 0.01

/* Risks a hair outside [0, 1] are rounding, not garbage. */
#define RISK_SLACK 1e-9

/* Sources solved in one pass over the sampled worlds (bounds the memory of pairwise runs). */
#define MAX_SOURCES_PER_PASS 64

#define ALL_ONES G_GUINT64_CONSTANT (0xffffffffffffffff)

typedef enum
{
  RISK_SAFE,       /* never fails */
  RISK_UNCERTAIN,  /* 0 < risk < 1 */
  RISK_DOWN,       /* fails for sure */
  RISK_UNKNOWN,    /* NAN or out of range */
} RiskClass;

/* A segment of the reduced graph. */
typedef struct
{
  guint    u;        /* reduced nodes, u < v */
  guint    v;
  double   p;        /* failure probability, 0 < p < 1; unused when unknown */
  gboolean unknown;
  guint    key;      /* lowest segment index merged into it: names its random stream */
} Edge;

typedef struct
{
  guint node;
  guint edge;
} Arc;

/* Adjacency in compressed rows: arcs[offsets[v] .. offsets[v + 1]) leave node v; edge e is
 * arcs edge_arcs[2e] and edge_arcs[2e + 1]. */
typedef struct
{
  guint  n_nodes;
  guint  n_edges;
  guint *offsets;
  Arc   *arcs;
  guint *edge_arcs;
} Graph;

/* The roots one answer is measured from, as nodes of the graph being solved. */
typedef struct
{
  const guint *roots;
  guint        n_roots;
} Source;

typedef struct
{
  double   iso_lo;    /* isolation with unknown segments up */
  double   iso_hi;    /* … and down */
  double   se_lo;
  double   se_hi;
  gboolean affected;  /* an unknown segment decides the outcome in some world */
} NodeResult;

typedef enum
{
  SAMPLE_RARE_DOWN,  /* p < RARE: skip from failure to failure */
  SAMPLE_RARE_UP,    /* p > 1 − RARE: skip from survival to survival */
  SAMPLE_COMPARE,
} SampleKind;

typedef struct
{
  guint64    state;      /* splitmix64 */
  guint64    next;       /* rare kinds: world index of the next rare outcome */
  double     inv_log;    /* rare kinds: 1 / log (1 − q), q the rare outcome's probability */
  guint64    threshold;  /* compare: p as a 64-bit binary fraction */
  SampleKind kind;
} Sampler;

typedef struct
{
  double         *risk;
  PmIsolationInfo info;
} AsyncData;

struct _PmIsolation
{
  GObject           parent_instance;

  PmTopology       *topology;
  PmIsolationParams params;
  guint             n_sites;
  guint             n_segments;
  guint             origin;
  guint            *seg_a;
  guint            *seg_b;
  gint              busy;       /* atomic: a worker thread owns the workspace */

  /* The reduced graph of the risks being solved. */
  guint            *node_of_site;
  guint             n_nodes;
  GArray           *edges;      /* Edge */
  guint             n_unknown;
};

G_DEFINE_FINAL_TYPE (PmIsolation, pm_isolation, G_TYPE_OBJECT)

/* ---- random numbers ---- */

static inline guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static guint64
stream_seed (guint64 seed,
             guint   key)
{
  guint64 s = seed ^ ((guint64) key * G_GUINT64_CONSTANT (0xd1b54a32d192ed03));

  /* Two rounds so that neighbouring keys start far apart. */
  splitmix64 (&s);
  return splitmix64 (&s);
}

/* Worlds to skip before the next rare outcome: floor (log U / log (1 − q)), geometric. */
static inline guint64
geometric_skip (guint64 *state,
                double   inv_log)
{
  double u = (double) ((splitmix64 (state) >> 11) + 1) * 0x1.0p-53;  /* (0, 1] */
  double x = log (u) * inv_log;

  /* Also catches NAN (0 × ∞ when q is subnormal): the rare outcome never comes. */
  return x < 4e18 ? (guint64) x : G_GUINT64_CONSTANT (4000000000000000000);
}

/* 64 worlds at once: bit set where a uniform U < threshold / 2^64. U's bits are drawn from the
 * top one word at a time; a world is decided at its first bit that differs from the threshold,
 * so after about log2 (64) + 1 words every world is decided. */
static inline guint64
bernoulli_word (guint64 *state,
                guint64  threshold)
{
  guint64 undecided = ALL_ONES, below = 0;

  for (int bit = 63; bit >= 0 && undecided != 0; bit--)
    {
      guint64 r = splitmix64 (state);

      if ((threshold >> bit) & 1)
        {
          below |= undecided & ~r;
          undecided &= r;
        }
      else
        undecided &= ~r;
    }
  return below;
}

static void
sampler_init (Sampler *s,
              double   p,
              guint64  seed,
              guint    key)
{
  s->state = stream_seed (seed, key);
  if (p < RARE || p > 1 - RARE)
    {
      double q = p < RARE ? p : 1 - p;

      s->kind = p < RARE ? SAMPLE_RARE_DOWN : SAMPLE_RARE_UP;
      s->inv_log = 1.0 / log1p (-q);
      s->next = geometric_skip (&s->state, s->inv_log);
    }
  else
    {
      s->kind = SAMPLE_COMPARE;
      s->threshold = (guint64) ldexp (p, 64);
    }
}

/* The up bits of worlds [first, first + PM_ISOLATION_BLOCK_SAMPLES). */
static void
sampler_fill (Sampler *s,
              guint64  first,
              guint64 *up)
{
  guint64 end = first + PM_ISOLATION_BLOCK_SAMPLES;

  switch (s->kind)
    {
    case SAMPLE_RARE_DOWN:
    case SAMPLE_RARE_UP:
      {
        guint64 fill = s->kind == SAMPLE_RARE_DOWN ? ALL_ONES : 0;

        for (guint k = 0; k < BLOCK_WORDS; k++)
          up[k] = fill;
        while (s->next < end)
          {
            guint64 offset = s->next - first;

            up[offset >> 6] ^= G_GUINT64_CONSTANT (1) << (offset & 63);
            s->next += 1 + geometric_skip (&s->state, s->inv_log);
          }
      }
      break;
    case SAMPLE_COMPARE:
    default:
      for (guint k = 0; k < BLOCK_WORDS; k++)
        up[k] = ~bernoulli_word (&s->state, s->threshold);
      break;
    }
}

/* ---- graph helpers ---- */

static guint
uf_find (guint *parent,
         guint  x)
{
  while (parent[x] != x)
    {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
  return x;
}

static RiskClass
classify (double risk)
{
  if (!(risk >= -RISK_SLACK && risk <= 1 + RISK_SLACK))
    return RISK_UNKNOWN;
  if (risk <= 0)
    return RISK_SAFE;
  if (risk >= 1)
    return RISK_DOWN;
  return RISK_UNCERTAIN;
}

static int
compare_edges (gconstpointer a,
               gconstpointer b)
{
  const Edge *x = a, *y = b;

  if (x->u != y->u)
    return x->u < y->u ? -1 : 1;
  if (x->v != y->v)
    return x->v < y->v ? -1 : 1;
  if (x->unknown != y->unknown)
    return x->unknown ? 1 : -1;
  return x->key < y->key ? -1 : x->key > y->key;
}

static void
graph_build (Graph      *g,
             guint       n_nodes,
             const Edge *edges,
             guint       n_edges)
{
  g->n_nodes = n_nodes;
  g->n_edges = n_edges;
  g->offsets = g_new0 (guint, n_nodes + 1);
  g->arcs = g_new (Arc, 2 * (gsize) n_edges + 1);
  g->edge_arcs = g_new (guint, 2 * (gsize) n_edges + 1);
  for (guint e = 0; e < n_edges; e++)
    {
      g->offsets[edges[e].u + 1]++;
      g->offsets[edges[e].v + 1]++;
    }
  for (guint v = 0; v < n_nodes; v++)
    g->offsets[v + 1] += g->offsets[v];
  {
    g_autofree guint *fill = g_memdup2 (g->offsets, sizeof (guint) * n_nodes);

    for (guint e = 0; e < n_edges; e++)
      {
        g->edge_arcs[2 * e] = fill[edges[e].u];
        g->arcs[fill[edges[e].u]++] = (Arc) { edges[e].v, e };
        g->edge_arcs[2 * e + 1] = fill[edges[e].v];
        g->arcs[fill[edges[e].v]++] = (Arc) { edges[e].u, e };
      }
  }
}

static void
graph_clear (Graph *g)
{
  g_clear_pointer (&g->offsets, g_free);
  g_clear_pointer (&g->arcs, g_free);
  g_clear_pointer (&g->edge_arcs, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Graph, graph_clear)

/* Spreads reachability from the roots over a block of worlds: reach[v] gets the worlds in which
 * v is connected to some root. A FIFO worklist; a node is queued again only when it gained
 * worlds, so the work is close to one breadth-first pass per block (1.4 visits per node on the
 * benchmark's network). up holds one row per arc, not per edge, so that a node's arcs are read
 * in sequence: the walk is bound by memory, not by arithmetic. */
static void
propagate (const Graph   *g,
           const guint64 *restrict up,
           const Source  *source,
           guint64       *restrict reach,
           guint         *queue,
           guint8        *queued)
{
  guint head = 0, count = 0, n = g->n_nodes;

  memset (reach, 0, sizeof (guint64) * BLOCK_WORDS * n);
  for (guint r = 0; r < source->n_roots; r++)
    {
      guint root = source->roots[r];

      for (guint k = 0; k < BLOCK_WORDS; k++)
        reach[(gsize) root * BLOCK_WORDS + k] = ALL_ONES;
      if (!queued[root])
        {
          queued[root] = 1;
          queue[(head + count++) % n] = root;
        }
    }

  while (count > 0)
    {
      guint u = queue[head];
      guint64 ru[BLOCK_WORDS];

      /* A copy, so that the compiler knows the writes below cannot change it: the word loops
       * then vectorise. */
      memcpy (ru, reach + (gsize) u * BLOCK_WORDS, sizeof ru);
      head = head + 1 == n ? 0 : head + 1;
      count--;
      queued[u] = 0;
      for (guint j = g->offsets[u]; j < g->offsets[u + 1]; j++)
        {
          guint v = g->arcs[j].node;
          const guint64 *a = up + (gsize) j * BLOCK_WORDS;
          guint64 *rv = reach + (gsize) v * BLOCK_WORDS;
          guint64 gained = 0;

          for (guint k = 0; k < BLOCK_WORDS; k++)
            {
              guint64 add = ru[k] & a[k] & ~rv[k];

              rv[k] |= add;
              gained |= add;
            }
          if (gained != 0 && !queued[v])
            {
              queued[v] = 1;
              queue[(head + count++) % n] = v;
            }
        }
    }
}

/* Worlds of the block in which a node is not reached. Most nodes are reached in every world, so
 * that case is tested first; the count is a portable bit count (no popcnt instruction is assumed
 * on generic x86-64). */
static guint
unreached (const guint64 *reach)
{
  guint64 all = ALL_ONES;
  guint n = 0;

  for (guint k = 0; k < BLOCK_WORDS; k++)
    all &= reach[k];
  if (all == ALL_ONES)
    return 0;
  for (guint k = 0; k < BLOCK_WORDS; k++)
    {
      guint64 x = ~reach[k];

      x = x - ((x >> 1) & G_GUINT64_CONSTANT (0x5555555555555555));
      x = (x & G_GUINT64_CONSTANT (0x3333333333333333))
          + ((x >> 2) & G_GUINT64_CONSTANT (0x3333333333333333));
      x = (x + (x >> 4)) & G_GUINT64_CONSTANT (0x0f0f0f0f0f0f0f0f);
      n += (guint) ((x * G_GUINT64_CONSTANT (0x0101010101010101)) >> 56);
    }
  return n;
}

/* BLOCK_WORDS words of worlds, on a cache line of its own. */
typedef guint64 Row;

static Row *
rows_new (gsize n_rows)
{
  return g_aligned_alloc (n_rows * BLOCK_WORDS + BLOCK_WORDS, sizeof (guint64), 64);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Row, g_aligned_free)

/* An edge's up bits, onto both of its arcs. */
static inline void
set_edge (const Graph   *g,
          Row           *up,
          guint          e,
          const guint64 *words)
{
  memcpy (up + (gsize) g->edge_arcs[2 * e] * BLOCK_WORDS, words, sizeof (guint64) * BLOCK_WORDS);
  memcpy (up + (gsize) g->edge_arcs[2 * e + 1] * BLOCK_WORDS, words,
          sizeof (guint64) * BLOCK_WORDS);
}

static void
set_edge_all (const Graph *g,
              Row         *up,
              guint        e,
              guint64      word)
{
  guint64 words[BLOCK_WORDS];

  for (guint k = 0; k < BLOCK_WORDS; k++)
    words[k] = word;
  set_edge (g, up, e, words);
}

/* ---- the reduction ---- */

static void
reduce (PmIsolation  *self,
        const double *risk)
{
  g_autofree guint *parent = g_new (guint, self->n_sites);
  g_autofree guint *node_of_root = g_new (guint, self->n_sites);
  Edge *edges;
  guint kept = 0;

  for (guint s = 0; s < self->n_sites; s++)
    parent[s] = s;
  self->n_unknown = 0;
  for (guint i = 0; i < self->n_segments; i++)
    {
      RiskClass c = classify (risk[i]);

      if (c == RISK_SAFE)
        {
          guint ra = uf_find (parent, self->seg_a[i]), rb = uf_find (parent, self->seg_b[i]);
          if (ra != rb)
            parent[MAX (ra, rb)] = MIN (ra, rb);
        }
      else if (c == RISK_UNKNOWN)
        self->n_unknown++;
    }

  self->n_nodes = 0;
  for (guint s = 0; s < self->n_sites; s++)
    {
      guint root = uf_find (parent, s);

      if (root == s)
        node_of_root[s] = self->n_nodes++;
      self->node_of_site[s] = node_of_root[root];
    }

  g_array_set_size (self->edges, 0);
  for (guint i = 0; i < self->n_segments; i++)
    {
      RiskClass c = classify (risk[i]);
      guint u = self->node_of_site[self->seg_a[i]], v = self->node_of_site[self->seg_b[i]];
      Edge e;

      if ((c != RISK_UNCERTAIN && c != RISK_UNKNOWN) || u == v)
        continue;
      e = (Edge) { MIN (u, v), MAX (u, v), c == RISK_UNKNOWN ? NAN : risk[i],
                   c == RISK_UNKNOWN, i };
      g_array_append_val (self->edges, e);
    }

  /* Parallel known segments: the link is down only when all of them are. */
  g_array_sort (self->edges, compare_edges);
  edges = (Edge *) self->edges->data;
  for (guint i = 0; i < self->edges->len;)
    {
      guint j = i + 1;

      edges[kept] = edges[i];
      if (!edges[i].unknown)
        for (; j < self->edges->len && !edges[j].unknown && edges[j].u == edges[i].u
             && edges[j].v == edges[i].v; j++)
          edges[kept].p *= edges[j].p;
      kept++;
      i = j;
    }
  g_array_set_size (self->edges, kept);
}

/* ---- solving the core ---- */

typedef struct
{
  const Graph *core;
  const Edge  *edges;      /* the core's edges, known ones first */
  guint        n_known;
  const Source *sources;   /* in core nodes */
  guint        n_sources;
  double      *iso_lo;     /* [source × core node]: sampled count or enumerated mass */
  double      *iso_hi;
} CoreRun;

static gboolean
run_monte_carlo (const CoreRun *run,
                 guint          n_samples,
                 guint64        seed,
                 GCancellable  *cancellable)
{
  const Graph *g = run->core;
  gboolean has_unknown = g->n_edges > run->n_known;
  g_autofree Sampler *samplers = g_new (Sampler, run->n_known + 1);
  g_autoptr(Row) up = rows_new (2 * (gsize) g->n_edges);
  g_autoptr(Row) reach = rows_new (g->n_nodes);
  g_autofree guint *queue = g_new (guint, g->n_nodes + 1);
  g_autofree guint8 *queued = g_new0 (guint8, g->n_nodes + 1);

  for (guint e = 0; e < run->n_known; e++)
    sampler_init (&samplers[e], run->edges[e].p, seed, run->edges[e].key);

  for (guint64 first = 0; first < n_samples; first += PM_ISOLATION_BLOCK_SAMPLES)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      for (guint e = 0; e < run->n_known; e++)
        {
          guint64 words[BLOCK_WORDS];

          sampler_fill (&samplers[e], first, words);
          set_edge (g, up, e, words);
        }

      for (int pass = 0; pass < (has_unknown ? 2 : 1); pass++)
        {
          double *iso = pass == 0 ? run->iso_lo : run->iso_hi;

          for (guint e = run->n_known; e < g->n_edges; e++)
            set_edge_all (g, up, e, pass == 0 ? ALL_ONES : 0);
          for (guint s = 0; s < run->n_sources; s++)
            {
              double *row = iso + (gsize) s * g->n_nodes;

              propagate (g, up, &run->sources[s], reach, queue, queued);
              for (guint v = 0; v < g->n_nodes; v++)
                row[v] += unreached (reach + (gsize) v * BLOCK_WORDS);
            }
        }
    }
  if (!has_unknown)
    memcpy (run->iso_hi, run->iso_lo, sizeof (double) * run->n_sources * g->n_nodes);
  return TRUE;
}

/* Lane patterns: edge j (< 6) is down in lane l when bit j of l is set. */
static const guint64 lane_up[6] = {
  G_GUINT64_CONSTANT (0x5555555555555555), G_GUINT64_CONSTANT (0x3333333333333333),
  G_GUINT64_CONSTANT (0x0f0f0f0f0f0f0f0f), G_GUINT64_CONSTANT (0x00ff00ff00ff00ff),
  G_GUINT64_CONSTANT (0x0000ffff0000ffff), G_GUINT64_CONSTANT (0x00000000ffffffff),
};

static gboolean
run_exact (const CoreRun *run,
           GCancellable  *cancellable)
{
  const Graph *g = run->core;
  guint r = run->n_known, n_low = MIN (r, 6), n_high = r - n_low;
  guint64 n_words = G_GUINT64_CONSTANT (1) << n_high;
  guint64 lane_valid = n_low == 6 ? ALL_ONES
                                  : (G_GUINT64_CONSTANT (1) << (1u << n_low)) - 1;
  gboolean has_unknown = g->n_edges > r;
  double low_weight[64], table[8][256], high_weight[BLOCK_WORDS];
  guint64 valid[BLOCK_WORDS];
  g_autoptr(Row) up = rows_new (2 * (gsize) g->n_edges);
  g_autoptr(Row) reach = rows_new (g->n_nodes);
  g_autofree guint *queue = g_new (guint, g->n_nodes + 1);
  g_autofree guint8 *queued = g_new0 (guint8, g->n_nodes + 1);

  /* The probability of each lane's low-edge state, summed by byte of the lane mask so that the
   * mass of any set of lanes is eight table lookups. */
  for (guint l = 0; l < 64; l++)
    {
      low_weight[l] = (lane_valid >> l) & 1 ? 1.0 : 0.0;
      for (guint j = 0; j < n_low; j++)
        low_weight[l] *= (l >> j) & 1 ? run->edges[j].p : 1 - run->edges[j].p;
    }
  for (guint b = 0; b < 8; b++)
    for (guint byte = 0; byte < 256; byte++)
      {
        table[b][byte] = 0;
        for (guint i = 0; i < 8; i++)
          if ((byte >> i) & 1)
            table[b][byte] += low_weight[8 * b + i];
      }

  for (guint j = 0; j < n_low; j++)
    set_edge_all (g, up, j, lane_up[j]);

  for (guint64 first = 0; first < n_words; first += BLOCK_WORDS)
    {
      if (g_cancellable_is_cancelled (cancellable))
        return FALSE;
      for (guint k = 0; k < BLOCK_WORDS; k++)
        {
          valid[k] = first + k < n_words ? lane_valid : 0;
          high_weight[k] = first + k < n_words ? 1.0 : 0.0;
        }
      for (guint j = n_low; j < r; j++)
        {
          guint64 words[BLOCK_WORDS];

          for (guint k = 0; k < BLOCK_WORDS; k++)
            {
              gboolean down = ((first + k) >> (j - n_low)) & 1;

              words[k] = down ? 0 : ALL_ONES;
              high_weight[k] *= down ? run->edges[j].p : 1 - run->edges[j].p;
            }
          set_edge (g, up, j, words);
        }

      for (int pass = 0; pass < (has_unknown ? 2 : 1); pass++)
        {
          double *iso = pass == 0 ? run->iso_lo : run->iso_hi;

          for (guint e = r; e < g->n_edges; e++)
            set_edge_all (g, up, e, pass == 0 ? ALL_ONES : 0);
          for (guint s = 0; s < run->n_sources; s++)
            {
              double *row = iso + (gsize) s * g->n_nodes;

              propagate (g, up, &run->sources[s], reach, queue, queued);
              for (guint v = 0; v < g->n_nodes; v++)
                for (guint k = 0; k < BLOCK_WORDS; k++)
                  {
                    guint64 cut = ~reach[(gsize) v * BLOCK_WORDS + k] & valid[k];
                    double mass = 0;

                    if (cut == 0)
                      continue;
                    for (guint b = 0; b < 8; b++)
                      mass += table[b][(cut >> (8 * b)) & 0xff];
                    row[v] += high_weight[k] * mass;
                  }
            }
        }
    }
  if (!has_unknown)
    memcpy (run->iso_hi, run->iso_lo, sizeof (double) * run->n_sources * g->n_nodes);
  return TRUE;
}

static int
compare_known_first (gconstpointer a,
                     gconstpointer b)
{
  const Edge *x = a, *y = b;

  if (x->unknown != y->unknown)
    return x->unknown ? 1 : -1;
  return x->key < y->key ? -1 : x->key > y->key;
}

/* Isolation of a node hanging by a segment of risk p off a node of isolation iso_u. Written so
 * that a leaf off a root gets exactly p, and a leaf off a lost node exactly 1. */
static double
series (double p,
        double iso_u)
{
  return iso_u >= 1 ? 1 : p + iso_u * (1 - p);
}

static double
binomial_se (double isolated,
             guint  n)
{
  /* Shrunk half a world towards ½ so that an estimate of 0 or 1 still admits its doubt. */
  double p = (isolated + 0.5) / (n + 1.0);

  return sqrt (p * (1 - p) / n);
}

/* Solves the reduced graph for several sources (root sets, in site indices) at once: results
 * gets one NodeResult per source and reduced node. FALSE when cancelled. */
static gboolean
solve (PmIsolation        *self,
       const guint *const *site_roots,
       const guint        *n_site_roots,
       guint               n_sources,
       NodeResult         *results,
       PmIsolationInfo    *info,
       GCancellable       *cancellable)
{
  guint n_nodes = self->n_nodes, n_edges = self->edges->len;
  const Edge *edges = (const Edge *) self->edges->data;
  g_auto(Graph) graph = { 0 };
  g_autofree guint8 *is_root = g_new0 (guint8, n_nodes);
  g_autofree guint8 *peeled = g_new0 (guint8, n_nodes);
  g_autofree guint8 *removed = g_new0 (guint8, n_edges + 1);
  g_autofree guint *degree = g_new (guint, n_nodes);
  g_autofree guint *stack = g_new (guint, n_nodes);
  g_autofree guint *peel_node = g_new (guint, n_nodes);
  g_autofree guint *peel_edge = g_new (guint, n_nodes);
  g_autofree guint *label = g_new (guint, n_nodes);
  g_autofree guint8 *rooted = NULL;
  g_autofree guint *core_of = g_new (guint, n_nodes);
  g_autofree guint *core_roots = NULL;
  g_autofree Source *sources = g_new (Source, n_sources);
  g_autoptr(GArray) core_edges = g_array_new (FALSE, FALSE, sizeof (Edge));
  g_auto(Graph) core = { 0 };
  g_autofree double *iso_lo = NULL, *iso_hi = NULL;
  guint n_peeled = 0, depth = 0, n_labels = 0, n_core = 0, n_known = 0, total_roots = 0;
  gboolean exact;
  CoreRun run;

  graph_build (&graph, n_nodes, edges, n_edges);
  for (guint s = 0; s < n_sources; s++)
    for (guint r = 0; r < n_site_roots[s]; r++)
      {
        is_root[self->node_of_site[site_roots[s][r]]] = 1;
        total_roots++;
      }

  /* Peel pendant trees, leaves first. */
  for (guint v = 0; v < n_nodes; v++)
    {
      degree[v] = graph.offsets[v + 1] - graph.offsets[v];
      if (degree[v] == 1 && !is_root[v])
        stack[depth++] = v;
    }
  while (depth > 0)
    {
      guint v = stack[--depth], e = G_MAXUINT, u;

      if (peeled[v] || degree[v] != 1)
        continue;
      for (guint j = graph.offsets[v]; j < graph.offsets[v + 1]; j++)
        if (!removed[graph.arcs[j].edge])
          e = graph.arcs[j].edge;
      g_assert (e != G_MAXUINT);
      u = edges[e].u == v ? edges[e].v : edges[e].u;
      removed[e] = 1;
      peeled[v] = 1;
      degree[v] = 0;
      peel_node[n_peeled] = v;
      peel_edge[n_peeled++] = e;
      if (--degree[u] == 1 && !is_root[u])
        stack[depth++] = u;
    }

  /* Pieces of what is left that hold no root can never reach one: they are cut off for sure
   * and need no solving. */
  for (guint v = 0; v < n_nodes; v++)
    label[v] = G_MAXUINT;
  for (guint v = 0; v < n_nodes; v++)
    {
      if (peeled[v] || label[v] != G_MAXUINT)
        continue;
      label[v] = n_labels;
      stack[depth++] = v;
      while (depth > 0)
        {
          guint u = stack[--depth];

          for (guint j = graph.offsets[u]; j < graph.offsets[u + 1]; j++)
            if (!removed[graph.arcs[j].edge] && label[graph.arcs[j].node] == G_MAXUINT)
              {
                label[graph.arcs[j].node] = n_labels;
                stack[depth++] = graph.arcs[j].node;
              }
        }
      n_labels++;
    }
  rooted = g_new0 (guint8, (gsize) n_labels * n_sources + 1);
  for (guint s = 0; s < n_sources; s++)
    for (guint r = 0; r < n_site_roots[s]; r++)
      rooted[(gsize) s * n_labels + label[self->node_of_site[site_roots[s][r]]]] = 1;

  /* The core: what is neither peeled nor cut off for sure, numbered breadth first from the
   * roots so that the sampled walks read memory roughly in order. */
  for (guint v = 0; v < n_nodes; v++)
    {
      gboolean any = FALSE;

      for (guint s = 0; s < n_sources && !any && !peeled[v]; s++)
        any = rooted[(gsize) s * n_labels + label[v]];
      core_of[v] = any ? G_MAXUINT - 1 : G_MAXUINT;
    }
  for (guint s = 0, head = 0; s < n_sources; s++)
    for (guint r = 0; r < n_site_roots[s]; r++)
      {
        guint root = self->node_of_site[site_roots[s][r]];

        if (core_of[root] != G_MAXUINT - 1)
          continue;
        core_of[root] = n_core++;
        stack[depth++] = root;
        for (; head < depth; head++)
          {
            guint u = stack[head];

            for (guint j = graph.offsets[u]; j < graph.offsets[u + 1]; j++)
              if (!removed[graph.arcs[j].edge] && core_of[graph.arcs[j].node] == G_MAXUINT - 1)
                {
                  core_of[graph.arcs[j].node] = n_core++;
                  stack[depth++] = graph.arcs[j].node;
                }
          }
      }
  g_assert (depth == n_core);
  for (guint e = 0; e < n_edges; e++)
    if (!removed[e] && core_of[edges[e].u] != G_MAXUINT)
      {
        Edge c = edges[e];

        c.u = core_of[c.u];
        c.v = core_of[c.v];
        n_known += !c.unknown;
        g_array_append_val (core_edges, c);
      }
  g_array_sort (core_edges, compare_known_first);
  graph_build (&core, n_core, (const Edge *) core_edges->data, core_edges->len);

  core_roots = g_new (guint, total_roots + 1);
  total_roots = 0;
  for (guint s = 0; s < n_sources; s++)
    {
      sources[s].roots = core_roots + total_roots;
      sources[s].n_roots = n_site_roots[s];
      for (guint r = 0; r < n_site_roots[s]; r++)
        core_roots[total_roots++] = core_of[self->node_of_site[site_roots[s][r]]];
    }

  exact = self->params.method == PM_ISOLATION_EXACT
          ? n_known <= PM_ISOLATION_EXACT_LIMIT
          : self->params.method == PM_ISOLATION_AUTO && n_known <= self->params.max_exact_segments;
  iso_lo = g_new0 (double, (gsize) n_sources * n_core + 1);
  iso_hi = g_new0 (double, (gsize) n_sources * n_core + 1);
  run = (CoreRun) { &core, (const Edge *) core_edges->data, n_known, sources, n_sources,
                    iso_lo, iso_hi };
  if (n_core > 0
      && (exact ? !run_exact (&run, cancellable)
                : !run_monte_carlo (&run, self->params.n_samples, self->params.seed, cancellable)))
    return FALSE;

  for (guint s = 0; s < n_sources; s++)
    {
      NodeResult *row = results + (gsize) s * n_nodes;
      double n = self->params.n_samples;

      for (guint v = 0; v < n_nodes; v++)
        {
          guint c = core_of[v];

          if (peeled[v])
            continue;
          if (c == G_MAXUINT || !rooted[(gsize) s * n_labels + label[v]])
            {
              row[v] = (NodeResult) { 1, 1, 0, 0, FALSE };
              continue;
            }
          if (exact)
            row[v] = (NodeResult) { iso_lo[(gsize) s * n_core + c], iso_hi[(gsize) s * n_core + c],
                                    0, 0, FALSE };
          else
            {
              double lo = iso_lo[(gsize) s * n_core + c], hi = iso_hi[(gsize) s * n_core + c];

              row[v] = (NodeResult) { lo / n, hi / n, binomial_se (lo, (guint) n),
                                      binomial_se (hi, (guint) n), FALSE };
            }
          /* Connected in fewer worlds with the unknown segments down: they decide somewhere. */
          row[v].affected = row[v].iso_hi != row[v].iso_lo;
        }
      for (guint r = 0; r < sources[s].n_roots; r++)
        row[self->node_of_site[site_roots[s][r]]] = (NodeResult) { 0, 0, 0, 0, FALSE };

      /* Pendant trees, from the core outwards. */
      for (guint i = n_peeled; i-- > 0;)
        {
          guint v = peel_node[i];
          const Edge *e = &edges[peel_edge[i]];
          const NodeResult *parent = &row[e->u == v ? e->v : e->u];

          if (e->unknown)
            row[v] = (NodeResult) { parent->iso_lo, 1, parent->se_lo, 0,
                                    parent->affected || parent->iso_lo < 1 };
          else
            row[v] = (NodeResult) { series (e->p, parent->iso_lo), series (e->p, parent->iso_hi),
                                    parent->se_lo * (1 - e->p), parent->se_hi * (1 - e->p),
                                    parent->affected };
        }
    }

  if (info != NULL)
    *info = (PmIsolationInfo) {
      .method = exact ? PM_ISOLATION_EXACT : PM_ISOLATION_MONTE_CARLO,
      .n_nodes = n_nodes,
      .n_core = n_core,
      .n_uncertain = n_known,
      .n_unknown = self->n_unknown,
      .n_samples = exact ? 0 : self->params.n_samples,
    };
  return TRUE;
}

static PmIsolationEstimate
estimate_from (const NodeResult *r)
{
  if (r->affected)
    return (PmIsolationEstimate) { NAN, MAX (r->se_lo, r->se_hi), r->iso_lo, r->iso_hi };
  return (PmIsolationEstimate) { r->iso_lo, r->se_lo, r->iso_lo, r->iso_lo };
}

static gboolean
compute_from (PmIsolation         *self,
              const double        *segment_risk,
              const guint         *roots,
              guint                n_roots,
              PmIsolationEstimate *out,
              PmIsolationInfo     *info,
              GCancellable        *cancellable)
{
  g_autofree NodeResult *results = NULL;

  reduce (self, segment_risk);
  results = g_new (NodeResult, self->n_nodes);
  if (!solve (self, &roots, &n_roots, 1, results, info, cancellable))
    return FALSE;
  for (guint s = 0; s < self->n_sites; s++)
    out[s] = estimate_from (&results[self->node_of_site[s]]);
  return TRUE;
}

/* ---- GObject ---- */

static void
pm_isolation_finalize (GObject *object)
{
  PmIsolation *self = PM_ISOLATION (object);

  g_clear_object (&self->topology);
  g_free (self->seg_a);
  g_free (self->seg_b);
  g_free (self->node_of_site);
  g_clear_pointer (&self->edges, g_array_unref);

  G_OBJECT_CLASS (pm_isolation_parent_class)->finalize (object);
}

static void
pm_isolation_class_init (PmIsolationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_isolation_finalize;
}

static void
pm_isolation_init (PmIsolation *self)
{
  pm_isolation_params_init (&self->params);
  self->edges = g_array_new (FALSE, FALSE, sizeof (Edge));
}

/* ---- public API ---- */

void
pm_isolation_params_init (PmIsolationParams *params)
{
  *params = (PmIsolationParams) {
    .method = PM_ISOLATION_AUTO,
    .max_exact_segments = PM_ISOLATION_DEFAULT_MAX_EXACT,
    .n_samples = PM_ISOLATION_DEFAULT_SAMPLES,
    .seed = PM_ISOLATION_DEFAULT_SEED,
  };
}

PmIsolation *
pm_isolation_new (PmTopology *topology)
{
  PmIsolation *self;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);

  self = g_object_new (PM_TYPE_ISOLATION, NULL);
  self->topology = g_object_ref (topology);
  self->n_sites = pm_topology_get_n_sites (topology);
  self->n_segments = pm_topology_get_n_segments (topology);
  self->origin = (guint) MAX (pm_topology_get_origin (topology), 0);
  self->seg_a = g_new (guint, self->n_segments + 1);
  self->seg_b = g_new (guint, self->n_segments + 1);
  for (guint i = 0; i < self->n_segments; i++)
    {
      self->seg_a[i] = pm_topology_get_segment (topology, i)->a;
      self->seg_b[i] = pm_topology_get_segment (topology, i)->b;
    }
  self->node_of_site = g_new (guint, self->n_sites + 1);
  return self;
}

PmTopology *
pm_isolation_get_topology (PmIsolation *self)
{
  g_return_val_if_fail (PM_IS_ISOLATION (self), NULL);

  return self->topology;
}

void
pm_isolation_get_params (PmIsolation       *self,
                         PmIsolationParams *params)
{
  g_return_if_fail (PM_IS_ISOLATION (self));

  *params = self->params;
}

void
pm_isolation_set_params (PmIsolation             *self,
                         const PmIsolationParams *params)
{
  g_return_if_fail (PM_IS_ISOLATION (self));
  g_return_if_fail (params != NULL);
  g_return_if_fail (!g_atomic_int_get (&self->busy));

  self->params = *params;
  /* Enumeration doubles with every segment: never let AUTO wander past what EXACT allows. */
  self->params.max_exact_segments = MIN (self->params.max_exact_segments,
                                         PM_ISOLATION_EXACT_LIMIT);
  self->params.n_samples = MAX (self->params.n_samples, 1);
  self->params.n_samples = MIN (self->params.n_samples, G_MAXUINT - PM_ISOLATION_BLOCK_SAMPLES);
  self->params.n_samples = (self->params.n_samples + PM_ISOLATION_BLOCK_SAMPLES - 1)
                           / PM_ISOLATION_BLOCK_SAMPLES * PM_ISOLATION_BLOCK_SAMPLES;
}

void
pm_isolation_compute (PmIsolation         *self,
                      const double        *segment_risk,
                      PmIsolationEstimate *out,
                      PmIsolationInfo     *info)
{
  g_return_if_fail (PM_IS_ISOLATION (self));

  pm_isolation_compute_from (self, segment_risk, &self->origin, 1, out, info);
}

void
pm_isolation_compute_from (PmIsolation         *self,
                           const double        *segment_risk,
                           const guint         *roots,
                           guint                n_roots,
                           PmIsolationEstimate *out,
                           PmIsolationInfo     *info)
{
  g_return_if_fail (PM_IS_ISOLATION (self));
  g_return_if_fail (segment_risk != NULL || self->n_segments == 0);
  g_return_if_fail (roots != NULL || n_roots == 0);
  g_return_if_fail (out != NULL);
  g_return_if_fail (!g_atomic_int_get (&self->busy));
  for (guint r = 0; r < n_roots; r++)
    g_return_if_fail (roots[r] < self->n_sites);

  compute_from (self, segment_risk, roots, n_roots, out, info, NULL);
}

static int
compare_pairs_by_a (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  const PmSitePair *pairs = user_data;
  guint x = *(const guint *) a, y = *(const guint *) b;

  if (pairs[x].a != pairs[y].a)
    return pairs[x].a < pairs[y].a ? -1 : 1;
  return x < y ? -1 : x > y;
}

void
pm_isolation_compute_pairs (PmIsolation         *self,
                            const double        *segment_risk,
                            const PmSitePair    *pairs,
                            guint                n_pairs,
                            PmIsolationEstimate *out,
                            PmIsolationInfo     *info)
{
  g_autofree guint *order = NULL;
  g_autofree NodeResult *results = NULL;
  const guint *roots[MAX_SOURCES_PER_PASS];
  guint n_roots[MAX_SOURCES_PER_PASS];
  guint source_of_a[MAX_SOURCES_PER_PASS];

  g_return_if_fail (PM_IS_ISOLATION (self));
  g_return_if_fail (segment_risk != NULL || self->n_segments == 0);
  g_return_if_fail (pairs != NULL || n_pairs == 0);
  g_return_if_fail (out != NULL || n_pairs == 0);
  g_return_if_fail (!g_atomic_int_get (&self->busy));
  for (guint i = 0; i < n_pairs; i++)
    g_return_if_fail (pairs[i].a < self->n_sites && pairs[i].b < self->n_sites);

  reduce (self, segment_risk);
  order = g_new (guint, n_pairs + 1);
  for (guint i = 0; i < n_pairs; i++)
    order[i] = i;
  g_qsort_with_data (order, (gint) n_pairs, sizeof (guint), compare_pairs_by_a, (gpointer) pairs);
  results = g_new (NodeResult, (gsize) MAX_SOURCES_PER_PASS * self->n_nodes);
  if (info != NULL)
    *info = (PmIsolationInfo) { 0 };

  /* Distinct a sites, MAX_SOURCES_PER_PASS at a time; every pass samples the same worlds. */
  for (guint start = 0; start < n_pairs;)
    {
      guint n_sources = 0, end = start;

      while (end < n_pairs)
        {
          const guint *a = &pairs[order[end]].a;

          if (n_sources == 0 || *a != *roots[n_sources - 1])
            {
              if (n_sources == MAX_SOURCES_PER_PASS)
                break;
              roots[n_sources] = a;
              n_roots[n_sources++] = 1;
            }
          source_of_a[n_sources - 1] = *a;
          end++;
        }
      solve (self, roots, n_roots, n_sources, results, info, NULL);
      for (guint i = start, s = 0; i < end; i++)
        {
          const PmSitePair *pair = &pairs[order[i]];

          while (source_of_a[s] != pair->a)
            s++;
          out[order[i]] = estimate_from (&results[(gsize) s * self->n_nodes
                                                  + self->node_of_site[pair->b]]);
        }
      start = end;
    }
}

static void
async_data_free (gpointer data)
{
  AsyncData *d = data;

  g_free (d->risk);
  g_free (d);
}

static void
compute_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PmIsolation *self = source_object;
  AsyncData *d = task_data;
  g_autoptr(GArray) estimates = g_array_sized_new (FALSE, FALSE, sizeof (PmIsolationEstimate),
                                                   self->n_sites);
  gboolean done;

  g_array_set_size (estimates, self->n_sites);
  done = compute_from (self, d->risk, &self->origin, 1, (PmIsolationEstimate *) estimates->data,
                       &d->info, cancellable);
  /* The workspace is free again before the result travels back to the caller's context. */
  g_atomic_int_set (&self->busy, FALSE);
  if (!done)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "Isolation computation cancelled");
  else
    g_task_return_pointer (task, g_steal_pointer (&estimates), (GDestroyNotify) g_array_unref);
}

void
pm_isolation_compute_async (PmIsolation         *self,
                            const double        *segment_risk,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AsyncData *d;

  g_return_if_fail (PM_IS_ISOLATION (self));
  g_return_if_fail (segment_risk != NULL || self->n_segments == 0);
  g_return_if_fail (!g_atomic_int_get (&self->busy));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, pm_isolation_compute_async);
  d = g_new0 (AsyncData, 1);
  d->risk = g_memdup2 (segment_risk, sizeof (double) * self->n_segments);
  g_task_set_task_data (task, d, async_data_free);
  g_atomic_int_set (&self->busy, TRUE);
  g_task_run_in_thread (task, compute_thread);
}

GArray *
pm_isolation_compute_finish (PmIsolation     *self,
                             GAsyncResult    *result,
                             PmIsolationInfo *info,
                             GError         **error)
{
  GArray *estimates;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == pm_isolation_compute_async,
                        NULL);

  estimates = g_task_propagate_pointer (G_TASK (result), error);
  if (estimates != NULL && info != NULL)
    *info = ((AsyncData *) g_task_get_task_data (G_TASK (result)))->info;
  return estimates;
}
