/* pm-test-nginx.c: a real nginx for the WebDAV tests and benchmarks.
 *
 * nginx runs in the foreground as a single process (daemon off, master_process off), so that
 * its pid is the one to stop or kill and a killed nginx leaves no worker holding the port.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "pm-test-nginx.h"
#include "pm-test-server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define NGINX_PATH "/usr/sbin/nginx"
#define READY_TIMEOUT_US (10 * G_USEC_PER_SEC)
#define PORT_ATTEMPTS 5

struct _PmTestNginx
{
  char   *dir;
  char   *root;
  char   *url;
  char   *server_extra;
  guint16 port;
  GPid    pid;        /* 0 when not running */
};

static gboolean
accepts_connections (guint16 port)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean connected;

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  connected = fd >= 0 && connect (fd, (struct sockaddr *) &address, sizeof address) == 0;
  if (fd >= 0)
    close (fd);
  return connected;
}

/* The temp_path directives of the modules this nginx has: a module left with its default path
 * would try to create it under /var/lib/nginx, which a non-root user cannot. */
static void
append_temp_paths (GString    *config,
                   const char *dir)
{
  static const char *const modules[] = { "proxy", "fastcgi", "uwsgi", "scgi" };
  const char *argv[] = { NGINX_PATH, "-V", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, NULL,
                NULL);
  g_string_append_printf (config, "  client_body_temp_path %s/body;\n", dir);
  for (guint i = 0; i < G_N_ELEMENTS (modules); i++)
    {
      g_autofree char *without = g_strdup_printf ("--without-http_%s_module", modules[i]);

      if (err == NULL || strstr (err, without) == NULL)
        g_string_append_printf (config, "  %s_temp_path %s/%s;\n", modules[i], dir, modules[i]);
    }
}

static gboolean
write_config (PmTestNginx *self,
              GError     **error)
{
  g_autoptr(GString) config = g_string_new (NULL);
  g_autofree char *path = g_build_filename (self->dir, "nginx.conf", NULL);

  /* As root, nginx would otherwise switch to "nobody", who cannot write our directory; as
   * anyone else the directive is ignored with a warning, so it is left out. */
  if (geteuid () == 0)
    g_string_append (config, "user root;\n");
  g_string_append_printf (config,
                          "daemon off;\n"
                          "master_process off;\n"
                          "worker_processes 1;\n"
                          "pid %s/nginx.pid;\n"
                          "lock_file %s/nginx.lock;\n"
                          "error_log %s/error.log warn;\n"
                          "events { worker_connections 256; }\n"
                          "http {\n"
                          "  access_log %s/access.log;\n"
                          /* What pm_test_nginx_read_request_log returns. */
                          "  log_format pm_requests '$status\\t$request_method\\t$request_uri"
                          "\\t$http_user_agent\\t$http_accept\\t$http_if_none_match"
                          "\\t$http_if_modified_since';\n"
                          "  access_log %s/requests.log pm_requests;\n"
                          "  default_type application/octet-stream;\n"
                          "  sendfile on;\n",
                          self->dir, self->dir, self->dir, self->dir, self->dir);
  append_temp_paths (config, self->dir);
  g_string_append_printf (config,
                          "  server {\n"
                          "    listen 127.0.0.1:%u;\n"
                          "    root %s;\n"
                          "    client_max_body_size 0;\n"
                          "    location / {\n"
                          "      dav_methods PUT DELETE MKCOL COPY MOVE;\n"
                          "      create_full_put_path on;\n"
                          "      dav_access user:rw;\n"
                          "    }\n"
                          "%s\n"
                          "  }\n"
                          "}\n",
                          self->port, self->root,
                          self->server_extra != NULL ? self->server_extra : "");
  return g_file_set_contents (path, config->str, config->len, error);
}

static char *
read_error_log (PmTestNginx *self)
{
  g_autofree char *path = g_build_filename (self->dir, "error.log", NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("(no error log)");
  return contents;
}

/* Starts nginx on self->port and waits until it accepts connections, or fails quoting its
 * error log. */
static gboolean
launch (PmTestNginx *self,
        GError     **error)
{
  g_autofree char *prefix = g_strconcat (self->dir, "/", NULL);
  g_autofree char *config = g_build_filename (self->dir, "nginx.conf", NULL);
  g_autofree char *error_log = g_build_filename (self->dir, "error.log", NULL);
  const char *argv[] = { NGINX_PATH, "-p", prefix, "-c", config, "-e", error_log, NULL };
  gint64 deadline;

  if (!write_config (self, error))
    return FALSE;
  g_unlink (error_log);
  if (!g_spawn_async (NULL, (char **) argv, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                      &self->pid, error))
    return FALSE;
  deadline = g_get_monotonic_time () + READY_TIMEOUT_US;
  while (!accepts_connections (self->port))
    {
      int status;

      if (waitpid (self->pid, &status, WNOHANG) == self->pid)
        {
          g_autofree char *log = read_error_log (self);

          self->pid = 0;
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "nginx on port %u exited at start: %s", self->port, log);
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *log = read_error_log (self);

          pm_test_nginx_kill (self);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "nginx on port %u did not accept connections within %d s: %s",
                       self->port, (int) (READY_TIMEOUT_US / G_USEC_PER_SEC), log);
          return FALSE;
        }
      g_usleep (10 * 1000);
    }
  return TRUE;
}

static void
stop_with (PmTestNginx *self,
           int          signal_number)
{
  if (self->pid == 0)
    return;
  kill (self->pid, signal_number);
  while (waitpid (self->pid, NULL, 0) < 0 && errno == EINTR)
    ;
  self->pid = 0;
}

PmTestNginx *
pm_test_nginx_new (const char *server_extra,
                   GError    **error)
{
  g_autoptr(PmTestNginx) self = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_test (NGINX_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "nginx is not installed (%s is absent): install nginx-light", NGINX_PATH);
      return NULL;
    }
  self = g_new0 (PmTestNginx, 1);
  self->server_extra = g_strdup (server_extra);
  self->dir = g_dir_make_tmp ("pm-nginx-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  self->root = g_build_filename (self->dir, "data", NULL);
  if (g_mkdir (self->root, 0755) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s: %s", self->root,
                   g_strerror (errno));
      return NULL;
    }
  /* The free port found may be taken before nginx binds it: try a few. */
  for (guint attempt = 0; attempt < PORT_ATTEMPTS; attempt++)
    {
      g_clear_error (&local_error);
      self->port = pm_test_free_port (FALSE);
      if (launch (self, &local_error))
        {
          self->url = g_strdup_printf ("http://127.0.0.1:%u/", self->port);
          return g_steal_pointer (&self);
        }
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

const char *
pm_test_nginx_get_url (PmTestNginx *self)
{
  return self->url;
}

const char *
pm_test_nginx_get_root (PmTestNginx *self)
{
  return self->root;
}

char *
pm_test_nginx_read_request_log (PmTestNginx *self)
{
  g_autofree char *path = g_build_filename (self->dir, "requests.log", NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

void
pm_test_nginx_stop (PmTestNginx *self)
{
  stop_with (self, SIGTERM);
}

void
pm_test_nginx_kill (PmTestNginx *self)
{
  stop_with (self, SIGKILL);
}

gboolean
pm_test_nginx_restart (PmTestNginx *self,
                       GError     **error)
{
  pm_test_nginx_stop (self);
  return launch (self, error);
}

void
pm_test_nginx_free (PmTestNginx *self)
{
  if (self == NULL)
    return;
  pm_test_nginx_stop (self);
  if (self->dir != NULL)
    pm_test_remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->root);
  g_free (self->url);
  g_free (self->server_extra);
  g_free (self);
}
