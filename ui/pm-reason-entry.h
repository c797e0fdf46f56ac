/* pm-reason-entry.h: the entry in which an operator says why they silence, reject or retire
 * something. Every such action needs a reason, and the reason goes into the audit trail.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PM_TYPE_REASON_ENTRY (pm_reason_entry_get_type ())
G_DECLARE_FINAL_TYPE (PmReasonEntry, pm_reason_entry, PM, REASON_ENTRY, GtkEntry)

/* An entry with the placeholder "Reason (required)", the accessible label "Reason" and marked
 * required. Its read-only property "valid" is TRUE while it holds more than white space (bind
 * the sensitivity of the confirming button or response to it); "activate" (Enter) is swallowed
 * while it is not, and so does not activate the window's default widget either. */
GtkWidget *pm_reason_entry_new         (void);

/* The text without leading and trailing white space, or NULL when blank. */
char      *pm_reason_entry_dup_reason  (PmReasonEntry *self);

gboolean   pm_reason_entry_get_valid   (PmReasonEntry *self);

/* TRUE for NULL, "" and text of white space only, any Unicode white space (a non-breaking
 * space, a tab, a line break) included. */
gboolean   pm_reason_text_is_blank     (const char    *text);

/* A copy of text without leading and trailing Unicode white space, or NULL when blank. */
char      *pm_reason_text_dup_trimmed  (const char    *text);

G_END_DECLS
