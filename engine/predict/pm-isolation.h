/* pm-isolation.h: isolation risk — the probability that a site loses every path to the origin
 * (or to any of a chosen set of roots) within the horizon, given each segment's probability of
 * failing within that horizon, the segments failing independently.
 *
 * Exact where the uncertain part of the graph is small (enumeration) and in tree-like parts
 * (pendant trees are solved in closed form), Monte Carlo with a standard error otherwise.
 * Results are deterministic: the same risks, roots and parameters give the same figures.
 *
 * Risks outside [0, 1] (NAN, infinities, negative or above 1) mean "unknown", never "safe": a
 * site whose connectivity can depend on an unknown segment gets probability NAN, and its
 * bounds say how far the answer could go (unknown segments all up … all down).
 *
 * A PmIsolation is a reusable workspace for one topology. One instance must not be used from
 * two threads at once; the topology is only read, so a worker thread may own its own instance.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-topology.h"

G_BEGIN_DECLS

typedef enum
{
  PM_ISOLATION_AUTO,         /* exact when few uncertain segments remain, else Monte Carlo */
  PM_ISOLATION_EXACT,        /* enumerate (falls back to sampling above PM_ISOLATION_EXACT_LIMIT) */
  PM_ISOLATION_MONTE_CARLO,  /* sample the core even when it is small (pendant trees stay exact) */
} PmIsolationMethod;

/* Enumeration visits 2^n states: above this many uncertain segments even EXACT samples. */
#define PM_ISOLATION_EXACT_LIMIT 26

/* Worlds are sampled in blocks of this many (8 machine words of 64 worlds each). */
#define PM_ISOLATION_BLOCK_SAMPLES 512

#define PM_ISOLATION_DEFAULT_MAX_EXACT 20
/* 10,240 worlds: the standard error is at most 0.005, so a 95 % interval is within ±0.01. */
#define PM_ISOLATION_DEFAULT_SAMPLES   10240
#define PM_ISOLATION_DEFAULT_SEED      G_GUINT64_CONSTANT (0x5eed150a7e)

typedef struct
{
  PmIsolationMethod method;              /* default AUTO */
  guint             max_exact_segments;  /* AUTO enumerates up to this many uncertain segments
                                          * left after the reductions (default 20, at most
                                          * PM_ISOLATION_EXACT_LIMIT) */
  guint             n_samples;           /* Monte Carlo worlds, rounded up to a multiple of
                                          * PM_ISOLATION_BLOCK_SAMPLES (default 10,240) */
  guint64           seed;                /* same seed, same risks → same result */
} PmIsolationParams;

typedef struct
{
  double probability;  /* P(isolated); NAN when an unknown segment can decide it */
  double std_error;    /* Monte Carlo standard error; 0 when exact */
  double lower;        /* with every unknown segment up; = probability when that is known */
  double upper;        /* with every unknown segment down */
} PmIsolationEstimate;

typedef struct
{
  guint a;
  guint b;
} PmSitePair;

/* What a computation did, for logs, tests and benchmarks. */
typedef struct
{
  PmIsolationMethod method;     /* EXACT or MONTE_CARLO: what solved the core */
  guint             n_nodes;    /* graph nodes after merging sites joined by risk-0 segments */
  guint             n_core;     /* nodes left after peeling pendant trees */
  guint             n_uncertain;/* uncertain segments (0 < risk < 1) in the core */
  guint             n_unknown;  /* segments with an unknown risk (anywhere) */
  guint             n_samples;  /* worlds sampled; 0 when exact */
} PmIsolationInfo;

#define PM_TYPE_ISOLATION (pm_isolation_get_type ())
G_DECLARE_FINAL_TYPE (PmIsolation, pm_isolation, PM, ISOLATION, GObject)

void         pm_isolation_params_init   (PmIsolationParams *params);

PmIsolation *pm_isolation_new           (PmTopology *topology);
PmTopology  *pm_isolation_get_topology  (PmIsolation *self);
void         pm_isolation_get_params    (PmIsolation       *self,
                                         PmIsolationParams *params);
void         pm_isolation_set_params    (PmIsolation             *self,
                                         const PmIsolationParams *params);

/* Per site: P(the site loses every path to the topology's origin). segment_risk has one entry
 * per segment, out one per site. info may be NULL. */
void         pm_isolation_compute       (PmIsolation         *self,
                                         const double        *segment_risk,
                                         PmIsolationEstimate *out,
                                         PmIsolationInfo     *info);

/* Per site: P(the site is cut off from every one of roots) — one root for "disconnected from
 * that site", several for "cut off from all replicas". The sampled worlds are shared by every
 * site, so this costs one pass whatever the number of targets. */
void         pm_isolation_compute_from  (PmIsolation         *self,
                                         const double        *segment_risk,
                                         const guint         *roots,
                                         guint                n_roots,
                                         PmIsolationEstimate *out,
                                         PmIsolationInfo     *info);

/* Per pair: P(pairs[i].a and pairs[i].b end up disconnected). Pairs are grouped by their a
 * site, and every group is answered from the same sampled worlds in one pass over them, so put
 * the shared end (the client's site, say) in a. out has n_pairs entries. */
void         pm_isolation_compute_pairs (PmIsolation         *self,
                                         const double        *segment_risk,
                                         const PmSitePair    *pairs,
                                         guint                n_pairs,
                                         PmIsolationEstimate *out,
                                         PmIsolationInfo     *info);

/* pm_isolation_compute() on a worker thread (the risks are copied). The instance is busy until
 * the callback: do not use it meanwhile. The result is a GArray of PmIsolationEstimate, one per
 * site. Cancelling stops the sampling between blocks. */
void         pm_isolation_compute_async  (PmIsolation         *self,
                                          const double        *segment_risk,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
GArray      *pm_isolation_compute_finish (PmIsolation     *self,
                                          GAsyncResult    *result,
                                          PmIsolationInfo *info,
                                          GError         **error);

G_END_DECLS
