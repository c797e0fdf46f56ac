/* pm-window.c: the console's main window: header with clock and source, the map, the detail
 * panel. It draws from the engine's snapshots only and drives the engine through its facade.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-window.h"

#include <glib/gi18n.h>

#include "pm-alerts-panel.h"
#include "pm-audit-panel.h"
#include "pm-catalog-feed.h"
#include "pm-feed-list.h"
#include "pm-format.h"
#include "pm-jobs-panel.h"
#include "pm-notifier.h"
#include "pm-proposals-panel.h"
#include "pm-resources-panel.h"
#include "pm-routing-panel.h"
#include "pm-widget-update.h"

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
  GtkRevealer         *catalog_banner;
  GtkWidget           *catalog_banner_box;
  GtkLabel            *catalog_banner_label;
  PmMapView           *map_view;
  PmDetailPanel       *detail_panel;
  PmAlertsPanel       *alerts_panel;
  AdwViewStack        *side_stack;
  AdwViewStackPage    *alerts_page;
  AdwViewStackPage    *proposals_page;
  AdwViewStackPage    *jobs_page;
  PmProposalsPanel    *proposals_panel;
  PmJobsPanel         *jobs_panel;
  PmResourcesPanel    *resources_panel;
  PmRoutingPanel      *routing_panel;
  PmAuditPanel        *audit_panel;
  AdwToastOverlay     *toast_overlay;
  GtkLabel            *status_source;
  GtkMenuButton       *feeds_button;
  PmFeedList          *feed_list;
  GtkLabel            *status_catalog;
  GtkLabel            *status_api;

  PmEngine            *engine;
  GSettings           *settings;
  PmNotifier          *notifier;
  PmCatalogFeed       *feed;     /* the catalogue, read off the main thread; NULL without one */
  PmCatalogState       catalog_state; /* as the banner and the decision actions show it */
};

G_DEFINE_TYPE (PmWindow, pm_window, ADW_TYPE_APPLICATION_WINDOW)

/* The status bar's event feeds button: hidden without feeds, marked when one is not up to date. */
static void
update_feeds (PmWindow   *self,
              PmSnapshot *snapshot)
{
  g_autofree char *summary = pm_feed_list_summarize (snapshot->feeds);

  gtk_widget_set_visible (GTK_WIDGET (self->feeds_button), summary != NULL);
  if (summary == NULL)
    return;
  pm_menu_button_set_label_if_changed (self->feeds_button, summary);
  pm_widget_set_css_class_if (GTK_WIDGET (self->feeds_button), "warning",
                              pm_feed_list_count_troubled (snapshot->feeds) > 0);
  /* Feeds are read in wall time, whatever the clock of the metrics. */
  pm_feed_list_update (self->feed_list, snapshot->feeds, g_get_real_time () / G_USEC_PER_SEC);
}

static void
update_header (PmWindow   *self,
               PmSnapshot *snapshot)
{
  g_autofree char *clock = pm_format_clock (snapshot->time_s);
  g_autofree char *speed = pm_format_speed (snapshot->speed);
  g_autofree char *source = NULL;
  const char *state = pm_source_state_to_string (snapshot->source_state);
  static const char *const source_classes[] = { "success", "warning", "error", NULL };
  const char *source_class;

  pm_label_set_if_changed (self->clock_label, clock);
  pm_menu_button_set_label_if_changed (self->speed_button, speed);
  if (snapshot->predicting)
    source = g_strdup_printf ("%s · %s", snapshot->source_description, state);
  else
    /* Translators: source description, source state; the predictor is still learning from the
     * stored metrics, so no risk is shown yet. */
    source = g_strdup_printf (_("%s · %s · learning from history"),
                              snapshot->source_description, state);
  pm_label_set_if_changed (self->source_label, source);

  switch (snapshot->source_state)
    {
    case PM_SOURCE_STATE_CONNECTED:
      source_class = "success";
      break;
    case PM_SOURCE_STATE_CONNECTING:
    case PM_SOURCE_STATE_STALE:
      source_class = "warning";
      break;
    case PM_SOURCE_STATE_FAILED:
    default:
      source_class = "error";
      break;
    }
  pm_widget_set_css_class_of (GTK_WIDGET (self->source_label), source_classes, source_class);

  if (snapshot->source_error != NULL)
    {
      g_autofree char *message =
        g_strdup_printf (_("The metric source failed; the map shows no data until it recovers: "
                           "%s"), snapshot->source_error);
      pm_label_set_if_changed (self->source_banner_label, message);
    }
  gtk_revealer_set_reveal_child (self->source_banner, snapshot->source_error != NULL);

  {
    g_autofree char *status = g_strdup_printf (_("Source: %s (%s)"),
                                               snapshot->source_description, state);
    pm_label_set_if_changed (self->status_source, status);
  }
}

/* A shared catalogue that lost its quorum still shows its last known state but takes no
 * decision; one that cannot be reached shows nothing. The banner says which, and the panels'
 * decision buttons are insensitive meanwhile rather than failing with a toast. */
static void
update_catalog_banner (PmWindow   *self,
                       PmSnapshot *snapshot)
{
  static const char *const banner_classes[] = { "warning", "error", NULL };
  gboolean read_only;

  if (snapshot->catalog_state == self->catalog_state)
    return;
  self->catalog_state = snapshot->catalog_state;

  switch (self->catalog_state)
    {
    case PM_CATALOG_STATE_READ_ONLY:
      pm_label_set_if_changed (self->catalog_banner_label,
                               _("The shared catalogue has lost its quorum: showing the last "
                                 "known state. Decisions are refused until it is back."));
      pm_widget_set_css_class_of (self->catalog_banner_box, banner_classes, "warning");
      break;
    case PM_CATALOG_STATE_UNREACHABLE:
      pm_label_set_if_changed (self->catalog_banner_label,
                               _("The shared catalogue cannot be reached: its replicas, "
                                 "proposals and jobs cannot be shown, and decisions are refused "
                                 "until it is back."));
      pm_widget_set_css_class_of (self->catalog_banner_box, banner_classes, "error");
      break;
    case PM_CATALOG_STATE_OK:
    default:
      break;
    }
  read_only = self->catalog_state != PM_CATALOG_STATE_OK;
  gtk_revealer_set_reveal_child (self->catalog_banner, read_only);
  pm_proposals_panel_set_read_only (self->proposals_panel, read_only);
  pm_jobs_panel_set_read_only (self->jobs_panel, read_only);
  pm_resources_panel_set_read_only (self->resources_panel, read_only);
}

static void
update_catalog_status (PmWindow *self)
{
  PmMirror *mirror = pm_engine_get_mirror (self->engine);
  g_autofree char *text = NULL;

  if (mirror != NULL)
    text = g_strdup_printf (_("Catalogue: %s"),
                            pm_catalog_describe (pm_mirror_get_catalog (mirror)));
  else
    text = g_strdup (_("Catalogue: not open"));
  pm_label_set_if_changed (self->status_catalog, text);
}

static guint
count_firing (PmSnapshot *snapshot)
{
  guint n = 0;

  for (guint i = 0; i < snapshot->alerts->len; i++)
    n += ((PmAlert *) g_ptr_array_index (snapshot->alerts, i))->state == PM_ALERT_FIRING;
  return n;
}

static guint
count_new (GPtrArray *notices)
{
  guint n = 0;

  for (guint i = 0; i < notices->len; i++)
    n += !((PmNotice *) g_ptr_array_index (notices, i))->withdrawn;
  return n;
}

static void
add_notice_toast (PmWindow       *self,
                  const PmNotice *notice,
                  const char     *title)
{
  AdwToast *toast = adw_toast_new (title);
  g_autofree char *detailed = g_strconcat ("win.", notice->kind == PM_NOTICE_ALERT
                                                     ? "show-alert"
                                                     : "show-proposal",
                                           NULL);

  adw_toast_set_button_label (toast, _("_Show"));
  adw_toast_set_action_name (toast, detailed);
  adw_toast_set_action_target_value (toast, g_variant_new_string (notice->target));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* Inside the focused window a toast says it, one toast for all that arrived together;
 * otherwise each gets a desktop notification. Activating either opens what it is about. */
static void
deliver_notices (PmWindow  *self,
                 GPtrArray *notices)
{
  GtkApplication *application = gtk_window_get_application (GTK_WINDOW (self));
  /* Without a session bus there is no notification service to talk to. */
  gboolean desktop = application != NULL
                     && g_application_get_dbus_connection (G_APPLICATION (application)) != NULL;
  guint n_new = count_new (notices);
  gboolean summarised = FALSE;

  for (guint i = 0; i < notices->len; i++)
    {
      const PmNotice *notice = g_ptr_array_index (notices, i);
      g_autoptr(GNotification) notification = NULL;
      g_autofree char *detailed = NULL;

      if (notice->withdrawn)
        {
          if (desktop)
            g_application_withdraw_notification (G_APPLICATION (application), notice->id);
          continue;
        }
      if (gtk_window_is_active (GTK_WINDOW (self)) || !desktop)
        {
          g_autofree char *summary = NULL;

          if (n_new == 1)
            add_notice_toast (self, notice, notice->title);
          else if (!summarised)
            {
              summary = notice->kind == PM_NOTICE_ALERT
                          ? g_strdup_printf (ngettext ("%u alert started firing",
                                                       "%u alerts started firing", n_new),
                                             n_new)
                          : g_strdup_printf (ngettext ("%u proposal awaits approval",
                                                       "%u proposals await approval", n_new),
                                             n_new);
              add_notice_toast (self, notice, summary);
              summarised = TRUE;
            }
          continue;
        }
      notification = g_notification_new (notice->title);
      detailed = g_strconcat ("app.", notice->kind == PM_NOTICE_ALERT ? "show-alert"
                                                                       : "show-proposal",
                              NULL);
      g_notification_set_body (notification, notice->body);
      g_notification_set_priority (notification, notice->kind == PM_NOTICE_ALERT
                                                   ? G_NOTIFICATION_PRIORITY_HIGH
                                                   : G_NOTIFICATION_PRIORITY_NORMAL);
      g_notification_set_default_action_and_target (notification, detailed, "s", notice->target);
      g_application_send_notification (G_APPLICATION (application), notice->id, notification);
    }
}

static void
engine_changed_cb (PmEngine   *engine,
                   PmSnapshot *snapshot,
                   gpointer    user_data)
{
  PmWindow *self = PM_WINDOW (user_data);

  update_header (self, snapshot);
  update_catalog_banner (self, snapshot);
  update_feeds (self, snapshot);
  pm_map_view_set_snapshot (self->map_view, snapshot);
  pm_detail_panel_set_snapshot (self->detail_panel, snapshot);
  pm_alerts_panel_set_snapshot (self->alerts_panel, snapshot);
  pm_routing_panel_set_snapshot (self->routing_panel, snapshot);
  adw_view_stack_page_set_badge_number (self->alerts_page, count_firing (snapshot));
  {
    g_autoptr(GPtrArray) notices = pm_notifier_update_alerts (self->notifier, snapshot);
    deliver_notices (self, notices);
  }
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

static guint
count_proposals (PmCatalogView  *view,
                 PmProposalState state)
{
  guint n = 0;

  for (guint i = 0; i < view->proposals->len; i++)
    n += ((PmProposal *) g_ptr_array_index (view->proposals, i))->state == state;
  return n;
}

static guint
count_active_jobs (PmCatalogView *view)
{
  guint n = 0;

  for (guint i = 0; i < view->jobs->len; i++)
    {
      PmJobState state = ((PmJob *) g_ptr_array_index (view->jobs, i))->state;
      n += state == PM_JOB_QUEUED || state == PM_JOB_RUNNING;
    }
  return n;
}

/* The replicas of one resource, borrowed from the view, for the map. */
static GPtrArray *
replicas_of (PmCatalogView *view,
             const char    *resource)
{
  GPtrArray *replicas = g_ptr_array_new ();

  for (guint i = 0; view != NULL && i < view->replicas->len; i++)
    {
      PmReplica *replica = g_ptr_array_index (view->replicas, i);
      if (g_strcmp0 (replica->resource, resource) == 0)
        g_ptr_array_add (replicas, replica);
    }
  return replicas;
}

static void
show_resource_on_map (PmWindow *self,
                      int       resource)
{
  PmResources *resources = pm_engine_get_resources (self->engine);
  PmCatalogView *view = self->feed != NULL ? pm_catalog_feed_get_view (self->feed) : NULL;
  g_autoptr(GPtrArray) replicas = NULL;

  if (resource < 0 || (guint) resource >= pm_resources_get_n_resources (resources))
    {
      pm_map_view_show_resource (self->map_view, -1, NULL);
      return;
    }
  replicas = replicas_of (view, pm_resources_get_resource (resources, resource)->name);
  pm_map_view_show_resource (self->map_view, resource, replicas);
}

static void
feed_changed_cb (PmCatalogFeed *feed,
                 PmCatalogView *view,
                 PmWindow      *self)
{
  g_autoptr(GPtrArray) notices = pm_notifier_update_proposals (self->notifier, view->proposals);

  adw_view_stack_page_set_badge_number (self->proposals_page,
                                        count_proposals (view, PM_PROPOSAL_PENDING));
  adw_view_stack_page_set_needs_attention (self->proposals_page,
                                           count_proposals (view, PM_PROPOSAL_PENDING) > 0);
  adw_view_stack_page_set_badge_number (self->jobs_page, count_active_jobs (view));
  /* Replicas land and go while a resource is shown: keep its marks current. */
  if (pm_map_view_get_shown_resource (self->map_view) >= 0)
    show_resource_on_map (self, pm_map_view_get_shown_resource (self->map_view));
  deliver_notices (self, notices);
}

static void
map_location_activated_cb (PmMapView *map_view,
                           double     lat,
                           double     lon,
                           PmWindow  *self)
{
  pm_routing_panel_set_location (self->routing_panel, lat, lon);
  adw_view_stack_set_visible_child_name (self->side_stack, "routing");
}

static void
map_resource_activated_cb (PmMapView *map_view,
                           int        resource,
                           PmWindow  *self)
{
  PmResources *resources = pm_engine_get_resources (self->engine);

  show_resource_on_map (self, resource);
  if (resource >= 0 && (guint) resource < pm_resources_get_n_resources (resources))
    {

      pm_resources_panel_show_resource (self->resources_panel,
                                        pm_resources_get_resource (resources, resource)->name);
      adw_view_stack_set_visible_child_name (self->side_stack, "resources");
    }
}

static void
resource_selected_cb (PmResourcesPanel *panel,
                      guint             resource,
                      PmWindow         *self)
{
  show_resource_on_map (self, (int) resource);
}

static void
proposal_activated_cb (PmProposalsPanel *panel,
                       const char       *resource,
                       const char       *site,
                       PmWindow         *self)
{
  show_resource_on_map (self, pm_resources_lookup_resource (pm_engine_get_resources (self->engine), resource));
  pm_map_view_select (self->map_view, pm_topology_lookup_site (pm_engine_get_topology (self->engine),
                                                             site),
                      -1);
}

static void
routing_site_activated_cb (PmRoutingPanel *panel,
                           guint           site,
                           PmWindow       *self)
{
  pm_map_view_select (self->map_view, (int) site, -1);
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

/* Every panel reports the result of an operator's action the same way. */
static void
panel_toast_cb (GtkWidget  *panel,
                const char *message,
                PmWindow   *self)
{
  pm_window_add_toast (self, message);
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
  pm_engine_tick_soon (self->engine);
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
  pm_engine_tick_soon (self->engine);
}

static void
toggle_paused_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));
  g_action_change_state (G_ACTION (action), g_variant_new_boolean (!g_variant_get_boolean (state)));
}

static void
show_panel_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  const char *name = g_variant_get_string (parameter, NULL);

  if (adw_view_stack_get_child_by_name (self->side_stack, name) != NULL)
    adw_view_stack_set_visible_child_name (self->side_stack, name);
}

static void
show_alert_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);
  PmSnapshot *snapshot = pm_engine_get_snapshot (self->engine);
  const char *id = g_variant_get_string (parameter, NULL);

  adw_view_stack_set_visible_child_name (self->side_stack, "alerts");
  for (guint i = 0; snapshot != NULL && i < snapshot->alerts->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (snapshot->alerts, i);
      if (g_strcmp0 (alert->id, id) == 0)
        {
          pm_map_view_select (self->map_view, alert->subject == PM_ALERT_SITE ? (int) alert->index
                                                                              : -1,
                              alert->subject == PM_ALERT_SEGMENT ? (int) alert->index : -1);
          break;
        }
    }
}

static void
show_proposal_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  PmWindow *self = PM_WINDOW (user_data);

  adw_view_stack_set_visible_child_name (self->side_stack, "proposals");
}

static const GActionEntry win_actions[] = {
  { "paused", toggle_paused_activated, NULL, "false", paused_changed_cb },
  { "speed", NULL, "d", "60.0", speed_changed_cb },
  { "show-panel", show_panel_activated, "s", NULL, NULL },
  { "show-alert", show_alert_activated, "s", NULL, NULL },
  { "show-proposal", show_proposal_activated, "s", NULL, NULL },
};

/* The side panels in the order of their Alt+number shortcuts. */
static const char *const panel_names[] = {
  "alerts", "proposals", "jobs", "resources", "routing", "audit", "details",
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
  if (self->feed != NULL)
    g_signal_handlers_disconnect_by_data (self->feed, self);
  g_clear_object (&self->feed);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->notifier, pm_notifier_free);
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
  g_type_ensure (PM_TYPE_FEED_LIST);
  g_type_ensure (PM_TYPE_DETAIL_PANEL);
  g_type_ensure (PM_TYPE_ALERTS_PANEL);
  g_type_ensure (PM_TYPE_PROPOSALS_PANEL);
  g_type_ensure (PM_TYPE_JOBS_PANEL);
  g_type_ensure (PM_TYPE_RESOURCES_PANEL);
  g_type_ensure (PM_TYPE_ROUTING_PANEL);
  g_type_ensure (PM_TYPE_AUDIT_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/pm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PmWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, speed_button);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, clock_label);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, source_label);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, source_banner);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, source_banner_label);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, catalog_banner);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, catalog_banner_box);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, catalog_banner_label);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, map_view);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, detail_panel);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, alerts_panel);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, side_stack);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, alerts_page);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, proposals_page);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, jobs_page);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, proposals_panel);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, jobs_panel);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, resources_panel);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, routing_panel);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, audit_panel);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, status_source);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, feeds_button);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, feed_list);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, status_catalog);
  gtk_widget_class_bind_template_child (widget_class, PmWindow, status_api);
  gtk_widget_class_bind_template_callback (widget_class, map_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, alert_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, panel_toast_cb);
  gtk_widget_class_bind_template_callback (widget_class, map_location_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, map_resource_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, resource_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, proposal_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, routing_site_activated_cb);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, map_shortcut_cb,
                                "s", "map.zoom-in");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, map_shortcut_cb,
                                "s", "map.zoom-in");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, map_shortcut_cb,
                                "s", "map.zoom-out");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, map_shortcut_cb, "s",
                                "map.fit");
  gtk_widget_class_add_binding (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, map_shortcut_cb, "s",
                                "map.find");
}

static void
pm_window_init (PmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->notifier = pm_notifier_new ();
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

  pm_window_set_engine (self, engine);
  return self;
}

void
pm_window_set_engine (PmWindow *self,
                      PmEngine *engine)
{
  PmClock *clock;
  const char *network;
  GAction *speed;

  g_return_if_fail (PM_IS_WINDOW (self));
  g_return_if_fail (PM_IS_ENGINE (engine));

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);

  clock = pm_engine_get_clock (engine);
  network = pm_topology_get_name (pm_engine_get_topology (engine));
  adw_window_title_set_subtitle (self->window_title, network != NULL ? network : "");

  speed = g_action_map_lookup_action (G_ACTION_MAP (self), "speed");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (speed),
                               pm_clock_get_kind (clock) == PM_CLOCK_VIRTUAL);
  g_simple_action_set_state (G_SIMPLE_ACTION (speed),
                             g_variant_new_double (pm_clock_get_speed (clock)));
  g_simple_action_set_enabled (
    G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "paused")),
    pm_clock_get_kind (clock) == PM_CLOCK_VIRTUAL);
  update_catalog_status (self);
  pm_alerts_panel_set_engine (self->alerts_panel, engine);
  pm_routing_panel_set_engine (self->routing_panel, engine);
  pm_detail_panel_set_engine (self->detail_panel, engine);
  pm_map_view_set_resources (self->map_view, pm_engine_get_resources (engine));
  pm_map_view_show_resource (self->map_view, -1, NULL);

  if (self->feed != NULL)
    g_signal_handlers_disconnect_by_data (self->feed, self);
  g_clear_object (&self->feed);
  if (pm_engine_get_mirror (engine) != NULL)
    {
      self->feed = pm_catalog_feed_new (engine);
      g_signal_connect (self->feed, "changed", G_CALLBACK (feed_changed_cb), self);
    }
  pm_proposals_panel_set_feed (self->proposals_panel, self->feed);
  pm_jobs_panel_set_feed (self->jobs_panel, self->feed);
  pm_resources_panel_set_feed (self->resources_panel, self->feed);
  pm_audit_panel_set_feed (self->audit_panel, self->feed);

  g_signal_connect (engine, "changed", G_CALLBACK (engine_changed_cb), self);
  engine_changed_cb (engine, pm_engine_get_snapshot (engine), self);
}

PmEngine *
pm_window_get_engine (PmWindow *self)
{
  g_return_val_if_fail (PM_IS_WINDOW (self), NULL);
  return self->engine;
}

void
pm_window_set_api_url (PmWindow   *self,
                       const char *url)
{
  g_autofree char *text = NULL;

  g_return_if_fail (PM_IS_WINDOW (self));
  text = url != NULL ? g_strdup_printf (_("API: %s"), url) : g_strdup (_("API: off"));
  pm_label_set_if_changed (self->status_api, text);
}

void
pm_window_add_toast (PmWindow   *self,
                     const char *message)
{
  g_return_if_fail (PM_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
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
  for (guint i = 0; i < G_N_ELEMENTS (panel_names); i++)
    {
      g_autofree char *action = g_strdup_printf ("win.show-panel('%s')", panel_names[i]);
      g_autofree char *accel = g_strdup_printf ("<Alt>%u", i + 1);
      const char *accels[] = { accel, NULL };

      gtk_application_set_accels_for_action (application, action, accels);
    }
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

PmProposalsPanel *
pm_window_get_proposals_panel (PmWindow *self)
{
  return self->proposals_panel;
}

PmJobsPanel *
pm_window_get_jobs_panel (PmWindow *self)
{
  return self->jobs_panel;
}

PmRoutingPanel *
pm_window_get_routing_panel (PmWindow *self)
{
  return self->routing_panel;
}

const char *
pm_window_get_visible_panel (PmWindow *self)
{
  return adw_view_stack_get_visible_child_name (self->side_stack);
}

const char *
pm_window_get_clock_text (PmWindow *self)
{
  return gtk_label_get_label (self->clock_label);
}
