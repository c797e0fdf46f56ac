/* pm-alert-store.h: keeps the alert manager's acknowledgements and silences in the catalogue, so
 * that they outlive the engine: restored when it starts, saved when an operator makes one and
 * after every tick (an episode's end, a silence's end).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

#include "mirror/pm-catalog.h"
#include "predict/pm-alerts.h"

G_BEGIN_DECLS

typedef struct _PmAlertStore PmAlertStore;

PmAlertStore *pm_alert_store_new     (PmAlertManager *alerts,
                                      PmCatalog      *catalog);
void          pm_alert_store_free    (PmAlertStore *self);
/* Applies the stored marks to the manager, before it is fed; ended silences are purged. A row it
 * cannot use (unknown kind or subject, a subject the topology lacks, a missing field) is reported
 * with g_warning, naming the catalogue and the row, and left in the store untouched. */
void          pm_alert_store_restore (PmAlertStore *self,
                                      gint64        now);
/* Writes what changed since the last save: thread-safe, cheap when nothing did. A failed write
 * is reported once (g_warning) and tried again at the next save. */
void          pm_alert_store_save    (PmAlertStore *self,
                                      gint64        now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PmAlertStore, pm_alert_store_free)

G_END_DECLS
