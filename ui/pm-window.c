/* pm-window.c: the console's main window: header with clock and source, the map, the detail
 * panel. It draws from the engine's snapshots only and drives the engine through its facade.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-window.h"

#include <glib/gi18n.h>

#include "pm-alerts-panel.h"
#include "pm-format.h"

struct _PmWindow
{
  AdwApplicationWindow parent_instance;

  GtkToggleButton     *pause_button;
  GtkMenuButton       *speed_button;
  GtkLabel            *clock_label;
  AdwWindowTitle      *window_title;
  GtkLabel            *source_label;
  GtkRevealer         *source_banner;
  GtkLabel            *source_banner_label;
  PmMapView           *map_view;
  PmDetailPanel       *detail_panel;
  PmAlertsPanel       *alerts_panel;
  AdwViewStack        *side_stack;
  AdwViewStackPage    *alerts_page;

  PmEngine            *engine;
  GSettings           *settings;
};

G_DEFINE_TYPE (PmWindow, pm_window, ADW_TYPE_APPLICATION_WINDOW)

static void
update_header (PmWindow   *self,
               PmSnapshot *snapshot)
{
  g_autofree char *clock = pm_format_clock (snapshot->time_s);
  g_autofree char *speed = pm_format_speed (snapshot->speed);
  g_autofree char *source = NULL;
  const char *state = pm_source_state_to_string (snapshot->source_state);

  gtk_label_set_label (self->clock_label, clock);
  gtk_menu_button_set_label (self->speed_button, speed);
  if (snapshot->predicting)
    source = g_strdup_printf ("%s · %s", snapshot->source_description, state);
  else
    /* Translators: source description, source state; the predictor is still learning from the
     * stored metrics, so no risk is shown yet. */
    source = g_strdup_printf (_("%s · %s · learning from history"),
                              snapshot->source_description, state);
  gtk_label_set_label (self->source_label, source);

  gtk_widget_remove_css_class (GTK_WIDGET (self->source_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->source_label), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (self->source_label), "error");
  switch (snapshot->source_state)
    {
    case PM_SOURCE_STATE_CONNECTED:
      gtk_widget_add_css_class (GTK_WIDGET (self->source_label), "success");
      break;
    case PM_SOURCE_STATE_CONNECTING:
    case PM_SOURCE_STATE_STALE:
      gtk_widget_add_css_class (GTK_WIDGET (self->source_label), "warning");
      break;
    case PM_SOURCE_STATE_FAILED:
    default:
      gtk_widget_add_css_class (GTK_WIDGET (self->source_label), "error");
      break;
    }

  if (snapshot->source_error != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("The metric source failed; the map shows no data until it recovers: "
                           "%s"), snapshot->source_error);
      gtk_label_set_label (self->source_banner_label, message);
    }
  gtk_revealer_set_reveal_child (self->source_banner, snapshot->source_error != NULL);
}

static guint
count_firing (PmSnapshot *snapshot)
{
  guint n = 0;

  for (guint i = 0; i < snapshot->alerts->len; i++)
    n += ((PmAlert *) g_ptr_array_index (snapshot->alerts, i))->state == PM_ALERT_FIRING;
  return n;
}

static void
engine_changed_cb (PmEngine   *engine,
                   PmSnapshot *snapshot,
                   gpointer    user_data)
{
  PmWindow *self = PM_WINDOW (user_data);

  update_header (self, snapshot);
  pm_map_view_set_snapshot (self->map_view, snapshot);
  pm_detail_panel_set_snapshot (self->detail_panel, snapshot);
  pm_alerts_panel_set_snapshot (self->alerts_panel, snapshot);
  adw_view_stack_page_set_badge_number (self->alerts_page, count_firing (snapshot));
}

static void
map_selected_cb (PmMapView *map_view,
                 int        site,
                 int        segment,
                 PmWindow  *self)
{
  pm_detail_panel_select (self->detail_panel, site, segment);
  if (site >= 0 || segment >= 0)
    adw_view_stack_set_visible_child_name (self->side_stack, "details");
}

static void
alert_activated_cb (PmAlertsPanel *panel,
                    int            site,
                    int            segment,
                    PmWindow      *self)
{
  pm_map_view_select (self->map_view, site, segment);
  map_selected_cb (self->map_view, site, segment, self);
}

static void
paused_changed_cb (GSimpleAction *action,
                   GVariant      *value,
                   gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  gboolean paused = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  pm_clock_set_paused (pm_engine_get_clock (self->engine), paused);
  gtk_button_set_icon_name (GTK_BUTTON (self->pause_button),
                            paused ? "media-playback-start-symbolic"
                                   : "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button),
                               paused ? _("Resume the Clock") : _("Pause the Clock"));
  pm_engine_tick (self->engine);
}

static void
speed_changed_cb (GSimpleAction *action,
                  GVariant      *value,
                  gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  PmClock *clock = pm_engine_get_clock (self->engine);

  /* The wall clock of a live source cannot run faster than real time. */
  if (pm_clock_get_kind (clock) != PM_CLOCK_VIRTUAL)
    return;
  g_simple_action_set_state (action, value);
  pm_clock_set_speed (clock, g_variant_get_double (value));
  pm_engine_tick (self->engine);
}

static void
toggle_paused_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));
  g_action_change_state (G_ACTION (action), g_variant_new_boolean (!g_variant_get_boolean (state)));
}

static const GActionEntry win_actions[] = {
  { "paused", toggle_paused_activated, NULL, "false", paused_changed_cb },
  { "speed", NULL, "d", "60.0", speed_changed_cb },
};

static gboolean
map_shortcut_cb (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   user_data)
{
  PmWindow *self = PM_WINDOW (widget);
  return gtk_widget_activate_action (GTK_WIDGET (self->map_view), g_variant_get_string (args, NULL),
                                     NULL);
}

static void
pm_window_dispose (GObject *object)
{
  PmWindow *self = PM_WINDOW (object);

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), PM_TYPE_WINDOW);

  G_OBJECT_CLASS (pm_window_parent_class)->dispose (object);
}

static void
pm_window_class_init (PmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_window_dispose;

  g_type_ensure (PM_TYPE_MAP_VIEW);
  g_type_ensure (PM_TYPE_DETAIL_PANEL);
  g_type_ensure (PM_TYPE_ALERTS_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/pm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PmWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, speed_button);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, clock_label);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, source_label);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, source_banner);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, source_banner_label);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, map_view);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, detail_panel);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, alerts_panel);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, side_stack);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, alerts_page);
  gtk_widget_class_bind_template_callback (widget_class, map_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, alert_activated_cb);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, map_shortcut_cb,
                                "s", "map.zoom-in");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, map_shortcut_cb,
                                "s", "map.zoom-in");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, map_shortcut_cb,
                                "s", "map.zoom-out");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, map_shortcut_cb, "s",
                                "map.fit");
}

static void
pm_window_init (PmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions),
                                   self);
  self->settings = g_settings_new (BASE_APP_ID);
  g_settings_bind (self->settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);
  pm_map_view_bind_settings (self->map_view, self->settings);

  if (g_strcmp0 (PROFILE, "Devel") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");
}

PmWindow *
pm_window_new (gpointer  application,
               PmEngine *engine)
{
  PmWindow *self = g_object_new (PM_TYPE_WINDOW, "application", application, NULL);
  PmClock *clock = pm_engine_get_clock (engine);
  const char *network = pm_topology_get_name (pm_engine_get_topology (engine));
  GAction *speed;

  self->engine = g_object_ref (engine);
  adw_window_title_set_subtitle (self->window_title, network != NULL ? network : "");

  speed = g_action_map_lookup_action (G_ACTION_MAP (self), "speed");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (speed),
                               pm_clock_get_kind (clock) == PM_CLOCK_VIRTUAL);
  g_simple_action_set_state (G_SIMPLE_ACTION (speed),
                             g_variant_new_double (pm_clock_get_speed (clock)));
  g_simple_action_set_enabled (
    G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "paused")),
    pm_clock_get_kind (clock) == PM_CLOCK_VIRTUAL);

  g_signal_connect (engine, "changed", G_CALLBACK (engine_changed_cb), self);
  engine_changed_cb (engine, pm_engine_get_snapshot (engine), self);
  return self;
}

void
pm_window_add_accels (GtkApplication *application)
{
  static const char *pause_accels[] = { "<Control>p", NULL };
  static const char *real_time[] = { "<Control>1", NULL };
  static const char *fast[] = { "<Control>2", NULL };
  static const char *faster[] = { "<Control>3", NULL };

  gtk_application_set_accels_for_action (application, "win.paused", pause_accels);
  gtk_application_set_accels_for_action (application, "win.speed(1.0)", real_time);
  gtk_application_set_accels_for_action (application, "win.speed(60.0)", fast);
  gtk_application_set_accels_for_action (application, "win.speed(600.0)", faster);
}

PmMapView *
pm_window_get_map_view (PmWindow *self)
{
  return self->map_view;
}

PmDetailPanel *
pm_window_get_detail_panel (PmWindow *self)
{
  return self->detail_panel;
}

PmAlertsPanel *
pm_window_get_alerts_panel (PmWindow *self)
{
  return self->alerts_panel;
}

const char *
pm_window_get_clock_text (PmWindow *self)
{
  return gtk_label_get_label (self->clock_label);
}
