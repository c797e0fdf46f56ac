/* pm-eval-e2e-run.c: one end-to-end replay of a scenario under every mirroring policy; see
 * pm-eval-e2e.h for the policies.
 *
 * The model, in virtual time:
 * - The network. Ground-truth partitions take their segment down from start to end. Which sites
 *   can reach which follows from the segments up at each 10 s step; latencies are the segments'
 *   baseline round-trip times along the shortest path over the segments up.
 * - Demand. Each site asks for each resource at its region's rate (resources file; a region's
 *   rate shared equally among its sites, as the planner counts users), times a daily cycle by the
 *   site's solar time: 1 + 0.6 cos(2π (hour − 14) / 24), busiest at 14:00, quietest at 02:00,
 *   1 on average. Requests are expected counts per step, so every figure is deterministic.
 * - Versions. Each resource's origin publishes a new version at random (seeded) intervals,
 *   6 h on average; a replica serves only what its consistency level allows (pm-consistency),
 *   so a strong resource cut off from its origin stops being servable at its next version.
 * - Transfers. A copy (or a refresh) goes from the origin along the shortest path up, as the
 *   executor runs it: at most 4 at once and 2 into one site, highest priority first, then
 *   earliest deadline. Its rate is the path's bottleneck share for replication (10 % of each
 *   segment's bandwidth) or, on a lossy path, the TCP throughput of the Mathis et al. formula
 *   (MSS / RTT × 1.22 / √loss) from the live samples, whichever is lower. A copy whose path
 *   breaks fails its attempt (what it sent is still counted) and is retried with the executor's
 *   backoff, from the start. A prediction made too late therefore fails to finish in time.
 * - Clients. A request is served when the site its client was sent to is reachable from the
 *   client and holds a replica the consistency level allows at that moment (the origin always
 *   does). Clients follow a changed DNS answer over its TTL: a share (t − change) / TTL of them
 *   has moved.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-eval-e2e.h"

#include <math.h>
#include <string.h>

#include "mirror/pm-consistency.h"
#include "mirror/pm-executor.h"
#include "mirror/pm-mirror.h"
#include "mirror/pm-planner.h"
#include "model/pm-event-list.h"
#include "pm-snapshot.h"
#include "predict/pm-predictor.h"
#include "route/pm-api-dns.h"
#include "route/pm-router.h"
#include "route/pm-routing.h"
#include "telemetry/pm-series.h"
#include "telemetry/pm-simulator.h"

#define STEP_S             10
#define TICK_S             60
#define DAY_S              86400
#define VERSION_MEAN_S     (6 * 3600)
#define REPLICATION_SHARE  0.1
#define TCP_MSS_BYTES      1460.0
#define MATHIS_C           1.22
#define CHECK_FAILURES     3      /* failed health checks, STEP_S apart, before failover */
#define REACTIVE_TTL_S     60
#define PRIORITY_REFRESH   2e6    /* as the mirroring service: refreshes before proposals */
#define TIMELINE_BEFORE_S  (2 * 3600)
#define TIMELINE_AFTER_S   (30 * 60)

typedef struct
{
  gboolean present;     /* a verified copy is there */
  gboolean temporary;   /* Premirror's, retired after the cool-down */
  gint64   version;
  gint64   since;       /* when it became present */
  gint64   last_needed;
} Replica;

typedef enum
{
  JOB_QUEUED,
  JOB_RUNNING,
  JOB_DONE,
  JOB_FAILED,
} JobState;

typedef struct
{
  guint    resource;
  guint    site;
  int      users_site;  /* -1 for a refresh */
  JobState state;
  double   priority;
  gint64   deadline_s;  /* 0 = none */
  gint64   eta_s;       /* the predicted partition time; 0 = unknown */
  gint64   created_at;
  gint64   started_at;  /* of the first attempt */
  gint64   finished_at;
  gint64   next_attempt_at;
  guint    attempts;
  gint64   version;
  double   bytes_done;
  gboolean deadline_checked;
  gint64   routed_at;
} Job;

/* Where one client site sends its requests for one resource: the answer it had and the one it
 * moves to over the TTL. */
typedef struct
{
  int    previous;
  int    current;
  gint64 changed_at;
} Answer;

typedef struct
{
  PmE2ePolicy policy;
  gboolean    active;      /* run in this pass */
  Replica    *replicas;    /* n_resources × n_sites */
  GArray     *jobs;        /* Job */
  guint8     *busy;        /* n_resources × n_sites: a job is queued or running */
  Answer     *answers;     /* n_resources × n_sites (clients) */
  int         ttl_s;
  int        *nearest;     /* n_resources × n_sites: the nearest servable site over the intact
                            * network (baseline of the added latency) */
  int        *oracle;      /* mirror_all: the nearest servable site reachable now, -1 = none */
  gboolean    tables_dirty;
  PmE2eTally  tally;
} Policy;

typedef struct
{
  gint64 start_s;
  gint64 end_s;
  guint  site;
  gboolean foreseeable;
} CutEpisode;

typedef struct
{
  int    client;
  int    resource;
  gint64 at;
} AnswerChange;

typedef struct
{
  const PmEvalScenario *scenario;
  PmTopology  *topology;
  PmResources *resources;
  guint        n_sites;
  guint        n_segments;
  guint        n_resources;
  gint64       start_s;
  gint64       end_s;
  guint64      seed;
  const GArray *truth;

  double      *demand;       /* n_resources × n_sites: requests per hour */
  double      *cycle_phase;  /* per site: solar hour offset, hours */
  double      *cycle_now;    /* per site: the daily cycle's factor at this step */
  gboolean    *holds;        /* per site: origin or edge */

  /* Versions: per resource the latest and the time of the next. */
  PmVersion   *latest;
  gint64      *next_version_at;
  GRand       *rand;

  /* The network now. */
  guint8      *down;
  guint8      *down_foreseeable;
  guint       *component;
  guint       *component_foreseeable;
  int         *cut_kind;     /* per site: PmPartitionKind that cut its piece off last, -1 none */
  float       *dist_now;     /* n_sites × n_sites over the segments up */
  gint32      *pred_now;     /* n_sites × n_sites */
  float       *dist_intact;
  double      *weight;       /* per segment: baseline RTT, INFINITY when down */
  float       *loss;         /* per segment, latest sample (0 when unknown) */
  float       *latency;      /* per segment, latest sample (baseline when unknown) */

  /* Recorded in the first pass for the second. */
  GArray      *recorded_loss;
  GArray      *recorded_latency;
  GArray      *isolation_log; /* float, n_sites per tick */

  GArray      *episodes;     /* CutEpisode */
  gint64      *cut_since;    /* per site: start of its cut-off now, 0 = reachable */
  GArray      *reactive_changes; /* AnswerChange */

  Policy       policies[PM_E2E_N_POLICIES];
  PmExecutorParams executor;
  PmPlannerParams  planner;
  gint64       cooldown_s;
} Run;

/* --- The network ----------------------------------------------------------------------------- */

static void
components (Run          *run,
            const guint8 *down,
            guint        *component)
{
  g_autofree guint *stack = g_new (guint, run->n_sites);
  guint next = 0;

  for (guint s = 0; s < run->n_sites; s++)
    component[s] = G_MAXUINT;
  for (guint s = 0; s < run->n_sites; s++)
    {
      guint top = 0;

      if (component[s] != G_MAXUINT)
        continue;
      component[s] = next;
      stack[top++] = s;
      while (top > 0)
        {
          guint site = stack[--top], n;
          const guint *segments = pm_topology_get_site_segments (run->topology, site, &n);

          for (guint i = 0; i < n; i++)
            {
              guint peer = pm_topology_segment_peer (run->topology, segments[i], site);

              if (!down[segments[i]] && component[peer] == G_MAXUINT)
                {
                  component[peer] = next;
                  stack[top++] = peer;
                }
            }
        }
      next++;
    }
}

static gboolean
reachable (const Run *run,
           guint      a,
           guint      b)
{
  return run->component[a] == run->component[b];
}

/* For each site, the kind of the partition that started last among those on the down segments
 * leaving its piece of the network. */
static void
attribute_cuts (Run   *run,
                gint64 t)
{
  g_autofree gint64 *latest = g_new0 (gint64, run->n_sites);

  for (guint s = 0; s < run->n_sites; s++)
    run->cut_kind[s] = -1;
  for (guint i = 0; i < run->truth->len; i++)
    {
      const PmPartition *p = &g_array_index (run->truth, PmPartition, i);
      const PmSegment *segment;
      guint ends[2];

      if (!(p->start_s <= t && t < p->end_s) || p->segment >= run->n_segments)
        continue;
      segment = pm_topology_get_segment (run->topology, p->segment);
      if (run->component[segment->a] == run->component[segment->b])
        continue;
      ends[0] = run->component[segment->a];
      ends[1] = run->component[segment->b];
      for (guint s = 0; s < run->n_sites; s++)
        if ((run->component[s] == ends[0] || run->component[s] == ends[1])
            && (run->cut_kind[s] < 0 || p->start_s > latest[s]))
          {
            run->cut_kind[s] = (int) p->kind;
            latest[s] = p->start_s;
          }
    }
}

/* Brings the segments' state to time t; TRUE when it changed. */
static gboolean
update_network (Run   *run,
                gint64 t)
{
  g_autofree guint8 *down = g_new0 (guint8, run->n_segments);
  g_autofree guint8 *down_foreseeable = g_new0 (guint8, run->n_segments);

  for (guint i = 0; i < run->truth->len; i++)
    {
      const PmPartition *p = &g_array_index (run->truth, PmPartition, i);

      if (p->start_s <= t && t < p->end_s && p->segment < run->n_segments)
        {
          down[p->segment] = 1;
          if (p->foreseeable)
            down_foreseeable[p->segment] = 1;
        }
    }
  if (memcmp (down, run->down, run->n_segments) == 0
      && memcmp (down_foreseeable, run->down_foreseeable, run->n_segments) == 0)
    return FALSE;

  memcpy (run->down, down, run->n_segments);
  memcpy (run->down_foreseeable, down_foreseeable, run->n_segments);
  components (run, run->down, run->component);
  components (run, run->down_foreseeable, run->component_foreseeable);
  attribute_cuts (run, t);
  for (guint e = 0; e < run->n_segments; e++)
    run->weight[e] = run->down[e] ? INFINITY
                                  : pm_segment_baseline_rtt_ms (pm_topology_get_segment (run->topology, e));
  for (guint s = 0; s < run->n_sites; s++)
    pm_router_shortest_paths (run->topology, run->weight, s,
                              run->dist_now + (gsize) s * run->n_sites,
                              run->pred_now + (gsize) s * run->n_sites);
  return TRUE;
}

/* Bytes per second a copy from `from` to `to` gets now; 0 when there is no path. */
static double
path_rate (const Run *run,
           guint      from,
           guint      to)
{
  const gint32 *pred = run->pred_now + (gsize) from * run->n_sites;
  double bottleneck = INFINITY, delivered = 1, rtt_ms = 0;
  guint site = to;

  if (!reachable (run, from, to))
    return 0;
  while (site != from)
    {
      gint32 e = pred[site];
      const PmSegment *segment;

      if (e < 0)
        return 0;
      segment = pm_topology_get_segment (run->topology, (guint) e);
      bottleneck = MIN (bottleneck, segment->bandwidth_bps / 8 * REPLICATION_SHARE);
      delivered *= 1 - MIN (run->loss[e], 1.0f);
      rtt_ms += run->latency[e];
      site = pm_topology_segment_peer (run->topology, (guint) e, site);
    }
  if (delivered < 1 && rtt_ms > 0)
    {
      double loss = 1 - delivered;
      double tcp = loss >= 1 ? 0 : TCP_MSS_BYTES / (rtt_ms / 1000) * MATHIS_C / sqrt (loss);

      bottleneck = MIN (bottleneck, tcp);
    }
  return isfinite (bottleneck) ? bottleneck : 0;
}

/* --- Versions and consistency --------------------------------------------------------------- */

static void
publish_versions (Run   *run,
                  gint64 t)
{
  for (guint r = 0; r < run->n_resources; r++)
    while (run->next_version_at[r] <= t)
      {
        run->latest[r].version++;
        run->latest[r].created_at = run->next_version_at[r];
        run->next_version_at[r] += (gint64) ceil (-log (1 - g_rand_double (run->rand))
                                                  * VERSION_MEAN_S);
      }
}

static gboolean
servable (const Run    *run,
          const Policy *policy,
          guint         r,
          int           site,
          gint64        t)
{
  const PmResource *resource = pm_resources_get_resource (run->resources, r);
  const Replica *replica;

  if (site < 0)
    return FALSE;
  if ((guint) site == resource->origin)
    return TRUE;
  replica = &policy->replicas[(gsize) r * run->n_sites + (guint) site];
  return replica->present
         && !pm_consistency_is_outdated (resource, replica->version, &run->latest[r], t);
}

static Replica *
replica_of (const Run *run,
            Policy    *policy,
            guint      r,
            guint      site)
{
  return &policy->replicas[(gsize) r * run->n_sites + site];
}

static void
place (Run    *run,
       Policy *policy,
       guint   r,
       guint   site,
       gint64  version,
       gint64  t)
{
  Replica *replica = replica_of (run, policy, r, site);

  if (!replica->present)
    {
      replica->present = TRUE;
      replica->since = t;
      replica->last_needed = t;
    }
  replica->version = version;
  policy->tables_dirty = TRUE;
}

static void
remove_replica (Run    *run,
                Policy *policy,
                guint   r,
                guint   site,
                gint64  t)
{
  Replica *replica = replica_of (run, policy, r, site);

  if (!replica->present)
    return;
  policy->tally.replica_seconds += (double) (t - replica->since);
  replica->present = FALSE;
  policy->tables_dirty = TRUE;
}

/* A standing mirror is copied once at the start. */
static void
place_standing (Run    *run,
                Policy *policy,
                guint   r,
                guint   site)
{
  const PmResource *resource = pm_resources_get_resource (run->resources, r);

  place (run, policy, r, site, run->latest[r].version, run->start_s);
  policy->tally.bytes_replicated += (double) resource->size_bytes;
}

/* --- The executor model --------------------------------------------------------------------- */

static gboolean
has_active_job (const Run    *run,
                const Policy *policy,
                guint         r,
                guint         site)
{
  return policy->busy[(gsize) r * run->n_sites + site];
}

static void
queue_job (const Run *run,
           Policy    *policy,
           Job       *job)
{
  job->state = JOB_QUEUED;
  g_array_append_val (policy->jobs, *job);
  policy->busy[(gsize) job->resource * run->n_sites + job->site] = TRUE;
}

static void
end_job (const Run *run,
         Policy    *policy,
         Job       *job,
         JobState   state,
         gint64     t)
{
  job->state = state;
  job->finished_at = t;
  policy->busy[(gsize) job->resource * run->n_sites + job->site] = FALSE;
}

/* Every present replica behind its origin's newest version gets one refresh. */
static void
queue_refreshes (Run    *run,
                 Policy *policy,
                 gint64  t)
{
  for (guint r = 0; r < run->n_resources; r++)
    for (guint s = 0; s < run->n_sites; s++)
      {
        const Replica *replica = replica_of (run, policy, r, s);
        Job job = { 0 };

        if (!replica->present || replica->version >= run->latest[r].version
            || has_active_job (run, policy, r, s))
          continue;
        job.resource = r;
        job.site = s;
        job.users_site = -1;
        job.priority = PRIORITY_REFRESH + pm_resources_get_resource (run->resources, r)->criticality;
        job.created_at = t;
        queue_job (run, policy, &job);
      }
}

static gint64
backoff_s (const Run *run,
           guint      attempts)
{
  return (gint64) MIN (run->executor.backoff_s * pow (2, attempts - 1), run->executor.backoff_max_s);
}

static void
advance_running (Run    *run,
                 Policy *policy,
                 gint64  t)
{
  for (guint i = 0; i < policy->jobs->len; i++)
    {
      Job *job = &g_array_index (policy->jobs, Job, i);
      const PmResource *resource;
      double rate, size, sent;

      if (job->state != JOB_RUNNING)
        continue;
      resource = pm_resources_get_resource (run->resources, job->resource);
      size = (double) resource->size_bytes;
      rate = path_rate (run, resource->origin, job->site);
      if (rate < 1)
        {
          /* The connection broke: the attempt fails, the next starts over. */
          job->attempts++;
          job->bytes_done = 0;
          if (job->attempts >= run->executor.max_attempts)
            end_job (run, policy, job, JOB_FAILED, t);
          else
            {
              job->state = JOB_QUEUED;
              job->next_attempt_at = t + backoff_s (run, job->attempts);
            }
          continue;
        }
      sent = MIN (rate * STEP_S, size - job->bytes_done);
      job->bytes_done += sent;
      policy->tally.bytes_replicated += sent;
      if (job->users_site < 0)
        policy->tally.bytes_refreshing += sent;
      if (job->bytes_done >= size)
        {
          gint64 done_at = t + (gint64) ceil (sent / rate);

          end_job (run, policy, job, JOB_DONE, done_at);
          place (run, policy, job->resource, job->site, job->version, done_at);
          replica_of (run, policy, job->resource, job->site)->temporary |= job->users_site >= 0;
        }
    }
}

static int
compare_queued (gconstpointer a,
                gconstpointer b)
{
  const Job *x = *(const Job *const *) a, *y = *(const Job *const *) b;
  gint64 dx = x->deadline_s > 0 ? x->deadline_s : G_MAXINT64;
  gint64 dy = y->deadline_s > 0 ? y->deadline_s : G_MAXINT64;

  if (x->priority != y->priority)
    return x->priority > y->priority ? -1 : 1;
  if (dx != dy)
    return dx < dy ? -1 : 1;
  return x->created_at < y->created_at ? -1 : x->created_at > y->created_at;
}

static void
start_queued (Run    *run,
              Policy *policy,
              gint64  t)
{
  g_autoptr(GPtrArray) queued = g_ptr_array_new ();
  g_autofree guint *per_site = g_new0 (guint, run->n_sites);
  guint running = 0;

  for (guint i = 0; i < policy->jobs->len; i++)
    {
      Job *job = &g_array_index (policy->jobs, Job, i);

      if (job->state == JOB_RUNNING)
        {
          running++;
          per_site[job->site]++;
        }
      else if (job->state == JOB_QUEUED && job->next_attempt_at <= t)
        g_ptr_array_add (queued, job);
    }
  g_ptr_array_sort (queued, compare_queued);
  for (guint i = 0; i < queued->len && running < run->executor.max_jobs; i++)
    {
      Job *job = g_ptr_array_index (queued, i);

      if (per_site[job->site] >= run->executor.max_jobs_per_site)
        continue;
      job->state = JOB_RUNNING;
      if (job->started_at == 0)
        job->started_at = t;
      job->version = run->latest[job->resource].version;
      running++;
      per_site[job->site]++;
    }
}

/* A proposal's deadline is its predicted partition time: was the mirror usable by then? */
static void
check_deadlines (Run    *run,
                 Policy *policy,
                 gint64  t)
{
  for (guint i = 0; i < policy->jobs->len; i++)
    {
      Job *job = &g_array_index (policy->jobs, Job, i);

      /* A proposal made once its partition time had passed (the cut came unforeseen, and the
       * planner proposes again while it lasts) had no deadline to keep. */
      if (job->users_site < 0 || job->eta_s <= job->created_at || job->deadline_checked
          || t < job->eta_s)
        continue;
      job->deadline_checked = TRUE;
      policy->tally.deadlines++;
      if (!servable (run, policy, job->resource, (int) job->site, job->eta_s))
        policy->tally.missed_deadlines++;
    }
}

/* --- Premirror's control loop, once a tick -------------------------------------------------- */

static guint8 *
replica_matrix (Run        *run,
                Policy     *policy,
                gint64      t)
{
  guint8 *matrix = g_new0 (guint8, (gsize) run->n_resources * run->n_sites);

  for (guint r = 0; r < run->n_resources; r++)
    for (guint s = 0; s < run->n_sites; s++)
      {
        guint8 *cell = &matrix[(gsize) r * run->n_sites + s];

        if (replica_of (run, policy, r, s)->present && servable (run, policy, r, (int) s, t))
          *cell = PM_PLANNER_REPLICA_USABLE;
        else if (has_active_job (run, policy, r, s))
          *cell = PM_PLANNER_REPLICA_UNDERWAY;
      }
  return matrix;
}

static void
plan_and_approve (Run              *run,
                  Policy           *policy,
                  const PmSnapshot *snapshot,
                  const guint8     *matrix)
{
  g_autofree double *risk = g_new (double, run->n_segments);
  g_autofree gint64 *eta = g_new (gint64, run->n_segments);
  g_autofree double *isolation = g_new (double, run->n_sites);
  g_autofree guint64 *free_bytes = g_new (guint64, run->n_sites);
  g_autofree double *throughput = g_new (double, run->n_sites);
  g_autoptr(GPtrArray) planned = NULL;
  PmPlannerInput input = { 0 };
  gint64 t = snapshot->time_s;

  for (guint e = 0; e < run->n_segments; e++)
    {
      risk[e] = snapshot->segments[e].risk;
      eta[e] = snapshot->segments[e].eta_s;
    }
  for (guint s = 0; s < run->n_sites; s++)
    {
      const PmSite *site = pm_topology_get_site (run->topology, s);
      guint64 used = 0;

      isolation[s] = snapshot->sites[s].isolation;
      for (guint r = 0; r < run->n_resources; r++)
        if (replica_of (run, policy, r, s)->present || has_active_job (run, policy, r, s))
          used += pm_resources_get_resource (run->resources, r)->size_bytes;
      free_bytes[s] = site->capacity_bytes == 0 ? G_MAXUINT64
                                                : site->capacity_bytes - MIN (used, site->capacity_bytes);
      /* What the executor would have measured: the rate a copy from the origin gets now. */
      throughput[s] = path_rate (run, (guint) pm_topology_get_origin (run->topology), s);
    }
  input.topology = run->topology;
  input.resources = run->resources;
  input.now_s = t;
  input.risk = risk;
  input.eta_s = eta;
  input.isolation = isolation;
  input.events = snapshot->events;
  input.replicas = matrix;
  input.free_bytes = free_bytes;
  input.throughput_bps = throughput;

  planned = pm_planner_plan (&input, &run->planner, NULL);
  /* Auto-approval: every proposal becomes a job at once. */
  for (guint i = 0; i < planned->len; i++)
    {
      const PmPlannedMirror *mirror = g_ptr_array_index (planned, i);
      Job job = { 0 };

      if (has_active_job (run, policy, mirror->resource, mirror->target))
        continue;
      job.resource = mirror->resource;
      job.site = mirror->target;
      job.users_site = (int) mirror->users_site;
      job.priority = MIN (mirror->score, PRIORITY_REFRESH / 2 - 1);
      job.deadline_s = mirror->deadline_s;
      job.eta_s = mirror->eta_s;
      job.created_at = t;
      queue_job (run, policy, &job);
    }
}

/* A temporary mirror is needed while its side of the predicted cut holds users at risk and not
 * the resource's origin; after the cool-down without being needed it goes (as pm-mirror). */
static void
retire_cooled_down (Run              *run,
                    Policy           *policy,
                    const PmSnapshot *snapshot)
{
  g_autofree double *risk = g_new (double, run->n_segments);
  g_autofree guint *component = g_new (guint, run->n_sites);
  g_autofree gboolean *at_risk = g_new0 (gboolean, run->n_sites);
  gint64 t = snapshot->time_s;

  for (guint e = 0; e < run->n_segments; e++)
    risk[e] = snapshot->segments[e].risk;
  pm_planner_split (run->topology, risk, run->planner.segment_threshold, component);
  for (guint s = 0; s < run->n_sites; s++)
    if (pm_planner_site_watched (&run->planner, snapshot->sites[s].isolation))
      at_risk[component[s]] = TRUE;

  for (guint r = 0; r < run->n_resources; r++)
    {
      guint origin = pm_resources_get_resource (run->resources, r)->origin;

      for (guint s = 0; s < run->n_sites; s++)
        {
          Replica *replica = replica_of (run, policy, r, s);

          if (!replica->present || !replica->temporary)
            continue;
          if (!snapshot->predicting || (at_risk[component[s]] && component[s] != component[origin]))
            replica->last_needed = t;
          else if (t - replica->last_needed >= run->cooldown_s && !has_active_job (run, policy, r, s))
            remove_replica (run, policy, r, s, t);
        }
    }
}

/* Clients move to a new answer over the TTL. */
static void
set_answer (Answer *answer,
            int     site,
            gint64  t,
            int     ttl_s)
{
  if (answer->current == site)
    return;
  /* Mid-move, most clients are where the majority already is. */
  if (t - answer->changed_at >= ttl_s / 2)
    answer->previous = answer->current;
  answer->current = site;
  answer->changed_at = t;
}

static double
moved_share (const Answer *answer,
             gint64        t,
             int           ttl_s)
{
  double share = (double) (t - answer->changed_at) / ttl_s;

  return CLAMP (share, 0, 1);
}

static void
route_premirror (Run              *run,
                 Policy           *policy,
                 PmRouting        *routing,
                 const PmSnapshot *snapshot,
                 const guint8     *matrix)
{
  g_autofree guint8 *usable = g_new (guint8, (gsize) run->n_resources * run->n_sites);
  gint64 t = snapshot->time_s;

  for (gsize i = 0; i < (gsize) run->n_resources * run->n_sites; i++)
    usable[i] = matrix[i] == PM_PLANNER_REPLICA_USABLE;
  pm_routing_update (routing, snapshot, usable);
  for (guint r = 0; r < run->n_resources; r++)
    {
      guint origin = pm_resources_get_resource (run->resources, r)->origin;

      for (guint c = 0; c < run->n_sites; c++)
        {
          int site;

          if (run->demand[(gsize) r * run->n_sites + c] <= 0)
            continue;
          site = pm_routing_decide_site (routing, c, r);
          /* No eligible candidate: the client still tries the origin. */
          set_answer (&policy->answers[(gsize) r * run->n_sites + c], site >= 0 ? site : (int) origin,
                      t, policy->ttl_s);
        }
    }
  /* When clients were first sent to a proposal's mirror, for the timeline. */
  for (guint i = 0; i < policy->jobs->len; i++)
    {
      Job *job = &g_array_index (policy->jobs, Job, i);

      if (job->users_site >= 0 && job->state == JOB_DONE && job->routed_at == 0
          && policy->answers[(gsize) job->resource * run->n_sites + (guint) job->users_site].current
             == (int) job->site)
        job->routed_at = t;
    }
}

/* --- Reactive failover ---------------------------------------------------------------------- */

typedef struct
{
  guint8 *healthy;   /* n_sites (checker = client) × n_sites (endpoint) */
  guint8 *streak;    /* consecutive checks against the current verdict */
} Checks;

static void
health_checks (Run    *run,
               Policy *policy,
               Checks *checks,
               gint64  t)
{
  gboolean changed = policy->tables_dirty;

  for (guint c = 0; c < run->n_sites; c++)
    for (guint e = 0; e < run->n_sites; e++)
      {
        gsize i = (gsize) c * run->n_sites + e;
        gboolean up = reachable (run, c, e);

        if (up == (gboolean) checks->healthy[i])
          checks->streak[i] = 0;
        else if (++checks->streak[i] >= CHECK_FAILURES)
          {
            checks->healthy[i] = up;
            checks->streak[i] = 0;
            changed = TRUE;
          }
      }
  if (!changed)
    return;

  /* The GSLB answers the nearest endpoint that holds the resource and passes its checks. */
  for (guint r = 0; r < run->n_resources; r++)
    {
      guint origin = pm_resources_get_resource (run->resources, r)->origin;

      for (guint c = 0; c < run->n_sites; c++)
        {
          Answer *answer = &policy->answers[(gsize) r * run->n_sites + c];
          const float *dist = run->dist_intact + (gsize) c * run->n_sites;
          int best = -1;

          if (run->demand[(gsize) r * run->n_sites + c] <= 0)
            continue;
          for (guint e = 0; e < run->n_sites; e++)
            if ((e == origin || replica_of (run, policy, r, e)->present)
                && checks->healthy[(gsize) c * run->n_sites + e]
                && (best < 0 || dist[e] < dist[best]))
              best = (int) e;
          if (best >= 0 && best != answer->current)
            {
              AnswerChange change = { (int) c, (int) r, t };

              set_answer (answer, best, t, policy->ttl_s);
              g_array_append_val (run->reactive_changes, change);
            }
        }
    }
}

/* Standing mirrors by demand per byte they cost over the run (the first copy and a refresh
 * for each new version), within the bytes Premirror replicated: equal cost. */
typedef struct
{
  guint  resource;
  guint  site;
  double density;
} Placement;

static int
compare_placement (gconstpointer a,
                   gconstpointer b)
{
  const Placement *x = a, *y = b;

  if (x->density != y->density)
    return x->density > y->density ? -1 : 1;
  if (x->resource != y->resource)
    return x->resource < y->resource ? -1 : 1;
  return x->site < y->site ? -1 : x->site > y->site;
}

static void
place_by_demand (Run          *run,
                 Policy       *policy,
                 double        budget,
                 const double *copies)
{
  g_autoptr(GArray) candidates = g_array_new (FALSE, FALSE, sizeof (Placement));
  double used = 0;

  for (guint r = 0; r < run->n_resources; r++)
    {
      const PmResource *resource = pm_resources_get_resource (run->resources, r);

      for (guint s = 0; s < run->n_sites; s++)
        {
          Placement p = { r, s, run->demand[(gsize) r * run->n_sites + s]
                                / ((double) resource->size_bytes * copies[r]) };

          if (run->holds[s] && s != resource->origin && p.density > 0)
            g_array_append_val (candidates, p);
        }
    }
  g_array_sort (candidates, compare_placement);
  for (guint i = 0; i < candidates->len; i++)
    {
      const Placement *p = &g_array_index (candidates, Placement, i);
      double cost = (double) pm_resources_get_resource (run->resources, p->resource)->size_bytes
                    * copies[p->resource];

      if (used + cost > budget)
        continue;
      used += cost;
      place_standing (run, policy, p->resource, p->site);
    }
}

/* --- Requests ------------------------------------------------------------------------------- */

/* The nearest servable site of each (resource, client), over the intact network and, for the
 * mirror-all oracle, over the network now. */
static void
refresh_tables (Run    *run,
                Policy *policy,
                gint64  t)
{
  g_autofree int *serving = g_new (int, run->n_sites);

  for (guint r = 0; r < run->n_resources; r++)
    {
      guint n_serving = 0;

      for (guint s = 0; s < run->n_sites; s++)
        if (servable (run, policy, r, (int) s, t))
          serving[n_serving++] = (int) s;
      for (guint c = 0; c < run->n_sites; c++)
        {
          gsize i = (gsize) r * run->n_sites + c;
          int nearest = -1, oracle = -1;

          for (guint k = 0; k < n_serving; k++)
            {
              guint s = (guint) serving[k];
              float d = run->dist_intact[(gsize) s * run->n_sites + c];
              float now = run->dist_now[(gsize) s * run->n_sites + c];

              if (nearest < 0 || d < run->dist_intact[(gsize) nearest * run->n_sites + c])
                nearest = (int) s;
              if (isfinite (now) && (oracle < 0 || now < run->dist_now[(gsize) oracle * run->n_sites + c]))
                oracle = (int) s;
            }
          policy->nearest[i] = nearest;
          policy->oracle[i] = oracle;
        }
    }
  policy->tables_dirty = FALSE;
}

static void
add_latency (PmE2eTally *tally,
             double      added_ms,
             double      weight)
{
  guint bin = (guint) CLAMP (added_ms / PM_E2E_LATENCY_BIN_MS, 0, PM_E2E_LATENCY_BINS - 1);

  tally->latency_hist[bin] += weight;
}

/* Requests of one client for one resource sent to site, weight of them: how many are served. */
static double
serve (Run    *run,
       Policy *policy,
       guint   r,
       guint   client,
       int     site,
       double  weight,
       gint64  t)
{
  double baseline, now;
  int nearest;

  if (weight <= 0 || site < 0 || !reachable (run, client, (guint) site)
      || !servable (run, policy, r, site, t))
    return 0;
  nearest = policy->nearest[(gsize) r * run->n_sites + client];
  now = run->dist_now[(gsize) site * run->n_sites + client];
  baseline = nearest >= 0 ? run->dist_intact[(gsize) nearest * run->n_sites + client] : now;
  add_latency (&policy->tally, MAX (now - baseline, 0), weight);
  return weight;
}

static void
update_daily_cycle (Run   *run,
                    gint64 t)
{
  for (guint s = 0; s < run->n_sites; s++)
    {
      double hour = fmod ((double) (t % DAY_S) / 3600 + run->cycle_phase[s] + 48, 24);

      run->cycle_now[s] = 1 + 0.6 * cos (2 * G_PI * (hour - 14) / 24);
    }
}

static void
count_requests (Run    *run,
                Policy *policy,
                gint64  t)
{
  PmE2eTally *tally = &policy->tally;

  for (guint r = 0; r < run->n_resources; r++)
    {
      guint origin = pm_resources_get_resource (run->resources, r)->origin;

      for (guint c = 0; c < run->n_sites; c++)
        {
          gsize i = (gsize) r * run->n_sites + c;
          double rate = run->demand[i], w, served;
          gboolean cut, foreseeable;

          if (rate <= 0)
            continue;
          w = rate * run->cycle_now[c] * STEP_S / 3600;
          switch (policy->policy)
            {
            case PM_E2E_ORIGIN_ONLY:
              served = serve (run, policy, r, c, (int) origin, w, t);
              break;
            case PM_E2E_MIRROR_ALL:
              served = serve (run, policy, r, c, policy->oracle[i], w, t);
              break;
            case PM_E2E_REACTIVE:
            case PM_E2E_PREMIRROR:
            case PM_E2E_N_POLICIES:
            default:
              {
                const Answer *answer = &policy->answers[i];
                double moved = moved_share (answer, t, policy->ttl_s);

                served = serve (run, policy, r, c, answer->current, w * moved, t)
                         + serve (run, policy, r, c, answer->previous, w * (1 - moved), t);
              }
              break;
            }
          cut = !reachable (run, c, origin);
          foreseeable = cut && run->component_foreseeable[c] != run->component_foreseeable[origin];
          tally->requests += w;
          tally->served += served;
          if (cut)
            {
              tally->cut_off += w;
              tally->cut_off_served += served;
              if (run->cut_kind[c] >= 0)
                {
                  tally->cut_off_by_kind[run->cut_kind[c]] += w;
                  tally->cut_off_served_by_kind[run->cut_kind[c]] += served;
                }
            }
          if (foreseeable)
            {
              tally->cut_off_foreseeable += w;
              tally->cut_off_foreseeable_served += served;
            }
        }
    }
}

/* Cut-off episodes of each client site from the (first) origin, for the timeline. */
static void
track_episodes (Run   *run,
                gint64 t,
                gboolean final)
{
  guint origin = (guint) pm_topology_get_origin (run->topology);

  for (guint s = 0; s < run->n_sites; s++)
    {
      gboolean cut = !final && !reachable (run, s, origin);

      if (cut && run->cut_since[s] == 0)
        run->cut_since[s] = t;
      else if (!cut && run->cut_since[s] != 0)
        {
          CutEpisode episode = { run->cut_since[s], t, s, FALSE };

          episode.foreseeable = TRUE;
          for (guint i = 0; i < run->truth->len; i++)
            {
              const PmPartition *p = &g_array_index (run->truth, PmPartition, i);

              if (!p->foreseeable && p->start_s <= episode.start_s && episode.start_s < p->end_s)
                episode.foreseeable = FALSE;
            }
          g_array_append_val (run->episodes, episode);
          run->cut_since[s] = 0;
        }
    }
}

/* --- The replay ----------------------------------------------------------------------------- */

typedef GPtrArray *(*EventsFunc) (gpointer data,
                                  gint64   from_s,
                                  gint64   to_s);

static void
policy_init (Run        *run,
             Policy     *policy,
             PmE2ePolicy which)
{
  gsize n = (gsize) run->n_resources * run->n_sites;

  policy->policy = which;
  policy->replicas = g_new0 (Replica, n);
  policy->jobs = g_array_new (FALSE, TRUE, sizeof (Job));
  policy->busy = g_new0 (guint8, n);
  policy->answers = g_new0 (Answer, n);
  policy->nearest = g_new (int, n);
  policy->oracle = g_new (int, n);
  policy->ttl_s = which == PM_E2E_REACTIVE ? REACTIVE_TTL_S : PM_API_DNS_TTL;
  policy->tables_dirty = TRUE;
  pm_e2e_tally_init (&policy->tally);
  for (guint r = 0; r < run->n_resources; r++)
    for (guint c = 0; c < run->n_sites; c++)
      {
        Answer *answer = &policy->answers[(gsize) r * run->n_sites + c];
        int origin = (int) pm_resources_get_resource (run->resources, r)->origin;

        *answer = (Answer) { origin, origin, run->start_s - DAY_S };
      }
}

static void
policy_clear (Policy *policy)
{
  g_free (policy->replicas);
  g_clear_pointer (&policy->jobs, g_array_unref);
  g_free (policy->busy);
  g_free (policy->answers);
  g_free (policy->nearest);
  g_free (policy->oracle);
  pm_e2e_tally_clear (&policy->tally);
}

static void
run_init (Run                  *run,
          const PmEvalScenario *scenario,
          PmResources          *resources,
          guint64               seed,
          const GArray         *truth,
          gint64                start_s,
          gint64                end_s)
{
  g_autoptr(GHashTable) region_sites = g_hash_table_new (g_str_hash, g_str_equal);
  PmMirrorParams mirror;

  *run = (Run) { 0 };
  run->scenario = scenario;
  run->topology = scenario->topology;
  run->resources = resources;
  run->n_sites = pm_topology_get_n_sites (run->topology);
  run->n_segments = pm_topology_get_n_segments (run->topology);
  run->n_resources = pm_resources_get_n_resources (resources);
  run->start_s = start_s;
  run->end_s = end_s;
  run->seed = seed;
  run->truth = truth;

  run->demand = g_new0 (double, (gsize) run->n_resources * run->n_sites);
  run->cycle_phase = g_new (double, run->n_sites);
  run->cycle_now = g_new (double, run->n_sites);
  run->holds = g_new (gboolean, run->n_sites);
  for (guint s = 0; s < run->n_sites; s++)
    {
      const PmSite *site = pm_topology_get_site (run->topology, s);
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (region_sites, site->region));

      g_hash_table_insert (region_sites, site->region, GUINT_TO_POINTER (n + 1));
      run->cycle_phase[s] = site->location.lon / 15;
      run->holds[s] = site->role == PM_SITE_ROLE_ORIGIN || site->role == PM_SITE_ROLE_EDGE;
    }
  for (guint r = 0; r < run->n_resources; r++)
    for (guint s = 0; s < run->n_sites; s++)
      {
        const PmSite *site = pm_topology_get_site (run->topology, s);
        guint n = GPOINTER_TO_UINT (g_hash_table_lookup (region_sites, site->region));

        run->demand[(gsize) r * run->n_sites + s] =
          pm_resource_get_demand (pm_resources_get_resource (resources, r), site->region) / n;
      }

  run->latest = g_new0 (PmVersion, run->n_resources);
  run->next_version_at = g_new (gint64, run->n_resources);
  run->down = g_new0 (guint8, run->n_segments);
  run->down_foreseeable = g_new0 (guint8, run->n_segments);
  run->component = g_new (guint, run->n_sites);
  run->component_foreseeable = g_new (guint, run->n_sites);
  run->cut_kind = g_new (int, run->n_sites);
  run->dist_now = g_new (float, (gsize) run->n_sites * run->n_sites);
  run->pred_now = g_new (gint32, (gsize) run->n_sites * run->n_sites);
  run->dist_intact = g_new (float, (gsize) run->n_sites * run->n_sites);
  run->weight = g_new (double, run->n_segments);
  run->loss = g_new0 (float, run->n_segments);
  run->latency = g_new (float, run->n_segments);
  for (guint e = 0; e < run->n_segments; e++)
    run->weight[e] = pm_segment_baseline_rtt_ms (pm_topology_get_segment (run->topology, e));
  for (guint s = 0; s < run->n_sites; s++)
    pm_router_shortest_paths (run->topology, run->weight, s,
                              run->dist_intact + (gsize) s * run->n_sites, NULL);

  run->recorded_loss = g_array_new (FALSE, FALSE, sizeof (float));
  run->recorded_latency = g_array_new (FALSE, FALSE, sizeof (float));
  run->isolation_log = g_array_new (FALSE, FALSE, sizeof (float));
  run->episodes = g_array_new (FALSE, FALSE, sizeof (CutEpisode));
  run->cut_since = g_new0 (gint64, run->n_sites);
  run->reactive_changes = g_array_new (FALSE, FALSE, sizeof (AnswerChange));

  pm_executor_params_init (&run->executor);
  pm_planner_params_init (&run->planner);
  pm_mirror_params_init (&mirror);
  run->cooldown_s = pm_resources_get_retire_after_s (resources) > 0
                      ? pm_resources_get_retire_after_s (resources) : mirror.cooldown_s;
}

static void
run_clear (Run *run)
{
  for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
    if (run->policies[p].replicas != NULL)
      policy_clear (&run->policies[p]);
  g_free (run->demand);
  g_free (run->cycle_phase);
  g_free (run->cycle_now);
  g_free (run->holds);
  g_free (run->latest);
  g_free (run->next_version_at);
  g_clear_pointer (&run->rand, g_rand_free);
  g_free (run->down);
  g_free (run->down_foreseeable);
  g_free (run->component);
  g_free (run->component_foreseeable);
  g_free (run->cut_kind);
  g_free (run->dist_now);
  g_free (run->pred_now);
  g_free (run->dist_intact);
  g_free (run->weight);
  g_free (run->loss);
  g_free (run->latency);
  g_array_unref (run->recorded_loss);
  g_array_unref (run->recorded_latency);
  g_array_unref (run->isolation_log);
  g_array_unref (run->episodes);
  g_free (run->cut_since);
  g_array_unref (run->reactive_changes);
}

/* Both passes see the same versions and the same network from the start. */
static void
reset_world (Run *run)
{
  g_clear_pointer (&run->rand, g_rand_free);
  run->rand = g_rand_new_with_seed ((guint32) (run->seed * 2654435761u + 97));
  for (guint r = 0; r < run->n_resources; r++)
    {
      run->latest[r].version = 1;
      run->latest[r].created_at = run->start_s - DAY_S;
      run->next_version_at[r] = run->start_s
                                + (gint64) ceil (-log (1 - g_rand_double (run->rand))
                                                 * VERSION_MEAN_S);
    }
  /* Every segment "down" so that the first step computes the network from scratch. */
  memset (run->down, 1, run->n_segments);
}

static void
take_samples (Run              *run,
              const PmSnapshot *snapshot,
              guint             tick)
{
  for (guint e = 0; e < run->n_segments; e++)
    {
      if (snapshot != NULL)
        {
          const PmSample *sample = &snapshot->segments[e].sample;

          run->loss[e] = isnan (sample->loss_ratio) ? 0 : CLAMP (sample->loss_ratio, 0, 1);
          run->latency[e] = isnan (sample->latency_ms)
                              ? (float) pm_segment_baseline_rtt_ms (pm_topology_get_segment (run->topology, e))
                              : sample->latency_ms;
          g_array_append_val (run->recorded_loss, run->loss[e]);
          g_array_append_val (run->recorded_latency, run->latency[e]);
        }
      else
        {
          run->loss[e] = g_array_index (run->recorded_loss, float, (gsize) tick * run->n_segments + e);
          run->latency[e] = g_array_index (run->recorded_latency, float,
                                           (gsize) tick * run->n_segments + e);
        }
    }
}

/* The first pass runs the predictor and every policy but reactive, whose budget is what
 * Premirror replicated; the second replays the recorded samples for reactive alone. */
static gboolean
run_pass (Run        *run,
          gboolean    first,
          PmSource   *source,
          EventsFunc  get_events,
          gpointer    events_data,
          GError    **error)
{
  const PmEvalScenario *scenario = run->scenario;
  g_autoptr(PmSeriesStore) store = NULL;
  g_autoptr(PmPredictor) predictor = NULL;
  g_autoptr(PmRouting) routing = NULL;
  Policy *premirror = &run->policies[PM_E2E_PREMIRROR];
  Checks checks = { 0 };
  guint tick = 0;

  reset_world (run);
  if (first)
    {
      store = pm_series_store_new (run->n_segments, PM_SERIES_DEFAULT_STEP_S,
                                   PM_SERIES_DEFAULT_SPAN_S);
      predictor = pm_predictor_new (run->topology, scenario->horizon_s);
      routing = pm_routing_new (run->topology, run->resources, NULL);
    }
  else
    {
      checks.healthy = g_malloc ((gsize) run->n_sites * run->n_sites);
      checks.streak = g_malloc0 ((gsize) run->n_sites * run->n_sites);
      memset (checks.healthy, 1, (gsize) run->n_sites * run->n_sites);
    }

  for (gint64 t = run->start_s; t < run->end_s; t += STEP_S)
    {
      gboolean network_changed = update_network (run, t);

      update_daily_cycle (run, t);

      if ((t - run->start_s) % TICK_S == 0)
        {
          publish_versions (run, t);
          if (first)
            {
              g_autoptr(PmSnapshot) snapshot = pm_snapshot_new (run->topology);
              g_autoptr(GPtrArray) events = NULL;
              g_autofree guint8 *matrix = NULL;

              snapshot->time_s = t;
              snapshot->speed = 1;

              if (!pm_source_advance (source, store, t, error))
                return FALSE;
              events = get_events (events_data, t, t + scenario->horizon_s);
              /* As the engine's tick: events active now are the snapshot's (the planner keeps
               * mirrors out of storms), and the predictor has learned from the history. */
              for (guint i = 0; i < events->len; i++)
                {
                  const PmEvent *event = g_ptr_array_index (events, i);

                  if (event->issued_s <= t && event->start_s <= t && t < event->end_s)
                    g_ptr_array_add (snapshot->events, pm_event_copy (event));
                }
              pm_predictor_update (predictor, store, events, t, snapshot);
              snapshot->predicting = TRUE;
              take_samples (run, snapshot, tick);
              for (guint s = 0; s < run->n_sites; s++)
                {
                  float isolation = (float) snapshot->sites[s].isolation;

                  g_array_append_val (run->isolation_log, isolation);
                }

              matrix = replica_matrix (run, premirror, t);
              if (snapshot->predicting)
                plan_and_approve (run, premirror, snapshot, matrix);
              retire_cooled_down (run, premirror, snapshot);
              g_free (matrix);
              matrix = replica_matrix (run, premirror, t);
              route_premirror (run, premirror, routing, snapshot, matrix);
            }
          else
            take_samples (run, NULL, tick);
          tick++;
        }

      for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
        {
          Policy *policy = &run->policies[p];

          if (!policy->active)
            continue;
          if ((t - run->start_s) % TICK_S == 0)
            {
              queue_refreshes (run, policy, t);
              policy->tables_dirty = TRUE;
            }
          if (p == PM_E2E_REACTIVE)
            health_checks (run, policy, &checks, t);
          start_queued (run, policy, t);
          advance_running (run, policy, t);
          check_deadlines (run, policy, t);
          if (policy->tables_dirty || network_changed)
            refresh_tables (run, policy, t);
          count_requests (run, policy, t);
        }
      if (first)
        track_episodes (run, t, FALSE);
    }
  if (first)
    track_episodes (run, run->end_s, TRUE);

  for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
    if (run->policies[p].active)
      for (guint r = 0; r < run->n_resources; r++)
        for (guint s = 0; s < run->n_sites; s++)
          remove_replica (run, &run->policies[p], r, s, run->end_s);
  g_free (checks.healthy);
  g_free (checks.streak);
  return TRUE;
}

static gint64
reactive_move (const Run *run,
               int        client,
               int        resource,
               gint64     from_s,
               gint64     to_s)
{
  for (guint i = 0; i < run->reactive_changes->len; i++)
    {
      const AnswerChange *change = &g_array_index (run->reactive_changes, AnswerChange, i);

      if (change->client == client && change->resource == resource && change->at >= from_s
          && change->at <= to_s)
        return change->at;
    }
  return 0;
}

/* The first foreseen cut a Premirror mirror was ready and routed for. */
static PmE2eTimeline *
find_timeline (const Run *run)
{
  const Policy *premirror = &run->policies[PM_E2E_PREMIRROR];

  for (guint i = 0; i < premirror->jobs->len; i++)
    {
      const Job *job = &g_array_index (premirror->jobs, Job, i);

      if (job->users_site < 0 || job->state != JOB_DONE || job->routed_at == 0)
        continue;
      for (guint k = 0; k < run->episodes->len; k++)
        {
          const CutEpisode *episode = &g_array_index (run->episodes, CutEpisode, k);
          PmE2eTimeline *timeline;
          guint users = (guint) job->users_site;

          if (episode->site != users || !episode->foreseeable
              || episode->start_s < job->finished_at
              || episode->start_s > job->created_at + 4 * run->scenario->horizon_s)
            continue;
          timeline = g_new0 (PmE2eTimeline, 1);
          timeline->topology = g_strdup (pm_topology_get_name (run->topology));
          timeline->seed = run->seed;
          timeline->users_site = g_strdup (pm_topology_get_site (run->topology, users)->name);
          timeline->target_site = g_strdup (pm_topology_get_site (run->topology, job->site)->name);
          timeline->resource = g_strdup (pm_resources_get_resource (run->resources,
                                                                    job->resource)->name);
          timeline->from_s = MAX (run->start_s, MIN (job->created_at, episode->start_s)
                                                - TIMELINE_BEFORE_S / 2);
          timeline->to_s = MIN (run->end_s, episode->end_s + TIMELINE_AFTER_S);
          timeline->threshold = run->planner.isolation_threshold;
          timeline->proposed_at = job->created_at;
          timeline->transfer_start = job->started_at;
          timeline->transfer_end = job->finished_at;
          timeline->routed_at = job->routed_at;
          timeline->reactive_at = reactive_move (run, job->users_site, (int) job->resource,
                                                 episode->start_s, episode->end_s);
          timeline->cut_start = episode->start_s;
          timeline->cut_end = episode->end_s;
          timeline->isolation = g_array_new (FALSE, FALSE, sizeof (PmE2ePoint));
          for (gint64 t = timeline->from_s - (timeline->from_s - run->start_s) % TICK_S;
               t <= timeline->to_s; t += TICK_S)
            {
              gsize tick = (gsize) ((t - run->start_s) / TICK_S);
              PmE2ePoint point = { t, NAN };

              if (tick * run->n_sites + users < run->isolation_log->len)
                point.value = g_array_index (run->isolation_log, float,
                                             tick * run->n_sites + users);
              g_array_append_val (timeline->isolation, point);
            }
          return timeline;
        }
    }
  return NULL;
}

static gboolean
run_e2e (const PmEvalScenario *scenario,
         PmResources          *resources,
         guint64               seed,
         const GArray         *truth,
         gint64                start_s,
         gint64                end_s,
         PmSource             *source,
         EventsFunc            get_events,
         gpointer              events_data,
         PmE2eReport          *report,
         GError              **error)
{
  Run run;
  PmE2eRun result = { 0 };
  gboolean ok;

  run_init (&run, scenario, resources, seed, truth, start_s, end_s);
  for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
    policy_init (&run, &run.policies[p], p);

  /* Pass 1: everything but reactive; mirror-all holds every resource at every edge. */
  reset_world (&run);
  for (guint r = 0; r < run.n_resources; r++)
    for (guint s = 0; s < run.n_sites; s++)
      if (run.holds[s] && s != pm_resources_get_resource (resources, r)->origin)
        place_standing (&run, &run.policies[PM_E2E_MIRROR_ALL], r, s);
  run.policies[PM_E2E_ORIGIN_ONLY].active = TRUE;
  run.policies[PM_E2E_MIRROR_ALL].active = TRUE;
  run.policies[PM_E2E_PREMIRROR].active = TRUE;
  ok = run_pass (&run, TRUE, source, get_events, events_data, error);

  /* Pass 2: reactive with Premirror's bytes. */
  if (ok)
    {
      g_autofree double *copies = g_new (double, run.n_resources);

      /* Versions published during the pass: each one a refresh of every standing copy. */
      for (guint r = 0; r < run.n_resources; r++)
        copies[r] = (double) run.latest[r].version;
      for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
        run.policies[p].active = p == PM_E2E_REACTIVE;
      reset_world (&run);
      place_by_demand (&run, &run.policies[PM_E2E_REACTIVE],
                       run.policies[PM_E2E_PREMIRROR].tally.bytes_replicated, copies);
      /* Clients start at the GSLB's answer: their nearest standing mirror. */
      for (guint r = 0; r < run.n_resources; r++)
        for (guint c = 0; c < run.n_sites; c++)
          {
            Answer *answer = &run.policies[PM_E2E_REACTIVE].answers[(gsize) r * run.n_sites + c];
            const float *dist = run.dist_intact + (gsize) c * run.n_sites;

            for (guint s = 0; s < run.n_sites; s++)
              if (replica_of (&run, &run.policies[PM_E2E_REACTIVE], r, s)->present
                  && dist[s] < dist[answer->current])
                answer->current = answer->previous = (int) s;
          }
      ok = run_pass (&run, FALSE, NULL, NULL, NULL, error);
    }

  if (ok)
    {
      result.topology = g_strdup (pm_topology_get_name (run.topology));
      result.seed = seed;
      for (guint i = 0; i < truth->len; i++)
        {
          const PmPartition *p = &g_array_index (truth, PmPartition, i);

          if (p->start_s >= start_s && p->start_s < end_s)
            {
              result.partitions++;
              result.foreseeable += p->foreseeable;
            }
        }
      for (guint p = 0; p < PM_E2E_N_POLICIES; p++)
        {
          pm_e2e_tally_compute (&run.policies[p].tally, p, &result.metrics[p]);
          pm_e2e_tally_merge (&report->tally[p], &run.policies[p].tally);
        }
      report->partitions += result.partitions;
      report->foreseeable += result.foreseeable;
      g_array_append_val (report->runs, result);
      if (report->timeline == NULL)
        report->timeline = find_timeline (&run);
    }
  run_clear (&run);
  return ok;
}

gboolean
pm_e2e_run_simulated (const PmEvalScenario *scenario,
                      PmResources          *resources,
                      guint64               seed,
                      PmE2eReport          *report,
                      GError              **error)
{
  PmSimulatorConfig config = scenario->sim;
  g_autoptr(PmSimulator) simulator = NULL;
  g_autoptr(GArray) own_truth = NULL;
  gint64 start_s, end_s;

  config.seed = seed;
  simulator = pm_simulator_new (scenario->topology, &config);
  pm_eval_scenario_get_range (scenario, &start_s, &end_s);
  if (scenario->truth == NULL)
    own_truth = pm_eval_simulator_truth (simulator, start_s, end_s);
  return run_e2e (scenario, resources, seed, scenario->truth != NULL ? scenario->truth : own_truth,
                  start_s, end_s, PM_SOURCE (simulator), pm_eval_simulator_events, simulator,
                  report, error);
}

gboolean
pm_e2e_run_recorded (const PmEvalScenario *scenario,
                     PmResources          *resources,
                     PmSource             *source,
                     PmEventList          *events,
                     gint64                start_s,
                     gint64                end_s,
                     PmE2eReport          *report,
                     GError              **error)
{
  g_return_val_if_fail (PM_IS_SOURCE (source), FALSE);
  g_return_val_if_fail (scenario->truth != NULL, FALSE);
  g_return_val_if_fail (start_s < end_s, FALSE);

  /* The seed only draws the origins' version times. */
  return run_e2e (scenario, resources, 0, scenario->truth, start_s, end_s, source,
                  pm_eval_recorded_events, events, report, error);
}
