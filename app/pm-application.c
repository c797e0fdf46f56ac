/* pm-application.c: command line, actions, start-up.
 *
 * The engine is created while the command line is handled, before GTK starts, so that a bad
 * --topology gives a clear message and exit status 1 whether or not a display is there, and so
 * that --headless never touches GTK at all.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "pm-application.h"

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "pm-engine.h"
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
  GSettings     *settings;
};

G_DEFINE_TYPE (PmApplication, pm_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "topology", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Network topology (GeoJSON); default: the built-in demo network"), N_("FILE") },
  { "resources", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Resources and policies (JSON); default: the demo resources"), N_("FILE") },
  { "source", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Metric source: sim: or sim:?seed=N&speed=X&start=UNIX_S"), N_("URI") },
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Folder for the catalogue and the local edges (default: <user data dir>/premirror)"),
    N_("DIR") },
  { "catalog", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Replica catalogue: sqlite:PATH (default: <data dir>/catalog.sqlite)"), N_("URI") },
  { "add-token", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Create an API token for operator NAME, print it and exit"), N_("NAME") },
  { "api", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Serve the HTTP API on ADDR:PORT (default: 127.0.0.1:8470; port 0 picks a free one; "
       "none: no API)"), N_("ADDR:PORT") },
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

static int
pm_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  PmApplication *self = PM_APPLICATION (app);
  g_autoptr(GError) error = NULL;
  g_autofree char *topology = NULL, *resources = NULL, *source = NULL, *data_dir = NULL;
  g_autofree char *api = NULL, *catalog = NULL, *new_operator = NULL, *clients = NULL;
  g_autofree char *dns_zone = NULL, *zone = NULL;
  PmEngineOptions engine_options = { 0 };
  PmApiAlertActions actions;

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

  g_variant_dict_lookup (options, "topology", "^ay", &topology);
  g_variant_dict_lookup (options, "resources", "^ay", &resources);
  g_variant_dict_lookup (options, "source", "s", &source);
  g_variant_dict_lookup (options, "data-dir", "^ay", &data_dir);
  g_variant_dict_lookup (options, "api", "s", &api);
  g_variant_dict_lookup (options, "catalog", "s", &catalog);
  g_variant_dict_lookup (options, "clients", "^ay", &clients);
  g_variant_dict_lookup (options, "dns-zone", "s", &dns_zone);
  if (g_variant_dict_lookup (options, "route-margin", "d", &engine_options.route_margin_ms)
      && !(engine_options.route_margin_ms >= 0.1 && engine_options.route_margin_ms <= 10000))
    {
      g_printerr ("premirror: --route-margin %g: give milliseconds from 0.1 to 10000\n",
                  engine_options.route_margin_ms);
      return 1;
    }
  if (dns_zone != NULL && (zone = pm_dns_zone_normalize (dns_zone, &error)) == NULL)
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }
  engine_options.topology_path = topology;
  engine_options.resources_path = resources;
  engine_options.source_uri = source;
  engine_options.data_dir = data_dir;
  engine_options.catalog_uri = catalog;
  /* The demo inventory gets real origin files, so that its replicas are real copies. */
  engine_options.demo_files = TRUE;

  self->engine = pm_engine_new (&engine_options, &error);
  if (self->engine == NULL || !pm_engine_start (self->engine, &error))
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }

  /* Started after the engine's first tick, so that the API never answers without a state. */
  self->tokens = open_tokens (self, data_dir, &error);
  if (self->tokens == NULL)
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }
  self->locator = pm_client_locator_new (pm_engine_get_topology (self->engine), clients, &error);
  if (self->locator == NULL)
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }
  self->api = pm_api_server_new (dup_snapshot_cb, g_object_ref (self->engine), g_object_unref);
  if (zone != NULL)
    pm_api_server_set_dns_zone (self->api, zone);
  pm_engine_get_api_alert_actions (self->engine, &actions);
  pm_api_alerts_register (self->api, self->tokens, &actions);
  pm_api_mirror_register (self->api, self->tokens, pm_engine_get_mirror (self->engine));
  pm_api_route_register (self->api, pm_engine_get_routing (self->engine), self->locator);
  pm_api_dns_register (self->api, pm_engine_get_routing (self->engine), self->locator);
  pm_api_metrics_register (self->api, pm_engine_get_routing (self->engine));
  pm_api_edges_register (self->api, pm_engine_get_topology (self->engine),
                         pm_engine_get_data_dir (self->engine));
  {
    g_autofree char *tls_cert = NULL, *tls_key = NULL;

    g_variant_dict_lookup (options, "tls-cert", "^ay", &tls_cert);
    g_variant_dict_lookup (options, "tls-key", "^ay", &tls_key);
    if ((tls_cert == NULL) != (tls_key == NULL))
      {
        g_printerr ("premirror: --tls-cert and --tls-key go together: give both (HTTPS) or "
                    "neither (HTTP)\n");
        return 1;
      }
    if (tls_cert != NULL && !pm_api_server_set_tls (self->api, tls_cert, tls_key, &error))
      {
        g_printerr ("premirror: %s\n", error->message);
        return 1;
      }
  }
  if (!pm_api_server_start (self->api, api, &error))
    {
      g_printerr ("premirror: %s\n", error->message);
      return 1;
    }

  if (g_variant_dict_contains (options, "headless"))
    return run_headless (self);
  return -1;
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

static const GActionEntry app_actions[] = {
  { "quit", quit_activated, NULL, NULL, NULL },
  { "about", about_activated, NULL, NULL, NULL },
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

  G_APPLICATION_CLASS (pm_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions),
                                   app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  pm_window_add_accels (GTK_APPLICATION (app));

  /* A NOC console lives on a wall in a dim room: dark unless the operator opts out. */
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
    window = GTK_WINDOW (pm_window_new (self, self->engine));
  gtk_window_present (window);
}

static void
pm_application_dispose (GObject *object)
{
  PmApplication *self = PM_APPLICATION (object);

  /* The API thread reads the engine's snapshots: it stops first. */
  g_clear_object (&self->api);
  g_clear_pointer (&self->tokens, pm_tokens_free);
  g_clear_pointer (&self->locator, pm_client_locator_free);
  g_clear_object (&self->engine);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pm_application_parent_class)->dispose (object);
}

static void
pm_application_class_init (PmApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = pm_application_dispose;
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
