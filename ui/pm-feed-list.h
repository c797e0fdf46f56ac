/* pm-feed-list.h: the event feeds (--events) and the state of each, for the status bar's
 * popover: what was read, when, and what went wrong.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PM_TYPE_FEED_LIST (pm_feed_list_get_type ())
G_DECLARE_FINAL_TYPE (PmFeedList, pm_feed_list, PM, FEED_LIST, GtkWidget)

GtkWidget *pm_feed_list_new     (void);

/* Shows feeds (PmFeedStatus, as a snapshot carries them); now_s is the wall time, in which
 * feeds are read. Rows whose text is unchanged are left alone. */
void       pm_feed_list_update  (PmFeedList *self,
                                 GPtrArray  *feeds,
                                 gint64      now_s);

/* A one-line summary for the button that opens the list ("3 event feeds · 1 failing"); NULL
 * when there is no feed. */
char      *pm_feed_list_summarize (GPtrArray *feeds);

/* How many of feeds are not in the OK state (loading, stale, failed). */
guint      pm_feed_list_count_troubled (GPtrArray *feeds);

G_END_DECLS
