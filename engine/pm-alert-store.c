/* pm-alert-store.c: the alert manager's marks, mirrored into the catalogue.
 *
 * The store remembers what it last wrote (or restored), by key; a save compares the manager's
 * marks with that and writes only the difference, in one transaction. Rows it never restored
 * (a newer kind, a subject of another topology) are never in that set, so they are never touched.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-alert-store.h"

struct _PmAlertStore
{
  GMutex          mutex;        /* one save at a time: the API thread's and the tick's */
  PmAlertManager *alerts;
  PmCatalog      *catalog;
  GHashTable     *stored;       /* "kind\x1fsubject\x1fsubject_id" → PmAlertMark */
  guint64         saved_serial;
  gboolean        saved_once;
  gboolean        failing;      /* the last write failed, and was reported */
};

static char *
mark_key (const PmAlertMark *mark)
{
  return g_strdup_printf ("%s\x1f%s\x1f%s", mark->kind, mark->subject, mark->subject_id);
}

static gboolean
same_mark (const PmAlertMark *a,
           const PmAlertMark *b)
{
  /* The alert id is for the record only: a restored acknowledgement taken by this run's alert
   * is the same decision. */
  return g_strcmp0 (a->who, b->who) == 0 && a->at == b->at && a->until == b->until
         && g_strcmp0 (a->reason, b->reason) == 0;
}

static const char *
describe_mark (const PmAlertMark *mark)
{
  return g_strcmp0 (mark->kind, "silenced") == 0 ? "silence" : "acknowledgement";
}

PmAlertStore *
pm_alert_store_new (PmAlertManager *alerts,
                    PmCatalog      *catalog)
{
  PmAlertStore *self;

  g_return_val_if_fail (PM_IS_ALERT_MANAGER (alerts), NULL);
  g_return_val_if_fail (PM_IS_CATALOG (catalog), NULL);

  self = g_new0 (PmAlertStore, 1);
  g_mutex_init (&self->mutex);
  self->alerts = g_object_ref (alerts);
  self->catalog = g_object_ref (catalog);
  self->stored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) pm_alert_mark_free);
  return self;
}

void
pm_alert_store_free (PmAlertStore *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->alerts);
  g_clear_object (&self->catalog);
  g_clear_pointer (&self->stored, g_hash_table_unref);
  g_mutex_clear (&self->mutex);
  g_free (self);
}

void
pm_alert_store_restore (PmAlertStore *self,
                        gint64        now)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) marks = NULL;
  g_autoptr(GPtrArray) ended = NULL;

  g_return_if_fail (self != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  marks = pm_catalog_list_alert_marks (self->catalog, &error);
  if (marks == NULL)
    {
      g_warning ("Acknowledgements and silences were not restored: %s", error->message);
      return;
    }
  ended = g_ptr_array_new ();
  for (guint i = 0; i < marks->len; i++)
    {
      const PmAlertMark *mark = g_ptr_array_index (marks, i);
      g_autoptr(GError) restore_error = NULL;

      if (pm_alert_manager_restore (self->alerts, mark, now, &restore_error))
        g_hash_table_replace (self->stored, mark_key (mark), pm_alert_mark_copy (mark));
      else if (g_error_matches (restore_error, PM_ALERT_ERROR, PM_ALERT_ERROR_EXPIRED))
        g_ptr_array_add (ended, (gpointer) mark);
      else
        g_warning ("Catalogue %s: the stored %s of %s “%s” (%s, by %s) is skipped: %s",
                   pm_catalog_describe (self->catalog), describe_mark (mark),
                   mark->subject != NULL ? mark->subject : "?",
                   mark->subject_id != NULL ? mark->subject_id : "?",
                   mark->kind != NULL ? mark->kind : "?", mark->who != NULL ? mark->who : "?",
                   restore_error->message);
    }
  if (ended->len > 0 && !pm_catalog_update_alert_marks (self->catalog, NULL, ended, &error))
    g_warning ("Ended silences were not purged from the catalogue: %s", error->message);
}

void
pm_alert_store_save (PmAlertStore *self,
                     gint64        now)
{
  g_autoptr(GMutexLocker) locker = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) marks = NULL;
  g_autoptr(GPtrArray) put = NULL;
  g_autoptr(GPtrArray) remove = NULL;
  g_autoptr(GHashTable) current = NULL;
  GHashTableIter iter;
  gpointer key, value;
  guint64 serial;

  g_return_if_fail (self != NULL);

  locker = g_mutex_locker_new (&self->mutex);
  /* Read before the marks: a change made meanwhile leaves the serial ahead of the saved one. */
  serial = pm_alert_manager_get_marks_serial (self->alerts);
  if (self->saved_once && serial == self->saved_serial && !self->failing)
    return;

  marks = pm_alert_manager_dup_marks (self->alerts, now);
  current = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  put = g_ptr_array_new ();
  for (guint i = 0; i < marks->len; i++)
    {
      PmAlertMark *mark = g_ptr_array_index (marks, i);
      char *mark_id = mark_key (mark);
      const PmAlertMark *old = g_hash_table_lookup (self->stored, mark_id);

      if (old == NULL || !same_mark (old, mark))
        g_ptr_array_add (put, mark);
      g_hash_table_replace (current, mark_id, mark);
    }
  remove = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, self->stored);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (current, key))
      g_ptr_array_add (remove, value);

  if ((put->len > 0 || remove->len > 0)
      && !pm_catalog_update_alert_marks (self->catalog, put, remove, &error))
    {
      if (!self->failing)
        g_warning ("Acknowledgements and silences could not be saved (tried again at every "
                   "tick): %s", error->message);
      self->failing = TRUE;
      return;
    }
  if (self->failing)
    g_message ("Acknowledgements and silences are saved again in %s",
               pm_catalog_describe (self->catalog));
  self->failing = FALSE;
  g_hash_table_remove_all (self->stored);
  g_hash_table_iter_init (&iter, current);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_hash_table_insert (self->stored, g_strdup (key), pm_alert_mark_copy (value));
  self->saved_serial = serial;
  self->saved_once = TRUE;
}
