/* pm-test-console.c: headless consoles started by the tests.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-console.h"
#include "pm-test-server.h"

#include <signal.h>

static const char *
premirror_path (void)
{
  const char *path = g_getenv ("PM_PREMIRROR");

  g_assert_nonnull (path);
  return path;
}

void
pm_test_console_start (PmTestConsole *console,
                       const char    *topology,
                       const char    *resources,
                       ...)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;
  g_autofree char *token_path = g_build_filename (console->data_dir, "api-token", NULL);
  const char *const fixed[] = { premirror_path (), "--headless", "--data-dir", console->data_dir,
                                "--topology", topology, "--resources", resources, "--source",
                                "sim:?seed=5&speed=60", "--api", "127.0.0.1:0" };
  const char *arg;
  va_list args;

  g_assert_null (console->process);
  for (guint i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, (gpointer) fixed[i]);
  va_start (args, resources);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, pm_test_die_with_parent, NULL, NULL);
  /* Tokens of its own: the first start writes this console's token beside its data. */
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", console->config_dir, TRUE);
  console->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata,
                                                   &error);
  g_assert_no_error (error);
  /* Its first line on stdout is its API's address, printed once it listens. */
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (console->process));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "api: "));
  g_free (console->url);
  console->url = g_strdup (line + 5);
  if (console->token == NULL)
    {
      g_assert_true (g_file_get_contents (token_path, &console->token, NULL, NULL));
      g_strstrip (console->token);
    }
}

void
pm_test_console_stop (PmTestConsole *console,
                      int            signal)
{
  g_autoptr(GError) error = NULL;

  if (console->process == NULL)
    return;
  g_subprocess_send_signal (console->process, signal);
  g_subprocess_wait (console->process, NULL, &error);
  g_assert_no_error (error);
  /* Asked to stop, it stops cleanly: not crashed, and (under AddressSanitizer) nothing leaked. */
  if (signal == SIGTERM)
    {
      g_assert_true (g_subprocess_get_if_exited (console->process));
      g_assert_cmpint (g_subprocess_get_exit_status (console->process), ==, 0);
    }
  g_clear_object (&console->process);
}

void
pm_test_console_clear (PmTestConsole *console)
{
  pm_test_console_stop (console, SIGTERM);
  g_clear_pointer (&console->data_dir, g_free);
  g_clear_pointer (&console->config_dir, g_free);
  g_clear_pointer (&console->url, g_free);
  g_clear_pointer (&console->token, g_free);
}
