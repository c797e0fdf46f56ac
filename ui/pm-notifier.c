/* pm-notifier.c: remembers which alerts and proposals were announced, so that each is announced
 * once however many ticks it lasts, and withdrawn when it is over.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-notifier.h"

#include <glib/gi18n.h>

#include "mirror/pm-catalog.h"
#include "pm-format.h"

struct _PmNotifier
{
  GHashTable *alerts;     /* notice id → TRUE: alerts announced and still firing */
  GHashTable *proposals;  /* notice id → TRUE: proposals announced and still pending */
};

static PmNotice *
notice_new (PmNoticeKind kind,
            char        *id,
            char        *target,
            char        *title,
            char        *body)
{
  PmNotice *notice = g_new0 (PmNotice, 1);

  notice->kind = kind;
  notice->id = id;
  notice->target = target;
  notice->title = title;
  notice->body = body;
  return notice;
}

static PmNotice *
withdrawal_new (PmNoticeKind kind,
                const char  *id)
{
  PmNotice *notice = notice_new (kind, g_strdup (id), NULL, NULL, NULL);

  notice->withdrawn = TRUE;
  return notice;
}

static char *
alert_subject (PmSnapshot    *snapshot,
               const PmAlert *alert)
{
  if (alert->subject == PM_ALERT_SITE)
    return g_strdup_printf (_("Site %s"),
                            pm_topology_get_site (snapshot->topology, alert->index)->name);
  return g_strdup_printf (_("Segment %s"),
                          pm_topology_get_segment (snapshot->topology, alert->index)->id);
}

static PmNotice *
alert_notice (PmSnapshot    *snapshot,
              const PmAlert *alert,
              char          *id)
{
  g_autofree char *subject = alert_subject (snapshot, alert);
  g_autofree char *probability = pm_format_ratio (alert->probability);
  g_autofree char *eta = alert->eta_s > 0 ? pm_format_clock (alert->eta_s) : NULL;
  /* Translators: a notification's title; %s is "Site par" or "Segment lon--par". */
  char *title = g_strdup_printf (_("%s may be cut off"), subject);
  char *body;

  if (eta != NULL)
    /* Translators: probability, expected time, then the main factor in words. */
    body = g_strdup_printf (_("%s, expected at %s: %s"), probability, eta,
                            alert->n_factors > 0 ? alert->factors[0].text : "");
  else
    body = g_strdup_printf (_("%s: %s"), probability,
                            alert->n_factors > 0 ? alert->factors[0].text : "");
  return notice_new (PM_NOTICE_ALERT, id, g_strdup (alert->id), title, body);
}

/* Drops the remembered ids not in `current`, adding a withdrawal for each. */
static void
withdraw_missing (GHashTable  *announced,
                  GHashTable  *current,
                  PmNoticeKind kind,
                  GPtrArray   *notices)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, announced);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (current, key))
      {
        g_ptr_array_add (notices, withdrawal_new (kind, key));
        g_hash_table_iter_remove (&iter);
      }
}

PmNotifier *
pm_notifier_new (void)
{
  PmNotifier *self = g_new0 (PmNotifier, 1);

  self->alerts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->proposals = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
pm_notifier_free (PmNotifier *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->alerts);
  g_hash_table_unref (self->proposals);
  g_free (self);
}

GPtrArray *
pm_notifier_update_alerts (PmNotifier *self,
                           PmSnapshot *snapshot)
{
  GPtrArray *notices = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_notice_free);
  g_autoptr(GHashTable) firing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < snapshot->alerts->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (snapshot->alerts, i);
      char *id;

      if (alert->state != PM_ALERT_FIRING || alert->silenced_until > snapshot->time_s)
        continue;
      id = g_strconcat ("alert:", alert->id, NULL);
      g_hash_table_add (firing, g_strdup (id));
      if (g_hash_table_contains (self->alerts, id))
        {
          g_free (id);
          continue;
        }
      g_hash_table_add (self->alerts, g_strdup (id));
      g_ptr_array_add (notices, alert_notice (snapshot, alert, id));
    }
  withdraw_missing (self->alerts, firing, PM_NOTICE_ALERT, notices);
  return notices;
}

GPtrArray *
pm_notifier_update_proposals (PmNotifier *self,
                              GPtrArray  *proposals)
{
  GPtrArray *notices = g_ptr_array_new_with_free_func ((GDestroyNotify) pm_notice_free);
  g_autoptr(GHashTable) pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; proposals != NULL && i < proposals->len; i++)
    {
      const PmProposal *proposal = g_ptr_array_index (proposals, i);
      g_autofree char *deadline = NULL;
      char *id, *body;

      if (proposal->state != PM_PROPOSAL_PENDING)
        continue;
      id = g_strdup_printf ("proposal:%" G_GINT64_FORMAT, proposal->id);
      g_hash_table_add (pending, g_strdup (id));
      if (g_hash_table_contains (self->proposals, id))
        {
          g_free (id);
          continue;
        }
      g_hash_table_add (self->proposals, g_strdup (id));
      deadline = proposal->deadline_s > 0 ? pm_format_clock (proposal->deadline_s) : NULL;
      body = deadline != NULL
               /* Translators: latest start time, then the planner's reason in words. */
               ? g_strdup_printf (_("Start before %s. %s"), deadline,
                                  proposal->reason != NULL ? proposal->reason : "")
               : g_strdup (proposal->reason != NULL ? proposal->reason : "");
      g_ptr_array_add (notices,
                       notice_new (PM_NOTICE_PROPOSAL, id,
                                   g_strdup_printf ("%" G_GINT64_FORMAT, proposal->id),
                                   /* Translators: resource, then the site it would go to. */
                                   g_strdup_printf (_("Mirror %s to %s?"), proposal->resource,
                                                    proposal->site),
                                   body));
    }
  withdraw_missing (self->proposals, pending, PM_NOTICE_PROPOSAL, notices);
  return notices;
}

void
pm_notice_free (PmNotice *notice)
{
  if (notice == NULL)
    return;
  g_free (notice->id);
  g_free (notice->target);
  g_free (notice->title);
  g_free (notice->body);
  g_free (notice);
}
