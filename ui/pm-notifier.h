/* pm-notifier.h: decides what deserves the operator's attention outside the window: alerts that
 * start firing and proposals that start waiting for approval, once each, and which of those
 * notices are over (resolved, decided) and should be withdrawn.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "pm-snapshot.h"

G_BEGIN_DECLS

typedef enum
{
  PM_NOTICE_ALERT,     /* target: the alert's id */
  PM_NOTICE_PROPOSAL,  /* target: the proposal's id, in decimal */
} PmNoticeKind;

typedef struct
{
  PmNoticeKind kind;
  char        *id;         /* the notification id: "alert:<id>", "proposal:<id>" */
  char        *target;     /* what opening it shows */
  char        *title;
  char        *body;
  gboolean     withdrawn;  /* TRUE: the earlier notice with this id is over */
} PmNotice;

typedef struct _PmNotifier PmNotifier;

PmNotifier *pm_notifier_new              (void);
void        pm_notifier_free             (PmNotifier *self);
/* New and withdrawn notices (PmNotice) for the snapshot's alerts; silenced alerts are quiet. */
GPtrArray  *pm_notifier_update_alerts    (PmNotifier *self,
                                          PmSnapshot *snapshot);
/* The same for the catalogue's proposals (PmProposal, see mirror/pm-catalog.h). */
GPtrArray  *pm_notifier_update_proposals (PmNotifier *self,
                                          GPtrArray  *proposals);
void        pm_notice_free               (PmNotice *notice);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmNotifier, pm_notifier_free)

G_END_DECLS
