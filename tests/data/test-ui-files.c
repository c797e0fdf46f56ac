/* test-ui-files.c: every GtkBuilder .ui file of the project builds with GTK 4.8 / libadwaita 1.2.
 *
 * Usage: test-ui-files DIR… (the folders to search for *.ui files, recursively)
 *
 * gtk4-builder-tool validate cannot check our files: it knows neither libadwaita's types nor
 * ours, so a template whose parent is AdwApplicationWindow, or that holds a PmMapView, fails.
 * This test does what the tool does, with those types available:
 *
 * - the file is well-formed, and a <template class="PmThing"> sits in pm-thing.ui, next to the
 *   pm-thing.c that defines the class (or, for a .ui kept under data/, with pm-thing.c in ui/);
 * - <requires> asks for no more than GTK 4.8 / libadwaita 1.2, and no object uses a type that
 *   only newer versions have (so that a file written on a newer system fails here too);
 * - GtkBuilder builds the file: a plain file with gtk_builder_add_from_string(), a template
 *   through a stand-in type derived from its parent (as gtk4-builder-tool does) with
 *   gtk_builder_extend_with_template(). Types are resolved the way GtkBuilder does it, by
 *   looking up pm_thing_get_type() & co. in the process, which links the console's widgets.
 *   Signal handlers cannot be checked against a stand-in class, so any handler name is accepted;
 *   the gui tests instantiate the real classes.
 *
 * Each file is built in a subprocess of its own, so that a stand-in type never meets the real
 * type of the same name. Needs a display (the gui suite runs under Xvfb).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <adwaita.h>
#include <string.h>

#include "pm-test-files.h"

#define UI_DIRS_ENV "PM_TEST_UI_DIRS"

/* Types that GTK 4.8 and libadwaita 1.2 do not have yet (see STYLE.md for what to use instead). */
static const char *const newer_types[] = {
  /* GTK 4.10 and later */
  "GtkAlertDialog", "GtkColorDialog", "GtkColorDialogButton", "GtkFileDialog",
  "GtkFileLauncher", "GtkFontDialog", "GtkFontDialogButton", "GtkUriLauncher",
  "GtkGraphicsOffload",
  /* libadwaita 1.3 and later */
  "AdwBanner", "AdwTabButton", "AdwTabOverview",
  /* libadwaita 1.4 and later */
  "AdwBreakpoint", "AdwBreakpointBin", "AdwNavigationPage", "AdwNavigationSplitView",
  "AdwNavigationView", "AdwOverlaySplitView", "AdwSpinRow", "AdwSwitchRow", "AdwToolbarView",
  /* libadwaita 1.5 and later */
  "AdwAboutDialog", "AdwAlertDialog", "AdwDialog", "AdwPreferencesDialog",
  /* libadwaita 1.6 and later */
  "AdwBottomSheet", "AdwButtonContent", "AdwButtonRow", "AdwMultiLayoutView", "AdwSpinner",
  /* libadwaita 1.7 and later */
  "AdwInlineViewSwitcher", "AdwShortcutLabel", "AdwToggleGroup", "AdwWrapBox",
  NULL,
};

/* The newest versions a <requires> may name. */
static const struct
{
  const char *lib;
  int         major;
  int         minor;
} max_requires[] = {
  { "gtk", 4, 8 },
  { "libadwaita", 1, 2 },
};

/* A builder scope that resolves types like GtkBuilderCScope and accepts any signal handler. */
#define PM_TYPE_LENIENT_SCOPE (pm_lenient_scope_get_type ())
G_DECLARE_FINAL_TYPE (PmLenientScope, pm_lenient_scope, PM, LENIENT_SCOPE, GtkBuilderCScope)

struct _PmLenientScope
{
  GtkBuilderCScope parent_instance;
};

static void pm_lenient_scope_scope_init (GtkBuilderScopeInterface *iface);

G_DEFINE_TYPE_WITH_CODE (PmLenientScope, pm_lenient_scope, GTK_TYPE_BUILDER_CSCOPE,
                         G_IMPLEMENT_INTERFACE (GTK_TYPE_BUILDER_SCOPE,
                                                pm_lenient_scope_scope_init))

static GtkBuilderScopeInterface *parent_scope_iface;

static void
ignore_signal (void)
{
}

static GClosure *
pm_lenient_scope_create_closure (GtkBuilderScope        *scope,
                                 GtkBuilder             *builder,
                                 const char             *function_name,
                                 GtkBuilderClosureFlags  flags,
                                 GObject                *object,
                                 GError                **error)
{
  GClosure *closure;

  closure = parent_scope_iface->create_closure (scope, builder, function_name, flags, object, NULL);
  if (closure == NULL)
    closure = g_cclosure_new (G_CALLBACK (ignore_signal), NULL, NULL);
  return closure;
}

static void
pm_lenient_scope_scope_init (GtkBuilderScopeInterface *iface)
{
  parent_scope_iface = g_type_interface_peek_parent (iface);
  iface->create_closure = pm_lenient_scope_create_closure;
}

static void
pm_lenient_scope_class_init (PmLenientScopeClass *klass)
{
}

static void
pm_lenient_scope_init (PmLenientScope *self)
{
}

/* Fails the current test. The subprocess runs quiet, so the reason also goes to stderr, which
 * the test log shows. */
static void fail (const char *format,
                  ...) G_GNUC_PRINTF (1, 2);

static void
fail (const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("%s\n", message);
  g_test_fail_printf ("%s", message);
}

/* What the markup says about itself. */
typedef struct
{
  const char *path;
  char       *template_class;
  char       *template_parent;
  GPtrArray  *problems;
} UiInfo;

static void
ui_info_clear (UiInfo *info)
{
  g_clear_pointer (&info->template_class, g_free);
  g_clear_pointer (&info->template_parent, g_free);
  g_clear_pointer (&info->problems, g_ptr_array_unref);
}

static const char *
find_attribute (const char  *name,
                const char **names,
                const char **values)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return values[i];
  return NULL;
}

static void
check_requires (UiInfo     *info,
                const char *lib,
                const char *version,
                int         line)
{
  for (gsize i = 0; i < G_N_ELEMENTS (max_requires); i++)
    {
      int major = 0, minor = 0;

      if (g_strcmp0 (lib, max_requires[i].lib) != 0)
        continue;
      if (version == NULL || sscanf (version, "%d.%d", &major, &minor) != 2)
        {
          g_ptr_array_add (info->problems,
                           g_strdup_printf ("%s:%d: <requires lib=\"%s\"> needs a version like "
                                            "\"%d.%d\"", info->path, line, lib,
                                            max_requires[i].major, max_requires[i].minor));
          continue;
        }
      if (major > max_requires[i].major
          || (major == max_requires[i].major && minor > max_requires[i].minor))
        g_ptr_array_add (info->problems,
                         g_strdup_printf ("%s:%d: requires %s %s, but the project targets %s %d.%d",
                                          info->path, line, lib, version, lib,
                                          max_requires[i].major, max_requires[i].minor));
    }
}

static void
start_element_cb (GMarkupParseContext  *context,
                  const char           *element,
                  const char          **names,
                  const char          **values,
                  gpointer              user_data,
                  GError              **error)
{
  UiInfo *info = user_data;
  int line = 0;

  g_markup_parse_context_get_position (context, &line, NULL);

  if (g_str_equal (element, "template"))
    {
      if (info->template_class != NULL)
        g_ptr_array_add (info->problems,
                         g_strdup_printf ("%s:%d: more than one <template>", info->path, line));
      g_free (info->template_class);
      g_free (info->template_parent);
      info->template_class = g_strdup (find_attribute ("class", names, values));
      info->template_parent = g_strdup (find_attribute ("parent", names, values));
      if (info->template_class == NULL || info->template_parent == NULL)
        g_ptr_array_add (info->problems,
                         g_strdup_printf ("%s:%d: <template> needs both class and parent",
                                          info->path, line));
    }
  else if (g_str_equal (element, "object"))
    {
      const char *klass = find_attribute ("class", names, values);

      if (klass != NULL && g_strv_contains (newer_types, klass))
        g_ptr_array_add (info->problems,
                         g_strdup_printf ("%s:%d: %s is newer than GTK 4.8 / libadwaita 1.2 "
                                          "(see STYLE.md)", info->path, line, klass));
    }
  else if (g_str_equal (element, "requires"))
    {
      check_requires (info, find_attribute ("lib", names, values),
                      find_attribute ("version", names, values), line);
    }
}

/* PmDetailPanel → pm-detail-panel */
static char *
class_to_file_stem (const char *klass)
{
  GString *stem = g_string_new (NULL);

  for (const char *c = klass; *c != '\0'; c++)
    {
      if (g_ascii_isupper (*c) && c != klass)
        g_string_append_c (stem, '-');
      g_string_append_c (stem, g_ascii_tolower (*c));
    }
  return g_string_free (stem, FALSE);
}

static void
check_template_names (UiInfo *info)
{
  g_autofree char *stem = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *base = NULL;
  g_autofree char *expected_ui = NULL;
  g_autofree char *source = NULL;
  g_autofree char *ui_source = NULL;

  if (info->template_class == NULL)
    return;

  if (!g_str_has_prefix (info->template_class, "Pm"))
    {
      g_ptr_array_add (info->problems,
                       g_strdup_printf ("%s: template class %s lacks the Pm prefix", info->path,
                                        info->template_class));
      return;
    }

  stem = class_to_file_stem (info->template_class);
  dir = g_path_get_dirname (info->path);
  base = g_path_get_basename (info->path);
  expected_ui = g_strconcat (stem, ".ui", NULL);
  source = g_strconcat (dir, G_DIR_SEPARATOR_S, stem, ".c", NULL);
  ui_source = g_strconcat (dir, G_DIR_SEPARATOR_S "..", G_DIR_SEPARATOR_S "ui", G_DIR_SEPARATOR_S,
                           stem, ".c", NULL);

  if (!g_str_equal (base, expected_ui))
    g_ptr_array_add (info->problems,
                     g_strdup_printf ("%s: the template of %s belongs in %s", info->path,
                                      info->template_class, expected_ui));
  /* STYLE.md keeps the .ui next to its .c in ui/; a template under data/ needs its .c in ui/. */
  if (!g_file_test (source, G_FILE_TEST_IS_REGULAR)
      && !g_file_test (ui_source, G_FILE_TEST_IS_REGULAR))
    g_ptr_array_add (info->problems,
                     g_strdup_printf ("%s: template class %s has no %s.c next to it or in ui/",
                                      info->path, info->template_class, stem));
}

static void
report_problems (UiInfo *info)
{
  for (guint i = 0; i < info->problems->len; i++)
    fail ("%s", (const char *) g_ptr_array_index (info->problems, i));
}

/* A type named after the template class, derived from its parent, as gtk4-builder-tool makes. */
static GType
make_stand_in_type (const char *name,
                    GType       parent)
{
  GTypeQuery query;

  g_type_query (parent, &query);
  g_assert_cmpuint (query.type, !=, 0);
  return g_type_register_static_simple (parent, name, query.class_size, NULL,
                                        query.instance_size, NULL, 0);
}

static void
build_file (UiInfo     *info,
            const char *contents,
            gsize       length)
{
  GtkBuilder *builder = gtk_builder_new ();
  g_autoptr(GtkBuilderScope) scope = g_object_new (PM_TYPE_LENIENT_SCOPE, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) windows = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSList) objects = NULL;
  GObject *object = NULL;

  gtk_builder_set_scope (builder, scope);

  if (info->template_class != NULL)
    {
      GType parent = gtk_builder_get_type_from_name (builder, info->template_parent);
      GType type;

      if (parent == G_TYPE_INVALID)
        fail ("%s: unknown template parent type %s (not in GTK 4.8, libadwaita 1.2, "
              "libshumate 1.0 or the console)", info->path, info->template_parent);
      else if (g_type_from_name (info->template_class) != G_TYPE_INVALID)
        fail ("%s: %s is already registered before its template was built", info->path,
              info->template_class);
      else
        {
          type = make_stand_in_type (info->template_class, parent);
          object = g_object_new (type, NULL);
          if (!gtk_builder_extend_with_template (builder, object, type, contents, length,
                                                 &error))
            fail ("%s: %s", info->path, error->message);
        }
    }
  else if (!gtk_builder_add_from_string (builder, contents, length, &error))
    fail ("%s: %s", info->path, error->message);

  /* The builder goes first, as in gtk_widget_init_template(); toplevel windows live until
   * destroyed. A template's stand-in is left for the end of this subprocess, as
   * gtk4-builder-tool leaves it: it lacks the set-up the real class does in code (PmMapView
   * gives its ShumateScale a viewport, without which libshumate 1.0 warns when disposing it),
   * so tearing it down would test the stand-in, not the file. */
  objects = gtk_builder_get_objects (builder);
  for (GSList *l = objects; l != NULL; l = l->next)
    if (GTK_IS_WINDOW (l->data) && l->data != object)
      g_ptr_array_add (windows, g_object_ref (l->data));
  g_object_unref (builder);

  for (guint i = 0; i < windows->len; i++)
    gtk_window_destroy (g_ptr_array_index (windows, i));
  if (object != NULL && G_IS_INITIALLY_UNOWNED (object))
    g_object_ref_sink (object);
}

static void
validate_ui_file (const char *path)
{
  const GMarkupParser parser = { .start_element = start_element_cb };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  UiInfo info = { .path = path };

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);

  info.problems = g_ptr_array_new_with_free_func (g_free);

  context = g_markup_parse_context_new (&parser, 0, &info, NULL);
  if (!g_markup_parse_context_parse (context, contents, length, &error)
      || !g_markup_parse_context_end_parse (context, &error))
    {
      fail ("%s: not well-formed: %s", path, error->message);
      ui_info_clear (&info);
      return;
    }

  check_template_names (&info);
  report_problems (&info);
  if (info.problems->len == 0)
    build_file (&info, contents, length);

  ui_info_clear (&info);
}

static void
test_ui_file (gconstpointer data)
{
  const char *path = data;

  if (g_test_subprocess ())
    {
      if (!gtk_init_check ())
        {
          fail ("%s: no display; run under xvfb-run -a (build-aux/test.sh does)", path);
          return;
        }
      adw_init ();
      validate_ui_file (path);
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDOUT
                          | G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static gint
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
is_ui_file (const char *name,
            const char *path)
{
  return g_str_has_suffix (name, ".ui");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) dirs = NULL;

  g_test_init (&argc, &argv, NULL);

  /* The subprocesses keep their stand-ins to the end (see build_file()): under
   * AddressSanitizer they are not leak-checked. ASAN_OPTIONS is read at start-up, so setting it
   * here affects only the subprocesses. */
  if (!g_test_subprocess ())
    {
      const char *asan = g_getenv ("ASAN_OPTIONS");
      g_autofree char *options = g_strconcat (asan != NULL ? asan : "", asan != NULL ? ":" : "",
                                              "detect_leaks=0", NULL);

      g_setenv ("ASAN_OPTIONS", options, TRUE);
    }

  /* Subprocesses get only the test options, so the folders travel in the environment. */
  if (argc > 1)
    {
      g_autofree char *joined = g_strjoinv (G_SEARCHPATH_SEPARATOR_S, argv + 1);

      g_setenv (UI_DIRS_ENV, joined, TRUE);
    }
  if (g_getenv (UI_DIRS_ENV) == NULL)
    g_error ("usage: %s DIR…", argv[0]);
  dirs = g_strsplit (g_getenv (UI_DIRS_ENV), G_SEARCHPATH_SEPARATOR_S, -1);

  for (guint i = 0; dirs[i] != NULL; i++)
    pm_test_find_files (dirs[i], NULL, is_ui_file, files);
  g_ptr_array_sort (files, compare_strings);
  if (files->len == 0)
    g_error ("no .ui files under %s", g_getenv (UI_DIRS_ENV));

  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *dir = g_path_get_dirname (path);
      g_autofree char *dir_base = g_path_get_basename (dir);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *test_path = g_strconcat ("/ui-files/", dir_base, "/", base, NULL);

      g_test_add_data_func (test_path, path, test_ui_file);
    }

  return g_test_run ();
}
