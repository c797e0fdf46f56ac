/* pm-audit-panel.h: the audit trail, every decision newest first, with a CSV export.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-catalog-feed.h"

G_BEGIN_DECLS

#define PM_TYPE_AUDIT_PANEL (pm_audit_panel_get_type ())
G_DECLARE_FINAL_TYPE (PmAuditPanel, pm_audit_panel, PM, AUDIT_PANEL, GtkWidget)

PmAuditPanel *pm_audit_panel_new        (void);
void          pm_audit_panel_set_feed   (PmAuditPanel  *self,
                                         PmCatalogFeed *feed);

/* Writes every decision of the current view to file as CSV in a worker thread (whole or not at
 * all); the result is announced by the "toast" signal. What "Export as CSV…" does once a file
 * was chosen. */
void          pm_audit_panel_export     (PmAuditPanel  *self,
                                         GFile         *file);

guint         pm_audit_panel_get_n_shown (PmAuditPanel *self);
/* The reason a decision's row shows, NULL when it has no row or no reason. */
const char   *pm_audit_panel_get_reason (PmAuditPanel  *self,
                                         gint64         decision);
/* The id of the newest decision shown with that action on resource → site, 0 when none. */
gint64        pm_audit_panel_find       (PmAuditPanel  *self,
                                         const char    *action,
                                         const char    *resource,
                                         const char    *site);

G_END_DECLS
