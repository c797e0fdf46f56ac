/* pm-widget-update.h: changing a widget's text or style only when it differs.
 *
 * GTK relays a label out whenever its text is set, even to the same text, and restyles a widget
 * whenever a style class is removed and added back. The console refreshes its panels at every
 * engine tick, and most of what they show is unchanged: setting it anyway made every tick relay
 * out the window. These setters do nothing when nothing changes.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Sets label's text (a plain label, or markup if the label uses markup) when it differs. */
void pm_label_set_if_changed        (GtkLabel    *label,
                                     const char  *text);

/* Sets a menu button's label when it differs: GTK 4.8 builds a new child for every label set. */
void pm_menu_button_set_label_if_changed (GtkMenuButton *button,
                                          const char    *text);

/* Adds or removes one style class, only when that changes it. */
void pm_widget_set_css_class_if     (GtkWidget   *widget,
                                     const char  *css_class,
                                     gboolean     wanted);

/* Of the classes in the NULL-terminated list, gives the widget only wanted (or none when wanted
 * is NULL), leaving those already right untouched. */
void pm_widget_set_css_class_of     (GtkWidget         *widget,
                                     const char *const *classes,
                                     const char        *wanted);

G_END_DECLS
