/* test-preferences.c: the preferences window of the running console, under Xvfb: refused values
 * say why and leave the stored settings alone; valid ones are stored and reach the engine.
 *
 * Each test runs the real application (its command line, engine, API server and window) and
 * drives the window through app.preferences and the editors' own signals.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <string.h>

#include "pm-application.h"
#include "pm-preferences-window.h"
#include "pm-test-util.h"
#include "pm-window.h"

#define SCHEMA_ID "io.github.premirror.Premirror"

typedef void (*TestBody) (PmApplication       *app,
                          PmPreferencesWindow *preferences,
                          GSettings           *settings);

static PmPreferencesWindow *
find_preferences (PmApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (PM_IS_PREFERENCES_WINDOW (l->data))
      return l->data;
  return NULL;
}

/* A reload waits for the first scan of the origin files (which writes the demo's). */
static void
wait_until_mirror_ready (PmEngine *engine)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (!pm_mirror_is_ready (pm_engine_get_mirror (engine)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      /* Woken at least by each tick's `changed`. */
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
activated_cb (GApplication *app,
              gpointer      data)
{
  TestBody body = (TestBody) data;
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  PmPreferencesWindow *preferences;
  GList *windows;

  g_action_group_activate_action (G_ACTION_GROUP (app), "preferences", NULL);
  preferences = find_preferences (PM_APPLICATION (app));
  g_assert_nonnull (preferences);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (preferences)));

  body (PM_APPLICATION (app), preferences, settings);
  /* The first scan writes the demo's files in a worker thread: it ends before the data folder
   * is removed with the test. */
  wait_until_mirror_ready (pm_application_get_engine (PM_APPLICATION (app)));

  /* The last window gone, the application returns from its run. */
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
}

static void
run_console (TestBody body)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  /* One small resource, so that no demo origin files are written: the test stays quick. */
  g_autofree char *resources = pm_test_write_temp_file ("resources.json",
    "{\"resources\": [{\"id\": \"dns-zone\", \"size_bytes\": 4096, \"criticality\": 5,"
    " \"consistency\": \"eventual\", \"origin\": \"fra\", \"demand\": {\"eu-central\": 10}}],"
    " \"policy\": {\"auto_approve\": {\"min_criticality\": 4, \"min_risk\": 0.7}}}");
  g_autoptr(PmApplication) app = pm_application_new ();
  char *argv[] = { "premirror", "--data-dir", data_dir, "--resources", resources, "--api",
                   "127.0.0.1:0", NULL };

  /* No tile server is reachable from a test. No alerts either: the window announces them as
   * desktop notifications when it is not focused, and a test has no session bus to send them. */
  g_settings_set_boolean (settings, "show-basemap", FALSE);
  g_settings_set_double (settings, "alert-threshold", 0.99);
  g_signal_connect_after (app, "activate", G_CALLBACK (activated_cb), (gpointer) body);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv), ==, 0);
}

/* Types text into an entry row and applies it, as Enter or the apply button does. */
static void
apply_entry (PmPreferencesWindow *preferences,
             const char          *key,
             const char          *text)
{
  GtkWidget *row = pm_preferences_window_get_editor (preferences, key);

  g_assert_true (ADW_IS_ENTRY_ROW (row));
  gtk_editable_set_text (GTK_EDITABLE (row), text);
  g_signal_emit_by_name (row, "apply");
}

/* Types text into a spin button and commits it, as Enter or leaving it does. */
static void
type_spin (PmPreferencesWindow *preferences,
           const char          *key,
           const char          *text)
{
  GtkWidget *spin = pm_preferences_window_get_editor (preferences, key);

  g_assert_true (GTK_IS_SPIN_BUTTON (spin));
  gtk_editable_set_text (GTK_EDITABLE (spin), text);
  gtk_spin_button_update (GTK_SPIN_BUTTON (spin));
}

static void
assert_refused (PmPreferencesWindow *preferences,
                const char          *key,
                const char          *reason)
{
  const char *message = pm_preferences_window_get_message (preferences, key);

  if (message == NULL || strstr (message, reason) == NULL)
    g_error ("%s: expected a refusal with “%s”, got “%s”", key, reason,
             message != NULL ? message : "(none)");
  g_assert_true (gtk_widget_has_css_class (pm_preferences_window_get_editor (preferences, key),
                                           "error"));
}

static void
refuse_invalid_body (PmApplication       *app,
                     PmPreferencesWindow *preferences,
                     GSettings           *settings)
{
  g_autofree char *tiles = g_settings_get_string (settings, "tile-url-template");
  g_autofree char *api = g_settings_get_string (settings, "api-address");
  g_autofree char *source = g_settings_get_string (settings, "metric-source");
  g_autofree char *url = g_strdup (pm_application_get_api_url (app));
  int horizon = g_settings_get_int (settings, "risk-horizon");
  PmEngine *engine = pm_application_get_engine (app);
  g_autofree char *stored = NULL;

  apply_entry (preferences, "tile-url-template", "https://tiles.example.net/{z}/{x}.png");
  assert_refused (preferences, "tile-url-template", "The template needs {x}, {y} and {z}");
  stored = g_settings_get_string (settings, "tile-url-template");
  g_assert_cmpstr (stored, ==, tiles);
  g_clear_pointer (&stored, g_free);

  type_spin (preferences, "risk-horizon", "3");
  assert_refused (preferences, "risk-horizon", "from 5 to 720 minutes");
  g_assert_cmpint (g_settings_get_int (settings, "risk-horizon"), ==, horizon);
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (
    pm_preferences_window_get_editor (preferences, "risk-horizon"))), ==, horizon);
  type_spin (preferences, "risk-horizon", "half an hour");
  assert_refused (preferences, "risk-horizon", "number");
  g_assert_cmpint (g_settings_get_int (settings, "risk-horizon"), ==, horizon);

  apply_entry (preferences, "api-address", "localhost:8642");
  assert_refused (preferences, "api-address", "not a numeric IP address");
  stored = g_settings_get_string (settings, "api-address");
  g_assert_cmpstr (stored, ==, api);
  g_clear_pointer (&stored, g_free);
  g_assert_cmpstr (pm_application_get_api_url (app), ==, url);

  apply_entry (preferences, "metric-source", "prometheus:9090");
  assert_refused (preferences, "metric-source", "prometheus:http://");
  stored = g_settings_get_string (settings, "metric-source");
  g_assert_cmpstr (stored, ==, source);
  g_clear_pointer (&stored, g_free);

  apply_entry (preferences, "metric-source", "sim:?seed=1&speed=0");
  assert_refused (preferences, "metric-source", "speed");
  stored = g_settings_get_string (settings, "metric-source");
  g_assert_cmpstr (stored, ==, source);
  g_clear_pointer (&stored, g_free);

  /* Valid syntax that the new engine cannot open: its reason is shown, the running engine
   * carries on and nothing is stored. */
  wait_until_mirror_ready (engine);
  apply_entry (preferences, "metric-source", "csv:/nonexistent/metrics.csv");
  g_assert_nonnull (pm_preferences_window_get_message (preferences, "metric-source"));
  stored = g_settings_get_string (settings, "metric-source");
  g_assert_cmpstr (stored, ==, source);
  g_clear_pointer (&stored, g_free);
  apply_entry (preferences, "catalog-uri", "sqlite:/dev/null/catalog.sqlite");
  assert_refused (preferences, "catalog-uri", "/dev/null");
  stored = g_settings_get_string (settings, "catalog-uri");
  g_assert_cmpstr (stored, ==, "");
  g_clear_pointer (&stored, g_free);
  g_assert_true (pm_application_get_engine (app) == engine);
  g_assert_true (pm_engine_get_mirror (engine) != NULL);

  g_assert_false (pm_preferences_window_set_mbtiles_path (preferences,
                                                         "/nonexistent/tiles.mbtiles", NULL));
  g_assert_nonnull (pm_preferences_window_get_message (preferences, "mbtiles-path"));
  stored = g_settings_get_string (settings, "mbtiles-path");
  g_assert_cmpstr (stored, ==, "");
  g_clear_pointer (&stored, g_free);

  /* The next valid value clears the refusal. */
  type_spin (preferences, "risk-horizon", "45");
  g_assert_null (pm_preferences_window_get_message (preferences, "risk-horizon"));
  g_assert_cmpint (g_settings_get_int (settings, "risk-horizon"), ==, 45);
}

static void
test_preferences_refuse_invalid (void)
{
  run_console (refuse_invalid_body);
}

static void
wait_until_predicting (PmEngine *engine)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (!pm_engine_is_predicting (engine))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static void
horizon_applies_body (PmApplication       *app,
                      PmPreferencesWindow *preferences,
                      GSettings           *settings)
{
  PmEngine *engine = pm_application_get_engine (app);
  g_autoptr(PmSnapshot) snapshot = NULL;

  /* A new horizon waits for the warm-up: this test wants it applied at the next tick. */
  wait_until_predicting (engine);
  g_settings_set_int (settings, "risk-horizon", 30);
  type_spin (preferences, "risk-horizon", "90");
  g_assert_null (pm_preferences_window_get_message (preferences, "risk-horizon"));
  g_assert_cmpint (g_settings_get_int (settings, "risk-horizon"), ==, 90);

  pm_engine_stop (engine);
  pm_engine_tick (engine);
  snapshot = pm_engine_dup_snapshot (engine);
  g_assert_cmpint (snapshot->horizon_s, ==, 90 * 60);

  /* The threshold goes the same way, without a refusal. */
  type_spin (preferences, "alert-threshold", "0.98");
  g_assert_null (pm_preferences_window_get_message (preferences, "alert-threshold"));
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "alert-threshold"), 0.98,
                                  1e-9);
  g_settings_reset (settings, "risk-horizon");
}

static void
test_preferences_horizon_applies (void)
{
  run_console (horizon_applies_body);
}

static void
reload_body (PmApplication       *app,
             PmPreferencesWindow *preferences,
             GSettings           *settings)
{
  PmEngine *old = pm_application_get_engine (app);
  PmWindow *window = PM_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (preferences)));
  g_autofree char *stored = NULL;

  g_assert_true (PM_IS_WINDOW (window));
  wait_until_mirror_ready (old);
  apply_entry (preferences, "metric-source", "sim:?seed=7");
  g_assert_null (pm_preferences_window_get_message (preferences, "metric-source"));
  stored = g_settings_get_string (settings, "metric-source");
  g_assert_cmpstr (stored, ==, "sim:?seed=7");
  g_assert_true (pm_application_get_engine (app) != old);
  g_assert_true (pm_window_get_engine (window) == pm_application_get_engine (app));
  g_assert_nonnull (pm_application_get_api_url (app));
  g_settings_reset (settings, "metric-source");
}

static void
test_preferences_reload (void)
{
  run_console (reload_body);
}

static void
api_address_body (PmApplication       *app,
                  PmPreferencesWindow *preferences,
                  GSettings           *settings)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *busy = NULL, *stored = NULL, *url = NULL;
  guint16 port;

  /* An address someone else holds: refused with the server's reason, the API stays. */
  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  busy = g_strdup_printf ("127.0.0.1:%u", port);
  url = g_strdup (pm_application_get_api_url (app));
  g_assert_nonnull (url);
  apply_entry (preferences, "api-address", busy);
  assert_refused (preferences, "api-address", "already in use");
  stored = g_settings_get_string (settings, "api-address");
  g_assert_cmpstr (stored, !=, busy);
  g_assert_cmpstr (pm_application_get_api_url (app), ==, url);
  g_clear_pointer (&stored, g_free);

  /* A free one: the server moves there. */
  g_socket_listener_close (listener);
  apply_entry (preferences, "api-address", busy);
  g_assert_null (pm_preferences_window_get_message (preferences, "api-address"));
  stored = g_settings_get_string (settings, "api-address");
  g_assert_cmpstr (stored, ==, busy);
  g_assert_true (g_str_has_suffix (pm_application_get_api_url (app), busy));
  g_settings_reset (settings, "api-address");
}

static void
feeds_body (PmApplication       *app,
            PmPreferencesWindow *preferences,
            GSettings           *settings)
{
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "premirror-no-such-feed.ics",
                                               NULL);
  g_auto(GStrv) feeds = NULL;

  apply_entry (preferences, "event-feeds", "ftp://example.net/notices.ics");
  assert_refused (preferences, "event-feeds", "http");
  apply_entry (preferences, "event-feeds", missing);
  assert_refused (preferences, "event-feeds", missing);
  feeds = g_settings_get_strv (settings, "event-feeds");
  g_assert_cmpuint (g_strv_length (feeds), ==, 0);
  g_clear_pointer (&feeds, g_strfreev);

  apply_entry (preferences, "event-feeds", "https://alerts.example.net/cap.json");
  g_assert_null (pm_preferences_window_get_message (preferences, "event-feeds"));
  feeds = g_settings_get_strv (settings, "event-feeds");
  g_assert_cmpuint (g_strv_length (feeds), ==, 1);
  g_assert_cmpstr (feeds[0], ==, "https://alerts.example.net/cap.json");
  apply_entry (preferences, "event-feeds", "https://alerts.example.net/cap.json");
  assert_refused (preferences, "event-feeds", "listed already");
  g_settings_reset (settings, "event-feeds");
}

static void
test_preferences_feeds (void)
{
  run_console (feeds_body);
}

static void
test_preferences_api_address (void)
{
  run_console (api_address_body);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_pass_over_size_warnings ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/preferences/refuse-invalid", test_preferences_refuse_invalid);
  g_test_add_func ("/preferences/horizon-applies", test_preferences_horizon_applies);
  g_test_add_func ("/preferences/reload", test_preferences_reload);
  g_test_add_func ("/preferences/feeds", test_preferences_feeds);
  g_test_add_func ("/preferences/api-address", test_preferences_api_address);

  return g_test_run ();
}
