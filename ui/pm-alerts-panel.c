/* pm-alerts-panel.c: alerts, rebuilt only when the set or order of alerts changes so that the
 * list does not flicker or lose keyboard focus on every tick; values update in place.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-alerts-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pm-format.h"

struct _PmAlertsPanel
{
  GtkWidget   parent_instance;

  GtkStack   *stack;
  GtkListBox *list;

  PmSnapshot *snapshot;
  GPtrArray  *shown_ids;  /* char *: the alerts the rows stand for, in order */
};

enum
{
  ALERT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (PmAlertsPanel, pm_alerts_panel, GTK_TYPE_WIDGET)

static const char *
subject_name (PmSnapshot    *snapshot,
              const PmAlert *alert)
{
  if (alert->subject == PM_ALERT_SITE)
    return pm_topology_get_site (snapshot->topology, alert->index)->name;
  return pm_topology_get_segment (snapshot->topology, alert->index)->id;
}

static char *
describe_alert (const PmAlert *alert)
{
  g_autofree char *probability = pm_format_ratio (alert->probability);
  g_autofree char *eta = alert->eta_s > 0 ? pm_format_clock (alert->eta_s) : NULL;
  const char *state = alert->state == PM_ALERT_FIRING    ? _("firing")
                      : alert->state == PM_ALERT_PENDING ? _("pending")
                                                         : _("resolved");

  if (eta != NULL)
    return g_strdup_printf (_("%s · %s · expected %s"), state, probability, eta);
  return g_strdup_printf (_("%s · %s"), state, probability);
}

static gboolean
same_alerts (PmAlertsPanel *self,
             GPtrArray     *alerts)
{
  if (alerts->len != self->shown_ids->len)
    return FALSE;
  for (guint i = 0; i < alerts->len; i++)
    if (g_strcmp0 (((PmAlert *) g_ptr_array_index (alerts, i))->id,
                   g_ptr_array_index (self->shown_ids, i)) != 0)
      return FALSE;
  return TRUE;
}

static void
rebuild (PmAlertsPanel *self,
         GPtrArray     *alerts)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_ptr_array_set_size (self->shown_ids, 0);
  for (guint i = 0; i < alerts->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (alerts, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *icon = gtk_image_new_from_icon_name (alert->subject == PM_ALERT_SITE
                                                        ? "network-server-symbolic"
                                                        : "network-wired-symbolic");

      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_list_box_append (self->list, row);
      g_ptr_array_add (self->shown_ids, g_strdup (alert->id));
    }
}

static void
refresh (PmAlertsPanel *self,
         GPtrArray     *alerts)
{
  GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->list));

  for (guint i = 0; i < alerts->len && row != NULL; i++, row = gtk_widget_get_next_sibling (row))
    {
      const PmAlert *alert = g_ptr_array_index (alerts, i);
      g_autofree char *subtitle = describe_alert (alert);
      g_autofree char *title = NULL;

      title = alert->n_factors > 0
                ? g_strdup_printf ("%s — %s", subject_name (self->snapshot, alert),
                                   alert->factors[0].text)
                : g_strdup (subject_name (self->snapshot, alert));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      if (alert->state == PM_ALERT_FIRING)
        gtk_widget_add_css_class (row, "alert-firing");
      else
        gtk_widget_remove_css_class (row, "alert-firing");
    }
}

static void
row_activated_cb (GtkListBox    *list,
                  GtkListBoxRow *row,
                  PmAlertsPanel *self)
{
  int position = gtk_list_box_row_get_index (row);
  const PmAlert *alert;

  if (self->snapshot == NULL || position < 0 || (guint) position >= self->snapshot->alerts->len)
    return;
  alert = g_ptr_array_index (self->snapshot->alerts, position);
  g_signal_emit (self, signals[ALERT_ACTIVATED], 0,
                 alert->subject == PM_ALERT_SITE ? (int) alert->index : -1,
                 alert->subject == PM_ALERT_SEGMENT ? (int) alert->index : -1);
}

static void
pm_alerts_panel_dispose (GObject *object)
{
  PmAlertsPanel *self = PM_ALERTS_PANEL (object);

  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  g_clear_pointer (&self->shown_ids, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_ALERTS_PANEL);

  G_OBJECT_CLASS (pm_alerts_panel_parent_class)->dispose (object);
}

static void
pm_alerts_panel_class_init (PmAlertsPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_alerts_panel_dispose;

  /**
   * PmAlertsPanel::alert-activated:
   * @site: the alert's site, or -1
   * @segment: the alert's segment, or -1
   */
  signals[ALERT_ACTIVATED] = g_signal_new ("alert-activated", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                           2, G_TYPE_INT, G_TYPE_INT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/pm-alerts-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PmAlertsPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, PmAlertsPanel, list);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-alerts-panel");
}

static void
pm_alerts_panel_init (PmAlertsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->shown_ids = g_ptr_array_new_with_free_func (g_free);
}

PmAlertsPanel *
pm_alerts_panel_new (void)
{
  return g_object_new (PM_TYPE_ALERTS_PANEL, NULL);
}

void
pm_alerts_panel_set_snapshot (PmAlertsPanel *self,
                              PmSnapshot    *snapshot)
{
  g_return_if_fail (PM_IS_ALERTS_PANEL (self));

  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  self->snapshot = pm_snapshot_ref (snapshot);
  if (!same_alerts (self, snapshot->alerts))
    rebuild (self, snapshot->alerts);
  refresh (self, snapshot->alerts);
  gtk_stack_set_visible_child_name (self->stack, snapshot->alerts->len > 0 ? "list" : "empty");
}

guint
pm_alerts_panel_get_n_shown (PmAlertsPanel *self)
{
  return self->shown_ids->len;
}
