/* test-alert-reload.c: the running console re-creates its engine (a new source or catalogue in
 * the preferences) and keeps every acknowledgement and silence, also onto another catalogue;
 * under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <string.h>

#include "mirror/pm-catalog-sqlite.h"
#include "pm-application.h"
#include "pm-test-util.h"

#define SCHEMA_ID "io.github.premirror.Premirror"

/* A reload waits for the first scan of the origin files. */
static void
wait_until_mirror_ready (PmEngine *engine)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (!pm_mirror_is_ready (pm_engine_get_mirror (engine)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_main_context_iteration (NULL, TRUE);
    }
}

static const PmAlertMark *
find_mark (GPtrArray  *marks,
           const char *kind)
{
  for (guint i = 0; i < marks->len; i++)
    {
      const PmAlertMark *mark = g_ptr_array_index (marks, i);

      if (g_str_equal (mark->kind, kind))
        return mark;
    }
  return NULL;
}

static void
activated_cb (GApplication *application,
              gpointer      data)
{
  PmApplication *app = PM_APPLICATION (application);
  PmEngine *engine = pm_application_get_engine (app);
  PmAlertManager *alerts = pm_engine_get_alert_manager (engine);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) marks = NULL;
  g_autoptr(PmEngine) old = g_object_ref (engine);
  g_autofree char *id = NULL, *other = NULL, *other_uri = NULL;
  const char *data_dir = data;
  const PmAlertMark *mark;
  GList *windows;
  gint64 t;

  /* An alert of the first segment a day ahead of the engine's clock, so that the engine's own
   * ticks (which run meanwhile) leave it alone. */
  t = pm_engine_get_snapshot (engine)->time_s + 86400;
  g_assert_true (pm_alert_manager_update (alerts, t, PM_ALERT_SEGMENT, 0, 1.0, 0, NULL, 0));
  id = g_strdup_printf ("segment:%s:1",
                        pm_topology_get_segment (pm_engine_get_topology (engine), 0)->id);
  g_assert_true (pm_engine_silence_alert (engine, id, t + 3600, "carrier works", "alice", t,
                                          &error));
  g_assert_no_error (error);
  g_assert_true (pm_engine_acknowledge_alert (engine, id, "alice", t, &error));
  g_assert_no_error (error);

  wait_until_mirror_ready (engine);
  g_assert_true (pm_application_reload_engine (app, NULL, NULL, &error));
  g_assert_no_error (error);
  engine = pm_application_get_engine (app);
  g_assert_true (engine != old);

  /* The new engine's clock starts where the simulator starts, before t: both marks hold. */
  marks = pm_alert_manager_dup_marks (pm_engine_get_alert_manager (engine),
                                      pm_engine_get_snapshot (engine)->time_s);
  g_assert_cmpuint (marks->len, ==, 2);
  mark = find_mark (marks, "silenced");
  g_assert_nonnull (mark);
  g_assert_cmpint (mark->until, ==, t + 3600);
  g_assert_cmpstr (mark->reason, ==, "carrier works");
  mark = find_mark (marks, "acknowledged");
  g_assert_nonnull (mark);
  g_assert_cmpstr (mark->who, ==, "alice");
  g_assert_cmpint (mark->at, ==, t);

  /* Onto another catalogue: the marks come along, and that catalogue keeps them from now on. */
  g_clear_pointer (&marks, g_ptr_array_unref);
  g_clear_object (&old);
  old = g_object_ref (engine);
  wait_until_mirror_ready (engine);
  other = g_build_filename (data_dir, "other.sqlite", NULL);
  other_uri = g_strconcat ("sqlite:", other, NULL);
  g_assert_true (pm_application_reload_engine (app, NULL, other_uri, &error));
  g_assert_no_error (error);
  engine = pm_application_get_engine (app);
  g_assert_true (engine != old);
  marks = pm_alert_manager_dup_marks (pm_engine_get_alert_manager (engine),
                                      pm_engine_get_snapshot (engine)->time_s);
  g_assert_cmpuint (marks->len, ==, 2);
  g_clear_pointer (&marks, g_ptr_array_unref);
  {
    g_autoptr(PmCatalog) catalog = pm_catalog_sqlite_open (other, &error);

    g_assert_no_error (error);
    marks = pm_catalog_list_alert_marks (catalog, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (marks->len, ==, 2);
    g_assert_cmpint (find_mark (marks, "silenced")->until, ==, t + 3600);
  }

  wait_until_mirror_ready (engine);
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (app))) != NULL)
    gtk_window_destroy (windows->data);
}

static void
test_alert_reload (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  /* One small resource, so that no demo origin files are written: the test stays quick. */
  g_autofree char *resources = pm_test_write_temp_file ("resources.json",
    "{\"resources\": [{\"id\": \"dns-zone\", \"size_bytes\": 4096, \"criticality\": 5,"
    " \"consistency\": \"eventual\", \"origin\": \"fra\", \"demand\": {\"eu-central\": 10}}]}");
  g_autoptr(PmApplication) app = pm_application_new ();
  char *argv[] = { "premirror", "--data-dir", data_dir, "--resources", resources, "--api",
                   "127.0.0.1:0", NULL };

  /* No tile server is reachable from a test, and no alert of the engine's own should fire: the
   * window would announce it, and a test has no session bus. */
  g_settings_set_boolean (settings, "show-basemap", FALSE);
  g_settings_set_double (settings, "alert-threshold", 0.99);
  g_signal_connect_after (app, "activate", G_CALLBACK (activated_cb), data_dir);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), G_N_ELEMENTS (argv) - 1, argv), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  pm_test_pass_over_size_warnings ();
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/alert-reload/keeps-marks", test_alert_reload);

  return g_test_run ();
}
