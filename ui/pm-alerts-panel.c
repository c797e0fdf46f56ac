/* pm-alerts-panel.c: alerts, rebuilt only when the set or order of alerts changes so that the
 * list does not flicker or lose keyboard focus on every tick; values update in place.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-alerts-panel.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pm-format.h"

#define ROW_FACTORS_KEY "pm-factor-rows"

/* Rows shown at most, the most probable first. A list box lays out every row whenever a figure
 * changes, and on a big network hundreds of alerts change every tick; past a few dozen a list is
 * no longer read anyway, and the map's outlines and Ctrl+F still reach every alert. */
#define MAX_ROWS 40

struct _PmAlertsPanel
{
  GtkWidget   parent_instance;

  GtkStack   *stack;
  GtkListBox *list;
  GtkLabel   *more_label;

  PmSnapshot *snapshot;
  PmEngine   *engine;     /* for the operator's actions */
  GHashTable *rows;      /* alert id → its row: a row lives as long as its alert, so a tick
                          * only builds rows for new alerts (hundreds on a big network) */
  GHashTable *expanded;  /* ids whose factors are shown */
};

enum
{
  ALERT_ACTIVATED,
  TOAST,
  N_SIGNALS
};

/* The silence durations offered, in seconds of the engine's clock. */
static const struct
{
  gint64      seconds;
  const char *label;
} silence_choices[] = {
  { 30 * 60, N_("30 minutes") },
  { 60 * 60, N_("1 hour") },
  { 4 * 60 * 60, N_("4 hours") },
  { 24 * 60 * 60, N_("1 day") },
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

  g_autoptr(GString) text = g_string_new (NULL);

  if (eta != NULL)
    g_string_printf (text, _("%s · %s · expected %s"), state, probability, eta);
  else
    g_string_printf (text, _("%s · %s"), state, probability);
  if (alert->acknowledged)
    /* Translators: appended to an alert's state; %s is the operator's name. */
    g_string_append_printf (text, _(" · acknowledged by %s"),
                            alert->acknowledged_by != NULL ? alert->acknowledged_by : "?");
  if (alert->silenced_until > 0)
    {
      g_autofree char *until = pm_format_clock (alert->silenced_until);
      /* Translators: appended to an alert's state: until when and why it is silenced. */
      g_string_append_printf (text, _(" · silenced until %s: %s"), until,
                              alert->silence_reason != NULL ? alert->silence_reason : "");
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static const PmAlert *
find_alert (PmAlertsPanel *self,
            const char    *id)
{
  if (self->snapshot == NULL)
    return NULL;
  for (guint i = 0; i < self->snapshot->alerts->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (self->snapshot->alerts, i);
      if (g_strcmp0 (alert->id, id) == 0)
        return alert;
    }
  return NULL;
}

static void
toast (PmAlertsPanel *self,
       const char    *message)
{
  g_signal_emit (self, signals[TOAST], 0, message);
}

static gint64
engine_now (PmAlertsPanel *self)
{
  return pm_clock_now_s (pm_engine_get_clock (self->engine));
}

static void
acknowledge_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  PmAlertsPanel *self = PM_ALERTS_PANEL (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (self->engine == NULL)
    return;
  if (!pm_engine_acknowledge_alert (self->engine, id, g_get_user_name (), engine_now (self),
                                    &error))
    {
      message = g_strdup_printf (_("Could not acknowledge the alert: %s"), error->message);
      toast (self, message);
      return;
    }
  message = g_strdup_printf (_("Alert acknowledged: %s"), id);
  toast (self, message);
  pm_engine_tick_soon (self->engine);
}

static void
silence_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  PmAlertsPanel *self = PM_ALERTS_PANEL (widget);
  const char *id, *reason;
  gint64 seconds;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;
  g_autofree char *until = NULL;
  gint64 now;

  if (self->engine == NULL)
    return;
  g_variant_get (parameter, "(&sx&s)", &id, &seconds, &reason);
  now = engine_now (self);
  if (!pm_engine_silence_alert (self->engine, id, now + seconds, reason, g_get_user_name (), now,
                                &error))
    {
      message = g_strdup_printf (_("Could not silence the alert: %s"), error->message);
      toast (self, message);
      return;
    }
  until = pm_format_clock (now + seconds);
  message = g_strdup_printf (_("Alert silenced until %s"), until);
  toast (self, message);
  pm_engine_tick_soon (self->engine);
}

static void
silence_clicked_cb (GtkButton *button,
                    gpointer   user_data)
{
  GtkWidget *box = gtk_widget_get_parent (GTK_WIDGET (button));
  GtkDropDown *duration = g_object_get_data (G_OBJECT (box), "duration");
  GtkEditable *reason = g_object_get_data (G_OBJECT (box), "reason");
  const char *id = g_object_get_data (G_OBJECT (box), "alert-id");
  const char *text = gtk_editable_get_text (reason);
  guint choice = gtk_drop_down_get_selected (duration);
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  GtkWidget *popover;

  if (trimmed[0] == '\0')
    {
      gtk_widget_add_css_class (GTK_WIDGET (reason), "error");
      gtk_widget_grab_focus (GTK_WIDGET (reason));
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (reason), "error");
  gtk_widget_activate_action (GTK_WIDGET (button), "alert.silence", "(sxs)", id,
                              silence_choices[MIN (choice, G_N_ELEMENTS (silence_choices) - 1)]
                                .seconds,
                              text);
  popover = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_POPOVER);
  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));
}

/* The popover that asks how long and why: a silence without a reason is refused. */
static GtkWidget *
build_silence_popover (const char *id)
{
  GtkWidget *popover = gtk_popover_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  const char *labels[G_N_ELEMENTS (silence_choices) + 1];
  GtkWidget *duration, *reason, *button, *heading;

  for (guint i = 0; i < G_N_ELEMENTS (silence_choices); i++)
    labels[i] = _(silence_choices[i].label);
  labels[G_N_ELEMENTS (silence_choices)] = NULL;

  heading = gtk_label_new (_("Silence This Alert"));
  gtk_widget_add_css_class (heading, "heading");
  duration = gtk_drop_down_new_from_strings (labels);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (duration), 1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (duration), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Silence for"), -1);
  reason = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (reason), _("Reason (required)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (reason), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Reason"), -1);
  button = gtk_button_new_with_mnemonic (_("_Silence"));
  gtk_widget_add_css_class (button, "suggested-action");
  g_signal_connect (button, "clicked", G_CALLBACK (silence_clicked_cb), NULL);
  g_signal_connect_swapped (reason, "activate", G_CALLBACK (gtk_widget_activate), button);

  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), duration);
  gtk_box_append (GTK_BOX (box), reason);
  gtk_box_append (GTK_BOX (box), button);
  g_object_set_data (G_OBJECT (box), "duration", duration);
  g_object_set_data (G_OBJECT (box), "reason", reason);
  g_object_set_data_full (G_OBJECT (box), "alert-id", g_strdup (id), g_free);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  return popover;
}

static void
expanded_changed_cb (AdwExpanderRow *row,
                     GParamSpec     *pspec,
                     PmAlertsPanel  *self)
{
  const char *id = g_object_get_data (G_OBJECT (row), "alert-id");

  if (adw_expander_row_get_expanded (row))
    g_hash_table_add (self->expanded, g_strdup (id));
  else
    g_hash_table_remove (self->expanded, id);
}

static GtkWidget *
icon_button (const char *icon,
             const char *tooltip)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  return button;
}

static GtkWidget *
build_row (PmAlertsPanel *self,
           const PmAlert *alert)
{
  GtkWidget *row = adw_expander_row_new ();
  GtkWidget *icon = gtk_image_new_from_icon_name (alert->subject == PM_ALERT_SITE
                                                    ? "network-server-symbolic"
                                                    : "network-wired-symbolic");
  GtkWidget *locate = icon_button ("find-location-symbolic", _("Show on the Map"));
  GtkWidget *acknowledge = icon_button ("object-select-symbolic", _("Acknowledge"));
  GtkWidget *silence = gtk_menu_button_new ();
  GPtrArray *factor_rows = g_ptr_array_new ();

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (silence), "notifications-disabled-symbolic");
  gtk_widget_set_tooltip_text (silence, _("Silence…"));
  gtk_widget_set_valign (silence, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (silence, "flat");
  gtk_menu_button_set_popover (GTK_MENU_BUTTON (silence), build_silence_popover (alert->id));

  gtk_actionable_set_action_name (GTK_ACTIONABLE (locate), "alert.locate");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (locate), "s", alert->id);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (acknowledge), "alert.acknowledge");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (acknowledge), "s", alert->id);

  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), icon);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), locate);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), acknowledge);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), silence);
  g_object_set_data (G_OBJECT (row), "acknowledge", acknowledge);

  /* Room for every factor; the rows without one stay hidden. */
  for (guint f = 0; f < PM_MAX_FACTORS; f++)
    {
      GtkWidget *factor = adw_action_row_new ();
      gtk_widget_set_visible (factor, FALSE);
      adw_expander_row_add_row (ADW_EXPANDER_ROW (row), factor);
      g_ptr_array_add (factor_rows, factor);
    }
  g_object_set_data_full (G_OBJECT (row), ROW_FACTORS_KEY, factor_rows,
                          (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data_full (G_OBJECT (row), "alert-id", g_strdup (alert->id), g_free);
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row),
                                 g_hash_table_contains (self->expanded, alert->id));
  g_signal_connect (row, "notify::expanded", G_CALLBACK (expanded_changed_cb), self);
  return row;
}

/* Rows keep the snapshot's order (most probable first) through their position. */
static int
compare_rows (GtkListBoxRow *a,
              GtkListBoxRow *b,
              gpointer       user_data)
{
  int pa = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (a), "position"));
  int pb = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (b), "position"));

  return (pa > pb) - (pa < pb);
}

/* Adds rows for new alerts, drops those of vanished ones, and puts them in the snapshot's order.
 * Returns the rows in that order. */
static GPtrArray *
sync_rows (PmAlertsPanel *self,
           GPtrArray     *alerts)
{
  g_autoptr(GHashTable) current = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_shown = MIN (alerts->len, MAX_ROWS);
  GPtrArray *ordered = g_ptr_array_sized_new (n_shown);
  gboolean moved = FALSE;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < n_shown; i++)
    {
      const PmAlert *alert = g_ptr_array_index (alerts, i);
      GtkWidget *row = g_hash_table_lookup (self->rows, alert->id);

      if (row == NULL)
        {
          row = build_row (self, alert);
          g_hash_table_insert (self->rows, g_strdup (alert->id), row);
          gtk_list_box_append (self->list, row);
          moved = TRUE;
        }
      if (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "position")) != (int) i)
        {
          g_object_set_data (G_OBJECT (row), "position", GINT_TO_POINTER ((int) i));
          moved = TRUE;
        }
      g_hash_table_add (current, alert->id);
      g_ptr_array_add (ordered, row);
    }

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (current, key))
      {
        gtk_list_box_remove (self->list, value);
        g_hash_table_iter_remove (&iter);
      }
  if (moved)
    gtk_list_box_invalidate_sort (self->list);
  return ordered;
}

static void
set_title_if_changed (GtkWidget  *row,
                      const char *title)
{
  if (g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) != 0)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
}

static void
set_class_if (GtkWidget  *widget,
              const char *css_class,
              gboolean    wanted)
{
  if (wanted)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
}

static void
refresh_factors (GtkWidget     *row,
                 const PmAlert *alert)
{
  GPtrArray *factor_rows = g_object_get_data (G_OBJECT (row), ROW_FACTORS_KEY);

  for (guint f = 0; f < factor_rows->len; f++)
    {
      GtkWidget *factor = g_ptr_array_index (factor_rows, f);
      gboolean shown = f < alert->n_factors;

      gtk_widget_set_visible (factor, shown);
      if (shown
          && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (factor)),
                        alert->factors[f].text) != 0)
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (factor), alert->factors[f].text);
    }
}

static void
refresh (PmAlertsPanel *self,
         GPtrArray     *alerts)
{
  g_autoptr(GPtrArray) rows = sync_rows (self, alerts);

  for (guint i = 0; i < rows->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (alerts, i);
      GtkWidget *row = g_ptr_array_index (rows, i);
      g_autofree char *subtitle = describe_alert (alert);
      g_autofree char *title = NULL;
      GtkWidget *acknowledge = g_object_get_data (G_OBJECT (row), "acknowledge");
      gboolean can_acknowledge = !alert->acknowledged && alert->state != PM_ALERT_RESOLVED;

      title = alert->n_factors > 0
                ? g_strdup_printf ("%s — %s", subject_name (self->snapshot, alert),
                                   alert->factors[0].text)
                : g_strdup (subject_name (self->snapshot, alert));
      set_title_if_changed (row, title);
      if (g_strcmp0 (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), subtitle) != 0)
        adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
      if (gtk_widget_get_sensitive (acknowledge) != can_acknowledge)
        gtk_widget_set_sensitive (acknowledge, can_acknowledge);
      refresh_factors (row, alert);
      set_class_if (row, "alert-firing", alert->state == PM_ALERT_FIRING);
      set_class_if (row, "dim-label", alert->state == PM_ALERT_RESOLVED
                                        || alert->silenced_until > self->snapshot->time_s);
    }
}

static void
locate_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  PmAlertsPanel *self = PM_ALERTS_PANEL (widget);
  const PmAlert *alert = find_alert (self, g_variant_get_string (parameter, NULL));

  if (alert == NULL)
    return;
  g_signal_emit (self, signals[ALERT_ACTIVATED], 0,
                 alert->subject == PM_ALERT_SITE ? (int) alert->index : -1,
                 alert->subject == PM_ALERT_SEGMENT ? (int) alert->index : -1);
}

static void
pm_alerts_panel_dispose (GObject *object)
{
  PmAlertsPanel *self = PM_ALERTS_PANEL (object);

  g_clear_pointer (&self->snapshot, pm_snapshot_unref);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_pointer (&self->expanded, g_hash_table_unref);
  g_clear_object (&self->engine);
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
  /**
   * PmAlertsPanel::toast:
   * @message: the result of an operator's action, in words
   */
  signals[TOAST] = g_signal_new ("toast", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "alert.locate", "s", locate_activated);
  gtk_widget_class_install_action (widget_class, "alert.acknowledge", "s",
                                   acknowledge_activated);
  gtk_widget_class_install_action (widget_class, "alert.silence", "(sxs)", silence_activated);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/pm-alerts-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PmAlertsPanel, stack);
  gtk_widget_class_bind_template_child (widget_class, PmAlertsPanel, list);
  gtk_widget_class_bind_template_child (widget_class, PmAlertsPanel, more_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-alerts-panel");
}

static void
pm_alerts_panel_init (PmAlertsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_list_box_set_sort_func (self->list, compare_rows, NULL, NULL);
  self->expanded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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
  refresh (self, snapshot->alerts);
  if (snapshot->alerts->len > MAX_ROWS)
    {
      guint n_more = snapshot->alerts->len - MAX_ROWS;
      g_autofree char *more =
        g_strdup_printf (ngettext ("%u less probable alert is not listed: the map outlines it, "
                                   "and Ctrl+F finds its subject.",
                                   "%u less probable alerts are not listed: the map outlines "
                                   "them, and Ctrl+F finds their subjects.",
                                   n_more),
                         n_more);
      gtk_label_set_label (self->more_label, more);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->more_label), snapshot->alerts->len > MAX_ROWS);
  gtk_stack_set_visible_child_name (self->stack, snapshot->alerts->len > 0 ? "list" : "empty");
}

void
pm_alerts_panel_set_engine (PmAlertsPanel *self,
                            PmEngine      *engine)
{
  g_return_if_fail (PM_IS_ALERTS_PANEL (self));
  g_set_object (&self->engine, engine);
}

guint
pm_alerts_panel_get_n_shown (PmAlertsPanel *self)
{
  return g_hash_table_size (self->rows);
}
