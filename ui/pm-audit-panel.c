/* pm-audit-panel.c: decisions never change once recorded, so rows are created once per
 * decision id and only new ones are added; the newest sit on top.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-audit-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pm-audit-csv.h"
#include "pm-catalog-panel-private.h"
#include "pm-format.h"

/* Rows shown; the export writes every decision. */
#define MAX_SHOWN 500

struct _PmAuditPanel
{
  GtkWidget             parent_instance;

  GtkLabel             *count;
  GtkStack             *stack;
  AdwStatusPage        *empty_page;
  /* The template's empty state, shown again once a catalogue error clears. */
  char                 *empty_icon;
  char                 *empty_title;
  char                 *empty_description;
  GtkListBox           *list;

  PmCatalogFeed        *feed;
  gulong                changed_id;
  GHashTable           *rows;  /* gint64 * decision id → GtkListBoxRow (the list's) */
  GtkFileChooserNative *chooser;
};

typedef struct
{
  PmRowKey key;
  char    *action;
  char    *resource;
  char    *site;
  char    *reason;
} DecisionRow;

typedef struct
{
  PmCatalogView *view;
  GFile         *file;
} ExportJob;

enum
{
  TOAST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (PmAuditPanel, pm_audit_panel, GTK_TYPE_WIDGET)

static void
decision_row_free (gpointer data)
{
  DecisionRow *row = data;

  g_free (row->action);
  g_free (row->resource);
  g_free (row->site);
  g_free (row->reason);
  g_free (row);
}

static DecisionRow *
row_data (GtkWidget *row)
{
  return (DecisionRow *) _pm_row_key (GTK_LIST_BOX_ROW (row));
}

static void
toast (PmAuditPanel *self,
       const char   *message)
{
  g_signal_emit (self, signals[TOAST], 0, message);
}

static GtkWidget *
create_row (PmAuditPanel     *self,
            const PmDecision *decision)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *title = _pm_label_new ("heading", NULL);
  GtkWidget *who = _pm_label_new ("caption", "numeric", NULL);
  GtkWidget *reason = _pm_label_new ("caption", NULL);
  DecisionRow *data = g_new0 (DecisionRow, 1);
  g_autofree char *title_text = NULL;
  g_autofree char *when = pm_format_clock (decision->at);
  g_autoptr(GString) facts = g_string_new (NULL);
  g_autofree char *accessible = NULL;

  data->key.id = decision->id;
  data->action = g_strdup (decision->action);
  data->resource = g_strdup (decision->resource);
  data->site = g_strdup (decision->site);
  data->reason = g_strdup (decision->reason);

  title_text = decision->site != NULL && *decision->site != '\0'
                 ? g_strdup_printf (_("%s · %s → %s"), decision->action, decision->resource,
                                    decision->site)
                 : g_strdup_printf (_("%s · %s"), decision->action, decision->resource);
  g_string_append_printf (facts, _("%s · %s"), decision->who, when);
  if (decision->proposal > 0)
    g_string_append_printf (facts, _(" · proposal %lld"), (long long) decision->proposal);
  if (decision->job > 0)
    g_string_append_printf (facts, _(" · job %lld"), (long long) decision->job);

  gtk_label_set_label (GTK_LABEL (title), title_text);
  gtk_label_set_label (GTK_LABEL (who), facts->str);
  gtk_widget_add_css_class (who, "dim-label");
  _pm_label_update (reason, decision->reason);
  gtk_label_set_selectable (GTK_LABEL (reason), TRUE);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), who);
  gtk_box_append (GTK_BOX (box), reason);
  gtk_widget_set_margin_top (box, 8);
  gtk_widget_set_margin_bottom (box, 8);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  accessible = g_strdup_printf (_("%s, by %s; reason: %s"), title_text, facts->str,
                                decision->reason != NULL ? decision->reason : _("none given"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  _pm_row_set_key (GTK_LIST_BOX_ROW (row), &data->key, decision_row_free);
  gtk_list_box_append (self->list, row);
  g_hash_table_insert (self->rows, &data->key.id, row);
  return row;
}

static void
view_changed_cb (PmCatalogFeed *feed,
                 PmCatalogView *view,
                 PmAuditPanel  *self)
{
  guint n = MIN (view->decisions->len, MAX_SHOWN);
  g_autofree char *count = NULL;

  _pm_rows_begin (self->list);
  for (guint i = 0; i < n; i++)
    {
      const PmDecision *decision = g_ptr_array_index (view->decisions, i);
      GtkWidget *row = g_hash_table_lookup (self->rows, &decision->id);

      if (row == NULL)
        row = create_row (self, decision);
      row_data (row)->key.seen = TRUE;
      row_data (row)->key.order = i;
    }
  _pm_rows_end (self->list, self->rows);

  if (view->decisions->len > n)
    count = g_strdup_printf (_("The newest %u of %u decisions"), n, view->decisions->len);
  else
    count = g_strdup_printf (ngettext ("%u decision", "%u decisions", n), n);
  gtk_label_set_label (self->count, count);
  if (view->error != NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("Catalogue Unavailable"));
      adw_status_page_set_description (self->empty_page, view->error);
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, self->empty_icon);
      adw_status_page_set_title (self->empty_page, self->empty_title);
      adw_status_page_set_description (self->empty_page, self->empty_description);
    }
  gtk_stack_set_visible_child_name (self->stack, n > 0 ? "list" : "empty");
}

/* Exporting */

static void
export_job_free (gpointer data)
{
  ExportJob *job = data;

  g_clear_pointer (&job->view, pm_catalog_view_unref);
  g_clear_object (&job->file);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  GError *error = NULL;

  if (pm_audit_csv_write_file (job->view->decisions, job->file, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(PmAuditPanel) self = user_data;
  ExportJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      message = g_strdup (error->message);
    }
  else
    {
      g_autofree char *name = g_file_get_parse_name (job->file);
      message = g_strdup_printf (ngettext ("Exported %u decision to %s",
                                           "Exported %u decisions to %s",
                                           job->view->decisions->len),
                                 job->view->decisions->len, name);
    }
  toast (self, message);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     PmAuditPanel    *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      if (file != NULL)
        pm_audit_panel_export (self, file);
    }
  g_clear_object (&self->chooser);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  PmAuditPanel *self = PM_AUDIT_PANEL (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *name = g_strdup_printf ("premirror-audit-%s.csv", stamp);

  if (self->chooser != NULL)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }
  self->chooser = gtk_file_chooser_native_new (_("Export the Audit Trail"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                               _("_Cancel"));
  gtk_file_filter_set_name (filter, _("CSV files"));
  gtk_file_filter_add_mime_type (filter, "text/csv");
  gtk_file_filter_add_suffix (filter, "csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* GObject */

static void
pm_audit_panel_dispose (GObject *object)
{
  PmAuditPanel *self = PM_AUDIT_PANEL (object);
  GtkWidget *child;

  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  _pm_catalog_panel_bind_feed (self, &self->feed, &self->changed_id, NULL, NULL);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->empty_icon, g_free);
  g_clear_pointer (&self->empty_title, g_free);
  g_clear_pointer (&self->empty_description, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_AUDIT_PANEL);
  /* The template's outer box has no id: unparent it (and whatever is left) here. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (pm_audit_panel_parent_class)->dispose (object);
}

static void
pm_audit_panel_class_init (PmAuditPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_audit_panel_dispose;

  /**
   * PmAuditPanel::toast:
   * @message: where the export went, or why it failed
   */
  signals[TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "audit.export", NULL, export_action);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/"
                                               "pm-audit-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PmAuditPanel, count);
  gtk_widget_class_bind_template_child (widget_class, PmAuditPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, PmAuditPanel, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmAuditPanel, list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-audit-panel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pm_audit_panel_init (PmAuditPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->empty_icon = g_strdup (adw_status_page_get_icon_name (self->empty_page));
  self->empty_title = g_strdup (adw_status_page_get_title (self->empty_page));
  self->empty_description = g_strdup (adw_status_page_get_description (self->empty_page));
  self->rows = g_hash_table_new (g_int64_hash, g_int64_equal);
  gtk_list_box_set_sort_func (self->list, _pm_row_sort_cb, NULL, NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* Public API */

PmAuditPanel *
pm_audit_panel_new (void)
{
  return g_object_new (PM_TYPE_AUDIT_PANEL, NULL);
}

void
pm_audit_panel_set_feed (PmAuditPanel  *self,
                         PmCatalogFeed *feed)
{
  g_return_if_fail (PM_IS_AUDIT_PANEL (self));
  g_return_if_fail (feed == NULL || PM_IS_CATALOG_FEED (feed));

  _pm_catalog_panel_bind_feed (self, &self->feed, &self->changed_id, feed,
                               G_CALLBACK (view_changed_cb));
}

void
pm_audit_panel_export (PmAuditPanel *self,
                       GFile        *file)
{
  g_autoptr(GTask) task = NULL;
  PmCatalogView *view;
  ExportJob *job;

  g_return_if_fail (PM_IS_AUDIT_PANEL (self));
  g_return_if_fail (G_IS_FILE (file));

  view = self->feed != NULL ? pm_catalog_feed_get_view (self->feed) : NULL;
  if (view == NULL || view->error != NULL)
    {
      toast (self, view != NULL ? view->error : _("The audit trail has not been read yet"));
      return;
    }
  job = g_new0 (ExportJob, 1);
  job->view = pm_catalog_view_ref (view);
  job->file = g_object_ref (file);
  /* No source object: the panel is released in the callback, on the main thread. */
  task = g_task_new (NULL, NULL, exported_cb, g_object_ref (self));
  g_task_set_source_tag (task, pm_audit_panel_export);
  g_task_set_task_data (task, job, export_job_free);
  g_task_run_in_thread (task, export_thread);
}

guint
pm_audit_panel_get_n_shown (PmAuditPanel *self)
{
  g_return_val_if_fail (PM_IS_AUDIT_PANEL (self), 0);

  return g_hash_table_size (self->rows);
}

const char *
pm_audit_panel_get_reason (PmAuditPanel *self,
                           gint64        decision)
{
  GtkWidget *row;

  g_return_val_if_fail (PM_IS_AUDIT_PANEL (self), NULL);

  row = g_hash_table_lookup (self->rows, &decision);
  return row != NULL ? row_data (row)->reason : NULL;
}

gint64
pm_audit_panel_find (PmAuditPanel *self,
                     const char   *action,
                     const char   *resource,
                     const char   *site)
{
  GHashTableIter iter;
  gpointer value;
  gint64 newest = 0;

  g_return_val_if_fail (PM_IS_AUDIT_PANEL (self), 0);

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DecisionRow *data = row_data (value);
      if (g_strcmp0 (data->action, action) == 0 && g_strcmp0 (data->resource, resource) == 0
          && g_strcmp0 (data->site, site) == 0)
        newest = MAX (newest, data->key.id);
    }
  return newest;
}
