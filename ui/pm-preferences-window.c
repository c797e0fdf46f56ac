/* pm-preferences-window.c: the preferences.
 *
 * Every value is checked where it is typed: a refused one stays in its entry, marked with the
 * `error` style and a message saying what is wrong, and the stored setting is left alone. A valid
 * one goes to the application's apply function first (which hands it to the running engine, the
 * API server or a new engine, and may still refuse it, e.g. a port in use), and is stored only
 * when that worked, so that the stored settings always describe a console that starts.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-preferences-window.h"

#include <glib/gi18n.h>
#include <math.h>

#include "pm-mbtiles-source.h"
#include "pm-settings-check.h"

typedef enum
{
  EDITOR_ENTRY,   /* an AdwEntryRow; the message is a label under its group */
  EDITOR_SPIN,    /* a GtkSpinButton in an AdwActionRow; the message replaces the subtitle */
  EDITOR_SWITCH,  /* a GtkSwitch in an AdwActionRow; the message replaces the subtitle */
  EDITOR_OTHER,   /* the event feeds and the MBTiles file: a label under the group */
} EditorKind;

typedef struct
{
  const char *key;
  EditorKind  kind;
  char        type;     /* of the key: 's', 'i', 'u', 'd', 'b' or 'a' (as) */
  gsize       editor;   /* offset of the editing widget in PmPreferencesWindow */
  gsize       where;    /* offset of the message label (entries, other) or of the row */
  gboolean  (*check_text)   (const char *text,
                             GError    **error);
  gboolean  (*check_number) (double   value,
                             GError **error);
} Setting;

struct _PmPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings          *settings;
  PmPreferencesApplyFunc apply_func;
  gpointer            apply_data;
  GDestroyNotify      apply_destroy;
  GHashTable         *messages;    /* key → the refusal shown for it */
  GHashTable         *subtitles;   /* row → its subtitle while a refusal replaces it */
  GPtrArray          *feed_rows;   /* the rows listing the event feeds */
  GtkFileChooserNative *chooser;
  gboolean            loading;     /* widgets being set from the settings: nothing to store */

  AdwActionRow       *horizon_row;
  GtkSpinButton      *horizon_spin;
  AdwActionRow       *threshold_row;
  GtkSpinButton      *threshold_spin;
  AdwPreferencesGroup *auto_approve_group;
  AdwActionRow       *auto_approve_row;
  GtkSwitch          *auto_approve_switch;
  AdwActionRow       *criticality_row;
  GtkSpinButton      *criticality_spin;
  AdwActionRow       *min_risk_row;
  GtkSpinButton      *min_risk_spin;
  GtkSwitch          *dark_switch;
  AdwPreferencesGroup *source_group;
  AdwEntryRow        *source_row;
  GtkLabel           *source_message;
  AdwPreferencesGroup *feeds_group;
  AdwEntryRow        *feed_row;
  GtkLabel           *feed_message;
  AdwPreferencesGroup *catalog_group;
  AdwEntryRow        *catalog_row;
  GtkLabel           *catalog_message;
  AdwPreferencesGroup *api_group;
  AdwEntryRow        *api_row;
  GtkLabel           *api_message;
  GtkSwitch          *basemap_switch;
  AdwEntryRow        *tiles_row;
  GtkLabel           *tiles_message;
  AdwActionRow       *mbtiles_row;
  GtkButton          *mbtiles_button;
  GtkButton          *mbtiles_clear_button;
  GtkLabel           *mbtiles_message;
};

static gboolean check_horizon     (double   value,
                                   GError **error);
static gboolean check_probability (double   value,
                                   GError **error);
static gboolean check_criticality (double   value,
                                   GError **error);

G_DEFINE_TYPE (PmPreferencesWindow, pm_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

#define OFFSET(member) G_STRUCT_OFFSET (PmPreferencesWindow, member)

static const Setting settings_table[] = {
  { "metric-source", EDITOR_ENTRY, 's', OFFSET (source_row), OFFSET (source_message),
    pm_settings_check_source, NULL },
  { "catalog-uri", EDITOR_ENTRY, 's', OFFSET (catalog_row), OFFSET (catalog_message),
    pm_settings_check_catalog, NULL },
  { "api-address", EDITOR_ENTRY, 's', OFFSET (api_row), OFFSET (api_message),
    pm_settings_check_api_address, NULL },
  { "tile-url-template", EDITOR_ENTRY, 's', OFFSET (tiles_row), OFFSET (tiles_message),
    pm_settings_check_tile_template, NULL },
  { "risk-horizon", EDITOR_SPIN, 'i', OFFSET (horizon_spin), OFFSET (horizon_row), NULL,
    check_horizon },
  { "alert-threshold", EDITOR_SPIN, 'd', OFFSET (threshold_spin), OFFSET (threshold_row), NULL,
    check_probability },
  { "auto-approve-min-criticality", EDITOR_SPIN, 'u', OFFSET (criticality_spin),
    OFFSET (criticality_row), NULL, check_criticality },
  { "auto-approve-min-risk", EDITOR_SPIN, 'd', OFFSET (min_risk_spin), OFFSET (min_risk_row),
    NULL, check_probability },
  { "auto-approve", EDITOR_SWITCH, 'b', OFFSET (auto_approve_switch), OFFSET (auto_approve_row),
    NULL, NULL },
  { "event-feeds", EDITOR_OTHER, 'a', OFFSET (feed_row), OFFSET (feed_message), NULL, NULL },
  { "mbtiles-path", EDITOR_OTHER, 's', OFFSET (mbtiles_button), OFFSET (mbtiles_message), NULL,
    NULL },
};

#undef OFFSET

#define MEMBER(self, offset) G_STRUCT_MEMBER (gpointer, (self), (offset))

static gboolean
check_whole (double   value,
             GError **error)
{
  if (value != floor (value))
    {
      g_set_error_literal (error, PM_SETTINGS_CHECK_ERROR, PM_SETTINGS_CHECK_ERROR_INVALID,
                           _("Type a whole number"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_horizon (double   value,
               GError **error)
{
  return check_whole (value, error) && pm_settings_check_horizon ((gint64) value, error);
}

static gboolean
check_probability (double   value,
                   GError **error)
{
  return pm_settings_check_probability (value, error);
}

static gboolean
check_criticality (double   value,
                   GError **error)
{
  return check_whole (value, error) && pm_settings_check_criticality ((gint64) value, error);
}

static const Setting *
find_setting (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings_table); i++)
    if (g_str_equal (settings_table[i].key, key))
      return &settings_table[i];
  return NULL;
}

/* A refusal (message) or its end (NULL), where the operator is looking. */
static void
show_message (PmPreferencesWindow *self,
              const Setting       *setting,
              const char          *message)
{
  GtkWidget *editor = MEMBER (self, setting->editor);

  if (message != NULL)
    {
      g_hash_table_insert (self->messages, (gpointer) setting->key, g_strdup (message));
      gtk_widget_add_css_class (editor, "error");
    }
  else
    {
      g_hash_table_remove (self->messages, setting->key);
      gtk_widget_remove_css_class (editor, "error");
    }

  if (setting->kind == EDITOR_SPIN || setting->kind == EDITOR_SWITCH)
    {
      AdwActionRow *row = MEMBER (self, setting->where);

      if (message != NULL)
        {
          g_autofree char *escaped = g_markup_escape_text (message, -1);

          if (!g_hash_table_contains (self->subtitles, row))
            g_hash_table_insert (self->subtitles, row,
                                 g_strdup (adw_action_row_get_subtitle (row)));
          adw_action_row_set_subtitle (row, escaped);
          gtk_widget_add_css_class (GTK_WIDGET (row), "error");
        }
      else if (g_hash_table_contains (self->subtitles, row))
        {
          adw_action_row_set_subtitle (row, g_hash_table_lookup (self->subtitles, row));
          g_hash_table_remove (self->subtitles, row);
          gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
        }
    }
  else
    {
      GtkLabel *label = MEMBER (self, setting->where);

      gtk_label_set_text (label, message != NULL ? message : "");
      gtk_widget_set_visible (GTK_WIDGET (label), message != NULL);
    }
}

static void
show_error (PmPreferencesWindow *self,
            const Setting       *setting,
            const GError        *error)
{
  show_message (self, setting, error->message);
}

/* Hands the value to the application, then stores it; value may be floating. */
static gboolean
store (PmPreferencesWindow *self,
       const char          *key,
       GVariant            *value,
       GError             **error)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);

  if (!g_settings_is_writable (self->settings, key))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           _("This setting is locked by the system administrator"));
      return FALSE;
    }
  if (self->apply_func != NULL && !self->apply_func (key, owned, self->apply_data, error))
    return FALSE;
  g_settings_set_value (self->settings, key, owned);
  return TRUE;
}

/* The stored text of an entry's key, shown again after a refusal the operator dismisses. */
static void
load_entry (PmPreferencesWindow *self,
            const Setting       *setting)
{
  g_autofree char *text = g_settings_get_string (self->settings, setting->key);

  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (MEMBER (self, setting->editor)), text);
  self->loading = FALSE;
}

static void
entry_applied_cb (AdwEntryRow         *row,
                  PmPreferencesWindow *self)
{
  const Setting *setting = g_object_get_data (G_OBJECT (row), "pm-setting");
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  g_autoptr(GError) error = NULL;

  if (!setting->check_text (text, &error)
      || !store (self, setting->key, g_variant_new_string (text), &error))
    {
      show_error (self, setting, error);
      return;
    }
  show_message (self, setting, NULL);
  load_entry (self, setting);
}

/* Editing again after a refusal: the message stays until the next apply, but the red does not
 * shout at every keystroke. */
static void
entry_changed_cb (AdwEntryRow         *row,
                  PmPreferencesWindow *self)
{
  if (!self->loading)
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
}

/* Typed text is checked here, so that an out-of-range value is refused with a reason rather
 * than silently clamped; GTK_INPUT_ERROR puts the previous value back. */
static int
spin_input_cb (GtkSpinButton       *spin,
               double              *new_value,
               PmPreferencesWindow *self)
{
  const Setting *setting = g_object_get_data (G_OBJECT (spin), "pm-setting");
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (spin))));
  g_autoptr(GError) error = NULL;
  char *end = NULL;
  double value;

  value = g_strtod (text, &end);
  if (text[0] == '\0' || end == NULL || *end != '\0' || !isfinite (value))
    {
      g_set_error_literal (&error, PM_SETTINGS_CHECK_ERROR, PM_SETTINGS_CHECK_ERROR_INVALID,
                           _("Type a number"));
    }
  else if (setting->check_number (value, &error))
    {
      *new_value = value;
      return TRUE;
    }
  show_error (self, setting, error);
  return GTK_INPUT_ERROR;
}

static GVariant *
spin_variant (const Setting *setting,
              double         value)
{
  switch (setting->type)
    {
    case 'i':
      return g_variant_new_int32 ((gint32) round (value));
    case 'u':
      return g_variant_new_uint32 ((guint32) round (value));
    default:
      return g_variant_new_double (value);
    }
}

static double
stored_number (PmPreferencesWindow *self,
               const Setting       *setting)
{
  switch (setting->type)
    {
    case 'i':
      return g_settings_get_int (self->settings, setting->key);
    case 'u':
      return g_settings_get_uint (self->settings, setting->key);
    default:
      return g_settings_get_double (self->settings, setting->key);
    }
}

static void
load_spin (PmPreferencesWindow *self,
           const Setting       *setting)
{
  self->loading = TRUE;
  gtk_spin_button_set_value (MEMBER (self, setting->editor), stored_number (self, setting));
  self->loading = FALSE;
}

static void
spin_value_changed_cb (GtkSpinButton       *spin,
                       PmPreferencesWindow *self)
{
  const Setting *setting = g_object_get_data (G_OBJECT (spin), "pm-setting");
  double value = gtk_spin_button_get_value (spin);
  g_autoptr(GError) error = NULL;

  /* A refused input puts the stored value back through this signal: nothing to store, and the
   * refusal stays in view. */
  if (self->loading || value == stored_number (self, setting))
    return;
  if (!setting->check_number (value, &error)
      || !store (self, setting->key, spin_variant (setting, value), &error))
    {
      show_error (self, setting, error);
      load_spin (self, setting);
      return;
    }
  show_message (self, setting, NULL);
}

static void
switch_active_cb (GtkSwitch           *toggle,
                  GParamSpec          *pspec,
                  PmPreferencesWindow *self)
{
  const Setting *setting = g_object_get_data (G_OBJECT (toggle), "pm-setting");
  g_autoptr(GError) error = NULL;

  if (self->loading)
    return;
  if (!store (self, setting->key, g_variant_new_boolean (gtk_switch_get_active (toggle)), &error))
    {
      show_error (self, setting, error);
      self->loading = TRUE;
      gtk_switch_set_active (toggle, g_settings_get_boolean (self->settings, setting->key));
      self->loading = FALSE;
      return;
    }
  show_message (self, setting, NULL);
}

static void load_feeds (PmPreferencesWindow *self);

/* Stores the feeds with one added (add != NULL) or one removed. */
static gboolean
store_feeds (PmPreferencesWindow *self,
             const char          *add,
             const char          *remove,
             GError             **error)
{
  g_auto(GStrv) feeds = g_settings_get_strv (self->settings, "event-feeds");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;

  for (guint i = 0; feeds[i] != NULL; i++)
    {
      if (add != NULL && g_str_equal (feeds[i], add))
        {
          g_set_error_literal (error, PM_SETTINGS_CHECK_ERROR, PM_SETTINGS_CHECK_ERROR_INVALID,
                               _("This feed is listed already"));
          return FALSE;
        }
      if (remove == NULL || !g_str_equal (feeds[i], remove))
        g_strv_builder_add (builder, feeds[i]);
    }
  if (add != NULL)
    g_strv_builder_add (builder, add);
  result = g_strv_builder_end (builder);
  return store (self, "event-feeds", g_variant_new_strv ((const char *const *) result, -1),
                error);
}

static void
feed_remove_clicked_cb (GtkButton           *button,
                        PmPreferencesWindow *self)
{
  const char *feed = g_object_get_data (G_OBJECT (button), "pm-feed");
  g_autoptr(GError) error = NULL;

  if (!store_feeds (self, NULL, feed, &error))
    {
      show_error (self, find_setting ("event-feeds"), error);
      return;
    }
  show_message (self, find_setting ("event-feeds"), NULL);
  load_feeds (self);
}

static void
load_feeds (PmPreferencesWindow *self)
{
  g_auto(GStrv) feeds = g_settings_get_strv (self->settings, "event-feeds");

  for (guint i = 0; i < self->feed_rows->len; i++)
    adw_preferences_group_remove (self->feeds_group, g_ptr_array_index (self->feed_rows, i));
  g_ptr_array_set_size (self->feed_rows, 0);

  if (feeds[0] == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No feeds"));
      gtk_widget_add_css_class (row, "dim-label");
      adw_preferences_group_add (self->feeds_group, row);
      g_ptr_array_add (self->feed_rows, row);
    }
  for (guint i = 0; feeds[i] != NULL; i++)
    {
      g_autofree char *escaped = g_markup_escape_text (feeds[i], -1);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *button = gtk_button_new_from_icon_name ("list-remove-symbolic");

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), escaped);
      adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 2);
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      gtk_widget_set_tooltip_text (button, _("Remove Feed"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Remove feed"), -1);
      g_object_set_data_full (G_OBJECT (button), "pm-feed", g_strdup (feeds[i]), g_free);
      g_signal_connect (button, "clicked", G_CALLBACK (feed_remove_clicked_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      adw_preferences_group_add (self->feeds_group, row);
      g_ptr_array_add (self->feed_rows, row);
    }
}

static void
feed_applied_cb (AdwEntryRow         *row,
                 PmPreferencesWindow *self)
{
  const Setting *setting = find_setting ("event-feeds");
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
  g_autoptr(GError) error = NULL;

  if (!pm_settings_check_event_feed (text, &error) || !store_feeds (self, text, NULL, &error))
    {
      show_error (self, setting, error);
      return;
    }
  show_message (self, setting, NULL);
  self->loading = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (row), "");
  self->loading = FALSE;
  load_feeds (self);
}

static void
load_mbtiles (PmPreferencesWindow *self)
{
  g_autofree char *path = g_settings_get_string (self->settings, "mbtiles-path");
  g_autofree char *escaped = g_markup_escape_text (path, -1);

  adw_action_row_set_subtitle (self->mbtiles_row,
                               path[0] != '\0' ? escaped : _("None: tiles are downloaded"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->mbtiles_clear_button), path[0] != '\0');
}

static void
chooser_response_cb (GtkNativeDialog     *dialog,
                     int                  response,
                     PmPreferencesWindow *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  g_clear_object (&self->chooser);
  if (file == NULL)
    return;
  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("Choose a local file: tiles are read from disk"));
      show_error (self, find_setting ("mbtiles-path"), error);
      return;
    }
  /* The message (if any) is shown by the call. */
  pm_preferences_window_set_mbtiles_path (self, path, NULL);
}

static void
mbtiles_choose_clicked_cb (PmPreferencesWindow *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  gtk_file_filter_set_name (filter, _("MBTiles Files"));
  gtk_file_filter_add_pattern (filter, "*.mbtiles");
  self->chooser = gtk_file_chooser_native_new (_("Choose Offline Tiles"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
mbtiles_clear_clicked_cb (PmPreferencesWindow *self)
{
  const Setting *setting = find_setting ("mbtiles-path");
  g_autoptr(GError) error = NULL;

  if (!store (self, "mbtiles-path", g_variant_new_string (""), &error))
    {
      show_error (self, setting, error);
      return;
    }
  show_message (self, setting, NULL);
  load_mbtiles (self);
}

static void
pm_preferences_window_dispose (GObject *object)
{
  PmPreferencesWindow *self = PM_PREFERENCES_WINDOW (object);

  if (self->chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  if (self->apply_destroy != NULL)
    self->apply_destroy (self->apply_data);
  self->apply_func = NULL;
  self->apply_destroy = NULL;
  self->apply_data = NULL;
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (pm_preferences_window_parent_class)->dispose (object);
}

static void
pm_preferences_window_finalize (GObject *object)
{
  PmPreferencesWindow *self = PM_PREFERENCES_WINDOW (object);

  g_hash_table_unref (self->messages);
  g_hash_table_unref (self->subtitles);
  g_ptr_array_unref (self->feed_rows);

  G_OBJECT_CLASS (pm_preferences_window_parent_class)->finalize (object);
}

static void
pm_preferences_window_class_init (PmPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = pm_preferences_window_dispose;
  object_class->finalize = pm_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/premirror/Premirror/"
                                               "pm-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, horizon_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, horizon_spin);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, threshold_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, threshold_spin);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, auto_approve_group);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, auto_approve_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, auto_approve_switch);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, criticality_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, criticality_spin);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, min_risk_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, min_risk_spin);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, dark_switch);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, source_group);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, source_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, source_message);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, feeds_group);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, feed_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, feed_message);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, catalog_group);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, catalog_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, catalog_message);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, api_group);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, api_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, api_message);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, basemap_switch);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, tiles_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, tiles_message);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, mbtiles_row);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, mbtiles_button);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, mbtiles_clear_button);
  gtk_widget_class_bind_template_child (widget_class, PmPreferencesWindow, mbtiles_message);
  gtk_widget_class_bind_template_callback (widget_class, mbtiles_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, mbtiles_clear_clicked_cb);
}

static void
pm_preferences_window_init (PmPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->messages = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  self->subtitles = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->feed_rows = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (settings_table); i++)
    {
      const Setting *setting = &settings_table[i];
      GObject *editor = MEMBER (self, setting->editor);

      g_object_set_data (editor, "pm-setting", (gpointer) setting);
      switch (setting->kind)
        {
        case EDITOR_ENTRY:
          g_signal_connect (editor, "apply", G_CALLBACK (entry_applied_cb), self);
          g_signal_connect (editor, "changed", G_CALLBACK (entry_changed_cb), self);
          break;
        case EDITOR_SPIN:
          g_signal_connect (editor, "input", G_CALLBACK (spin_input_cb), self);
          g_signal_connect (editor, "value-changed", G_CALLBACK (spin_value_changed_cb), self);
          break;
        case EDITOR_SWITCH:
          g_signal_connect (editor, "notify::active", G_CALLBACK (switch_active_cb), self);
          break;
        case EDITOR_OTHER:
        default:
          break;
        }
    }
  g_signal_connect (self->feed_row, "apply", G_CALLBACK (feed_applied_cb), self);
  g_signal_connect (self->feed_row, "changed", G_CALLBACK (entry_changed_cb), self);
}

PmPreferencesWindow *
pm_preferences_window_new (GSettings *settings)
{
  PmPreferencesWindow *self;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (PM_TYPE_PREFERENCES_WINDOW, NULL);
  self->settings = g_object_ref (settings);

  self->loading = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (settings_table); i++)
    {
      const Setting *setting = &settings_table[i];

      if (setting->kind == EDITOR_ENTRY)
        load_entry (self, setting);
      else if (setting->kind == EDITOR_SPIN)
        load_spin (self, setting);
      else if (setting->kind == EDITOR_SWITCH)
        gtk_switch_set_active (MEMBER (self, setting->editor),
                               g_settings_get_boolean (settings, setting->key));
    }
  self->loading = FALSE;
  load_feeds (self);
  load_mbtiles (self);
  /* Neither is applied by the application: the style manager and the map follow the keys. */
  g_settings_bind (settings, "dark-style", self->dark_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "show-basemap", self->basemap_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  return self;
}

void
pm_preferences_window_set_apply_func (PmPreferencesWindow   *self,
                                      PmPreferencesApplyFunc func,
                                      gpointer               user_data,
                                      GDestroyNotify         destroy)
{
  g_return_if_fail (PM_IS_PREFERENCES_WINDOW (self));

  if (self->apply_destroy != NULL)
    self->apply_destroy (self->apply_data);
  self->apply_func = func;
  self->apply_data = user_data;
  self->apply_destroy = destroy;
}

void
pm_preferences_window_set_override (PmPreferencesWindow *self,
                                    const char          *key,
                                    const char          *note)
{
  AdwPreferencesGroup *group = NULL;
  g_autofree char *description = NULL;

  g_return_if_fail (PM_IS_PREFERENCES_WINDOW (self));
  g_return_if_fail (key != NULL && note != NULL);

  if (g_str_equal (key, "metric-source"))
    group = self->source_group;
  else if (g_str_equal (key, "event-feeds"))
    group = self->feeds_group;
  else if (g_str_equal (key, "catalog-uri"))
    group = self->catalog_group;
  else if (g_str_equal (key, "api-address"))
    group = self->api_group;
  else if (g_str_has_prefix (key, "auto-approve"))
    group = self->auto_approve_group;
  g_return_if_fail (group != NULL);

  description = g_strdup_printf ("%s\n%s", adw_preferences_group_get_description (group), note);
  adw_preferences_group_set_description (group, description);
}

gboolean
pm_preferences_window_set_mbtiles_path (PmPreferencesWindow *self,
                                        const char          *path,
                                        GError             **error)
{
  const Setting *setting = find_setting ("mbtiles-path");
  g_autoptr(PmMbtilesSource) source = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (PM_IS_PREFERENCES_WINDOW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* Opened here as the map will open it, so that a file the map cannot use is never stored. */
  source = pm_mbtiles_source_new (path, &local_error);
  if (source == NULL || !store (self, "mbtiles-path", g_variant_new_string (path), &local_error))
    {
      show_error (self, setting, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  show_message (self, setting, NULL);
  load_mbtiles (self);
  return TRUE;
}

GtkWidget *
pm_preferences_window_get_editor (PmPreferencesWindow *self,
                                  const char          *key)
{
  const Setting *setting;

  g_return_val_if_fail (PM_IS_PREFERENCES_WINDOW (self), NULL);

  setting = find_setting (key);
  return setting != NULL ? MEMBER (self, setting->editor) : NULL;
}

const char *
pm_preferences_window_get_message (PmPreferencesWindow *self,
                                   const char          *key)
{
  g_return_val_if_fail (PM_IS_PREFERENCES_WINDOW (self), NULL);

  return g_hash_table_lookup (self->messages, key);
}
