/* pm-proposals-panel.h: the mirroring proposals waiting for an operator (then the recently
 * decided ones, dimmed), with Approve and Reject, a filter and "Approve All Matching".
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "pm-catalog-feed.h"

G_BEGIN_DECLS

#define PM_TYPE_PROPOSALS_PANEL (pm_proposals_panel_get_type ())
G_DECLARE_FINAL_TYPE (PmProposalsPanel, pm_proposals_panel, PM, PROPOSALS_PANEL, GtkWidget)

PmProposalsPanel *pm_proposals_panel_new            (void);
void              pm_proposals_panel_set_feed       (PmProposalsPanel *self,
                                                     PmCatalogFeed    *feed);
/* While the catalogue takes no decisions (a shared one without quorum), Approve, Reject and
 * Approve All Matching are insensitive: the engine would refuse them. */
void              pm_proposals_panel_set_read_only  (PmProposalsPanel *self,
                                                     gboolean          read_only);

/* What the row buttons and dialogs do. Each result (success or the catalogue's error) is
 * announced by the "toast" signal. Reject refuses a blank reason (with a toast) and returns
 * FALSE then. */
void              pm_proposals_panel_approve        (PmProposalsPanel *self,
                                                     gint64            proposal);
gboolean          pm_proposals_panel_reject         (PmProposalsPanel *self,
                                                     gint64            proposal,
                                                     const char       *reason);
/* Approves every pending proposal the filter shows, without asking. The button asks first,
 * naming them, and then approves exactly those it named. */
void              pm_proposals_panel_approve_matching (PmProposalsPanel *self);

void              pm_proposals_panel_set_filter     (PmProposalsPanel *self,
                                                     const char       *text);
/* Pending proposals the filter shows. */
guint             pm_proposals_panel_get_n_matching (PmProposalsPanel *self);
/* Rows shown, pending or decided. */
guint             pm_proposals_panel_get_n_shown    (PmProposalsPanel *self);
/* Where a proposal's row is in the list (0: top; -1: no row). Pending proposals come first,
 * the most likely cut first, then the earliest deadline. */
int               pm_proposals_panel_get_position   (PmProposalsPanel *self,
                                                     gint64            proposal);
/* The state a proposal's row shows ("pending", "approved", …), NULL when it has no row. */
const char       *pm_proposals_panel_get_state      (PmProposalsPanel *self,
                                                     gint64            proposal);

G_END_DECLS
