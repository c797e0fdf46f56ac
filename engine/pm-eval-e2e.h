/* pm-eval-e2e.h: premirror-eval --e2e: the same scenario under four mirroring policies, end to
 * end in virtual time, scored on the requests clients make.
 *
 * One pass over a scenario drives the real predictor (every minute), and for Premirror the real
 * planner, the consistency rule and the routing service; transfers are modelled (see
 * pm-eval-e2e.c for the model and its constants). The policies:
 * - origin_only: no mirrors; every request goes to the resource's origin;
 * - reactive: standing mirrors placed once by demand with the bytes Premirror replicated in the
 *   same run, and DNS/GSLB failover: an answer changes after 3 failed health checks 10 s apart,
 *   and clients move to it over the 60 s TTL;
 * - mirror_all: every resource at every edge from the start, each request served by the nearest
 *   replica reachable at that moment (the upper bound on availability, at the highest cost);
 * - premirror: proposals from the predictions, approved at once, copied by the executor model,
 *   retired after the cool-down; clients follow the routing service's answers over its DNS TTL.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-resources.h"
#include "model/pm-topology.h"
#include "model/pm-truth.h"
#include "pm-eval-replay.h"
#include "telemetry/pm-source.h"

G_BEGIN_DECLS

typedef enum
{
  PM_E2E_ORIGIN_ONLY,
  PM_E2E_REACTIVE,
  PM_E2E_MIRROR_ALL,
  PM_E2E_PREMIRROR,
  PM_E2E_N_POLICIES
} PmE2ePolicy;

/* "origin_only", "reactive", "mirror_all", "premirror". */
const char *pm_e2e_policy_name  (PmE2ePolicy policy);
/* "Origin only", "Reactive failover", "Mirror everything", "Premirror". */
const char *pm_e2e_policy_title (PmE2ePolicy policy);

/* Added latency is counted in bins of this width up to the last, which holds everything above. */
#define PM_E2E_LATENCY_BIN_MS 0.1
#define PM_E2E_LATENCY_BINS   20000

/* Counts behind one policy's figures, pooled over runs. Requests are expected counts (the demand
 * model's rate × time), so they are fractional. */
typedef struct
{
  double  requests;
  double  served;
  double  cut_off;                     /* from sites cut off from the resource's origin */
  double  cut_off_served;
  double  cut_off_foreseeable;         /* of those, cut off by foreseeable partitions alone */
  double  cut_off_foreseeable_served;
  double  bytes_replicated;            /* bytes sent: initial copies, refreshes, partial copies */
  double  bytes_refreshing;            /* of those, refreshes of replicas to a newer version */
  double  replica_seconds;             /* storage held at edges, summed over replicas */
  guint64 deadlines;                   /* approved proposals made before their predicted
                                        * partition time */
  guint64 missed_deadlines;            /* of those, not usable at that time */
  double *latency_hist;                /* PM_E2E_LATENCY_BINS: served requests by added latency */
  /* Cut-off requests and those served, by the kind of the partition that cut the client off
   * last (the latest to start among the down segments around its piece of the network). */
  double  cut_off_by_kind[PM_PARTITION_N_KINDS];
  double  cut_off_served_by_kind[PM_PARTITION_N_KINDS];
} PmE2eTally;

typedef struct
{
  double served_cut_off;               /* NAN when nobody was cut off */
  double served_cut_off_foreseeable;
  double availability;
  double latency_p50_ms;
  double latency_p99_ms;
  double bytes_replicated;
  double replica_hours;
  double missed_deadlines;             /* NAN for policies that make no proposals */
} PmE2eMetrics;

void pm_e2e_tally_init    (PmE2eTally       *tally);
void pm_e2e_tally_clear   (PmE2eTally       *tally);
void pm_e2e_tally_merge   (PmE2eTally       *tally,
                           const PmE2eTally *other);
void pm_e2e_tally_compute (const PmE2eTally *tally,
                           PmE2ePolicy       policy,
                           PmE2eMetrics     *metrics);

/* One replay's figures. */
typedef struct
{
  char        *topology;   /* the topology's name */
  guint64      seed;       /* 0 for a recorded replay */
  guint        partitions; /* ground-truth partitions starting in the scored range */
  guint        foreseeable;
  PmE2eMetrics metrics[PM_E2E_N_POLICIES];
} PmE2eRun;

typedef struct
{
  gint64 time_s;
  double value;
} PmE2ePoint;

/* The story of one foreseen cut under Premirror, for the report's timeline plot. Times are unix
 * seconds, 0 when it did not happen. */
typedef struct
{
  char   *topology;
  guint64 seed;
  char   *users_site;      /* the site whose clients were cut off (its name) */
  char   *target_site;     /* where the mirror went (its name) */
  char   *resource;        /* the resource's name */
  gint64  from_s;          /* the plotted window */
  gint64  to_s;
  GArray *isolation;       /* PmE2ePoint: the users' site's isolation probability, per minute */
  double  threshold;       /* the planner's isolation threshold */
  gint64  proposed_at;
  gint64  transfer_start;
  gint64  transfer_end;
  gint64  routed_at;       /* the routing service first answered the mirror for the users' site */
  gint64  reactive_at;     /* reactive failover moved the same clients, 0 = never */
  gint64  cut_start;
  gint64  cut_end;
} PmE2eTimeline;

void pm_e2e_timeline_free (PmE2eTimeline *timeline);

/* Results pooled over replays. */
typedef struct
{
  PmE2eTally     tally[PM_E2E_N_POLICIES];
  GArray        *runs;          /* PmE2eRun, in the order run */
  guint          partitions;
  guint          foreseeable;
  PmE2eTimeline *timeline;      /* the first foreseen cut Premirror mirrored for; NULL: none */
} PmE2eReport;

void  pm_e2e_report_init     (PmE2eReport *report);
void  pm_e2e_report_clear    (PmE2eReport *report);

/* `--json`: {"policies": {NAME: {"served_cut_off", "served_cut_off_foreseeable",
 * "availability", "latency_p50_ms", "latency_p99_ms", "bytes_replicated", "replica_hours",
 * "missed_deadlines", and the counts behind them}}, "partitions", "foreseeable", "runs": […]}.
 * Undefined figures are null. */
char *pm_e2e_report_to_json  (const PmE2eReport *report);
/* The table printed without --json. */
char *pm_e2e_report_to_table (const PmE2eReport *report);

/* One replay of a simulator seed on scenario (scenario->truth NULL: the simulator's own). */
gboolean pm_e2e_run_simulated (const PmEvalScenario *scenario,
                               PmResources          *resources,
                               guint64               seed,
                               PmE2eReport          *report,
                               GError              **error);
/* One replay of recorded data: metrics from source, events from events (NULL: none), scored
 * over [start_s, end_s) against scenario->truth (required). */
gboolean pm_e2e_run_recorded  (const PmEvalScenario *scenario,
                               PmResources          *resources,
                               PmSource             *source,
                               PmEventList          *events,
                               gint64                start_s,
                               gint64                end_s,
                               PmE2eReport          *report,
                               GError              **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PmE2eReport, pm_e2e_report_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmE2eTimeline, pm_e2e_timeline_free)

G_END_DECLS
