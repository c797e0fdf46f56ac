/* pm-jobs-panel.c: copy jobs, rows kept by job id; the progress bars move in place on every
 * read of the catalogue.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-jobs-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "pm-catalog-panel-private.h"
#include "pm-format.h"
#include "pm-widget-update.h"

/* Finished jobs shown below the active ones; the rest are in the audit trail. */
#define MAX_FINISHED 50

struct _PmJobsPanel
{
  GtkWidget      parent_instance;

  GtkStack      *stack;
  AdwStatusPage *empty_page;
  GtkListBox    *list;

  PmCatalogFeed *feed;
  gulong         changed_id;
  GHashTable    *rows;  /* gint64 * job id → GtkListBoxRow (the list's) */
};

typedef struct
{
  PmRowKey   key;
  PmJobState state;
  char      *resource;
  char      *site;
  GtkWidget *title;
  GtkWidget *state_label;
  GtkWidget *bar;
  GtkWidget *progress;
  GtkWidget *error;
  GtkWidget *cancel;
  GtkWidget *retry;
} JobRow;

typedef struct
{
  PmJobsPanel *panel;  /* a reference */
  gboolean     cancel;
  gint64       job;
} ActionData;

enum
{
  TOAST,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (PmJobsPanel, pm_jobs_panel, GTK_TYPE_WIDGET)

static void
job_row_free (gpointer data)
{
  JobRow *row = data;

  g_free (row->resource);
  g_free (row->site);
  g_free (row);
}

static JobRow *
row_data (GtkWidget *row)
{
  return (JobRow *) _pm_row_key (GTK_LIST_BOX_ROW (row));
}

static const char *
describe_state (PmJobState state)
{
  switch (state)
    {
    case PM_JOB_QUEUED:
      return _("queued");
    case PM_JOB_RUNNING:
      return _("copying");
    case PM_JOB_DONE:
      return _("done");
    case PM_JOB_FAILED:
      return _("failed");
    case PM_JOB_CANCELLED:
      return _("cancelled");
    default:
      return "";
    }
}

static const char *
state_class (PmJobState state)
{
  switch (state)
    {
    case PM_JOB_RUNNING:
      return "accent";
    case PM_JOB_DONE:
      return "success";
    case PM_JOB_FAILED:
      return "error";
    case PM_JOB_CANCELLED:
      return "warning";
    case PM_JOB_QUEUED:
    default:
      return "dim-label";
    }
}

static char *
format_duration (double seconds)
{
  if (seconds < 60)
    return g_strdup_printf (_("%.0f s"), ceil (seconds));
  if (seconds < 3600)
    return g_strdup_printf (_("%.0f min"), ceil (seconds / 60));
  return g_strdup_printf (_("%.0f h %02.0f min"), floor (seconds / 3600),
                          floor (fmod (seconds, 3600) / 60));
}

/* "1.2 MB of 3.1 MB · 4.5 MB/s · 3 s left", or what the job waits for. */
static char *
describe_progress (const PmJob         *job,
                   const PmJobProgress *progress,
                   gint64               now_s,
                   double              *fraction)
{
  guint64 done = progress != NULL ? progress->bytes_done : job->bytes_done;
  guint64 total = progress != NULL && progress->bytes_total > 0 ? progress->bytes_total
                                                                : job->bytes;
  g_autofree char *done_text = g_format_size (done);
  g_autofree char *total_text = g_format_size (total);

  *fraction = job->state == PM_JOB_DONE ? 1 : total > 0 ? MIN (1.0, (double) done / total) : 0;
  switch (job->state)
    {
    case PM_JOB_RUNNING:
      if (progress != NULL && progress->verifying)
        return g_strdup_printf (_("%s · checking the copy's digest"), total_text);
      if (progress != NULL && progress->rate_bps > 0)
        {
          g_autofree char *rate = g_format_size ((guint64) progress->rate_bps);
          g_autofree char *eta = isnan (progress->eta_s) ? NULL
                                                         : format_duration (progress->eta_s);

          if (eta != NULL)
            return g_strdup_printf (_("%s of %s · %s/s · %s left"), done_text, total_text, rate,
                                    eta);
          return g_strdup_printf (_("%s of %s · %s/s"), done_text, total_text, rate);
        }
      return g_strdup_printf (_("%s of %s · starting"), done_text, total_text);
    case PM_JOB_QUEUED:
      if (job->next_attempt_at > now_s)
        {
          g_autofree char *when = pm_format_clock (job->next_attempt_at);
          return g_strdup_printf (ngettext ("%s · after %u failed attempt, retries at %s",
                                            "%s · after %u failed attempts, retries at %s",
                                            job->attempts),
                                  total_text, job->attempts, when);
        }
      return g_strdup_printf (_("%s · waiting for a free transfer slot"), total_text);
    case PM_JOB_DONE:
      return g_strdup_printf (_("%s copied and verified"), total_text);
    case PM_JOB_FAILED:
    case PM_JOB_CANCELLED:
    default:
      return g_strdup_printf (_("%s of %s"), done_text, total_text);
    }
}

static GtkWidget *
add_button (GtkWidget  *box,
            const char *mnemonic,
            const char *action,
            gint64      job)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (mnemonic);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int64 (job));
  gtk_box_append (GTK_BOX (box), button);
  return button;
}

static GtkWidget *
create_row (PmJobsPanel *self,
            const PmJob *job)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *head = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  JobRow *data = g_new0 (JobRow, 1);

  data->key.id = job->id;
  data->state = job->state;
  data->resource = g_strdup (job->resource);
  data->site = g_strdup (job->site);

  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);

  data->title = _pm_label_new ("heading", NULL);
  gtk_widget_set_hexpand (data->title, TRUE);
  data->state_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (data->state_label, "caption-heading");
  gtk_widget_add_css_class (data->state_label, state_class (job->state));
  gtk_widget_set_valign (data->state_label, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (head), data->title);
  gtk_box_append (GTK_BOX (head), data->state_label);
  gtk_box_append (GTK_BOX (box), head);

  data->bar = gtk_progress_bar_new ();
  gtk_widget_set_margin_top (data->bar, 2);
  gtk_box_append (GTK_BOX (box), data->bar);
  data->progress = _pm_label_new ("caption", "numeric", NULL);
  gtk_box_append (GTK_BOX (box), data->progress);
  data->error = _pm_label_new ("caption", "error", NULL);
  gtk_label_set_selectable (GTK_LABEL (data->error), TRUE);
  gtk_box_append (GTK_BOX (box), data->error);

  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  data->cancel = add_button (buttons, _("_Cancel Job"), "jobs.cancel", job->id);
  data->retry = add_button (buttons, _("_Retry"), "jobs.retry", job->id);
  gtk_box_append (GTK_BOX (box), buttons);

  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  _pm_row_set_key (GTK_LIST_BOX_ROW (row), &data->key, job_row_free);
  gtk_list_box_append (self->list, row);
  g_hash_table_insert (self->rows, &data->key.id, row);
  return row;
}

static void
update_row (GtkWidget     *row,
            const PmJob   *job,
            PmCatalogView *view)
{
  JobRow *data = row_data (row);
  const PmJobProgress *progress = pm_catalog_view_get_progress (view, job->id);
  gboolean active = job->state == PM_JOB_QUEUED || job->state == PM_JOB_RUNNING;
  g_autofree char *title = g_strdup_printf (_("%s → %s"), job->resource, job->site);
  g_autofree char *text = NULL;
  g_autofree char *accessible = NULL;
  double fraction;

  /* Restyled only when the state changes: removing a class and adding it back restyles the
   * label at every update. */
  if (data->state != job->state)
    {
      pm_widget_set_css_class_if (data->state_label, state_class (data->state), FALSE);
      pm_widget_set_css_class_if (data->state_label, state_class (job->state), TRUE);
      data->state = job->state;
    }
  text = describe_progress (job, progress, view->now_s, &fraction);

  _pm_label_update (data->title, title);
  _pm_label_update (data->state_label, describe_state (job->state));
  _pm_label_update (data->progress, text);
  _pm_label_update (data->error, job->error);
  if (gtk_progress_bar_get_fraction (GTK_PROGRESS_BAR (data->bar)) != fraction)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (data->bar), fraction);
  gtk_widget_set_visible (data->bar, job->state != PM_JOB_DONE);
  gtk_widget_set_visible (data->cancel, active);
  gtk_widget_set_visible (data->retry,
                          job->state == PM_JOB_FAILED || job->state == PM_JOB_CANCELLED);

  accessible = g_strdup_printf (_("Copy of %s to %s, %s: %s"), job->resource, job->site,
                                describe_state (job->state), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible,
                                  -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (data->bar), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  text, -1);
  g_clear_pointer (&accessible, g_free);
  accessible = g_strdup_printf (_("Cancel the copy of %s to %s"), job->resource, job->site);
  gtk_accessible_update_property (GTK_ACCESSIBLE (data->cancel), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
  g_clear_pointer (&accessible, g_free);
  accessible = g_strdup_printf (_("Retry the copy of %s to %s"), job->resource, job->site);
  gtk_accessible_update_property (GTK_ACCESSIBLE (data->retry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible, -1);
}

/* Running, then queued, then the finished ones newest first. */
static guint
rank (const PmJob *job)
{
  switch (job->state)
    {
    case PM_JOB_RUNNING:
      return 0;
    case PM_JOB_QUEUED:
      return 1;
    default:
      return 2;
    }
}

static void
view_changed_cb (PmCatalogFeed *feed,
                 PmCatalogView *view,
                 PmJobsPanel   *self)
{
  guint order = 0, n_finished = 0;

  _pm_rows_begin (self->list);
  for (guint pass = 0; pass < 3; pass++)
    for (guint i = 0; i < view->jobs->len; i++)
      {
        const PmJob *job = g_ptr_array_index (view->jobs, i);
        GtkWidget *row;

        if (rank (job) != pass || (pass == 2 && n_finished++ >= MAX_FINISHED))
          continue;
        row = g_hash_table_lookup (self->rows, &job->id);
        if (row == NULL)
          row = create_row (self, job);
        row_data (row)->key.seen = TRUE;
        row_data (row)->key.order = order++;
        update_row (row, job, view);
      }
  _pm_rows_end (self->list, self->rows);

  if (view->error != NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "dialog-warning-symbolic");
      adw_status_page_set_title (self->empty_page, _("Catalogue Unavailable"));
      adw_status_page_set_description (self->empty_page, view->error);
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "folder-download-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Copy Jobs"));
      adw_status_page_set_description (self->empty_page,
                                       _("Approved proposals and manual mirrors become jobs "
                                         "here."));
    }
  gtk_stack_set_visible_child_name (self->stack, order > 0 ? "list" : "empty");
}

static void
acted_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  ActionData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  /* The panel may have been disposed while the action ran: no rows then. */
  GtkWidget *row = data->panel->rows != NULL ? g_hash_table_lookup (data->panel->rows, &data->job)
                                             : NULL;
  g_autofree char *subject = NULL;

  if (row != NULL)
    subject = g_strdup_printf (_("%s → %s"), row_data (row)->resource, row_data (row)->site);
  else
    subject = g_strdup_printf (_("job %lld"), (long long) data->job);

  if (!pm_catalog_feed_act_finish (PM_CATALOG_FEED (source), result, &error))
    message = g_strdup_printf (data->cancel ? _("Could not cancel %s: %s")
                                            : _("Could not retry %s: %s"),
                               subject, error->message);
  else
    message = g_strdup_printf (data->cancel ? _("Cancelled the copy %s")
                                            : _("The copy %s is queued again"),
                               subject);
  g_signal_emit (data->panel, signals[TOAST], 0, message);
  g_object_unref (data->panel);
  g_free (data);
}

static void
act (PmJobsPanel *self,
     gboolean     cancel,
     gint64       job)
{
  PmCatalogAction action = { .job = job };
  ActionData *data;

  if (self->feed == NULL)
    {
      g_signal_emit (self, signals[TOAST], 0, _("The replica catalogue is not connected"));
      return;
    }
  action.kind = cancel ? PM_CATALOG_ACTION_CANCEL_JOB : PM_CATALOG_ACTION_RETRY_JOB;
  data = g_new0 (ActionData, 1);
  data->panel = g_object_ref (self);
  data->cancel = cancel;
  data->job = job;
  pm_catalog_feed_act_async (self->feed, &action, NULL, acted_cb, data);
}

static void
job_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  act (PM_JOBS_PANEL (widget), g_str_equal (action_name, "jobs.cancel"),
       g_variant_get_int64 (parameter));
}

static void
pm_jobs_panel_dispose (GObject *object)
{
  PmJobsPanel *self = PM_JOBS_PANEL (object);
  GtkWidget *child;

  _pm_catalog_panel_bind_feed (self, &self->feed, &self->changed_id, NULL, NULL);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_JOBS_PANEL);
  /* The template's outer box has no id: unparent it (and whatever is left) here. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (pm_jobs_panel_parent_class)->dispose (object);
}

static void
pm_jobs_panel_class_init (PmJobsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_jobs_panel_dispose;

  /**
   * PmJobsPanel::toast:
   * @message: what an action did, or why it failed
   */
  signals[TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "jobs.cancel", "x", job_action);
  gtk_widget_class_install_action (widget_class, "jobs.retry", "x", job_action);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/pm-jobs-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PmJobsPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, PmJobsPanel, empty_page);
  gtk_widget_class_bind_template_child (widget_class, PmJobsPanel, list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-jobs-panel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
pm_jobs_panel_init (PmJobsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_hash_table_new (g_int64_hash, g_int64_equal);
  gtk_list_box_set_sort_func (self->list, _pm_row_sort_cb, NULL, NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

PmJobsPanel *
pm_jobs_panel_new (void)
{
  return g_object_new (PM_TYPE_JOBS_PANEL, NULL);
}

void
pm_jobs_panel_set_feed (PmJobsPanel   *self,
                        PmCatalogFeed *feed)
{
  g_return_if_fail (PM_IS_JOBS_PANEL (self));
  g_return_if_fail (feed == NULL || PM_IS_CATALOG_FEED (feed));

  _pm_catalog_panel_bind_feed (self, &self->feed, &self->changed_id, feed,
                               G_CALLBACK (view_changed_cb));
}

void
pm_jobs_panel_set_read_only (PmJobsPanel *self,
                             gboolean     read_only)
{
  g_return_if_fail (PM_IS_JOBS_PANEL (self));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "jobs.cancel", !read_only);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "jobs.retry", !read_only);
}

void
pm_jobs_panel_cancel (PmJobsPanel *self,
                      gint64       job)
{
  g_return_if_fail (PM_IS_JOBS_PANEL (self));

  act (self, TRUE, job);
}

void
pm_jobs_panel_retry (PmJobsPanel *self,
                     gint64       job)
{
  g_return_if_fail (PM_IS_JOBS_PANEL (self));

  act (self, FALSE, job);
}

guint
pm_jobs_panel_get_n_shown (PmJobsPanel *self)
{
  g_return_val_if_fail (PM_IS_JOBS_PANEL (self), 0);

  return g_hash_table_size (self->rows);
}

const char *
pm_jobs_panel_get_state (PmJobsPanel *self,
                         gint64       job)
{
  GtkWidget *row;

  g_return_val_if_fail (PM_IS_JOBS_PANEL (self), NULL);

  row = g_hash_table_lookup (self->rows, &job);
  return row != NULL ? pm_job_state_to_string (row_data (row)->state) : NULL;
}

gint64
pm_jobs_panel_find_job (PmJobsPanel *self,
                        const char  *resource,
                        const char  *site)
{
  GHashTableIter iter;
  gpointer value;
  gint64 newest = 0;

  g_return_val_if_fail (PM_IS_JOBS_PANEL (self), 0);

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      JobRow *data = row_data (value);
      if (g_strcmp0 (data->resource, resource) == 0 && g_strcmp0 (data->site, site) == 0)
        newest = MAX (newest, data->key.id);
    }
  return newest;
}
