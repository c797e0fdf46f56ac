/* pm-widget-update.c: changing a widget's text or style only when it differs.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-widget-update.h"

void
pm_label_set_if_changed (GtkLabel   *label,
                         const char *text)
{
  g_return_if_fail (GTK_IS_LABEL (label));

  if (g_strcmp0 (gtk_label_get_label (label), text != NULL ? text : "") != 0)
    gtk_label_set_label (label, text);
}

void
pm_menu_button_set_label_if_changed (GtkMenuButton *button,
                                     const char    *text)
{
  g_return_if_fail (GTK_IS_MENU_BUTTON (button));

  if (g_strcmp0 (gtk_menu_button_get_label (button), text) != 0)
    gtk_menu_button_set_label (button, text);
}

void
pm_widget_set_css_class_if (GtkWidget  *widget,
                            const char *css_class,
                            gboolean    wanted)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (wanted == gtk_widget_has_css_class (widget, css_class))
    return;
  if (wanted)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
}

void
pm_widget_set_css_class_of (GtkWidget         *widget,
                            const char *const *classes,
                            const char        *wanted)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));

  for (guint i = 0; classes[i] != NULL; i++)
    pm_widget_set_css_class_if (widget, classes[i], g_strcmp0 (classes[i], wanted) == 0);
}
