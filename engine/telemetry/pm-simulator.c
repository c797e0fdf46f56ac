/* pm-simulator.c: the embedded, seeded, deterministic metric source with ground truth.
 *
 * Everything is a pure function of the seed:
 *
 * - A sample is computed from (seed, segment, time) with a counter-based generator (a 64-bit
 *   mixing function of those three), never from a sequential stream, so any window can be
 *   sampled in any order and gives the same bytes, and sampling costs a few hashes.
 * - Failures are generated per block of PM_SIM_BLOCK_S of virtual time ("generation block"),
 *   each from hash (seed, block, kind) alone. A failure starts in its generation block and may
 *   last into the next PM_SIM_LOOKBACK_BLOCKS ones, so the state at any time depends on a fixed
 *   window of blocks and a console running for days generates them lazily.
 * - Conflicts are resolved by a rule that reads only generated candidates, never other
 *   resolutions (which would chain back to the beginning of time): a failure is dropped when it
 *   would overlap one that shows earlier on the same segment, kept or not.
 * - Sudden cuts are placed last, per block, between the failures kept there, in a number tied to
 *   the foreseeable cuts of the block, which is what holds their share in every seed.
 *
 * For speed, each block ("effect block") is compiled into a per-segment list of effects (cut,
 * degradation ramp, storm, reroute) overlapping it; a sample of a segment with an empty list
 * is only the baseline model.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-simulator.h"

#include <math.h>
#include <string.h>

#include "model/pm-event-list.h"
#include "pm-sim-params.h"
#include "pm-step-private.h"

#define DAY_S           86400
#define WEEK_S          (7 * DAY_S)
#define KM_PER_DEGREE   111.19
#define STORM_TICK_S    300
#define STORM_SLICE_S   3600
#define STORM_VERTICES  12
#define STORM_MIN_LIFE_S (2 * 3600)
#define CACHE_MAX_GENS  96
#define CACHE_MAX_BLOCKS 48
#define SUDDEN_ATTEMPTS 48

/* Streams keep the draws of different purposes independent of each other. */
enum
{
  STREAM_PARAMS = 1,
  STREAM_SEGMENT,
  STREAM_DEGRADATION,
  STREAM_MAINTENANCE,
  STREAM_STORM,
  STREAM_SUDDEN,
  STREAM_WANDER,
};

typedef struct
{
  guint64  key;          /* hash of the seed and the segment id: its noise and failure streams */
  guint64  wander_key;
  gint64   tz_s;         /* local solar time minus UTC, from the segment's mid longitude */
  double   rtt_ms;
  double   queue_ms;
  double   sigma_ms;     /* latency noise σ at zero load */
  double   wander_ms;
  double   jitter_ms;
  double   jitter_peak_ms;
  double   loss_base;
  double   loss_peak;
  double   flakiness;
  PmLatLon a;
  PmLatLon b;
  double   min_lat, max_lat, min_lon, max_lon;
} SegState;

typedef struct
{
  PmPartitionKind kind;
  guint    segment;
  guint    index;        /* in its generation block: the tie-break after the onset */
  gint64   gen;
  gint64   onset_s;      /* first visible effect */
  gint64   peak_s;       /* degradation: end of the ramp; weather: the storm leaves */
  gint64   end_s;        /* last visible effect if everything planned happens */
  gint64   cut_start_s;  /* -1: no cut planned */
  gint64   cut_end_s;
  gboolean candidate;    /* takes part in the overlap rule */
  gboolean kept;
  float    e0;           /* degradation shape */
  float    exponent;
  float    peak_sigma;
  float    peak_loss;
  float    amplitude;    /* weather: loss at the peak; maintenance: reroute latency (ms) */
  guint    storm;        /* weather: index in the generation block's storms */
} Episode;

typedef struct
{
  gint64   t0;
  gint64   life_s;
  PmLatLon centre_mid;   /* centre at mid-life */
  double   heading;      /* radians, counter-clockwise from east */
  double   speed_kmh;
  double   a_km;         /* semi-axes, the major one along the heading */
  double   b_km;
  gboolean can_cut;
  gboolean severe;
} Storm;

typedef struct
{
  guint    segment;
  guint    index;
  gint64   issued_s;
  gint64   start_s;
  gint64   end_s;
  PmImpact impact;
} Maintenance;

/* A time a segment is spoken for: by a failure (hard: no other may overlap it), or by a
 * maintenance window, a weather alert, a storm's passage (soft: a warning a sudden cut avoids
 * where it can). */
typedef struct
{
  guint    segment;
  gboolean hard;
  gint64   from;
  gint64   to;
} Busy;

typedef struct
{
  gint64   index;        /* first member: the hash table key points at it */
  GArray  *episodes;     /* Episode */
  GArray  *alerted;      /* Busy: segments under a published weather alert, and when */
  GArray  *storms;       /* Storm */
  GArray  *maintenance;  /* Maintenance */
  gboolean resolved;     /* kept flags computed */
} Gen;

typedef enum
{
  EFFECT_CUT,
  EFFECT_RAMP,
  EFFECT_STORM,
  EFFECT_REROUTE,
} EffectType;

typedef struct
{
  gint64     t0;
  gint64     t1;
  EffectType type;
  float      e0;
  float      exponent;
  float      peak_sigma;
  float      peak_loss;
  float      amplitude;
  gint64     peak_s;     /* ramp: end of the rise */
  gint64     env_t0;     /* storm: its life, for the intensity envelope */
  gint64     env_len;
} Effect;

typedef struct
{
  gint64  index;         /* first member: the hash table key points at it */
  GArray *sudden;        /* Episode */
  guint  *offsets;       /* n_segments + 1, into effects */
  Effect *effects;
  guint   n_effects;
} Block;

struct _PmSimulator
{
  GObject           parent_instance;

  PmTopology       *topology;
  PmSimulatorConfig config;
  PmSimParams       params;
  guint64           key;
  guint             n_segments;
  SegState         *segs;
  float            *load;          /* by local minute of the week, Monday 00:00 first */
  guint32           spike_threshold;

  GMutex            lock;          /* the caches below fill lazily from any entry point */
  GHashTable       *gens;          /* gint64 → Gen */
  GHashTable       *blocks;        /* gint64 → Block */
  Block            *last_block;

  gboolean          advanced;
  gint64            last_s;        /* newest time written by advance */
};

static void pm_simulator_source_iface_init (PmSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PmSimulator, pm_simulator, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PM_TYPE_SOURCE,
                                                      pm_simulator_source_iface_init))

/* Random numbers ------------------------------------------------------------------------------- */

/* The splitmix64 finaliser: a bijection with full avalanche, the whole cost of a draw. */
static inline guint64
mix64 (guint64 x)
{
  x ^= x >> 30;
  x *= G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x ^= x >> 27;
  x *= G_GUINT64_CONSTANT (0x94d049bb133111eb);
  x ^= x >> 31;
  return x;
}

#define GOLDEN G_GUINT64_CONSTANT (0x9e3779b97f4a7c15)

typedef struct
{
  guint64 state;
} Rng;

static Rng
rng_for (guint64 key,
         guint64 stream,
         gint64  a,
         guint64 b)
{
  Rng rng;

  rng.state = mix64 (mix64 (mix64 (key ^ (stream * GOLDEN)) + (guint64) a * GOLDEN) ^ b);
  return rng;
}

static guint64
rng_next (Rng *rng)
{
  rng->state += GOLDEN;
  return mix64 (rng->state);
}

static double
rng_uniform (Rng *rng)
{
  return (double) (rng_next (rng) >> 11) * 0x1.0p-53;
}

static double
rng_range (Rng   *rng,
           double lo,
           double hi)
{
  return lo + (hi - lo) * rng_uniform (rng);
}

static guint
rng_index (Rng  *rng,
           guint n)
{
  return (guint) (((rng_next (rng) >> 32) * n) >> 32);
}

/* Knuth's method: the rates here give λ of a few at most. */
static guint
rng_poisson (Rng   *rng,
             double lambda)
{
  double limit = exp (-lambda);
  double p = 1.0;
  guint k = 0;

  do
    {
      k++;
      p *= rng_uniform (rng);
    }
  while (p > limit && k < 1000);
  return k - 1;
}

/* An approximately standard normal variate from 64 bits: the sum of four 16-bit uniforms
 * (Irwin–Hall), bounded at ±3.46, which keeps noise from ever faking a failure by itself. */
static inline double
normal_from_bits (guint64 h)
{
  double sum = (double) ((h & 0xffff) + ((h >> 16) & 0xffff) + ((h >> 32) & 0xffff) + (h >> 48));
  return (sum - 131070.0) * (1.0 / 37837.23);
}

static guint64
fnv1a64 (const char *text)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);

  for (const unsigned char *p = (const unsigned char *) text; *p != '\0'; p++)
    h = (h ^ *p) * G_GUINT64_CONSTANT (0x100000001b3);
  return h;
}

static inline gint64
floor_mod (gint64 a,
           gint64 b)
{
  gint64 r = a % b;
  return r < 0 ? r + b : r;
}

/* Set-up --------------------------------------------------------------------------------------- */

static void
draw_params (guint64      key,
             PmSimParams *params)
{
  Rng rng = rng_for (key, STREAM_PARAMS, 0, 0);

  for (guint i = 0; i < G_N_ELEMENTS (pm_sim_param_specs); i++)
    {
      const PmSimParamSpec *spec = &pm_sim_param_specs[i];
      double *field = (double *) ((char *) params + spec->offset);

      *field = rng_range (&rng, spec->min, spec->max);
    }
}

static void
build_load_table (PmSimulator *self)
{
  const PmSimParams *p = &self->params;

  self->load = g_new (float, WEEK_S / 60);
  for (guint day = 0; day < 7; day++)
    for (guint minute = 0; minute < DAY_S / 60; minute++)
      {
        double hour = minute / 60.0;
        double distance = fabs (hour - p->peak_hour);
        double bump, scale = day >= 5 ? p->weekend_peak : 1.0;

        distance = MIN (distance, 24.0 - distance);
        bump = exp (-0.5 * (distance / p->peak_width_h) * (distance / p->peak_width_h));
        self->load[day * (DAY_S / 60) + minute] =
          (float) (p->trough_load + (1.0 - p->trough_load) * bump * scale);
      }
}

static void
build_segments (PmSimulator *self)
{
  const PmSimParams *p = &self->params;

  self->segs = g_new0 (SegState, self->n_segments);
  for (guint i = 0; i < self->n_segments; i++)
    {
      const PmSegment *segment = pm_topology_get_segment (self->topology, i);
      SegState *seg = &self->segs[i];
      Rng rng;
      double route, mid_lon;

      /* Keyed by id, not index: a segment keeps its behaviour when the topology is reordered. */
      seg->key = mix64 (self->key ^ fnv1a64 (segment->id));
      seg->wander_key = mix64 (seg->key ^ (STREAM_WANDER * GOLDEN));
      rng = rng_for (seg->key, STREAM_SEGMENT, 0, 0);

      seg->a = pm_topology_get_site (self->topology, segment->a)->location;
      seg->b = pm_topology_get_site (self->topology, segment->b)->location;
      seg->min_lat = MIN (seg->a.lat, seg->b.lat);
      seg->max_lat = MAX (seg->a.lat, seg->b.lat);
      seg->min_lon = MIN (seg->a.lon, seg->b.lon);
      seg->max_lon = MAX (seg->a.lon, seg->b.lon);
      mid_lon = (seg->a.lon + seg->b.lon) / 2;
      seg->tz_s = (gint64) lround (mid_lon * 240.0);

      route = rng_range (&rng, 1.1, p->route_factor_max);
      seg->rtt_ms = p->ms_per_100km * segment->length_km * route / 100.0
                    + rng_range (&rng, 0.1, p->equipment_ms_max);
      seg->sigma_ms = MIN (p->noise_floor_ms + p->noise_frac * seg->rtt_ms, seg->rtt_ms / 5);
      seg->wander_ms = p->wander * seg->sigma_ms;
      seg->queue_ms = p->queue_ms * rng_range (&rng, 0.5, 1.5);
      seg->jitter_ms = p->jitter_ms * rng_range (&rng, 0.5, 1.5);
      seg->jitter_peak_ms = p->jitter_peak_ms * rng_range (&rng, 0.5, 1.5);
      seg->loss_base = p->loss_base * rng_range (&rng, 0.5, 1.5);
      seg->loss_peak = p->loss_peak * rng_range (&rng, 0.5, 1.5);
      seg->flakiness = rng_range (&rng, 0.3, 1.7);
    }
}

/* Samples -------------------------------------------------------------------------------------- */

static void
sample_clean (PmSimulator    *self,
              const SegState *seg,
              gint64          t,
              double         *latency,
              double         *jitter,
              double         *loss)
{
  gint64 minute = floor_mod (t + seg->tz_s + 3 * DAY_S, WEEK_S) / 60;  /* 1970-01-01: Thursday */
  double load = self->load[minute];
  guint64 h1 = mix64 (seg->key + (guint64) t * GOLDEN);
  guint64 h2 = mix64 (h1 ^ G_GUINT64_CONSTANT (0xd6e8feb86659fd93));
  guint64 h3 = mix64 (h2 ^ G_GUINT64_CONSTANT (0xa0761d6478bd642f));
  guint64 h4 = mix64 (h3 ^ G_GUINT64_CONSTANT (0xe7037ed1a0b428db));
  gint64 knot = _pm_floor_div (t, 600);
  double frac = (double) (t - knot * 600) / 600.0;
  double w0 = normal_from_bits (mix64 (seg->wander_key + (guint64) knot * GOLDEN));
  double w1 = normal_from_bits (mix64 (seg->wander_key + (guint64) (knot + 1) * GOLDEN));
  double sigma = seg->sigma_ms * (1.0 + self->params.noise_load_gain * load);
  double mean_loss = seg->loss_base + seg->loss_peak * load * load * load;
  double lat;

  lat = seg->rtt_ms + seg->queue_ms * load * load + sigma * normal_from_bits (h1)
        + seg->wander_ms * (w0 + (w1 - w0) * frac);
  if ((guint32) (h4 >> 40) < self->spike_threshold)
    lat += sigma * (5.0 + 15.0 * (double) (h4 & 0xffffff) / 16777216.0);
  *latency = MAX (lat, 0.01);
  *jitter = (seg->jitter_ms + seg->jitter_peak_ms * load) * (1.0 + 0.25 * normal_from_bits (h2));
  *loss = MAX (0.0, mean_loss * (1.0 + 0.5 * normal_from_bits (h3)));
}

/* One function for both the public per-sample call and advance, never inlined into either, so
 * that both give the same bytes whatever the compiler contracts. */
static G_GNUC_NO_INLINE void
sample_at (PmSimulator    *self,
           const SegState *seg,
           const Effect   *effects,
           guint           n_effects,
           gint64          t,
           PmSample       *out)
{
  double lat, jit, loss;

  for (guint i = 0; i < n_effects; i++)
    if (effects[i].type == EFFECT_CUT && t >= effects[i].t0 && t < effects[i].t1)
      {
        /* The probe gets no answer: total loss, and no latency to speak of. */
        out->latency_ms = NAN;
        out->jitter_ms = NAN;
        out->loss_ratio = 1.0f;
        return;
      }

  sample_clean (self, seg, t, &lat, &jit, &loss);

  for (guint i = 0; i < n_effects; i++)
    {
      const Effect *e = &effects[i];

      if (t < e->t0 || t >= e->t1)
        continue;
      switch (e->type)
        {
        case EFFECT_RAMP:
          {
            double sigma_loss = 0.5 * seg->loss_base;
            double multiple, extra_loss;

            if (t < e->peak_s)
              {
                double g = pow ((double) (t - e->t0) / (double) (e->peak_s - e->t0), e->exponent);
                multiple = e->e0 + (e->peak_sigma - e->e0) * g;
                extra_loss = e->e0 * sigma_loss + (e->peak_loss - e->e0 * sigma_loss) * g;
              }
            else
              {
                double rest = 1.0 - (double) (t - e->peak_s) / (double) (e->t1 - e->peak_s);
                multiple = e->peak_sigma * rest;
                extra_loss = e->peak_loss * rest;
              }
            lat += multiple * seg->sigma_ms;
            jit += multiple * 0.25 * seg->jitter_ms;
            loss += extra_loss;
          }
          break;
        case EFFECT_STORM:
          {
            double intensity = sin (G_PI * (double) (t - e->env_t0) / (double) e->env_len)
                               * sin (G_PI * (double) (t - e->t0) / (double) (e->t1 - e->t0));
            intensity = MAX (intensity, 0.0);
            loss += e->amplitude * intensity;
            lat += 3.0 * seg->sigma_ms * intensity;
            jit += 2.0 * seg->jitter_ms * intensity;
          }
          break;
        case EFFECT_REROUTE:
          lat += e->amplitude;
          jit += 0.5 * seg->jitter_ms;
          break;
        case EFFECT_CUT:
        default:
          break;
        }
    }

  out->latency_ms = (float) lat;
  out->jitter_ms = (float) jit;
  out->loss_ratio = (float) MIN (loss, 1.0);
}

/* Generation blocks ---------------------------------------------------------------------------- */

static gint64
draw_cut_duration (Rng               *rng,
                   const PmSimParams *p)
{
  /* Log-uniform: most cuts are short, a few last hours, as repair times do. */
  double minutes = exp (rng_range (rng, log (p->cut_min_minutes), log (p->cut_max_minutes)));
  return (gint64) (minutes * 60.0);
}

static void
generate_degradations (PmSimulator *self,
                       Gen         *gen)
{
  const PmSimParams *p = &self->params;
  gint64 start = gen->index * PM_SIM_BLOCK_S;

  for (guint s = 0; s < self->n_segments; s++)
    {
      Rng rng = rng_for (self->segs[s].key, STREAM_DEGRADATION, gen->index, 0);
      double lambda = p->degradation_rate * self->segs[s].flakiness * PM_SIM_BLOCK_S / DAY_S;
      guint n = rng_poisson (&rng, lambda);

      for (guint i = 0; i < n; i++)
        {
          Episode e = { 0 };
          gint64 ramp;

          e.kind = PM_PARTITION_DEGRADATION;
          e.segment = s;
          e.gen = gen->index;
          e.index = gen->episodes->len;
          e.onset_s = start + (gint64) (rng_uniform (&rng) * PM_SIM_BLOCK_S);
          ramp = (gint64) (rng_range (&rng, p->ramp_min_minutes, p->ramp_max_minutes) * 60.0);
          e.peak_s = e.onset_s + ramp;
          e.e0 = (float) rng_range (&rng, 0.2, p->precursor_sigma);
          e.exponent = (float) (p->growth_exponent * rng_range (&rng, 0.8, 1.25));
          e.peak_sigma = (float) (p->degradation_peak_sigma * rng_range (&rng, 0.5, 1.5));
          e.peak_loss = (float) (p->degradation_peak_loss * rng_range (&rng, 0.3, 1.0));
          e.candidate = TRUE;
          /* Cutting and recovering degradations rise alike: nothing before the cut tells. */
          if (rng_uniform (&rng) < p->degradation_cut_share)
            {
              e.cut_start_s = e.peak_s;
              e.cut_end_s = e.peak_s + draw_cut_duration (&rng, p);
              e.end_s = e.cut_end_s;
            }
          else
            {
              e.cut_start_s = e.cut_end_s = -1;
              e.end_s = e.peak_s + (gint64) (rng_range (&rng, 5.0, p->recovery_max_minutes) * 60);
            }
          g_array_append_val (gen->episodes, e);
        }
    }
}

static void
generate_maintenance (PmSimulator *self,
                      Gen         *gen)
{
  const PmSimParams *p = &self->params;
  gint64 start = gen->index * PM_SIM_BLOCK_S;
  /* Windows at local day are accepted with probability 1/8: with nights a third of the day,
   * 80% of windows start at night, and dividing by the mean acceptance (5/12) keeps the rate. */
  double lambda = p->maintenance_rate * PM_SIM_BLOCK_S / DAY_S / (5.0 / 12.0);

  for (guint s = 0; s < self->n_segments; s++)
    {
      const SegState *seg = &self->segs[s];
      Rng rng = rng_for (seg->key, STREAM_MAINTENANCE, gen->index, 0);
      guint n = rng_poisson (&rng, lambda);

      for (guint i = 0; i < n; i++)
        {
          Maintenance m = { 0 };
          gint64 at = start + (gint64) (rng_uniform (&rng) * PM_SIM_BLOCK_S);
          double hour = floor_mod (at + seg->tz_s, DAY_S) / 3600.0;
          gboolean night = hour >= 22 || hour < 6;
          double u_accept = rng_uniform (&rng);
          double u_impact = rng_uniform (&rng);
          double u_kind = rng_uniform (&rng);
          double u_cut = rng_uniform (&rng);
          gint64 duration = (gint64) (rng_range (&rng, 1.0, p->maintenance_duration_max_h) * 4)
                            * 900;
          gint64 lead = (gint64) (rng_range (&rng, 2.0, p->maintenance_lead_max_h) * 60) * 60;

          if (!night && u_accept >= 0.125)
            continue;

          m.segment = s;
          m.index = gen->maintenance->len;
          m.start_s = at - floor_mod (at, 900);  /* quarter hours, still inside the block */
          m.end_s = m.start_s + duration;
          m.issued_s = m.start_s - lead;
          if (u_impact < p->maintenance_outage_share)
            m.impact = PM_IMPACT_OUTAGE;
          else if (u_kind < 0.25)
            m.impact = PM_IMPACT_NO_IMPACT;
          else if (u_kind < 0.70)
            m.impact = PM_IMPACT_REDUCED_REDUNDANCY;
          else
            m.impact = PM_IMPACT_DEGRADED;
          g_array_append_val (gen->maintenance, m);

          if (m.impact == PM_IMPACT_OUTAGE && u_cut < p->maintenance_cut_share)
            {
              Episode e = { 0 };
              gint64 rest;

              e.kind = PM_PARTITION_MAINTENANCE;
              e.segment = s;
              e.gen = gen->index;
              e.index = gen->episodes->len;
              e.cut_start_s = m.start_s + (gint64) (rng_range (&rng, 0.0, 0.3) * duration);
              rest = m.end_s - e.cut_start_s;
              e.cut_end_s = e.cut_start_s + MAX (300, (gint64) (rng_range (&rng, 0.2, 0.9) * rest));
              e.onset_s = e.cut_start_s;
              e.peak_s = e.cut_start_s;
              e.end_s = e.cut_end_s;
              e.candidate = TRUE;
              g_array_append_val (gen->episodes, e);
            }
          else if (m.impact == PM_IMPACT_DEGRADED)
            {
              Episode e = { 0 };

              e.kind = PM_PARTITION_MAINTENANCE;
              e.segment = s;
              e.gen = gen->index;
              e.index = gen->episodes->len;
              e.onset_s = e.peak_s = m.start_s;
              e.end_s = m.end_s;
              e.cut_start_s = e.cut_end_s = -1;
              e.amplitude = (float) (seg->rtt_ms * rng_range (&rng, 0.2, 0.6));
              g_array_append_val (gen->episodes, e);
            }
        }
    }
}

static PmLatLon
offset_km (PmLatLon p,
           double   east_km,
           double   north_km)
{
  PmLatLon q;
  double c = MAX (cos (p.lat * G_PI / 180.0), 0.05);

  q.lat = CLAMP (p.lat + north_km / KM_PER_DEGREE, -89.9, 89.9);
  q.lon = p.lon + east_km / (KM_PER_DEGREE * c);
  return q;
}

static PmLatLon
storm_centre (const Storm *storm,
              gint64       t)
{
  double km = storm->speed_kmh * (double) (t - (storm->t0 + storm->life_s / 2)) / 3600.0;
  return offset_km (storm->centre_mid, km * cos (storm->heading), km * sin (storm->heading));
}

/* An ellipse as a 12-gon, its major axis along the heading. */
static void
storm_polygon (const Storm *storm,
               PmLatLon     centre,
               PmLatLon    *ring)
{
  double ch = cos (storm->heading), sh = sin (storm->heading);

  for (guint k = 0; k < STORM_VERTICES; k++)
    {
      double phi = 2 * G_PI * k / STORM_VERTICES;
      double along = storm->a_km * cos (phi);
      double across = storm->b_km * sin (phi);

      ring[k] = offset_km (centre, along * ch - across * sh, along * sh + across * ch);
    }
}

/* The area the storm's 12-gon sweeps from one time to another: the front half at the end and
 * the rear half at the start, which for a shape moving along its major axis is the convex hull
 * of every position in between. STORM_HULL_VERTICES points. */
#define STORM_HULL_VERTICES (STORM_VERTICES + 2)

static void
storm_hull (const Storm *storm,
            gint64       from,
            gint64       to,
            PmLatLon    *ring)
{
  PmLatLon start = storm_centre (storm, from), end = storm_centre (storm, to);
  double ch = cos (storm->heading), sh = sin (storm->heading);
  guint n = 0;

  for (guint half = 0; half < 2; half++)
    for (guint k = 0; k <= STORM_VERTICES / 2; k++)
      {
        /* Front: −90° … 90°, then rear: 90° … 270°. */
        double phi = 2 * G_PI * ((double) k / STORM_VERTICES + (half == 0 ? -0.25 : 0.25));
        double along = storm->a_km * cos (phi);
        double across = storm->b_km * sin (phi);

        ring[n++] = offset_km (half == 0 ? end : start, along * ch - across * sh,
                               along * sh + across * ch);
      }
}

typedef struct
{
  double min_lat, max_lat, min_lon, max_lon;
} Box;

static Box
ring_box (const PmLatLon *ring,
          guint           n)
{
  Box box = { ring[0].lat, ring[0].lat, ring[0].lon, ring[0].lon };

  for (guint i = 1; i < n; i++)
    {
      box.min_lat = MIN (box.min_lat, ring[i].lat);
      box.max_lat = MAX (box.max_lat, ring[i].lat);
      box.min_lon = MIN (box.min_lon, ring[i].lon);
      box.max_lon = MAX (box.max_lon, ring[i].lon);
    }
  return box;
}

static gboolean
box_meets_segment (const Box      *box,
                   const SegState *seg)
{
  return box->min_lat <= seg->max_lat && box->max_lat >= seg->min_lat
         && box->min_lon <= seg->max_lon && box->max_lon >= seg->min_lon;
}

static void
generate_storms (PmSimulator *self,
                 Gen         *gen)
{
  const PmSimParams *p = &self->params;
  gint64 start = gen->index * PM_SIM_BLOCK_S;
  Rng rng = rng_for (self->key, STREAM_STORM, gen->index, 0);
  guint n = rng_poisson (&rng, p->storm_rate * PM_SIM_BLOCK_S / 3600.0);
  guint n_sites = pm_topology_get_n_sites (self->topology);
  g_autofree gint64 *first = g_new (gint64, self->n_segments);
  g_autofree gint64 *last = g_new (gint64, self->n_segments);
  g_autoptr(GArray) near = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < n; i++)
    {
      Storm storm = { 0 };
      PmLatLon anchor, ring[STORM_VERTICES];
      Box swept, box;
      double across;
      guint n_ticks;

      storm.t0 = start + (gint64) (rng_uniform (&rng) * PM_SIM_BLOCK_S);
      storm.life_s = (gint64) rng_range (&rng, STORM_MIN_LIFE_S, p->storm_life_max_h * 3600.0);
      anchor = pm_topology_get_site (self->topology, rng_index (&rng, n_sites))->location;
      storm.heading = rng_range (&rng, 0, 2 * G_PI);
      storm.speed_kmh = p->storm_speed_kmh * rng_range (&rng, 0.5, 1.0);
      storm.a_km = p->storm_radius_km * rng_range (&rng, 0.4, 1.0);
      storm.b_km = storm.a_km * rng_range (&rng, 0.4, 0.9);
      /* Pass near the anchor site at mid-life, not always straight over it. */
      across = rng_range (&rng, -0.8, 0.8) * storm.a_km;
      storm.centre_mid = offset_km (anchor, -across * sin (storm.heading),
                                    across * cos (storm.heading));
      storm.can_cut = rng_uniform (&rng) < p->storm_cut_share;
      /* Severity hints at the danger without giving it away. */
      storm.severe = rng_uniform (&rng) < (storm.can_cut ? 0.8 : 0.35);
      g_array_append_val (gen->storms, storm);

      /* The polygon moves in a straight line, so its path lies in the box of its two ends. */
      storm_polygon (&storm, storm_centre (&storm, storm.t0), ring);
      swept = ring_box (ring, STORM_VERTICES);
      storm_polygon (&storm, storm_centre (&storm, storm.t0 + storm.life_s), ring);
      box = ring_box (ring, STORM_VERTICES);
      swept.min_lat = MIN (swept.min_lat, box.min_lat);
      swept.max_lat = MAX (swept.max_lat, box.max_lat);
      swept.min_lon = MIN (swept.min_lon, box.min_lon);
      swept.max_lon = MAX (swept.max_lon, box.max_lon);

      g_array_set_size (near, 0);
      for (guint s = 0; s < self->n_segments; s++)
        if (box_meets_segment (&swept, &self->segs[s]))
          {
            g_array_append_val (near, s);
            first[s] = last[s] = -1;
          }
      if (near->len == 0)
        continue;

      /* Where the published alerts (one per hour of the track) reach: sudden cuts avoid it. */
      for (gint64 from = storm.t0; from < storm.t0 + storm.life_s; from += STORM_SLICE_S)
        {
          PmLatLon hull[STORM_HULL_VERTICES];
          gint64 to = MIN (from + STORM_SLICE_S, storm.t0 + storm.life_s);

          storm_hull (&storm, from, to, hull);
          box = ring_box (hull, STORM_HULL_VERTICES);
          for (guint j = 0; j < near->len; j++)
            {
              guint s = g_array_index (near, guint, j);
              const SegState *seg = &self->segs[s];

              if (box_meets_segment (&box, seg)
                  && pm_geo_segment_crosses_polygon (seg->a, seg->b, hull, STORM_HULL_VERTICES))
                {
                  Busy alerted = { s, FALSE, from, to };
                  g_array_append_val (gen->alerted, alerted);
                }
            }
        }

      /* A convex shape in straight motion meets a straight line during one interval of time. */
      n_ticks = (guint) (storm.life_s / STORM_TICK_S);
      for (guint k = 0; k <= n_ticks; k++)
        {
          gint64 t = storm.t0 + (gint64) k * STORM_TICK_S;

          storm_polygon (&storm, storm_centre (&storm, t), ring);
          box = ring_box (ring, STORM_VERTICES);
          for (guint j = 0; j < near->len; j++)
            {
              guint s = g_array_index (near, guint, j);
              const SegState *seg = &self->segs[s];

              if (box_meets_segment (&box, seg)
                  && pm_geo_segment_crosses_polygon (seg->a, seg->b, ring, STORM_VERTICES))
                {
                  if (first[s] < 0)
                    first[s] = t;
                  last[s] = t;
                }
            }
        }

      for (guint j = 0; j < near->len; j++)
        {
          guint s = g_array_index (near, guint, j);
          Episode e = { 0 };
          double u_cut, where;

          if (first[s] < 0)
            continue;
          e.kind = PM_PARTITION_WEATHER;
          e.segment = s;
          e.gen = gen->index;
          e.index = gen->episodes->len;
          e.storm = gen->storms->len - 1;
          e.onset_s = first[s];
          e.peak_s = MIN (last[s] + STORM_TICK_S, storm.t0 + storm.life_s);
          if (e.peak_s - e.onset_s < 2 * STORM_TICK_S)
            e.peak_s = e.onset_s + 2 * STORM_TICK_S;
          e.end_s = e.peak_s;
          e.amplitude = (float) (p->storm_peak_loss * rng_range (&rng, 0.5, 1.0));
          u_cut = rng_uniform (&rng);
          where = rng_range (&rng, 0.3, 0.7);
          e.cut_start_s = e.cut_end_s = -1;
          if (storm.can_cut && u_cut < p->storm_segment_cut_prob)
            {
              e.cut_start_s = e.onset_s + (gint64) (where * (double) (e.peak_s - e.onset_s));
              e.cut_end_s = e.cut_start_s + draw_cut_duration (&rng, p);
              e.end_s = MAX (e.peak_s, e.cut_end_s);
              e.candidate = TRUE;
            }
          g_array_append_val (gen->episodes, e);
        }
    }
}

static void
gen_free (gpointer data)
{
  Gen *gen = data;

  g_array_unref (gen->episodes);
  g_array_unref (gen->alerted);
  g_array_unref (gen->storms);
  g_array_unref (gen->maintenance);
  g_free (gen);
}

static Gen *
gen_get (PmSimulator *self,
         gint64       index)
{
  Gen *gen = g_hash_table_lookup (self->gens, &index);

  if (gen != NULL)
    return gen;
  gen = g_new0 (Gen, 1);
  gen->index = index;
  gen->episodes = g_array_new (FALSE, FALSE, sizeof (Episode));
  gen->alerted = g_array_new (FALSE, FALSE, sizeof (Busy));
  gen->storms = g_array_new (FALSE, FALSE, sizeof (Storm));
  gen->maintenance = g_array_new (FALSE, FALSE, sizeof (Maintenance));
  generate_degradations (self, gen);
  generate_maintenance (self, gen);
  generate_storms (self, gen);
  for (guint i = 0; i < gen->episodes->len; i++)
    g_array_index (gen->episodes, Episode, i).kept = TRUE;
  g_hash_table_insert (self->gens, &gen->index, gen);
  return gen;
}

/* Earlier first: by first visible effect, then generation block, then order of generation. */
static int
episode_order (const Episode *a,
               const Episode *b)
{
  if (a->onset_s != b->onset_s)
    return a->onset_s < b->onset_s ? -1 : 1;
  if (a->gen != b->gen)
    return a->gen < b->gen ? -1 : 1;
  return a->index < b->index ? -1 : (a->index > b->index);
}

static int
candidate_compare (gconstpointer pa,
                   gconstpointer pb)
{
  const Episode *a = *(Episode *const *) pa;
  const Episode *b = *(Episode *const *) pb;

  if (a->segment != b->segment)
    return a->segment < b->segment ? -1 : 1;
  return episode_order (a, b);
}

/* Computes which candidates of a generation block are kept: those that no earlier candidate of
 * the same segment (kept or not) overlaps. Candidates reach at most PM_SIM_LOOKBACK_BLOCKS
 * blocks past their own, so the neighbours on either side are all that can conflict. */
static Gen *
gen_resolve (PmSimulator *self,
             gint64       index)
{
  Gen *gen = gen_get (self, index);
  g_autoptr(GPtrArray) all = NULL;

  if (gen->resolved)
    return gen;

  all = g_ptr_array_new ();
  for (gint64 g = index - PM_SIM_LOOKBACK_BLOCKS; g <= index + PM_SIM_LOOKBACK_BLOCKS; g++)
    {
      Gen *other = gen_get (self, g);
      for (guint i = 0; i < other->episodes->len; i++)
        {
          Episode *e = &g_array_index (other->episodes, Episode, i);
          if (e->candidate)
            g_ptr_array_add (all, e);
        }
    }
  g_ptr_array_sort (all, candidate_compare);

  for (guint i = 0; i < all->len; i++)
    {
      Episode *c = all->pdata[i];

      if (c->gen != index)
        continue;
      c->kept = TRUE;
      for (guint j = i; j-- > 0;)
        {
          const Episode *d = all->pdata[j];
          if (d->segment != c->segment)
            break;
          if (d->end_s + PM_SIM_GUARD_S > c->onset_s)
            {
              c->kept = FALSE;
              break;
            }
        }
    }
  gen->resolved = TRUE;
  return gen;
}

/* Whether the episode shows at all: dropped degradations and maintenance cuts do not. */
static gboolean
episode_visible (const Episode *e)
{
  switch (e->kind)
    {
    case PM_PARTITION_DEGRADATION:
      return e->kept;
    case PM_PARTITION_MAINTENANCE:
      return e->cut_start_s < 0 || e->kept;
    case PM_PARTITION_WEATHER:
    case PM_PARTITION_SUDDEN:
    default:
      return TRUE;
    }
}

/* The last visible effect: a dropped cut leaves a storm's passage only. */
static gint64
episode_visible_end (const Episode *e)
{
  if (e->cut_start_s >= 0 && e->kept)
    return e->end_s;
  return e->kind == PM_PARTITION_WEATHER ? e->peak_s : e->end_s;
}

/* Effect blocks -------------------------------------------------------------------------------- */

typedef struct
{
  guint  segment;
  Effect effect;
} Pending;

static int
busy_compare (gconstpointer pa,
              gconstpointer pb)
{
  const Busy *a = pa, *b = pb;

  if (a->segment != b->segment)
    return a->segment < b->segment ? -1 : 1;
  return a->from < b->from ? -1 : (a->from > b->from);
}

/* Index of the first entry of the segment, or where it would go. */
static guint
busy_lower_bound (GArray *busy,
                  guint   segment)
{
  guint lo = 0, hi = busy->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      if (g_array_index (busy, Busy, mid).segment < segment)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
add_effect (GArray     *pending,
            guint       segment,
            gint64      block_start,
            const Effect *effect)
{
  Pending p;

  if (effect->t1 <= block_start || effect->t0 >= block_start + PM_SIM_BLOCK_S
      || effect->t1 <= effect->t0)
    return;
  p.segment = segment;
  p.effect = *effect;
  g_array_append_val (pending, p);
}

static void
add_episode_effects (GArray        *pending,
                     gint64         block_start,
                     const Episode *e)
{
  Effect effect = { 0 };
  gboolean cuts = e->cut_start_s >= 0 && e->kept;

  switch (e->kind)
    {
    case PM_PARTITION_DEGRADATION:
      if (!e->kept)
        return;
      effect.type = EFFECT_RAMP;
      effect.t0 = e->onset_s;
      effect.t1 = cuts ? e->cut_start_s : e->end_s;
      effect.peak_s = e->peak_s;
      effect.e0 = e->e0;
      effect.exponent = e->exponent;
      effect.peak_sigma = e->peak_sigma;
      effect.peak_loss = e->peak_loss;
      add_effect (pending, e->segment, block_start, &effect);
      break;
    case PM_PARTITION_WEATHER:
      effect.type = EFFECT_STORM;
      effect.t0 = e->onset_s;
      effect.t1 = e->peak_s;
      effect.amplitude = e->amplitude;
      add_effect (pending, e->segment, block_start, &effect);
      break;
    case PM_PARTITION_MAINTENANCE:
      if (e->cut_start_s < 0)
        {
          effect.type = EFFECT_REROUTE;
          effect.t0 = e->onset_s;
          effect.t1 = e->end_s;
          effect.amplitude = e->amplitude;
          add_effect (pending, e->segment, block_start, &effect);
        }
      break;
    case PM_PARTITION_SUDDEN:
    default:
      break;
    }

  if (cuts)
    {
      memset (&effect, 0, sizeof effect);
      effect.type = EFFECT_CUT;
      effect.t0 = e->cut_start_s;
      effect.t1 = e->cut_end_s;
      add_effect (pending, e->segment, block_start, &effect);
    }
}

static void
block_free (gpointer data)
{
  Block *block = data;

  g_array_unref (block->sudden);
  g_free (block->offsets);
  g_free (block->effects);
  g_free (block);
}

static void
place_sudden (PmSimulator *self,
              Block       *block,
              GArray      *busy,
              guint        n_foreseeable)
{
  const PmSimParams *p = &self->params;
  gint64 start = block->index * PM_SIM_BLOCK_S;
  Rng rng = rng_for (self->key, STREAM_SUDDEN, block->index, 0);
  double want = n_foreseeable * p->sudden_share / (1.0 - p->sudden_share);
  guint n = (guint) floor (want);

  if (rng_uniform (&rng) < want - floor (want))
    n++;

  /* Each cut first looks for a slot free of any warning; in a network so small that storms or
   * notices cover all of it, it then settles for one free of other failures only, so that the
   * share holds in every seed. */
  for (guint i = 0; i < n; i++)
    for (guint attempt = 0; attempt < 2 * SUDDEN_ATTEMPTS; attempt++)
      {
        gboolean strict = attempt < SUDDEN_ATTEMPTS;
        guint s = rng_index (&rng, self->n_segments);
        gint64 duration = MIN (draw_cut_duration (&rng, p), PM_SIM_BLOCK_S / 2);
        /* Inside the block with a guard at each end, so suddens of two blocks never touch. */
        gint64 from = start + PM_SIM_GUARD_S
                      + (gint64) (rng_uniform (&rng)
                                  * (double) (PM_SIM_BLOCK_S - 2 * PM_SIM_GUARD_S - duration));
        gint64 to = from + duration;
        guint k = busy_lower_bound (busy, s);
        gboolean free_slot = TRUE;
        Busy entry = { s, TRUE, from, to };
        Episode e = { 0 };

        for (guint j = k; j < busy->len && g_array_index (busy, Busy, j).segment == s; j++)
          {
            const Busy *b = &g_array_index (busy, Busy, j);
            if ((strict || b->hard) && b->from < to + PM_SIM_GUARD_S
                && b->to + PM_SIM_GUARD_S > from)
              {
                free_slot = FALSE;
                break;
              }
          }
        if (!free_slot)
          continue;

        g_array_insert_val (busy, k, entry);
        e.kind = PM_PARTITION_SUDDEN;
        e.segment = s;
        e.gen = block->index;
        e.index = i;
        e.onset_s = e.peak_s = e.cut_start_s = from;
        e.end_s = e.cut_end_s = to;
        e.kept = TRUE;
        g_array_append_val (block->sudden, e);
        break;
      }
}

static Block *
block_get (PmSimulator *self,
           gint64       index)
{
  Block *block;
  gint64 start = index * PM_SIM_BLOCK_S, end = start + PM_SIM_BLOCK_S;
  g_autoptr(GArray) busy = NULL;
  g_autoptr(GArray) pending = NULL;
  guint n_foreseeable = 0;

  if (self->last_block != NULL && self->last_block->index == index)
    return self->last_block;
  block = g_hash_table_lookup (self->blocks, &index);
  if (block != NULL)
    return self->last_block = block;

  block = g_new0 (Block, 1);
  block->index = index;
  block->sudden = g_array_new (FALSE, FALSE, sizeof (Episode));
  busy = g_array_new (FALSE, FALSE, sizeof (Busy));
  pending = g_array_new (FALSE, FALSE, sizeof (Pending));

  for (gint64 g = index - PM_SIM_LOOKBACK_BLOCKS; g <= index; g++)
    {
      Gen *gen = gen_resolve (self, g);

      for (guint i = 0; i < gen->episodes->len; i++)
        {
          const Episode *e = &g_array_index (gen->episodes, Episode, i);

          /* Sudden cuts keep clear of anything visible on the segment, so that nothing could
           * have announced them. */
          if (episode_visible (e) && e->onset_s < end + PM_SIM_GUARD_S
              && episode_visible_end (e) + PM_SIM_GUARD_S > start)
            {
              Busy b = { e->segment, e->candidate && e->kept, e->onset_s,
                         episode_visible_end (e) };
              g_array_append_val (busy, b);
            }
          if (e->candidate && e->kept && e->cut_start_s >= start && e->cut_start_s < end)
            n_foreseeable++;
          add_episode_effects (pending, start, e);
        }
      for (guint i = 0; i < gen->alerted->len; i++)
        {
          const Busy *b = &g_array_index (gen->alerted, Busy, i);

          if (b->from < end + PM_SIM_GUARD_S && b->to + PM_SIM_GUARD_S > start)
            g_array_append_val (busy, *b);
        }
      /* Announced windows too, even those that turn out harmless. */
      for (guint i = 0; i < gen->maintenance->len; i++)
        {
          const Maintenance *m = &g_array_index (gen->maintenance, Maintenance, i);

          if (m->start_s < end + PM_SIM_GUARD_S && m->end_s + PM_SIM_GUARD_S > start)
            {
              Busy b = { m->segment, FALSE, m->start_s, m->end_s };
              g_array_append_val (busy, b);
            }
        }
    }
  g_array_sort (busy, busy_compare);
  place_sudden (self, block, busy, n_foreseeable);
  for (guint i = 0; i < block->sudden->len; i++)
    add_episode_effects (pending, start, &g_array_index (block->sudden, Episode, i));

  /* Counting sort by segment, stable, into one array with per-segment offsets. */
  block->offsets = g_new0 (guint, self->n_segments + 1);
  block->n_effects = pending->len;
  block->effects = g_new (Effect, MAX (pending->len, 1));
  for (guint i = 0; i < pending->len; i++)
    block->offsets[g_array_index (pending, Pending, i).segment + 1]++;
  for (guint s = 0; s < self->n_segments; s++)
    block->offsets[s + 1] += block->offsets[s];
  {
    g_autofree guint *fill = g_memdup2 (block->offsets, sizeof (guint) * self->n_segments);
    for (guint i = 0; i < pending->len; i++)
      {
        const Pending *p = &g_array_index (pending, Pending, i);
        block->effects[fill[p->segment]++] = p->effect;
      }
  }

  g_hash_table_insert (self->blocks, &block->index, block);
  return self->last_block = block;
}

/* Only called where no Gen or Block pointer is held: everything is regenerated on demand. */
static void
cache_trim (PmSimulator *self)
{
  if (g_hash_table_size (self->gens) <= CACHE_MAX_GENS
      && g_hash_table_size (self->blocks) <= CACHE_MAX_BLOCKS)
    return;
  self->last_block = NULL;
  g_hash_table_remove_all (self->blocks);
  g_hash_table_remove_all (self->gens);
}

static void
sample_locked (PmSimulator *self,
               guint        segment,
               gint64       time_s,
               PmSample    *out)
{
  Block *block = block_get (self, _pm_floor_div (time_s, PM_SIM_BLOCK_S));
  guint first = block->offsets[segment];

  sample_at (self, &self->segs[segment], block->effects + first,
             block->offsets[segment + 1] - first, time_s, out);
}

/* Episodes, partitions, events ----------------------------------------------------------------- */

static PmSimEpisode
episode_public (PmSimulator   *self,
                const Episode *e)
{
  PmSimEpisode out = { 0 };
  gboolean cuts = e->cut_start_s >= 0 && e->kept;

  out.kind = e->kind;
  out.segment = e->segment;
  out.onset_s = e->onset_s;
  out.cut_start_s = cuts ? e->cut_start_s : -1;
  out.cut_end_s = cuts ? e->cut_end_s : -1;
  out.end_s = episode_visible_end (e);
  if (e->kind == PM_PARTITION_DEGRADATION)
    out.precursor_sigma = e->e0;
  if (e->kind == PM_PARTITION_WEATHER)
    out.group = mix64 ((guint64) e->gen ^ self->key) ^ (e->storm + 1);
  return out;
}

static int
sim_episode_compare (gconstpointer pa,
                     gconstpointer pb)
{
  const PmSimEpisode *a = pa, *b = pb;

  if (a->onset_s != b->onset_s)
    return a->onset_s < b->onset_s ? -1 : 1;
  if (a->segment != b->segment)
    return a->segment < b->segment ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  return a->end_s < b->end_s ? -1 : (a->end_s > b->end_s);
}

static GArray *
episodes_locked (PmSimulator *self,
                 gint64       from_s,
                 gint64       to_s)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (PmSimEpisode));
  gint64 first = _pm_floor_div (from_s, PM_SIM_BLOCK_S);
  gint64 last = _pm_floor_div (to_s - 1, PM_SIM_BLOCK_S);

  if (to_s <= from_s)
    return out;
  for (gint64 g = first - PM_SIM_LOOKBACK_BLOCKS; g <= last; g++)
    {
      Gen *gen = gen_resolve (self, g);
      for (guint i = 0; i < gen->episodes->len; i++)
        {
          const Episode *e = &g_array_index (gen->episodes, Episode, i);
          PmSimEpisode pub;

          if (!episode_visible (e))
            continue;
          pub = episode_public (self, e);
          if (pub.onset_s < to_s && pub.end_s > from_s)
            g_array_append_val (out, pub);
        }
    }
  for (gint64 b = first; b <= last; b++)
    {
      Block *block = block_get (self, b);
      for (guint i = 0; i < block->sudden->len; i++)
        {
          PmSimEpisode pub = episode_public (self, &g_array_index (block->sudden, Episode, i));
          if (pub.onset_s < to_s && pub.end_s > from_s)
            g_array_append_val (out, pub);
        }
    }
  g_array_sort (out, sim_episode_compare);
  return out;
}

static int
partition_compare (gconstpointer pa,
                   gconstpointer pb)
{
  const PmPartition *a = pa, *b = pb;

  if (a->start_s != b->start_s)
    return a->start_s < b->start_s ? -1 : 1;
  if (a->segment != b->segment)
    return a->segment < b->segment ? -1 : 1;
  return a->kind < b->kind ? -1 : (a->kind > b->kind);
}

static PmEvent *
maintenance_event (PmSimulator       *self,
                   gint64             gen,
                   const Maintenance *m)
{
  const PmSegment *segment = pm_topology_get_segment (self->topology, m->segment);
  const char *circuit = segment->circuit_id != NULL ? segment->circuit_id : segment->id;
  PmEvent *event = g_new0 (PmEvent, 1);

  event->id = g_strdup_printf ("sim-maint-%" G_GINT64_FORMAT "-%s-%u", gen, segment->id,
                               m->index);
  event->kind = PM_EVENT_MAINTENANCE;
  event->issued_s = m->issued_s;
  event->start_s = m->start_s;
  event->end_s = m->end_s;
  event->title = g_strdup_printf ("Planned maintenance on circuit %s (%s)", circuit,
                                  pm_impact_to_string (m->impact));
  event->circuit_id = g_strdup (circuit);
  event->impact = m->impact;
  event->severity = PM_SEVERITY_UNKNOWN;
  event->certainty = PM_CERTAINTY_UNKNOWN;
  event->urgency = PM_URGENCY_UNKNOWN;
  return event;
}

static PmEvent *
storm_event (gint64       gen,
             guint        index,
             const Storm *storm,
             guint        slice)
{
  PmEvent *event = g_new0 (PmEvent, 1);
  gint64 from = storm->t0 + (gint64) slice * STORM_SLICE_S;
  gint64 to = MIN (from + STORM_SLICE_S, storm->t0 + storm->life_s);
  gint64 mid = (from + to) / 2;
  double intensity = sin (G_PI * (double) (mid - storm->t0) / (double) storm->life_s);

  event->id = g_strdup_printf ("sim-storm-%" G_GINT64_FORMAT "-%u-%u", gen, index, slice);
  event->kind = PM_EVENT_WEATHER;
  /* Issued as the storm forms: one alert per hour of its forecast track. */
  event->issued_s = storm->t0;
  event->start_s = from;
  event->end_s = to;
  event->impact = PM_IMPACT_NO_IMPACT;
  if (storm->severe)
    event->severity = intensity > 0.6 ? (storm->a_km > 180 ? PM_SEVERITY_EXTREME
                                                            : PM_SEVERITY_SEVERE)
                                      : PM_SEVERITY_MODERATE;
  else
    event->severity = intensity > 0.6 ? PM_SEVERITY_MODERATE : PM_SEVERITY_MINOR;
  event->certainty = slice == 0 ? PM_CERTAINTY_OBSERVED
                     : slice <= 2 ? PM_CERTAINTY_LIKELY : PM_CERTAINTY_POSSIBLE;
  event->urgency = from - event->issued_s < 3600 ? PM_URGENCY_IMMEDIATE : PM_URGENCY_EXPECTED;
  event->title = g_strdup_printf ("%s thunderstorm warning",
                                  pm_severity_to_string (event->severity));
  /* The slice's polygon covers everywhere the storm goes during it. */
  event->n_polygon = STORM_HULL_VERTICES;
  event->polygon = g_new (PmLatLon, STORM_HULL_VERTICES);
  storm_hull (storm, from, to, event->polygon);
  return event;
}

/* pm_event_is_visible() for an event not built yet, from its times alone. */
static gboolean
times_visible (gint64 issued_s,
               gint64 start_s,
               gint64 end_s,
               gint64 from_s,
               gint64 to_s)
{
  const PmEvent times = { .issued_s = issued_s, .start_s = start_s, .end_s = end_s };

  return pm_event_is_visible (&times, from_s, to_s);
}

/* PmSource ------------------------------------------------------------------------------------- */

static gboolean
pm_simulator_advance (PmSource      *source,
                      PmSeriesStore *store,
                      gint64         until_s,
                      GError       **error)
{
  PmSimulator *self = PM_SIMULATOR (source);
  gint64 step = pm_series_store_get_step (store);
  gint64 capacity = pm_series_store_get_capacity (store);
  gint64 last = _pm_floor_div (until_s, step) * step;
  gint64 first;

  if (pm_series_store_get_n_segments (store) != self->n_segments)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Simulator: the store has %u segments but the topology %u",
                   pm_series_store_get_n_segments (store), self->n_segments);
      return FALSE;
    }

  g_mutex_lock (&self->lock);
  /* The first call fills the store's whole span, as a query_range of history would, so that
   * forecasts have a day behind them at once; later calls continue where the last stopped. */
  first = self->advanced ? self->last_s + step : last - (capacity - 1) * step;
  first = MAX (first, last - (capacity - 1) * step);
  first = _pm_floor_div (first + step - 1, step) * step;

  while (first <= last)
    {
      gint64 index = _pm_floor_div (first, PM_SIM_BLOCK_S);
      gint64 chunk_last = MIN (last, (index + 1) * PM_SIM_BLOCK_S - 1);
      Block *block;

      cache_trim (self);
      block = block_get (self, index);
      for (guint s = 0; s < self->n_segments; s++)
        {
          const SegState *seg = &self->segs[s];
          const Effect *effects = block->effects + block->offsets[s];
          guint n_effects = block->offsets[s + 1] - block->offsets[s];

          for (gint64 t = first; t <= chunk_last; t += step)
            {
              PmSample sample;

              sample_at (self, seg, effects, n_effects, t, &sample);
              pm_series_store_push (store, s, t, &sample);
            }
        }
      first = _pm_floor_div (chunk_last + step, step) * step;
    }

  if (!self->advanced || last > self->last_s)
    self->last_s = last;
  self->advanced = TRUE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static char *
pm_simulator_describe (PmSource *source)
{
  PmSimulator *self = PM_SIMULATOR (source);

  return g_strdup_printf ("Simulator (seed %" G_GUINT64_FORMAT ")", self->config.seed);
}

static PmSourceState
pm_simulator_get_state (PmSource *source)
{
  return PM_SOURCE_STATE_CONNECTED;
}

static void
pm_simulator_source_iface_init (PmSourceInterface *iface)
{
  iface->advance = pm_simulator_advance;
  iface->describe = pm_simulator_describe;
  iface->get_state = pm_simulator_get_state;
}

/* GObject -------------------------------------------------------------------------------------- */

static void
pm_simulator_finalize (GObject *object)
{
  PmSimulator *self = PM_SIMULATOR (object);

  g_hash_table_unref (self->blocks);
  g_hash_table_unref (self->gens);
  g_mutex_clear (&self->lock);
  g_free (self->segs);
  g_free (self->load);
  g_clear_object (&self->topology);

  G_OBJECT_CLASS (pm_simulator_parent_class)->finalize (object);
}

static void
pm_simulator_class_init (PmSimulatorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_simulator_finalize;
}

static void
pm_simulator_init (PmSimulator *self)
{
  g_mutex_init (&self->lock);
  self->gens = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, gen_free);
  self->blocks = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, block_free);
}

/* Public API ----------------------------------------------------------------------------------- */

static gboolean
uri_error (GError    **error,
           const char *uri,
           const char *format,
           ...) G_GNUC_PRINTF (3, 4);

static gboolean
uri_error (GError    **error,
           const char *uri,
           const char *format,
           ...)
{
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
               "Source “%s”: %s (expected sim:?seed=N&speed=X&start=UNIX_S)", uri, what);
  return FALSE;
}

/* Earliest and latest start accepted: years 1 to 9999, far from any overflow. */
#define START_MIN G_GINT64_CONSTANT (-62135596800)
#define START_MAX G_GINT64_CONSTANT (253402300799)
#define SPEED_MAX 1e6

gboolean
pm_simulator_parse_uri (const char        *uri,
                        PmSimulatorConfig *config,
                        GError           **error)
{
  PmSimulatorConfig parsed = {
    PM_SIMULATOR_DEFAULT_SEED, PM_SIMULATOR_DEFAULT_SPEED, PM_SIMULATOR_DEFAULT_START,
  };
  g_auto(GStrv) pairs = NULL;
  gboolean seen_seed = FALSE, seen_speed = FALSE, seen_start = FALSE;
  const char *query;

  g_return_val_if_fail (uri != NULL, FALSE);
  g_return_val_if_fail (config != NULL, FALSE);

  if (!g_str_has_prefix (uri, "sim:"))
    return uri_error (error, uri, "not a simulator source");
  query = uri + strlen ("sim:");
  if (*query != '\0' && *query != '?')
    return uri_error (error, uri, "unexpected “%s” after “sim:”", query);
  if (*query == '?')
    query++;

  pairs = g_strsplit (query, "&", -1);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *pair = pairs[i];
      const char *eq = strchr (pair, '=');
      g_autofree char *key = NULL;
      const char *value;
      g_autoptr(GError) local = NULL;

      if (*pair == '\0')
        continue;  /* "sim:?" or a trailing "&" */
      if (eq == NULL)
        return uri_error (error, uri, "“%s” has no value", pair);
      key = g_strndup (pair, (gsize) (eq - pair));
      value = eq + 1;

      if (strcmp (key, "seed") == 0)
        {
          guint64 seed;
          if (seen_seed)
            return uri_error (error, uri, "seed given twice");
          if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &seed, &local))
            return uri_error (error, uri, "seed “%s” is not a whole number from 0 to %"
                              G_GUINT64_FORMAT, value, G_MAXUINT64);
          parsed.seed = seed;
          seen_seed = TRUE;
        }
      else if (strcmp (key, "speed") == 0)
        {
          char *end = NULL;
          double speed;

          if (seen_speed)
            return uri_error (error, uri, "speed given twice");
          speed = *value != '\0' ? g_ascii_strtod (value, &end) : NAN;
          if (end == NULL || *end != '\0' || !isfinite (speed) || speed <= 0
              || speed > SPEED_MAX)
            return uri_error (error, uri,
                              "speed “%s” is not a number above 0 and at most %g (virtual "
                              "seconds per real second)", value, SPEED_MAX);
          parsed.speed = speed;
          seen_speed = TRUE;
        }
      else if (strcmp (key, "start") == 0)
        {
          gint64 start;
          if (seen_start)
            return uri_error (error, uri, "start given twice");
          if (!g_ascii_string_to_signed (value, 10, START_MIN, START_MAX, &start, &local))
            return uri_error (error, uri, "start “%s” is not whole unix seconds (years 1–9999)",
                              value);
          parsed.start_s = start;
          seen_start = TRUE;
        }
      else
        return uri_error (error, uri, "unknown key “%s” (known: seed, speed, start)", key);
    }

  *config = parsed;
  return TRUE;
}

PmSimulator *
pm_simulator_new (PmTopology              *topology,
                  const PmSimulatorConfig *config)
{
  PmSimulator *self;
  PmSimulatorConfig defaults = {
    PM_SIMULATOR_DEFAULT_SEED, PM_SIMULATOR_DEFAULT_SPEED, PM_SIMULATOR_DEFAULT_START,
  };

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);
  g_return_val_if_fail (pm_topology_get_n_segments (topology) > 0, NULL);
  g_return_val_if_fail (config == NULL || config->speed > 0, NULL);

  self = g_object_new (PM_TYPE_SIMULATOR, NULL);
  self->topology = g_object_ref (topology);
  self->config = config != NULL ? *config : defaults;
  self->key = mix64 (self->config.seed ^ G_GUINT64_CONSTANT (0x5052454d4952524f));
  self->n_segments = pm_topology_get_n_segments (topology);
  draw_params (self->key, &self->params);
  self->spike_threshold = (guint32) (self->params.spike_prob * 16777216.0);
  build_load_table (self);
  build_segments (self);
  return self;
}

const PmSimulatorConfig *
pm_simulator_get_config (PmSimulator *self)
{
  g_return_val_if_fail (PM_IS_SIMULATOR (self), NULL);
  return &self->config;
}

void
pm_simulator_sample (PmSimulator *self,
                     guint        segment,
                     gint64       time_s,
                     PmSample    *out)
{
  g_return_if_fail (PM_IS_SIMULATOR (self));
  g_return_if_fail (segment < self->n_segments);

  g_mutex_lock (&self->lock);
  cache_trim (self);
  sample_locked (self, segment, time_s, out);
  g_mutex_unlock (&self->lock);
}

GArray *
pm_simulator_get_partitions (PmSimulator *self,
                             gint64       from_s,
                             gint64       to_s)
{
  GArray *partitions;
  g_autoptr(GArray) episodes = NULL;

  g_return_val_if_fail (PM_IS_SIMULATOR (self), NULL);

  partitions = g_array_new (FALSE, FALSE, sizeof (PmPartition));
  g_mutex_lock (&self->lock);
  cache_trim (self);
  /* Every cut lies inside its episode, so the episodes overlapping the window hold them all. */
  episodes = episodes_locked (self, from_s, to_s);
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < episodes->len; i++)
    {
      const PmSimEpisode *e = &g_array_index (episodes, PmSimEpisode, i);
      PmPartition p;

      if (e->cut_start_s < 0 || e->cut_start_s >= to_s || e->cut_end_s <= from_s)
        continue;
      memset (&p, 0, sizeof p);  /* padding too: callers may compare partitions as bytes */
      p.segment = e->segment;
      p.start_s = e->cut_start_s;
      p.end_s = e->cut_end_s;
      p.kind = e->kind;
      p.foreseeable = e->kind != PM_PARTITION_SUDDEN;
      g_array_append_val (partitions, p);
    }
  g_array_sort (partitions, partition_compare);
  return partitions;
}

GPtrArray *
pm_simulator_get_events (PmSimulator *self,
                         gint64       from_s,
                         gint64       to_s)
{
  GPtrArray *events;
  gint64 last;

  g_return_val_if_fail (PM_IS_SIMULATOR (self), NULL);

  events = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_event_free);
  if (to_s <= from_s)
    return events;
  last = _pm_floor_div (to_s - 1, PM_SIM_BLOCK_S);

  g_mutex_lock (&self->lock);
  cache_trim (self);
  /* Windows start in their generation block and last at most 6 h; storms live at most
   * PM_SIM_MAX_EXTENT_S: look back far enough for both. */
  for (gint64 g = _pm_floor_div (from_s - PM_SIM_MAX_EXTENT_S, PM_SIM_BLOCK_S); g <= last; g++)
    {
      Gen *gen = gen_get (self, g);

      for (guint i = 0; i < gen->maintenance->len; i++)
        {
          const Maintenance *m = &g_array_index (gen->maintenance, Maintenance, i);

          if (times_visible (m->issued_s, m->start_s, m->end_s, from_s, to_s))
            g_ptr_array_add (events, maintenance_event (self, g, m));
        }
      for (guint i = 0; i < gen->storms->len; i++)
        {
          const Storm *storm = &g_array_index (gen->storms, Storm, i);

          /* Each slice is issued at t0 and lies within the storm's life. */
          if (!times_visible (storm->t0, storm->t0, storm->t0 + storm->life_s, from_s, to_s))
            continue;
          for (guint k = 0; storm->t0 + (gint64) k * STORM_SLICE_S < storm->t0 + storm->life_s; k++)
            {
              gint64 from = storm->t0 + (gint64) k * STORM_SLICE_S;
              gint64 to = MIN (from + STORM_SLICE_S, storm->t0 + storm->life_s);

              if (times_visible (storm->t0, from, to, from_s, to_s))
                g_ptr_array_add (events, storm_event (g, i, storm, k));
            }
        }
    }
  g_mutex_unlock (&self->lock);

  g_ptr_array_sort (events, pm_event_compare);
  return events;
}

/* Introspection (pm-sim-params.h) -------------------------------------------------------------- */

const PmSimParams *
_pm_simulator_get_params (PmSimulator *self)
{
  return &self->params;
}

GArray *
_pm_simulator_get_episodes (PmSimulator *self,
                            gint64       from_s,
                            gint64       to_s)
{
  GArray *episodes;

  g_mutex_lock (&self->lock);
  cache_trim (self);
  episodes = episodes_locked (self, from_s, to_s);
  g_mutex_unlock (&self->lock);
  return episodes;
}

void
_pm_simulator_sample_clean (PmSimulator *self,
                            guint        segment,
                            gint64       time_s,
                            PmSample    *out)
{
  g_return_if_fail (segment < self->n_segments);
  sample_at (self, &self->segs[segment], NULL, 0, time_s, out);
}

double
_pm_simulator_get_sigma_ms (PmSimulator *self,
                            guint        segment)
{
  g_return_val_if_fail (segment < self->n_segments, NAN);
  return self->segs[segment].sigma_ms;
}

gsize
_pm_simulator_get_memory_bytes (PmSimulator *self)
{
  GHashTableIter iter;
  gpointer value;
  gsize bytes = sizeof *self + sizeof (SegState) * self->n_segments + sizeof (float) * WEEK_S / 60;

  g_mutex_lock (&self->lock);
  g_hash_table_iter_init (&iter, self->blocks);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Block *block = value;
      bytes += sizeof *block + sizeof (guint) * (self->n_segments + 1)
               + sizeof (Effect) * block->n_effects + sizeof (Episode) * block->sudden->len;
    }
  g_hash_table_iter_init (&iter, self->gens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      Gen *gen = value;
      bytes += sizeof *gen + sizeof (Episode) * gen->episodes->len
               + sizeof (Busy) * gen->alerted->len
               + sizeof (Storm) * gen->storms->len + sizeof (Maintenance) * gen->maintenance->len;
    }
  g_mutex_unlock (&self->lock);
  return bytes;
}
