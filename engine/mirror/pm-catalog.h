/* pm-catalog.h: the replica catalogue: resources and their versions, replicas with their state
 * machine, proposals, decisions (the audit trail) and the job journal, behind one interface. The
 * embedded backend is SQLite (pm-catalog-sqlite.h); a shared one can implement the same interface.
 *
 * Every method is thread-safe: the engine (main thread), the executor's workers and the API
 * thread all use one catalogue. Every state change is one transaction: it either happens whole,
 * with its audit record, or not at all.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "model/pm-resources.h"

G_BEGIN_DECLS

#define PM_CATALOG_ERROR (pm_catalog_error_quark ())

typedef enum
{
  PM_CATALOG_ERROR_NOT_FOUND,   /* no such proposal, job, replica, resource (HTTP 404) */
  PM_CATALOG_ERROR_CONFLICT,    /* already decided, or another active job / pending proposal
                                 * exists (HTTP 409) */
  PM_CATALOG_ERROR_ILLEGAL,     /* a state transition the state machine refuses */
  PM_CATALOG_ERROR_INVALID,     /* an argument out of range (HTTP 400) */
  PM_CATALOG_ERROR_BACKEND,     /* the store failed: I/O, corrupt file, newer schema */
  PM_CATALOG_ERROR_READ_ONLY,   /* the store accepts no writes now */
} PmCatalogError;

/* Whether the catalogue takes changes now. A shared store that lost its quorum keeps showing
 * the last state it knew but refuses changes (READ_ONLY); one never reached holds nothing. */
typedef enum
{
  PM_CATALOG_STATE_OK,
  PM_CATALOG_STATE_READ_ONLY,
  PM_CATALOG_STATE_UNREACHABLE,
} PmCatalogState;

/* A replica of one resource at one site. Only IN_SYNC replicas (of a version the resource's
 * consistency level allows, see pm-consistency.h) may serve clients.
 *
 *   planned → copying → verifying → in_sync → stale → retiring → gone
 *   any of planned, copying, verifying → failed;  failed, gone → planned (a new attempt)
 *   copying, verifying → planned (reset after a restart);  stale → copying (refresh)
 *   in_sync → in_sync (a verified newer version replaces the old one in place)
 *   in_sync → retiring;  planned, failed → gone (cancelled before anything arrived) */
typedef enum
{
  PM_REPLICA_PLANNED,
  PM_REPLICA_COPYING,
  PM_REPLICA_VERIFYING,
  PM_REPLICA_IN_SYNC,
  PM_REPLICA_STALE,
  PM_REPLICA_RETIRING,
  PM_REPLICA_GONE,
  PM_REPLICA_FAILED,
} PmReplicaState;

typedef enum
{
  PM_PROPOSAL_PENDING,    /* waiting for an operator */
  PM_PROPOSAL_APPROVED,   /* by an operator or by the auto-approve policy; a job exists */
  PM_PROPOSAL_REJECTED,
  PM_PROPOSAL_WITHDRAWN,  /* the risk fell before anyone decided */
} PmProposalState;

typedef enum
{
  PM_JOB_QUEUED,     /* waiting for a slot, or for next_attempt_at after a failure */
  PM_JOB_RUNNING,
  PM_JOB_DONE,
  PM_JOB_FAILED,     /* permanently: error says why */
  PM_JOB_CANCELLED,
} PmJobState;

typedef struct
{
  char   *resource;
  gint64  version;        /* 1, 2, … per resource */
  char    sha256[65];     /* lowercase hex */
  guint64 size_bytes;
  gint64  created_at;     /* unix s: when the origin file with this digest was first seen */
} PmVersion;

typedef struct
{
  char          *resource;
  char          *site;
  PmReplicaState state;
  gint64         version;      /* the version it holds or is being copied; 0 = none */
  char           sha256[65];   /* that version's digest; "" when version is 0 */
  gint64         updated_at;
  gint64         verified_at;  /* when the digest of what arrived matched; 0 = never */
  gboolean       temporary;    /* placed for a predicted partition: retired after the cool-down */
  char          *error;        /* the last failure, NULL when none */
} PmReplica;

typedef struct
{
  gint64          id;
  char           *resource;
  char           *site;          /* the target: where the replica would be placed */
  PmProposalState state;
  gint64          created_at;
  gint64          updated_at;
  char           *users_site;    /* the site whose users it protects (the most at risk) */
  double          probability;   /* P(those users are cut off from every replica within H) */
  gint64          eta_s;         /* expected partition time; 0 = unknown */
  gint64          deadline_s;    /* latest start that finishes before eta_s at the measured
                                  * throughput; 0 = unknown */
  gboolean        late;          /* cannot finish before eta_s */
  guint64         bytes;
  double          benefit;       /* expected requests per hour kept served */
  double          score;         /* criticality × probability × demand ÷ bytes, for ranking */
  char           *reason;        /* in words, for the operator */
  char           *prediction;    /* JSON object: the risky segments and sites it came from */
} PmProposal;

typedef struct
{
  gint64 id;
  gint64 at;
  char  *who;        /* the operator's token name, the OS user, or "policy:auto-approve" */
  char  *action;     /* approve | reject | mirror | cancel | retry | retire (the policy approves
                      * as "policy:auto-approve", refreshes as "policy:consistency") */
  gint64 proposal;   /* 0 when the decision is not about a proposal */
  gint64 job;        /* the job it started or acted on; 0 when none */
  char  *resource;
  char  *site;
  char  *reason;     /* NULL when none was given */
} PmDecision;

typedef struct
{
  gint64     id;
  gint64     proposal;        /* 0 for a manual mirror */
  char      *resource;
  char      *site;
  gint64     version;
  char       sha256[65];
  guint64    bytes;
  double     priority;        /* higher first */
  gint64     deadline_s;      /* 0 = none; earlier first among equal priorities */
  PmJobState state;
  guint      attempts;        /* failed attempts so far */
  gint64     next_attempt_at; /* for a queued job after a transient failure; 0 = now */
  gint64     created_at;
  gint64     updated_at;
  guint64    bytes_done;      /* as of the last persisted change; live progress is the executor's */
  char      *error;           /* the last failure (the server's answer), NULL when none */
} PmJob;

/* An operator's acknowledgement or silence of an alert, kept across restarts; how one applies is
 * the alert manager's rule (predict/pm-alerts.h). Alert ids restart with the process, so a mark
 * is keyed by (kind, subject, subject_id), never by its alert's id. The strings are the
 * catalogue's storage format: a row a newer Premirror wrote may hold a kind this one does not
 * know, and the reader reports and skips it. */
typedef struct
{
  char   *kind;        /* "acknowledged" | "silenced" */
  char   *subject;     /* "segment" | "site" */
  char   *subject_id;  /* the segment's or site's id in the topology */
  char   *alert_id;    /* the alert it was made on, for the record; NULL when unknown */
  char   *who;
  gint64  at;          /* when it was made: the engine clock's unix seconds */
  gint64  until;       /* silenced: when it ends; 0 for an acknowledgement */
  char   *reason;      /* silenced: why; NULL for an acknowledgement */
} PmAlertMark;

/* What a decision that starts a job needs to know about it. */
typedef struct
{
  gint64  version;
  char    sha256[65];
  guint64 bytes;
  double  priority;
  gint64  deadline_s;
} PmJobSpec;

#define PM_TYPE_CATALOG (pm_catalog_get_type ())
G_DECLARE_INTERFACE (PmCatalog, pm_catalog, PM, CATALOG, GObject)

struct _PmCatalogInterface
{
  GTypeInterface parent_iface;

  const char *(*describe)         (PmCatalog *self);
  gboolean    (*sync_resources)   (PmCatalog *self, PmResources *resources, GError **error);
  gboolean    (*add_version)      (PmCatalog *self, const char *resource, const char *sha256,
                                   guint64 size_bytes, gint64 now, PmVersion *out,
                                   gboolean *is_new, GError **error);
  gboolean    (*get_latest_version) (PmCatalog *self, const char *resource, PmVersion *out,
                                     GError **error);
  GPtrArray  *(*list_replicas)    (PmCatalog *self, GError **error);
  gboolean    (*move_replica)     (PmCatalog *self, const char *resource, const char *site,
                                   PmReplicaState from, PmReplicaState to, gint64 version,
                                   const char *sha256, gboolean temporary, const char *error_text,
                                   gint64 now, GError **error);
  gint64      (*upsert_proposal)  (PmCatalog *self, const PmProposal *proposal, gint64 now,
                                   GError **error);
  gboolean    (*withdraw_proposal) (PmCatalog *self, gint64 id, gint64 now, GError **error);
  GPtrArray  *(*list_proposals)   (PmCatalog *self, GError **error);
  gint64      (*decide)           (PmCatalog *self, gint64 proposal, gboolean approve,
                                   const char *who, const char *reason, const PmJobSpec *spec,
                                   gint64 now, GError **error);
  gint64      (*mirror_now)       (PmCatalog *self, const char *resource, const char *site,
                                   const char *who, const char *reason, const PmJobSpec *spec,
                                   gint64 now, GError **error);
  GPtrArray  *(*list_jobs)        (PmCatalog *self, GError **error);
  PmJob      *(*get_job)          (PmCatalog *self, gint64 id, GError **error);
  gboolean    (*update_job)       (PmCatalog *self, const PmJob *job, PmJobState expected,
                                   gint64 now, GError **error);
  gboolean    (*act_on_job)       (PmCatalog *self, gint64 id, const char *action,
                                   const char *who, const char *reason, gint64 now,
                                   GError **error);
  gboolean    (*record_decision)  (PmCatalog *self, const PmDecision *decision, GError **error);
  GPtrArray  *(*list_decisions)   (PmCatalog *self, GError **error);
  gboolean    (*recover)          (PmCatalog *self, gint64 now, guint *n_reset, GError **error);
  GPtrArray  *(*list_alert_marks) (PmCatalog *self, GError **error);
  gboolean    (*update_alert_marks) (PmCatalog *self, GPtrArray *put, GPtrArray *remove,
                                     GError **error);
  GPtrArray  *(*list_alert_mark_log) (PmCatalog *self, GError **error);
  /* Optional: a backend without it is always OK. */
  PmCatalogState (*get_state)     (PmCatalog *self);
  /* Optional: a backend without it has one console, which always runs the jobs. */
  gboolean    (*is_executor)      (PmCatalog *self);
};

GQuark          pm_catalog_error_quark          (void);

/* OK, or why changes are refused now. */
PmCatalogState  pm_catalog_get_state            (PmCatalog *self);
/* Whether this console runs the jobs (and plans, refreshes and retires): a shared catalogue
 * elects one console among those using it; the others show what it does. */
gboolean        pm_catalog_is_executor          (PmCatalog *self);
/* "ok", "read_only", "unreachable": the API's names. */
const char     *pm_catalog_state_to_string      (PmCatalogState state);

/* "sqlite:/path/catalog.sqlite", … */
const char     *pm_catalog_describe             (PmCatalog *self);

/* Logs a change the engine could not record: a warning, except while the catalogue takes no
 * changes (READ_ONLY), which its state (the window's banner, /v1/health) already tells the
 * operator, and which the engine meets as an expected outage: a message then. */
void            pm_catalog_report_failure       (const char   *what,
                                                 const GError *error);

/* Adds the inventory's resources (and updates their metadata). */
gboolean        pm_catalog_sync_resources       (PmCatalog   *self,
                                                 PmResources *resources,
                                                 GError     **error);

/* Records the origin file's digest as the resource's newest version unless it already is;
 * *is_new says which. *out is the newest version either way (free with pm_version_clear). */
gboolean        pm_catalog_add_version          (PmCatalog  *self,
                                                 const char *resource,
                                                 const char *sha256,
                                                 guint64     size_bytes,
                                                 gint64      now,
                                                 PmVersion  *out,
                                                 gboolean   *is_new,
                                                 GError    **error);
/* NOT_FOUND when the resource has no version yet. */
gboolean        pm_catalog_get_latest_version   (PmCatalog  *self,
                                                 const char *resource,
                                                 PmVersion  *out,
                                                 GError    **error);

/* PmReplica, sorted by resource then site; NULL on error. */
GPtrArray      *pm_catalog_list_replicas        (PmCatalog *self,
                                                 GError   **error);
/* Compare-and-set: fails with CONFLICT when the replica is not in `from` (a missing replica is
 * GONE), ILLEGAL when from → to is not an edge of the state machine. version/sha256 are stored
 * when version > 0; moving to IN_SYNC requires them. error_text is kept for FAILED. */
gboolean        pm_catalog_move_replica         (PmCatalog     *self,
                                                 const char    *resource,
                                                 const char    *site,
                                                 PmReplicaState from,
                                                 PmReplicaState to,
                                                 gint64         version,
                                                 const char    *sha256,
                                                 gboolean       temporary,
                                                 const char    *error_text,
                                                 gint64         now,
                                                 GError       **error);

/* Inserts a pending proposal for (resource, site), or updates the pending one's prediction
 * fields (never a second one). Returns its id, 0 on error. */
gint64          pm_catalog_upsert_proposal      (PmCatalog        *self,
                                                 const PmProposal *proposal,
                                                 gint64            now,
                                                 GError          **error);
/* Pending → withdrawn; CONFLICT when it is no longer pending. */
gboolean        pm_catalog_withdraw_proposal    (PmCatalog *self,
                                                 gint64     id,
                                                 gint64     now,
                                                 GError   **error);
/* PmProposal, newest first. */
GPtrArray      *pm_catalog_list_proposals       (PmCatalog *self,
                                                 GError   **error);

/* One transaction: the proposal must be pending (else CONFLICT, so of two concurrent decisions
 * exactly one wins); it becomes approved or rejected, the decision is recorded and, when
 * approved, a queued job is created from spec and the target replica becomes planned (unless it
 * already holds or is getting a replica). Returns the job id (approve) or the decision id
 * (reject), 0 on error. Rejecting needs a reason. */
gint64          pm_catalog_decide               (PmCatalog       *self,
                                                 gint64           proposal,
                                                 gboolean         approve,
                                                 const char      *who,
                                                 const char      *reason,
                                                 const PmJobSpec *spec,
                                                 gint64           now,
                                                 GError         **error);
/* A manual "mirror resource to site now": decision + queued job in one transaction; CONFLICT
 * when a queued or running job for (resource, site) exists. Returns the job id. */
gint64          pm_catalog_mirror_now           (PmCatalog       *self,
                                                 const char      *resource,
                                                 const char      *site,
                                                 const char      *who,
                                                 const char      *reason,
                                                 const PmJobSpec *spec,
                                                 gint64           now,
                                                 GError         **error);

/* PmJob, newest first. */
GPtrArray      *pm_catalog_list_jobs            (PmCatalog *self,
                                                 GError   **error);
PmJob          *pm_catalog_get_job              (PmCatalog *self,
                                                 gint64     id,
                                                 GError   **error);
/* Compare-and-set on the job's state: writes job's state, attempts, next_attempt_at,
 * bytes_done and error when the stored state is `expected` (else CONFLICT). */
gboolean        pm_catalog_update_job           (PmCatalog   *self,
                                                 const PmJob *job,
                                                 PmJobState   expected,
                                                 gint64       now,
                                                 GError     **error);
/* An operator's "cancel" (queued or running → cancelled) or "retry" (failed or cancelled →
 * queued, attempts reset) with its decision record; CONFLICT when the state does not allow it. */
gboolean        pm_catalog_act_on_job           (PmCatalog  *self,
                                                 gint64      id,
                                                 const char *action,
                                                 const char *who,
                                                 const char *reason,
                                                 gint64      now,
                                                 GError    **error);

gboolean        pm_catalog_record_decision      (PmCatalog        *self,
                                                 const PmDecision *decision,
                                                 GError          **error);
/* PmDecision, oldest first. */
GPtrArray      *pm_catalog_list_decisions       (PmCatalog *self,
                                                 GError   **error);

/* After a crash: running jobs go back to queued, replicas left in copying or verifying go back
 * to planned (their temporary files are the transports' to clean up); nothing is in_sync that
 * was not verified. *n_reset counts what was reset. */
gboolean        pm_catalog_recover              (PmCatalog *self,
                                                 gint64     now,
                                                 guint     *n_reset,
                                                 GError   **error);

/* The acknowledgements and silences in force (PmAlertMark), by kind, subject and subject id. */
GPtrArray      *pm_catalog_list_alert_marks     (PmCatalog *self,
                                                 GError   **error);
/* One transaction: removes the marks of remove (PmAlertMark; only the key is read) and stores
 * those of put, replacing a stored mark with the same key. A mark that is new, or made again
 * (another who, at, until or reason), is also appended to the alert mark log: the audit trail of
 * who acknowledged or silenced what, when and why, which nothing deletes. Either may be NULL. */
gboolean        pm_catalog_update_alert_marks   (PmCatalog *self,
                                                 GPtrArray *put,
                                                 GPtrArray *remove,
                                                 GError   **error);
/* That log (PmAlertMark), oldest first. */
GPtrArray      *pm_catalog_list_alert_mark_log  (PmCatalog *self,
                                                 GError   **error);

const char     *pm_replica_state_to_string      (PmReplicaState state);
gboolean        pm_replica_state_from_string    (const char     *text,
                                                 PmReplicaState *state);
gboolean        pm_replica_state_can_move       (PmReplicaState from,
                                                 PmReplicaState to);
const char     *pm_proposal_state_to_string     (PmProposalState state);
gboolean        pm_proposal_state_from_string   (const char      *text,
                                                 PmProposalState *state);
const char     *pm_job_state_to_string          (PmJobState state);
gboolean        pm_job_state_from_string        (const char *text,
                                                 PmJobState *state);

void            pm_version_clear                (PmVersion *version);
void            pm_replica_free                 (PmReplica *replica);
PmProposal     *pm_proposal_copy                (const PmProposal *proposal);
void            pm_proposal_free                (PmProposal *proposal);
void            pm_decision_free                (PmDecision *decision);
PmJob          *pm_job_copy                     (const PmJob *job);
void            pm_job_free                     (PmJob *job);
PmAlertMark    *pm_alert_mark_copy              (const PmAlertMark *mark);
void            pm_alert_mark_free              (PmAlertMark *mark);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmJob, pm_job_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmProposal, pm_proposal_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmAlertMark, pm_alert_mark_free)

G_END_DECLS
