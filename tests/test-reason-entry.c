/* test-reason-entry.c: the entry for an operator's reason, under Xvfb: what counts as blank,
 * what it hands on, when it says it is valid, and that Enter on a blank reason confirms nothing.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gtk/gtk.h>

#include "pm-reason-entry.h"

/* White space of every kind an operator can type or paste: none of it is a reason. */
static const char *const blanks[] = {
  "",
  " ",
  "   ",
  "\t\t",
  " \n\t\r ",
  "\u00a0",                 /* no-break space */
  "\u00a0\u00a0\u00a0",
  " \u00a0\t\u2003\u3000 ", /* em space, ideographic space */
};

static void
test_reason_entry_blank (void)
{
  GtkWidget *entry = g_object_ref_sink (pm_reason_entry_new ());

  g_assert_cmpstr (gtk_entry_get_placeholder_text (GTK_ENTRY (entry)), ==, "Reason (required)");
  g_assert_false (pm_reason_entry_get_valid (PM_REASON_ENTRY (entry)));
  g_assert_null (pm_reason_entry_dup_reason (PM_REASON_ENTRY (entry)));
  g_assert_true (pm_reason_text_is_blank (NULL));
  g_assert_null (pm_reason_text_dup_trimmed (NULL));

  for (guint i = 0; i < G_N_ELEMENTS (blanks); i++)
    {
      gboolean valid = TRUE;

      /* From a reason to blank, so that each blank is seen as a change. */
      gtk_editable_set_text (GTK_EDITABLE (entry), "x");
      g_assert_true (pm_reason_entry_get_valid (PM_REASON_ENTRY (entry)));
      gtk_editable_set_text (GTK_EDITABLE (entry), blanks[i]);
      g_object_get (entry, "valid", &valid, NULL);
      g_assert_false (valid);
      g_assert_null (pm_reason_entry_dup_reason (PM_REASON_ENTRY (entry)));
      g_assert_true (pm_reason_text_is_blank (blanks[i]));
      g_assert_null (pm_reason_text_dup_trimmed (blanks[i]));
    }

  g_assert_finalize_object (entry);
}

static void
test_reason_entry_trimmed (void)
{
  static const struct
  {
    const char *text;
    const char *reason;
  } cases[] = {
    { "x", "x" },
    { "  x  ", "x" },
    { "\tfibre cut\n", "fibre cut" },
    { "\u00a0carrier works\u00a0\u00a0", "carrier works" },
    { " a \u00a0 b ", "a \u00a0 b" },  /* white space inside is the operator's */
    { "Störung bei ü", "Störung bei ü" },
  };
  GtkWidget *entry = g_object_ref_sink (pm_reason_entry_new ());

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *reason = NULL;
      g_autofree char *trimmed = pm_reason_text_dup_trimmed (cases[i].text);

      gtk_editable_set_text (GTK_EDITABLE (entry), cases[i].text);
      g_assert_true (pm_reason_entry_get_valid (PM_REASON_ENTRY (entry)));
      reason = pm_reason_entry_dup_reason (PM_REASON_ENTRY (entry));
      g_assert_cmpstr (reason, ==, cases[i].reason);
      g_assert_cmpstr (trimmed, ==, cases[i].reason);
      g_assert_false (pm_reason_text_is_blank (cases[i].text));
      /* The entry keeps what was typed: only what it hands on is trimmed. */
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, cases[i].text);
    }

  g_assert_finalize_object (entry);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

/* "valid" is notified when it changes, and only then: bindings to a button's sensitivity
 * follow it without churning at every keystroke. */
static void
test_reason_entry_notify (void)
{
  GtkWidget *entry = g_object_ref_sink (pm_reason_entry_new ());
  GtkWidget *button = g_object_ref_sink (gtk_button_new ());
  guint notified = 0;

  g_signal_connect (entry, "notify::valid", G_CALLBACK (count_cb), &notified);
  g_object_bind_property (entry, "valid", button, "sensitive", G_BINDING_SYNC_CREATE);
  g_assert_false (gtk_widget_get_sensitive (button));

  gtk_editable_set_text (GTK_EDITABLE (entry), "  ");
  g_assert_cmpuint (notified, ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (entry), "f");
  g_assert_cmpuint (notified, ==, 1);
  g_assert_true (gtk_widget_get_sensitive (button));
  /* Typing on: still valid, no notification. (gtk_editable_set_text() empties the entry before
   * it inserts, and may notify for that blank instant.) */
  gtk_editable_insert_text (GTK_EDITABLE (entry), "ibre", -1, &(int){ 1 });
  gtk_editable_insert_text (GTK_EDITABLE (entry), " cut", -1, &(int){ 5 });
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "fibre cut");
  g_assert_cmpuint (notified, ==, 1);
  gtk_editable_set_text (GTK_EDITABLE (entry), "\u00a0");
  g_assert_cmpuint (notified, ==, 2);
  g_assert_false (gtk_widget_get_sensitive (button));
  gtk_editable_delete_text (GTK_EDITABLE (entry), 0, -1);
  g_assert_cmpuint (notified, ==, 2);

  g_assert_finalize_object (entry);
  g_assert_finalize_object (button);
}

static void
button_activated_cb (GtkButton *button,
                     guint     *count)
{
  (*count)++;
}

static void
activated_cb (GtkEntry *entry,
              guint    *count)
{
  (*count)++;
}

/* Enter on a blank reason does nothing: neither the entry's "activate" handlers nor the
 * window's default widget run. With a reason, both do. */
static void
test_reason_entry_activate (void)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *entry = pm_reason_entry_new ();
  GtkWidget *button = gtk_button_new_with_label ("Confirm");
  GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (entry));
  guint activated = 0, defaulted = 0;

  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), button);
  gtk_window_set_child (window, box);
  gtk_window_set_default_widget (window, button);
  gtk_entry_set_activates_default (GTK_ENTRY (entry), TRUE);
  g_signal_connect (entry, "activate", G_CALLBACK (activated_cb), &activated);
  /* "activate", not "clicked": a button activated from the keyboard is clicked only after its
   * pressed look has shown for a moment. */
  g_signal_connect (button, "activate", G_CALLBACK (button_activated_cb), &defaulted);
  gtk_window_present (window);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  gtk_widget_grab_focus (entry);

  /* What Enter does: the entry's GtkText emits "activate". */
  g_assert_true (GTK_IS_TEXT (text));
  gtk_editable_set_text (GTK_EDITABLE (entry), " \u00a0 ");
  g_signal_emit_by_name (text, "activate");
  g_assert_cmpuint (activated, ==, 0);
  g_assert_cmpuint (defaulted, ==, 0);
  /* Emitted on the entry itself, as a dialog's relay or a test does. */
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpuint (activated, ==, 0);

  gtk_editable_set_text (GTK_EDITABLE (entry), "carrier works");
  g_signal_emit_by_name (text, "activate");
  g_assert_cmpuint (activated, ==, 1);
  g_assert_cmpuint (defaulted, ==, 1);

  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/reason-entry/blank", test_reason_entry_blank);
  g_test_add_func ("/reason-entry/trimmed", test_reason_entry_trimmed);
  g_test_add_func ("/reason-entry/notify", test_reason_entry_notify);
  g_test_add_func ("/reason-entry/activate", test_reason_entry_activate);
  return g_test_run ();
}
