/* pm-test-pdns.c: a real pdns_server for the DNS backend's tests and benchmarks.
 *
 * pdns runs in the foreground without its guardian, so that its pid is the one to stop. It is
 * ready when it answers the zone's SOA: for the remote backend that also proves the backend is
 * reachable. The port is picked free for both UDP and TCP, and another is tried when pdns exits
 * at start (the port was taken meanwhile).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-pdns.h"
#include "pm-test-server.h"

#include <arpa/inet.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PDNS_PATH        "/usr/sbin/pdns_server"
#define DIG_PATH         "/usr/bin/dig"
#define READY_TIMEOUT_US (20 * G_USEC_PER_SEC)
#define PORT_ATTEMPTS    5

struct _PmTestPdns
{
  char        *dir;
  char        *zone;
  char        *log_path;
  char        *config;
  guint16      port;
  GSubprocess *process;  /* NULL when not running */
};

/* Where pdns_server loads its backends from: its default module-dir. */
static char *
module_dir (void)
{
  const char *argv[] = { PDNS_PATH, "--config=default", NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
                     NULL, NULL, NULL) || out == NULL)
    return NULL;
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "# module-dir="))
      return g_strdup (lines[i] + strlen ("# module-dir="));
  return NULL;
}

static gboolean
check_installed (const char *backend,
                 GError    **error)
{
  g_autofree char *modules = NULL;
  g_autofree char *library = NULL;

  if (!g_file_test (PDNS_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "PowerDNS is not installed (%s is absent): install pdns-server", PDNS_PATH);
      return FALSE;
    }
  if (!g_file_test (DIG_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "dig is not installed (%s is absent): install dnsutils", DIG_PATH);
      return FALSE;
    }
  modules = module_dir ();
  library = g_strdup_printf ("%s/lib%sbackend.so", modules != NULL ? modules : "(unknown)",
                             backend);
  if (!g_file_test (library, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "the PowerDNS %s backend is not installed (%s is absent): install "
                   "pdns-backend-%s", backend, library, backend);
      return FALSE;
    }
  return TRUE;
}

static void
stop (PmTestPdns *self)
{
  if (self->process == NULL)
    return;
  g_subprocess_send_signal (self->process, SIGTERM);
  g_subprocess_wait (self->process, NULL, NULL);
  g_clear_object (&self->process);
}

char *
pm_test_pdns_read_log (PmTestPdns *self)
{
  char *contents = NULL;

  if (!g_file_get_contents (self->log_path, &contents, NULL, NULL))
    return g_strdup ("(no log)");
  return contents;
}

static char *
run_dig (guint16             port,
         const char * const *args,
         GError            **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) dig = NULL;
  g_autofree char *server = g_strdup ("@127.0.0.1");
  g_autofree char *port_text = g_strdup_printf ("%u", port);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_ptr_array_add (argv, (gpointer) DIG_PATH);
  g_ptr_array_add (argv, server);
  g_ptr_array_add (argv, (gpointer) "-p");
  g_ptr_array_add (argv, port_text);
  /* One try with a short timeout: a lost answer must fail the check, not hide behind retries. */
  g_ptr_array_add (argv, (gpointer) "+time=2");
  g_ptr_array_add (argv, (gpointer) "+tries=1");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  dig = g_subprocess_newv ((const char *const *) argv->pdata,
                           G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                           error);
  if (dig == NULL || !g_subprocess_communicate_utf8 (dig, NULL, NULL, &out, &err, error))
    return NULL;
  if (!g_subprocess_get_if_exited (dig) || g_subprocess_get_exit_status (dig) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "dig failed: %s%s", out,
                   err != NULL ? err : "");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* Answered with the zone's SOA: pdns listens and its backend serves. */
static gboolean
answers_soa (PmTestPdns *self)
{
  const char *const args[] = { "+short", self->zone, "SOA", NULL };
  g_autofree char *out = run_dig (self->port, args, NULL);

  return out != NULL && out[0] != '\0';
}

static gboolean
launch (PmTestPdns *self,
        GError    **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *config_path = g_build_filename (self->dir, "pdns.conf", NULL);
  g_autofree char *config_dir = g_strdup_printf ("--config-dir=%s", self->dir);
  gint64 deadline;

  if (!g_file_set_contents (config_path, self->config, -1, error))
    return FALSE;
  g_unlink (self->log_path);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, self->log_path);
  g_subprocess_launcher_set_child_setup (launcher, pm_test_die_with_parent, NULL, NULL);
  self->process = g_subprocess_launcher_spawn (launcher, error, PDNS_PATH, config_dir, NULL);
  if (self->process == NULL)
    return FALSE;

  deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  while (!answers_soa (self))
    {
      if (g_subprocess_get_identifier (self->process) == NULL
          || g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = pm_test_pdns_read_log (self);
          gboolean exited = g_subprocess_get_identifier (self->process) == NULL;

          stop (self);
          g_set_error (error, G_IO_ERROR, exited ? G_IO_ERROR_FAILED : G_IO_ERROR_TIMED_OUT,
                       "pdns_server on port %u %s: %s", self->port,
                       exited ? "exited at start"
                              : "did not answer the SOA query within 20 s",
                       log);
          return FALSE;
        }
      g_usleep (20 * 1000);
    }
  return TRUE;
}

/* Settings of both variants: loopback only, nothing outside the directory, no caches, no
 * security poll (the test network has no resolver: pdns would wait on it at start). */
static GString *
common_config (PmTestPdns *self)
{
  GString *config = g_string_new (NULL);

  g_string_append_printf (config,
                          "local-address=127.0.0.1\n"
                          "local-port=%u\n"
                          "socket-dir=%s\n"
                          "security-poll-suffix=\n"
                          "cache-ttl=0\n"
                          "query-cache-ttl=0\n"
                          "negquery-cache-ttl=0\n"
                          "zone-cache-refresh-interval=0\n"
                          "guardian=no\n"
                          "daemon=no\n"
                          "disable-syslog=yes\n"
                          "edns-subnet-processing=yes\n",
                          self->port, self->dir);
  return config;
}

static PmTestPdns *
start (const char  *backend,
       const char  *zone,
       const char  *zone_text,
       const char  *backend_url,
       GError     **error)
{
  g_autoptr(PmTestPdns) self = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!check_installed (backend, error))
    return NULL;
  self = g_new0 (PmTestPdns, 1);
  self->zone = g_strdup (zone);
  self->dir = g_dir_make_tmp ("pm-pdns-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  self->log_path = g_build_filename (self->dir, "pdns.log", NULL);
  if (zone_text != NULL)
    {
      g_autofree char *zone_path = g_build_filename (self->dir, "zone.db", NULL);
      g_autofree char *named_path = g_build_filename (self->dir, "named.conf", NULL);
      g_autofree char *named = g_strdup_printf ("zone \"%s\" { type master; file \"%s\"; };\n",
                                                zone, zone_path);

      if (!g_file_set_contents (zone_path, zone_text, -1, error)
          || !g_file_set_contents (named_path, named, -1, error))
        return NULL;
    }

  for (guint attempt = 0; attempt < PORT_ATTEMPTS; attempt++)
    {
      g_autoptr(GString) config = NULL;

      g_clear_error (&local_error);
      self->port = pm_test_free_port (TRUE);
      config = common_config (self);
      if (backend_url != NULL)
        g_string_append_printf (config,
                                "launch=remote\n"
                                "remote-connection-string=http:url=%s,post=yes,post_json=yes\n",
                                backend_url);
      else
        g_string_append_printf (config,
                                "launch=bind\n"
                                "bind-config=%s/named.conf\n"
                                "bind-check-interval=0\n",
                                self->dir);
      g_free (self->config);
      self->config = g_string_free (g_steal_pointer (&config), FALSE);
      if (launch (self, &local_error))
        return g_steal_pointer (&self);
      /* Only a pdns that exited (its port taken) deserves another port. */
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_FAILED))
        break;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

PmTestPdns *
pm_test_pdns_new_remote (const char *backend_url,
                         const char *zone,
                         GError    **error)
{
  g_return_val_if_fail (backend_url != NULL && zone != NULL, NULL);
  return start ("remote", zone, NULL, backend_url, error);
}

PmTestPdns *
pm_test_pdns_new_bind (const char *zone,
                       const char *zone_text,
                       GError    **error)
{
  g_return_val_if_fail (zone != NULL && zone_text != NULL, NULL);
  return start ("bind", zone, zone_text, NULL, error);
}

guint16
pm_test_pdns_get_port (PmTestPdns *self)
{
  return self->port;
}

const char *
pm_test_pdns_get_config (PmTestPdns *self)
{
  return self->config;
}

char *
pm_test_pdns_dig (PmTestPdns         *self,
                  const char * const *args,
                  GError            **error)
{
  return run_dig (self->port, args, error);
}

void
pm_test_pdns_free (PmTestPdns *self)
{
  if (self == NULL)
    return;
  stop (self);
  if (self->dir != NULL)
    pm_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->zone);
  g_free (self->log_path);
  g_free (self->config);
  g_free (self);
}
