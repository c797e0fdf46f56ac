/* test-alerts-panel.c: acknowledging and silencing alerts from the console's Alerts panel, on
 * the demo engine, under Xvfb; and the panel's rows handed from alerts that leave the list to
 * alerts that enter it, on made-up snapshots of the demo network.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>

#include "pm-alerts-panel-private.h"
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

/* The first widget under ROOT (ROOT included) of TYPE whose CSS classes include CSS_CLASS (when
 * given) and, for a label, whose text contains TEXT (when given). */
static GtkWidget *
find_widget (GtkWidget  *root,
             GType       type,
             const char *css_class,
             const char *text)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type)
      && (css_class == NULL || gtk_widget_has_css_class (root, css_class))
      && (text == NULL
          || (GTK_IS_LABEL (root) && strstr (gtk_label_get_label (GTK_LABEL (root)), text))
          || (ADW_IS_PREFERENCES_ROW (root)
              && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), text)
                   == 0)))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type, css_class, text);
      if (found != NULL)
        return found;
    }
  if (GTK_IS_MENU_BUTTON (root) && gtk_menu_button_get_popover (GTK_MENU_BUTTON (root)) != NULL)
    return find_widget (GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (root))), type,
                        css_class, text);
  return NULL;
}

/* The visible row at POSITION of the panel's list. */
static GtkWidget *
listed_row (Fixture *fixture,
            guint    position)
{
  GtkWidget *list = find_widget (GTK_WIDGET (fixture->panel), GTK_TYPE_LIST_BOX, NULL, NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (list); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_get_visible (child) && position-- == 0)
      return child;
  return NULL;
}

/* A snapshot of the demo network at the engine's time whose alerts are IDS, in that order (most
 * probable first); each alert's one factor reads "cause of <id>". */
static PmSnapshot *
snapshot_with_alerts (Fixture            *fixture,
                      const char * const *ids)
{
  PmSnapshot *current = pm_engine_get_snapshot (fixture->engine);
  PmSnapshot *snapshot = pm_snapshot_new (current->topology);

  snapshot->time_s = current->time_s;
  for (guint i = 0; ids[i] != NULL; i++)
    {
      PmAlert *alert = g_new0 (PmAlert, 1);

      alert->id = g_strdup (ids[i]);
      alert->subject = i % 2 == 0 ? PM_ALERT_SEGMENT : PM_ALERT_SITE;
      alert->index = i % (i % 2 == 0 ? snapshot->n_segments : snapshot->n_sites);
      alert->state = PM_ALERT_FIRING;
      alert->probability = 0.99 - i * 0.01;
      alert->pending_since = alert->fired_at = snapshot->time_s;
      alert->n_factors = 1;
      g_snprintf (alert->factors[0].text, sizeof alert->factors[0].text, "cause of %s", ids[i]);
      g_ptr_array_add (snapshot->alerts, alert);
    }
  return snapshot;
}

/* IDS with N made-up alert ids "test:0" …, as a NULL-terminated array. */
static GStrv
make_ids (guint n)
{
  GStrv ids = g_new0 (char *, n + 1);

  for (guint i = 0; i < n; i++)
    ids[i] = g_strdup_printf ("test:%u", i);
  return ids;
}

static void
set_alerts (Fixture            *fixture,
            const char * const *ids)
{
  g_autoptr(PmSnapshot) snapshot = snapshot_with_alerts (fixture, ids);

  pm_alerts_panel_set_snapshot (fixture->panel, snapshot);
}

/* The first widget under ROOT that activates ACTION_NAME. */
static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action_name)
{
  if (GTK_IS_ACTIONABLE (root)
      && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action_name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_actionable (child, action_name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The alert the row's "Show on the Map" and "Acknowledge" buttons act on; NULL if they differ. */
static const char *
action_target (GtkWidget *row)
{
  GtkWidget *locate = find_actionable (row, "alert.locate");
  GtkWidget *acknowledge = find_actionable (row, "alert.acknowledge");
  GVariant *target, *other;

  g_assert_nonnull (locate);
  g_assert_nonnull (acknowledge);
  target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (locate));
  other = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (acknowledge));
  return g_variant_equal (target, other) ? g_variant_get_string (target, NULL) : NULL;
}

/* When an alert leaves the 40 listed and another enters, the row of the one that left shows the
 * one that entered, in the same place, collapsed, its buttons acting on the new alert: no row is
 * built. A shorter list hides rows, a longer one shows them again before building any. */
static void
test_alerts_panel_reuses_rows (Fixture       *fixture,
                               gconstpointer  data)
{
  g_auto(GStrv) ids = make_ids (45);
  g_auto(GStrv) swapped = make_ids (45);
  g_auto(GStrv) few = make_ids (10);
  GtkWidget *row, *factor, *more;
  guint n_built;

  set_alerts (fixture, (const char * const *) ids);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  g_assert_cmpuint (pm_alerts_panel_get_n_shown (fixture->panel), ==, 40);
  g_assert_nonnull (find_widget (GTK_WIDGET (fixture->panel), GTK_TYPE_LABEL, NULL,
                                 "5 less probable alerts are not listed"));
  n_built = _pm_alerts_panel_get_n_rows_built (fixture->panel);
  row = _pm_alerts_panel_get_row (fixture->panel, "test:3");
  g_assert_nonnull (row);
  g_assert_true (listed_row (fixture, 3) == row);
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                            "cause of test:3"));

  /* The factor rows exist once the operator expands the row, and show this alert's factors. */
  g_assert_null (find_widget (row, ADW_TYPE_ACTION_ROW, NULL, "cause of test:3"));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  factor = find_widget (row, ADW_TYPE_ACTION_ROW, NULL, "cause of test:3");
  g_assert_nonnull (factor);
  g_assert_true (gtk_widget_get_visible (factor));

  /* test:3 resolves away; a new alert enters at its place. */
  g_free (ids[3]);
  ids[3] = g_strdup ("test:new");
  set_alerts (fixture, (const char * const *) ids);
  g_assert_cmpuint (_pm_alerts_panel_get_n_rows_built (fixture->panel), ==, n_built);
  g_assert_null (_pm_alerts_panel_get_row (fixture->panel, "test:3"));
  g_assert_true (_pm_alerts_panel_get_row (fixture->panel, "test:new") == row);
  g_assert_true (listed_row (fixture, 3) == row);
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                            "cause of test:new"));
  g_assert_false (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (row)));
  g_assert_cmpstr (action_target (row), ==, "test:new");

  /* Expanded again, the reused factor rows show the new alert's factors. */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
  g_assert_true (find_widget (row, ADW_TYPE_ACTION_ROW, NULL, "cause of test:new") == factor);

  /* The row that has the keyboard focus is not handed to another alert: the next key press
   * would act on an alert the operator did not choose. */
  gtk_widget_grab_focus (find_actionable (row, "alert.acknowledge"));
  g_free (ids[3]);
  ids[3] = g_strdup ("test:newer");
  set_alerts (fixture, (const char * const *) ids);
  g_assert_nonnull (_pm_alerts_panel_get_row (fixture->panel, "test:newer"));
  g_assert_true (_pm_alerts_panel_get_row (fixture->panel, "test:newer") != row);
  g_assert_false (gtk_widget_get_visible (row));
  n_built = _pm_alerts_panel_get_n_rows_built (fixture->panel);

  /* The engine's order is kept when alerts change places. */
  g_free (swapped[0]);
  g_free (swapped[1]);
  swapped[0] = g_strdup ("test:1");
  swapped[1] = g_strdup ("test:0");
  set_alerts (fixture, (const char * const *) swapped);
  g_assert_true (listed_row (fixture, 0) == _pm_alerts_panel_get_row (fixture->panel, "test:1"));
  g_assert_true (listed_row (fixture, 1) == _pm_alerts_panel_get_row (fixture->panel, "test:0"));

  /* Ten alerts: thirty rows hidden, the note on the others gone; forty again: no row built. */
  set_alerts (fixture, (const char * const *) few);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
  g_assert_cmpuint (pm_alerts_panel_get_n_shown (fixture->panel), ==, 10);
  g_assert_null (listed_row (fixture, 10));
  more = find_widget (GTK_WIDGET (fixture->panel), GTK_TYPE_LABEL, NULL, "less probable");
  g_assert_true (more == NULL || !gtk_widget_is_visible (more));
  set_alerts (fixture, (const char * const *) swapped);
  g_assert_cmpuint (pm_alerts_panel_get_n_shown (fixture->panel), ==, 40);
  g_assert_cmpuint (_pm_alerts_panel_get_n_rows_built (fixture->panel), ==, n_built);
  for (guint i = 0; i < 40; i++)
    g_assert_true (listed_row (fixture, i)
                   == _pm_alerts_panel_get_row (fixture->panel, swapped[i]));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (fixture->window));
}

/* The silence popover exists once the operator opens it, and silences the row's alert for the
 * chosen time with the reason given, trimmed; without a reason its button is insensitive. */
static void
test_alerts_panel_silence_popover (Fixture       *fixture,
                                   gconstpointer  data)
{
  GtkWidget *row = _pm_alerts_panel_get_row (fixture->panel, fixture->alert_id);
  GtkWidget *button, *entry, *confirm;
  gint64 now = pm_engine_get_snapshot (fixture->engine)->time_s;

  g_assert_nonnull (row);
  button = find_widget (row, GTK_TYPE_MENU_BUTTON, NULL, NULL);
  g_assert_nonnull (button);
  g_assert_null (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));

  gtk_menu_button_popup (GTK_MENU_BUTTON (button));
  g_assert_nonnull (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  entry = find_widget (button, GTK_TYPE_ENTRY, NULL, NULL);
  confirm = find_widget (button, GTK_TYPE_BUTTON, "suggested-action", NULL);
  g_assert_nonnull (entry);
  g_assert_nonnull (confirm);

  /* Silence stays insensitive while the reason is blank, non-breaking spaces included, and
   * neither a click nor Enter gets through. */
  g_assert_false (gtk_widget_get_sensitive (confirm));
  gtk_editable_set_text (GTK_EDITABLE (entry), "   ");
  g_assert_false (gtk_widget_get_sensitive (confirm));
  g_signal_emit_by_name (confirm, "clicked");
  g_assert_cmpint (find_alert (fixture)->silenced_until, ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (entry), "\u00a0\u00a0\t");
  g_assert_false (gtk_widget_get_sensitive (confirm));
  g_signal_emit_by_name (confirm, "clicked");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpint (find_alert (fixture)->silenced_until, ==, 0);
  g_assert_cmpuint (fixture->toasts->len, ==, 0);

  /* The reason is kept without the white space around it. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "\u00a0 fibre repair on the link \n");
  g_assert_true (gtk_widget_get_sensitive (confirm));
  g_signal_emit_by_name (confirm, "clicked");
  g_assert_cmpint (find_alert (fixture)->silenced_until, ==, now + 3600);
  g_assert_cmpstr (find_alert (fixture)->silence_reason, ==, "fibre repair on the link");
  g_assert_nonnull (strstr (last_toast (fixture), "silenced until"));
}


/* A row's figures follow its alert at most every few seconds (relaying out forty rows of text at
 * every tick stalled the console), but a change of state shows at once. */
static void
test_alerts_panel_text_pace (Fixture       *fixture,
                             gconstpointer  data)
{
  const char *ids[] = { "test:0", "test:1", NULL };
  g_autoptr(PmSnapshot) first = snapshot_with_alerts (fixture, ids);
  g_autoptr(PmSnapshot) second = snapshot_with_alerts (fixture, ids);
  g_autoptr(PmSnapshot) third = snapshot_with_alerts (fixture, ids);
  PmAlert *alert;
  GtkWidget *row;

  pm_alerts_panel_set_snapshot (fixture->panel, first);
  row = _pm_alerts_panel_get_row (fixture->panel, "test:0");
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                            "cause of test:0"));

  /* The next tick's figures wait… */
  alert = g_ptr_array_index (second->alerts, 0);
  g_snprintf (alert->factors[0].text, sizeof alert->factors[0].text, "loss 9.3%%, usually 1.2%%");
  pm_alerts_panel_set_snapshot (fixture->panel, second);
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                            "cause of test:0"));
  /* …until the row's period is over. */
  _pm_alerts_panel_expire_text (fixture->panel);
  pm_alerts_panel_set_snapshot (fixture->panel, second);
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                            "loss 9.3%, usually 1.2%"));

  /* Resolving is shown at the next tick, with the figures of that tick. */
  alert = g_ptr_array_index (third->alerts, 0);
  alert->state = PM_ALERT_RESOLVED;
  g_snprintf (alert->factors[0].text, sizeof alert->factors[0].text, "loss 1.1%%, usually 1.2%%");
  pm_alerts_panel_set_snapshot (fixture->panel, third);
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                            "loss 1.1%, usually 1.2%"));
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (row)), "resolved"));
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
  g_test_add ("/alerts-panel/silence-popover", Fixture, NULL, fixture_set_up,
              test_alerts_panel_silence_popover, fixture_tear_down);
  g_test_add ("/alerts-panel/text-pace", Fixture, NULL, fixture_set_up,
              test_alerts_panel_text_pace, fixture_tear_down);
  g_test_add ("/alerts-panel/reuses-rows", Fixture, NULL, fixture_set_up,
              test_alerts_panel_reuses_rows, fixture_tear_down);
  return g_test_run ();
}
