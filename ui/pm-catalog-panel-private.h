/* pm-catalog-panel-private.h: what the catalogue panels (proposals, jobs, resources, audit)
 * share: the reason dialog, the way they follow a feed and the way they keep rows by id.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "pm-catalog-feed.h"

G_BEGIN_DECLS

/* Called with the reason an operator typed (never blank) after they confirmed. */
typedef void (*PmReasonCallback) (GtkWidget  *panel,
                                  const char *reason,
                                  gpointer    user_data);

/* An AdwMessageDialog over the panel's window with a PmReasonEntry as its extra child; its
 * confirming response (labelled confirm_label, destructive) stays disabled while the entry is
 * blank, and the callback gets the reason without leading and trailing white space. The
 * dialog holds a reference to the panel until it closes. */
GtkWidget *_pm_reason_dialog_present (GtkWidget       *panel,
                                      const char      *heading,
                                      const char      *body,
                                      const char      *confirm_label,
                                      PmReasonCallback callback,
                                      gpointer         user_data,
                                      GDestroyNotify   destroy);

/* A yes/no AdwMessageDialog; callback runs only on "confirm" (reason is NULL then). */
GtkWidget *_pm_confirm_dialog_present (GtkWidget       *panel,
                                       const char      *heading,
                                       const char      *body,
                                       const char      *confirm_label,
                                       PmReasonCallback callback,
                                       gpointer         user_data,
                                       GDestroyNotify   destroy);

/* Sets a label's text only when it differs (no relayout, no screen-reader chatter) and hides it
 * when text is NULL or "". */
void       _pm_label_update         (GtkWidget  *label,
                                     const char *text);

/* A wrapping, left-aligned label with the given style classes (NULL-terminated). */
GtkWidget *_pm_label_new            (const char *first_class,
                                     ...) G_GNUC_NULL_TERMINATED;

/* Points a panel at feed (or at none when NULL): the handler on the old feed goes and
 * view_changed, a PmCatalogFeed::changed handler taking the panel as user data, is connected to
 * the new one and run at once if that feed already has a view. With feed NULL this is also how a
 * panel lets go of its feed on dispose. */
void       _pm_catalog_panel_bind_feed (gpointer        panel,
                                        PmCatalogFeed **feed_slot,
                                        gulong         *handler_slot,
                                        PmCatalogFeed  *feed,
                                        GCallback       view_changed);

/* Per-row data of the panels' list boxes: rows keep their widgets across refreshes and are
 * ordered by `order`, which each refresh sets. */
typedef struct
{
  gint64 id;
  guint  order;
  gboolean seen;  /* set while a refresh walks the new view: unseen rows go */
} PmRowKey;

PmRowKey  *_pm_row_key              (GtkListBoxRow *row);
void       _pm_row_set_key          (GtkListBoxRow *row,
                                     PmRowKey      *key,
                                     GDestroyNotify destroy);
int        _pm_row_sort_cb          (GtkListBoxRow *a,
                                     GtkListBoxRow *b,
                                     gpointer       user_data);
/* Marks every row unseen before a refresh. */
void       _pm_rows_begin           (GtkListBox    *list);
/* Removes the rows no refresh saw (and their entries in rows_by_id) and re-sorts. */
void       _pm_rows_end             (GtkListBox    *list,
                                     GHashTable    *rows_by_id);

G_END_DECLS
