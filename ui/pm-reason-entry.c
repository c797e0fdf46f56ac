/* pm-reason-entry.c: the entry for an operator's reason.
 *
 * A subclass of GtkEntry rather than a widget wrapping one: whoever holds it keeps GtkEntry's
 * editing, keyboard and "activate" behaviour, and AdwMessageDialog takes it as its extra child
 * as it is.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-reason-entry.h"

#include <glib/gi18n.h>

struct _PmReasonEntry
{
  GtkEntry parent_instance;

  gboolean valid;
};

G_DEFINE_TYPE (PmReasonEntry, pm_reason_entry, GTK_TYPE_ENTRY)

enum
{
  PROP_0,
  PROP_VALID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
text_changed_cb (PmReasonEntry *self)
{
  gboolean valid = !pm_reason_text_is_blank (gtk_editable_get_text (GTK_EDITABLE (self)));

  if (valid == self->valid)
    return;
  self->valid = valid;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VALID]);
}

/* Connected before anyone else can connect, so that stopping the emission keeps every other
 * handler from running: Enter on a blank reason confirms nothing. */
static void
activated_cb (gpointer       instance,
              PmReasonEntry *self)
{
  if (!self->valid)
    g_signal_stop_emission_by_name (instance, "activate");
}

static void
pm_reason_entry_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  PmReasonEntry *self = PM_REASON_ENTRY (object);

  switch (prop_id)
    {
    case PROP_VALID:
      g_value_set_boolean (value, self->valid);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
pm_reason_entry_class_init (PmReasonEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = pm_reason_entry_get_property;

  properties[PROP_VALID] =
    g_param_spec_boolean ("valid", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
pm_reason_entry_init (PmReasonEntry *self)
{
  GtkEditable *text = gtk_editable_get_delegate (GTK_EDITABLE (self));

  gtk_entry_set_placeholder_text (GTK_ENTRY (self), _("Reason (required)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reason"),
                                  GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE, -1);
  g_signal_connect (self, "changed", G_CALLBACK (text_changed_cb), NULL);
  g_signal_connect (self, "activate", G_CALLBACK (activated_cb), self);
  /* Enter reaches the entry through its GtkText, whose own default handler activates the
   * window's default widget when activates-default is set: stopped there too. */
  if (text != NULL)
    g_signal_connect_object (text, "activate", G_CALLBACK (activated_cb), self, 0);
}

GtkWidget *
pm_reason_entry_new (void)
{
  return g_object_new (PM_TYPE_REASON_ENTRY, NULL);
}

char *
pm_reason_entry_dup_reason (PmReasonEntry *self)
{
  g_return_val_if_fail (PM_IS_REASON_ENTRY (self), NULL);

  return pm_reason_text_dup_trimmed (gtk_editable_get_text (GTK_EDITABLE (self)));
}

gboolean
pm_reason_entry_get_valid (PmReasonEntry *self)
{
  g_return_val_if_fail (PM_IS_REASON_ENTRY (self), FALSE);

  return self->valid;
}

gboolean
pm_reason_text_is_blank (const char *text)
{
  for (; text != NULL && *text != '\0'; text = g_utf8_next_char (text))
    if (!g_unichar_isspace (g_utf8_get_char (text)))
      return FALSE;
  return TRUE;
}

char *
pm_reason_text_dup_trimmed (const char *text)
{
  const char *start = text, *end;

  if (text == NULL)
    return NULL;
  /* g_strstrip() trims ASCII white space only; a reason pasted from a chat or a ticket often
   * brings non-breaking spaces along. */
  while (*start != '\0' && g_unichar_isspace (g_utf8_get_char (start)))
    start = g_utf8_next_char (start);
  if (*start == '\0')
    return NULL;
  end = start + strlen (start);
  for (const char *prev = g_utf8_prev_char (end); g_unichar_isspace (g_utf8_get_char (prev));
       prev = g_utf8_prev_char (prev))
    end = prev;
  return g_strndup (start, end - start);
}
