/* pm-alerts.c: the alert state machine per segment and site, operator actions, export and log.
 *
 * Each subject has a slot: its current pending or firing alert, its alert count (for ids) and
 * its silence. Resolved alerts move to a list, oldest first, until they expire. A hash table
 * finds any listed alert by id for the API. A tick touches only the subjects that are at or
 * above the fire threshold or have an alert, so 6,000 subjects cost a few microseconds when
 * nothing happens.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-alerts.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>

typedef struct
{
  PmAlert alert;            /* what is exported; alert.silenced_until mirrors the slot's */
  gint64  above_since;      /* pending: start of the current run at or above fire (0: none) */
  gint64  below_since;      /* firing: start of the current run below clear (0: none) */
  gint64  acknowledged_at;
  char   *silenced_by;
  gint64  silenced_at;
  guint   log_index;        /* G_MAXUINT until it fires */
} Entry;

typedef struct
{
  Entry *active;            /* pending or firing, or NULL */
  guint  n_raised;
  gint64 silenced_until;    /* the subject's silence: later alerts inherit it */
  char  *silence_reason;
  char  *silenced_by;
  gint64 silenced_at;
  char  *silenced_alert;    /* the id it was made on, for the record */
  /* A restored acknowledgement whose alert this run has not raised yet: the next alert of the
   * subject takes it, unless the subject stays calm for clear_s first (its episode ended). */
  char  *carried_by;
  char  *carried_alert;
  gint64 carried_at;
  gint64 carried_calm_since;  /* start of the current run below clear_threshold (0: none) */
} Slot;

struct _PmAlertManager
{
  GObject        parent_instance;

  GMutex         mutex;
  PmTopology    *topology;
  PmAlertParams  params[2];   /* by PmAlertSubject */
  guint          n_segments;
  guint          n_sites;
  Slot          *slots;       /* segments, then sites */
  GHashTable    *by_id;       /* id → Entry, active and resolved (owns the entries) */
  GPtrArray     *resolved;    /* Entry, in resolution order */
  GArray        *log;         /* PmAlertRecord */
  gint64         last_update;
  guint64        marks_serial;  /* grows whenever the marks pm_alert_manager_dup_marks gives may
                                 * have changed */
};

G_DEFINE_FINAL_TYPE (PmAlertManager, pm_alert_manager, G_TYPE_OBJECT)

G_DEFINE_QUARK (pm-alert-error-quark, pm_alert_error)

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_free (entry->alert.id);
  g_free (entry->alert.acknowledged_by);
  g_free (entry->alert.silence_reason);
  g_free (entry->silenced_by);
  g_free (entry);
}

static Slot *
slot_of (PmAlertManager *self,
         PmAlertSubject  subject,
         guint           index)
{
  return &self->slots[subject == PM_ALERT_SEGMENT ? index : self->n_segments + index];
}

static const char *
subject_id (PmAlertManager *self,
            PmAlertSubject  subject,
            guint           index)
{
  return subject == PM_ALERT_SEGMENT ? pm_topology_get_segment (self->topology, index)->id
                                     : pm_topology_get_site (self->topology, index)->id;
}

static void
set_figures (Entry              *entry,
             double              probability,
             gint64              eta_s,
             const PmRiskFactor *factors,
             guint               n_factors)
{
  entry->alert.probability = probability;
  entry->alert.eta_s = eta_s;
  entry->alert.n_factors = MIN (n_factors, PM_MAX_FACTORS);
  for (guint i = 0; i < entry->alert.n_factors; i++)
    {
      entry->alert.factors[i] = factors[i];
      /* Snapshots outlive the caller's strings: keep names that live for ever. */
      entry->alert.factors[i].name = g_intern_string (factors[i].name);
    }
}

/* The subject's silence onto one of its alerts. */
static void
inherit_silence (Entry      *entry,
                 const Slot *slot)
{
  entry->alert.silenced_until = slot->silenced_until;
  g_free (entry->alert.silence_reason);
  entry->alert.silence_reason = g_strdup (slot->silence_reason);
  g_free (entry->silenced_by);
  entry->silenced_by = g_strdup (slot->silenced_by);
  entry->silenced_at = slot->silenced_at;
}

static void
clear_silence (Entry *entry)
{
  entry->alert.silenced_until = 0;
  g_clear_pointer (&entry->alert.silence_reason, g_free);
}

static void
clear_slot_silence (Slot *slot)
{
  slot->silenced_until = 0;
  g_clear_pointer (&slot->silence_reason, g_free);
  g_clear_pointer (&slot->silenced_alert, g_free);
}

static void
clear_carried (Slot *slot)
{
  g_clear_pointer (&slot->carried_by, g_free);
  g_clear_pointer (&slot->carried_alert, g_free);
  slot->carried_at = 0;
  slot->carried_calm_since = 0;
}

static void
acknowledge_entry (Entry      *entry,
                   const char *who,
                   gint64      at)
{
  entry->alert.acknowledged = TRUE;
  g_free (entry->alert.acknowledged_by);
  entry->alert.acknowledged_by = g_strdup (who);
  entry->acknowledged_at = at;
}

/* An episode ends when its alert resolves or its pending alert is dropped: its acknowledgement
 * ends with it, and the store forgets it. */
static void
end_episode (PmAlertManager *self,
             Entry          *entry)
{
  if (entry->alert.acknowledged)
    self->marks_serial++;
}

/* With no alert raised yet in this run, a restored acknowledgement waits; a subject calm for as
 * long as a firing alert takes to resolve has ended the episode it was made on. */
static void
settle_carried (PmAlertManager      *self,
                Slot                *slot,
                const PmAlertParams *params,
                double               probability,
                gint64               now)
{
  if (probability >= params->clear_threshold)
    {
      slot->carried_calm_since = 0;
      return;
    }
  if (slot->carried_calm_since == 0)
    slot->carried_calm_since = now;
  if (now - slot->carried_calm_since >= params->clear_s)
    {
      clear_carried (slot);
      self->marks_serial++;
    }
}

static Entry *
raise_alert (PmAlertManager *self,
             Slot           *slot,
             PmAlertSubject  subject,
             guint           index,
             gint64          now)
{
  Entry *entry = g_new0 (Entry, 1);

  entry->alert.id = g_strdup_printf ("%s:%s:%u", subject == PM_ALERT_SEGMENT ? "segment" : "site",
                                     subject_id (self, subject, index), ++slot->n_raised);
  entry->alert.subject = subject;
  entry->alert.index = index;
  entry->alert.state = PM_ALERT_PENDING;
  entry->alert.pending_since = now;
  entry->above_since = now;
  entry->log_index = G_MAXUINT;
  if (slot->silenced_until > now)
    inherit_silence (entry, slot);
  /* The episode a restored acknowledgement was made on goes on. */
  if (slot->carried_by != NULL)
    {
      acknowledge_entry (entry, slot->carried_by, slot->carried_at);
      clear_carried (slot);
    }
  g_hash_table_insert (self->by_id, entry->alert.id, entry);
  slot->active = entry;
  return entry;
}

static void
drop_entry (PmAlertManager *self,
            Entry          *entry)
{
  g_hash_table_remove (self->by_id, entry->alert.id);
}

static void
fire (PmAlertManager *self,
      Entry          *entry,
      gint64          now)
{
  PmAlertRecord record = {
    .id = g_strdup (entry->alert.id),
    .subject = entry->alert.subject,
    .index = entry->alert.index,
    .pending_since = entry->alert.pending_since,
    .fired_at = now,
    .probability = entry->alert.probability,
    .peak = entry->alert.probability,
  };

  entry->alert.state = PM_ALERT_FIRING;
  entry->alert.fired_at = now;
  entry->below_since = 0;
  entry->log_index = self->log->len;
  g_array_append_val (self->log, record);
}

static void
resolve (PmAlertManager *self,
         Slot           *slot,
         Entry          *entry,
         gint64          now)
{
  entry->alert.state = PM_ALERT_RESOLVED;
  entry->alert.resolved_at = now;
  if (entry->log_index != G_MAXUINT)
    g_array_index (self->log, PmAlertRecord, entry->log_index).resolved_at = now;
  slot->active = NULL;
  g_ptr_array_add (self->resolved, entry);
  end_episode (self, entry);
}

static void
step (PmAlertManager     *self,
      gint64              now,
      PmAlertSubject      subject,
      guint               index,
      double              probability,
      gint64              eta_s,
      const PmRiskFactor *factors,
      guint               n_factors)
{
  const PmAlertParams *params = &self->params[subject];
  Slot *slot = slot_of (self, subject, index);
  Entry *entry = slot->active;
  gboolean known = !isnan (probability);

  if (entry == NULL)
    {
      if (slot->carried_by != NULL && known)
        settle_carried (self, slot, params, probability, now);
      if (!known || probability < params->fire_threshold)
        return;
      entry = raise_alert (self, slot, subject, index, now);
    }
  if (known)
    set_figures (entry, probability, eta_s, factors, n_factors);

  switch (entry->alert.state)
    {
    case PM_ALERT_PENDING:
      if (known && probability < params->clear_threshold)
        {
          slot->active = NULL;
          end_episode (self, entry);
          drop_entry (self, entry);
          return;
        }
      if (!known || probability < params->fire_threshold)
        entry->above_since = 0;
      else if (entry->above_since == 0)
        entry->above_since = now;
      if (entry->above_since != 0 && now - entry->above_since >= params->hold_s)
        fire (self, entry, now);
      break;

    case PM_ALERT_FIRING:
      if (known)
        {
          PmAlertRecord *record = &g_array_index (self->log, PmAlertRecord, entry->log_index);
          record->peak = MAX (record->peak, probability);
        }
      if (!known || probability >= params->clear_threshold)
        entry->below_since = 0;
      else if (entry->below_since == 0)
        entry->below_since = now;
      if (entry->below_since != 0 && now - entry->below_since >= params->clear_s)
        resolve (self, slot, entry, now);
      break;

    case PM_ALERT_RESOLVED:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
accept_time (PmAlertManager *self,
             gint64          now)
{
  if (now < self->last_update)
    return FALSE;
  self->last_update = now;
  return TRUE;
}

static PmAlert *
export_entry (const Entry *entry,
              gint64       now)
{
  PmAlert *copy = pm_alert_copy (&entry->alert);

  if (copy->silenced_until != 0 && copy->silenced_until <= now)
    {
      copy->silenced_until = 0;
      g_clear_pointer (&copy->silence_reason, g_free);
    }
  return copy;
}

static int
compare_alerts (gconstpointer a,
                gconstpointer b)
{
  const PmAlert *x = *(PmAlert *const *) a, *y = *(PmAlert *const *) b;
  gboolean x_done = x->state == PM_ALERT_RESOLVED, y_done = y->state == PM_ALERT_RESOLVED;
  gint64 x_eta = x->eta_s > 0 ? x->eta_s : G_MAXINT64, y_eta = y->eta_s > 0 ? y->eta_s : G_MAXINT64;

  if (x_done != y_done)
    return x_done ? 1 : -1;
  if (x->probability != y->probability)
    return x->probability > y->probability ? -1 : 1;
  if (x_eta != y_eta)
    return x_eta < y_eta ? -1 : 1;
  return g_strcmp0 (x->id, y->id);
}

static Entry *
find (PmAlertManager *self,
      const char     *id,
      GError        **error)
{
  Entry *entry = id != NULL ? g_hash_table_lookup (self->by_id, id) : NULL;

  if (entry == NULL)
    g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_NOT_FOUND,
                 "No alert “%s”: it was never raised, or it resolved and was dropped",
                 id != NULL ? id : "(null)");
  return entry;
}

static gboolean
blank (const char *text)
{
  for (; text != NULL && *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static void
normalise (PmAlertParams *params)
{
  params->fire_threshold = CLAMP (params->fire_threshold, 0, 1);
  params->clear_threshold = CLAMP (params->clear_threshold, 0, params->fire_threshold);
  params->hold_s = MAX (params->hold_s, 0);
  params->clear_s = MAX (params->clear_s, 0);
  params->keep_resolved_s = MAX (params->keep_resolved_s, 0);
}

static void
pm_alert_manager_finalize (GObject *object)
{
  PmAlertManager *self = PM_ALERT_MANAGER (object);

  for (guint i = 0; self->slots != NULL && i < self->n_segments + self->n_sites; i++)
    {
      g_free (self->slots[i].silence_reason);
      g_free (self->slots[i].silenced_by);
      g_free (self->slots[i].silenced_alert);
      clear_carried (&self->slots[i]);
    }
  g_free (self->slots);
  g_clear_pointer (&self->resolved, g_ptr_array_unref);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->log, g_array_unref);
  g_clear_object (&self->topology);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (pm_alert_manager_parent_class)->finalize (object);
}

static void
pm_alert_manager_class_init (PmAlertManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pm_alert_manager_finalize;
}

static void
pm_alert_manager_init (PmAlertManager *self)
{
  g_mutex_init (&self->mutex);
  pm_alert_params_init (&self->params[PM_ALERT_SEGMENT]);
  pm_alert_params_init (&self->params[PM_ALERT_SITE]);
  self->by_id = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, entry_free);
  self->resolved = g_ptr_array_new ();
  self->log = g_array_new (FALSE, FALSE, sizeof (PmAlertRecord));
  g_array_set_clear_func (self->log, (GDestroyNotify) pm_alert_record_clear);
  self->last_update = G_MININT64;
}

void
pm_alert_params_init (PmAlertParams *params)
{
  *params = (PmAlertParams) {
    .fire_threshold = PM_ALERT_DEFAULT_FIRE_THRESHOLD,
    .clear_threshold = PM_ALERT_DEFAULT_CLEAR_THRESHOLD,
    .hold_s = PM_ALERT_DEFAULT_HOLD_S,
    .clear_s = PM_ALERT_DEFAULT_CLEAR_S,
    .keep_resolved_s = PM_ALERT_DEFAULT_KEEP_RESOLVED_S,
  };
}

void
pm_alert_actions_clear (PmAlertActions *actions)
{
  g_clear_pointer (&actions->silenced_by, g_free);
}

void
pm_alert_record_clear (PmAlertRecord *record)
{
  g_clear_pointer (&record->id, g_free);
}

PmAlertManager *
pm_alert_manager_new (PmTopology          *topology,
                      const PmAlertParams *params)
{
  PmAlertManager *self;

  g_return_val_if_fail (PM_IS_TOPOLOGY (topology), NULL);

  self = g_object_new (PM_TYPE_ALERT_MANAGER, NULL);
  self->topology = g_object_ref (topology);
  self->n_segments = pm_topology_get_n_segments (topology);
  self->n_sites = pm_topology_get_n_sites (topology);
  self->slots = g_new0 (Slot, self->n_segments + self->n_sites);
  if (params != NULL)
    {
      pm_alert_manager_set_params (self, PM_ALERT_SEGMENT, params);
      pm_alert_manager_set_params (self, PM_ALERT_SITE, params);
    }
  return self;
}

void
pm_alert_manager_get_params (PmAlertManager *self,
                             PmAlertSubject  subject,
                             PmAlertParams  *params)
{
  g_return_if_fail (PM_IS_ALERT_MANAGER (self));
  g_return_if_fail (subject == PM_ALERT_SEGMENT || subject == PM_ALERT_SITE);

  g_mutex_lock (&self->mutex);
  *params = self->params[subject];
  g_mutex_unlock (&self->mutex);
}

void
pm_alert_manager_set_params (PmAlertManager      *self,
                             PmAlertSubject       subject,
                             const PmAlertParams *params)
{
  g_return_if_fail (PM_IS_ALERT_MANAGER (self));
  g_return_if_fail (subject == PM_ALERT_SEGMENT || subject == PM_ALERT_SITE);
  g_return_if_fail (params != NULL);

  g_mutex_lock (&self->mutex);
  self->params[subject] = *params;
  normalise (&self->params[subject]);
  g_mutex_unlock (&self->mutex);
}

gboolean
pm_alert_manager_update (PmAlertManager     *self,
                         gint64              now,
                         PmAlertSubject      subject,
                         guint               index,
                         double              probability,
                         gint64              eta_s,
                         const PmRiskFactor *factors,
                         guint               n_factors)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), FALSE);
  g_return_val_if_fail (subject == PM_ALERT_SEGMENT || subject == PM_ALERT_SITE, FALSE);
  g_return_val_if_fail (index < (subject == PM_ALERT_SEGMENT ? self->n_segments : self->n_sites),
                        FALSE);
  g_return_val_if_fail (factors != NULL || n_factors == 0, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  if (!accept_time (self, now))
    return FALSE;
  step (self, now, subject, index, probability, eta_s, factors, n_factors);
  return TRUE;
}

void
pm_alert_manager_update_segments (PmAlertManager       *self,
                                  gint64                now,
                                  const PmSegmentState *segments,
                                  guint                 n_segments)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (PM_IS_ALERT_MANAGER (self));
  g_return_if_fail (segments != NULL || n_segments == 0);
  g_return_if_fail (n_segments <= self->n_segments);

  locker = g_mutex_locker_new (&self->mutex);
  if (!accept_time (self, now))
    return;
  for (guint i = 0; i < n_segments; i++)
    step (self, now, PM_ALERT_SEGMENT, i, segments[i].risk, segments[i].eta_s,
          segments[i].factors, segments[i].n_factors);
}

void
pm_alert_manager_update_sites (PmAlertManager    *self,
                               gint64             now,
                               const PmSiteState *sites,
                               guint              n_sites)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_if_fail (PM_IS_ALERT_MANAGER (self));
  g_return_if_fail (sites != NULL || n_sites == 0);
  g_return_if_fail (n_sites <= self->n_sites);

  locker = g_mutex_locker_new (&self->mutex);
  if (!accept_time (self, now))
    return;
  for (guint i = 0; i < n_sites; i++)
    step (self, now, PM_ALERT_SITE, i, sites[i].isolation, 0, NULL, 0);
}

void
pm_alert_manager_expire (PmAlertManager *self,
                         gint64          now)
{
  g_autoptr(GMutexLocker) locker = NULL;
  guint kept = 0;

  g_return_if_fail (PM_IS_ALERT_MANAGER (self));

  locker = g_mutex_locker_new (&self->mutex);
  for (guint i = 0; i < self->resolved->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->resolved, i);

      if (now - entry->alert.resolved_at >= self->params[entry->alert.subject].keep_resolved_s)
        drop_entry (self, entry);
      else
        self->resolved->pdata[kept++] = entry;
    }
  g_ptr_array_set_size (self->resolved, kept);

  for (guint i = 0; i < self->n_segments + self->n_sites; i++)
    {
      Slot *slot = &self->slots[i];

      if (slot->silenced_until != 0 && slot->silenced_until <= now)
        {
          clear_slot_silence (slot);
          self->marks_serial++;
          if (slot->active != NULL && slot->active->alert.silenced_until <= now)
            clear_silence (slot->active);
        }
    }
  for (guint i = 0; i < self->resolved->len; i++)
    {
      Entry *entry = g_ptr_array_index (self->resolved, i);

      if (entry->alert.silenced_until != 0 && entry->alert.silenced_until <= now)
        clear_silence (entry);
    }
}

GPtrArray *
pm_alert_manager_export (PmAlertManager *self,
                         gint64          now)
{
  g_autoptr(GMutexLocker) locker = NULL;
  GPtrArray *alerts;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  alerts = g_ptr_array_new_full (g_hash_table_size (self->by_id), (GDestroyNotify) pm_alert_free);
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (alerts, export_entry (value, now));
  g_ptr_array_sort (alerts, compare_alerts);
  return alerts;
}

PmAlert *
pm_alert_manager_lookup (PmAlertManager *self,
                         const char     *id,
                         gint64          now)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  entry = find (self, id, NULL);
  return entry != NULL ? export_entry (entry, now) : NULL;
}

guint
pm_alert_manager_count (PmAlertManager *self,
                        PmAlertState    state)
{
  g_autoptr(GMutexLocker) locker = NULL;
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), 0);

  locker = g_mutex_locker_new (&self->mutex);
  g_hash_table_iter_init (&iter, self->by_id);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    n += ((Entry *) value)->alert.state == state;
  return n;
}

gboolean
pm_alert_manager_acknowledge (PmAlertManager *self,
                              const char     *id,
                              const char     *who,
                              gint64          now,
                              GError        **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  if ((entry = find (self, id, error)) == NULL)
    return FALSE;
  if (blank (who))
    {
      g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID,
                   "Acknowledging alert “%s” needs the operator's name", id);
      return FALSE;
    }
  if (entry->alert.acknowledged)
    {
      g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_CONFLICT,
                   "Alert “%s” was already acknowledged by %s", id, entry->alert.acknowledged_by);
      return FALSE;
    }
  acknowledge_entry (entry, who, now);
  /* Only the active alert's acknowledgement outlives the process: a resolved one's episode is
   * over. */
  self->marks_serial++;
  return TRUE;
}

gboolean
pm_alert_manager_silence (PmAlertManager *self,
                          const char     *id,
                          gint64          until,
                          const char     *reason,
                          const char     *who,
                          gint64          now,
                          GError        **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Entry *entry;
  Slot *slot;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  if ((entry = find (self, id, error)) == NULL)
    return FALSE;
  if (until <= now)
    {
      g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID,
                   "A silence of alert “%s” must end in the future (until %" G_GINT64_FORMAT
                   ", now %" G_GINT64_FORMAT ")", id, until, now);
      return FALSE;
    }
  if (blank (reason) || blank (who))
    {
      g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID,
                   "Silencing alert “%s” needs a reason and the operator's name", id);
      return FALSE;
    }

  /* The subject's silence, so that a re-fire within it stays quiet too; a new silence replaces
   * the old one (operators extend or shorten them). */
  slot = slot_of (self, entry->alert.subject, entry->alert.index);
  slot->silenced_until = until;
  g_free (slot->silence_reason);
  slot->silence_reason = g_strdup (reason);
  g_free (slot->silenced_by);
  slot->silenced_by = g_strdup (who);
  slot->silenced_at = now;
  g_free (slot->silenced_alert);
  slot->silenced_alert = g_strdup (entry->alert.id);
  inherit_silence (entry, slot);
  if (slot->active != NULL && slot->active != entry)
    inherit_silence (slot->active, slot);
  self->marks_serial++;
  return TRUE;
}

gboolean
pm_alert_manager_unsilence (PmAlertManager *self,
                            const char     *id,
                            GError        **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Entry *entry;
  Slot *slot;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  if ((entry = find (self, id, error)) == NULL)
    return FALSE;
  slot = slot_of (self, entry->alert.subject, entry->alert.index);
  clear_slot_silence (slot);
  clear_silence (entry);
  if (slot->active != NULL)
    clear_silence (slot->active);
  self->marks_serial++;
  return TRUE;
}

gboolean
pm_alert_manager_get_actions (PmAlertManager *self,
                              const char     *id,
                              PmAlertActions *actions,
                              GError        **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  Entry *entry;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), FALSE);
  g_return_val_if_fail (actions != NULL, FALSE);

  locker = g_mutex_locker_new (&self->mutex);
  *actions = (PmAlertActions) { 0 };
  if ((entry = find (self, id, error)) == NULL)
    return FALSE;
  actions->acknowledged_at = entry->acknowledged_at;
  actions->silenced_by = g_strdup (entry->silenced_by);
  actions->silenced_at = entry->silenced_at;
  return TRUE;
}

guint64
pm_alert_manager_get_marks_serial (PmAlertManager *self)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), 0);

  locker = g_mutex_locker_new (&self->mutex);
  return self->marks_serial;
}

static void
add_mark (GPtrArray      *marks,
          const char     *kind,
          PmAlertSubject  subject,
          const char     *subject_id,
          const char     *alert_id,
          const char     *who,
          gint64          at,
          gint64          until,
          const char     *reason)
{
  PmAlertMark *mark = g_new0 (PmAlertMark, 1);

  mark->kind = g_strdup (kind);
  mark->subject = g_strdup (subject == PM_ALERT_SEGMENT ? "segment" : "site");
  mark->subject_id = g_strdup (subject_id);
  mark->alert_id = g_strdup (alert_id);
  mark->who = g_strdup (who);
  mark->at = at;
  mark->until = until;
  mark->reason = g_strdup (reason);
  g_ptr_array_add (marks, mark);
}

GPtrArray *
pm_alert_manager_dup_marks (PmAlertManager *self,
                            gint64          now)
{
  g_autoptr(GMutexLocker) locker = NULL;
  GPtrArray *marks;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  marks = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_alert_mark_free);
  for (guint i = 0; i < self->n_segments + self->n_sites; i++)
    {
      const Slot *slot = &self->slots[i];
      PmAlertSubject subject = i < self->n_segments ? PM_ALERT_SEGMENT : PM_ALERT_SITE;
      const char *id = subject_id (self, subject,
                                   subject == PM_ALERT_SEGMENT ? i : i - self->n_segments);

      if (slot->silenced_until > now)
        add_mark (marks, "silenced", subject, id, slot->silenced_alert, slot->silenced_by,
                  slot->silenced_at, slot->silenced_until, slot->silence_reason);
      if (slot->active != NULL && slot->active->alert.acknowledged)
        add_mark (marks, "acknowledged", subject, id, slot->active->alert.id,
                  slot->active->alert.acknowledged_by, slot->active->acknowledged_at, 0, NULL);
      else if (slot->carried_by != NULL)
        add_mark (marks, "acknowledged", subject, id, slot->carried_alert, slot->carried_by,
                  slot->carried_at, 0, NULL);
    }
  return marks;
}

gboolean
pm_alert_manager_restore (PmAlertManager    *self,
                          const PmAlertMark *mark,
                          gint64             now,
                          GError           **error)
{
  g_autoptr(GMutexLocker) locker = NULL;
  PmAlertSubject subject;
  gboolean silence;
  int index;
  Slot *slot;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), FALSE);
  g_return_val_if_fail (mark != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  silence = g_strcmp0 (mark->kind, "silenced") == 0;
  if (!silence && g_strcmp0 (mark->kind, "acknowledged") != 0)
    {
      g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID,
                   "unknown kind “%s” (expected acknowledged or silenced)",
                   mark->kind != NULL ? mark->kind : "");
      return FALSE;
    }
  if (g_strcmp0 (mark->subject, "segment") == 0)
    subject = PM_ALERT_SEGMENT;
  else if (g_strcmp0 (mark->subject, "site") == 0)
    subject = PM_ALERT_SITE;
  else
    {
      g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID,
                   "unknown subject “%s” (expected segment or site)",
                   mark->subject != NULL ? mark->subject : "");
      return FALSE;
    }
  if (mark->subject_id == NULL)
    index = -1;
  else if (subject == PM_ALERT_SEGMENT)
    index = pm_topology_lookup_segment (self->topology, mark->subject_id);
  else
    index = pm_topology_lookup_site (self->topology, mark->subject_id);
  if (index < 0)
    {
      g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID,
                   "the network has no %s “%s”", mark->subject,
                   mark->subject_id != NULL ? mark->subject_id : "");
      return FALSE;
    }
  if (blank (mark->who) || mark->at <= 0 || (silence && blank (mark->reason)))
    {
      g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_INVALID,
                   "it lacks the operator's name, the time it was made%s",
                   silence ? " or the reason" : "");
      return FALSE;
    }
  if (silence && mark->until <= now)
    {
      g_set_error (error, PM_ALERT_ERROR, PM_ALERT_ERROR_EXPIRED,
                   "the silence ended at %" G_GINT64_FORMAT, mark->until);
      return FALSE;
    }

  locker = g_mutex_locker_new (&self->mutex);
  slot = slot_of (self, subject, (guint) index);
  if (silence)
    {
      slot->silenced_until = mark->until;
      g_free (slot->silence_reason);
      slot->silence_reason = g_strdup (mark->reason);
      g_free (slot->silenced_by);
      slot->silenced_by = g_strdup (mark->who);
      slot->silenced_at = mark->at;
      g_free (slot->silenced_alert);
      slot->silenced_alert = g_strdup (mark->alert_id);
      if (slot->active != NULL)
        inherit_silence (slot->active, slot);
    }
  else if (slot->active != NULL)
    {
      if (!slot->active->alert.acknowledged)
        acknowledge_entry (slot->active, mark->who, mark->at);
    }
  else
    {
      clear_carried (slot);
      slot->carried_by = g_strdup (mark->who);
      slot->carried_alert = g_strdup (mark->alert_id);
      slot->carried_at = mark->at;
    }
  self->marks_serial++;
  return TRUE;
}

GArray *
pm_alert_manager_dup_log (PmAlertManager *self)
{
  g_autoptr(GMutexLocker) locker = NULL;
  GArray *copy;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (self), NULL);

  locker = g_mutex_locker_new (&self->mutex);
  copy = g_array_sized_new (FALSE, FALSE, sizeof (PmAlertRecord), self->log->len);
  g_array_set_clear_func (copy, (GDestroyNotify) pm_alert_record_clear);
  for (guint i = 0; i < self->log->len; i++)
    {
      PmAlertRecord record = g_array_index (self->log, PmAlertRecord, i);

      record.id = g_strdup (record.id);
      g_array_append_val (copy, record);
    }
  return copy;
}

void
pm_alert_manager_write_log (PmAlertManager *self,
                            PmAlertSubject  subject,
                            GString        *out)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  g_return_if_fail (PM_IS_ALERT_MANAGER (self));
  g_return_if_fail (out != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  for (guint i = 0; i < self->log->len; i++)
    {
      const PmAlertRecord *record = &g_array_index (self->log, PmAlertRecord, i);
      g_autoptr(JsonBuilder) builder = NULL;
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *line = NULL;

      if (record->subject != subject)
        continue;
      builder = json_builder_new ();
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, subject == PM_ALERT_SEGMENT ? "segment" : "site");
      json_builder_add_string_value (builder, subject_id (self, subject, record->index));
      json_builder_set_member_name (builder, "fired_at");
      json_builder_add_int_value (builder, record->fired_at);
      json_builder_set_member_name (builder, "resolved_at");
      if (record->resolved_at != 0)
        json_builder_add_int_value (builder, record->resolved_at);
      else
        json_builder_add_null_value (builder);
      json_builder_set_member_name (builder, "probability");
      json_builder_add_double_value (builder, record->probability);
      json_builder_end_object (builder);
      root = json_builder_get_root (builder);
      json_generator_set_root (generator, root);
      line = json_generator_to_data (generator, NULL);
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
}
