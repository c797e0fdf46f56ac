/* pm-catalog-panel-private.c: helpers the catalogue panels share.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-catalog-panel-private.h"

#include <glib/gi18n.h>

#include "pm-reason-entry.h"
#include "pm-widget-update.h"

typedef struct
{
  GtkWidget       *panel;  /* a reference */
  GtkWidget       *entry;  /* NULL for a plain confirmation */
  PmReasonCallback callback;
  gpointer         user_data;
  GDestroyNotify   destroy;
} DialogData;

static void
dialog_data_free (gpointer data)
{
  DialogData *dialog = data;

  if (dialog->destroy != NULL)
    dialog->destroy (dialog->user_data);
  g_object_unref (dialog->panel);
  g_free (dialog);
}

static void
dialog_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    DialogData       *data)
{
  g_autofree char *reason = NULL;

  if (!g_str_equal (response, "confirm"))
    return;
  if (data->entry != NULL)
    {
      reason = pm_reason_entry_dup_reason (PM_REASON_ENTRY (data->entry));
      /* The response is disabled while the entry is blank, but adw_message_dialog_response()
       * does not ask whether it is enabled. */
      if (reason == NULL)
        return;
    }
  data->callback (data->panel, reason, data->user_data);
}

static void
reason_valid_cb (PmReasonEntry    *entry,
                 GParamSpec       *pspec,
                 AdwMessageDialog *dialog)
{
  adw_message_dialog_set_response_enabled (dialog, "confirm", pm_reason_entry_get_valid (entry));
}

/* The entry swallows Enter while it is blank, so this runs only with a reason. */
static void
reason_activate_cb (GtkEntry         *entry,
                    AdwMessageDialog *dialog)
{
  adw_message_dialog_response (dialog, "confirm");
  gtk_window_close (GTK_WINDOW (dialog));
}

static GtkWidget *
dialog_present (GtkWidget       *panel,
                const char      *heading,
                const char      *body,
                const char      *confirm_label,
                gboolean         with_reason,
                PmReasonCallback callback,
                gpointer         user_data,
                GDestroyNotify   destroy)
{
  GtkRoot *root = gtk_widget_get_root (panel);
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, body);
  DialogData *data = g_new0 (DialogData, 1);

  data->panel = g_object_ref (panel);
  data->callback = callback;
  data->user_data = user_data;
  data->destroy = destroy;

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "confirm", confirm_label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "confirm",
                                              with_reason ? ADW_RESPONSE_DESTRUCTIVE
                                                          : ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  if (with_reason)
    {
      data->entry = pm_reason_entry_new ();
      adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), data->entry);
      reason_valid_cb (PM_REASON_ENTRY (data->entry), NULL, ADW_MESSAGE_DIALOG (dialog));
      g_signal_connect_object (data->entry, "notify::valid", G_CALLBACK (reason_valid_cb), dialog,
                               0);
      g_signal_connect_object (data->entry, "activate", G_CALLBACK (reason_activate_cb), dialog,
                               0);
    }
  g_signal_connect_data (dialog, "response", G_CALLBACK (dialog_response_cb), data,
                         (GClosureNotify) (void (*) (void)) dialog_data_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  if (data->entry != NULL)
    gtk_widget_grab_focus (data->entry);
  return dialog;
}

GtkWidget *
_pm_reason_dialog_present (GtkWidget       *panel,
                           const char      *heading,
                           const char      *body,
                           const char      *confirm_label,
                           PmReasonCallback callback,
                           gpointer         user_data,
                           GDestroyNotify   destroy)
{
  return dialog_present (panel, heading, body, confirm_label, TRUE, callback, user_data, destroy);
}

GtkWidget *
_pm_confirm_dialog_present (GtkWidget       *panel,
                            const char      *heading,
                            const char      *body,
                            const char      *confirm_label,
                            PmReasonCallback callback,
                            gpointer         user_data,
                            GDestroyNotify   destroy)
{
  return dialog_present (panel, heading, body, confirm_label, FALSE, callback, user_data,
                         destroy);
}

void
_pm_label_update (GtkWidget  *label,
                  const char *text)
{
  gboolean visible = text != NULL && *text != '\0';

  if (visible)
    pm_label_set_if_changed (GTK_LABEL (label), text);
  gtk_widget_set_visible (label, visible);
}

GtkWidget *
_pm_label_new (const char *first_class,
               ...)
{
  GtkWidget *label = gtk_label_new (NULL);
  va_list args;

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  va_start (args, first_class);
  for (const char *name = first_class; name != NULL; name = va_arg (args, const char *))
    gtk_widget_add_css_class (label, name);
  va_end (args);
  return label;
}

PmRowKey *
_pm_row_key (GtkListBoxRow *row)
{
  return g_object_get_data (G_OBJECT (row), "pm-row-key");
}

void
_pm_row_set_key (GtkListBoxRow *row,
                 PmRowKey      *key,
                 GDestroyNotify destroy)
{
  g_object_set_data_full (G_OBJECT (row), "pm-row-key", key, destroy);
}

int
_pm_row_sort_cb (GtkListBoxRow *a,
                 GtkListBoxRow *b,
                 gpointer       user_data)
{
  PmRowKey *key_a = _pm_row_key (a), *key_b = _pm_row_key (b);

  return (key_a->order > key_b->order) - (key_a->order < key_b->order);
}

void
_pm_catalog_panel_bind_feed (gpointer        panel,
                             PmCatalogFeed **feed_slot,
                             gulong         *handler_slot,
                             PmCatalogFeed  *feed,
                             GCallback       view_changed)
{
  PmCatalogView *view;

  g_clear_signal_handler (handler_slot, *feed_slot);
  g_set_object (feed_slot, feed);
  if (feed == NULL)
    return;
  *handler_slot = g_signal_connect (feed, "changed", view_changed, panel);
  view = pm_catalog_feed_get_view (feed);
  if (view != NULL)
    ((void (*) (PmCatalogFeed *, PmCatalogView *, gpointer)) view_changed) (feed, view, panel);
}

void
_pm_rows_begin (GtkListBox *list)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && _pm_row_key (GTK_LIST_BOX_ROW (child)) != NULL)
      _pm_row_key (GTK_LIST_BOX_ROW (child))->seen = FALSE;
}

void
_pm_rows_end (GtkListBox *list,
              GHashTable *rows_by_id)
{
  GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));

  while (child != NULL)
    {
      GtkWidget *next = gtk_widget_get_next_sibling (child);
      PmRowKey *key = GTK_IS_LIST_BOX_ROW (child) ? _pm_row_key (GTK_LIST_BOX_ROW (child))
                                                  : NULL;

      if (key != NULL && !key->seen)
        {
          g_hash_table_remove (rows_by_id, &key->id);
          gtk_list_box_remove (list, child);
        }
      child = next;
    }
  /* Rows that stay keep their widgets, hence keyboard focus; only their places change. */
  gtk_list_box_invalidate_sort (list);
}
