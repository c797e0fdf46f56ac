/* pm-catalog.c: the replica catalogue interface: dispatch to the backend's vfuncs, the state
 * machine's edges and names, and the record types' copy and free functions.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-catalog.h"

#include <string.h>

G_DEFINE_INTERFACE (PmCatalog, pm_catalog, G_TYPE_OBJECT)

G_DEFINE_QUARK (pm-catalog-error-quark, pm_catalog_error)

/* Indexed by the enums: the names are the catalogue's storage format and the API's JSON, so they
 * never change. */
static const char *const replica_state_names[] = {
  [PM_REPLICA_PLANNED] = "planned",
  [PM_REPLICA_COPYING] = "copying",
  [PM_REPLICA_VERIFYING] = "verifying",
  [PM_REPLICA_IN_SYNC] = "in_sync",
  [PM_REPLICA_STALE] = "stale",
  [PM_REPLICA_RETIRING] = "retiring",
  [PM_REPLICA_GONE] = "gone",
  [PM_REPLICA_FAILED] = "failed",
};

static const char *const proposal_state_names[] = {
  [PM_PROPOSAL_PENDING] = "pending",
  [PM_PROPOSAL_APPROVED] = "approved",
  [PM_PROPOSAL_REJECTED] = "rejected",
  [PM_PROPOSAL_WITHDRAWN] = "withdrawn",
};

static const char *const job_state_names[] = {
  [PM_JOB_QUEUED] = "queued",
  [PM_JOB_RUNNING] = "running",
  [PM_JOB_DONE] = "done",
  [PM_JOB_FAILED] = "failed",
  [PM_JOB_CANCELLED] = "cancelled",
};

#define BIT(state) (1u << (state))

/* The replica state machine of pm-catalog.h, one row per source state: the set of targets. */
static const guint replica_edges[] = {
  [PM_REPLICA_PLANNED] = BIT (PM_REPLICA_COPYING) | BIT (PM_REPLICA_FAILED) | BIT (PM_REPLICA_GONE),
  [PM_REPLICA_COPYING] = BIT (PM_REPLICA_VERIFYING) | BIT (PM_REPLICA_FAILED)
                         | BIT (PM_REPLICA_PLANNED),
  [PM_REPLICA_VERIFYING] = BIT (PM_REPLICA_IN_SYNC) | BIT (PM_REPLICA_FAILED)
                           | BIT (PM_REPLICA_PLANNED),
  [PM_REPLICA_IN_SYNC] = BIT (PM_REPLICA_STALE) | BIT (PM_REPLICA_IN_SYNC)
                         | BIT (PM_REPLICA_RETIRING),
  [PM_REPLICA_STALE] = BIT (PM_REPLICA_RETIRING) | BIT (PM_REPLICA_COPYING),
  [PM_REPLICA_RETIRING] = BIT (PM_REPLICA_GONE),
  [PM_REPLICA_GONE] = BIT (PM_REPLICA_PLANNED),
  [PM_REPLICA_FAILED] = BIT (PM_REPLICA_PLANNED) | BIT (PM_REPLICA_GONE),
};

#undef BIT

static const char *
name_of (const char *const *names,
         guint              n_names,
         guint              value)
{
  return value < n_names ? names[value] : "unknown";
}

static gboolean
value_of (const char *const *names,
          guint              n_names,
          const char        *text,
          guint             *value)
{
  for (guint i = 0; text != NULL && i < n_names; i++)
    if (g_str_equal (text, names[i]))
      {
        *value = i;
        return TRUE;
      }
  return FALSE;
}

static void
pm_catalog_default_init (PmCatalogInterface *iface)
{
}

/* Every wrapper checks its instance and that the backend implements the method: a missing vfunc is
 * a programming error, reported by GLib's critical rather than a crash. */
#define IFACE_OR_RETURN(self, method, value)                                                      \
  PmCatalogInterface *iface;                                                                      \
  g_return_val_if_fail (PM_IS_CATALOG (self), value);                                             \
  iface = PM_CATALOG_GET_IFACE (self);                                                            \
  g_return_val_if_fail (iface->method != NULL, value)

PmCatalogState
pm_catalog_get_state (PmCatalog *self)
{
  PmCatalogInterface *iface;

  g_return_val_if_fail (PM_IS_CATALOG (self), PM_CATALOG_STATE_UNREACHABLE);
  iface = PM_CATALOG_GET_IFACE (self);
  return iface->get_state != NULL ? iface->get_state (self) : PM_CATALOG_STATE_OK;
}

gboolean
pm_catalog_is_executor (PmCatalog *self)
{
  PmCatalogInterface *iface;

  g_return_val_if_fail (PM_IS_CATALOG (self), FALSE);
  iface = PM_CATALOG_GET_IFACE (self);
  return iface->is_executor == NULL || iface->is_executor (self);
}

const char *
pm_catalog_state_to_string (PmCatalogState state)
{
  static const char *const names[] = {
    [PM_CATALOG_STATE_OK] = "ok",
    [PM_CATALOG_STATE_READ_ONLY] = "read_only",
    [PM_CATALOG_STATE_UNREACHABLE] = "unreachable",
  };

  return name_of (names, G_N_ELEMENTS (names), state);
}

const char *
pm_catalog_describe (PmCatalog *self)
{
  IFACE_OR_RETURN (self, describe, NULL);
  return iface->describe (self);
}

void
pm_catalog_report_failure (const char   *what,
                           const GError *error)
{
  if (error == NULL)
    return;
  if (g_error_matches (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_READ_ONLY))
    g_message ("%s: %s", what, error->message);
  else
    g_warning ("%s: %s", what, error->message);
}

gboolean
pm_catalog_sync_resources (PmCatalog   *self,
                           PmResources *resources,
                           GError     **error)
{
  IFACE_OR_RETURN (self, sync_resources, FALSE);
  g_return_val_if_fail (PM_IS_RESOURCES (resources), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return iface->sync_resources (self, resources, error);
}

gboolean
pm_catalog_add_version (PmCatalog  *self,
                        const char *resource,
                        const char *sha256,
                        guint64     size_bytes,
                        gint64      now,
                        PmVersion  *out,
                        gboolean   *is_new,
                        GError    **error)
{
  IFACE_OR_RETURN (self, add_version, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return iface->add_version (self, resource, sha256, size_bytes, now, out, is_new, error);
}

gboolean
pm_catalog_get_latest_version (PmCatalog  *self,
                               const char *resource,
                               PmVersion  *out,
                               GError    **error)
{
  IFACE_OR_RETURN (self, get_latest_version, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return iface->get_latest_version (self, resource, out, error);
}

GPtrArray *
pm_catalog_list_replicas (PmCatalog *self,
                          GError   **error)
{
  IFACE_OR_RETURN (self, list_replicas, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return iface->list_replicas (self, error);
}

gboolean
pm_catalog_move_replica (PmCatalog     *self,
                         const char    *resource,
                         const char    *site,
                         PmReplicaState from,
                         PmReplicaState to,
                         gint64         version,
                         const char    *sha256,
                         gboolean       temporary,
                         const char    *error_text,
                         gint64         now,
                         GError       **error)
{
  IFACE_OR_RETURN (self, move_replica, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return iface->move_replica (self, resource, site, from, to, version, sha256, temporary,
                              error_text, now, error);
}

gint64
pm_catalog_upsert_proposal (PmCatalog        *self,
                            const PmProposal *proposal,
                            gint64            now,
                            GError          **error)
{
  IFACE_OR_RETURN (self, upsert_proposal, 0);
  g_return_val_if_fail (proposal != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);
  return iface->upsert_proposal (self, proposal, now, error);
}

gboolean
pm_catalog_withdraw_proposal (PmCatalog *self,
                              gint64     id,
                              gint64     now,
                              GError   **error)
{
  IFACE_OR_RETURN (self, withdraw_proposal, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return iface->withdraw_proposal (self, id, now, error);
}

GPtrArray *
pm_catalog_list_proposals (PmCatalog *self,
                           GError   **error)
{
  IFACE_OR_RETURN (self, list_proposals, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return iface->list_proposals (self, error);
}

gint64
pm_catalog_decide (PmCatalog       *self,
                   gint64           proposal,
                   gboolean         approve,
                   const char      *who,
                   const char      *reason,
                   const PmJobSpec *spec,
                   gint64           now,
                   GError         **error)
{
  IFACE_OR_RETURN (self, decide, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);
  return iface->decide (self, proposal, approve, who, reason, spec, now, error);
}

gint64
pm_catalog_mirror_now (PmCatalog       *self,
                       const char      *resource,
                       const char      *site,
                       const char      *who,
                       const char      *reason,
                       const PmJobSpec *spec,
                       gint64           now,
                       GError         **error)
{
  IFACE_OR_RETURN (self, mirror_now, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);
  return iface->mirror_now (self, resource, site, who, reason, spec, now, error);
}

GPtrArray *
pm_catalog_list_jobs (PmCatalog *self,
                      GError   **error)
{
  IFACE_OR_RETURN (self, list_jobs, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return iface->list_jobs (self, error);
}

PmJob *
pm_catalog_get_job (PmCatalog *self,
                    gint64     id,
                    GError   **error)
{
  IFACE_OR_RETURN (self, get_job, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return iface->get_job (self, id, error);
}

gboolean
pm_catalog_update_job (PmCatalog   *self,
                       const PmJob *job,
                       PmJobState   expected,
                       gint64       now,
                       GError     **error)
{
  IFACE_OR_RETURN (self, update_job, FALSE);
  g_return_val_if_fail (job != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return iface->update_job (self, job, expected, now, error);
}

gboolean
pm_catalog_act_on_job (PmCatalog  *self,
                       gint64      id,
                       const char *action,
                       const char *who,
                       const char *reason,
                       gint64      now,
                       GError    **error)
{
  IFACE_OR_RETURN (self, act_on_job, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return iface->act_on_job (self, id, action, who, reason, now, error);
}

gboolean
pm_catalog_record_decision (PmCatalog        *self,
                            const PmDecision *decision,
                            GError          **error)
{
  IFACE_OR_RETURN (self, record_decision, FALSE);
  g_return_val_if_fail (decision != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return iface->record_decision (self, decision, error);
}

GPtrArray *
pm_catalog_list_decisions (PmCatalog *self,
                           GError   **error)
{
  IFACE_OR_RETURN (self, list_decisions, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return iface->list_decisions (self, error);
}

gboolean
pm_catalog_recover (PmCatalog *self,
                    gint64     now,
                    guint     *n_reset,
                    GError   **error)
{
  IFACE_OR_RETURN (self, recover, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  return iface->recover (self, now, n_reset, error);
}

/* Alert marks are optional for a backend: one without them says so, and the engine carries on
 * with marks that last as long as the process. */
static gboolean
keeps_alert_marks (PmCatalog          *self,
                   PmCatalogInterface *iface,
                   gboolean            implemented,
                   GError            **error)
{
  if (implemented)
    return TRUE;
  g_set_error (error, PM_CATALOG_ERROR, PM_CATALOG_ERROR_BACKEND,
               "Catalogue %s does not keep acknowledgements and silences: they last until the "
               "engine stops", iface->describe != NULL ? iface->describe (self) : "?");
  return FALSE;
}

GPtrArray *
pm_catalog_list_alert_marks (PmCatalog *self,
                             GError   **error)
{
  PmCatalogInterface *iface;

  g_return_val_if_fail (PM_IS_CATALOG (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  iface = PM_CATALOG_GET_IFACE (self);
  if (!keeps_alert_marks (self, iface, iface->list_alert_marks != NULL, error))
    return NULL;
  return iface->list_alert_marks (self, error);
}

gboolean
pm_catalog_update_alert_marks (PmCatalog *self,
                               GPtrArray *put,
                               GPtrArray *remove,
                               GError   **error)
{
  PmCatalogInterface *iface;

  g_return_val_if_fail (PM_IS_CATALOG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  iface = PM_CATALOG_GET_IFACE (self);
  if (!keeps_alert_marks (self, iface, iface->update_alert_marks != NULL, error))
    return FALSE;
  return iface->update_alert_marks (self, put, remove, error);
}

GPtrArray *
pm_catalog_list_alert_mark_log (PmCatalog *self,
                                GError   **error)
{
  PmCatalogInterface *iface;

  g_return_val_if_fail (PM_IS_CATALOG (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  iface = PM_CATALOG_GET_IFACE (self);
  if (!keeps_alert_marks (self, iface, iface->list_alert_mark_log != NULL, error))
    return NULL;
  return iface->list_alert_mark_log (self, error);
}

#undef IFACE_OR_RETURN

const char *
pm_replica_state_to_string (PmReplicaState state)
{
  return name_of (replica_state_names, G_N_ELEMENTS (replica_state_names), state);
}

gboolean
pm_replica_state_from_string (const char     *text,
                              PmReplicaState *state)
{
  guint value;

  if (!value_of (replica_state_names, G_N_ELEMENTS (replica_state_names), text, &value))
    return FALSE;
  *state = value;
  return TRUE;
}

gboolean
pm_replica_state_can_move (PmReplicaState from,
                           PmReplicaState to)
{
  if ((guint) from >= G_N_ELEMENTS (replica_edges) || (guint) to >= G_N_ELEMENTS (replica_edges))
    return FALSE;
  return (replica_edges[from] & (1u << to)) != 0;
}

const char *
pm_proposal_state_to_string (PmProposalState state)
{
  return name_of (proposal_state_names, G_N_ELEMENTS (proposal_state_names), state);
}

gboolean
pm_proposal_state_from_string (const char      *text,
                               PmProposalState *state)
{
  guint value;

  if (!value_of (proposal_state_names, G_N_ELEMENTS (proposal_state_names), text, &value))
    return FALSE;
  *state = value;
  return TRUE;
}

const char *
pm_job_state_to_string (PmJobState state)
{
  return name_of (job_state_names, G_N_ELEMENTS (job_state_names), state);
}

gboolean
pm_job_state_from_string (const char *text,
                          PmJobState *state)
{
  guint value;

  if (!value_of (job_state_names, G_N_ELEMENTS (job_state_names), text, &value))
    return FALSE;
  *state = value;
  return TRUE;
}

void
pm_version_clear (PmVersion *version)
{
  if (version == NULL)
    return;
  g_clear_pointer (&version->resource, g_free);
  memset (version, 0, sizeof *version);
}

void
pm_replica_free (PmReplica *replica)
{
  if (replica == NULL)
    return;
  g_free (replica->resource);
  g_free (replica->site);
  g_free (replica->error);
  g_free (replica);
}

PmProposal *
pm_proposal_copy (const PmProposal *proposal)
{
  PmProposal *copy;

  g_return_val_if_fail (proposal != NULL, NULL);
  copy = g_memdup2 (proposal, sizeof *proposal);
  copy->resource = g_strdup (proposal->resource);
  copy->site = g_strdup (proposal->site);
  copy->users_site = g_strdup (proposal->users_site);
  copy->reason = g_strdup (proposal->reason);
  copy->prediction = g_strdup (proposal->prediction);
  return copy;
}

void
pm_proposal_free (PmProposal *proposal)
{
  if (proposal == NULL)
    return;
  g_free (proposal->resource);
  g_free (proposal->site);
  g_free (proposal->users_site);
  g_free (proposal->reason);
  g_free (proposal->prediction);
  g_free (proposal);
}

void
pm_decision_free (PmDecision *decision)
{
  if (decision == NULL)
    return;
  g_free (decision->who);
  g_free (decision->action);
  g_free (decision->resource);
  g_free (decision->site);
  g_free (decision->reason);
  g_free (decision);
}

PmJob *
pm_job_copy (const PmJob *job)
{
  PmJob *copy;

  g_return_val_if_fail (job != NULL, NULL);
  copy = g_memdup2 (job, sizeof *job);
  copy->resource = g_strdup (job->resource);
  copy->site = g_strdup (job->site);
  copy->error = g_strdup (job->error);
  return copy;
}

void
pm_job_free (PmJob *job)
{
  if (job == NULL)
    return;
  g_free (job->resource);
  g_free (job->site);
  g_free (job->error);
  g_free (job);
}

PmAlertMark *
pm_alert_mark_copy (const PmAlertMark *mark)
{
  PmAlertMark *copy;

  g_return_val_if_fail (mark != NULL, NULL);
  copy = g_memdup2 (mark, sizeof *mark);
  copy->kind = g_strdup (mark->kind);
  copy->subject = g_strdup (mark->subject);
  copy->subject_id = g_strdup (mark->subject_id);
  copy->alert_id = g_strdup (mark->alert_id);
  copy->who = g_strdup (mark->who);
  copy->reason = g_strdup (mark->reason);
  return copy;
}

void
pm_alert_mark_free (PmAlertMark *mark)
{
  if (mark == NULL)
    return;
  g_free (mark->kind);
  g_free (mark->subject);
  g_free (mark->subject_id);
  g_free (mark->alert_id);
  g_free (mark->who);
  g_free (mark->reason);
  g_free (mark);
}
