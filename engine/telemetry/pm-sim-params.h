/* pm-sim-params.h: the simulator's one parameter table, and the introspection its tests and
 * benchmark use.
 *
 * Every rate and shape of the simulated network is a row of PM_SIM_PARAM_TABLE below. A scenario
 * (a seed) draws each parameter once, uniformly in [min, max], from its own random stream; rows
 * whose min equals max are fixed. Individual failures then draw their own shape around those
 * per-seed values, as each row's text says. The fixed rules that keep evaluation honest are not
 * parameters but constants further down (PM_SIM_*), so that no seed can break them.
 *
 * Units: times in the names (…_minutes, …_h), rates per segment per day unless said otherwise,
 * "σ" is a segment's latency (or jitter, or loss) noise standard deviation at zero load: the
 * smallest variation that segment ever shows, so that "below 2σ" is a conservative bound.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-simulator.h"

G_BEGIN_DECLS

/* X (name, min, max, description) */
#define PM_SIM_PARAM_TABLE(X)                                                                      \
  /* Baseline: propagation, equipment, daily load cycle, noise. */                                \
  X (ms_per_100km, 1.0, 1.0,                                                                       \
     "round-trip time per 100 km of fibre route: light in glass covers ~200 km/ms, so 100 km "     \
     "out and back takes ~1 ms (fixed: physics)")                                                  \
  X (route_factor_max, 1.2, 1.8,                                                                   \
     "fibre route length ÷ great-circle length; each segment draws U(1.1, max)")                   \
  X (equipment_ms_max, 0.3, 3.0,                                                                   \
     "router/transponder/serialisation delay added to the RTT; each segment draws U(0.1, max)")    \
  X (noise_floor_ms, 0.02, 0.15, "latency noise σ floor (ms)")                                     \
  X (noise_frac, 0.005, 0.03,                                                                      \
     "latency noise σ as a share of the segment's RTT, added to the floor (σ ≤ RTT/5)")            \
  X (wander, 0.3, 1.2,                                                                             \
     "slow wander (smooth noise with 10-minute knots) in units of σ, on top of white noise")       \
  X (peak_hour, 10.0, 21.0, "local solar hour of the daily load peak")                             \
  X (peak_width_h, 2.5, 6.0, "standard deviation of the daily load bump (hours)")                  \
  X (trough_load, 0.05, 0.35, "load (0…1) at the quietest hour")                                   \
  X (weekend_peak, 0.4, 0.9, "weekend peak load relative to a weekday's")                          \
  X (queue_ms, 0.3, 5.0,                                                                           \
     "extra latency at full load, growing with load²; each segment scales it by U(0.5, 1.5)")      \
  X (noise_load_gain, 0.3, 1.5, "noise σ grows by (1 + gain × load) at busy hours")                \
  X (jitter_ms, 0.03, 0.3, "jitter at zero load (ms); each segment scales it by U(0.5, 1.5)")      \
  X (jitter_peak_ms, 0.2, 2.5, "extra jitter at full load (ms)")                                   \
  X (loss_base, 0.0001, 0.002, "loss ratio at zero load")                                          \
  X (loss_peak, 0.001, 0.02, "extra loss ratio at full load, growing with load³")                  \
  X (spike_prob, 0.0005, 0.004,                                                                    \
     "share of samples with an isolated latency spike of 5–20σ (false-alarm fodder)")              \
  /* (a) Gradual degradation: loss and latency creep up, then (usually) a cut. */                  \
  X (degradation_rate, 0.3, 1.2,                                                                   \
     "degradations per segment per day; each segment scales it by a flakiness U(0.3, 1.7)")        \
  X (degradation_cut_share, 0.5, 0.8,                                                              \
     "share of degradations that end in a cut; the rest peak identically, then recover")           \
  X (ramp_min_minutes, 10.0, 40.0, "shortest precursor ramp; each episode draws U(min, max)")      \
  X (ramp_max_minutes, 60.0, 120.0, "longest precursor ramp")                                      \
  X (precursor_sigma, 0.4, 1.5,                                                                    \
     "largest excess at the ramp's first sample in σ; each episode draws U(0.2, this); always "    \
     "< PM_SIM_PRECURSOR_MAX_SIGMA")                                                               \
  X (growth_exponent, 1.5, 3.0,                                                                    \
     "shape of the ramp: excess ∝ progress^p; each episode draws p × U(0.8, 1.25)")               \
  X (degradation_peak_sigma, 6.0, 25.0,                                                            \
     "latency and jitter excess at the end of the ramp in σ; each episode × U(0.5, 1.5)")          \
  X (degradation_peak_loss, 0.03, 0.3,                                                             \
     "loss ratio added at the end of the ramp; each episode × U(0.3, 1)")                          \
  X (recovery_max_minutes, 10.0, 60.0,                                                             \
     "a degradation that does not cut fades back over U(5, max) minutes")                          \
  /* Cuts (degradation, weather and sudden): repair times are heavy-tailed (log-uniform). */      \
  X (cut_min_minutes, 5.0, 20.0, "shortest outage")                                                \
  X (cut_max_minutes, 60.0, 240.0, "longest outage")                                               \
  /* (b) Weather: storms as moving polygons. */                                                    \
  X (storm_rate, 0.15, 0.6,                                                                        \
     "storms forming per hour over the whole network, each anchored near a random site")           \
  X (storm_life_max_h, 4.0, 10.0, "a storm lives U(2 h, max)")                                     \
  X (storm_radius_km, 60.0, 250.0,                                                                 \
     "semi-major axis; each storm draws × U(0.4, 1), semi-minor × U(0.4, 0.9) of that")            \
  X (storm_speed_kmh, 15.0, 70.0, "storm speed; each storm draws × U(0.5, 1)")                     \
  X (storm_cut_share, 0.3, 0.7,                                                                    \
     "share of storms able to cut; the others only raise loss and recover without a cut")          \
  X (storm_segment_cut_prob, 0.2, 0.6,                                                             \
     "chance that a cutting storm cuts each segment it crosses (at 30–70% of its passage)")        \
  X (storm_peak_loss, 0.02, 0.25,                                                                  \
     "loss ratio added at the storm's peak over a segment; each segment × U(0.5, 1)")              \
  /* (c) Announced maintenance. */                                                                 \
  X (maintenance_rate, 0.03, 0.2,                                                                  \
     "maintenance windows per segment per day, 80% of them starting at local night (22–06 h)")     \
  X (maintenance_lead_max_h, 24.0, 168.0, "notices are issued U(2 h, max) before the window")      \
  X (maintenance_duration_max_h, 2.0, 6.0, "a window lasts U(1 h, max), in quarter hours")         \
  X (maintenance_outage_share, 0.4, 0.7,                                                           \
     "share of windows announced as OUTAGE; the rest NO-IMPACT 25%, REDUCED-REDUNDANCY 45%, "      \
     "DEGRADED 30% (a reroute: latency + U(20%, 60%) of the RTT)")                                 \
  X (maintenance_cut_share, 0.5, 0.9,                                                              \
     "share of OUTAGE windows that do cut (only OUTAGE windows can); the cut starts in the "       \
     "window's first 30% and lasts 20–90% of the rest")                                            \
  /* (d) Sudden cuts: no precursor, no notice. */                                                  \
  X (sudden_share, 0.26, 0.34,                                                                     \
     "share of all partitions that are sudden; enforced per 6-hour block (see PM_SIM_SUDDEN_*)")

typedef struct
{
#define PM_SIM_PARAM_FIELD(name, min, max, doc) double name;
  PM_SIM_PARAM_TABLE (PM_SIM_PARAM_FIELD)
#undef PM_SIM_PARAM_FIELD
} PmSimParams;

typedef struct
{
  const char *name;
  gsize       offset;  /* of the double in PmSimParams */
  double      min;
  double      max;
  const char *doc;
} PmSimParamSpec;

static const PmSimParamSpec pm_sim_param_specs[] = {
#define PM_SIM_PARAM_SPEC(name, min, max, doc) \
  { #name, G_STRUCT_OFFSET (PmSimParams, name), min, max, doc },
  PM_SIM_PARAM_TABLE (PM_SIM_PARAM_SPEC)
#undef PM_SIM_PARAM_SPEC
};

/* Fixed rules, the same for every seed. */

/* Failures are generated lazily per block of virtual time, each block from hash (seed, block)
 * alone, so any window gives the same answer whatever was asked before. */
#define PM_SIM_BLOCK_S            (6 * 3600)
/* A failure generated in one block has effects at most this long after the block ends: storms
 * live ≤ 10 h and a cut lasts ≤ 4 h. Blocks look back this many blocks for effects. */
#define PM_SIM_MAX_EXTENT_S       (14 * 3600)
#define PM_SIM_LOOKBACK_BLOCKS    3
/* Two failures of one segment never overlap: a later one (by first visible effect) is dropped
 * when it starts less than this after an earlier one ends. Storms are never dropped, only
 * their cut of that segment; a dropped degradation vanishes. */
#define PM_SIM_GUARD_S            600
/* A degradation's first sample differs from the undisturbed one by less than this many σ. */
#define PM_SIM_PRECURSOR_MAX_SIGMA 2.0
/* Sudden cuts make up a per-seed share (sudden_share) of all partitions: each block holds
 * round (F × share / (1 − share)) of them, F being the foreseeable cuts that start in it, with
 * stochastic rounding. They fit inside their block, never overlap another failure of their
 * segment, and avoid every notice, alert and storm passage on it; only where a small network
 * leaves no such room (a storm over all of it) do they settle for avoiding other failures. */
#define PM_SIM_SUDDEN_MIN_SHARE   0.20
#define PM_SIM_SUDDEN_MAX_SHARE   0.40

G_STATIC_ASSERT (PM_SIM_MAX_EXTENT_S + PM_SIM_GUARD_S <= PM_SIM_LOOKBACK_BLOCKS * PM_SIM_BLOCK_S);

/* Introspection for the simulator's tests and benchmark (implemented in pm-simulator.c); the
 * engine reads the simulator only through PmSource, its partitions and its events. */

/* One failure episode on one segment, whether or not it cut. */
typedef struct
{
  PmPartitionKind kind;
  guint           segment;
  gint64          onset_s;      /* first visible effect */
  gint64          end_s;        /* last visible effect, the cut included */
  gint64          cut_start_s;  /* -1 when the episode did not cut (or its cut was dropped) */
  gint64          cut_end_s;
  double          precursor_sigma;  /* degradation: excess at onset in σ; 0 otherwise */
  guint64         group;        /* weather: the storm (shared by its episodes); 0 otherwise */
} PmSimEpisode;

const PmSimParams *_pm_simulator_get_params       (PmSimulator *self);
/* Episodes with effects overlapping [from_s, to_s), sorted by onset. */
GArray            *_pm_simulator_get_episodes     (PmSimulator *self,
                                                   gint64       from_s,
                                                   gint64       to_s);
/* The sample the segment would show at time_s with no failure at all. */
void               _pm_simulator_sample_clean     (PmSimulator *self,
                                                   guint        segment,
                                                   gint64       time_s,
                                                   PmSample    *out);
/* The segment's latency noise σ at zero load (ms), the unit of the precursor rule. */
double             _pm_simulator_get_sigma_ms     (PmSimulator *self,
                                                   guint        segment);
/* Bytes the simulator holds: per-segment state plus cached blocks. */
gsize              _pm_simulator_get_memory_bytes (PmSimulator *self);

G_END_DECLS
