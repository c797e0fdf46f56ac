/* pm-alerts-panel.c: alerts, most probable first. A row stays with its alert while the alert is
 * listed, so that the list does not flicker or lose keyboard focus on every tick, and values
 * update in place; when an alert leaves the listed set its row is handed to one that entered.
 * On a big network dozens of alerts come and go every tick, and building an expander row (with
 * its factor rows and silence popover) for each of them stalled the main loop for a third of a
 * second: rows are built only when the list grows, factor rows when first expanded, the silence
 * popover when first opened.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-alerts-panel.h"
#include "pm-alerts-panel-private.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "pm-format.h"
#include "pm-reason-entry.h"
#include "pm-widget-update.h"

/* Rows shown at most, the most probable first. A list box lays out every row whenever a figure
 * changes, and on a big network hundreds of alerts change every tick; past a few dozen a list is
 * no longer read anyway, and the map's outlines and Ctrl+F still reach every alert. */
#define MAX_ROWS 40

/* The position of a row without an alert: after every listed one. */
#define SPARE_POSITION G_MAXINT

/* What a row holds besides its title and subtitle, kept on the row (qdata). */
typedef struct
{
  char          *id;        /* the alert shown and acted on; NULL while spare */
  int            position;  /* in the snapshot's order, or SPARE_POSITION */
  PmAlertSubject subject;   /* the one the icon shows */
  GtkWidget     *icon;
  GtkWidget     *locate;
  GtkWidget     *acknowledge;
  GtkWidget     *silence;   /* GtkMenuButton; its popover is built when first opened */
  GtkWidget     *probability; /* one line of constant width: it follows every tick cheaply */
  GPtrArray     *factors;   /* AdwActionRow: built when first expanded, NULL until then */
  /* The figures in a row's text change at every tick; relaying out forty rows of wrapped text
   * at each would stall the main loop, so a row's text follows its alert's figures at most every
   * TEXT_PERIOD_US, and at once when the alert is new to the row or changes state. */
  gint64         text_due;  /* monotonic µs; 0: at the next refresh */
  PmAlertState   state;
  gboolean       quiet;     /* acknowledged or silenced */
} RowParts;

#define TEXT_PERIOD_US (5 * G_USEC_PER_SEC)

struct _PmAlertsPanel
{
  GtkWidget   parent_instance;

  GtkStack   *stack;
  GtkListBox *list;
  GtkLabel   *more_label;
  GtkWidget  *more_box;

  PmSnapshot *snapshot;
  PmEngine   *engine;       /* for the operator's actions */
  GHashTable *rows;         /* listed alert id → its row */
  GSList     *spare;        /* hidden rows without an alert, for the next alerts to enter */
  guint       n_rows_built;
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

static GQuark
row_parts_quark (void)
{
  return g_quark_from_static_string ("pm-alerts-panel-row");
}

static void
row_parts_free (RowParts *parts)
{
  g_free (parts->id);
  g_clear_pointer (&parts->factors, g_ptr_array_unref);
  g_free (parts);
}

static const char *
subject_icon (PmAlertSubject subject)
{
  return subject == PM_ALERT_SITE ? "network-server-symbolic" : "network-wired-symbolic";
}

static const char *
subject_name (PmSnapshot    *snapshot,
              const PmAlert *alert)
{
  if (alert->subject == PM_ALERT_SITE)
    return pm_topology_get_site (snapshot->topology, alert->index)->name;
  return pm_topology_get_segment (snapshot->topology, alert->index)->id;
}

static char *
describe_alert (const PmAlert *alert,
                gint64         now_s)
{
  g_autofree char *eta = alert->eta_s > 0 ? pm_format_clock_near (alert->eta_s, now_s) : NULL;
  const char *state = alert->state == PM_ALERT_FIRING    ? _("firing")
                      : alert->state == PM_ALERT_PENDING ? _("pending")
                                                         : _("resolved");

  g_autoptr(GString) text = g_string_new (NULL);

  /* The probability has a label of its own (RowParts.probability): it changes at every tick,
   * and this text wraps, which costs a relayout of the row. */
  if (eta != NULL)
    /* Translators: an alert's state, then when the cut is expected. */
    g_string_printf (text, _("%s · expected %s"), state, eta);
  else
    g_string_assign (text, state);
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

/* The row a widget inside it (or inside its silence popover) belongs to. */
static RowParts *
row_parts_of (GtkWidget *widget)
{
  GtkWidget *row = gtk_widget_get_ancestor (widget, ADW_TYPE_EXPANDER_ROW);

  return row != NULL ? g_object_get_qdata (G_OBJECT (row), row_parts_quark ()) : NULL;
}

static void
silence_clicked_cb (GtkButton *button,
                    gpointer   user_data)
{
  GtkWidget *box = gtk_widget_get_parent (GTK_WIDGET (button));
  GtkDropDown *duration = g_object_get_data (G_OBJECT (box), "duration");
  PmReasonEntry *entry = g_object_get_data (G_OBJECT (box), "reason");
  RowParts *parts = row_parts_of (GTK_WIDGET (button));
  guint choice = gtk_drop_down_get_selected (duration);
  g_autofree char *reason = pm_reason_entry_dup_reason (entry);
  GtkWidget *popover;

  /* The button is insensitive while the reason is blank; "clicked" can still be emitted. */
  if (parts == NULL || parts->id == NULL || reason == NULL)
    return;
  gtk_widget_activate_action (GTK_WIDGET (button), "alert.silence", "(sxs)", parts->id,
                              silence_choices[MIN (choice, G_N_ELEMENTS (silence_choices) - 1)]
                                .seconds,
                              reason);
  popover = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_POPOVER);
  if (popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (popover));
}

/* The popover that asks how long and why: Silence stays insensitive until a reason is typed.
 * It acts on the alert its row shows when the operator confirms, so a re-bound row needs no
 * new one. */
static GtkWidget *
build_silence_popover (void)
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
  reason = pm_reason_entry_new ();
  /* Room for a short sentence: a reason that scrolls out of sight is not read back. */
  gtk_editable_set_width_chars (GTK_EDITABLE (reason), 28);
  button = gtk_button_new_with_mnemonic (_("_Silence"));
  gtk_widget_add_css_class (button, "suggested-action");
  g_object_bind_property (reason, "valid", button, "sensitive", G_BINDING_SYNC_CREATE);
  g_signal_connect (button, "clicked", G_CALLBACK (silence_clicked_cb), NULL);
  /* The entry swallows Enter while the reason is blank. */
  g_signal_connect_swapped (reason, "activate", G_CALLBACK (gtk_widget_activate), button);

  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), duration);
  gtk_box_append (GTK_BOX (box), reason);
  gtk_box_append (GTK_BOX (box), button);
  g_object_set_data (G_OBJECT (box), "duration", duration);
  g_object_set_data (G_OBJECT (box), "reason", reason);
  gtk_popover_set_child (GTK_POPOVER (popover), box);
  return popover;
}

/* GtkMenuButton asks for its popup each time it opens; the popover is built the first time
 * only: forty rows of drop-downs and entries that nobody opened cost a stall per tick. */
static void
create_silence_popup_cb (GtkMenuButton *button,
                         gpointer       user_data)
{
  if (gtk_menu_button_get_popover (button) == NULL)
    gtk_menu_button_set_popover (button, build_silence_popover ());
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

/* Shows the alert's factors in the rows inside the expander; they exist only once the operator
 * has expanded the row, and are kept current only while it is expanded. */
static void
refresh_factors (GtkWidget     *row,
                 const PmAlert *alert)
{
  RowParts *parts = g_object_get_qdata (G_OBJECT (row), row_parts_quark ());

  if (parts->factors == NULL || !adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row)))
    return;
  for (guint f = 0; f < parts->factors->len; f++)
    {
      GtkWidget *factor = g_ptr_array_index (parts->factors, f);
      gboolean shown = f < alert->n_factors;

      gtk_widget_set_visible (factor, shown);
      if (shown
          && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (factor)),
                        alert->factors[f].text) != 0)
        adw_preferences_row_set_title (ADW_PREFERENCES_ROW (factor), alert->factors[f].text);
    }
}

static void
expanded_changed_cb (AdwExpanderRow *row,
                     GParamSpec     *pspec,
                     PmAlertsPanel  *self)
{
  RowParts *parts = g_object_get_qdata (G_OBJECT (row), row_parts_quark ());
  const PmAlert *alert;

  if (!adw_expander_row_get_expanded (row) || parts->id == NULL)
    return;
  if (parts->factors == NULL)
    {
      /* Room for every factor; the rows without one stay hidden. */
      parts->factors = g_ptr_array_new ();
      for (guint f = 0; f < PM_MAX_FACTORS; f++)
        {
          GtkWidget *factor = adw_action_row_new ();
          gtk_widget_set_visible (factor, FALSE);
          adw_expander_row_add_row (row, factor);
          g_ptr_array_add (parts->factors, factor);
        }
    }
  alert = find_alert (self, parts->id);
  if (alert != NULL)
    refresh_factors (GTK_WIDGET (row), alert);
}

/* A row without an alert: bind_row gives it one. */
static GtkWidget *
build_row (PmAlertsPanel *self)
{
  GtkWidget *row = adw_expander_row_new ();
  RowParts *parts = g_new0 (RowParts, 1);

  parts->subject = PM_ALERT_SEGMENT;
  parts->icon = gtk_image_new_from_icon_name (subject_icon (parts->subject));
  parts->locate = icon_button ("find-location-symbolic", _("Show on the Map"));
  parts->acknowledge = icon_button ("object-select-symbolic", _("Acknowledge"));
  parts->silence = gtk_menu_button_new ();
  /* Wide enough for "100 %", so that a new figure never changes the row's width or makes its
   * wrapped title be laid out again. */
  parts->probability = gtk_label_new (NULL);
  gtk_label_set_width_chars (GTK_LABEL (parts->probability), 5);
  gtk_label_set_xalign (GTK_LABEL (parts->probability), 1.0);
  gtk_widget_add_css_class (parts->probability, "numeric");
  gtk_widget_set_tooltip_text (parts->probability, _("Probability of the cut within the horizon"));
  parts->position = SPARE_POSITION;

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (parts->silence),
                                 "notifications-disabled-symbolic");
  gtk_widget_set_tooltip_text (parts->silence, _("Silence…"));
  gtk_widget_set_valign (parts->silence, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (parts->silence, "flat");
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (parts->silence),
                                         create_silence_popup_cb, NULL, NULL);

  adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), parts->icon);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), parts->probability);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), parts->locate);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), parts->acknowledge);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), parts->silence);
  g_object_set_qdata_full (G_OBJECT (row), row_parts_quark (), parts,
                           (GDestroyNotify) row_parts_free);
  g_signal_connect (row, "notify::expanded", G_CALLBACK (expanded_changed_cb), self);
  self->n_rows_built++;
  return row;
}

/* Points a row at another alert: what the operator saw open or typed for the previous one does
 * not carry over. Title, subtitle and factors follow in refresh(). */
static void
bind_row (GtkWidget     *row,
          const PmAlert *alert)
{
  RowParts *parts = g_object_get_qdata (G_OBJECT (row), row_parts_quark ());

  g_free (parts->id);
  parts->id = g_strdup (alert->id);
  parts->text_due = 0;
  if (parts->subject != alert->subject)
    {
      parts->subject = alert->subject;
      gtk_image_set_from_icon_name (GTK_IMAGE (parts->icon), subject_icon (alert->subject));
    }
  gtk_actionable_set_action_target (GTK_ACTIONABLE (parts->locate), "s", alert->id);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (parts->acknowledge), "s", alert->id);
  /* Named once there is a target: an "s" action without one would be refused with a warning. */
  if (gtk_actionable_get_action_name (GTK_ACTIONABLE (parts->locate)) == NULL)
    {
      gtk_actionable_set_action_name (GTK_ACTIONABLE (parts->locate), "alert.locate");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (parts->acknowledge), "alert.acknowledge");
    }
  if (gtk_menu_button_get_popover (GTK_MENU_BUTTON (parts->silence)) != NULL)
    {
      gtk_menu_button_popdown (GTK_MENU_BUTTON (parts->silence));
      gtk_menu_button_set_popover (GTK_MENU_BUTTON (parts->silence), NULL);
    }
  if (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row)))
    adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), FALSE);
  if (!gtk_widget_get_visible (row))
    gtk_widget_set_visible (row, TRUE);
}

/* A row whose alert left the listed set and that no entering alert took: hidden at the end of
 * the list until one does. */
static void
unbind_row (GtkWidget *row)
{
  RowParts *parts = g_object_get_qdata (G_OBJECT (row), row_parts_quark ());

  g_clear_pointer (&parts->id, g_free);
  parts->position = SPARE_POSITION;
  if (gtk_menu_button_get_popover (GTK_MENU_BUTTON (parts->silence)) != NULL)
    gtk_menu_button_popdown (GTK_MENU_BUTTON (parts->silence));
  gtk_widget_set_visible (row, FALSE);
}

/* Whether the keyboard focus is in ROW (or in its silence popover). */
static gboolean
has_focus_within (GtkWidget *row)
{
  GtkRoot *root = gtk_widget_get_root (row);
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  return focus != NULL && (focus == row || gtk_widget_is_ancestor (focus, row));
}

/* Rows keep the snapshot's order (most probable first) through their position. */
static int
compare_rows (GtkListBoxRow *a,
              GtkListBoxRow *b,
              gpointer       user_data)
{
  RowParts *pa = g_object_get_qdata (G_OBJECT (a), row_parts_quark ());
  RowParts *pb = g_object_get_qdata (G_OBJECT (b), row_parts_quark ());

  return (pa->position > pb->position) - (pa->position < pb->position);
}

static int
compare_positions (gconstpointer a,
                   gconstpointer b)
{
  RowParts *pa = g_object_get_qdata (*(GObject **) a, row_parts_quark ());
  RowParts *pb = g_object_get_qdata (*(GObject **) b, row_parts_quark ());

  return (pa->position > pb->position) - (pa->position < pb->position);
}

/* Whether the list's visible rows already stand in the order wanted: re-sorting moves every row's
 * style node and lays the whole list out again, so it is done only when the order changed. */
static gboolean
in_order (PmAlertsPanel *self,
          GPtrArray     *ordered)
{
  guint i = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (!gtk_widget_get_visible (child))
        continue;
      if (i >= ordered->len || g_ptr_array_index (ordered, i) != child)
        return FALSE;
      i++;
    }
  return i == ordered->len;
}

/* Keeps the row of every alert that stays listed, hands the rows of alerts that left to those that
 * entered (the nearest places first, so that rows rarely move), builds rows only when the list
 * grows past every row built so far, and puts them in the snapshot's order. Returns the rows in
 * that order. */
static GPtrArray *
sync_rows (PmAlertsPanel *self,
           GPtrArray     *alerts)
{
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) freed = g_ptr_array_new ();
  GSList *dropped = NULL;
  guint n_shown = MIN (alerts->len, MAX_ROWS);
  GPtrArray *ordered = g_ptr_array_sized_new (n_shown);
  guint next_freed = 0;
  GHashTableIter iter;
  gpointer key, value;

  for (guint i = 0; i < n_shown; i++)
    g_hash_table_add (listed, ((const PmAlert *) g_ptr_array_index (alerts, i))->id);

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (listed, key))
      {
        /* The operator's focus stays with the alert: a button that kept the focus while its row
         * turned to another alert would acknowledge or silence that one on the next key press.
         * Hidden, the row drops the focus, and waits a tick before it is handed on. */
        if (has_focus_within (value))
          {
            unbind_row (value);
            dropped = g_slist_prepend (dropped, value);
          }
        else
          g_ptr_array_add (freed, value);
        g_hash_table_iter_remove (&iter);
      }
  g_ptr_array_sort (freed, compare_positions);

  for (guint i = 0; i < n_shown; i++)
    {
      const PmAlert *alert = g_ptr_array_index (alerts, i);
      GtkWidget *row = g_hash_table_lookup (self->rows, alert->id);
      RowParts *parts;

      if (row == NULL)
        {
          if (next_freed < freed->len)
            row = g_ptr_array_index (freed, next_freed++);
          else if (self->spare != NULL)
            {
              row = self->spare->data;
              self->spare = g_slist_delete_link (self->spare, self->spare);
            }
          else
            {
              row = build_row (self);
              gtk_list_box_append (self->list, row);
            }
          bind_row (row, alert);
          g_hash_table_insert (self->rows, g_strdup (alert->id), row);
        }
      parts = g_object_get_qdata (G_OBJECT (row), row_parts_quark ());
      parts->position = (int) i;
      g_ptr_array_add (ordered, row);
    }

  for (; next_freed < freed->len; next_freed++)
    {
      GtkWidget *row = g_ptr_array_index (freed, next_freed);
      unbind_row (row);
      self->spare = g_slist_prepend (self->spare, row);
    }
  self->spare = g_slist_concat (self->spare, dropped);
  if (!in_order (self, ordered))
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
refresh (PmAlertsPanel *self,
         GPtrArray     *alerts)
{
  g_autoptr(GPtrArray) rows = sync_rows (self, alerts);

  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < rows->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (alerts, i);
      GtkWidget *row = g_ptr_array_index (rows, i);
      RowParts *parts = g_object_get_qdata (G_OBJECT (row), row_parts_quark ());
      gboolean quiet = alert->acknowledged || alert->silenced_until > self->snapshot->time_s;
      gboolean can_acknowledge = !alert->acknowledged && alert->state != PM_ALERT_RESOLVED;
      g_autofree char *probability = pm_format_percent (alert->probability);

      pm_label_set_if_changed (GTK_LABEL (parts->probability), probability);
      if (gtk_widget_get_sensitive (parts->acknowledge) != can_acknowledge)
        gtk_widget_set_sensitive (parts->acknowledge, can_acknowledge);
      if (now >= parts->text_due || parts->state != alert->state
          || parts->quiet != quiet)
        {
          g_autofree char *subtitle = describe_alert (alert, self->snapshot->time_s);
          g_autofree char *title = NULL;

          title = alert->n_factors > 0
                    ? g_strdup_printf ("%s — %s", subject_name (self->snapshot, alert),
                                       alert->factors[0].text)
                    : g_strdup (subject_name (self->snapshot, alert));
          set_title_if_changed (row, title);
          if (g_strcmp0 (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), subtitle) != 0)
            adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
          refresh_factors (row, alert);
          parts->state = alert->state;
          parts->quiet = quiet;
          /* Periods a little apart spread the rows' updates over different ticks. */
          parts->text_due = now + TEXT_PERIOD_US + (i % 5) * (TEXT_PERIOD_US / 25);
        }
      pm_widget_set_css_class_if (row, "alert-firing", alert->state == PM_ALERT_FIRING);
      pm_widget_set_css_class_if (row, "dim-label",
                                  alert->state == PM_ALERT_RESOLVED
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
  g_clear_pointer (&self->spare, g_slist_free);
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
  gtk_widget_class_bind_template_child (widget_class, PmAlertsPanel, more_box);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "pm-alerts-panel");
}

static void
pm_alerts_panel_init (PmAlertsPanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_list_box_set_sort_func (self->list, compare_rows, NULL, NULL);
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
  /* The count changes at most ticks on a big network: it is one line, and the wrapped
   * explanation under it stays as it is. */
  if (snapshot->alerts->len > MAX_ROWS)
    {
      guint n_more = snapshot->alerts->len - MAX_ROWS;
      g_autofree char *more =
        g_strdup_printf (ngettext ("%u less probable alert is not listed.",
                                   "%u less probable alerts are not listed.", n_more),
                         n_more);
      pm_label_set_if_changed (self->more_label, more);
    }
  gtk_widget_set_visible (self->more_box, snapshot->alerts->len > MAX_ROWS);
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

guint
_pm_alerts_panel_get_n_rows_built (PmAlertsPanel *self)
{
  g_return_val_if_fail (PM_IS_ALERTS_PANEL (self), 0);
  return self->n_rows_built;
}

void
_pm_alerts_panel_expire_text (PmAlertsPanel *self)
{
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    ((RowParts *) g_object_get_qdata (G_OBJECT (row), row_parts_quark ()))->text_due = 0;
}

GtkWidget *
_pm_alerts_panel_get_row (PmAlertsPanel *self,
                          const char    *id)
{
  g_return_val_if_fail (PM_IS_ALERTS_PANEL (self), NULL);
  return g_hash_table_lookup (self->rows, id);
}
