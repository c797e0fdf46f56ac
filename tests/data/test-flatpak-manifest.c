/* test-flatpak-manifest.c: the Flatpak manifest builds what the project needs.
 *
 * Usage: test-flatpak-manifest MANIFEST.json SOURCE_ROOT
 *
 * Checks that the manifest is valid JSON with the fields flatpak-builder needs, that it builds
 * libshumate the way STYLE.md says, and that every dependency('…') in the project's meson.build
 * files is either part of the GNOME runtime or built as a module of the manifest.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "pm-test-files.h"

/* What the GNOME runtime (org.gnome.Platform 43) already provides: a dependency('NAME') whose
 * pkg-config NAME is listed here needs no module in the manifest. Keep this the only such list.
 * Meson's special dependencies (threads, dl, …) come with the toolchain and are listed too. */
static const char *const runtime_provides[] = {
  /* GLib */
  "glib-2.0", "gobject-2.0", "gio-2.0", "gio-unix-2.0", "gmodule-2.0", "gthread-2.0",
  /* GTK and libadwaita */
  "gtk4", "libadwaita-1",
  /* engine libraries shipped by the GNOME runtime */
  "json-glib-1.0", "libsoup-3.0", "sqlite3", "libxml-2.0",
  /* libsoup's TLS backend (glib-networking) links GnuTLS, so the runtime ships it */
  "gnutls",
  /* graphics stack below GTK */
  "cairo", "pango", "pangocairo", "graphene-gobject-1.0", "gdk-pixbuf-2.0",
  /* toolchain (meson special dependencies) */
  "threads", "dl", "intl", "iconv",
  NULL,
};

/* How a pkg-config name maps to the name of the manifest module that builds it. A name that is
 * not listed must be built by a module of the same name. */
static const struct
{
  const char *pkg_config;
  const char *module;
} module_names[] = {
  { "shumate-1.0", "libshumate" },
  { "libical", "libical" },
  { "libical-glib", "libical" },
  { "protobuf-c", "protobuf-c" },
};

static const char *manifest_path;
static const char *source_root;

static JsonObject *
load_manifest (JsonParser **parser_out)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_file (parser, manifest_path, &error);
  g_assert_no_error (error);

  root = json_parser_get_root (parser);
  g_assert_nonnull (root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));

  *parser_out = g_steal_pointer (&parser);
  return json_node_get_object (root);
}

static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
array_has_string (JsonArray  *array,
                  const char *value)
{
  for (guint i = 0; array != NULL && i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
          && g_strcmp0 (json_node_get_string (node), value) == 0)
        return TRUE;
    }
  return FALSE;
}

static JsonArray *
get_array_member (JsonObject *object,
                  const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

/* Collects every module by name, including nested modules. A module given as a string is a path
 * to a file of its own; it is named after the file (flathub's shared-modules convention). */
static void
collect_modules (JsonArray  *modules,
                 GHashTable *by_name)
{
  for (guint i = 0; modules != NULL && i < json_array_get_length (modules); i++)
    {
      JsonNode *node = json_array_get_element (modules, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        {
          JsonObject *module = json_node_get_object (node);
          const char *name = get_string_member (module, "name");

          g_assert_nonnull (name);
          g_hash_table_insert (by_name, g_strdup (name), module);
          collect_modules (get_array_member (module, "modules"), by_name);
        }
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        {
          g_autofree char *base = g_path_get_basename (json_node_get_string (node));
          char *dot = strchr (base, '.');

          if (dot != NULL)
            *dot = '\0';
          g_hash_table_insert (by_name, g_strdup (base), NULL);
        }
      else
        g_assert_not_reached ();
    }
}

static GHashTable *
get_modules (JsonObject *manifest)
{
  GHashTable *by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  collect_modules (get_array_member (manifest, "modules"), by_name);
  return by_name;
}

static gboolean
runtime_provides_name (const char *name)
{
  return g_strv_contains (runtime_provides, name);
}

static const char *
module_for_pkg_config (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (module_names); i++)
    if (g_str_equal (module_names[i].pkg_config, name))
      return module_names[i].module;
  return name;
}

/* The names given to dependency() in one meson.build text, comments left out. */
static void
scan_meson_dependencies (const char *text,
                         GPtrArray  *names)
{
  g_autoptr(GRegex) regex = NULL;
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  regex = g_regex_new ("(?<![A-Za-z0-9_.])dependency\\s*\\(\\s*'([^']+)'", 0, 0, NULL);
  g_assert_nonnull (regex);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;
      char *hash = strchr (lines[i], '#');

      if (hash != NULL)
        *hash = '\0';
      g_regex_match (regex, lines[i], 0, &match);
      while (g_match_info_matches (match))
        {
          g_autofree char *name = g_match_info_fetch (match, 1);

          if (!g_ptr_array_find_with_equal_func (names, name, g_str_equal, NULL))
            g_ptr_array_add (names, g_steal_pointer (&name));
          g_match_info_next (match, NULL);
        }
    }
}

/* The project's own folders: not subprojects, and not build folders. */
static gboolean
is_source_dir (const char *name,
               const char *path)
{
  g_autofree char *private_dir = g_build_filename (path, "meson-private", NULL);

  return !g_str_equal (name, "subprojects") && !g_file_test (private_dir, G_FILE_TEST_IS_DIR);
}

static gboolean
is_meson_file (const char *name,
               const char *path)
{
  return g_str_equal (name, "meson.build");
}

/* The pkg-config names among NAMES that neither the runtime nor a module of MODULES provides. */
static GPtrArray *
find_unbuilt (GPtrArray  *names,
              GHashTable *modules)
{
  GPtrArray *missing = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      if (!runtime_provides_name (name)
          && !g_hash_table_contains (modules, module_for_pkg_config (name)))
        g_ptr_array_add (missing, g_strdup (name));
    }
  return missing;
}

static char *
join_names (GPtrArray *names)
{
  g_autoptr(GString) joined = g_string_new (NULL);

  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (joined, "%s%s", i > 0 ? ", " : "",
                            (const char *) g_ptr_array_index (names, i));
  return g_string_free (g_steal_pointer (&joined), FALSE);
}

static void
test_manifest_fields (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);

  g_assert_cmpstr (get_string_member (manifest, "app-id"), ==, "io.github.premirror.Premirror");
  g_assert_cmpstr (get_string_member (manifest, "runtime"), ==, "org.gnome.Platform");
  g_assert_cmpstr (get_string_member (manifest, "sdk"), ==, "org.gnome.Sdk");
  /* GNOME 43 is the GTK 4.8 / libadwaita 1.2 runtime that matches Debian 12. */
  g_assert_cmpstr (get_string_member (manifest, "runtime-version"), ==, "43");
  g_assert_cmpstr (get_string_member (manifest, "command"), ==, "premirror");
  g_assert_nonnull (get_array_member (manifest, "modules"));
  g_assert_cmpuint (json_array_get_length (get_array_member (manifest, "modules")), >, 0);
}

static void
test_manifest_finish_args (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  JsonArray *args = get_array_member (manifest, "finish-args");
  const char *const required[] = {
    "--share=network", "--share=ipc", "--socket=fallback-x11", "--socket=wayland", "--device=dri",
  };

  g_assert_nonnull (args);
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    if (!array_has_string (args, required[i]))
      g_test_fail_printf ("%s: finish-args lacks %s", manifest_path, required[i]);
  /* X11 only as a fallback: a Wayland session gives the sandbox no X server. */
  g_assert_false (array_has_string (args, "--socket=x11"));
}

static void
test_manifest_cleanup (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  JsonArray *cleanup = get_array_member (manifest, "cleanup");
  const char *const required[] = { "/include", "/lib/pkgconfig", "*.a", "*.la" };

  g_assert_nonnull (cleanup);
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    if (!array_has_string (cleanup, required[i]))
      g_test_fail_printf ("%s: cleanup lacks %s", manifest_path, required[i]);
}

static void
test_manifest_libshumate (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  g_autoptr(GHashTable) modules = get_modules (manifest);
  JsonObject *module = g_hash_table_lookup (modules, "libshumate");
  JsonArray *opts, *sources;
  const char *const required[] = {
    "-Ddemos=false", "-Dgtk_doc=false", "-Dvapi=false", "-Dgir=false",
  };

  if (module == NULL)
    {
      g_test_fail_printf ("%s: no libshumate module (it is not in the GNOME runtime)",
                          manifest_path);
      return;
    }

  g_assert_cmpstr (get_string_member (module, "buildsystem"), ==, "meson");
  opts = get_array_member (module, "config-opts");
  g_assert_nonnull (opts);
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    if (!array_has_string (opts, required[i]))
      g_test_fail_printf ("%s: libshumate config-opts lack %s", manifest_path, required[i]);

  /* Pinned to a 1.0.x release like Debian 12: an archive with its checksum or a git tag. */
  sources = get_array_member (module, "sources");
  g_assert_nonnull (sources);
  g_assert_cmpuint (json_array_get_length (sources), >, 0);
  for (guint i = 0; i < json_array_get_length (sources); i++)
    {
      JsonObject *source = json_array_get_object_element (sources, i);
      const char *type = get_string_member (source, "type");

      if (g_strcmp0 (type, "archive") == 0)
        {
          const char *url = get_string_member (source, "url");
          const char *sha256 = get_string_member (source, "sha256");

          g_assert_nonnull (url);
          g_assert_true (strstr (url, "libshumate-1.0.") != NULL);
          g_assert_nonnull (sha256);
          g_assert_cmpuint (strlen (sha256), ==, 64);
          for (const char *c = sha256; *c != '\0'; c++)
            g_assert_true (g_ascii_isxdigit (*c));
        }
      else if (g_strcmp0 (type, "git") == 0)
        {
          const char *tag = get_string_member (source, "tag");
          const char *commit = get_string_member (source, "commit");

          g_assert_true (tag != NULL || commit != NULL);
          if (tag != NULL)
            g_assert_true (g_str_has_prefix (tag, "1.0."));
        }
      else
        g_test_fail_printf ("%s: unexpected libshumate source type %s", manifest_path, type);
    }
}

static void
test_manifest_app_module (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  JsonArray *modules = get_array_member (manifest, "modules");
  JsonObject *app;
  JsonArray *sources;
  JsonObject *source;

  /* The application is the last module: everything before it is a dependency. */
  app = json_array_get_object_element (modules, json_array_get_length (modules) - 1);
  g_assert_nonnull (app);
  g_assert_cmpstr (get_string_member (app, "name"), ==, "premirror");
  g_assert_cmpstr (get_string_member (app, "buildsystem"), ==, "meson");
  g_assert_true (json_object_has_member (app, "run-tests"));
  g_assert_true (json_object_get_boolean_member (app, "run-tests"));

  sources = get_array_member (app, "sources");
  g_assert_nonnull (sources);
  g_assert_cmpuint (json_array_get_length (sources), ==, 1);
  source = json_array_get_object_element (sources, 0);
  g_assert_cmpstr (get_string_member (source, "type"), ==, "dir");
  g_assert_cmpstr (get_string_member (source, "path"), ==, "..");
}

static void
test_manifest_dependencies (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  g_autoptr(GHashTable) modules = get_modules (manifest);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) missing = NULL;
  g_autofree char *top = g_build_filename (source_root, "meson.build", NULL);

  /* Every meson.build of the project: the top level and the subdir()s. */
  pm_test_find_files (source_root, is_source_dir, is_meson_file, files);
  g_assert_true (g_ptr_array_find_with_equal_func (files, top, g_str_equal, NULL));

  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;

      g_file_get_contents (g_ptr_array_index (files, i), &text, NULL, &error);
      g_assert_no_error (error);
      scan_meson_dependencies (text, names);
    }

  /* The top-level meson.build declares the project's libraries; finding none means the
   * scanner is broken, not that the project has no dependencies. */
  g_assert_true (g_ptr_array_find_with_equal_func (names, "gtk4", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (names, "shumate-1.0", g_str_equal, NULL));

  missing = find_unbuilt (names, modules);
  if (missing->len > 0)
    {
      g_autofree char *list = join_names (missing);

      g_test_fail_printf ("%s: not in the GNOME runtime and not built by a module: %s (add a "
                          "module, or list the name in runtime_provides[] if the runtime has it)",
                          manifest_path, list);
    }
}

/* The check above must catch a new dependency without a module: feed it a meson.build that
 * adds libical and a commented-out one. */
static void
test_manifest_dependencies_detects_missing (void)
{
  g_autoptr(JsonParser) parser = NULL;
  JsonObject *manifest = load_manifest (&parser);
  g_autoptr(GHashTable) modules = get_modules (manifest);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) missing = NULL;
  const char *text =
    "gtk_dep = dependency('gtk4', version: '>= 4.8')\n"
    "shumate_dep = dependency ( 'shumate-1.0' )\n"
    "ical_dep = dependency('libical', version: '>= 3.0')\n"
    "# old_dep = dependency('libsoup-2.4')\n"
    "x = declare_dependency(link_with: foo)\n";

  scan_meson_dependencies (text, names);
  g_assert_cmpuint (names->len, ==, 3);

  missing = find_unbuilt (names, modules);
  if (g_hash_table_contains (modules, "libical"))
    g_assert_cmpuint (missing->len, ==, 0);
  else
    {
      g_assert_cmpuint (missing->len, ==, 1);
      g_assert_cmpstr (g_ptr_array_index (missing, 0), ==, "libical");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (argc != 3)
    g_error ("usage: %s MANIFEST.json SOURCE_ROOT", argv[0]);
  manifest_path = argv[1];
  source_root = argv[2];

  g_test_add_func ("/flatpak/manifest/fields", test_manifest_fields);
  g_test_add_func ("/flatpak/manifest/finish-args", test_manifest_finish_args);
  g_test_add_func ("/flatpak/manifest/cleanup", test_manifest_cleanup);
  g_test_add_func ("/flatpak/manifest/libshumate", test_manifest_libshumate);
  g_test_add_func ("/flatpak/manifest/app-module", test_manifest_app_module);
  g_test_add_func ("/flatpak/manifest/dependencies", test_manifest_dependencies);
  g_test_add_func ("/flatpak/manifest/dependencies/detects-missing",
                   test_manifest_dependencies_detects_missing);

  return g_test_run ();
}
