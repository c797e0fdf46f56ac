/* test-cli.c: the premirror executable's command line: --version, --headless until SIGTERM,
 * and a clear message with exit status 1 for a bad topology. Needs no display.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gio/gio.h>
#include <signal.h>

#include "pm-test-util.h"

static const char *
premirror_path (void)
{
  const char *path = g_getenv ("PM_PREMIRROR");

  g_assert_nonnull (path);
  return path;
}

static GSubprocess *
spawn (GError **error,
       ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  va_list args;
  const char *arg;

  g_ptr_array_add (argv, (gpointer) premirror_path ());
  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return g_subprocess_newv ((const char *const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
}

static void
test_cli_version (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--version", NULL);
  g_autofree char *out = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
  g_assert_true (g_str_has_prefix (out, "premirror "));
}

static void
test_cli_headless_until_sigterm (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--source", "sim:?seed=3&speed=600", NULL);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *edges = g_build_filename (data_dir, "edges", NULL);

  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "engine: "));
  g_assert_nonnull (strstr (line, "seed 3"));
  g_assert_true (g_file_test (edges, G_FILE_TEST_IS_DIR));

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);
}

static void
test_cli_bad_topology (void)
{
  g_autofree char *path = pm_test_write_temp_file ("net.geojson",
                                                   "{\"type\": \"FeatureCollection\", "
                                                   "\"features\": [{\"type\": \"Feature\", "
                                                   "\"properties\": {}, \"geometry\": "
                                                   "{\"type\": \"Point\", \"coordinates\": "
                                                   "[8.6, 50.1]}}]}");
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--topology", path, NULL);
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_nonnull (strstr (err, path));
  g_assert_nonnull (strstr (err, "feature 0"));
  g_assert_nonnull (strstr (err, "“id”"));
}

static void
test_cli_unknown_source (void)
{
  g_autofree char *data_dir = pm_test_make_temp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (&error, "--headless", "--data-dir", data_dir,
                                          "--source", "sim:?speed=-5", NULL);
  g_autofree char *err = NULL;

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 1);
  g_assert_true (g_str_has_prefix (err, "premirror: "));
  g_assert_nonnull (strstr (err, "speed"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/version", test_cli_version);
  g_test_add_func ("/cli/headless-until-sigterm", test_cli_headless_until_sigterm);
  g_test_add_func ("/cli/bad-topology", test_cli_bad_topology);
  g_test_add_func ("/cli/bad-source", test_cli_unknown_source);

  return g_test_run ();
}
