/* pm-preferences-window.h: the preferences: checked as typed, stored only when valid, applied
 * live through the application's apply function.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Called with a checked value before it is stored under key. FALSE (with error) refuses it: the
 * window shows the message and the stored value stays as it was. */
typedef gboolean (*PmPreferencesApplyFunc) (const char *key,
                                            GVariant   *value,
                                            gpointer    user_data,
                                            GError    **error);

#define PM_TYPE_PREFERENCES_WINDOW (pm_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (PmPreferencesWindow, pm_preferences_window, PM, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

PmPreferencesWindow *pm_preferences_window_new          (GSettings *settings);
void                 pm_preferences_window_set_apply_func (PmPreferencesWindow   *self,
                                                           PmPreferencesApplyFunc func,
                                                           gpointer               user_data,
                                                           GDestroyNotify         destroy);
/* Says with the key's group that a command-line option decides its value for this run
 * ("metric-source", "event-feeds", "catalog-uri", "api-address", "auto-approve"). */
void                 pm_preferences_window_set_override (PmPreferencesWindow *self,
                                                         const char          *key,
                                                         const char          *note);
/* The offline tiles: the file must exist and open as raster MBTiles to be stored. */
gboolean             pm_preferences_window_set_mbtiles_path (PmPreferencesWindow *self,
                                                             const char          *path,
                                                             GError             **error);

/* The widget that edits key (an AdwEntryRow, a GtkSpinButton or a GtkSwitch; "event-feeds":
 * the entry that adds one), and the refusal shown for it (NULL: none). */
GtkWidget           *pm_preferences_window_get_editor  (PmPreferencesWindow *self,
                                                        const char          *key);
const char          *pm_preferences_window_get_message (PmPreferencesWindow *self,
                                                        const char          *key);

G_END_DECLS
