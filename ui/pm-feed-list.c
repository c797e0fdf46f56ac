/* pm-feed-list.c: the event feeds (--events) and the state of each.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-feed-list.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pm-format.h"
#include "pm-widget-update.h"
#include "telemetry/pm-feed-poller.h"

struct _PmFeedList
{
  GtkWidget   parent_instance;

  GtkListBox *list;
  GPtrArray  *rows;  /* AdwActionRow, one per feed, in the feeds' order */
};

G_DEFINE_FINAL_TYPE (PmFeedList, pm_feed_list, GTK_TYPE_WIDGET)

static const char *
feed_kind_name (const PmFeedStatus *feed)
{
  if (!feed->has_kind)
    return _("Feed");
  switch (feed->kind)
    {
    case PM_EVENT_FEED_ICALENDAR:
      return _("Maintenance calendar");
    case PM_EVENT_FEED_CAP_GEOJSON:
      return _("Weather alerts (CAP GeoJSON)");
    case PM_EVENT_FEED_CAP_XML:
    default:
      return _("Weather alerts (CAP XML)");
    }
}

static const char *
feed_state_name (PmFeedState state)
{
  switch (state)
    {
    case PM_FEED_STATE_LOADING:
      return _("loading");
    case PM_FEED_STATE_OK:
      return _("up to date");
    case PM_FEED_STATE_STALE:
      /* Translators: a feed whose last read failed; its earlier events are still used. */
      return _("stale");
    case PM_FEED_STATE_FAILED:
    default:
      return _("failing");
    }
}

/* "Maintenance calendar · up to date · 7 events (1 unlocated) · read 14:05 UTC", then the
 * last error on a line of its own. */
static char *
describe_feed (const PmFeedStatus *feed,
               gint64              now_s)
{
  GString *text = g_string_new (NULL);

  g_string_append_printf (text, "%s · %s", feed_kind_name (feed), feed_state_name (feed->state));
  if (feed->state != PM_FEED_STATE_LOADING && feed->state != PM_FEED_STATE_FAILED)
    {
      g_string_append (text, " · ");
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%u event", "%u events",
                                                 feed->n_events), feed->n_events);
      if (feed->n_unlocated > 0)
        g_string_append_printf (text, _(" (%u unlocated)"), feed->n_unlocated);
    }
  if (feed->last_success_s >= 0)
    {
      g_autofree char *when = pm_format_clock_near (feed->last_success_s, now_s);

      g_string_append_printf (text, _(" · read %s"), when);
    }
  if (feed->last_error != NULL)
    g_string_append_printf (text, "\n%s", feed->last_error);
  return g_string_free (text, FALSE);
}

static const char *
feed_state_class (PmFeedState state)
{
  switch (state)
    {
    case PM_FEED_STATE_OK:
      return "success";
    case PM_FEED_STATE_LOADING:
    case PM_FEED_STATE_STALE:
      return "warning";
    case PM_FEED_STATE_FAILED:
    default:
      return "error";
    }
}

static GtkWidget *
new_row (void)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name ("network-receive-symbolic");

  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 4);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set_data (G_OBJECT (row), "pm-icon", icon);
  return row;
}

void
pm_feed_list_update (PmFeedList *self,
                     GPtrArray  *feeds,
                     gint64      now_s)
{
  static const char *const classes[] = { "success", "warning", "error", NULL };

  g_return_if_fail (PM_IS_FEED_LIST (self));

  while (self->rows->len > feeds->len)
    {
      GtkWidget *row = g_ptr_array_steal_index (self->rows, self->rows->len - 1);

      gtk_list_box_remove (self->list, row);
    }
  while (self->rows->len < feeds->len)
    {
      GtkWidget *row = new_row ();

      gtk_list_box_append (self->list, row);
      g_ptr_array_add (self->rows, row);
    }

  for (guint i = 0; i < feeds->len; i++)
    {
      const PmFeedStatus *feed = g_ptr_array_index (feeds, i);
      AdwPreferencesRow *row = g_ptr_array_index (self->rows, i);
      g_autofree char *subtitle = describe_feed (feed, now_s);
      GtkWidget *icon = g_object_get_data (G_OBJECT (row), "pm-icon");

      if (g_strcmp0 (adw_preferences_row_get_title (row), feed->location) != 0)
        adw_preferences_row_set_title (row, feed->location);
      if (g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), subtitle) != 0)
        adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      pm_widget_set_css_class_of (icon, classes, feed_state_class (feed->state));
    }
}

char *
pm_feed_list_summarize (GPtrArray *feeds)
{
  guint troubled = pm_feed_list_count_troubled (feeds);
  g_autofree char *count = NULL;

  if (feeds == NULL || feeds->len == 0)
    return NULL;
  count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u event feed", "%u event feeds",
                                        feeds->len), feeds->len);
  if (troubled == 0)
    return g_steal_pointer (&count);
  /* Translators: "3 event feeds · 1 not up to date" */
  return g_strdup_printf (_("%s · %u not up to date"), count, troubled);
}

guint
pm_feed_list_count_troubled (GPtrArray *feeds)
{
  guint troubled = 0;

  for (guint i = 0; feeds != NULL && i < feeds->len; i++)
    if (((const PmFeedStatus *) g_ptr_array_index (feeds, i))->state != PM_FEED_STATE_OK)
      troubled++;
  return troubled;
}

static void
pm_feed_list_dispose (GObject *object)
{
  PmFeedList *self = PM_FEED_LIST (object);

  if (self->list != NULL)
    {
      gtk_widget_unparent (GTK_WIDGET (self->list));
      self->list = NULL;
    }
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  G_OBJECT_CLASS (pm_feed_list_parent_class)->dispose (object);
}

static void
pm_feed_list_class_init (PmFeedListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_feed_list_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-feed-list");
}

static void
pm_feed_list_init (PmFeedList *self)
{
  self->rows = g_ptr_array_new ();
  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Event feeds"), -1);
  gtk_widget_set_parent (GTK_WIDGET (self->list), GTK_WIDGET (self));
}

GtkWidget *
pm_feed_list_new (void)
{
  return g_object_new (PM_TYPE_FEED_LIST, NULL);
}
