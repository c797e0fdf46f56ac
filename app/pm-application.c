/* pm-application.c: command line, actions, start-up.
 *
 * The engine is created while the command line is handled, before GTK starts, so that a bad
 * --topology gives a clear message and exit status 1 whether or not a display is there, and so
 * that --headless never touches GTK at all.
 *
 * Stored settings give the source, the catalogue, the API address and the prediction's figures;
 * an option on the command line overrides its setting for that run, until the operator applies
 * that setting in the preferences (the latest decision wins). Settings applied there reach the
 * running engine through its setters, or re-create the engine (source, catalogue) or the API
 * server (address); a failure keeps what runs and is shown where the value was typed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-application.h"

#include <glib-unix.h>
#include <glib/gi18n.h>

#include <string.h>

#include "pm-engine.h"
#include "pm-preferences-window.h"
#include "pm-settings-check.h"
#include "pm-window.h"
#include "route/pm-api-alerts.h"
#include "route/pm-api-dns.h"
#include "route/pm-api-edges.h"
#include "route/pm-api-metrics.h"
#include "route/pm-api-mirror.h"
#include "route/pm-api-route.h"
#include "route/pm-client-locator.h"
#include "route/pm-api-server.h"
#include "route/pm-tokens.h"

struct _PmApplication
{
  AdwApplication parent_instance;

  PmEngine      *engine;
  PmApiServer   *api;
  PmTokens      *tokens;
  PmClientLocator *locator;
  GSettings     *settings;      /* NULL when --headless runs without the schema installed */
  PmPreferencesWindow *preferences;  /* weak */

  /* The command line, kept to re-create the engine and the API server. */
  char          *topology_path;
  char          *resources_path;
  char          *data_dir;
  char          *clients_path;
  char          *dns_zone;
  char          *tls_cert;
  char          *tls_key;
  double         route_margin_ms;

  /* What runs now: from the command line or the settings. */
  char          *source_uri;
  char          *catalog_uri;     /* NULL: the default in the data folder */
  char          *api_address;
  char         **event_feeds;     /* NULL-terminated, maybe empty */
  /* The command-line options that decided them (NULL: the setting did). */
  char          *cli_source;
  char         **cli_events;
  char          *cli_catalog;
  char          *import_catalog;  /* --import-catalog: copied in by the first engine only */
  char          *cli_api;
  gboolean       policy_from_file;  /* the --resources file's auto-approve policy applies */
};

G_DEFINE_TYPE (PmApplication, pm_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "topology", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Network topology (GeoJSON); default: the built-in demo network"), N_("FILE") },
  { "resources", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Resources and policies (JSON); default: the demo resources"), N_("FILE") },
  { "source", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Metric source: sim:[?seed=N&speed=X&start=UNIX_S], csv:FILE or "
       "prometheus:http://HOST:PORT (default: the stored setting, else sim:)"), N_("URI") },
  { "events", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL,
    N_("Maintenance calendar (iCalendar) or weather alerts (CAP GeoJSON or XML), a file or an "
       "http(s) URL; repeatable (default: the stored feeds)"), N_("FILE-or-URL") },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Folder for the catalogue and the local edges (default: <user data dir>/premirror)"),
    N_("DIR") },
  { "catalog", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Replica catalogue: sqlite:PATH, or etcd:http://HOST:PORT,…[?prefix=/PATH/] shared by "
       "several consoles (default: the stored setting, else <data dir>/catalog.sqlite)"),
    N_("URI") },
  { "import-catalog", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Copy this catalogue (sqlite:PATH) into the shared one of --catalog at start, then "
       "continue"), N_("URI") },
  { "add-token", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Create an API token for operator NAME, print it and exit"), N_("NAME") },
  { "api", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Serve the HTTP API on ADDR:PORT (default: the stored setting, else 127.0.0.1:8470; "
       "port 0 picks a free one; none: no API)"), N_("ADDR:PORT") },
  { "clients", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Client map: one “CIDR SITE” per line, for routing clients by their address"),
    N_("FILE") },
  { "route-margin", 0, 0, G_OPTION_ARG_DOUBLE, NULL,
    N_("Keep a client region on its replica unless another is this much faster (default: 5)"),
    N_("MS") },
  { "dns-zone", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("DNS zone answered through POST /dns (default: premirror.test.)"), N_("ZONE") },
  { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Serve the API over HTTPS with this PEM certificate (needs --tls-key)"), N_("FILE") },
  { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("The PEM private key of --tls-cert"), N_("FILE") },
  { "headless", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Run the engine without a window until SIGTERM or SIGINT"), NULL },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
  { NULL }
};

/* Both signal sources stay installed until the loop ends, so a second signal is harmless. */
static gboolean
quit_loop_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_CONTINUE;
}

/* Runs on the API thread: the engine hands out its snapshots under a lock. */
static PmSnapshot *
dup_snapshot_cb (gpointer data)
{
  return pm_engine_dup_snapshot (data);
}

static char *
tokens_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "premirror", "tokens", NULL);
}

/* Operator tokens live in the config dir; the first start creates one for the local user and
 * writes it where the user will look: beside the data when --data-dir is given. */
static PmTokens *
open_tokens (PmApplication *self,
             const char    *data_dir,
             GError       **error)
{
  g_autofree char *config = g_build_filename (g_get_user_config_dir (), "premirror", NULL);
  g_autofree char *path = tokens_path ();
  g_autofree char *first_path = g_build_filename (data_dir != NULL ? data_dir : config,
                                                  "api-token", NULL);

  return pm_tokens_open (path, first_path, g_get_user_name (), error);
}

static int
run_headless (PmApplication *self)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  PmSnapshot *snapshot = pm_engine_get_snapshot (self->engine);
  guint term_id, int_id;

  term_id = g_unix_signal_add (SIGTERM, quit_loop_cb, loop);
  int_id = g_unix_signal_add (SIGINT, quit_loop_cb, loop);
  /* Scripts wait for the first line to learn where the API listens (port 0 picks one). */
  if (pm_api_server_get_url (self->api) != NULL)
    g_print ("api: %s\n", pm_api_server_get_url (self->api));
  g_print ("engine: %s, %u sites, %u segments\n", snapshot->source_description,
           snapshot->n_sites, snapshot->n_segments);
  fflush (stdout);
  g_main_loop_run (loop);
  g_source_remove (term_id);
  g_source_remove (int_id);
  pm_api_server_stop (self->api);
  pm_engine_stop (self->engine);
  return 0;
}

/* The settings, or NULL when the schema is not installed: the headless server then runs on the
 * defaults and the command line rather than aborting, as GSettings would. */
static GSettings *
open_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, BASE_APP_ID, TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

static char *
setting_string (PmApplication *self,
                const char    *key,
                const char    *fallback)
{
  if (self->settings == NULL)
    return g_strdup (fallback);
  return g_settings_get_string (self->settings, key);
}

/* The stored policy, with value (of key) in place of the stored one when given. */
static void
settings_policy (PmApplication       *self,
                 const char          *key,
                 GVariant            *value,
                 PmAutoApprovePolicy *policy)
{
  policy->enabled = g_settings_get_boolean (self->settings, "auto-approve");
  policy->min_criticality = g_settings_get_uint (self->settings, "auto-approve-min-criticality");
  policy->min_risk = g_settings_get_double (self->settings, "auto-approve-min-risk");
  if (key == NULL)
    return;
  if (g_str_equal (key, "auto-approve"))
    policy->enabled = g_variant_get_boolean (value);
  else if (g_str_equal (key, "auto-approve-min-criticality"))
    policy->min_criticality = g_variant_get_uint32 (value);
  else if (g_str_equal (key, "auto-approve-min-risk"))
    policy->min_risk = g_variant_get_double (value);
}

/* A started engine on source and catalog (NULL: the default catalogue), with the stored
 * prediction settings. */
static PmEngine *
create_engine (PmApplication *self,
               const char    *source,
               const char    *catalog,
               GError       **error)
{
  PmEngineOptions options = { 0 };
  g_autoptr(PmEngine) engine = NULL;

  options.topology_path = self->topology_path;
  options.resources_path = self->resources_path;
  options.source_uri = source;
  options.event_feeds = (const char *const *) self->event_feeds;
  options.data_dir = self->data_dir;
  options.catalog_uri = catalog;
  options.import_catalog_uri = self->import_catalog;
  options.route_margin_ms = self->route_margin_ms;
  /* The demo inventory gets real origin files, so that its replicas are real copies. */
  options.demo_files = TRUE;
  if (self->settings != NULL)
    options.horizon_s = (gint64) g_settings_get_int (self->settings, "risk-horizon") * 60;

  engine = pm_engine_new (&options, error);
  if (engine == NULL)
    return NULL;
  if (self->settings != NULL)
    {
      pm_engine_set_alert_threshold (engine,
                                     g_settings_get_double (self->settings, "alert-threshold"));
      /* A resources file with a policy of its own keeps it, unless the operator has applied
       * one in the preferences since. */
      self->policy_from_file = self->policy_from_file
                               || (self->resources_path != NULL
                                   && pm_resources_get_policy (
                                        pm_engine_get_resources (engine))->enabled);
      if (!self->policy_from_file)
        {
          PmAutoApprovePolicy policy;

          settings_policy (self, NULL, NULL, &policy);
          pm_engine_set_auto_approve (engine, &policy);
        }
    }
  if (!pm_engine_start (engine, error))
    return NULL;
  return g_steal_pointer (&engine);
}

/* An API server for engine, listening on address. */
static PmApiServer *
create_api (PmApplication   *self,
            PmEngine        *engine,
            PmClientLocator *locator,
            const char      *address,
            GError         **error)
{
  g_autoptr(PmApiServer) api = NULL;
  PmApiAlertActions actions;

  api = pm_api_server_new (dup_snapshot_cb, g_object_ref (engine), g_object_unref);
  if (self->dns_zone != NULL)
    pm_api_server_set_dns_zone (api, self->dns_zone);
  pm_engine_get_api_alert_actions (engine, &actions);
  pm_api_alerts_register (api, self->tokens, &actions);
  pm_api_mirror_register (api, self->tokens, pm_engine_get_mirror (engine));
  pm_api_route_register (api, pm_engine_get_routing (engine), locator);
  pm_api_dns_register (api, pm_engine_get_routing (engine), locator);
  pm_api_metrics_register (api, pm_engine_get_routing (engine));
  pm_api_edges_register (api, pm_engine_get_topology (engine), pm_engine_get_data_dir (engine));
  if (self->tls_cert != NULL && !pm_api_server_set_tls (api, self->tls_cert, self->tls_key, error))
    return NULL;
  if (!pm_api_server_start (api, address, error))
    return NULL;
  return g_steal_pointer (&api);
}

/* The address the API listens on now: a free port picked for port 0 is kept across restarts,
 * so that the clients that learned it keep working. */
static char *
api_address_in_use (PmApplication *self)
{
  if (self->api != NULL && pm_api_server_get_url (self->api) != NULL
      && g_str_has_suffix (self->api_address, ":0"))
    return g_strdup_printf ("%.*s:%u", (int) strlen (self->api_address) - 2, self->api_address,
                            pm_api_server_get_port (self->api));
  return g_strdup (self->api_address);
}

static PmWindow *
main_window (PmApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l != NULL; l = l->next)
    if (PM_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
show_api_url (PmApplication *self)
{
  PmWindow *window = main_window (self);

  if (window != NULL)
    pm_window_set_api_url (window, self->api != NULL ? pm_api_server_get_url (self->api) : NULL);
}

static int
pm_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  PmApplication *self = PM_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  g_autofree char *new_operator = NULL, *dns_zone = NULL, *source = NULL, *catalog = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("premirror %s\n", PACKAGE_VERSION);
      return 0;
    }

  if (g_variant_dict_lookup (options, "add-token", "s", &new_operator))
    {
      g_autofree char *path = tokens_path ();
      g_autofree char *token = pm_tokens_add (path, new_operator, &error);

      if (token == NULL)
        {
          g_printerr ("premirror: %s\n", error->message);
          return 1;
        }
      g_print ("%s\n", token);
      return 0;
    }

  g_variant_dict_lookup (options, "topology", "^ay", &self->topology_path);
  g_variant_dict_lookup (options, "resources", "^ay", &self->resources_path);
  g_variant_dict_lookup (options, "source", "s", &self->cli_source);
  g_variant_dict_lookup (options, "events", "^aay", &self->cli_events);
  g_variant_dict_lookup (options, "data-dir", "^ay", &self->data_dir);
  g_variant_dict_lookup (options, "api", "s", &self->cli_api);
  g_variant_dict_lookup (options, "catalog", "s", &self->cli_catalog);
  g_variant_dict_lookup (options, "import-catalog", "s", &self->import_catalog);
  g_variant_dict_lookup (options, "clients", "^ay", &self->clients_path);
  g_variant_dict_lookup (options, "dns-zone", "s", &dns_zone);
  g_variant_dict_lookup (options, "tls-cert", "^ay", &self->tls_cert);
  g_variant_dict_lookup (options, "tls-key", "^ay", &self->tls_key);
  if (g_variant_dict_lookup (options, "route-margin", "d", &self->route_margin_ms)
      && !(self->route_margin_ms >= 0.1 && self->route_margin_ms <= 10000))
    {
      g_printerr ("premirror: --route-margin %g: give milliseconds from 0.1 to 10000\n",
                  self->route_margin_ms);
      return 1;
    }
  if (dns_zone != NULL && (self->dns_zone = pm_dns_zone_normalize (dns_zone, &error)) == NULL)
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }
  if ((self->tls_cert == NULL) != (self->tls_key == NULL))
    {
      g_printerr ("premirror: --tls-cert and --tls-key go together: give both (HTTPS) or "
                  "neither (HTTP)\n");
      return 1;
    }

  /* The command line first, then the settings. */
  self->settings = open_settings ();
  self->source_uri = self->cli_source != NULL ? g_strdup (self->cli_source)
                                              : setting_string (self, "metric-source", "sim:");
  if (self->cli_events != NULL)
    self->event_feeds = g_strdupv (self->cli_events);
  else if (self->settings != NULL)
    self->event_feeds = g_settings_get_strv (self->settings, "event-feeds");
  else
    self->event_feeds = g_new0 (char *, 1);
  catalog = self->cli_catalog != NULL ? g_strdup (self->cli_catalog)
                                      : setting_string (self, "catalog-uri", "");
  self->catalog_uri = catalog[0] != '\0' ? g_steal_pointer (&catalog) : NULL;
  self->api_address = self->cli_api != NULL
                        ? g_strdup (self->cli_api)
                        : setting_string (self, "api-address", PM_API_DEFAULT_ADDRESS);

  self->engine = create_engine (self, self->source_uri, self->catalog_uri, &error);
  if (self->engine == NULL)
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }
  /* Imported once: an engine made later, on another catalogue, starts from what it holds. */
  g_clear_pointer (&self->import_catalog, g_free);

  /* Started after the engine's first tick, so that the API never answers without a state. */
  self->tokens = open_tokens (self, self->data_dir, &error);
  if (self->tokens == NULL)
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }
  self->locator = pm_client_locator_new (pm_engine_get_topology (self->engine),
                                         self->clients_path, &error);
  if (self->locator == NULL)
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }
  self->api = create_api (self, self->engine, self->locator, self->api_address, &error);
  if (self->api == NULL)
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }

  if (g_variant_dict_contains (options, "headless"))
    return run_headless (self);
  return -1;
}

/* The preferences' apply function: the value is checked already; FALSE refuses it. */
static gboolean
apply_setting_cb (const char *key,
                  GVariant   *value,
                  gpointer    user_data,
                  GError    **error)
{
  PmApplication *self = PM_APPLICATION (user_data);

  if (g_str_equal (key, "risk-horizon"))
    {
      pm_engine_set_horizon (self->engine, (gint64) g_variant_get_int32 (value) * 60);
    }
  else if (g_str_equal (key, "alert-threshold"))
    {
      pm_engine_set_alert_threshold (self->engine, g_variant_get_double (value));
    }
  else if (g_str_has_prefix (key, "auto-approve"))
    {
      PmAutoApprovePolicy policy;

      settings_policy (self, key, value, &policy);
      self->policy_from_file = FALSE;
      pm_engine_set_auto_approve (self->engine, &policy);
    }
  else if (g_str_equal (key, "api-address"))
    {
      if (!pm_application_set_api_address (self, g_variant_get_string (value, NULL), error))
        return FALSE;
      g_clear_pointer (&self->cli_api, g_free);
    }
  else if (g_str_equal (key, "metric-source"))
    {
      if (!pm_application_reload_engine (self, g_variant_get_string (value, NULL), NULL, error))
        return FALSE;
      g_clear_pointer (&self->cli_source, g_free);
    }
  else if (g_str_equal (key, "catalog-uri"))
    {
      const char *catalog = g_variant_get_string (value, NULL);

      /* "" is the default catalogue, which the engine spells NULL. */
      if (!pm_application_reload_engine (self, NULL, catalog[0] != '\0' ? catalog : "", error))
        return FALSE;
      g_clear_pointer (&self->cli_catalog, g_free);
    }
  else if (g_str_equal (key, "event-feeds"))
    {
      g_auto(GStrv) previous = g_steal_pointer (&self->event_feeds);

      /* The new engine reads the new feeds; if it cannot start, the old feeds stay. */
      self->event_feeds = g_variant_dup_strv (value, NULL);
      if (!pm_engine_check_event_feeds ((const char *const *) self->event_feeds, error)
          || !pm_application_reload_engine (self, NULL, NULL, error))
        {
          g_strfreev (self->event_feeds);
          self->event_feeds = g_steal_pointer (&previous);
          return FALSE;
        }
      g_clear_pointer (&self->cli_events, g_strfreev);
    }
  return TRUE;
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  PmApplication *self = PM_APPLICATION (user_data);
  PmPreferencesWindow *preferences;

  if (self->preferences != NULL)
    {
      gtk_window_present (GTK_WINDOW (self->preferences));
      return;
    }
  preferences = pm_preferences_window_new (self->settings);
  gtk_window_set_transient_for (GTK_WINDOW (preferences), GTK_WINDOW (main_window (self)));
  gtk_window_set_application (GTK_WINDOW (preferences), GTK_APPLICATION (self));
  pm_preferences_window_set_apply_func (preferences, apply_setting_cb, g_object_ref (self),
                                        g_object_unref);
  if (self->cli_source != NULL)
    {
      g_autofree char *note = g_strdup_printf (_("This run reads --source %s from the command "
                                                 "line until you apply a source here."),
                                               self->cli_source);
      pm_preferences_window_set_override (preferences, "metric-source", note);
    }
  if (self->cli_events != NULL)
    pm_preferences_window_set_override (preferences, "event-feeds",
                                        _("This run reads the --events of the command line until "
                                          "you apply feeds here."));
  if (self->cli_catalog != NULL)
    {
      g_autofree char *note = g_strdup_printf (_("This run uses --catalog %s from the command "
                                                 "line until you apply a catalogue here."),
                                               self->cli_catalog);
      pm_preferences_window_set_override (preferences, "catalog-uri", note);
    }
  if (self->cli_api != NULL)
    {
      g_autofree char *note = g_strdup_printf (_("This run listens on --api %s from the command "
                                                 "line until you apply an address here."),
                                               self->cli_api);
      pm_preferences_window_set_override (preferences, "api-address", note);
    }
  if (self->policy_from_file)
    pm_preferences_window_set_override (preferences, "auto-approve",
                                        _("This run follows the policy of the --resources file "
                                          "until you change one of these settings."));
  self->preferences = preferences;
  g_object_add_weak_pointer (G_OBJECT (preferences), (gpointer *) &self->preferences);
  gtk_window_present (GTK_WINDOW (preferences));
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Premirror developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Premirror"),
                         "application-icon", APP_ID,
                         "developer-name", _("The Premirror developers"),
                         "version", PACKAGE_VERSION,
                         "website", "https://github.com/premirror/premirror",
                         "issue-url", "https://github.com/premirror/premirror/issues",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Predicts network partitions before they happen, mirrors "
                                       "critical resources to edges that will stay reachable and "
                                       "routes clients to the nearest healthy replica."),
                         "developers", developers,
                         NULL);
}

/* A desktop notification was activated: bring the window up on what it announced. The
 * window's action of the same name does the showing. */
static void
show_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWindow *window;

  g_application_activate (G_APPLICATION (app));
  window = gtk_application_get_active_window (app);
  if (window != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (window), g_action_get_name (G_ACTION (action)),
                                    parameter);
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL },
  { "about", about_activated, NULL, NULL, NULL },
  { "preferences", preferences_activated, NULL, NULL, NULL },
  { "show-alert", show_activated, "s", NULL, NULL },
  { "show-proposal", show_activated, "s", NULL, NULL },
};

static void
dark_style_changed_cb (GSettings  *settings,
                       const char *key,
                       gpointer    user_data)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      g_settings_get_boolean (settings, "dark-style")
                                        ? ADW_COLOR_SCHEME_FORCE_DARK
                                        : ADW_COLOR_SCHEME_DEFAULT);
}

static void
pm_application_startup (GApplication *app)
{
  PmApplication *self = PM_APPLICATION (app);
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *preferences_accels[] = { "<Control>comma", NULL };

  G_APPLICATION_CLASS (pm_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.preferences",
                                         preferences_accels);
  pm_window_add_accels (GTK_APPLICATION (app));

  /* A NOC console lives on a wall in a dim room: dark unless the operator opts out. */
  if (self->settings == NULL)
    self->settings = g_settings_new (BASE_APP_ID);
  g_signal_connect (self->settings, "changed::dark-style", G_CALLBACK (dark_style_changed_cb),
                    NULL);
  dark_style_changed_cb (self->settings, "dark-style", NULL);
}

static void
pm_application_activate (GApplication *app)
{
  PmApplication *self = PM_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      window = GTK_WINDOW (pm_window_new (self, self->engine));
      show_api_url (self);
    }
  gtk_window_present (window);
}

static void
pm_application_dispose (GObject *object)
{
  PmApplication *self = PM_APPLICATION (object);

  if (self->preferences != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->preferences), (gpointer *) &self->preferences);
  self->preferences = NULL;
  /* The API thread reads the engine's snapshots: it stops first. */
  g_clear_object (&self->api);
  g_clear_pointer (&self->tokens, pm_tokens_free);
  g_clear_pointer (&self->locator, pm_client_locator_free);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pm_application_parent_class)->dispose (object);
}

static void
pm_application_finalize (GObject *object)
{
  PmApplication *self = PM_APPLICATION (object);

  g_free (self->topology_path);
  g_free (self->resources_path);
  g_free (self->data_dir);
  g_free (self->clients_path);
  g_free (self->dns_zone);
  g_free (self->tls_cert);
  g_free (self->tls_key);
  g_free (self->source_uri);
  g_free (self->catalog_uri);
  g_free (self->api_address);
  g_strfreev (self->event_feeds);
  g_strfreev (self->cli_events);
  g_free (self->cli_source);
  g_free (self->cli_catalog);
  g_free (self->import_catalog);
  g_free (self->cli_api);

  G_OBJECT_CLASS (pm_application_parent_class)->finalize (object);
}

static void
pm_application_class_init (PmApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = pm_application_dispose;
  object_class->finalize = pm_application_finalize;
  app_class->handle_local_options = pm_application_handle_local_options;
  app_class->startup = pm_application_startup;
  app_class->activate = pm_application_activate;
}

static void
pm_application_init (PmApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
}

PmApplication *
pm_application_new (void)
{
  /* Non-unique: a NOC may watch two networks side by side, each console with its own engine. */
  return g_object_new (PM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "resource-base-path", "/io/github/premirror/Premirror",
                       "flags", G_APPLICATION_NON_UNIQUE,
                       NULL);
}

/* Re-creates the engine on another source or catalogue (NULL: the one in use; "" for the
 * catalogue: the default in the data folder) and hands it to the window and a new API server on
 * the same address. On failure the running engine carries on, untouched but for a pause. */
gboolean
pm_application_reload_engine (PmApplication *self,
                              const char    *source_uri,
                              const char    *catalog_uri,
                              GError       **error)
{
  g_autofree char *source = g_strdup (source_uri != NULL ? source_uri : self->source_uri);
  g_autofree char *catalog = NULL;
  g_autofree char *address = NULL;
  g_autoptr(PmEngine) engine = NULL;
  g_autoptr(PmApiServer) old_api = NULL;
  g_autoptr(GError) api_error = NULL;
  PmClientLocator *locator;
  PmWindow *window;
  PmMirror *mirror;

  g_return_val_if_fail (PM_IS_APPLICATION (self), FALSE);

  if (catalog_uri == NULL)
    catalog = g_strdup (self->catalog_uri);
  else if (catalog_uri[0] != '\0')
    catalog = g_strdup (catalog_uri);

  /* Until the first scan of the origin files is done, the demo's files may still be being
   * written: a second engine would write them at the same time. */
  mirror = pm_engine_get_mirror (self->engine);
  if (mirror != NULL && !pm_mirror_is_ready (mirror))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                           _("The engine is still reading the resources’ files: apply again in a "
                             "moment"));
      return FALSE;
    }

  /* The old engine stops ticking first, so that two mirrors never plan on one catalogue. */
  pm_engine_stop (self->engine);
  engine = create_engine (self, source, catalog, error);
  if (engine == NULL)
    {
      g_autoptr(GError) restart_error = NULL;

      if (!pm_engine_start (self->engine, &restart_error))
        g_printerr ("premirror: the running engine did not restart: %s\n",
                    restart_error->message);
      return FALSE;
    }
  locator = pm_client_locator_new (pm_engine_get_topology (engine), self->clients_path, error);
  if (locator == NULL)
    {
      pm_engine_stop (engine);
      pm_engine_start (self->engine, NULL);
      return FALSE;
    }

  /* Acknowledgements and silences go on, whichever catalogue the new engine keeps. */
  pm_engine_adopt_alert_marks (engine, self->engine);

  /* The API moves to the new engine on the same address: the old one frees the port first. */
  address = api_address_in_use (self);
  old_api = g_steal_pointer (&self->api);
  g_clear_object (&old_api);
  g_clear_pointer (&self->locator, pm_client_locator_free);
  self->locator = locator;
  self->api = create_api (self, engine, self->locator, address, &api_error);

  g_set_object (&self->engine, engine);
  g_free (self->source_uri);
  self->source_uri = g_steal_pointer (&source);
  g_free (self->catalog_uri);
  self->catalog_uri = g_steal_pointer (&catalog);

  window = main_window (self);
  if (window != NULL)
    pm_window_set_engine (window, self->engine);
  show_api_url (self);
  if (api_error != NULL)
    {
      /* The engine did change: say so where the operator looks rather than refuse it. */
      g_autofree char *message = g_strdup_printf (_("The API is off: %s"), api_error->message);

      if (window != NULL)
        pm_window_add_toast (window, message);
      else
        g_printerr ("premirror: %s\n", message);
    }
  return TRUE;
}

/* Restarts the API server on address; on failure the running one carries on. */
gboolean
pm_application_set_api_address (PmApplication *self,
                                const char    *address,
                                GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PmApiServer) api = NULL;

  g_return_val_if_fail (PM_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (!pm_settings_check_api_address (address, error))
    return FALSE;
  api = create_api (self, self->engine, self->locator, address, &local_error);
  /* Another address on the same port, or the same one again: the running server holds the
   * port, so it steps aside for the attempt and comes back if that fails. */
  if (api == NULL && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)
      && self->api != NULL && pm_api_server_get_url (self->api) != NULL)
    {
      g_autofree char *old_address = api_address_in_use (self);

      g_clear_object (&self->api);
      g_clear_error (&local_error);
      api = create_api (self, self->engine, self->locator, address, &local_error);
      if (api == NULL)
        {
          g_autoptr(GError) restart_error = NULL;

          self->api = create_api (self, self->engine, self->locator, old_address,
                                  &restart_error);
          if (self->api == NULL)
            g_prefix_error (&local_error, _("The API is off (%s); "), restart_error->message);
        }
    }
  if (api == NULL)
    {
      show_api_url (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_clear_object (&self->api);
  self->api = g_steal_pointer (&api);
  g_free (self->api_address);
  self->api_address = g_strdup (address);
  show_api_url (self);
  return TRUE;
}

PmEngine *
pm_application_get_engine (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  return self->engine;
}

/* NULL: the API is off. */
const char *
pm_application_get_api_url (PmApplication *self)
{
  g_return_val_if_fail (PM_IS_APPLICATION (self), NULL);

  return self->api != NULL ? pm_api_server_get_url (self->api) : NULL;
}
