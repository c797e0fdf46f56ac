/* test-alerts-panel.c: acknowledging and silencing alerts from the console's Alerts panel, on
 * the demo engine, under Xvfb.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "pm-alerts-panel.h"
#include "pm-engine.h"
#include "pm-test-util.h"

typedef struct
{
  PmEngine      *engine;
  GtkWindow     *window;
  PmAlertsPanel *panel;
  GPtrArray     *toasts;
  char          *alert_id;
} Fixture;

static void
engine_changed_cb (PmEngine   *engine,
                   PmSnapshot *snapshot,
                   Fixture    *fixture)
{
  pm_alerts_panel_set_snapshot (fixture->panel, snapshot);
}

static void
toast_cb (PmAlertsPanel *panel,
          const char    *message,
          Fixture       *fixture)
{
  g_ptr_array_add (fixture->toasts, g_strdup (message));
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  PmEngineOptions options = { .data_dir = data_dir, .start_paused = TRUE };
  g_autoptr(GError) error = NULL;

  fixture->engine = pm_engine_new (&options, &error);
  g_assert_no_error (error);
  pm_test_engine_start (fixture->engine);
  fixture->toasts = g_ptr_array_new_with_free_func (g_free);

  fixture->panel = pm_alerts_panel_new ();
  pm_alerts_panel_set_engine (fixture->panel, fixture->engine);
  g_signal_connect (fixture->panel, "toast", G_CALLBACK (toast_cb), fixture);
  g_signal_connect (fixture->engine, "changed", G_CALLBACK (engine_changed_cb), fixture);
  fixture->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (fixture->window, 400, 700);
  gtk_window_set_child (fixture->window, GTK_WIDGET (fixture->panel));
  gtk_window_present (fixture->window);

  fixture->alert_id = pm_test_engine_tick_until_alert (fixture->engine);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_signal_handlers_disconnect_by_data (fixture->engine, fixture);
  gtk_window_destroy (fixture->window);
  g_clear_object (&fixture->engine);
  g_clear_pointer (&fixture->toasts, g_ptr_array_unref);
  g_free (fixture->alert_id);
}

static const PmAlert *
find_alert (Fixture *fixture)
{
  PmSnapshot *snapshot = pm_engine_get_snapshot (fixture->engine);

  for (guint i = 0; i < snapshot->alerts->len; i++)
    {
      const PmAlert *alert = g_ptr_array_index (snapshot->alerts, i);
      if (g_strcmp0 (alert->id, fixture->alert_id) == 0)
        return alert;
    }
  g_assert_not_reached ();
}

static const char *
last_toast (Fixture *fixture)
{
  g_assert_cmpuint (fixture->toasts->len, >, 0);
  return g_ptr_array_index (fixture->toasts, fixture->toasts->len - 1);
}

static void
test_alerts_panel_lists_alerts (Fixture       *fixture,
                                gconstpointer  data)
{
  PmSnapshot *snapshot = pm_engine_get_snapshot (fixture->engine);

  g_assert_cmpuint (pm_alerts_panel_get_n_shown (fixture->panel), ==, snapshot->alerts->len);
  g_assert_cmpuint (pm_alerts_panel_get_n_shown (fixture->panel), >, 0);
}

static void
test_alerts_panel_acknowledge (Fixture       *fixture,
                               gconstpointer  data)
{
  g_assert_false (find_alert (fixture)->acknowledged);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "alert.acknowledge",
                                             "s", fixture->alert_id));
  g_assert_true (find_alert (fixture)->acknowledged);
  g_assert_cmpstr (find_alert (fixture)->acknowledged_by, ==, g_get_user_name ());
  g_assert_nonnull (strstr (last_toast (fixture), "acknowledged"));

  /* A second acknowledgement is refused, and the operator is told why. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "alert.acknowledge",
                                             "s", fixture->alert_id));
  g_assert_nonnull (strstr (last_toast (fixture), "Could not acknowledge"));
}

static void
test_alerts_panel_silence (Fixture       *fixture,
                           gconstpointer  data)
{
  gint64 now = pm_engine_get_snapshot (fixture->engine)->time_s;

  /* No reason: refused, nothing silenced. */
  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "alert.silence", "(sxs)",
                              fixture->alert_id, (gint64) 3600, "  ");
  g_assert_nonnull (strstr (last_toast (fixture), "Could not silence"));
  g_assert_cmpint (find_alert (fixture)->silenced_until, ==, 0);

  gtk_widget_activate_action (GTK_WIDGET (fixture->panel), "alert.silence", "(sxs)",
                              fixture->alert_id, (gint64) 3600, "carrier works on the link");
  g_assert_cmpint (find_alert (fixture)->silenced_until, ==, now + 3600);
  g_assert_cmpstr (find_alert (fixture)->silence_reason, ==, "carrier works on the link");
  g_assert_nonnull (strstr (last_toast (fixture), "silenced until"));
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add ("/alerts-panel/lists-alerts", Fixture, NULL, fixture_set_up,
              test_alerts_panel_lists_alerts, fixture_tear_down);
  g_test_add ("/alerts-panel/acknowledge", Fixture, NULL, fixture_set_up,
              test_alerts_panel_acknowledge, fixture_tear_down);
  g_test_add ("/alerts-panel/silence", Fixture, NULL, fixture_set_up, test_alerts_panel_silence,
              fixture_tear_down);
  return g_test_run ();
}
